//! The Query Service reflection: only what Adobe documents.
//!
//! In one session over the simple query protocol (see [`crate::session`]):
//!
//! 1. `SHOW TABLES`: the tables (names without schema: `public`), dataset ids, descriptions;
//! 2. psql's `\d` (no argument): the kind of every visible relation (table, view, ...);
//! 3. psql's `\d a|b|c` lookup: the oid of each selected table (100 names per query);
//! 4. per table, `SELECT * FROM t WHERE 1=0`: the column list and order (the row
//!    description), then psql's `\d+` column query for the table's oid: SQL types,
//!    `NOT NULL`, defaults, comments;
//! 5. the composite types the columns name (nested structs `<table>_<column>`, arrays of
//!    them), level by level: one `\d a|b|c` lookup per level, then psql's `\d` column
//!    query per type for its fields. A type name `\d` does not find (an enum, a domain) is
//!    left [`ColumnType::Unknown`];
//! 6. `SHOW PRIMARY KEYS` and `SHOW FOREIGN KEYS`.
//!
//! A table whose row description has no column is an error. Every failed step is an error
//! naming the step, unless `allow_partial` is set: then it is a warning and that part is
//! left out. `LIMIT 0` is never used (on Query Service it lifts the row cap).

use std::collections::{BTreeMap, BTreeSet};

use qsorm_ident::quote_qualified_if_needed;

use crate::error::InspectError;
use crate::model::{Column, Schema, Table, TableKind, TableSummary};
use crate::options::InspectOptions;
use crate::psql;
use crate::query_service::{
    DatasetInfo, ShownForeignKey, ShownPrimaryKey, apply_keys, parse_show_foreign_keys,
    parse_show_primary_keys, parse_show_tables,
};
use crate::session::{QueryOutput, Session};
use crate::sqltype::{self, Printed};
use crate::types::{ColumnType, Field, UserType};

/// Names per `\d a|b|c` lookup.
const LOOKUP_CHUNK: usize = 100;
/// Composite nesting deeper than this is refused (it cannot be a real schema).
const MAX_DEPTH: usize = 32;
/// The schema Query Service tables are reported in.
const PUBLIC: &str = "public";

/// The session and how failures are handled.
struct Run {
    session: Session,
    strict: bool,
    warnings: Vec<String>,
}

fn step_error(step: impl Into<String>, reason: impl std::fmt::Display) -> InspectError {
    InspectError::Step {
        step: step.into(),
        reason: reason.to_string(),
    }
}

impl Run {
    async fn open(opts: &InspectOptions) -> Result<Run, InspectError> {
        let config = opts
            .connection
            .as_ref()
            .ok_or(InspectError::NeedsConnection)?;
        let session = Session::connect(config)
            .await
            .map_err(|e| step_error(format!("connect to {}:{}", config.host, config.port), e))?;
        Ok(Run {
            session,
            strict: !opts.allow_partial,
            warnings: Vec::new(),
        })
    }

    /// Runs one statement of `step`.
    async fn query(&mut self, step: &str, sql: &str) -> Result<QueryOutput, InspectError> {
        self.session
            .query(sql)
            .await
            .map_err(|e| step_error(step, e))
    }

    /// A failed step: an error, or (partial reflection allowed) a warning.
    fn fail(&mut self, err: InspectError) -> Result<(), InspectError> {
        if self.strict {
            return Err(err);
        }
        tracing::warn!(error = %err, "Query Service reflection: part of the schema is missing");
        self.warnings.push(err.to_string());
        Ok(())
    }

    async fn close(self) -> Vec<String> {
        tracing::debug!(
            target: "qsorm_inspect::session",
            statements = self.session.statements(),
            "Query Service reflection done"
        );
        self.session.close().await;
        self.warnings
    }
}

/// A table `SHOW TABLES` listed and the options selected.
#[derive(Debug, Clone)]
struct Selected {
    schema: String,
    name: String,
    /// Whether `SHOW TABLES` qualified the name.
    qualified: bool,
    dataset: DatasetInfo,
}

