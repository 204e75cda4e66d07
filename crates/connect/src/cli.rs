//! Connection flags shared by every qsorm binary (`entity-gen`, `migrate`, examples), the
//! fallback to the embedded sandbox PostgreSQL when nothing is configured (at a terminal,
//! outside CI: see [`fallback`]), and the first round trip that makes a command fail fast
//! ([`preflight`]).

pub mod fallback;
pub mod preflight;

use std::path::PathBuf;
use std::time::Duration;

use qsorm_sandbox::Sandbox;

use crate::env::EnvSource;
use crate::error::ConnectError;
use crate::parse::{parse_any, parse_credentials_json};
use crate::{ConnConfig, ConnParams, Flavor, Password, QsConnection, SqlState, SslMode};
use fallback::{
    Layer, Surroundings, check_given_values, incomplete, missing_settings, nothing_configured,
};

/// The database the sandbox serves to the tools (the sample dataset lives there).
pub const SANDBOX_DATABASE: &str = "qsorm";

/// Connection flags. Precedence: these flags > `QS_*` > `DATABASE_URL` > `PG*` (`.env` below
/// the real environment). A configuration must name the host, database and user (and on
/// Query Service the password). With nothing configured anywhere, the embedded sandbox is
/// used at a terminal outside CI; elsewhere that is an error naming what is missing.
///
/// `Debug` is written by hand: `--url` may hold a password, so it shows as `<not shown>`.
#[derive(Clone, Default, clap::Args)]
pub struct ConnectArgs {
    /// A postgres:// URL, a libpq `key=value` string, or the whole `psql "..."` command Adobe's UI shows.
    #[arg(long, global = true, value_name = "URL|CONNINFO|PSQL")]
    pub url: Option<String>,
    /// Server host (`<org>.platform-query.adobe.io` for Query Service).
    #[arg(long, global = true)]
    pub host: Option<String>,
    /// Server port (Query Service: 80; PostgreSQL: 5432).
    #[arg(long, global = true)]
    pub port: Option<u16>,
    /// Database (`prod:all` on Query Service).
    #[arg(long, global = true)]
    pub database: Option<String>,
    /// User name.
    #[arg(long, global = true)]
    pub user: Option<String>,
    /// Password (prefer QS_PASSWORD or .env: command lines are visible to other users).
    #[arg(long, global = true, value_parser = parse_password, hide_env_values = true)]
    pub password: Option<Password>,
    /// TLS mode: disable, allow, prefer, require, verify-ca, verify-full.
    #[arg(long, global = true)]
    pub sslmode: Option<SslMode>,
    /// Root certificate for verify-ca / verify-full (default: ~/.postgresql/root.crt, else public roots).
    #[arg(long, global = true)]
    pub sslrootcert: Option<PathBuf>,
    /// Server flavor: query-service or postgres (default: detected from the host).
    #[arg(long, global = true)]
    pub flavor: Option<Flavor>,
    /// Adobe non-expiring credentials JSON (technicalAccountName, credential, technicalAccountId).
    #[arg(long, global = true)]
    pub credentials_file: Option<PathBuf>,
    /// Seconds allowed to open a connection.
    #[arg(long, global = true)]
    pub connect_timeout: Option<u64>,
    /// The .env file to read (never overrides the real environment).
    #[arg(long, global = true, default_value = ".env")]
    pub env_file: PathBuf,
    /// Use the embedded sandbox PostgreSQL even if a connection is configured.
    #[arg(long, global = true)]
    pub sandbox: bool,
}

/// Stands for a value that may hold a secret in `Debug` output.
struct NotShown;

impl std::fmt::Debug for NotShown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<not shown>")
    }
}

impl std::fmt::Debug for ConnectArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectArgs")
            .field("url", &self.url.as_ref().map(|_| NotShown))
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .field("user", &self.user)
            .field("password", &self.password)
            .field("sslmode", &self.sslmode)
            .field("sslrootcert", &self.sslrootcert)
            .field("flavor", &self.flavor)
            .field("credentials_file", &self.credentials_file)
            .field("connect_timeout", &self.connect_timeout)
            .field("env_file", &self.env_file)
            .field("sandbox", &self.sandbox)
            .finish()
    }
}

