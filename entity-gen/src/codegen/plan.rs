//! From the reflected schema to what will be written: entities, their fields and
//! relations, the user types, and the warnings.

use std::collections::{BTreeMap, BTreeSet};

use qsorm_inspect::{Column, FkAction, ForeignKey, Schema, Table, TableKind};

use crate::codegen::error::CodegenError;
use crate::codegen::format::comment_lines;
use crate::codegen::keys::{KeyChoice, KeySource, choose_key};
use crate::codegen::names::{FieldNamer, macro_variant, snake_ident};
use crate::codegen::options::GenerateOptions;
use crate::codegen::registry::Registry;
use crate::codegen::relations::plan_relations;
use crate::codegen::types::{Nested, RustType, map_column};

/// Module names that entities must not take.
const RESERVED_MODULES: &[&str] = &[
    "prelude",
    "composites",
    "sea_orm_active_enums",
    "mod",
    "lib",
    "main",
];

/// Everything to generate.
#[derive(Debug)]
pub struct Plan {
    /// Entities, sorted by module name.
    pub entities: Vec<EntityPlan>,
    /// The user types.
    pub registry: Registry,
    /// Warnings for the user, in table order.
    pub warnings: Vec<String>,
}

/// One entity module.
#[derive(Debug, Clone)]
pub struct EntityPlan {
    /// The module (and file) name.
    pub module: String,
    /// The name it gets in `prelude.rs` (`Orders` for `orders::Entity`).
    pub alias: String,
    /// The table's schema.
    pub schema: String,
    /// The table's name.
    pub table: String,
    /// The relation kind (`table`, `view`, ...).
    pub kind_label: &'static str,
    /// `COMMENT ON TABLE` (or the Query Service dataset description), as doc lines.
    pub comment: Option<Vec<String>>,
    /// The key and read-only choice.
    pub key: KeyChoice,
    /// The doc paragraph on the key, if it is not a declared primary key.
    pub key_doc: Option<String>,
    /// Column fields, by ordinal.
    pub fields: Vec<FieldPlan>,
    /// Relation fields.
    pub relations: Vec<RelationPlan>,
}

/// One column field.
#[derive(Debug, Clone)]
pub struct FieldPlan {
    /// The Rust field ident.
    pub ident: String,
    /// The column name.
    pub column: String,
    /// The field type, `Option` included.
    pub rust: RustType,
    /// Part of the key.
    pub primary_key: bool,
    /// `auto_increment = false` is needed (a key column without serial/identity).
    pub no_auto_increment: bool,
    /// `column_type = "..."`.
    pub column_type: Option<String>,
    /// `select_as = "..."`.
    pub select_as: Option<String>,
    /// `save_as = "..."`.
    pub save_as: Option<String>,
    /// A single-column unique constraint.
    pub unique: bool,
    /// A composite column (or array of them), listed in the entity's `Table::NESTED`.
    pub nested: Option<Nested>,
    /// Doc comment lines.
    pub doc: Vec<String>,
}

/// One relation field.
#[derive(Debug, Clone)]
pub struct RelationPlan {
    /// The Rust field ident.
    pub ident: String,
    /// The kind of relation and its attributes.
    pub kind: RelationKind,
    /// The related module (`None`: this entity, a self-reference).
    pub target_module: Option<String>,
    /// The `Relation` enum variant.
    pub relation_enum: String,
    /// Doc comment line.
    pub doc: String,
}

/// The shape of a relation field.
#[derive(Debug, Clone)]
pub enum RelationKind {
    /// This table's foreign key: `BelongsTo<..>`.
    BelongsTo {
        /// Field idents of the local columns.
        from: Vec<String>,
        /// Field idents of the referenced columns.
        to: Vec<String>,
        /// `BelongsTo<Option<..>>` (a nullable foreign-key column).
        optional: bool,
        /// `ON UPDATE`, if not `NO ACTION`.
        on_update: Option<&'static str>,
        /// `ON DELETE`, if not `NO ACTION`.
        on_delete: Option<&'static str>,
        /// For a self-reference: the relation variant of the reverse side.
        self_reverse: Option<String>,
    },
    /// Another table's foreign key to this one: `HasMany<..>` / `HasOne<..>`.
    Reverse {
        /// `HasOne` (the foreign key columns are unique in the other table).
        one: bool,
        /// The relation variant of the foreign key in the other table.
        via_rel: String,
        /// A self-reference (`self_ref`, `relation_reverse`).
        self_ref: bool,
    },
}

