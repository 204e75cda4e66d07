//! What to reflect.

use qsorm_connect::Flavor;

/// Which relations [`inspect`](crate::inspect) and [`table_names`](crate::table_names)
/// look at, and which server dialect to expect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectOptions {
    /// Schema names, exact and unquoted. Empty: every non-system schema (all but
    /// `pg_catalog`, `information_schema`, `pg_toast*` and `pg_temp_*`).
    pub schemas: Vec<String>,
    /// Table names, exact and unquoted, in any of the selected schemas. Empty: all.
    /// On PostgreSQL, relations that belong to an extension (such as the views of
    /// `pg_stat_statements`) are never listed.
    pub tables: Vec<String>,
    /// The server: Query Service adds `SHOW TABLES` / `SHOW PRIMARY KEYS` /
    /// `SHOW FOREIGN KEYS` and keeps to catalog columns psql itself asks it for.
    pub flavor: Flavor,
}

impl InspectOptions {
    /// Everything on a server of this flavor.
    pub fn all(flavor: Flavor) -> InspectOptions {
        InspectOptions {
            schemas: Vec::new(),
            tables: Vec::new(),
            flavor,
        }
    }

    /// Only these schemas.
    pub fn with_schemas<I, S>(mut self, schemas: I) -> InspectOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.schemas = schemas.into_iter().map(Into::into).collect();
        self
    }

    /// Only these tables.
    pub fn with_tables<I, S>(mut self, tables: I) -> InspectOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tables = tables.into_iter().map(Into::into).collect();
        self
    }
}

impl Default for InspectOptions {
    /// Everything on a PostgreSQL server.
    fn default() -> Self {
        InspectOptions::all(Flavor::Postgres)
    }
}
