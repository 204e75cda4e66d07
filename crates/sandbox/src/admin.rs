//! Administration over short-lived superuser connections: roles, databases, raw SQL.
//!
//! Every call opens its own `PgConnection` (no pool in a static: each `#[tokio::test]` has
//! its own runtime, and a connection made on one runtime must not be used on another).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};

use crate::error::sqlstate;
use crate::{APP_USER, SUPERUSER, Sandbox, SandboxError};

/// Numbers the databases made by [`Sandbox::fresh_database`] in this process.
static DATABASE_COUNTER: AtomicU64 = AtomicU64::new(0);

/// `"name"`, with `"` doubled ([`qsorm_ident::quote_ident_checked`]). Rejects exactly the
/// empty name and a name containing NUL (PostgreSQL cannot store it).
pub fn quote_ident(name: &str) -> Result<String, SandboxError> {
    qsorm_ident::quote_ident_checked(name).map_err(|_| {
        SandboxError::InvalidArgument(format!("identifier {name:?} is empty or contains NUL"))
    })
}

/// `E'text'` with `\` and `'` escaped, so it means the same whatever
/// `standard_conforming_strings` is. Rejects NUL.
pub fn quote_literal(text: &str) -> Result<String, SandboxError> {
    if text.contains('\0') {
        return Err(SandboxError::InvalidArgument(
            "string literal contains NUL".to_owned(),
        ));
    }
    Ok(format!(
        "E'{}'",
        text.replace('\\', "\\\\").replace('\'', "''")
    ))
}

/// The group whose members authenticate with a cleartext password over TLS.
const CLEARTEXT_GROUP: &str = "qsorm_cleartext";

async fn execute(conn: &mut PgConnection, sql: String) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(conn)
        .await
        .map(drop)
}

