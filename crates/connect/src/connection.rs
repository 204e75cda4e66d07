//! A lazy connection pool handed out as a sea-orm `DatabaseConnection`.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use sea_orm::{DatabaseConnection, QueryResult, SqlxPostgresConnector};
use sqlx::Connection;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, Postgres};

use crate::error::{ConnectError, ErrorContext, classify, classify_sqlx};
use crate::{ConnConfig, Flavor, Password};

/// A configured connection: a lazy pool (nothing is sent until the first query, like
/// SQLAlchemy's `create_engine`) wrapped as a sea-orm [`DatabaseConnection`].
///
/// Cloning is cheap and shares the pool.
///
/// No method hands out the sqlx pool: its connect options hold the password, and their
/// `Debug` prints it. Use [`QsConnection::acquire`] or [`QsConnection::connect_dedicated`]
/// for sqlx-level work:
///
/// ```compile_fail
/// # fn demo(conn: &qsorm_connect::QsConnection) {
/// let _ = conn.pool(); // not public
/// # }
/// ```
#[derive(Clone)]
pub struct QsConnection {
    db: DatabaseConnection,
    pool: PgPool,
    pub(crate) executor: crate::Executor,
    config: Arc<RwLock<ConnConfig>>,
}

impl std::fmt::Debug for QsConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QsConnection")
            .field(
                "config",
                &*self.config.read().unwrap_or_else(|e| e.into_inner()),
            )
            .finish_non_exhaustive()
    }
}

/// The driver options for a configuration.
///
/// On the Query Service flavor the statement cache is off by default (capacity 0), so sqlx
/// keeps no prepared statement around between queries. sqlx still prepares each bound query
/// as a named statement in two synchronisation rounds, though: for Query Service (and any
/// pooler in transaction mode) use [`QsConnection::simple`], which never does.
fn driver_options(config: &ConnConfig) -> PgConnectOptions {
    let mut opts = PgConnectOptions::new_without_pgpass()
        .host(&config.host)
        .port(config.port)
        .username(&config.user)
        .database(&config.database)
        .ssl_mode(config.effective_sslmode().to_sqlx())
        .statement_cache_capacity(config.statement_cache);
    if let Some(pw) = &config.password {
        opts = opts.password(pw.expose());
    }
    if let Some(root) = config.root_cert() {
        opts = opts.ssl_root_cert(root);
    }
    if let Some(app) = &config.application_name {
        opts = opts.application_name(app);
    }
    match config.flavor {
        Flavor::QueryService => {
            // Minimal startup packet.
            opts = opts.extra_float_digits(None);
        }
        Flavor::Postgres => {
            if let Some(timeout) = config.statement_timeout {
                opts = opts.options([("statement_timeout", format!("{}ms", timeout.as_millis()))]);
            }
        }
    }
    opts
}

/// How long a pooled PostgreSQL connection may sit idle and still be handed out without a
/// ping first (HikariCP's default bypass window is 500 ms).
pub const IDLE_BEFORE_PING: Duration = Duration::from_millis(500);

