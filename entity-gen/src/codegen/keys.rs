//! The primary key of each entity, and whether the entity is read-only.
//!
//! sea-orm needs a primary key on every entity. The rule, in order:
//!
//! 1. the table's declared primary key (PostgreSQL constraint, or Query Service
//!    `SHOW PRIMARY KEYS`);
//! 2. the columns given with `--primary-key TABLE=COL[,COL]`;
//! 3. the XDM record id: a column named exactly `_id`;
//! 4. otherwise the first column, and the entity is **read-only** (a warning says so
//!    for tables).
//!
//! Views and materialized views are always read-only, whatever their key. Read-only
//! entities set `const READ_ONLY: bool = true;` in their `qsorm_repository::Table` impl
//! (every entity module has one; the default is `false`), so the repository refuses to
//! write them, and say so in their doc comment; their key exists only because sea-orm
//! needs one and is not unique.

use qsorm_inspect::{Table, TableKind};

use crate::codegen::error::CodegenError;
use crate::codegen::options::GenerateOptions;

/// Where an entity's key comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// The declared primary key.
    Declared,
    /// `--primary-key`.
    Flag,
    /// The `_id` column.
    XdmId,
    /// The first column (read-only entity).
    FirstColumn,
}

/// The key columns of an entity and whether it is read-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChoice {
    /// The key columns, in key order.
    pub columns: Vec<String>,
    /// Where they come from.
    pub source: KeySource,
    /// Whether the entity must not be written.
    pub read_only: bool,
}

/// Chooses the key of `table` (`None` when it has no columns at all).
pub fn choose_key(
    table: &Table,
    opts: &GenerateOptions,
) -> Result<Option<KeyChoice>, CodegenError> {
    let is_view = matches!(table.kind, TableKind::View | TableKind::MaterializedView);
    let (columns, source) = if let Some(pk) = &table.primary_key {
        (pk.columns.clone(), KeySource::Declared)
    } else if let Some(flag) = opts.primary_key_for(&table.schema, &table.name) {
        for column in &flag.columns {
            if table.column(column).is_none() {
                return Err(CodegenError::UnknownKeyColumn {
                    table: format!("{}.{}", table.schema, table.name),
                    column: column.clone(),
                    available: table
                        .columns
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
        (flag.columns.clone(), KeySource::Flag)
    } else if table.column("_id").is_some() {
        (vec!["_id".to_owned()], KeySource::XdmId)
    } else if let Some(first) = table.columns.first() {
        (vec![first.name.clone()], KeySource::FirstColumn)
    } else {
        return Ok(None);
    };
    Ok(Some(KeyChoice {
        columns,
        source,
        read_only: is_view || source == KeySource::FirstColumn,
    }))
}

impl KeyChoice {
    /// The doc-comment paragraph that explains the key.
    pub fn doc(&self, table: &Table) -> Option<String> {
        let cols = self
            .columns
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let kind = table.kind.label();
        let nullable: Vec<String> = self
            .columns
            .iter()
            .filter(|c| table.column(c).is_some_and(|c| c.nullable))
            .map(|c| format!("`{c}`"))
            .collect();
        let doc = self.key_doc(kind, &cols)?;
        if nullable.is_empty() {
            return Some(doc);
        }
        Some(format!(
            "{doc} {} {} nullable in the database, but sea-orm key fields cannot be `Option`: a row with NULL there fails to decode.",
            nullable.join(", "),
            if nullable.len() == 1 { "is" } else { "are" },
        ))
    }

    fn key_doc(&self, kind: &str, cols: &str) -> Option<String> {
        match (self.source, self.read_only) {
            (KeySource::Declared, false) => None,
            (KeySource::Declared, true) => Some(format!(
                "Read-only: this is a {kind}. `Table::READ_ONLY` is `true`."
            )),
            (KeySource::Flag, ro) => Some(format!(
                "The {kind} has no primary key: the entity is keyed by {cols}, as given with `--primary-key`. The key is not enforced by the database.{}",
                if ro {
                    format!(" Read-only: this is a {kind}. `Table::READ_ONLY` is `true`.")
                } else {
                    String::new()
                }
            )),
            (KeySource::XdmId, ro) => Some(format!(
                "The {kind} has no primary key: the entity is keyed by the XDM record id `_id`. The key is not enforced by the database.{}",
                if ro {
                    format!(" Read-only: this is a {kind}. `Table::READ_ONLY` is `true`.")
                } else {
                    String::new()
                }
            )),
            (KeySource::FirstColumn, _) => Some(format!(
                "Read-only: the {kind} has no primary key, no `_id` column and no `--primary-key` was given. sea-orm needs a key, so the entity is keyed by its first column {cols}, which is not unique: do not use it to find, update or delete single rows. `Table::READ_ONLY` is `true`."
            )),
        }
    }
}
