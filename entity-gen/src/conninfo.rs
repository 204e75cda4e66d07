//! `entity-gen conninfo`: what the connection is, password redacted.

use qsorm_connect::{ConnectError, QsConnection};
use serde::Serialize;

/// A description of a live connection, safe to print.
#[derive(Debug, Clone, Serialize)]
pub struct ConnInfo {
    /// `SHOW server_version` as the server reports it (Query Service says `0.1.0`; never parsed).
    pub server_version: String,
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Database.
    pub database: String,
    /// User.
    pub user: String,
    /// `***` when a password is configured, else `none`.
    pub password: String,
    /// sslmode as configured.
    pub sslmode: String,
    /// sslmode actually used (Query Service raises allow/prefer to require).
    pub effective_sslmode: String,
    /// Whether the server reports this session as encrypted (`None`: it cannot tell).
    pub tls: Option<bool>,
    /// TLS protocol version, when reported.
    pub tls_version: Option<String>,
    /// Server flavor.
    pub flavor: String,
}

/// Connects (first round trip) and gathers the description.
pub async fn gather(conn: &QsConnection) -> Result<ConnInfo, ConnectError> {
    let config = conn.config();
    let rows = conn.simple_query("SHOW server_version").await?;
    let server_version = rows
        .first()
        .and_then(|r| r.try_get_by_index::<String>(0).ok())
        .unwrap_or_default();
    // pg_stat_ssl may be missing on Query Service: then TLS is reported as unknown.
    let (tls, tls_version) = match conn
        .simple_query(
            "SELECT ssl::text AS ssl, coalesce(version, '') AS version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        )
        .await
    {
        Ok(rows) => match rows.first() {
            Some(row) => (
                row.try_get::<String>("", "ssl").ok().map(|s| s == "true"),
                row.try_get::<String>("", "version").ok().filter(|v| !v.is_empty()),
            ),
            None => (None, None),
        },
        Err(_) => (None, None),
    };
    Ok(ConnInfo {
        server_version,
        host: config.host.clone(),
        port: config.port,
        database: config.database.clone(),
        user: config.user.clone(),
        password: if config.password.is_some() {
            "***"
        } else {
            "none"
        }
        .to_owned(),
        sslmode: config.sslmode.to_string(),
        effective_sslmode: config.effective_sslmode().to_string(),
        tls,
        tls_version,
        flavor: config.flavor.to_string(),
    })
}

impl ConnInfo {
    /// A two-column text rendering.
    pub fn to_text(&self) -> String {
        let tls = match (self.tls, &self.tls_version) {
            (Some(true), Some(v)) => format!("yes ({v})"),
            (Some(true), None) => "yes".to_owned(),
            (Some(false), _) => "no".to_owned(),
            (None, _) => "unknown (the server does not report it)".to_owned(),
        };
        let sslmode = if self.sslmode == self.effective_sslmode {
            self.sslmode.clone()
        } else {
            format!("{} (configured {})", self.effective_sslmode, self.sslmode)
        };
        [
            ("server version", self.server_version.as_str()),
            ("host", &self.host),
            ("port", &self.port.to_string()),
            ("database", &self.database),
            ("user", &self.user),
            ("password", &self.password),
            ("sslmode", &sslmode),
            ("tls", &tls),
            ("flavor", &self.flavor),
        ]
        .iter()
        .map(|(k, v)| format!("{k:<15} {v}\n"))
        .collect()
    }
}