fn parse_password(s: &str) -> Result<Password, String> {
    Ok(Password::pasted(s))
}

/// A connection opened from [`ConnectArgs`], keeping the sandbox alive when one is used.
#[derive(Debug)]
pub struct Opened {
    /// The (lazy) connection.
    pub conn: QsConnection,
    /// The sandbox serving it, when nothing else was configured; dropping it stops the server.
    pub sandbox: Option<Sandbox>,
}

impl ConnectArgs {
    /// The settings given on the command line (flags > `--url` > `--credentials-file`).
    pub fn explicit(&self) -> Result<ConnParams, ConnectError> {
        let flags = ConnParams {
            host: self.host.clone(),
            port: self.port,
            database: self.database.clone(),
            user: self.user.clone(),
            password: self.password.clone(),
            sslmode: self.sslmode,
            sslrootcert: self.sslrootcert.clone(),
            flavor: self.flavor,
            connect_timeout: self.connect_timeout.map(Duration::from_secs),
            ..ConnParams::default()
        };
        let url = match &self.url {
            Some(u) => parse_any(u).map_err(|e| match e {
                ConnectError::InvalidConfig { key, reason } if key == "url" => {
                    ConnectError::invalid("--url", reason)
                }
                other => other,
            })?,
            None => ConnParams::default(),
        };
        let creds = match &self.credentials_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    ConnectError::invalid("--credentials-file", format!("{}: {e}", path.display()))
                })?;
                parse_credentials_json(&text)?
            }
            None => ConnParams::default(),
        };
        Ok(flags.or(url).or(creds))
    }

    /// Every source of settings, highest priority first (for messages: what each gave).
    fn layers(&self, env: &EnvSource, explicit: ConnParams) -> Result<[Layer; 4], ConnectError> {
        let layer = |name, params, from_env| Layer {
            name,
            params,
            from_env,
        };
        Ok([
            layer("flags", explicit, false),
            layer("QS_* variables", env.qs_params()?, true),
            layer("DATABASE_URL", env.database_url_params()?, true),
            layer("PG* variables", env.pg_params()?, true),
        ])
    }

    /// Resolves the configuration without the sandbox fallback; `None` when nothing at all is
    /// configured (no flag, no variable). A partial configuration (no host, database or user;
    /// no password on Query Service) is an error naming what is missing.
    pub fn resolve(&self) -> Result<Option<ConnConfig>, ConnectError> {
        let env = EnvSource::from_process_with(&self.env_file)?;
        let explicit = self.explicit()?;
        let merged = explicit.clone().or(env.params()?);
        if merged.is_empty() {
            return Ok(None);
        }
        let missing = missing_settings(&merged);
        if !missing.is_empty() {
            check_given_values(&merged)?;
            return Err(incomplete(&missing, &self.layers(&env, explicit)?));
        }
        merged.build().map(Some)
    }

    /// Opens the (lazy) connection: the configured server, or the sandbox (saying so in one
    /// stderr line) when `--sandbox` is given, or when nothing is configured and a person
    /// runs the command at a terminal outside CI. Call [`Opened::check`] to fail fast.
    pub async fn open(&self) -> Result<Opened, ConnectError> {
        if self.sandbox {
            return open_sandbox("--sandbox given", self.flavor).await;
        }
        if let Some(config) = self.resolve()? {
            return Ok(Opened {
                conn: QsConnection::new(config),
                sandbox: None,
            });
        }
        let here = Surroundings::detect();
        if !here.allows_sandbox() {
            return Err(nothing_configured(here));
        }
        open_sandbox(
            "no connection configured (set QS_HOST, DATABASE_URL or PG*, or pass --url)",
            self.flavor,
        )
        .await
    }
}

impl Opened {
    /// The first round trip, made at once: a connection failure (unreachable address,
    /// authentication, expired credentials, TLS, missing database) comes back in seconds as a
    /// typed error instead of after the pool's timeout (see [`preflight::preflight`]).
    pub async fn check(&self) -> Result<(), ConnectError> {
        preflight::preflight(&self.conn).await
    }
}

