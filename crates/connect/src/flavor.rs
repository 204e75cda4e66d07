//! Which kind of server qsorm talks to.

use serde::{Deserialize, Serialize};

/// The server dialect a connection targets.
///
/// `QueryService` is Adobe Experience Platform Query Service (a PostgreSQL-wire endpoint
/// with a restricted dialect); `Postgres` is any regular PostgreSQL server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flavor {
    /// Adobe Experience Platform Query Service.
    QueryService,
    /// A regular PostgreSQL server.
    Postgres,
}

impl Flavor {
    /// Guesses the flavor from a host name: `*.adobe.io` hosts are Query Service.
    pub fn detect(host: &str) -> Flavor {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host == "adobe.io" || host.ends_with(".adobe.io") {
            Flavor::QueryService
        } else {
            Flavor::Postgres
        }
    }

    /// The default port: 80 for Query Service (Adobe's recommendation), 5432 otherwise.
    pub fn default_port(self) -> u16 {
        match self {
            Flavor::QueryService => 80,
            Flavor::Postgres => 5432,
        }
    }

    /// Whether this server only accepts the Query Service subset of SQL.
    pub fn is_query_service(self) -> bool {
        self == Flavor::QueryService
    }
}

impl std::fmt::Display for Flavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Flavor::QueryService => "query-service",
            Flavor::Postgres => "postgres",
        })
    }
}

impl std::str::FromStr for Flavor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "query-service" | "queryservice" | "qs" => Ok(Flavor::QueryService),
            "postgres" | "postgresql" | "pg" => Ok(Flavor::Postgres),
            // The value is not quoted back: it may be a misplaced password.
            _ => Err("unknown flavor (expected `query-service` or `postgres`)".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_adobe_hosts() {
        assert_eq!(
            Flavor::detect("acme.platform-query.adobe.io"),
            Flavor::QueryService
        );
        assert_eq!(
            Flavor::detect("ACME.Platform-Query.Adobe.IO."),
            Flavor::QueryService
        );
        assert_eq!(Flavor::detect("notadobe.io"), Flavor::Postgres);
        assert_eq!(Flavor::detect("127.0.0.1"), Flavor::Postgres);
    }
}
