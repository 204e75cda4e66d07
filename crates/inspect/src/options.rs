//! What to reflect.

use qsorm_connect::{ConnConfig, Flavor, QsConnection};

/// Which relations [`inspect`](crate::inspect) and [`table_names`](crate::table_names)
/// look at, and which server dialect to expect.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectOptions {
    /// Schema names, exact and unquoted. Empty: every non-system schema (all but
    /// `pg_catalog`, `information_schema`, `pg_toast*` and `pg_temp_*`). On Query
    /// Service, whose tables have no schema, every table counts as `public`.
    pub schemas: Vec<String>,
    /// Table names, exact and unquoted, in any of the selected schemas. Empty: all.
    /// On PostgreSQL, relations that belong to an extension (such as the views of
    /// `pg_stat_statements`) are never listed.
    pub tables: Vec<String>,
    /// The server. On Query Service the reflection keeps to what Adobe documents:
    /// `SHOW TABLES` / `SHOW PRIMARY KEYS` / `SHOW FOREIGN KEYS`,
    /// `SELECT * FROM t WHERE 1=0`, and the catalog queries psql's `\d` sends.
    pub flavor: Flavor,
    /// Query Service: the connection settings. The reflection runs there in a session of
    /// its own, over the simple query protocol (like psql), because the column list is the
    /// row description of `SELECT * FROM t WHERE 1=0`, which a row-based API does not show
    /// for an empty result. Required on Query Service; not used on PostgreSQL.
    pub connection: Option<ConnConfig>,
    /// Query Service: a failed step becomes a line of
    /// [`Schema::warnings`](crate::Schema::warnings) and the reflection goes on without
    /// that part. Off by default: any failed step is an error naming it. (On PostgreSQL
    /// only the relations query is fatal, whatever this says.)
    pub allow_partial: bool,
}

impl InspectOptions {
    /// Everything on a server of this flavor.
    pub fn all(flavor: Flavor) -> InspectOptions {
        InspectOptions {
            schemas: Vec::new(),
            tables: Vec::new(),
            flavor,
            connection: None,
            allow_partial: false,
        }
    }

    /// Everything on the server of `conn`: its flavor, and its settings for the Query
    /// Service session.
    pub fn for_connection(conn: &QsConnection) -> InspectOptions {
        InspectOptions::all(conn.flavor()).with_connection(conn.config())
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

    /// The connection settings (Query Service: where the reflection session connects).
    pub fn with_connection(mut self, config: ConnConfig) -> InspectOptions {
        self.connection = Some(config);
        self
    }

    /// Query Service: whether a failed step may leave a partial reflection (with warnings)
    /// instead of failing it.
    pub fn allow_partial(mut self, allow: bool) -> InspectOptions {
        self.allow_partial = allow;
        self
    }
}

impl Default for InspectOptions {
    /// Everything on a PostgreSQL server.
    fn default() -> Self {
        InspectOptions::all(Flavor::Postgres)
    }
}
