//! Typed connection errors, classified by SQLSTATE and error kind, never by message text.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{DbErr, RuntimeErr};

use crate::{Flavor, SqlState};

/// What went wrong while configuring or using a connection.
///
/// No variant ever carries the password or a URL that contains it. Variants raised by a
/// driver error keep it (an `Arc<sqlx::Error>`, so the error stays `Clone`) as their
/// [`source`](std::error::Error::source), or, for the transparent [`ConnectError::Driver`],
/// show its message and forward its source; [`ConnectError::driver_error`] reaches it.
/// Either way a chain printer shows each message once.
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
        /// The driver's error, when one was raised (not for a failed address probe).
        #[source]
        source: Option<Arc<sqlx::Error>>,
    },
    /// The server rejected the user name or password (SQLSTATE 28P01 / 28000).
    #[error("authentication failed for user `{user}` (SQLSTATE {sqlstate})")]
    AuthenticationFailed {
        /// User that was refused.
        user: String,
        /// SQLSTATE reported by the server.
        sqlstate: SqlState,
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
    },
    /// The server refused a protocol message it does not speak (SQLSTATE 08P01): Query
    /// Service speaks the simple query protocol only.
    #[error(
        "the server does not support this protocol message (SQLSTATE {sqlstate}): {message}. \
Query Service speaks the simple query protocol only: use QsConnection::simple()"
    )]
    UnsupportedByServer {
        /// SQLSTATE reported by the server.
        sqlstate: SqlState,
        /// The server's message.
        message: String,
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
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
        sqlstate: SqlState,
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
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
        sqlstate: SqlState,
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
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
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
    },
    /// The connection or the statement took too long (pool acquire timeout, SQLSTATE 57014, or
    /// Query Service's 10-minute limit, SQLSTATE 53400).
    #[error("timed out: {what}")]
    Timeout {
        /// What timed out.
        what: String,
        /// The limit in force, when known.
        after: Option<Duration>,
        /// The driver's error (the server's cancellation, the pool's timeout), when there was
        /// one (not for a client-side bound).
        #[source]
        source: Option<Arc<sqlx::Error>>,
    },
    /// Any other error reported by the server, with its SQLSTATE.
    #[error("database error (SQLSTATE {sqlstate}): {message}")]
    Database {
        /// SQLSTATE code.
        sqlstate: SqlState,
        /// Server message.
        message: String,
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
    },
    /// The connection pool was closed ([`crate::QsConnection::close`]) before or during the
    /// call.
    #[error("the connection pool is closed")]
    PoolClosed {
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
    },
    /// The server sent something the driver did not expect (a protocol error).
    #[error("protocol error: {message}")]
    Protocol {
        /// The driver's description.
        message: String,
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
    },
    /// The embedded sandbox could not start (the tools' fallback when nothing is configured).
    /// Its message includes the sandbox's reason, which is also the
    /// [`source`](std::error::Error::source), since the tools print messages alone.
    #[cfg(feature = "cli")]
    #[error("cannot start the sandbox: {source}")]
    Sandbox {
        /// Why.
        #[source]
        source: Arc<qsorm_sandbox::SandboxError>,
    },
    /// Any other driver failure (I/O after connecting, decoding, ...), kept whole.
    /// Transparent: its message and [`source`](std::error::Error::source) are the driver
    /// error's own (reach the driver error itself with [`ConnectError::driver_error`]).
    #[error(transparent)]
    Driver {
        /// The driver's error.
        source: Arc<sqlx::Error>,
    },
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

    /// The SQLSTATE this error carries, when the server sent one (a cancelled statement or a
    /// terminated session carries its code too).
    pub fn sqlstate(&self) -> Option<SqlState> {
        match self {
            ConnectError::AuthenticationFailed { sqlstate, .. }
            | ConnectError::UnsupportedByServer { sqlstate, .. }
            | ConnectError::CleartextRequired { sqlstate, .. }
            | ConnectError::CredentialsExpired { sqlstate, .. }
            | ConnectError::Database { sqlstate, .. } => Some(*sqlstate),
            _ => self.driver_error().and_then(SqlState::from_sqlx),
        }
    }

    /// The driver's error behind this one, when there is one (also its
    /// [`source`](std::error::Error::source)).
    pub fn driver_error(&self) -> Option<&sqlx::Error> {
        match self {
            ConnectError::AuthenticationFailed { source, .. }
            | ConnectError::UnsupportedByServer { source, .. }
            | ConnectError::CleartextRequired { source, .. }
            | ConnectError::CredentialsExpired { source, .. }
            | ConnectError::Tls { source, .. }
            | ConnectError::Database { source, .. }
            | ConnectError::PoolClosed { source }
            | ConnectError::Protocol { source, .. }
            | ConnectError::Driver { source } => Some(source),
            ConnectError::Unreachable { source, .. } | ConnectError::Timeout { source, .. } => {
                source.as_deref()
            }
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
    shared_sqlx_error(err).map(|e| e.as_ref())
}

/// The sqlx error inside a sea-orm error, shared: what typed errors keep as their source.
pub fn shared_sqlx_error(err: &DbErr) -> Option<&Arc<sqlx::Error>> {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e),
        _ => None,
    }
}

