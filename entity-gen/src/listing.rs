//! `entity-gen tables` and `entity-gen describe`: the schema as psql's `\dt` and `\d` show it,
//! and the "not found" errors of every command that names relations (a schema, a table, a
//! `--tables` glob that matches nothing).
//!
//! Names are never sent to the server as SQL here: schema filters go to the reflection
//! (which inlines them as escaped literals), table names and globs are matched on the
//! reflected catalog.

use qsorm_connect::QsConnection;
use qsorm_inspect::{
    InspectError, InspectOptions, Schema, Table, TableSummary, describe_text, inspect, table_names,
    tables_text,
};

use crate::codegen::GenerateOptions;

/// Why a listing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ListingError {
    /// The catalog could not be read.
    #[error(transparent)]
    Inspect(#[from] InspectError),
    /// No relation has that name (in the schemas searched, when some were given).
    #[error("not found: no table or view named {}{}", shown(.name), in_schemas(.schemas))]
    NotFound {
        /// The name asked for.
        name: String,
        /// The schemas searched (empty: every non-system schema).
        schemas: Vec<String>,
    },
    /// Schemas asked for that hold no relation (or do not exist).
    #[error(
        "not found: no table or view in {} (empty or missing)",
        schema_list(.0)
    )]
    SchemaNotFound(Vec<String>),
    /// `--tables` globs that match no relation of the selected schemas.
    #[error(
        "not found: --tables {} {} no table or view{}",
        list(.globs),
        if .globs.len() == 1 { "matches" } else { "match" },
        in_schemas(.schemas)
    )]
    GlobNotFound {
        /// The globs that matched nothing.
        globs: Vec<String>,
        /// The schemas searched.
        schemas: Vec<String>,
    },
    /// Every matching relation is excluded: there is nothing to generate.
    #[error(
        "not found: no table or view left to generate{}{}",
        in_schemas(.schemas),
        if .exclude.is_empty() { String::new() } else { format!(" after --exclude {}", list(.exclude)) }
    )]
    NothingSelected {
        /// The `--exclude` globs.
        exclude: Vec<String>,
        /// The schemas searched.
        schemas: Vec<String>,
    },
    /// The name exists in several schemas.
    #[error(
        "{} exists in several schemas ({candidates}): pass --schema or write schema.table",
        shown(.name)
    )]
    Ambiguous {
        /// The name asked for.
        name: String,
        /// The qualified candidates, comma-separated.
        candidates: String,
    },
}

/// A name as the user gave it, in backticks, control characters escaped (a name must not
/// be able to forge output lines).
fn shown(name: &str) -> String {
    let mut out = String::from("`");
    for c in name.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('`');
    out
}

fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| shown(n))
        .collect::<Vec<_>>()
        .join(", ")
}

fn schema_list(schemas: &[String]) -> String {
    let word = if schemas.len() == 1 {
        "schema"
    } else {
        "schemas"
    };
    format!("{word} {}", list(schemas))
}

fn in_schemas(schemas: &[String]) -> String {
    if schemas.is_empty() {
        String::new()
    } else {
        format!(" in {}", schema_list(schemas))
    }
}

/// The given schemas, each once, in the order given.
fn distinct(schemas: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in schemas {
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

/// The schemas of `asked` in which no relation of `found` lives.
fn empty_schemas(asked: &[String], mut found: impl FnMut(&str) -> bool) -> Vec<String> {
    distinct(asked)
        .into_iter()
        .filter(|s| !found(s.as_str()))
        .collect()
}

/// The relations of `schemas` (all non-system schemas when empty), sorted by (schema, name).
/// A schema asked for that holds no relation is [`ListingError::SchemaNotFound`].
pub async fn tables(
    conn: &QsConnection,
    schemas: &[String],
) -> Result<Vec<TableSummary>, ListingError> {
    let opts = InspectOptions::for_connection(conn).with_schemas(schemas.iter().cloned());
    let list = table_names(conn.executor(), &opts).await?;
    let missing = empty_schemas(schemas, |s| list.iter().any(|t| t.schema == s));
    if !missing.is_empty() {
        return Err(ListingError::SchemaNotFound(missing));
    }
    Ok(list)
}

/// Checks a `generate` / `check` selection against the reflected `schema`: every schema
/// asked for holds a relation, every `--tables` glob matches one, and `--exclude` leaves
/// something to generate. (Generating from an empty selection would remove every
/// previously generated file.)
pub fn check_selection(
    schema: &Schema,
    schemas: &[String],
    opts: &GenerateOptions,
) -> Result<(), ListingError> {
    let missing = empty_schemas(schemas, |s| schema.tables.iter().any(|t| t.schema == s));
    if !missing.is_empty() {
        return Err(ListingError::SchemaNotFound(missing));
    }
    let unmatched: Vec<String> = opts
        .tables
        .iter()
        .filter(|glob| {
            let only = GenerateOptions {
                tables: vec![(*glob).clone()],
                ..GenerateOptions::default()
            };
            !schema
                .tables
                .iter()
                .any(|t| only.selects(&t.schema, &t.name))
        })
        .cloned()
        .collect();
    if !unmatched.is_empty() {
        return Err(ListingError::GlobNotFound {
            globs: unmatched,
            schemas: distinct(schemas),
        });
    }
    if !schema
        .tables
        .iter()
        .any(|t| opts.selects(&t.schema, &t.name))
    {
        return Err(ListingError::NothingSelected {
            exclude: opts.exclude.clone(),
            schemas: distinct(schemas),
        });
    }
    Ok(())
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
    let schema = inspect(conn.executor(), &opts).await?;
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
        [] => Err(ListingError::NotFound {
            name: name.to_owned(),
            schemas: distinct(schemas),
        }),
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
