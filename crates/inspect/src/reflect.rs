//! Runs the catalog queries and assembles the [`Schema`].

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbErr, QueryResult, Statement};

use crate::error::InspectError;
use crate::extras::add_extras;
use crate::model::{
    Check, Column, FkAction, ForeignKey, Identity, Index, IndexColumn, PrimaryKey, Schema, Table,
    TableKind, TableSummary, UniqueConstraint,
};
use crate::options::InspectOptions;
use crate::qs_reflect;
use crate::queries::CatalogSql;
use crate::resolve::{TypeCatalog, check_expression};
use crate::rows::{ColumnRow, ConstraintRow, ExtraRow, IndexRow, RelationRow, TypesRow};

/// Reflects the selected relations with their columns, keys, indexes, checks and the
/// user types they use.
///
/// On PostgreSQL the server receives six catalog queries whatever the number of tables
/// (relations, columns, constraints, indexes, types, triggers and partitioning; the last
/// needs PostgreSQL 12 or later). No bind parameters are used:
/// filters are inlined as escaped literals. Only the relations query is fatal. When
/// another query fails, its part is left out and explained in [`Schema::warnings`].
/// Inside a PostgreSQL transaction a failed query aborts the transaction, so the queries
/// after it fail too (and warn).
///
/// On [`Flavor::QueryService`](qsorm_connect::Flavor::QueryService) only documented access
/// is used, in a session of its own opened from
/// [`InspectOptions::connection`](crate::InspectOptions::connection) (`conn` is not used
/// there): `SHOW TABLES`; psql's `\d` listing for the kinds; psql's `\d name` lookup
/// (100 tables per statement); per table `SELECT * FROM t WHERE 1=0` (the column list)
/// and psql's `\d+` column query (types, nullability, defaults, comments); per composite
/// type psql's `\d` column query (one lookup per nesting level); `SHOW PRIMARY KEYS` and
/// `SHOW FOREIGN KEYS`. That is 2 statements per table, 1 per composite type, and 4 plus
/// one lookup per nesting level. Indexes, unique and check constraints, identity and
/// generated columns, enum labels and domains are not visible that way: an enum or
/// domain column is [`ColumnType::Unknown`](crate::ColumnType::Unknown). Any failed step
/// is an error naming it, unless
/// [`InspectOptions::allow_partial`](crate::InspectOptions::allow_partial) is set.
pub async fn inspect<C: ConnectionTrait>(
    conn: &C,
    opts: &InspectOptions,
) -> Result<Schema, InspectError> {
    if opts.flavor.is_query_service() {
        return qs_reflect::inspect(opts).await;
    }
    let sql = CatalogSql::new(opts)?;
    let relations = fetch(conn, "relations", sql.relations(), RelationRow::decode).await?;
    let mut warnings = Vec::new();
    let columns = fetch(conn, "columns", sql.columns(), ColumnRow::decode).await;
    let columns = or_warn(columns, &mut warnings);
    let constraints = fetch(
        conn,
        "constraints",
        sql.constraints(),
        ConstraintRow::decode,
    )
    .await;
    let constraints = or_warn(constraints, &mut warnings);
    let indexes = fetch(conn, "indexes", sql.indexes(), IndexRow::decode).await;
    let indexes = or_warn(indexes, &mut warnings);
    let types = fetch(conn, "types", sql.types(), TypesRow::decode).await;
    let catalog = TypeCatalog::new(or_warn(types, &mut warnings));
    let extras = fetch(
        conn,
        "triggers and partitions",
        sql.relation_extras(),
        ExtraRow::decode,
    )
    .await;
    let extras = or_warn(extras, &mut warnings);

    let mut schemas: Vec<String> = relations.iter().map(|r| r.schema.clone()).collect();
    let mut tables = new_tables(&relations);
    add_columns(&mut tables, columns, &catalog);
    add_constraints(&mut tables, constraints);
    add_indexes(&mut tables, indexes);
    add_extras(&mut tables, extras);
    let mut tables: Vec<Table> = tables.into_values().collect();

    schemas.sort();
    schemas.dedup();
    tables.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    Ok(Schema {
        schemas,
        tables,
        types: catalog.user_types(),
        warnings,
    })
}

