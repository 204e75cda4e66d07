//! The footer sections of psql 15's `\d` that come from partitioning, foreign keys and
//! triggers, line for line as psql prints them (plain `\d`, not `\d+`).
//!
//! Names psql prints through `regclass` (the referencing table, the parent partitioned
//! table) are bare when the reflecting session's `search_path` finds them, qualified
//! otherwise, as `regclass` does; constraint and trigger definitions are PostgreSQL's
//! own text (`pg_get_constraintdef`, `pg_get_triggerdef`), read in that same session.

use std::fmt::Write as _;

use qsorm_ident::{quote_ident_if_needed, quote_qualified_if_needed};

use crate::model::{ForeignKey, Schema, Table, TableKind};
use crate::relation::{RelationName, TriggerFiring};
use crate::text::idents;

/// How psql names `relation` (its `regclass` text): bare when the reflecting session's
/// `search_path` finds it, schema-qualified otherwise (or when it was not reflected).
pub(super) fn regclass(schema: &Schema, relation: &RelationName) -> String {
    match schema.table(&relation.schema, &relation.name) {
        Some(t) if t.on_search_path => quote_ident_if_needed(&t.name),
        _ => quote_qualified_if_needed(Some(&relation.schema), &relation.name),
    }
}

fn name_of(table: &Table) -> RelationName {
    RelationName {
        schema: table.schema.clone(),
        name: table.name.clone(),
    }
}

/// `Partition of: parent FOR VALUES ...` (a partition), then `Partition key: RANGE (c)`
/// (a partitioned table): the first footers psql prints.
pub(super) fn partitioning(out: &mut String, table: &Table, schema: &Schema) {
    if let Some(of) = &table.partition_of {
        let pending = if of.detach_pending {
            " DETACH PENDING"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "Partition of: {} {}{pending}",
            regclass(schema, &of.parent),
            of.bound
        );
    }
    if let Some(key) = &table.partition_key {
        let _ = writeln!(out, "Partition key: {key}");
    }
}

/// The partitioned tables `table` is a partition of, nearest first (as far as they were
/// reflected).
fn ancestors<'a>(table: &Table, schema: &'a Schema) -> Vec<&'a Table> {
    let mut out: Vec<&Table> = Vec::new();
    let mut next = table.partition_of.as_ref().map(|of| &of.parent);
    while let Some(parent) = next {
        let Some(found) = schema.table(&parent.schema, &parent.name) else {
            break;
        };
        if out.iter().any(|t| std::ptr::eq(*t, found)) {
            break;
        }
        out.push(found);
        next = found.partition_of.as_ref().map(|of| &of.parent);
    }
    out
}

/// The constraint text psql prints: PostgreSQL's definition, or (Query Service, which has
/// none) one built from the parts with the referenced table qualified.
pub(super) fn fk_definition(fk: &ForeignKey) -> String {
    if let Some(definition) = &fk.definition {
        return definition.clone();
    }
    let mut text = format!(
        "FOREIGN KEY ({}) REFERENCES {}({})",
        idents(&fk.columns),
        quote_qualified_if_needed(Some(&fk.ref_schema), &fk.ref_table),
        idents(&fk.ref_columns),
    );
    if fk.on_update.sql() != "NO ACTION" {
        let _ = write!(text, " ON UPDATE {}", fk.on_update.sql());
    }
    if fk.on_delete.sql() != "NO ACTION" {
        let _ = write!(text, " ON DELETE {}", fk.on_delete.sql());
    }
    text
}

/// `Foreign-key constraints:`: the table's own keys by name, then (a partition) those of
/// its partitioned ancestors, by name, as `TABLE "parent" CONSTRAINT "name" ...`.
pub(super) fn foreign_keys(out: &mut String, table: &Table, schema: &Schema) {
    let mut lines: Vec<String> = table
        .foreign_keys
        .iter()
        .map(|fk| format!("    \"{}\" {}", fk.name, fk_definition(fk)))
        .collect();
    let mut inherited: Vec<(&str, String)> = ancestors(table, schema)
        .into_iter()
        .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
        .map(|(t, fk)| (fk.name.as_str(), referencing_line(schema, t, fk)))
        .collect();
    inherited.sort_by(|a, b| a.0.cmp(b.0));
    lines.extend(inherited.into_iter().map(|(_, line)| line));
    block(out, "Foreign-key constraints:", &lines);
}

fn referencing_line(schema: &Schema, on: &Table, fk: &ForeignKey) -> String {
    format!(
        "    TABLE \"{}\" CONSTRAINT \"{}\" {}",
        regclass(schema, &name_of(on)),
        fk.name,
        fk_definition(fk)
    )
}

/// `Referenced by:`: the reflected foreign keys that reference the table or (a partition)
/// one of its partitioned ancestors, by constraint name.
pub(super) fn referenced_by(out: &mut String, table: &Table, schema: &Schema) {
    let mut targets = vec![name_of(table)];
    targets.extend(ancestors(table, schema).into_iter().map(name_of));
    let mut found: Vec<(&str, String)> = schema
        .tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
        .filter(|(_, fk)| {
            targets
                .iter()
                .any(|r| fk.ref_schema == r.schema && fk.ref_table == r.name)
        })
        .map(|(t, fk)| (fk.name.as_str(), referencing_line(schema, t, fk)))
        .collect();
    found.sort_by(|a, b| a.0.cmp(b.0));
    let lines: Vec<String> = found.into_iter().map(|(_, line)| line).collect();
    block(out, "Referenced by:", &lines);
}

/// The trigger groups psql prints, in its order, with their headings.
const TRIGGER_GROUPS: [(&str, TriggerFiring, Option<bool>); 5] = [
    ("Triggers:", TriggerFiring::Origin, None),
    (
        "Disabled user triggers:",
        TriggerFiring::Disabled,
        Some(false),
    ),
    (
        "Disabled internal triggers:",
        TriggerFiring::Disabled,
        Some(true),
    ),
    ("Triggers firing always:", TriggerFiring::Always, None),
    (
        "Triggers firing on replica only:",
        TriggerFiring::Replica,
        None,
    ),
];

/// `Triggers:` and the other trigger groups: `    name BEFORE INSERT ON t ...`, with
/// `, ON TABLE parent` for a trigger a partition inherits.
pub(super) fn triggers(out: &mut String, table: &Table, schema: &Schema) {
    for (title, firing, internal) in TRIGGER_GROUPS {
        let lines: Vec<String> = table
            .triggers
            .iter()
            .filter(|t| t.firing == firing && internal.is_none_or(|i| t.internal == i))
            .map(|t| {
                let mut line = format!("    {}", t.psql_text());
                if let Some(parent) = &t.inherited_from {
                    let _ = write!(line, ", ON TABLE {}", regclass(schema, parent));
                }
                line
            })
            .collect();
        block(out, title, &lines);
    }
}

/// What plain `\d` says of a partitioned table's partitions: their number.
pub(super) fn partitions(out: &mut String, table: &Table) {
    if table.kind != TableKind::Partitioned {
        return;
    }
    match table.partitions.len() {
        0 => {
            let _ = writeln!(out, "Number of partitions: 0");
        }
        n => {
            let _ = writeln!(out, "Number of partitions: {n} (Use \\d+ to list them.)");
        }
    }
}

/// `title` and its lines, when there are lines.
pub(super) fn block(out: &mut String, title: &str, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}");
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
}
