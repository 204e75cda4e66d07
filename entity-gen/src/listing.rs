//! `entity-gen tables` and `entity-gen describe`: the schema as psql's `\dt` and `\d` show it.

use qsorm_connect::QsConnection;
use qsorm_inspect::{
    InspectError, InspectOptions, Schema, Table, TableSummary, describe_text, inspect, table_names,
    tables_text,
};

/// Why a listing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ListingError {
    /// The catalog could not be read.
    #[error(transparent)]
    Inspect(#[from] InspectError),
    /// No relation has that name.
    #[error("no table or view named `{0}`")]
    NotFound(String),
    /// The name exists in several schemas.
    #[error(
        "`{name}` exists in several schemas ({candidates}): pass --schema or write schema.table"
    )]
    Ambiguous {
        /// The name asked for.
        name: String,
        /// The qualified candidates, comma-separated.
        candidates: String,
    },
}

/// The relations of `schemas` (all non-system schemas when empty), sorted by (schema, name).
pub async fn tables(
    conn: &QsConnection,
    schemas: &[String],
) -> Result<Vec<TableSummary>, ListingError> {
    let opts = InspectOptions::for_connection(conn).with_schemas(schemas.iter().cloned());
    Ok(table_names(&conn.executor(), &opts).await?)
}

/// `tables` as text (psql's `\dt`-like grid).
pub fn tables_as_text(list: &[TableSummary]) -> String {
    tables_text(list)
}

/// A described relation with the schema it was reflected in (for the types and the
/// tables referencing it).
#[derive(Debug, Clone)]
pub struct Described {
    /// The relation.
    pub table: Table,
    /// Everything reflected alongside it.
    pub schema: Schema,
}

impl Described {
    /// psql `\d`-like text.
    pub fn to_text(&self) -> String {
        describe_text(&self.table, &self.schema)
    }
}

/// Reflects the relation `name` (or `schema.name`), searching `schemas` (all non-system
/// schemas when empty). The whole selection is reflected, so that tables of other
/// schemas that reference it are listed.
pub async fn describe(
    conn: &QsConnection,
    name: &str,
    schemas: &[String],
) -> Result<Described, ListingError> {
    let opts = InspectOptions::for_connection(conn).with_schemas(schemas.iter().cloned());
    let schema = inspect(&conn.executor(), &opts).await?;
    for warning in &schema.warnings {
        eprintln!("warning: {warning}");
    }
    let mut matches: Vec<&Table> = schema.tables.iter().filter(|t| t.name == name).collect();
    if matches.is_empty()
        && let Some((s, t)) = name.split_once('.')
    {
        matches = schema
            .tables
            .iter()
            .filter(|x| x.schema == s && x.name == t)
            .collect();
    }
    match matches.as_slice() {
        [] => Err(ListingError::NotFound(name.to_owned())),
        [one] => Ok(Described {
            table: (*one).clone(),
            schema: schema.clone(),
        }),
        many => Err(ListingError::Ambiguous {
            name: name.to_owned(),
            candidates: many
                .iter()
                .map(|t| format!("{}.{}", t.schema, t.name))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}
