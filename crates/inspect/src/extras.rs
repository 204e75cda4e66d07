//! Adds the rows of the triggers and partitioning query to the reflected tables.

use std::collections::BTreeMap;

use crate::model::{Table, TableKind};
use crate::relation::{Partition, PartitionOf, RelationName, Trigger, TriggerFiring};
use crate::rows::ExtraRow;

/// Fills `triggers`, `partitions`, `partition_of` and `partition_key`, then sorts the
/// lists (triggers by name, partitions `DEFAULT` last, then by schema and name).
pub(crate) fn add_extras(tables: &mut BTreeMap<i64, Table>, rows: Vec<ExtraRow>) {
    for row in rows {
        let Some(table) = tables.get_mut(&row.rel_oid) else {
            continue;
        };
        let other = match (row.other_schema, row.other_name) {
            (Some(schema), Some(name)) => Some(RelationName { schema, name }),
            _ => None,
        };
        let definition = row.definition.unwrap_or_default();
        let flag = row.flag.unwrap_or(false);
        match row.kind.as_str() {
            "t" => table.triggers.push(Trigger {
                name: row.name.unwrap_or_default(),
                definition,
                firing: TriggerFiring::from_code(row.code.as_deref().unwrap_or_default()),
                internal: flag,
                inherited_from: other,
            }),
            "p" => {
                if let Some(table_name) = other {
                    table.partitions.push(Partition {
                        table: table_name,
                        kind: row
                            .code
                            .as_deref()
                            .and_then(TableKind::from_relkind)
                            .unwrap_or(TableKind::Table),
                        bound: definition,
                        detach_pending: flag,
                    });
                }
            }
            "o" => {
                if let Some(parent) = other {
                    table.partition_of = Some(PartitionOf {
                        parent,
                        bound: definition,
                        detach_pending: flag,
                    });
                }
            }
            "k" => table.partition_key = Some(definition),
            _ => {}
        }
    }
    for table in tables.values_mut() {
        table.triggers.sort_by(|a, b| a.name.cmp(&b.name));
        table.partitions.sort_by(|a, b| {
            (a.bound == "DEFAULT", &a.table).cmp(&(b.bound == "DEFAULT", &b.table))
        });
    }
}
