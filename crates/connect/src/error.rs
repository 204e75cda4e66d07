//! Typed connection errors, classified by SQLSTATE and error kind, never by message text.

use std::time::Duration;

use sea_orm::{DbErr, RuntimeErr};

use crate::Flavor;

/// What went wrong while configuring or using a connection.
///
/// No variant ever carries the password or a URL that contains it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// A setting is missing or malformed; `key` names it (`sslmode`, `QS_PORT`, `credential`...).
    #[error("invalid connection setting `{key}`: {reason}")]
    InvalidConfig {
        /// The offending key, flag, variable or JSON field.
        key: String,
        /// Why it was refused.
        reason: String,
    },
    /// Nothing answered at `host:port`.
    #[error("cannot reach {host}:{port}: {reason}")]
    Unreachable {
        /// Host tried.
        host: String,
        /// Port tried.
        port: u16,
        /// The operating system's reason.
        reason: String,
    },
    /// The server rejected the user name or password (SQLSTATE 28P01 / 28000).
    #[error("authentication failed for user `{user}` (SQLSTATE {sqlstate})")]
    AuthenticationFailed {
        /// User that was refused.
        user: String,
        /// SQLSTATE reported by the server.
        sqlstate: String,
    },
    /// The server refused a protocol message it does not speak (SQLSTATE 08P01): Query
    /// Service speaks the simple query protocol only.
    #[error(
        "the server does not support this protocol message (SQLSTATE {sqlstate}): {message}. \
Query Service speaks the simple query protocol only: use QsConnection::simple()"
    )]
    UnsupportedByServer {
        /// SQLSTATE reported by the server.
        sqlstate: String,
        /// The server's message.
        message: String,
    },
    /// The server requires cleartext password authentication (Query Service, SQLSTATE 28000
    /// "Invalid authorization type"): the password may only travel over TLS.
    #[error(
        "the server requires cleartext password authentication for user `{user}` (SQLSTATE {sqlstate}); \
connect with sslmode=require or stronger"
    )]
    CleartextRequired {
        /// User that was refused.
        user: String,
        /// SQLSTATE reported by the server.
        sqlstate: String,
    },
    /// Query Service refused the token: most often expired credentials.
    #[error(
        "authentication failed for user `{user}` on Query Service (SQLSTATE {sqlstate}): the credentials have probably expired. \
Expiring credentials last 24 hours: copy a new password from Experience Platform (Queries > Credentials) \
or fetch one from the connection_parameters API, then set QS_PASSWORD (or .env) and call refresh_credentials, \
or use non-expiring credentials (--credentials-file)"
    )]
    CredentialsExpired {
        /// User that was refused.
        user: String,
        /// SQLSTATE reported by the server.
        sqlstate: String,
    },
    /// TLS could not be established or the certificate was rejected.
    #[error("TLS failure with {host}:{port} (sslmode={sslmode}): {reason}")]
    Tls {
        /// Host tried.
        host: String,
        /// Port tried.
        port: u16,
        /// Effective sslmode.
        sslmode: String,
        /// What failed.
        reason: String,
    },
    /// The connection or the statement took too long (pool acquire timeout, SQLSTATE 57014, or
    /// Query Service's 10-minute limit, SQLSTATE 53400).
    #[error("timed out: {what}")]
    Timeout {
        /// What timed out.
        what: String,
        /// The limit in force, when known.
        after: Option<Duration>,
    },
    /// Any other error reported by the server, with its SQLSTATE.
    #[error("database error (SQLSTATE {sqlstate}): {message}")]
    Database {
        /// SQLSTATE code.
        sqlstate: String,
        /// Server message.
        message: String,
    },
    /// Any other failure (protocol, I/O after connecting, ...).
    #[error("connection error: {0}")]
    Other(String),
}

impl ConnectError {
    /// An [`ConnectError::InvalidConfig`] for `key`.
    pub fn invalid(key: &str, reason: impl Into<String>) -> ConnectError {
        ConnectError::InvalidConfig {
            key: key.to_owned(),
            reason: reason.into(),
        }
    }

    /// The same error with its key renamed (used to report the environment variable or flag
    /// that carried a bad value rather than the libpq key).
    pub(crate) fn rekey(self, key: &str) -> ConnectError {
        match self {
            ConnectError::InvalidConfig { reason, .. } => ConnectError::invalid(key, reason),
            other => other,
        }
    }

    /// The same error reported under `outer` (the variable or flag that carried a whole
    /// connection string), the inner key kept at the start of the reason:
    /// `DATABASE_URL`: "`port`: not a port number".
    pub(crate) fn within(self, outer: &str) -> ConnectError {
        match self {
            ConnectError::InvalidConfig { key, reason } => {
                ConnectError::invalid(outer, format!("`{key}`: {reason}"))
            }
            other => other,
        }
    }

