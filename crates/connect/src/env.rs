//! Connection settings from the environment: `QS_*` variables, `DATABASE_URL`, libpq `PG*`
//! variables, and a `.env` file that never overrides the real environment.

use std::collections::HashMap;
use std::path::Path;

use crate::error::ConnectError;
use crate::parse::{apply_env_key, parse_url};
use crate::{ConnParams, Flavor, Password, SslMode};

/// The `QS_*` variables qsorm reads, in the order the README documents them.
pub const QS_VARIABLES: &[&str] = &[
    "QS_HOST",
    "QS_PORT",
    "QS_DATABASE",
    "QS_USER",
    "QS_PASSWORD",
    "QS_SSLMODE",
    "QS_SSLROOTCERT",
    "QS_FLAVOR",
];

/// A read-only view of environment variables: the process environment first, then the
/// values of a `.env` file (dotenvy semantics: `.env` never overrides the real environment).
///
/// `Debug` lists variable names only: values may be secrets.
#[derive(Clone, Default)]
pub struct EnvSource {
    real: HashMap<String, String>,
    dotenv: HashMap<String, String>,
}

impl std::fmt::Debug for EnvSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut real: Vec<&String> = self.real.keys().collect();
        let mut dotenv: Vec<&String> = self.dotenv.keys().collect();
        real.sort();
        dotenv.sort();
        f.debug_struct("EnvSource")
            .field("real", &real)
            .field("dotenv", &dotenv)
            .finish()
    }
}

impl EnvSource {
    /// The process environment plus `./.env` when present.
    pub fn from_process() -> Result<EnvSource, ConnectError> {
        EnvSource::from_process_with(Path::new(".env"))
    }

    /// The process environment plus the given `.env` file when it exists.
    pub fn from_process_with(dotenv_path: &Path) -> Result<EnvSource, ConnectError> {
        let real = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let dotenv = if dotenv_path.is_file() {
            read_dotenv(dotenv_path)?
        } else {
            HashMap::new()
        };
        Ok(EnvSource { real, dotenv })
    }

    /// An environment made of the given pairs only (for tests and embedding).
    pub fn from_pairs<'a>(
        real: impl IntoIterator<Item = (&'a str, &'a str)>,
        dotenv: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> EnvSource {
        let own = |it: Vec<(&str, &str)>| {
            it.into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        };
        EnvSource {
            real: own(real.into_iter().collect()),
            dotenv: own(dotenv.into_iter().collect()),
        }
    }

    /// One variable: the real environment wins over `.env`. Empty values count as unset.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.real
            .get(key)
            .or_else(|| self.dotenv.get(key))
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The `QS_*` layer.
    pub fn qs_params(&self) -> Result<ConnParams, ConnectError> {
        let mut p = ConnParams {
            host: self.get("QS_HOST").map(|h| h.trim().to_owned()),
            database: self.get("QS_DATABASE").map(|d| d.trim().to_owned()),
            user: self.get("QS_USER").map(|u| u.trim().to_owned()),
            password: self.get("QS_PASSWORD").map(Password::pasted),
            sslrootcert: self.get("QS_SSLROOTCERT").map(Into::into),
            ..ConnParams::default()
        };
        if let Some(port) = self.get("QS_PORT") {
            p.port = Some(
                port.trim()
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| {
                        ConnectError::invalid("QS_PORT", "not a port number (1 to 65535)")
                    })?,
            );
        }
        if let Some(mode) = self.get("QS_SSLMODE") {
            p.sslmode = Some(
                mode.parse::<SslMode>()
                    .map_err(|e| ConnectError::invalid("QS_SSLMODE", e))?,
            );
        }
        if let Some(flavor) = self.get("QS_FLAVOR") {
            p.flavor = Some(
                flavor
                    .parse::<Flavor>()
                    .map_err(|e| ConnectError::invalid("QS_FLAVOR", e))?,
            );
        }
        Ok(p)
    }

    /// The `DATABASE_URL` layer.
    pub fn database_url_params(&self) -> Result<ConnParams, ConnectError> {
        match self.get("DATABASE_URL") {
            Some(url) => parse_url(url).map_err(|e| e.within("DATABASE_URL")),
            None => Ok(ConnParams::default()),
        }
    }

    /// The libpq `PG*` layer (`PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`,
    /// `PGSSLMODE`, `PGSSLROOTCERT`, `PGAPPNAME`, `PGCONNECT_TIMEOUT`).
    pub fn pg_params(&self) -> Result<ConnParams, ConnectError> {
        let mut p = ConnParams::default();
        for key in [
            "HOST",
            "HOSTADDR",
            "PORT",
            "DATABASE",
            "USER",
            "PASSWORD",
            "SSLMODE",
            "SSLROOTCERT",
            "APPNAME",
            "CONNECT_TIMEOUT",
        ] {
            let var = format!("PG{key}");
            if let Some(value) = self.get(&var) {
                apply_env_key(&mut p, key, value).map_err(|e| e.rekey(&var))?;
            }
        }
        Ok(p)
    }

    /// All environment layers merged: `QS_*` > `DATABASE_URL` > `PG*`.
    pub fn params(&self) -> Result<ConnParams, ConnectError> {
        Ok(self
            .qs_params()?
            .or(self.database_url_params()?)
            .or(self.pg_params()?))
    }
}

fn read_dotenv(path: &Path) -> Result<HashMap<String, String>, ConnectError> {
    let key = path.display().to_string();
    let iter = dotenvy::from_path_iter(path)
        .map_err(|e| ConnectError::invalid(&key, format!("cannot read: {}", dotenv_reason(&e))))?;
    let mut map = HashMap::new();
    for item in iter {
        let (k, v) = item.map_err(|e| ConnectError::invalid(&key, dotenv_reason(&e)))?;
        map.insert(k, v);
    }
    Ok(map)
}

/// dotenvy's parse errors quote the offending line, which may hold a password: report only
/// the position.
fn dotenv_reason(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::LineParse(_, index) => format!("syntax error at byte {index}"),
        dotenvy::Error::Io(io) => io.to_string(),
        _ => "invalid .env file".to_owned(),
    }
}

/// Resolves the full configuration: `explicit` (builder values or CLI flags) >
/// `QS_*` > `DATABASE_URL` > `PG*`, `.env` included at the environment's level.
pub fn resolve(explicit: ConnParams, env: &EnvSource) -> Result<crate::ConnConfig, ConnectError> {
    explicit.or(env.params()?).build()
}

#[cfg(test)]
mod tests;