/// Starts (or joins) the persistent sandbox and connects to its database `qsorm`.
async fn open_sandbox(why: &str, flavor: Option<Flavor>) -> Result<Opened, ConnectError> {
    let sandbox = Sandbox::persistent().map_err(|e| ConnectError::Sandbox {
        source: std::sync::Arc::new(e),
    })?;
    eprintln!(
        "qsorm: {why}; using the embedded sandbox PostgreSQL at {}:{}, database `{SANDBOX_DATABASE}`",
        sandbox.host(),
        sandbox.port()
    );
    let conn = sandbox_connection(&sandbox, SANDBOX_DATABASE, flavor)?;
    ensure_database(&sandbox, SANDBOX_DATABASE).await?;
    Ok(Opened {
        conn,
        sandbox: Some(sandbox),
    })
}

/// A connection to `database` on a sandbox as its password role, over verified TLS.
pub fn sandbox_connection(
    sandbox: &Sandbox,
    database: &str,
    flavor: Option<Flavor>,
) -> Result<QsConnection, ConnectError> {
    let mut params = ConnParams::default()
        .host(sandbox.host())
        .port(sandbox.port())
        .database(database)
        .user(sandbox.app_user())
        .password(sandbox.app_password())
        .flavor(flavor.unwrap_or(Flavor::Postgres));
    match sandbox.ca_cert_path() {
        Some(ca) => {
            params = params
                .sslmode(SslMode::VerifyFull)
                .sslrootcert(ca.to_path_buf())
        }
        None => params = params.sslmode(SslMode::Prefer),
    }
    Ok(QsConnection::new(params.build()?))
}

/// Creates `database` on the sandbox unless it exists (safe when two tools start at once).
async fn ensure_database(sandbox: &Sandbox, database: &str) -> Result<(), ConnectError> {
    let admin = sandbox_connection(sandbox, "postgres", Some(Flavor::Postgres))?;
    let quoted = qsorm_ident::quote_ident(database);
    let exists = admin
        .simple_query(&format!(
            "SELECT 1 FROM pg_database WHERE datname = '{}'",
            database.replace('\'', "''")
        ))
        .await?;
    if exists.is_empty() {
        match admin
            .simple_query(&format!("CREATE DATABASE {quoted}"))
            .await
        {
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.sqlstate(),
                    Some(SqlState::DUPLICATE_DATABASE | SqlState::UNIQUE_VIOLATION)
                ) => {}
            Err(e) => return Err(e),
        }
    }
    admin.close().await;
    Ok(())
}

/// The exit code of a program's fallible body: success, or the error's message (`Display`,
/// not Rust's `Error: {:?}` debug form) on stderr and exit code 1. The examples' `main` is
/// `report(run().await)`.
pub fn report(result: Result<(), Box<dyn std::error::Error>>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", chain(&*e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// `error: <message>`, then each cause whose text the lines above do not already hold
/// (`caused by: ...`).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = format!("error: {e}");
    let mut cause = e.source();
    while let Some(c) = cause {
        let shown = c.to_string();
        if !text.contains(&shown) {
            text.push_str(&format!("\n  caused by: {shown}"));
        }
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_shows_each_cause_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer: {0}")]
        struct Repeats(#[source] Inner);
        #[derive(Debug, thiserror::Error)]
        #[error("cannot start")]
        struct Wraps(#[source] Inner);
        #[derive(Debug, thiserror::Error)]
        #[error("inner detail")]
        struct Inner;
        assert_eq!(chain(&Repeats(Inner)), "error: outer: inner detail");
        assert_eq!(
            chain(&Wraps(Inner)),
            "error: cannot start\n  caused by: inner detail"
        );
    }

    #[test]
    fn debug_never_shows_the_url_or_the_password() {
        let args = ConnectArgs {
            url: Some("postgres://u:url-secret@h/db".to_owned()),
            password: Some(Password::exact("flag-secret")),
            ..ConnectArgs::default()
        };
        let shown = format!("{args:?}");
        assert!(shown.contains("url: Some(<not shown>)"), "{shown}");
        assert!(!shown.contains("secret"), "{shown}");
    }
}