impl Selected {
    /// `schema.name` for messages.
    fn label(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    /// The name in a Query Service statement.
    fn sql_name(&self) -> String {
        let schema = self.qualified.then_some(self.schema.as_str());
        quote_qualified_if_needed(schema, &self.name)
    }
}

/// `SHOW TABLES`, filtered by the options. Its failure is fatal (nothing to reflect).
async fn selected_tables(
    run: &mut Run,
    opts: &InspectOptions,
) -> Result<Vec<Selected>, InspectError> {
    let shown = run.query("show tables", "SHOW TABLES").await?;
    let mut out: Vec<Selected> = parse_show_tables(&shown.named_rows())
        .into_iter()
        .map(|dataset| {
            let (schema, name, qualified) = match dataset.table.split_once('.') {
                Some((s, n)) => (s.to_owned(), n.to_owned(), true),
                None => (PUBLIC.to_owned(), dataset.table.clone(), false),
            };
            Selected {
                schema,
                name,
                qualified,
                dataset,
            }
        })
        .filter(|t| opts.schemas.is_empty() || opts.schemas.contains(&t.schema))
        .filter(|t| opts.tables.is_empty() || opts.tables.contains(&t.name))
        .collect();
    out.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    out.dedup_by(|a, b| a.schema == b.schema && a.name == b.name);
    Ok(out)
}

/// The kind of each selected table, from psql's `\d` listing (`Type` column).
async fn kinds(run: &mut Run, tables: &[Selected]) -> Result<Vec<TableKind>, InspectError> {
    const STEP: &str = "relation kinds (\\d)";
    let listed = match run.query(STEP, psql::LIST_RELATIONS).await {
        Ok(out) => out.rows,
        Err(e) => {
            run.fail(e)?;
            return Ok(vec![TableKind::Table; tables.len()]);
        }
    };
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let row = listed.iter().find(|r| {
            r.get(1).and_then(Option::as_deref) == Some(t.name.as_str())
                && (!t.qualified || r.first().and_then(Option::as_deref) == Some(t.schema.as_str()))
        });
        let label = row.and_then(|r| r.get(2).cloned().flatten());
        let kind = match label.as_deref() {
            Some("table") => TableKind::Table,
            Some("view") => TableKind::View,
            Some("materialized view") => TableKind::MaterializedView,
            Some("foreign table") => TableKind::Foreign,
            Some("partitioned table") => TableKind::Partitioned,
            other => {
                run.fail(step_error(
                    STEP,
                    format!(
                        "{} is listed by SHOW TABLES but \\d shows it as {}",
                        t.label(),
                        other.map_or("nothing".to_owned(), |k| format!("a {k}"))
                    ),
                ))?;
                TableKind::Table
            }
        };
        out.push(kind);
    }
    Ok(out)
}

/// A relation found by a `\d` lookup.
#[derive(Debug, Clone)]
struct Found {
    oid: String,
    schema: String,
    name: String,
}

/// Looks `names` up the way `\d a|b|c` does (`schema`: `\d schema.a|b|c`), 100 names per
/// statement; returns what was found by name.
async fn lookup(
    run: &mut Run,
    what: &str,
    schema: Option<&str>,
    names: &[String],
) -> Result<BTreeMap<String, Found>, InspectError> {
    let mut found = BTreeMap::new();
    for chunk in names.chunks(LOOKUP_CHUNK) {
        let sql = match schema {
            None => psql::lookup(chunk)?,
            Some(s) => psql::lookup_in_schema(s, chunk)?,
        };
        let step = format!(
            "{what} lookup (\\d {}{})",
            schema.map(|s| format!("{s}.")).unwrap_or_default(),
            chunk.join("|")
        );
        let rows = match run.query(&step, &sql).await {
            Ok(out) => out.rows,
            Err(e) => {
                run.fail(e)?;
                continue;
            }
        };
        for row in rows {
            let cell = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
            let (oid, nsp, rel) = (cell(0), cell(1), cell(2));
            if chunk.contains(&rel) {
                found.entry(rel.clone()).or_insert(Found {
                    oid,
                    schema: nsp,
                    name: rel,
                });
            }
        }
    }
    Ok(found)
}

/// Looks up a set of possibly qualified names: `(schema, name)` → found.
async fn lookup_all(
    run: &mut Run,
    what: &str,
    names: &BTreeSet<(Option<String>, String)>,
) -> Result<BTreeMap<(Option<String>, String), Found>, InspectError> {
    let mut by_schema: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    for (schema, name) in names {
        by_schema
            .entry(schema.clone())
            .or_default()
            .push(name.clone());
    }
    let mut out = BTreeMap::new();
    for (schema, list) in by_schema {
        for (name, found) in lookup(run, what, schema.as_deref(), &list).await? {
            out.insert((schema.clone(), name), found);
        }
    }
    Ok(out)
}

