//! Partial connection settings from one source, merged by priority into a [`ConnConfig`].

use std::path::PathBuf;
use std::time::Duration;

use crate::config::ConnConfig;
use crate::error::ConnectError;
use crate::{Flavor, Password, SslMode};

/// Connection settings from one source (flags, environment, a URL, a pasted command, ...),
/// every field optional. Sources are combined with [`ConnParams::or`], highest priority first,
/// then turned into a complete [`ConnConfig`] by [`ConnParams::build`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnParams {
    /// Server host name or IP address.
    pub host: Option<String>,
    /// Server port.
    pub port: Option<u16>,
    /// Database name (`prod:all` on Query Service).
    pub database: Option<String>,
    /// User name.
    pub user: Option<String>,
    /// Password or token.
    pub password: Option<Password>,
    /// TLS mode.
    pub sslmode: Option<SslMode>,
    /// Root certificate file for `verify-ca` / `verify-full`.
    pub sslrootcert: Option<PathBuf>,
    /// `application_name` reported to the server.
    pub application_name: Option<String>,
    /// Time allowed to open a connection.
    pub connect_timeout: Option<Duration>,
    /// Server-side statement timeout (PostgreSQL flavor).
    pub statement_timeout: Option<Duration>,
    /// Pool size ceiling.
    pub max_connections: Option<u32>,
    /// Connections the pool keeps open.
    pub min_connections: Option<u32>,
    /// Server flavor (detected from the host when absent).
    pub flavor: Option<Flavor>,
    /// Prepared statements cached per connection (0: none, only the unnamed statement).
    pub statement_cache: Option<usize>,
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty => $conv:expr;)*) => {
        impl ConnParams {
            $(
                $(#[$doc])*
                pub fn $name(mut self, value: $ty) -> Self {
                    self.$name = Some($conv(value));
                    self
                }
            )*
        }
    };
}

setters! {
    /// Sets the host.
    host: &str => str::to_owned;
    /// Sets the port.
    port: u16 => std::convert::identity;
    /// Sets the database.
    database: &str => str::to_owned;
    /// Sets the user.
    user: &str => str::to_owned;
    /// Sets the password, taken exactly.
    password: &str => Password::exact;
    /// Sets the TLS mode.
    sslmode: SslMode => std::convert::identity;
    /// Sets the root certificate path.
    sslrootcert: PathBuf => std::convert::identity;
    /// Sets the application name.
    application_name: &str => str::to_owned;
    /// Sets the connect timeout.
    connect_timeout: Duration => std::convert::identity;
    /// Sets the statement timeout.
    statement_timeout: Duration => std::convert::identity;
    /// Sets the pool ceiling.
    max_connections: u32 => std::convert::identity;
    /// Sets the pool floor.
    min_connections: u32 => std::convert::identity;
    /// Sets the flavor.
    flavor: Flavor => std::convert::identity;
    /// Sets the prepared-statement cache size (0 for poolers in transaction mode).
    statement_cache: usize => std::convert::identity;
}

impl ConnParams {
    /// Fills every field this source lacks from `lower` (a lower-priority source).
    pub fn or(self, lower: ConnParams) -> ConnParams {
        ConnParams {
            host: self.host.or(lower.host),
            port: self.port.or(lower.port),
            database: self.database.or(lower.database),
            user: self.user.or(lower.user),
            password: self.password.or(lower.password),
            sslmode: self.sslmode.or(lower.sslmode),
            sslrootcert: self.sslrootcert.or(lower.sslrootcert),
            application_name: self.application_name.or(lower.application_name),
            connect_timeout: self.connect_timeout.or(lower.connect_timeout),
            statement_timeout: self.statement_timeout.or(lower.statement_timeout),
            max_connections: self.max_connections.or(lower.max_connections),
            min_connections: self.min_connections.or(lower.min_connections),
            flavor: self.flavor.or(lower.flavor),
            statement_cache: self.statement_cache.or(lower.statement_cache),
        }
    }

    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        *self == ConnParams::default()
    }

    /// Applies the defaults and checks the result.
    ///
    /// Defaults: flavor detected from the host (`*.adobe.io` is Query Service); Query Service →
    /// port 80, `sslmode=require`, at most 4 pooled connections (its limit is 5 concurrent
    /// queries); PostgreSQL → host `localhost`, port 5432, `sslmode=prefer`, 10 connections.
    ///
    /// TLS follows the host as well as the flavor: a Query Service host (`*.adobe.io`, see
    /// [`Flavor::detect`]) asks for a cleartext password, so even with `flavor=postgres` it
    /// defaults to `require`, refuses `disable` here (before anything is sent), and has
    /// `allow`/`prefer` raised to `require` (see [`ConnConfig::effective_sslmode`]).
    pub fn build(self) -> Result<ConnConfig, ConnectError> {
        let host = self.host.unwrap_or_else(|| "localhost".to_owned());
        if host.trim().is_empty() {
            return Err(ConnectError::invalid("host", "must not be empty"));
        }
        let flavor = self.flavor.unwrap_or_else(|| Flavor::detect(&host));
        let qs = flavor.is_query_service();
        let sslmode = checked_sslmode(self.sslmode, &host, qs)?;
        let user = user_or_default(self.user, qs)?;
        let database = database_or_default(self.database, qs, &user)?;
        let (max_connections, min_connections) =
            pool_bounds(self.max_connections, self.min_connections, qs)?;
        Ok(ConnConfig {
            port: self.port.unwrap_or(flavor.default_port()),
            host,
            database,
            user,
            password: self.password,
            sslmode,
            sslrootcert: self.sslrootcert,
            application_name: self.application_name,
            connect_timeout: self.connect_timeout.unwrap_or(Duration::from_secs(30)),
            statement_timeout: self.statement_timeout,
            max_connections,
            min_connections,
            flavor,
            // Query Service: no named prepared statements (see QsConnection).
            statement_cache: self.statement_cache.unwrap_or(if qs { 0 } else { 100 }),
        })
    }
}

