//! Parsers for the ways users hand over connection settings: a `postgres://` URL, a libpq
//! `key=value` string, the PSQL command Adobe's UI shows, and the non-expiring credentials JSON.

use std::path::PathBuf;
use std::time::Duration;

use percent_encoding::percent_decode_str;

use crate::error::ConnectError;
use crate::{ConnParams, Flavor, Password, SslMode};

/// Parses any accepted form: a URL (`postgres://` or `postgresql://`), a pasted `psql ...`
/// command, or a libpq `key=value` string.
pub fn parse_any(input: &str) -> Result<ConnParams, ConnectError> {
    let trimmed = input.trim();
    if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
        parse_url(trimmed)
    } else if looks_like_psql(trimmed) {
        parse_psql_command(trimmed)
    } else {
        parse_key_value(trimmed)
    }
}

fn looks_like_psql(s: &str) -> bool {
    shlex::split(s)
        .and_then(|words| {
            words
                .into_iter()
                .find(|w| !is_env_assignment(w))
                .map(|w| w == "psql" || w.ends_with("/psql") || w.ends_with("psql.exe"))
        })
        .unwrap_or(false)
}

fn is_env_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty() && k.chars().all(|c| c.is_ascii_uppercase() || c == '_')
    })
}

fn decode(part: &str, key: &str) -> Result<String, ConnectError> {
    percent_decode_str(part)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| ConnectError::invalid(key, "percent-decodes to invalid UTF-8"))
}

/// Parses a `postgres://user:password@host:port/database?sslmode=...` URL. Every part is
/// percent-decoded; the password is taken exactly (it was encoded on purpose).
pub fn parse_url(input: &str) -> Result<ConnParams, ConnectError> {
    let url = url::Url::parse(input.trim())
        .map_err(|e| ConnectError::invalid("url", format!("not a valid URL ({e})")))?;
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return Err(ConnectError::invalid(
            "url",
            format!(
                "scheme `{}` is not postgres:// or postgresql://",
                url.scheme()
            ),
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
    params.port = url.port();
    let path = url.path().trim_start_matches('/');
    if !path.is_empty() {
        params.database = Some(decode(path, "database")?);
    }
    for (key, value) in url.query_pairs() {
        apply_key(&mut params, &key, &value)?;
    }
    Ok(params)
}

/// Parses a libpq connection string: `host=... port=80 dbname='prod:all' user=...`.
/// Values may be single-quoted with `\'` and `\\` escapes. Unknown keys are refused by name.
pub fn parse_key_value(input: &str) -> Result<ConnParams, ConnectError> {
    let mut params = ConnParams::default();
    let mut chars = input.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(ConnectError::invalid(
                &key,
                "expected `key=value` in the connection string",
            ));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => {
                        return Err(ConnectError::invalid(&key, "unterminated quoted value"));
                    }
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        apply_key(&mut params, &key, &value)?;
    }
    Ok(params)
}

/// Parses the PSQL command Adobe's UI shows, e.g.
/// `psql "sslmode=require host=acme.platform-query.adobe.io port=80 dbname=prod:all user=ORG@AdobeOrg"`.
/// Also understands `-h/-p/-U/-d` (and their long forms), a URL argument, positional
/// `dbname [user]`, and `PGPASSWORD=... psql ...` prefixes.
pub fn parse_psql_command(input: &str) -> Result<ConnParams, ConnectError> {
    let words = shlex::split(input.trim()).ok_or_else(|| {
        ConnectError::invalid("psql", "unbalanced quotes in the pasted psql command")
    })?;
    let mut env = ConnParams::default();
    let mut flags = ConnParams::default();
    let mut dbname_flag: Option<String> = None;
    let mut positional = Vec::new();
    let mut iter = words.into_iter().peekable();
    while let Some(w) = iter.next_if(|w| is_env_assignment(w)) {
        let (k, v) = w.split_once('=').unwrap_or_default();
        if let Some(key) = k.strip_prefix("PG") {
            apply_env_key(&mut env, key, v)?;
        }
    }
    match iter.next() {
        Some(cmd) if cmd == "psql" || cmd.ends_with("/psql") || cmd.ends_with("psql.exe") => {}
        _ => {
            return Err(ConnectError::invalid(
                "psql",
                "the command does not start with psql",
            ));
        }
    }
    while let Some(word) = iter.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (word.clone(), None),
        };
        let short_inline = |prefix: &str| {
            (word.len() > 2 && word.starts_with(prefix) && !word.starts_with("--"))
                .then(|| word[2..].to_owned())
        };
        let mut take = |name: &str| -> Result<String, ConnectError> {
            inline
                .clone()
                .or_else(|| iter.next())
                .ok_or_else(|| ConnectError::invalid(name, "missing value after the flag"))
        };
        match flag.as_str() {
            "-h" | "--host" => flags.host = Some(take("host")?),
            "-p" | "--port" => flags.port = Some(parse_port(&take("port")?)?),
            "-U" | "--username" => flags.user = Some(take("user")?),
            "-d" | "--dbname" => dbname_flag = Some(take("dbname")?),
            _ if short_inline("-h").is_some() => flags.host = short_inline("-h"),
            _ if short_inline("-p").is_some() => {
                flags.port = Some(parse_port(&short_inline("-p").unwrap_or_default())?)
            }
            _ if short_inline("-U").is_some() => flags.user = short_inline("-U"),
            _ if short_inline("-d").is_some() => dbname_flag = short_inline("-d"),
            f if f.starts_with('-') => {} // other psql options (-W, -c, --echo-all...) do not affect the connection
            _ => positional.push(word),
        }
    }
    // Like psql: `[dbname [username]]`, where `-d` takes the dbname slot; the dbname may itself
    // be a URL or a conninfo string.
    let mut conn = ConnParams::default();
    let mut rest = dbname_flag.into_iter().chain(positional);
    if let Some(first) = rest.next() {
        if first.starts_with("postgres://") || first.starts_with("postgresql://") {
            conn = parse_url(&first)?;
        } else if first.contains('=') {
            conn = parse_key_value(&first)?;
        } else {
            conn.database = Some(first);
        }
    }
    if let Some(user) = rest.next() {
        conn.user.get_or_insert(user);
    }
    Ok(flags.or(conn).or(env))
}