/// Classifies a sea-orm error into a connection error, or `None` when it is not about the
/// connection (a constraint violation, a syntax error...).
pub fn classify(err: &DbErr, ctx: &ErrorContext) -> Option<ConnectError> {
    if let DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout) = err {
        return Some(pool_timeout(ctx, None));
    }
    classify_sqlx(shared_sqlx_error(err)?, ctx)
}

fn pool_timeout(ctx: &ErrorContext, source: Option<Arc<sqlx::Error>>) -> ConnectError {
    ConnectError::Timeout {
        what: format!(
            "no connection to {}:{} within {:?}",
            ctx.host, ctx.port, ctx.connect_timeout
        ),
        after: Some(ctx.connect_timeout),
        source,
    }
}

/// Classifies a sqlx error (see [`classify`]); the error is shared, not copied, so the typed
/// error keeps it as its source (`Arc::new(err)` for an error of your own).
pub fn classify_sqlx(err: &Arc<sqlx::Error>, ctx: &ErrorContext) -> Option<ConnectError> {
    let source = Arc::clone(err);
    Some(match err.as_ref() {
        sqlx::Error::Database(db) => classify_database(db.as_ref(), ctx, source)?,
        sqlx::Error::Tls(e) => tls_failure(ctx, e.to_string(), source),
        sqlx::Error::Io(e) if is_tls_io_error(e) => tls_failure(ctx, e.to_string(), source),
        sqlx::Error::Io(e) => ConnectError::Unreachable {
            host: ctx.host.clone(),
            port: ctx.port,
            reason: e.to_string(),
            source: Some(source),
        },
        sqlx::Error::PoolTimedOut => pool_timeout(ctx, Some(source)),
        sqlx::Error::PoolClosed => ConnectError::PoolClosed { source },
        sqlx::Error::Protocol(message) => ConnectError::Protocol {
            message: message.clone(),
            source,
        },
        _ => return None,
    })
}

