//! The first round trip of a command, made before any real work so that a connection
//! failure shows at once as a typed [`ConnectError`].
//!
//! sqlx's pool retries a refused TCP connection until its acquire timeout (30 s by default),
//! then reports an untyped pool timeout. A command line tool should not wait: the address
//! is probed once first (a refused or unresolvable address is [`ConnectError::Unreachable`]
//! immediately), then one `SELECT 1` runs, which reports authentication, expired
//! credentials, TLS and database errors as the server sends them.

use std::sync::Arc;
use std::time::Duration;

use crate::QsConnection;
use crate::error::ConnectError;

/// The longest the TCP probe waits for an answer (less when `connect_timeout` is shorter).
pub const PROBE_LIMIT: Duration = Duration::from_secs(10);

/// Probes the server's address, then runs the connection's first round trip.
pub async fn preflight(conn: &QsConnection) -> Result<(), ConnectError> {
    let config = conn.config();
    // A host starting with `/` is a Unix socket directory: no TCP address to probe.
    if !config.host.starts_with('/') {
        let limit = config.connect_timeout.min(PROBE_LIMIT);
        let probe = tokio::time::timeout(
            limit,
            tokio::net::TcpStream::connect((config.host.as_str(), config.port)),
        )
        .await;
        let failure = match probe {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some((e.to_string(), Some(Arc::new(sqlx::Error::Io(e))))),
            Err(_) => Some((format!("no answer within {} s", limit.as_secs_f64()), None)),
        };
        if let Some((reason, source)) = failure {
            return Err(ConnectError::Unreachable {
                host: config.host,
                port: config.port,
                reason,
                source,
            });
        }
    }
    conn.check().await
}