/// One row of psql's column query: name, printed type, default, not null, comment.
struct ColumnRow {
    name: String,
    sql_type: String,
    default: Option<String>,
    not_null: bool,
    comment: Option<String>,
}

fn column_rows(out: &QueryOutput, comment_at: Option<usize>) -> Vec<ColumnRow> {
    out.rows
        .iter()
        .map(|r| {
            let cell = |i: usize| r.get(i).cloned().flatten();
            ColumnRow {
                name: cell(0).unwrap_or_default(),
                sql_type: cell(1).unwrap_or_default(),
                default: cell(2),
                not_null: cell(3).as_deref() == Some("t"),
                comment: comment_at.and_then(cell),
            }
        })
        .collect()
}

/// The columns of one table: the row description of `SELECT * FROM t WHERE 1=0` gives
/// the list and order, psql's `\d+` column query the rest. `None` after a failure that
/// was turned into a warning.
async fn table_columns(
    run: &mut Run,
    table: &Selected,
    oid: &str,
) -> Result<Option<Vec<(Column, Printed)>>, InspectError> {
    let probe = format!("SELECT * FROM {} WHERE 1=0", table.sql_name());
    let step = format!("columns of {} ({probe})", table.label());
    let described = match run.query(&step, &probe).await {
        Ok(out) => out.columns,
        Err(e) => {
            run.fail(e)?;
            return Ok(None);
        }
    };
    if described.is_empty() {
        run.fail(step_error(step, "the row description has no column"))?;
        return Ok(None);
    }
    let step = format!("column types of {} (\\d+ {})", table.label(), table.name);
    let rows = match run.query(&step, &psql::columns_verbose(oid)?).await {
        Ok(out) => column_rows(&out, Some(9)),
        Err(e) => {
            run.fail(e)?;
            return Ok(None);
        }
    };
    let listed: BTreeSet<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    let returned: BTreeSet<&str> = described.iter().map(|c| c.name.as_str()).collect();
    if listed != returned || rows.len() != described.len() {
        run.fail(step_error(
            step,
            format!(
                "\\d+ lists the columns {listed:?} but SELECT * returns {:?}",
                described.iter().map(|c| &c.name).collect::<Vec<_>>()
            ),
        ))?;
        return Ok(None);
    }
    let mut out = Vec::with_capacity(described.len());
    for (i, col) in described.iter().enumerate() {
        let Some(row) = rows.iter().find(|r| r.name == col.name) else {
            continue;
        };
        let is_serial = row
            .default
            .as_deref()
            .is_some_and(|d| d.starts_with("nextval("));
        out.push((
            Column {
                name: col.name.clone(),
                ordinal: i32::try_from(i + 1).unwrap_or(i32::MAX),
                sql_type: row.sql_type.clone(),
                ty: ColumnType::Unknown {
                    name: row.sql_type.clone(),
                },
                nullable: !row.not_null,
                default: row.default.clone(),
                identity: None,
                is_serial,
                generated: None,
                comment: row.comment.clone(),
            },
            sqltype::parse(&row.sql_type),
        ));
    }
    Ok(Some(out))
}

/// A composite type read with `\d`: its fields as printed.
struct CompositeDef {
    found: Found,
    fields: Vec<(String, String, Printed)>,
}

