//! The `psql ...` command Adobe's UI shows (and most hand-written ones).

use super::keys::{apply_env_key, parse_port};
use super::uri::is_url;
use super::{parse_key_value, parse_url};
use crate::ConnParams;
use crate::error::ConnectError;

/// psql options that take a value but do not affect the connection (`-c "SELECT 1"`): their
/// value must not be read as a database name.
const VALUE_FLAGS: &[&str] = &[
    "-c",
    "--command",
    "-f",
    "--file",
    "-v",
    "--set",
    "--variable",
    "-o",
    "--output",
    "-L",
    "--log-file",
    "-P",
    "--pset",
    "-F",
    "--field-separator",
    "-R",
    "--record-separator",
    "-T",
    "--table-attr",
];

/// Whether the first word that is not a `NAME=value` prefix is a psql executable.
pub(super) fn looks_like_psql(s: &str) -> bool {
    shlex::split(s)
        .and_then(|words| words.into_iter().find(|w| !is_env_assignment(w)))
        .is_some_and(|w| is_psql(&w))
}

fn is_psql(word: &str) -> bool {
    word == "psql" || word.ends_with("/psql") || word.ends_with("psql.exe")
}

fn is_env_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty() && k.chars().all(|c| c.is_ascii_uppercase() || c == '_')
    })
}

/// Parses the PSQL command Adobe's UI shows, e.g.
/// `psql "sslmode=require host=acme.platform-query.adobe.io port=80 dbname=prod:all user=ORG@AdobeOrg"`.
/// Also understands `-h/-p/-U/-d` (and their long forms), a URL argument, positional
/// `dbname [user]`, and `PGPASSWORD=... psql ...` prefixes.
///
/// Refused, by name: an empty command, a command that is not psql, a flag without its value,
/// an empty value, more than two positional arguments, and a bare `psql` that names neither a
/// server nor a database (it would silently mean `localhost:5432`).
pub fn parse_psql_command(input: &str) -> Result<ConnParams, ConnectError> {
    let words = shlex::split(input.trim()).ok_or_else(|| {
        ConnectError::invalid("psql", "unbalanced quotes in the pasted psql command")
    })?;
    let mut iter = words.into_iter().peekable();
    let mut env = ConnParams::default();
    while let Some(w) = iter.next_if(|w| is_env_assignment(w)) {
        let (k, v) = w.split_once('=').unwrap_or_default();
        if let Some(key) = k.strip_prefix("PG") {
            apply_env_key(&mut env, key, v).map_err(|e| e.rekey(k))?;
        }
    }
    match iter.next() {
        Some(cmd) if is_psql(&cmd) => {}
        Some(_) => {
            return Err(ConnectError::invalid(
                "psql",
                "the command does not start with psql",
            ));
        }
        None => return Err(ConnectError::invalid("psql", "empty command")),
    }
    let mut flags = Flags::default();
    while let Some(word) = iter.next() {
        flags.read(&word, &mut iter)?;
    }
    let conn = flags.connection()?.or(env);
    let bare = conn.host.is_none()
        && conn.port.is_none()
        && conn.database.is_none()
        && conn.user.is_none();
    if bare {
        return Err(ConnectError::invalid(
            "psql",
            "the command names no server or database: add -h/--host, -d/--dbname, a connection string or a URL",
        ));
    }
    Ok(conn)
}

/// The connection flags and positional arguments of one command.
#[derive(Default)]
struct Flags {
    params: ConnParams,
    dbname: Option<String>,
    positional: Vec<String>,
}

impl Flags {
    /// Reads one word (and the next one, for a flag that takes a value).
    fn read(
        &mut self,
        word: &str,
        rest: &mut impl Iterator<Item = String>,
    ) -> Result<(), ConnectError> {
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (word, None),
        };
        let key = match flag {
            "-h" | "--host" => "host",
            "-p" | "--port" => "port",
            "-U" | "--username" => "user",
            "-d" | "--dbname" => "dbname",
            f if VALUE_FLAGS.contains(&f) => {
                if inline.is_none() {
                    rest.next();
                }
                return Ok(());
            }
            f if f.starts_with('-') && f.chars().count() > 2 && !f.starts_with("--") => {
                // `-hdb.example`, `-p5433`, `-Ualice`, `-dshop`; other short options are ignored.
                let mut chars = f.chars().skip(1);
                let short = chars.next();
                let value: String = chars.collect();
                return match short {
                    Some('h') => self.set("host", value),
                    Some('p') => self.set("port", value),
                    Some('U') => self.set("user", value),
                    Some('d') => self.set("dbname", value),
                    _ => Ok(()),
                };
            }
            // Other psql options (-W, --echo-all...) do not affect the connection.
            f if f.starts_with('-') && f.len() > 1 => return Ok(()),
            _ => {
                self.positional.push(word.to_owned());
                return Ok(());
            }
        };
        let value = match inline {
            Some(v) => v,
            None => rest
                .next()
                .filter(|v| !v.starts_with('-') || v.len() == 1)
                .ok_or_else(|| ConnectError::invalid(key, "missing value after the flag"))?,
        };
        self.set(key, value)
    }

    fn set(&mut self, key: &str, value: String) -> Result<(), ConnectError> {
        if value.trim().is_empty() {
            return Err(ConnectError::invalid(key, "empty value"));
        }
        match key {
            "host" => self.params.host = Some(value),
            "port" => self.params.port = Some(parse_port("port", &value)?),
            "user" => self.params.user = Some(value),
            _ => self.dbname = Some(value),
        }
        Ok(())
    }

    /// Like psql: `[dbname [username]]`, where `-d` takes the dbname slot; the dbname may
    /// itself be a URL or a conninfo string. Flags win over what the dbname slot says.
    fn connection(self) -> Result<ConnParams, ConnectError> {
        let mut slots = self.dbname.into_iter().chain(self.positional);
        let mut conn = ConnParams::default();
        if let Some(first) = slots.next() {
            if first.trim().is_empty() {
                return Err(ConnectError::invalid("dbname", "empty value"));
            } else if is_url(&first) {
                conn = parse_url(&first)?;
            } else if first.contains('=') {
                conn = parse_key_value(&first)?;
            } else {
                conn.database = Some(first);
            }
        }
        if let Some(user) = slots.next() {
            if user.trim().is_empty() {
                return Err(ConnectError::invalid("user", "empty value"));
            }
            conn.user.get_or_insert(user);
        }
        if slots.next().is_some() {
            return Err(ConnectError::invalid(
                "psql",
                "too many arguments: psql takes [dbname [username]] after its options",
            ));
        }
        Ok(self.params.or(conn))
    }
}
