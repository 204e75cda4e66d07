//! Plain-text views of reflected tables, in the manner of psql's `\d` and `\dt`.

use std::fmt::Write as _;

mod footers;

use crate::model::{Column, Identity, Index, Schema, Table, TableSummary};
use crate::text::{idents, write_grid};
use crate::types::UserType;

/// How deep nested composite types are unfolded.
const MAX_TREE_DEPTH: usize = 16;

/// A psql `\d`-like description of `table`: columns (type, nullability, default), then
/// psql 15's footers line for line — `Partition of:`, `Partition key:`, indexes and keys,
/// check constraints, foreign keys and the tables referencing it (with their `ON UPDATE` /
/// `ON DELETE` actions), triggers, the number of partitions — plus comments and the
/// composite types of its columns unfolded as an indented tree.
/// `schema` supplies the composite types, the referencing tables and partition parents.
pub fn describe_text(table: &Table, schema: &Schema) -> String {
    let mut out = String::new();
    let title = format!(
        "{} \"{}.{}\"",
        capitalize(table.kind.label()),
        table.schema,
        table.name
    );
    let _ = writeln!(out, "{title}");
    let rows: Vec<[String; 4]> = table
        .columns
        .iter()
        .map(|c| {
            [
                c.name.clone(),
                c.sql_type.clone(),
                if c.nullable {
                    String::new()
                } else {
                    "not null".into()
                },
                default_text(c),
            ]
        })
        .collect();
    write_grid(&mut out, ["Column", "Type", "Nullable", "Default"], &rows);
    dataset_facts(&mut out, table);
    footers::partitioning(&mut out, table, schema);
    keys(&mut out, table);
    footers::foreign_keys(&mut out, table, schema);
    footers::referenced_by(&mut out, table, schema);
    footers::triggers(&mut out, table, schema);
    footers::partitions(&mut out, table);
    comments_and_tree(&mut out, table, schema);
    out
}

/// The table comment, and Query Service's dataset id and description.
fn dataset_facts(out: &mut String, table: &Table) {
    if let Some(comment) = &table.comment {
        let _ = writeln!(out, "Comment: {comment}");
    }
    if let Some(id) = &table.dataset_id {
        let _ = writeln!(out, "Dataset: {id}");
    }
    if let Some(description) = &table.description {
        let _ = writeln!(out, "Description: {description}");
    }
}

/// `Indexes:` (or, for keys known only from Query Service's `SHOW PRIMARY KEYS`, which
/// have no index, `Primary key:`) and `Check constraints:`.
fn keys(out: &mut String, table: &Table) {
    if let Some(pk) = &table.primary_key
        && !table.indexes.iter().any(|i| i.primary)
    {
        let line = format!("    \"{}\" ({})", pk.name, idents(&pk.columns));
        footers::block(out, "Primary key:", &[line]);
    }
    // psql lists the primary key's index first, then the others by name.
    let mut indexes: Vec<&Index> = table.indexes.iter().collect();
    indexes.sort_by_key(|i| !i.primary);
    let indexes: Vec<String> = indexes
        .into_iter()
        .map(|index| format!("    \"{}\" {}", index.name, index_text(table, index)))
        .collect();
    footers::block(out, "Indexes:", &indexes);
    let checks: Vec<String> = table
        .checks
        .iter()
        .map(|check| format!("    \"{}\" CHECK {}", check.name, check.expression))
        .collect();
    footers::block(out, "Check constraints:", &checks);
}

/// `Column comments:` and `Nested types:` (not psql's: its `\d` shows neither).
fn comments_and_tree(out: &mut String, table: &Table, schema: &Schema) {
    let comments: Vec<String> = table
        .columns
        .iter()
        .filter_map(|c| Some(format!("    {}: {}", c.name, c.comment.as_deref()?)))
        .collect();
    footers::block(out, "Column comments:", &comments);
    let nested: Vec<&Column> = table
        .columns
        .iter()
        .filter(|c| c.ty.composite().is_some())
        .collect();
    if !nested.is_empty() {
        let _ = writeln!(out, "Nested types:");
        for c in nested {
            let _ = writeln!(out, "    {}: {}", c.name, c.sql_type);
            tree(out, schema, c.ty.composite(), 2);
        }
    }
}

/// A psql `\dt`-like listing: schema, name, kind, column count and comment, plus
/// the dataset id and description when any summary has them (Query Service).
pub fn tables_text(list: &[TableSummary]) -> String {
    let with_datasets = list
        .iter()
        .any(|t| t.dataset_id.is_some() || t.description.is_some());
    let mut header = vec!["Schema", "Name", "Type", "Columns", "Comment"];
    if with_datasets {
        header.extend(["Dataset", "Description"]);
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|t| {
            let mut row = vec![
                t.schema.clone(),
                t.name.clone(),
                t.kind.label().to_owned(),
                t.column_count.to_string(),
                t.comment.clone().unwrap_or_default(),
            ];
            if with_datasets {
                row.push(t.dataset_id.clone().unwrap_or_default());
                row.push(t.description.clone().unwrap_or_default());
            }
            row
        })
        .collect();
    let mut out = String::from("List of relations\n");
    write_grid(&mut out, header, &rows);
    let _ = writeln!(
        out,
        "({} {})",
        list.len(),
        if list.len() == 1 { "row" } else { "rows" }
    );
    out
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// psql's Default column: the default, or how an identity / generated column fills.
fn default_text(c: &Column) -> String {
    match (&c.identity, &c.generated, &c.default) {
        (Some(Identity::Always), _, _) => "generated always as identity".into(),
        (Some(Identity::ByDefault), _, _) => "generated by default as identity".into(),
        (_, Some(expr), _) => format!("generated always as ({expr}) stored"),
        (_, _, Some(default)) => default.clone(),
        _ => String::new(),
    }
}

/// `PRIMARY KEY, btree (a, b)` / `UNIQUE CONSTRAINT, btree (email)` / `hash (x)`.
fn index_text(table: &Table, index: &Index) -> String {
    let kind = if index.primary {
        "PRIMARY KEY, "
    } else if table
        .unique_constraints
        .iter()
        .any(|u| u.name == index.name)
    {
        "UNIQUE CONSTRAINT, "
    } else if index.unique {
        "UNIQUE, "
    } else {
        ""
    };
    let body = index
        .definition
        .split_once(" USING ")
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_else(|| {
            let cols: Vec<&str> = index.columns.iter().map(|c| c.text()).collect();
            format!("{} ({})", index.method, cols.join(", "))
        });
    format!("{kind}{body}")
}

/// The composite's fields, one per line, nested composites indented below their field.
fn tree(out: &mut String, schema: &Schema, composite: Option<(&str, &str)>, depth: usize) {
    let Some((type_schema, type_name)) = composite else {
        return;
    };
    let indent = "  ".repeat(depth + 1);
    let Some(UserType::Composite { fields, .. }) = schema.user_type(type_schema, type_name) else {
        let _ = writeln!(out, "{indent}(fields of {type_schema}.{type_name} unknown)");
        return;
    };
    if depth > MAX_TREE_DEPTH {
        let _ = writeln!(out, "{indent}...");
        return;
    }
    for field in fields {
        let _ = writeln!(out, "{indent}{}: {}", field.name, field.sql_type);
        tree(out, schema, field.ty.composite(), depth + 1);
    }
}

#[cfg(test)]
mod tests;
