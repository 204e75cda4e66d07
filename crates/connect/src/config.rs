//! A complete, checked connection configuration.

use std::path::PathBuf;
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::{Flavor, Password, SslMode};

/// Characters left as they are in URL parts: RFC 3986 "unreserved".
const URL_PART: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one URL part (user, password, database, query value).
pub fn encode(part: &str) -> String {
    utf8_percent_encode(part, URL_PART).to_string()
}

/// Everything needed to connect, with defaults applied (see [`crate::ConnParams::build`]).
///
/// `Debug` is safe to print: the password shows as `***`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ConnConfig {
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Database name.
    pub database: String,
    /// User name.
    pub user: String,
    /// Password or token.
    pub password: Option<Password>,
    /// TLS mode as configured.
    pub sslmode: SslMode,
    /// Root certificate file given explicitly.
    pub sslrootcert: Option<PathBuf>,
    /// `application_name` reported to the server.
    pub application_name: Option<String>,
    /// Time allowed to open a connection (pool acquire timeout).
    pub connect_timeout: Duration,
    /// Server-side statement timeout (PostgreSQL flavor; sent as a startup option).
    pub statement_timeout: Option<Duration>,
    /// Pool size ceiling.
    pub max_connections: u32,
    /// Connections the pool keeps open.
    pub min_connections: u32,
    /// Server flavor.
    pub flavor: Flavor,
    /// Prepared statements cached per connection; 0 means only the unnamed statement is used
    /// (the Query Service default, and what a pooler in transaction mode needs).
    pub statement_cache: usize,
}

impl ConnConfig {
    /// Whether this connection may only run over TLS: the Query Service flavor, or a Query
    /// Service host (`*.adobe.io`) whatever the flavor says.
    pub fn requires_tls(&self) -> bool {
        self.flavor.is_query_service() || Flavor::detect(&self.host).is_query_service()
    }

    /// The TLS mode actually used.
    ///
    /// Query Service asks for a cleartext password, so qsorm never runs a connection to it
    /// without TLS ([`ConnConfig::requires_tls`]: the flavor or the host): `allow` and
    /// `prefer` (which may fall back to plain TCP, for instance when an attacker strips the
    /// TLS offer) are raised to `require`, and so is `disable` when the public fields were
    /// edited after [`crate::ConnParams::build`] refused it. On a PostgreSQL host `prefer`
    /// keeps libpq's meaning: TLS when the server offers it, else plain TCP.
    pub fn effective_sslmode(&self) -> SslMode {
        if self.requires_tls() && !self.sslmode.always_encrypted() {
            SslMode::Require
        } else {
            self.sslmode
        }
    }

    /// The root certificate file used for verification: the explicit one, else libpq's
    /// `~/.postgresql/root.crt` when present; `None` means the public (webpki) roots.
    pub fn root_cert(&self) -> Option<PathBuf> {
        if let Some(path) = &self.sslrootcert {
            return (path.as_os_str() != "system").then(|| path.clone());
        }
        let home = std::env::var_os("HOME")?;
        let libpq = PathBuf::from(home).join(".postgresql").join("root.crt");
        libpq.is_file().then_some(libpq)
    }

    /// A `postgresql://` URL with every part percent-encoded, password included.
    /// Treat the result as a secret.
    pub fn url_with_password(&self) -> String {
        self.url(self.password.as_ref().map(|p| encode(p.expose())))
    }

    /// The same URL with the password shown as `***`: safe to print.
    pub fn redacted_url(&self) -> String {
        self.url(self.password.as_ref().map(|_| "***".to_owned()))
    }

    /// Builds the URL around an already-encoded password part.
    fn url(&self, encoded_password: Option<String>) -> String {
        let enc = encode;
        let mut url = format!("postgresql://{}", enc(&self.user));
        if let Some(pw) = encoded_password {
            url.push(':');
            url.push_str(&pw);
        }
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        // A database named `.` or `..` would be removed from the path as a dot segment (even
        // percent-encoded), so it travels as the `dbname` parameter instead.
        let dot_segment = matches!(self.database.as_str(), "." | "..");
        let path_db = if dot_segment {
            String::new()
        } else {
            enc(&self.database)
        };
        url.push_str(&format!(
            "@{host}:{}/{path_db}?sslmode={}",
            self.port, self.sslmode
        ));
        if dot_segment {
            url.push_str(&format!("&dbname={}", enc(&self.database)));
        }
        if let Some(cert) = &self.sslrootcert {
            url.push_str(&format!("&sslrootcert={}", enc(&cert.to_string_lossy())));
        }
        if let Some(app) = &self.application_name {
            url.push_str(&format!("&application_name={}", enc(app)));
        }
        if self.flavor != Flavor::detect(&self.host) {
            url.push_str(&format!("&flavor={}", self.flavor));
        }
        let default_cache = if self.flavor.is_query_service() {
            0
        } else {
            100
        };
        if self.statement_cache != default_cache {
            url.push_str(&format!(
                "&statement_cache_capacity={}",
                self.statement_cache
            ));
        }
        url
    }
}

#[cfg(test)]
mod tests;