    /// The SQLSTATE this error carries, when the server sent one.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            ConnectError::AuthenticationFailed { sqlstate, .. }
            | ConnectError::CredentialsExpired { sqlstate, .. }
            | ConnectError::Database { sqlstate, .. } => Some(sqlstate),
            _ => None,
        }
    }
}

/// What the classifier needs to know about the connection an error came from.
#[derive(Debug, Clone)]
pub struct ErrorContext {
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// User.
    pub user: String,
    /// Flavor: decides whether an authentication failure means expired credentials.
    pub flavor: Flavor,
    /// Effective sslmode.
    pub sslmode: crate::SslMode,
    /// Pool acquire timeout.
    pub connect_timeout: Duration,
}

/// The sqlx error inside a sea-orm error, if any.
pub fn sqlx_error(err: &DbErr) -> Option<&sqlx::Error> {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e.as_ref()),
        _ => None,
    }
}

/// Classifies a sea-orm error into a connection error, or `None` when it is not about the
/// connection (a constraint violation, a syntax error...).
pub fn classify(err: &DbErr, ctx: &ErrorContext) -> Option<ConnectError> {
    if let DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout) = err {
        return Some(pool_timeout(ctx));
    }
    classify_sqlx(sqlx_error(err)?, ctx)
}

fn pool_timeout(ctx: &ErrorContext) -> ConnectError {
    ConnectError::Timeout {
        what: format!(
            "no connection to {}:{} within {:?}",
            ctx.host, ctx.port, ctx.connect_timeout
        ),
        after: Some(ctx.connect_timeout),
    }
}

/// Classifies a sqlx error (see [`classify`]).
pub fn classify_sqlx(err: &sqlx::Error, ctx: &ErrorContext) -> Option<ConnectError> {
    Some(match err {
        sqlx::Error::Database(db) => {
            let sqlstate = db.code().map(|c| c.into_owned()).unwrap_or_default();
            match sqlstate.as_str() {
                "08P01" => ConnectError::UnsupportedByServer {
                    sqlstate,
                    message: db.message().to_owned(),
                },
                "28000" if ctx.flavor.is_query_service() => ConnectError::CleartextRequired {
                    user: ctx.user.clone(),
                    sqlstate,
                },
                "28P01" if ctx.flavor.is_query_service() => ConnectError::CredentialsExpired {
                    user: ctx.user.clone(),
                    sqlstate,
                },
                "28P01" | "28000" => ConnectError::AuthenticationFailed {
                    user: ctx.user.clone(),
                    sqlstate,
                },
                "57014" => ConnectError::Timeout {
                    what: "the statement was cancelled (statement_timeout)".to_owned(),
                    after: None,
                },
                "53400" if ctx.flavor.is_query_service() => ConnectError::Timeout {
                    what:
                        "Query Service's interactive limit (10 minutes, or the row cap) was hit; \
run long work as a batch query with create_table_as / insert_into_select"
                            .to_owned(),
                    after: Some(Duration::from_secs(600)),
                },
                // 08: connection exceptions; 57P01/57P02: the session was terminated (an admin
                // or a server shutdown, a crash), 57P03: the server is starting or stopping,
                // 57P05: idle_session_timeout. The session is gone in every case.
                s if s.starts_with("08") || matches!(s, "57P01" | "57P02" | "57P03" | "57P05") => {
                    ConnectError::Unreachable {
                        host: ctx.host.clone(),
                        port: ctx.port,
                        reason: format!("SQLSTATE {s}: {}", db.message()),
                    }
                }
                _ => return None,
            }
        }
        sqlx::Error::Tls(e) => ConnectError::Tls {
            host: ctx.host.clone(),
            port: ctx.port,
            sslmode: ctx.sslmode.to_string(),
            reason: e.to_string(),
        },
        sqlx::Error::Io(e) if is_tls_io_error(e) => ConnectError::Tls {
            host: ctx.host.clone(),
            port: ctx.port,
            sslmode: ctx.sslmode.to_string(),
            reason: e.to_string(),
        },
        sqlx::Error::Io(e) => ConnectError::Unreachable {
            host: ctx.host.clone(),
            port: ctx.port,
            reason: e.to_string(),
        },
        sqlx::Error::PoolTimedOut => pool_timeout(ctx),
        sqlx::Error::PoolClosed => ConnectError::Other("the connection pool is closed".to_owned()),
        sqlx::Error::Protocol(msg) => ConnectError::Other(format!("protocol error: {msg}")),
        _ => return None,
    })
}

/// rustls reports handshake failures (unknown issuer, wrong host name...) as I/O errors that
/// wrap a `rustls::Error`.
fn is_tls_io_error(e: &std::io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
}