/// The sslmode, `require` by default for Query Service (flavor or host); `disable` is refused
/// there.
fn checked_sslmode(
    sslmode: Option<SslMode>,
    host: &str,
    qs: bool,
) -> Result<SslMode, ConnectError> {
    let tls_required = qs || Flavor::detect(host).is_query_service();
    let sslmode = sslmode.unwrap_or(if tls_required {
        SslMode::Require
    } else {
        SslMode::Prefer
    });
    if tls_required && sslmode == SslMode::Disable {
        return Err(ConnectError::invalid(
            "sslmode",
            if qs {
                "`disable` is not supported by Experience Platform Query Service; use require (the minimum), verify-ca or verify-full"
            } else {
                "`disable` is refused for a Query Service host (*.adobe.io) whatever the flavor: it asks for a cleartext password; use require (the minimum), verify-ca or verify-full"
            },
        ));
    }
    Ok(sslmode)
}

/// The user name: required (non-empty) for Query Service, else `$USER` or `postgres`.
fn user_or_default(user: Option<String>, qs: bool) -> Result<String, ConnectError> {
    Ok(match user {
        Some(user) if !user.is_empty() => user,
        Some(_) => return Err(ConnectError::invalid("user", "must not be empty")),
        None if qs => {
            return Err(ConnectError::invalid(
                "user",
                "missing: Query Service needs a user (`<ORG_ID>@AdobeOrg` or a technical account); set QS_USER or --user",
            ));
        }
        None => std::env::var("USER").unwrap_or_else(|_| "postgres".to_owned()),
    })
}

/// The database name: required (non-empty) for Query Service, else the user name.
fn database_or_default(
    database: Option<String>,
    qs: bool,
    user: &str,
) -> Result<String, ConnectError> {
    Ok(match database {
        Some(db) if !db.is_empty() => db,
        Some(_) => return Err(ConnectError::invalid("database", "must not be empty")),
        None if qs => {
            return Err(ConnectError::invalid(
                "database",
                "missing: Query Service databases look like `prod:all`; set QS_DATABASE or --database",
            ));
        }
        None => user.to_owned(),
    })
}

/// The pool's `(max, min)` connections, defaults applied and checked (a warning above Query
/// Service's 5 concurrent queries).
fn pool_bounds(
    max_connections: Option<u32>,
    min_connections: Option<u32>,
    qs: bool,
) -> Result<(u32, u32), ConnectError> {
    let max_connections = max_connections.unwrap_or(if qs { 4 } else { 10 });
    if max_connections == 0 {
        return Err(ConnectError::invalid(
            "max_connections",
            "must be at least 1",
        ));
    }
    if qs && max_connections > 5 {
        tracing::warn!(
            max_connections,
            "Query Service runs at most 5 concurrent queries; extra pooled connections will queue or fail"
        );
    }
    let min_connections = min_connections.unwrap_or(0);
    if min_connections > max_connections {
        return Err(ConnectError::invalid(
            "min_connections",
            format!("{min_connections} is above max_connections {max_connections}"),
        ));
    }
    Ok((max_connections, min_connections))
}
