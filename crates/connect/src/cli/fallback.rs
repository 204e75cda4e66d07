//! When the embedded sandbox may stand in for a configured server, and what a configuration
//! lacks.
//!
//! The sandbox is a convenience for a person at a terminal: with nothing configured, the
//! tools use it and say so. Anywhere else (no terminal, or `CI` set) and for any partial
//! configuration, succeeding against a throwaway database would hide a mistake, so the
//! tools fail and name what is missing instead. `--sandbox` always forces the sandbox.

use std::io::IsTerminal;

use crate::error::ConnectError;
use crate::{ConnParams, Flavor};

/// Where the command runs, as far as the sandbox fallback is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Surroundings {
    /// Standard input and standard error are both terminals (a person is there to read the
    /// "using the embedded sandbox" line).
    pub terminal: bool,
    /// The `CI` environment variable is set (to anything but empty, `0` or `false`).
    pub ci: bool,
}

impl Surroundings {
    /// The surroundings of this process.
    pub fn detect() -> Surroundings {
        Surroundings {
            terminal: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
            ci: std::env::var("CI").is_ok_and(|v| ci_value_is_set(&v)),
        }
    }

    /// Whether the sandbox may be used when nothing is configured.
    pub fn allows_sandbox(self) -> bool {
        self.terminal && !self.ci
    }

    /// Why the sandbox is not used here (for the error message).
    fn why_not(self) -> &'static str {
        match (self.terminal, self.ci) {
            (_, true) => "CI is set",
            (false, false) => "not run from a terminal",
            (true, false) => "",
        }
    }
}

/// `CI=true`, `CI=1`, `CI=yes`... count; `CI=`, `CI=0`, `CI=false` do not.
fn ci_value_is_set(value: &str) -> bool {
    let v = value.trim();
    !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
}

/// One source of settings and what it gave, for messages.
#[derive(Debug, Clone)]
pub struct Layer {
    /// How the user knows it: `flags`, `QS_* variables`, `DATABASE_URL`, `PG* variables`.
    pub name: &'static str,
    /// What it set.
    pub params: ConnParams,
    /// Whether it is read from environment variables (which a `.env` file may supply).
    pub from_env: bool,
}

/// The settings a tool needs before it connects anywhere: which server, which database,
/// as whom, and on Query Service the token. `merged` is every layer combined.
pub fn missing_settings(merged: &ConnParams) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if merged.host.is_none() {
        missing.push("host");
    }
    if merged.database.is_none() {
        missing.push("database");
    }
    if merged.user.is_none() {
        missing.push("user");
    }
    let flavor = merged
        .flavor
        .or_else(|| merged.host.as_deref().map(Flavor::detect));
    if flavor.is_some_and(Flavor::is_query_service) && merged.password.is_none() {
        missing.push("password");
    }
    missing
}

/// Checks the values a partial configuration does give (a bad sslmode, port, ...), so that
/// a bad value is reported as such before what is missing: the missing settings are filled
/// with placeholders (the flavor kept) and the result is built and dropped.
pub fn check_given_values(merged: &ConnParams) -> Result<(), ConnectError> {
    let flavor = merged
        .flavor
        .or_else(|| merged.host.as_deref().map(Flavor::detect))
        .unwrap_or(Flavor::Postgres);
    let placeholders = ConnParams::default()
        .host("localhost")
        .database("placeholder")
        .user("placeholder")
        .password("placeholder")
        .flavor(flavor);
    merged.clone().or(placeholders).build().map(drop)
}

/// The names of the fields a source set (never their values).
pub fn fields_set(params: &ConnParams) -> Vec<&'static str> {
    let p = params;
    [
        ("host", p.host.is_some()),
        ("port", p.port.is_some()),
        ("database", p.database.is_some()),
        ("user", p.user.is_some()),
        ("password", p.password.is_some()),
        ("sslmode", p.sslmode.is_some()),
        ("sslrootcert", p.sslrootcert.is_some()),
        ("application_name", p.application_name.is_some()),
        ("connect_timeout", p.connect_timeout.is_some()),
        ("statement_timeout", p.statement_timeout.is_some()),
        ("max_connections", p.max_connections.is_some()),
        ("min_connections", p.min_connections.is_some()),
        ("flavor", p.flavor.is_some()),
        ("statement_cache", p.statement_cache.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect()
}

/// Where each missing setting can come from.
fn how_to_set(setting: &str) -> &'static str {
    match setting {
        "host" => "--host, QS_HOST, PGHOST or a URL",
        "database" => "--database, QS_DATABASE, PGDATABASE or a URL",
        "user" => "--user, QS_USER, PGUSER or a URL",
        _ => "--password, QS_PASSWORD, PGPASSWORD or --credentials-file",
    }
}

