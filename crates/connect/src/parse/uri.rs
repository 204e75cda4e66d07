//! `postgres://user:password@host:port/database?key=value` URLs.

use super::keys::{apply_key, is_known, parse_port, unknown_key};
use super::percent::decode;
use crate::error::ConnectError;
use crate::{ConnParams, Password};

/// What to do when a `&` or `#` inside a value split it.
const ENCODE_HINT: &str =
    "a `&`, `#` or `%` inside a URL value must be percent-encoded (%26, %23, %25)";

/// Whether `s` starts with `postgres://` or `postgresql://` (any case).
pub(super) fn is_url(s: &str) -> bool {
    let lower = s.get(..13).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// Parses a `postgres://user:password@host:port/database?sslmode=...` URL. Every part is
/// percent-decoded strictly (a `%` must start a two-digit escape); the password is taken
/// exactly (it was encoded on purpose). Query values are decoded like libpq does: `+` stays
/// `+`. A `#` fragment is refused: it is what an unencoded `#` in a password turns into.
pub fn parse_url(input: &str) -> Result<ConnParams, ConnectError> {
    let url = url::Url::parse(input.trim()).map_err(|e| {
        // url's messages are fixed texts ("invalid port number"): they never quote the input.
        ConnectError::invalid(syntax_error_key(e), format!("not a valid URL ({e})"))
    })?;
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return Err(ConnectError::invalid(
            "url",
            "the scheme is not postgres:// or postgresql://",
        ));
    }
    if url.fragment().is_some() {
        return Err(ConnectError::invalid(
            "url",
            format!("a connection URL has no `#` fragment: {ENCODE_HINT}"),
        ));
    }
    let mut params = ConnParams::default();
    if !url.username().is_empty() {
        params.user = Some(decode(url.username(), "user")?);
    }
    if let Some(pw) = url.password() {
        params.password = Some(Password::exact(decode(pw, "password")?));
    }
    if let Some(host) = url.host_str().filter(|h| !h.is_empty()) {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        params.host = Some(decode(host, "host")?);
    }
    if let Some(port) = url.port() {
        params.port = Some(parse_port("port", &port.to_string())?);
    }
    let path = url.path();
    let path = path.strip_prefix('/').unwrap_or(path);
    if !path.is_empty() {
        params.database = Some(decode(path, "database")?);
    }
    apply_query(&mut params, url.query().unwrap_or_default())?;
    Ok(params)
}

/// The part a URL syntax error is about.
fn syntax_error_key(e: url::ParseError) -> &'static str {
    use url::ParseError as E;
    match e {
        E::InvalidPort => "port",
        E::EmptyHost
        | E::IdnaError
        | E::InvalidIpv4Address
        | E::InvalidIpv6Address
        | E::InvalidDomainCharacter => "host",
        _ => "url",
    }
}

/// Applies `key=value&key=value`, each side decoded strictly.
fn apply_query(params: &mut ConnParams, query: &str) -> Result<(), ConnectError> {
    let mut previous: Option<String> = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(raw_key, "url")?;
        if !is_known(&key) {
            return Err(unknown_key(&key, previous.as_deref(), ENCODE_HINT));
        }
        if !pair.contains('=') {
            return Err(ConnectError::invalid(&key, "expected key=value"));
        }
        apply_key(params, &key, &decode(raw_value, &key)?)?;
        previous = Some(key);
    }
    Ok(())
}
