//! The sandbox and the connections every contender uses: one database, the app role over
//! plain TCP (the sandbox runs without TLS so that every client, tokio-postgres included,
//! pays the same transport), a qsorm connection, a sqlx pool and a tokio-postgres client.

use qsorm::connect::cli::sandbox_connection;
use qsorm::connect::{ConnParams, Flavor, QsConnection, SslMode};
use qsorm::sandbox::{Sandbox, SandboxOptions};
use sea_orm::ConnectionTrait;

use super::measure::fail;

/// Everything a workload needs.
pub struct Ctx {
    /// The sandbox PostgreSQL (TLS off).
    pub sandbox: Sandbox,
    /// The database the workloads use.
    pub db: String,
    /// qsorm's connection (sea-orm pool inside).
    pub conn: QsConnection,
    /// A sqlx pool with the same role and settings.
    pub pool: sqlx::PgPool,
    /// A tokio-postgres client.
    pub pg: tokio_postgres::Client,
}

impl Ctx {
    /// Starts a sandbox and opens every client on a fresh database.
    pub async fn start() -> Result<Ctx, String> {
        let sandbox = Sandbox::start(SandboxOptions {
            tls: false,
            persistent_dir: None,
        })
        .map_err(fail("sandbox"))?;
        let db = sandbox.fresh_database().await.map_err(fail("database"))?;
        let conn = sandbox_connection(&sandbox, &db, None).map_err(fail("qsorm connection"))?;
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(10)
            .connect_with(sandbox.app_connect_options(&db))
            .await
            .map_err(fail("sqlx pool"))?;
        let pg = tokio_pg(&sandbox, &db).await?;
        Ok(Ctx {
            sandbox,
            db,
            conn,
            pool,
            pg,
        })
    }

    /// Runs SQL on qsorm's connection (setup, never timed).
    pub async fn exec(&self, sql: &str) -> Result<(), String> {
        self.conn
            .db()
            .execute_unprepared(sql)
            .await
            .map(|_| ())
            .map_err(fail("setup SQL"))
    }

    /// `nproc`, the server version and the build profile.
    pub async fn machine(&self) -> String {
        let version = self
            .pg
            .query_one("SHOW server_version", &[])
            .await
            .map(|r| r.get::<_, String>(0))
            .unwrap_or_else(|e| format!("unknown ({e})"));
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let profile = if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        };
        format!(
            "{cores} cores (nproc), PostgreSQL {version} (sandbox, no TLS, 127.0.0.1), {profile} build"
        )
    }
}

/// A tokio-postgres client as the app role (its connection task spawned).
pub async fn tokio_pg(sandbox: &Sandbox, db: &str) -> Result<tokio_postgres::Client, String> {
    let (client, connection) = tokio_postgres::connect(&sandbox.app_url(db), tokio_postgres::NoTls)
        .await
        .map_err(fail("tokio-postgres connect"))?;
    // Its end (the sandbox stopping, a database dropped) is no news here.
    tokio::spawn(connection);
    Ok(client)
}

/// A qsorm connection to `db` as the app role through `port` on 127.0.0.1 (a proxy).
pub fn qsorm_via(sandbox: &Sandbox, db: &str, port: u16) -> Result<QsConnection, String> {
    let config = ConnParams::default()
        .host(sandbox.host())
        .port(port)
        .database(db)
        .user(sandbox.app_user())
        .password(sandbox.app_password())
        .sslmode(SslMode::Disable)
        .flavor(Flavor::Postgres)
        .build()
        .map_err(fail("connection settings"))?;
    Ok(QsConnection::new(config))
}

/// A sqlx pool to `db` as the app role through `port` on 127.0.0.1 (a proxy), with sqlx's
/// defaults (a ping before each acquire of an idle connection).
pub fn sqlx_via(sandbox: &Sandbox, db: &str, port: u16) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(10)
        .connect_lazy_with(sandbox.app_connect_options(db).port(port))
}

/// [`sqlx_via`] without the ping before acquire: the raw limit of one statement.
pub fn sqlx_via_unpinged(sandbox: &Sandbox, db: &str, port: u16) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(10)
        .test_before_acquire(false)
        .connect_lazy_with(sandbox.app_connect_options(db).port(port))
}

/// `sum(calls)` of the top-level statements pg_stat_statements saw on `db` (statements run
/// inside functions, such as the SQL functions of `information_schema` views, are not
/// counted), read as the superuser from the `postgres` database (so the reading query is
/// not counted); `None` without pg_stat_statements.
pub async fn statements(sandbox: &Sandbox, db: &str) -> Option<i64> {
    if !sandbox.has_pg_stat_statements() {
        return None;
    }
    let (client, connection) =
        tokio_postgres::connect(&sandbox.superuser_url("postgres"), tokio_postgres::NoTls)
            .await
            .ok()?;
    tokio::spawn(connection);
    // The view lives where the extension is created; `postgres` predates template1's copy.
    client
        .batch_execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .await
        .ok()?;
    let row = client
        .query_one(
            "SELECT coalesce(sum(calls), 0)::int8 FROM pg_stat_statements s \
             JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 AND s.toplevel",
            &[&db],
        )
        .await
        .ok()?;
    Some(row.get(0))
}