/// Lists the selected relations cheaply, sorted by (schema, name): one catalog query on
/// PostgreSQL. On Query Service (its own session, like [`inspect`]): `SHOW TABLES`,
/// psql's `\d` listing for the kinds, and `SELECT * FROM t WHERE 1=0` per table for the
/// column count.
pub async fn table_names<C: ConnectionTrait>(
    conn: &C,
    opts: &InspectOptions,
) -> Result<Vec<TableSummary>, InspectError> {
    if opts.flavor.is_query_service() {
        return qs_reflect::table_names(opts).await;
    }
    let sql = CatalogSql::new(opts)?;
    let relations = fetch(conn, "relations", sql.relations(), RelationRow::decode).await?;
    let mut out: Vec<TableSummary> = relations
        .iter()
        .filter_map(|r| {
            let rel = r.rel.as_ref()?;
            let kind = TableKind::from_relkind(&rel.relkind)?;
            Some(TableSummary {
                schema: r.schema.clone(),
                name: rel.name.clone(),
                kind,
                column_count: u32::try_from(rel.column_count).unwrap_or(0),
                comment: rel.comment.clone(),
                dataset_id: None,
                description: None,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    Ok(out)
}

/// Runs one catalog query and decodes its rows.
async fn fetch<C, T>(
    conn: &C,
    query: &'static str,
    sql: String,
    decode: fn(&QueryResult) -> Result<T, DbErr>,
) -> Result<Vec<T>, InspectError>
where
    C: ConnectionTrait,
{
    let catalog = |source| InspectError::Catalog { query, source };
    let start = std::time::Instant::now();
    let stmt = Statement::from_string(conn.get_database_backend(), sql);
    let rows = conn.query_all_raw(stmt).await.map_err(catalog)?;
    tracing::debug!(query, rows = rows.len(), elapsed = ?start.elapsed(), "catalog query");
    rows.iter()
        .map(decode)
        .collect::<Result<_, _>>()
        .map_err(catalog)
}

/// The rows, or none and a warning.
fn or_warn<T>(result: Result<Vec<T>, InspectError>, warnings: &mut Vec<String>) -> Vec<T> {
    result.unwrap_or_else(|err| {
        tracing::warn!(error = %err, "schema reflection: part of the catalog is missing");
        warnings.push(err.to_string());
        Vec::new()
    })
}

fn new_tables(relations: &[RelationRow]) -> BTreeMap<i64, Table> {
    relations
        .iter()
        .filter_map(|r| {
            let rel = r.rel.as_ref()?;
            let kind = TableKind::from_relkind(&rel.relkind)?;
            let table = Table {
                comment: rel.comment.clone(),
                on_search_path: rel.on_search_path,
                ..Table::new(r.schema.clone(), rel.name.clone(), kind)
            };
            Some((rel.oid, table))
        })
        .collect()
}

fn add_columns(tables: &mut BTreeMap<i64, Table>, rows: Vec<ColumnRow>, catalog: &TypeCatalog) {
    for row in rows {
        let Some(table) = tables.get_mut(&row.rel_oid) else {
            continue;
        };
        let ty = catalog.resolve(row.type_oid, row.typmod, row.ndims, &row.sql_type);
        let is_generated = row.generated.as_deref() == Some("s");
        let (default, generated) = if is_generated {
            (None, row.default_expr)
        } else {
            (row.default_expr, None)
        };
        let identity = match row.identity.as_deref() {
            Some("a") => Some(Identity::Always),
            Some("d") => Some(Identity::ByDefault),
            _ => None,
        };
        let is_serial = row.owns_sequence
            && default
                .as_deref()
                .is_some_and(|d| d.starts_with("nextval("));
        table.columns.push(Column {
            name: row.name,
            ordinal: row.ordinal,
            sql_type: row.sql_type,
            ty,
            nullable: !row.not_null,
            default,
            identity,
            is_serial,
            generated,
            comment: row.comment,
        });
    }
    for table in tables.values_mut() {
        table.columns.sort_by_key(|c| c.ordinal);
    }
}

/// Groups rows that share (relation oid, name), keeping their order.
fn group<R>(rows: Vec<R>, key: impl Fn(&R) -> (i64, String)) -> BTreeMap<(i64, String), Vec<R>> {
    let mut groups: BTreeMap<(i64, String), Vec<R>> = BTreeMap::new();
    for row in rows {
        groups.entry(key(&row)).or_default().push(row);
    }
    groups
}

fn add_constraints(tables: &mut BTreeMap<i64, Table>, rows: Vec<ConstraintRow>) {
    for ((oid, name), rows) in group(rows, |r| (r.rel_oid, r.name.clone())) {
        let (Some(table), Some(first)) = (tables.get_mut(&oid), rows.first()) else {
            continue;
        };
        let columns: Vec<String> = rows.iter().filter_map(|r| r.column.clone()).collect();
        match first.contype.as_str() {
            "p" => {
                table.primary_key = Some(PrimaryKey {
                    name,
                    columns,
                    namespace: None,
                })
            }
            "u" => table
                .unique_constraints
                .push(UniqueConstraint { name, columns }),
            "c" => table.checks.push(Check {
                name,
                expression: check_expression(first.definition.as_deref().unwrap_or_default()),
            }),
            "f" => table.foreign_keys.push(ForeignKey {
                name,
                columns,
                ref_schema: first.ref_schema.clone().unwrap_or_default(),
                ref_table: first.ref_table.clone().unwrap_or_default(),
                ref_columns: rows.iter().filter_map(|r| r.ref_column.clone()).collect(),
                on_delete: FkAction::from_code(&first.on_delete),
                on_update: FkAction::from_code(&first.on_update),
                definition: first.definition.clone(),
            }),
            _ => {}
        }
    }
}

fn add_indexes(tables: &mut BTreeMap<i64, Table>, rows: Vec<IndexRow>) {
    for ((oid, name), rows) in group(rows, |r| (r.rel_oid, r.name.clone())) {
        let (Some(table), Some(first)) = (tables.get_mut(&oid), rows.first()) else {
            continue;
        };
        let mut index = Index {
            name,
            columns: Vec::new(),
            include: Vec::new(),
            unique: first.is_unique,
            primary: first.is_primary,
            method: first.method.clone().unwrap_or_default(),
            predicate: first.predicate.clone(),
            definition: first.definition.clone().unwrap_or_default(),
        };
        for row in rows {
            let element = match (row.is_expression, row.column, row.expression) {
                (false, Some(column), _) => IndexColumn::Column(column),
                (_, _, expression) => IndexColumn::Expression(expression.unwrap_or_default()),
            };
            if row.is_key {
                index.columns.push(element);
            } else {
                index.include.push(element.text().to_owned());
            }
        }
        table.indexes.push(index);
    }
}