/// The warning for an entity keyed by its first column, which nothing proves unique.
fn first_column_key_warning(table: &Table, column: &str) -> String {
    let (schema, name) = (&table.schema, &table.name);
    let consequence = "the key is not proven unique: stream() and find() still read every row (a server-side cursor), keyset() refuses a page boundary inside a run of equal keys";
    if is_view(table) {
        format!(
            "{schema}.{name} is a {} without a declared key: generated read-only, keyed by its first column `{column}`; {consequence} (pass --primary-key {name}=COLUMN[,COLUMN] to name a unique key)",
            table.kind.label()
        )
    } else {
        format!(
            "{schema}.{name} has no primary key and no `_id` column: generated read-only, keyed by its first column `{column}`; {consequence} (pass --primary-key {name}=COLUMN[,COLUMN] to make it writable)"
        )
    }
}

/// Builds the plan.
pub fn plan(schema: &Schema, opts: &GenerateOptions) -> Result<Plan, CodegenError> {
    // Partitions are storage of their partitioned table, read and written through it:
    // the parent gets the entity, a partition none (a new partition changes nothing).
    let selected: Vec<&Table> = schema
        .tables
        .iter()
        .filter(|t| t.partition_of.is_none() && opts.selects(&t.schema, &t.name))
        .collect();
    let mut warnings = unmatched_key_flags(&selected, opts);
    let registry = Registry::new(schema, &selected);
    let modules = module_names(&selected);

    let mut entities = Vec::new();
    for table in &selected {
        let Some(key) = choose_key(table, opts)? else {
            warnings.push(format!(
                "{}.{}: no columns, no entity generated",
                table.schema, table.name
            ));
            continue;
        };
        if table.primary_key.is_some() && opts.primary_key_for(&table.schema, &table.name).is_some()
        {
            warnings.push(format!(
                "--primary-key for {}.{} ignored: it has a primary key",
                table.schema, table.name
            ));
        }
        if key.source == KeySource::FirstColumn {
            warnings.push(first_column_key_warning(table, &key.columns[0]));
        }
        let module = modules
            .get(&(table.schema.clone(), table.name.clone()))
            .cloned()
            .unwrap_or_default();
        entities.push(entity_plan(table, key, module, &registry, &mut warnings));
    }
    let relations = plan_relations(&selected, &mut entities, &modules);
    let mut entities: Vec<EntityPlan> = entities
        .into_iter()
        .zip(relations)
        .map(|((_, mut e), r)| {
            e.relations = r;
            e
        })
        .collect();
    entities.sort_by(|a, b| a.module.cmp(&b.module));
    Ok(Plan {
        entities,
        registry,
        warnings,
    })
}

/// The warnings for `--primary-key` flags that name no selected table or view.
fn unmatched_key_flags(selected: &[&Table], opts: &GenerateOptions) -> Vec<String> {
    opts.primary_keys
        .iter()
        .filter(|flag| {
            !selected.iter().any(|t| {
                t.name == flag.table && flag.schema.as_deref().is_none_or(|s| s == t.schema)
            })
        })
        .map(|flag| format!("--primary-key {flag}: no such table or view selected"))
        .collect()
}

/// The entity of `table` (relations not yet planned), with the namer that holds its
/// field names (relation fields must not take them).
fn entity_plan(
    table: &Table,
    key: KeyChoice,
    module: String,
    registry: &Registry,
    warnings: &mut Vec<String>,
) -> (FieldNamer, EntityPlan) {
    let mut namer = FieldNamer::default();
    let fields = table
        .columns
        .iter()
        .map(|c| {
            let ident = namer.name(&c.name, "column");
            field_plan(table, c, ident, &key, registry, warnings)
        })
        .collect();
    let entity = EntityPlan {
        alias: macro_variant(&module),
        module,
        schema: table.schema.clone(),
        table: table.name.clone(),
        kind_label: table.kind.label(),
        comment: table
            .comment
            .as_deref()
            .or(table.description.as_deref())
            .map(comment_lines),
        key_doc: key.doc(table),
        key,
        fields,
        relations: Vec::new(),
    };
    (namer, entity)
}

