//! What psql's `\d` shows of a relation besides columns and constraints: its partitioning
//! and its triggers. Part of the [`Table`](crate::Table) model.

use serde::{Deserialize, Serialize};

use crate::model::TableKind;

/// A relation named by schema and name (both unquoted).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RelationName {
    /// The schema name.
    pub schema: String,
    /// The relation name.
    pub name: String,
}

/// The partitioned table a partition belongs to (`Partition of:` in psql).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionOf {
    /// The partitioned parent.
    pub parent: RelationName,
    /// This partition's bound as PostgreSQL prints it (`pg_get_expr(relpartbound)`), e.g.
    /// `FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')` or `DEFAULT`.
    pub bound: String,
    /// `ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY` has not finished.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub detach_pending: bool,
}

/// A partition of a partitioned table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    /// The partition.
    pub table: RelationName,
    /// Its kind: a table, a foreign table, or itself partitioned.
    pub kind: TableKind,
    /// Its bound (see [`PartitionOf::bound`]).
    pub bound: String,
    /// `ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY` has not finished.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub detach_pending: bool,
}

/// When a trigger fires (`pg_trigger.tgenabled`); psql lists each group under its own
/// heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerFiring {
    /// Enabled, fires in origin and local sessions (`O`; psql: `Triggers:`).
    Origin,
    /// Disabled (`D`; psql: `Disabled user triggers:` / `Disabled internal triggers:`).
    Disabled,
    /// Fires whatever the replication role (`A`; psql: `Triggers firing always:`).
    Always,
    /// Fires only in replica sessions (`R`; psql: `Triggers firing on replica only:`).
    Replica,
}

impl TriggerFiring {
    /// The firing for a `tgenabled` letter.
    pub fn from_code(code: &str) -> TriggerFiring {
        match code {
            "D" => TriggerFiring::Disabled,
            "A" => TriggerFiring::Always,
            "R" => TriggerFiring::Replica,
            _ => TriggerFiring::Origin,
        }
    }
}

/// A trigger, as psql's `\d` lists it: user triggers, and internal ones only when
/// disabled (the triggers behind foreign keys are not listed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// The trigger name.
    pub name: String,
    /// The whole `CREATE TRIGGER` statement (`pg_get_triggerdef(oid, true)`).
    pub definition: String,
    /// When it fires.
    pub firing: TriggerFiring,
    /// A system trigger (`tgisinternal`), listed because it is disabled.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub internal: bool,
    /// For a partition: the partitioned table the trigger was created on (psql appends
    /// `, ON TABLE parent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherited_from: Option<RelationName>,
}

impl Trigger {
    /// What psql prints of the definition: everything after `TRIGGER `
    /// (`name BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()`).
    pub fn psql_text(&self) -> &str {
        self.definition
            .split_once(" TRIGGER ")
            .map_or(self.definition.as_str(), |(_, rest)| rest)
    }
}
