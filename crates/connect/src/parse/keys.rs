//! The libpq settings qsorm understands, applied one at a time, and the names errors may show.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::ConnectError;
use crate::{ConnParams, Flavor, Password, SslMode};

/// The error key for a problem with a `key=value` string as a whole.
pub(super) const CONNECTION_STRING: &str = "connection string";

/// Every key [`apply_key`] accepts (URL query parameters and `key=value` words).
const KNOWN: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "database",
    "user",
    "username",
    "password",
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "application_name",
    "connect_timeout",
    "statement_cache_capacity",
    "statement-cache-capacity",
    "flavor",
    "gssencmode",
    "client_encoding",
    "fallback_application_name",
];

/// Whether `key` is a setting qsorm reads (and so a name any error may show).
pub(super) fn is_known(key: &str) -> bool {
    KNOWN.contains(&key)
}

/// Whether `word` starts with a known setting followed by `=` (`port=5432`): what follows an
/// `=` and a space when the value before it was left empty (`host= port=5432`).
pub(super) fn starts_with_setting(word: &str) -> bool {
    word.split_once('=').is_some_and(|(k, _)| is_known(k))
}

/// The error for a setting qsorm does not know.
///
/// `previous` is the setting read just before, when its value was not quoted. After
/// `password`, an unknown name is most likely the rest of a password that holds a space (or,
/// in a URL, an unencoded `&`): the error then names `password` and hides the word. Otherwise
/// the name is shown when it looks like an option name, and hidden when it does not.
pub(super) fn unknown_key(key: &str, previous: Option<&str>, hint: &str) -> ConnectError {
    if previous == Some("password") {
        return ConnectError::invalid("password", hint);
    }
    let looks_like_option = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if looks_like_option {
        ConnectError::invalid(
            key,
            "unknown connection option (known: host, port, dbname, user, password, sslmode, sslrootcert, application_name, connect_timeout, statement_cache_capacity, flavor)",
        )
    } else {
        ConnectError::invalid(
            CONNECTION_STRING,
            "unknown connection option (its name is not shown: it may be part of a value)",
        )
    }
}

/// Parses a port: 1 to 65535.
pub(super) fn parse_port(key: &str, value: &str) -> Result<u16, ConnectError> {
    value
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| ConnectError::invalid(key, "not a port number (1 to 65535)"))
}

fn parse_secs(key: &str, value: &str) -> Result<Duration, ConnectError> {
    value
        .trim()
        .parse::<u64>()
        .map(Duration::from_secs)
        .map_err(|_| ConnectError::invalid(key, "not a whole number of seconds"))
}

/// Applies one libpq key (URL query parameter or `key=value` word). Values are never quoted in
/// errors; an empty (or blank) value is refused rather than read as "unset".
pub(super) fn apply_key(
    params: &mut ConnParams,
    key: &str,
    value: &str,
) -> Result<(), ConnectError> {
    if !is_known(key) {
        return Err(unknown_key(key, None, "unknown connection option"));
    }
    if value.trim().is_empty() {
        return Err(ConnectError::invalid(
            key,
            "empty value: give a value or leave the setting out",
        ));
    }
    match key {
        "host" | "hostaddr" => params.host = Some(value.to_owned()),
        "port" => params.port = Some(parse_port(key, value)?),
        "dbname" | "database" => params.database = Some(value.to_owned()),
        "user" | "username" => params.user = Some(value.to_owned()),
        "password" => params.password = Some(Password::pasted(value)),
        "sslmode" | "ssl-mode" => {
            params.sslmode = Some(
                value
                    .parse::<SslMode>()
                    .map_err(|e| ConnectError::invalid("sslmode", e))?,
            )
        }
        "sslrootcert" | "ssl-root-cert" => params.sslrootcert = Some(PathBuf::from(value)),
        "application_name" => params.application_name = Some(value.to_owned()),
        "connect_timeout" => params.connect_timeout = Some(parse_secs(key, value)?),
        "statement_cache_capacity" | "statement-cache-capacity" => {
            params.statement_cache = Some(
                value
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| ConnectError::invalid(key, "not a whole number"))?,
            )
        }
        "flavor" => {
            params.flavor = Some(
                value
                    .parse::<Flavor>()
                    .map_err(|e| ConnectError::invalid("flavor", e))?,
            )
        }
        // Accepted by libpq and harmless here: gssencmode, client_encoding,
        // fallback_application_name.
        _ => {}
    }
    Ok(())
}

/// Applies one libpq environment variable, named without its `PG` prefix (`HOST`, `SSLMODE`...).
/// Variables qsorm does not read are ignored.
pub(crate) fn apply_env_key(
    params: &mut ConnParams,
    key: &str,
    value: &str,
) -> Result<(), ConnectError> {
    let mapped = match key {
        "HOST" | "HOSTADDR" => "host",
        "PORT" => "port",
        "DATABASE" => "dbname",
        "USER" => "user",
        "PASSWORD" => "password",
        "SSLMODE" => "sslmode",
        "SSLROOTCERT" => "sslrootcert",
        "APPNAME" => "application_name",
        "CONNECT_TIMEOUT" => "connect_timeout",
        _ => return Ok(()),
    };
    apply_key(params, mapped, value)
}