/// Classifies an error the server reported by its SQLSTATE; `None` without one or when the
/// code is not about the connection.
fn classify_database(
    db: &dyn sqlx::error::DatabaseError,
    ctx: &ErrorContext,
    source: Arc<sqlx::Error>,
) -> Option<ConnectError> {
    // Without a SQLSTATE there is nothing to classify by (never the message text).
    let sqlstate = SqlState::from_code(&db.code()?)?;
    let qs = ctx.flavor.is_query_service();
    Some(match sqlstate {
        SqlState::PROTOCOL_VIOLATION => ConnectError::UnsupportedByServer {
            sqlstate,
            message: db.message().to_owned(),
            source,
        },
        SqlState::INVALID_AUTHORIZATION_SPECIFICATION if qs => ConnectError::CleartextRequired {
            user: ctx.user.clone(),
            sqlstate,
            source,
        },
        SqlState::INVALID_PASSWORD if qs => ConnectError::CredentialsExpired {
            user: ctx.user.clone(),
            sqlstate,
            source,
        },
        SqlState::INVALID_PASSWORD | SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
            ConnectError::AuthenticationFailed {
                user: ctx.user.clone(),
                sqlstate,
                source,
            }
        }
        SqlState::QUERY_CANCELED => ConnectError::Timeout {
            what: "the statement was cancelled (statement_timeout)".to_owned(),
            after: None,
            source: Some(source),
        },
        SqlState::CONFIGURATION_LIMIT_EXCEEDED if qs => ConnectError::Timeout {
            what: "Query Service's interactive limit (10 minutes, or the row cap) was hit; \
run long work as a batch query with create_table_as / insert_into_select"
                .to_owned(),
            after: Some(Duration::from_secs(600)),
            source: Some(source),
        },
        // 08: connection exceptions; 57P01/57P02: the session was terminated (an admin
        // or a server shutdown, a crash), 57P03: the server is starting or stopping,
        // 57P05: idle_session_timeout. The session is gone in every case.
        SqlState::ADMIN_SHUTDOWN
        | SqlState::CRASH_SHUTDOWN
        | SqlState::CANNOT_CONNECT_NOW
        | SqlState::IDLE_SESSION_TIMEOUT => session_gone(ctx, sqlstate, db.message(), source),
        s if s.class() == "08" => session_gone(ctx, s, db.message(), source),
        _ => return None,
    })
}

/// TLS could not be established with the server: [`ConnectError::Tls`] with `reason`.
fn tls_failure(ctx: &ErrorContext, reason: String, source: Arc<sqlx::Error>) -> ConnectError {
    ConnectError::Tls {
        host: ctx.host.clone(),
        port: ctx.port,
        sslmode: ctx.sslmode.to_string(),
        reason,
        source,
    }
}

/// The session is gone: [`ConnectError::Unreachable`] naming the code the server sent.
fn session_gone(
    ctx: &ErrorContext,
    sqlstate: SqlState,
    message: &str,
    source: Arc<sqlx::Error>,
) -> ConnectError {
    ConnectError::Unreachable {
        host: ctx.host.clone(),
        port: ctx.port,
        reason: format!("SQLSTATE {sqlstate}: {message}"),
        source: Some(source),
    }
}

/// rustls reports handshake failures (unknown issuer, wrong host name...) as I/O errors that
/// wrap a `rustls::Error`.
fn is_tls_io_error(e: &std::io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ErrorContext {
        ErrorContext {
            host: "db.example".to_owned(),
            port: 5432,
            user: "app".to_owned(),
            flavor: Flavor::Postgres,
            sslmode: crate::SslMode::Prefer,
            connect_timeout: Duration::from_secs(1),
        }
    }

    /// Every message of the `source()` chain, outermost first.
    fn chain(err: &dyn std::error::Error) -> Vec<String> {
        std::iter::successors(Some(err), |e| e.source())
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn driver_errors_show_the_driver_message_once() {
        let source = Arc::new(sqlx::Error::RowNotFound);
        let err = ConnectError::Driver {
            source: Arc::clone(&source),
        };
        assert_eq!(err.to_string(), source.to_string());
        assert_eq!(chain(&err), [source.to_string()]);
        assert!(matches!(err.driver_error(), Some(sqlx::Error::RowNotFound)));
    }

    #[test]
    fn pool_closed_and_protocol_errors_keep_the_driver_error() {
        let closed = classify_sqlx(&Arc::new(sqlx::Error::PoolClosed), &ctx()).expect("typed");
        assert!(matches!(closed, ConnectError::PoolClosed { .. }));
        assert!(matches!(
            closed.driver_error(),
            Some(sqlx::Error::PoolClosed)
        ));
        assert_eq!(chain(&closed).len(), 2);

        let protocol = sqlx::Error::Protocol("unexpected message".to_owned());
        let err = classify_sqlx(&Arc::new(protocol), &ctx()).expect("typed");
        assert_eq!(err.to_string(), "protocol error: unexpected message");
        assert!(matches!(err.driver_error(), Some(sqlx::Error::Protocol(_))));
        assert!(std::error::Error::source(&err).is_some());
    }
}
