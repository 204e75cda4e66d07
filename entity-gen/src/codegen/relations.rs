//! Foreign keys as relation fields of the dense entity format.
//!
//! Each foreign key gives a `BelongsTo` field on the referencing entity and a `HasMany`
//! (or `HasOne`, when the key columns are unique there) field on the referenced one.
//! Fields are named after the other module (`customers`, `orders`); when a table has
//! several foreign keys to the same table, or references itself, they are named
//! `<module>_via_<columns>` (`employees_via_billed_by`), and the reverse side of a
//! self-reference gets `_reverse`. Every relation names its `Relation` variant
//! explicitly (`relation_enum`) and the reverse side points at the forward variant
//! (`via_rel`), so two keys to the same table never clash. Foreign keys to tables
//! outside the selection are left out.

use std::collections::BTreeMap;

use qsorm_inspect::{ForeignKey, Table};

use crate::codegen::names::{FieldNamer, macro_variant, snake_ident};
use crate::codegen::plan::{
    EntityPlan, RelationKind, RelationPlan, columns_unique, field_idents, fk_action, selected_fks,
};
use crate::codegen::types::RustType;

/// The relation fields of each entity (same order as `entities`).
pub fn plan_relations(
    tables: &[&Table],
    entities: &mut [(FieldNamer, EntityPlan)],
    modules: &BTreeMap<(String, String), String>,
) -> Vec<Vec<RelationPlan>> {
    let index: BTreeMap<(String, String), usize> = entities
        .iter()
        .enumerate()
        .map(|(i, (_, e))| ((e.schema.clone(), e.table.clone()), i))
        .collect();
    let mut out: Vec<Vec<RelationPlan>> = vec![Vec::new(); entities.len()];
    let mut forwards = Vec::new();

    for i in 0..entities.len() {
        let Some(table) = table_of(tables, &entities[i].1) else {
            continue;
        };
        let fks = selected_fks(table, modules);
        for fk in &fks {
            let Some(&j) = index.get(&(fk.ref_schema.clone(), fk.ref_table.clone())) else {
                continue;
            };
            let same_target = fks
                .iter()
                .filter(|o| o.ref_schema == fk.ref_schema && o.ref_table == fk.ref_table)
                .count();
            let Some(relation) = belongs_to(entities, i, j, fk, same_target) else {
                continue;
            };
            out[i].push(relation);
            forwards.push(Forward {
                source: i,
                target: j,
                index: out[i].len() - 1,
                fk_name: fk.name.clone(),
                columns: fk.columns.clone(),
                same_target,
            });
        }
    }

    for forward in &forwards {
        let relation = reverse_relation(tables, entities, &mut out, forward);
        out[forward.target].push(relation);
    }
    out
}

/// A foreign key planned as a `BelongsTo` field, whose reverse side its target gets.
struct Forward {
    /// The referencing entity.
    source: usize,
    /// The referenced entity.
    target: usize,
    /// The `BelongsTo` field's index in the source's relations.
    index: usize,
    /// The constraint name.
    fk_name: String,
    /// The referencing columns.
    columns: Vec<String>,
    /// How many foreign keys of the source point at the same table.
    same_target: usize,
}

/// The table `entity` was planned from.
fn table_of<'a>(tables: &[&'a Table], entity: &EntityPlan) -> Option<&'a Table> {
    tables
        .iter()
        .find(|t| t.schema == entity.schema && t.name == entity.table)
        .copied()
}

/// The `BelongsTo` field of entity `i` for its foreign key `fk` to entity `j` (`None`
/// when a column of the key has no field).
fn belongs_to(
    entities: &mut [(FieldNamer, EntityPlan)],
    i: usize,
    j: usize,
    fk: &ForeignKey,
    same_target: usize,
) -> Option<RelationPlan> {
    let self_ref = i == j;
    let from = field_idents(&entities[i].1, &fk.columns)?;
    let to = field_idents(&entities[j].1, &fk.ref_columns)?;
    let target_module = entities[j].1.module.clone();
    let cols = columns_part(&fk.columns);
    let base = if self_ref || same_target > 1 {
        format!("{target_module}_via_{cols}")
    } else {
        target_module.clone()
    };
    let ident = entities[i].0.claim(base);
    let relation_enum = macro_variant(&ident);
    let optional = from.iter().any(|f| {
        entities[i]
            .1
            .fields
            .iter()
            .any(|x| &x.ident == f && matches!(x.rust, RustType::Option(_)))
    });
    let doc = format!(
        "The `{}.{}` row that `{}` references (foreign key `{}`).",
        fk.ref_schema,
        fk.ref_table,
        fk.columns.join("`, `"),
        fk.name
    );
    Some(RelationPlan {
        ident,
        kind: RelationKind::BelongsTo {
            from,
            to,
            optional,
            on_update: fk_action(fk.on_update),
            on_delete: fk_action(fk.on_delete),
            self_reverse: None,
        },
        target_module: (!self_ref).then_some(target_module),
        relation_enum,
        doc,
    })
}

/// The `HasMany` / `HasOne` field the target of `forward` gets (for a self-reference,
/// also records its variant on the forward field).
fn reverse_relation(
    tables: &[&Table],
    entities: &mut [(FieldNamer, EntityPlan)],
    out: &mut [Vec<RelationPlan>],
    forward: &Forward,
) -> RelationPlan {
    let Forward {
        source: i,
        target: j,
        index,
        ref fk_name,
        ref columns,
        same_target,
    } = *forward;
    let self_ref = i == j;
    let source_module = entities[i].1.module.clone();
    let base = if self_ref {
        format!("{source_module}_via_{}_reverse", columns_part(columns))
    } else if same_target > 1 {
        format!("{source_module}_via_{}", columns_part(columns))
    } else {
        source_module.clone()
    };
    let ident = entities[j].0.claim(base);
    let relation_enum = macro_variant(&ident);
    let forward_enum = out[i][index].relation_enum.clone();
    let one = !self_ref
        && table_of(tables, &entities[i].1)
            .is_some_and(|t| columns_unique(t, &entities[i].1, columns));
    if self_ref && let RelationKind::BelongsTo { self_reverse, .. } = &mut out[i][index].kind {
        *self_reverse = Some(relation_enum.clone());
    }
    let doc = format!(
        "The `{}.{}` {} whose `{}` {} this row (foreign key `{fk_name}`).",
        entities[i].1.schema,
        entities[i].1.table,
        if one { "row" } else { "rows" },
        columns.join("`, `"),
        if columns.len() == 1 {
            "references"
        } else {
            "reference"
        },
    );
    RelationPlan {
        ident,
        kind: RelationKind::Reverse {
            one,
            via_rel: forward_enum,
            self_ref,
        },
        target_module: (!self_ref).then_some(source_module),
        relation_enum,
        doc,
    }
}

/// The columns of a key as one snake-case name part (`region_customer_no`).
fn columns_part(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| snake_ident(c, "column").trim_end_matches('_').to_owned())
        .collect::<Vec<_>>()
        .join("_")
}
