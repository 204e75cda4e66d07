//! Parsers for the ways users hand over connection settings: a `postgres://` URL, a libpq
//! `key=value` string, the PSQL command Adobe's UI shows, and the non-expiring credentials JSON.
//!
//! Every parser refuses what it cannot read exactly (a bad percent escape, an empty value, a
//! bare `psql`) with [`ConnectError::InvalidConfig`] naming the setting, never with a guess.
//! Error messages never quote the input: any word of it may be part of a password. Only the
//! names of known settings (and, for an unknown setting, a name that cannot be a stray piece
//! of a password value) are shown.
//!
//! [`ConnectError::InvalidConfig`]: crate::ConnectError::InvalidConfig

mod credentials;
mod key_value;
mod keys;
mod percent;
mod psql;
mod uri;

pub use credentials::parse_credentials_json;
pub use key_value::parse_key_value;
pub(crate) use keys::apply_env_key;
pub use psql::parse_psql_command;
pub use uri::parse_url;

use crate::ConnParams;
use crate::error::ConnectError;

/// Parses any accepted form: a URL (`postgres://` or `postgresql://`), a pasted `psql ...`
/// command, or a libpq `key=value` string. Empty input is an error, not "all defaults".
pub fn parse_any(input: &str) -> Result<ConnParams, ConnectError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        Err(ConnectError::invalid(
            keys::CONNECTION_STRING,
            "empty: expected a postgres:// URL, a key=value string or a psql command",
        ))
    } else if uri::is_url(trimmed) {
        parse_url(trimmed)
    } else if psql::looks_like_psql(trimmed) {
        parse_psql_command(trimmed)
    } else {
        parse_key_value(trimmed)
    }
}

#[cfg(test)]
mod tests;