/// Reads Adobe's non-expiring credentials JSON
/// (`{"technicalAccountName": ..., "credential": ..., "technicalAccountId": ...}`):
/// user = `technicalAccountName`, password = `{technicalAccountId}:{credential}`.
pub fn parse_credentials_json(json: &str) -> Result<ConnParams, ConnectError> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        ConnectError::invalid(
            "credentials",
            format!("not valid JSON (line {}, column {})", e.line(), e.column()),
        )
    })?;
    let field = |name: &str| -> Result<String, ConnectError> {
        match value.get(name) {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            Some(_) => Err(ConnectError::invalid(name, "must be a non-empty string")),
            None => Err(ConnectError::invalid(
                name,
                "missing from the credentials JSON (expected technicalAccountName, credential, technicalAccountId)",
            )),
        }
    };
    let user = field("technicalAccountName")?;
    let id = field("technicalAccountId")?;
    let credential = field("credential")?;
    Ok(ConnParams {
        user: Some(user),
        password: Some(Password::pasted(&format!("{id}:{credential}"))),
        ..ConnParams::default()
    })
}

fn parse_port(value: &str) -> Result<u16, ConnectError> {
    value
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| ConnectError::invalid("port", format!("`{value}` is not a port number")))
}

fn parse_secs(key: &str, value: &str) -> Result<Duration, ConnectError> {
    value
        .trim()
        .parse::<u64>()
        .map(Duration::from_secs)
        .map_err(|_| ConnectError::invalid(key, format!("`{value}` is not a number of seconds")))
}

/// Applies one libpq key (URL query parameter or `key=value` word).
fn apply_key(params: &mut ConnParams, key: &str, value: &str) -> Result<(), ConnectError> {
    match key {
        "host" | "hostaddr" => params.host = Some(value.to_owned()),
        "port" => params.port = Some(parse_port(value)?),
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
            params.statement_cache =
                Some(value.trim().parse::<usize>().map_err(|_| {
                    ConnectError::invalid(key, format!("`{value}` is not a number"))
                })?)
        }
        "flavor" => {
            params.flavor = Some(
                value
                    .parse::<Flavor>()
                    .map_err(|e| ConnectError::invalid("flavor", e))?,
            )
        }
        // Accepted by libpq and harmless here.
        "gssencmode" | "client_encoding" | "fallback_application_name" => {}
        other => {
            return Err(ConnectError::invalid(
                other,
                "unknown connection option (known: host, port, dbname, user, password, sslmode, sslrootcert, application_name, connect_timeout, statement_cache_capacity, flavor)",
            ));
        }
    }
    Ok(())
}

/// Applies one libpq environment variable, named without its `PG` prefix (`HOST`, `SSLMODE`...).
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

#[cfg(test)]
mod tests;