/// The composite types reachable from `roots`, level by level. Names `\d` does not find
/// are not composites (enums, domains, extension types) and stay unknown.
async fn composites(
    run: &mut Run,
    roots: BTreeSet<(Option<String>, String)>,
) -> Result<BTreeMap<(Option<String>, String), CompositeDef>, InspectError> {
    let mut defs: BTreeMap<(Option<String>, String), CompositeDef> = BTreeMap::new();
    let mut seen: BTreeSet<(Option<String>, String)> = BTreeSet::new();
    let mut pending = roots;
    let mut depth = 0;
    while !pending.is_empty() {
        depth += 1;
        if depth > MAX_DEPTH {
            run.fail(step_error(
                "composite types",
                format!("nesting deeper than {MAX_DEPTH} levels: {pending:?}"),
            ))?;
            break;
        }
        seen.extend(pending.iter().cloned());
        let found = lookup_all(run, "composite type", &pending).await?;
        let mut next = BTreeSet::new();
        for (key, found) in found {
            let step = format!(
                "fields of composite type {}.{} (\\d {})",
                found.schema, found.name, found.name
            );
            let rows = match run.query(&step, &psql::columns(&found.oid)?).await {
                Ok(out) => column_rows(&out, None),
                Err(e) => {
                    run.fail(e)?;
                    continue;
                }
            };
            let fields: Vec<(String, String, Printed)> = rows
                .into_iter()
                .map(|r| {
                    let printed = sqltype::parse(&r.sql_type);
                    (r.name, r.sql_type, printed)
                })
                .collect();
            for (_, _, printed) in &fields {
                if let Some((schema, name)) = printed.named() {
                    let key = (schema.map(str::to_owned), name.to_owned());
                    if !seen.contains(&key) {
                        next.insert(key);
                    }
                }
            }
            defs.insert(key, CompositeDef { found, fields });
        }
        pending = next;
    }
    Ok(defs)
}

/// The resolved type of a printed one.
fn resolve(
    printed: &Printed,
    defs: &BTreeMap<(Option<String>, String), CompositeDef>,
) -> ColumnType {
    match printed {
        Printed::Known(ty) => ty.clone(),
        Printed::Array { element, dims } => ColumnType::Array {
            element: Box::new(resolve(element, defs)),
            dims: *dims,
        },
        Printed::Named {
            schema,
            name,
            printed,
        } => match defs.get(&(schema.clone(), name.clone())) {
            Some(def) => ColumnType::Composite {
                schema: def.found.schema.clone(),
                name: def.found.name.clone(),
            },
            None => ColumnType::Unknown {
                name: printed.clone(),
            },
        },
    }
}

/// The Query Service reflection (see the module documentation).
pub(crate) async fn inspect(opts: &InspectOptions) -> Result<Schema, InspectError> {
    let mut run = Run::open(opts).await?;
    let result = reflect(&mut run, opts).await;
    let warnings = run.close().await;
    let mut schema = result?;
    schema.warnings = warnings;
    Ok(schema)
}

async fn reflect(run: &mut Run, opts: &InspectOptions) -> Result<Schema, InspectError> {
    let selected = selected_tables(run, opts).await?;
    let (mut tables, printed_columns) = tables_with_columns(run, &selected).await?;

    let roots: BTreeSet<(Option<String>, String)> = printed_columns
        .iter()
        .flatten()
        .filter_map(|p| p.named())
        .map(|(s, n)| (s.map(str::to_owned), n.to_owned()))
        .collect();
    let defs = composites(run, roots).await?;
    for (table, printed) in tables.iter_mut().zip(&printed_columns) {
        for (column, printed) in table.columns.iter_mut().zip(printed) {
            column.ty = resolve(printed, &defs);
        }
    }
    let types = user_types(&defs);

    let (pks, fks) = shown_keys(run).await?;
    apply_keys(&mut tables, &pks, &fks);
    tables.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));

    Ok(Schema {
        schemas: schemas(opts, &selected),
        tables,
        types,
        warnings: Vec::new(),
    })
}

/// The selected tables with their kinds and columns, and each column's type as printed
/// (resolved once the composite types are read), in `selected`'s order.
async fn tables_with_columns(
    run: &mut Run,
    selected: &[Selected],
) -> Result<(Vec<Table>, Vec<Vec<Printed>>), InspectError> {
    let kinds = kinds(run, selected).await?;

    let mut unqualified = BTreeSet::new();
    for t in selected {
        unqualified.insert((t.qualified.then(|| t.schema.clone()), t.name.clone()));
    }
    let oids = lookup_all(run, "table", &unqualified).await?;

    let mut tables = Vec::with_capacity(selected.len());
    let mut printed_columns: Vec<Vec<Printed>> = Vec::with_capacity(selected.len());
    for (t, kind) in selected.iter().zip(kinds) {
        let key = (t.qualified.then(|| t.schema.clone()), t.name.clone());
        let columns = match oids.get(&key) {
            Some(found) => {
                let oid = found.oid.clone();
                table_columns(run, t, &oid).await?.unwrap_or_default()
            }
            None => {
                run.fail(step_error(
                    format!("table lookup (\\d {})", t.name),
                    format!("\\d does not find {}, which SHOW TABLES lists", t.label()),
                ))?;
                Vec::new()
            }
        };
        let (columns, printed): (Vec<Column>, Vec<Printed>) = columns.into_iter().unzip();
        printed_columns.push(printed);
        tables.push(Table {
            columns,
            dataset_id: t.dataset.dataset_id.clone(),
            description: t.dataset.description.clone(),
            ..Table::new(t.schema.clone(), t.name.clone(), kind)
        });
    }
    Ok((tables, printed_columns))
}