fn list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

const SANDBOX_HINT: &str = "or pass --sandbox to use the embedded sandbox PostgreSQL";

/// The error for a command that has no configuration and may not use the sandbox.
pub fn nothing_configured(surroundings: Surroundings) -> ConnectError {
    let missing = ["host", "database", "user"];
    ConnectError::invalid(
        "connection",
        format!(
            "nothing configured: missing {} ({}). Set QS_HOST, QS_DATABASE, QS_USER and \
             QS_PASSWORD (Query Service), DATABASE_URL, PG* variables or --url, {SANDBOX_HINT} \
             (it is used unasked only at a terminal outside CI; here {})",
            list(&missing),
            missing
                .iter()
                .map(|m| format!("{m}: {}", how_to_set(m)))
                .collect::<Vec<_>>()
                .join("; "),
            surroundings.why_not()
        ),
    )
}

/// The error for a partial configuration: what is missing, and which sources gave what.
pub fn incomplete(missing: &[&str], layers: &[Layer]) -> ConnectError {
    let given: Vec<String> = layers
        .iter()
        .filter(|l| !l.params.is_empty())
        .map(|l| format!("{} from {}", list(&fields_set(&l.params)), l.name))
        .collect();
    let env_note = if layers.iter().any(|l| l.from_env && !l.params.is_empty()) {
        " (variables come from the environment or the .env file)"
    } else {
        ""
    };
    ConnectError::invalid(
        "connection",
        format!(
            "incomplete: missing {} ({}); given: {}{env_note}. Complete the settings, \
             {SANDBOX_HINT}",
            list(missing),
            missing
                .iter()
                .map(|m| format!("{m}: {}", how_to_set(m)))
                .collect::<Vec<_>>()
                .join("; "),
            given.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandbox_is_for_a_terminal_outside_ci() {
        let at = |terminal, ci| Surroundings { terminal, ci }.allows_sandbox();
        assert!(at(true, false));
        assert!(!at(true, true));
        assert!(!at(false, false));
        assert!(!at(false, true));
    }

    #[test]
    fn ci_values() {
        for set in ["true", "1", "yes", "TRUE", "gitlab"] {
            assert!(ci_value_is_set(set), "{set}");
        }
        for unset in ["", " ", "0", "false", "False"] {
            assert!(!ci_value_is_set(unset), "{unset}");
        }
    }

    #[test]
    fn missing_settings_name_server_database_user_and_a_query_service_token() {
        let none = ConnParams::default();
        assert_eq!(missing_settings(&none), ["host", "database", "user"]);
        let qs_host = ConnParams::default().host("acme.platform-query.adobe.io");
        assert_eq!(missing_settings(&qs_host), ["database", "user", "password"]);
        let pg = ConnParams::default().host("db").database("d").user("u");
        assert!(missing_settings(&pg).is_empty());
        let pg_as_qs = pg.flavor(Flavor::QueryService);
        assert_eq!(missing_settings(&pg_as_qs), ["password"]);
    }

    #[test]
    fn messages_name_what_is_missing_and_never_a_value() {
        let layers = [Layer {
            name: "PG* variables",
            params: ConnParams::default().password("hunter2-secret"),
            from_env: true,
        }];
        let err = incomplete(&["host", "database", "user"], &layers).to_string();
        assert!(err.contains("missing host, database and user"), "{err}");
        assert!(err.contains("given: password from PG* variables"), "{err}");
        assert!(err.contains("--sandbox"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let err = nothing_configured(Surroundings {
            terminal: false,
            ci: true,
        })
        .to_string();
        assert!(err.contains("missing host, database and user"), "{err}");
        assert!(err.contains("CI is set"), "{err}");
    }
}