impl Sandbox {
    /// Options for a superuser connection over TCP without TLS (trust authentication).
    pub fn superuser_connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new_without_pgpass()
            .host(self.host())
            .port(self.port())
            .username(SUPERUSER)
            .database(database)
            .ssl_mode(PgSslMode::Disable)
            .application_name("qsorm-sandbox")
    }

    /// Options for the app role ([`Sandbox::app_user`]) with its password; with TLS on,
    /// `verify-full` against [`Sandbox::ca_cert_path`], else TLS disabled.
    pub fn app_connect_options(&self, database: &str) -> PgConnectOptions {
        let opts = PgConnectOptions::new_without_pgpass()
            .host(self.host())
            .port(self.port())
            .username(self.app_user())
            .password(self.app_password())
            .database(database);
        match self.ca_cert_path() {
            Some(ca) => opts.ssl_mode(PgSslMode::VerifyFull).ssl_root_cert(ca),
            None => opts.ssl_mode(PgSslMode::Disable),
        }
    }

    /// A superuser connection; statement logging off when `quiet` (passwords in the SQL).
    async fn admin_connection(
        &self,
        database: &str,
        quiet: bool,
    ) -> Result<PgConnection, SandboxError> {
        let mut opts = self.superuser_connect_options(database);
        if quiet {
            opts = opts.disable_statement_logging();
        }
        let mut conn = PgConnection::connect_with(&opts).await?;
        if quiet {
            // Keep passwords out of the server log (statements of failed commands) and out of
            // pg_stat_statements (it records utility statements as sent).
            execute(&mut conn, "SET log_min_error_statement = panic".into()).await?;
            if self.has_pg_stat_statements() {
                execute(
                    &mut conn,
                    "SET pg_stat_statements.track_utility = off".into(),
                )
                .await?;
            }
        }
        Ok(conn)
    }

    /// Run `sql` (one or more statements, simple query protocol) as the superuser in `database`.
    pub async fn admin_execute(&self, database: &str, sql: &str) -> Result<(), SandboxError> {
        let mut conn = self.admin_connection(database, false).await?;
        let result = execute(&mut conn, sql.to_owned()).await;
        let _ = conn.close().await;
        Ok(result?)
    }

    /// Create a login role with this password; if it exists, set its password (and LOGIN).
    /// Any text works as name and password (quoted here), except NUL.
    pub async fn create_role(&self, name: &str, password: &str) -> Result<(), SandboxError> {
        self.upsert_role(name, password, "LOGIN").await
    }

    pub(crate) async fn upsert_role(
        &self,
        name: &str,
        password: &str,
        attributes: &str,
    ) -> Result<(), SandboxError> {
        let (ident, literal) = (quote_ident(name)?, quote_literal(password)?);
        let mut conn = self.admin_connection("postgres", true).await?;
        let alter = format!("ALTER ROLE {ident} {attributes} PASSWORD {literal}");
        let result = async {
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
                    .bind(name)
                    .fetch_one(&mut conn)
                    .await?;
            if exists {
                return execute(&mut conn, alter).await;
            }
            let create = format!("CREATE ROLE {ident} {attributes} PASSWORD {literal}");
            match execute(&mut conn, create).await {
                // 42710: role exists; 23505: created concurrently by another session.
                Err(e) if matches!(sqlstate(&e).as_deref(), Some("42710" | "23505")) => {
                    execute(&mut conn, alter).await
                }
                other => other,
            }
        }
        .await;
        let _ = conn.close().await;
        Ok(result?)
    }

    /// Create a login role that authenticates like Query Service: the server asks for a
    /// cleartext password, accepted over TLS only (member of `qsorm_cleartext`).
    pub async fn create_cleartext_role(
        &self,
        name: &str,
        password: &str,
    ) -> Result<(), SandboxError> {
        self.upsert_role(name, password, "LOGIN").await?;
        let sql = format!("GRANT {CLEARTEXT_GROUP} TO {}", quote_ident(name)?);
        self.admin_execute("postgres", &sql).await
    }

    /// Change the password of an existing role.
    pub async fn set_password(&self, role: &str, password: &str) -> Result<(), SandboxError> {
        let sql = format!(
            "ALTER ROLE {} PASSWORD {}",
            quote_ident(role)?,
            quote_literal(password)?
        );
        let mut conn = self.admin_connection("postgres", true).await?;
        let result = execute(&mut conn, sql).await;
        let _ = conn.close().await;
        Ok(result?)
    }

    /// A new database `qsorm_t_<pid>_<n>` copied from `template1`, owned by the app role.
    /// Safe to call concurrently (from tasks, threads or processes).
    pub async fn fresh_database(&self) -> Result<String, SandboxError> {
        self.fresh_database_from("template1").await
    }

    /// Like [`Sandbox::fresh_database`], copied from `template`. While other sessions are
    /// connected to `template` PostgreSQL refuses to copy it; this retries for about 10 s.
    pub async fn fresh_database_from(&self, template: &str) -> Result<String, SandboxError> {
        let template = quote_ident(template)?;
        let owner = quote_ident(APP_USER)?;
        let mut conn = self.admin_connection("postgres", false).await?;
        let mut delay = Duration::from_millis(20);
        let mut waited = Duration::ZERO;
        let result = loop {
            let n = DATABASE_COUNTER.fetch_add(1, Ordering::Relaxed);
            let name = format!("qsorm_t_{}_{n}", std::process::id());
            let sql = format!(
                "CREATE DATABASE {} TEMPLATE {template} OWNER {owner}",
                quote_ident(&name)?
            );
            match execute(&mut conn, sql).await {
                Ok(()) => break Ok(name),
                // 42P04: the name is left over from an earlier process with the same pid.
                Err(e) if sqlstate(&e).as_deref() == Some("42P04") => continue,
                // 55006: the template is in use by another session.
                Err(e)
                    if sqlstate(&e).as_deref() == Some("55006")
                        && waited < Duration::from_secs(10) =>
                {
                    tokio::time::sleep(delay).await;
                    waited += delay;
                    delay = (delay * 2).min(Duration::from_millis(500));
                }
                Err(e) => break Err(e.into()),
            }
        };
        let _ = conn.close().await;
        result
    }

    /// `DROP DATABASE IF EXISTS name WITH (FORCE)` (disconnects its sessions).
    pub async fn drop_database(&self, name: &str) -> Result<(), SandboxError> {
        let sql = format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(name)?
        );
        self.admin_execute("postgres", &sql).await
    }

    /// After a start: the app role, and pg_stat_statements in template1 when preloaded.
    pub(crate) async fn setup(&mut self) -> Result<(), SandboxError> {
        self.upsert_role(APP_USER, &self.app_password, "LOGIN CREATEDB")
            .await?;
        let group = format!(
            "DO $$ BEGIN CREATE ROLE {CLEARTEXT_GROUP} NOLOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        );
        self.admin_execute("postgres", &group).await?;
        if self.pg_stat_statements {
            let sql = "CREATE EXTENSION IF NOT EXISTS pg_stat_statements";
            if let Err(e) = self.admin_execute("template1", sql).await {
                tracing::warn!("pg_stat_statements is preloaded but {sql} failed: {e}");
                self.pg_stat_statements = false;
            }
        }
        Ok(())
    }

    /// When reusing a server started by another process: read what it runs with.
    pub(crate) async fn probe(&mut self) -> Result<(), SandboxError> {
        let mut conn = self.admin_connection("postgres", false).await?;
        let (ssl, preload): (String, String) = sqlx::query_as(
            "SELECT current_setting('ssl'), current_setting('shared_preload_libraries')",
        )
        .fetch_one(&mut conn)
        .await?;
        let _ = conn.close().await;
        self.tls = ssl == "on" && self.layout.ca_cert.is_file();
        self.pg_stat_statements = preload.contains("pg_stat_statements");
        Ok(())
    }
}

/// Run a future to completion on a private current-thread runtime in a scoped thread, so
/// that synchronous constructors work both inside and outside a tokio runtime.
pub(crate) fn block_on<F>(future: F) -> Result<F::Output, SandboxError>
where
    F: Future + Send,
    F::Output: Send,
{
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| SandboxError::io("building a tokio runtime", e))?;
                Ok(runtime.block_on(future))
            })
            .join()
            .unwrap_or_else(|_| {
                Err(SandboxError::Cluster(
                    "sandbox setup thread panicked".into(),
                ))
            })
    })
}