impl QsConnection {
    /// Builds the pool without connecting. Must be called inside a Tokio runtime.
    pub fn new(config: ConnConfig) -> QsConnection {
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .min_connections(config.min_connections)
            .acquire_timeout(config.connect_timeout)
            // sqlx's pool can check a connection with a lone Sync (an extended-protocol
            // message) before handing it out, and always does after a release; Query Service
            // refuses it with 08P01. On that flavor a connection is therefore never tested and,
            // once released, closed instead of pinged: nothing but simple queries ever reaches
            // the server, at the cost of a new session per checkout.
            //
            // On PostgreSQL a connection is pinged before it is handed out only when it sat
            // idle for `IDLE_BEFORE_PING` or longer (HikariCP's `aliveBypassWindowMs` rule): a
            // connection released moments ago was just pinged by the release itself, and
            // pinging it again would put a second server turn in front of every single-row
            // call. A connection left idle across a server restart is still tested, and
            // replaced, before any statement reaches it.
            .test_before_acquire(false)
            .before_acquire({
                let ping = !config.flavor.is_query_service();
                move |conn, meta| {
                    Box::pin(async move {
                        if ping && meta.idle_for >= IDLE_BEFORE_PING {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                }
            })
            .after_release({
                let keep = !config.flavor.is_query_service();
                move |_conn, _meta| Box::pin(async move { Ok(keep) })
            })
            .connect_lazy_with(driver_options(&config));
        if config.sslmode != config.effective_sslmode() {
            tracing::info!(
                configured = %config.sslmode,
                "Query Service asks for a cleartext password: TLS is required, using sslmode=require"
            );
        }
        let db = SqlxPostgresConnector::from_sqlx_postgres_pool(pool.clone());
        let executor = match config.flavor {
            Flavor::QueryService => crate::Executor::Simple(crate::SimpleConnection::with_flavor(
                pool.clone(),
                config.flavor,
            )),
            Flavor::Postgres => crate::Executor::Bound(db.clone()),
        };
        QsConnection {
            db,
            pool,
            executor,
            config: Arc::new(RwLock::new(config)),
        }
    }

    /// The sea-orm connection (cheap to clone; shares the pool).
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The same pool as a sea-orm connection that runs every statement over the simple query
    /// protocol with inlined literals of this connection's flavor (see [`crate::simple`] and
    /// [`crate::literal`]): what Query Service and poolers in transaction mode need.
    pub fn simple(&self) -> crate::SimpleConnection {
        crate::SimpleConnection::with_flavor(self.pool.clone(), self.flavor())
    }

    /// A connection checked out of the pool (it goes back when dropped), for sqlx-level work
    /// qsorm does not wrap: `COPY`, `sqlx::query(...).fetch_one(&mut *conn)`.
    ///
    /// The pool itself is not handed out: sqlx's pool gives its connect options to anyone
    /// holding it, and their `Debug` prints the password. A pooled connection's does not.
    ///
    /// ```no_run
    /// # async fn demo(conn: &qsorm_connect::QsConnection) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut pooled = conn.acquire().await?;
    /// let (one,): (i32,) = sqlx::query_as("SELECT 1").fetch_one(&mut *pooled).await?;
    /// # Ok(()) }
    /// ```
    pub async fn acquire(&self) -> Result<PoolConnection<Postgres>, ConnectError> {
        match self.pool.acquire().await {
            Ok(conn) => Ok(conn),
            Err(e) => Err(self.diagnose(self.sqlx_error(e)).await),
        }
    }

    /// A new connection with this configuration, outside the pool (for session state that must
    /// outlive a checkout, such as a session-level advisory lock). Bounded by the connect
    /// timeout; errors are typed like the pool's.
    pub async fn connect_dedicated(&self) -> Result<PgConnection, ConnectError> {
        let config = self.config();
        let options = driver_options(&config);
        let connect = PgConnection::connect_with(&options);
        let err = match tokio::time::timeout(config.connect_timeout, connect).await {
            Ok(Ok(conn)) => return Ok(conn),
            Ok(Err(e)) => self.sqlx_error(e),
            Err(_) => ConnectError::Timeout {
                what: format!(
                    "no connection to {}:{} within {:?}",
                    config.host, config.port, config.connect_timeout
                ),
                after: Some(config.connect_timeout),
                source: None,
            },
        };
        Err(self.diagnose(err).await)
    }

    /// A snapshot of the current configuration.
    pub fn config(&self) -> ConnConfig {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The server flavor.
    pub fn flavor(&self) -> Flavor {
        self.config().flavor
    }

    /// What the error classifier needs to know about this connection.
    pub fn error_context(&self) -> ErrorContext {
        let c = self.config();
        ErrorContext {
            host: c.host.clone(),
            port: c.port,
            user: c.user.clone(),
            flavor: c.flavor,
            sslmode: c.effective_sslmode(),
            connect_timeout: c.connect_timeout,
        }
    }

    /// Classifies a sea-orm error raised on this connection (see [`crate::classify`]).
    pub fn classify(&self, err: &sea_orm::DbErr) -> Option<ConnectError> {
        classify(err, &self.error_context())
    }

    /// Replaces the credentials on the live pool, without restarting the program: every
    /// connection opened from now on uses them (connections already open stay authenticated,
    /// as PostgreSQL does not end sessions when a password changes).
    pub fn refresh_credentials(&self, user: Option<&str>, password: Password) {
        let mut config = self.config.write().unwrap_or_else(|e| e.into_inner());
        if let Some(user) = user {
            config.user = user.to_owned();
        }
        config.password = Some(password);
        self.pool.set_connect_options(driver_options(&config));
        tracing::info!(user = %config.user, "credentials refreshed");
    }

    /// Connects (if needed) and runs a trivial query, returning a typed error on failure.
    pub async fn check(&self) -> Result<(), ConnectError> {
        self.simple_query("SELECT 1").await.map(|_| ())
    }

    /// Runs SQL over the simple query protocol (no Parse/Bind: what psql and psycopg2 do) and
    /// returns the rows. Only pass SQL whose literals are already rendered for this flavor
    /// ([`crate::literal`]; sea-query's `to_string` is a debugging aid that writes `E'...'`,
    /// which Query Service refuses).
    pub async fn simple_query(&self, sql: &str) -> Result<Vec<QueryResult>, ConnectError> {
        use futures_util::TryStreamExt;
        let rows: Result<Vec<sqlx::postgres::PgRow>, ConnectError> =
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                .fetch(&self.pool)
                .try_collect()
                .await
                .map_err(|e| self.sqlx_error(e));
        let rows = match rows {
            Ok(rows) => rows,
            Err(e) => return Err(self.diagnose(e).await),
        };
        Ok(rows.into_iter().map(QueryResult::from).collect())
    }

    fn sqlx_error(&self, e: sqlx::Error) -> ConnectError {
        let e = std::sync::Arc::new(e);
        let ctx = self.error_context();
        classify_sqlx(&e, &ctx).unwrap_or_else(|| {
            let server = e
                .as_database_error()
                .and_then(|db| Some((crate::SqlState::from_sqlx(&e)?, db.message().to_owned())));
            match server {
                Some((sqlstate, message)) => ConnectError::Database {
                    sqlstate,
                    message,
                    source: e,
                },
                None => ConnectError::Driver { source: e },
            }
        })
    }

    /// Refines a pool timeout: when nothing listens at host:port the pool keeps retrying until
    /// its timeout, so probe the address once and report [`ConnectError::Unreachable`].
    pub async fn diagnose(&self, err: ConnectError) -> ConnectError {
        if !matches!(err, ConnectError::Timeout { .. }) {
            return err;
        }
        let c = self.config();
        let probe = tokio::time::timeout(
            std::time::Duration::from_secs(3),
            tokio::net::TcpStream::connect((c.host.as_str(), c.port)),
        )
        .await;
        match probe {
            Ok(Err(e)) => ConnectError::Unreachable {
                host: c.host,
                port: c.port,
                reason: e.to_string(),
                source: Some(std::sync::Arc::new(sqlx::Error::Io(e))),
            },
            Err(_) => ConnectError::Unreachable {
                host: c.host,
                port: c.port,
                reason: "no answer within 3 s".to_owned(),
                source: None,
            },
            Ok(Ok(_)) => err,
        }
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