/// Whether `table` is a view or materialized view.
fn is_view(table: &Table) -> bool {
    matches!(table.kind, TableKind::View | TableKind::MaterializedView)
}

fn field_plan(
    table: &Table,
    column: &Column,
    ident: String,
    key: &KeyChoice,
    registry: &Registry,
    warnings: &mut Vec<String>,
) -> FieldPlan {
    let mapping = map_column(&column.ty, &column.sql_type, registry);
    if let Some(w) = &mapping.warning {
        warnings.push(format!(
            "{}.{}.{}: {w}",
            table.schema, table.name, column.name
        ));
    }
    let primary_key = key.columns.contains(&column.name);
    let mut doc = Vec::new();
    if let Some(comment) = &column.comment {
        doc.extend(comment_lines(comment));
        doc.push(String::new());
    }
    doc.push(format!(
        "Column `{}`: `{}`{}.",
        column.name,
        column.sql_type,
        if column.nullable { "" } else { ", not null" }
    ));
    if column.generated.is_some() {
        doc.push("Generated column: computed by the database, leave it `NotSet`.".to_owned());
    }
    if let Some(note) = mapping.note {
        doc.push(note);
    }
    let unique = table
        .unique_constraints
        .iter()
        .any(|u| u.columns.len() == 1 && u.columns[0] == column.name)
        && !primary_key;
    let auto = column.is_serial || column.identity.is_some();
    FieldPlan {
        rust: mapping.rust.nullable(column.nullable && !primary_key),
        ident,
        column: column.name.clone(),
        primary_key,
        no_auto_increment: primary_key && !(auto && key.columns.len() == 1),
        column_type: mapping.column_type,
        select_as: mapping.select_as,
        save_as: mapping.save_as,
        unique,
        nested: mapping.nested,
        doc,
    }
}

/// Module names for the tables: the table name in snake case; when two selected tables
/// get the same name, those outside `public` are prefixed with their schema, and what
/// still collides gets `_2`, `_3`, ... in (schema, name) order.
fn module_names(tables: &[&Table]) -> BTreeMap<(String, String), String> {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for t in tables {
        *count.entry(snake_ident(&t.name, "table")).or_default() += 1;
    }
    let mut namer = FieldNamer::with_reserved(RESERVED_MODULES);
    let mut out = BTreeMap::new();
    for t in tables {
        let base = snake_ident(&t.name, "table");
        let base = if count.get(&base).copied().unwrap_or(0) > 1 && t.schema != "public" {
            snake_ident(&format!("{}_{}", t.schema, t.name), "table")
        } else {
            base
        };
        out.insert((t.schema.clone(), t.name.clone()), namer.claim(base));
    }
    out
}

/// The SQL words of an action for sea-orm's `on_update` / `on_delete` (`None`: NO ACTION).
pub fn fk_action(action: FkAction) -> Option<&'static str> {
    match action {
        FkAction::NoAction => None,
        FkAction::Restrict => Some("Restrict"),
        FkAction::Cascade => Some("Cascade"),
        FkAction::SetNull => Some("SetNull"),
        FkAction::SetDefault => Some("SetDefault"),
    }
}

/// The field idents for `columns` of `entity` (by column name).
pub fn field_idents(entity: &EntityPlan, columns: &[String]) -> Option<Vec<String>> {
    columns
        .iter()
        .map(|c| {
            entity
                .fields
                .iter()
                .find(|f| &f.column == c)
                .map(|f| f.ident.clone())
        })
        .collect()
}

/// Whether `columns` are unique in `table` (its key, or a unique constraint).
pub fn columns_unique(table: &Table, entity: &EntityPlan, columns: &[String]) -> bool {
    let set: BTreeSet<&String> = columns.iter().collect();
    let key_declared = entity.key.source == KeySource::Declared;
    (key_declared && entity.key.columns.iter().collect::<BTreeSet<_>>() == set)
        || table
            .unique_constraints
            .iter()
            .any(|u| u.columns.iter().collect::<BTreeSet<_>>() == set)
}

/// The foreign keys of `table` that point into the selection.
pub fn selected_fks<'a>(
    table: &'a Table,
    modules: &BTreeMap<(String, String), String>,
) -> Vec<&'a ForeignKey> {
    table
        .foreign_keys
        .iter()
        .filter(|fk| modules.contains_key(&(fk.ref_schema.clone(), fk.ref_table.clone())))
        .collect()
}