/// The composite types read, sorted by schema and name, each once (two spellings of one
/// type's name find the same type).
fn user_types(defs: &BTreeMap<(Option<String>, String), CompositeDef>) -> Vec<UserType> {
    let mut types: Vec<UserType> = defs
        .values()
        .map(|def| UserType::Composite {
            schema: def.found.schema.clone(),
            name: def.found.name.clone(),
            fields: def
                .fields
                .iter()
                .enumerate()
                .map(|(i, (name, sql_type, printed))| Field {
                    name: name.clone(),
                    ordinal: i32::try_from(i + 1).unwrap_or(i32::MAX),
                    sql_type: sql_type.clone(),
                    ty: resolve(printed, defs),
                })
                .collect(),
        })
        .collect();
    types.sort_by(|a, b| (a.schema(), a.name()).cmp(&(b.schema(), b.name())));
    types.dedup_by(|a, b| a.schema() == b.schema() && a.name() == b.name());
    types
}

/// `SHOW PRIMARY KEYS` and `SHOW FOREIGN KEYS`; a listing that fails is empty when
/// failures are warnings.
async fn shown_keys(
    run: &mut Run,
) -> Result<(Vec<ShownPrimaryKey>, Vec<ShownForeignKey>), InspectError> {
    let pks = match run.query("show primary keys", "SHOW PRIMARY KEYS").await {
        Ok(out) => parse_show_primary_keys(&out.named_rows()),
        Err(e) => {
            run.fail(e)?;
            Vec::new()
        }
    };
    let fks = match run.query("show foreign keys", "SHOW FOREIGN KEYS").await {
        Ok(out) => parse_show_foreign_keys(&out.named_rows()),
        Err(e) => {
            run.fail(e)?;
            Vec::new()
        }
    };
    Ok((pks, fks))
}

/// `public` (every unqualified table's schema) and the schemas `SHOW TABLES` qualified
/// names with, as the filter allows.
fn schemas(opts: &InspectOptions, selected: &[Selected]) -> Vec<String> {
    let mut out: BTreeSet<String> = selected.iter().map(|t| t.schema.clone()).collect();
    out.insert(PUBLIC.to_owned());
    out.into_iter()
        .filter(|s| opts.schemas.is_empty() || opts.schemas.contains(s))
        .collect()
}

/// The Query Service listing: `SHOW TABLES`, psql's `\d` for the kinds, and
/// `SELECT * FROM t WHERE 1=0` per table for the column count.
pub(crate) async fn table_names(opts: &InspectOptions) -> Result<Vec<TableSummary>, InspectError> {
    let mut run = Run::open(opts).await?;
    let result = list(&mut run, opts).await;
    run.close().await;
    result
}

async fn list(run: &mut Run, opts: &InspectOptions) -> Result<Vec<TableSummary>, InspectError> {
    let selected = selected_tables(run, opts).await?;
    let kinds = kinds(run, &selected).await?;
    let mut out = Vec::with_capacity(selected.len());
    for (t, kind) in selected.iter().zip(kinds) {
        let probe = format!("SELECT * FROM {} WHERE 1=0", t.sql_name());
        let step = format!("columns of {} ({probe})", t.label());
        let count = match run.query(&step, &probe).await {
            Ok(described) if described.columns.is_empty() => {
                run.fail(step_error(step, "the row description has no column"))?;
                0
            }
            Ok(described) => described.columns.len(),
            Err(e) => {
                run.fail(e)?;
                0
            }
        };
        out.push(TableSummary {
            schema: t.schema.clone(),
            name: t.name.clone(),
            kind,
            column_count: u32::try_from(count).unwrap_or(u32::MAX),
            comment: None,
            dataset_id: t.dataset.dataset_id.clone(),
            description: t.dataset.description.clone(),
        });
    }
    Ok(out)
}
