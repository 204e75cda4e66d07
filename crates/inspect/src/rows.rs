//! Rows of the catalog queries, decoded from sea-orm's `QueryResult`.
//!
//! Every column is cast in SQL to `text`, `int4`, `int8`, `float8` or `bool`, so the
//! rows decode the same way over the simple and the extended protocol.

use sea_orm::{DbErr, QueryResult, TryGetable};

fn get<T: TryGetable>(row: &QueryResult, col: &str) -> Result<T, DbErr> {
    row.try_get("", col)
}

/// A row of the relations query; `rel` is `None` for a schema without relations.
#[derive(Debug, Clone)]
pub(crate) struct RelationRow {
    pub schema: String,
    pub rel: Option<RelationPart>,
}

/// The relation half of a [`RelationRow`].
#[derive(Debug, Clone)]
pub(crate) struct RelationPart {
    pub oid: i64,
    pub name: String,
    pub relkind: String,
    pub comment: Option<String>,
    pub column_count: i32,
    pub on_search_path: bool,
}

impl RelationRow {
    pub(crate) fn decode(row: &QueryResult) -> Result<RelationRow, DbErr> {
        let oid: Option<i64> = get(row, "rel_oid")?;
        let rel = match oid {
            None => None,
            Some(oid) => Some(RelationPart {
                oid,
                name: get(row, "rel_name")?,
                relkind: get(row, "relkind")?,
                comment: get(row, "comment")?,
                column_count: get(row, "column_count")?,
                on_search_path: get::<Option<bool>>(row, "on_search_path")?.unwrap_or(false),
            }),
        };
        Ok(RelationRow {
            schema: get(row, "schema_name")?,
            rel,
        })
    }
}

/// A row of the columns query.
#[derive(Debug, Clone)]
pub(crate) struct ColumnRow {
    pub rel_oid: i64,
    pub ordinal: i32,
    pub name: String,
    pub sql_type: String,
    pub type_oid: i64,
    pub typmod: i32,
    pub ndims: i32,
    pub not_null: bool,
    pub default_expr: Option<String>,
    pub comment: Option<String>,
    pub identity: Option<String>,
    pub generated: Option<String>,
    pub owns_sequence: bool,
}

impl ColumnRow {
    pub(crate) fn decode(row: &QueryResult) -> Result<ColumnRow, DbErr> {
        Ok(ColumnRow {
            rel_oid: get(row, "rel_oid")?,
            ordinal: get(row, "ordinal")?,
            name: get(row, "column_name")?,
            sql_type: get(row, "sql_type")?,
            type_oid: get(row, "type_oid")?,
            typmod: get(row, "typmod")?,
            ndims: get(row, "ndims")?,
            not_null: get(row, "not_null")?,
            default_expr: get(row, "default_expr")?,
            comment: get(row, "comment")?,
            identity: get(row, "identity")?,
            generated: get(row, "generated")?,
            owns_sequence: get(row, "owns_sequence")?,
        })
    }
}

/// A row of the constraints query (one per key column; one for a check without columns).
#[derive(Debug, Clone)]
pub(crate) struct ConstraintRow {
    pub rel_oid: i64,
    pub name: String,
    pub contype: String,
    pub column: Option<String>,
    pub ref_schema: Option<String>,
    pub ref_table: Option<String>,
    pub ref_column: Option<String>,
    pub on_delete: String,
    pub on_update: String,
    pub definition: Option<String>,
}

impl ConstraintRow {
    pub(crate) fn decode(row: &QueryResult) -> Result<ConstraintRow, DbErr> {
        Ok(ConstraintRow {
            rel_oid: get(row, "rel_oid")?,
            name: get(row, "name")?,
            contype: get(row, "contype")?,
            column: get(row, "column_name")?,
            ref_schema: get(row, "ref_schema")?,
            ref_table: get(row, "ref_table")?,
            ref_column: get(row, "ref_column")?,
            on_delete: get(row, "on_delete")?,
            on_update: get(row, "on_update")?,
            definition: get(row, "definition")?,
        })
    }
}

/// A row of the indexes query (one per index element).
#[derive(Debug, Clone)]
pub(crate) struct IndexRow {
    pub rel_oid: i64,
    pub name: String,
    pub is_unique: bool,
    pub is_primary: bool,
    pub method: Option<String>,
    pub definition: Option<String>,
    pub predicate: Option<String>,
    pub is_key: bool,
    pub is_expression: bool,
    pub expression: Option<String>,
    pub column: Option<String>,
}

impl IndexRow {
    pub(crate) fn decode(row: &QueryResult) -> Result<IndexRow, DbErr> {
        Ok(IndexRow {
            rel_oid: get(row, "rel_oid")?,
            name: get(row, "name")?,
            is_unique: get(row, "is_unique")?,
            is_primary: get(row, "is_primary")?,
            method: get(row, "method")?,
            definition: get(row, "definition")?,
            predicate: get(row, "predicate")?,
            is_key: get(row, "is_key")?,
            is_expression: get(row, "is_expression")?,
            expression: get(row, "expression")?,
            column: get(row, "column_name")?,
        })
    }
}

/// A row of the triggers and partitioning query: a trigger (`t`), a partition of the
/// relation (`p`), the relation's parent (`o`) or its partition key (`k`).
#[derive(Debug, Clone)]
pub(crate) struct ExtraRow {
    pub kind: String,
    pub rel_oid: i64,
    /// The trigger name.
    pub name: Option<String>,
    /// The trigger definition, the partition bound or the partition key.
    pub definition: Option<String>,
    /// `tgenabled`, or the partition's `relkind`.
    pub code: Option<String>,
    /// `tgisinternal`, or `inhdetachpending`.
    pub flag: Option<bool>,
    /// The other relation: the trigger's partitioned table, the partition, the parent.
    pub other_schema: Option<String>,
    pub other_name: Option<String>,
}

impl ExtraRow {
    pub(crate) fn decode(row: &QueryResult) -> Result<ExtraRow, DbErr> {
        Ok(ExtraRow {
            kind: get(row, "kind")?,
            rel_oid: get(row, "rel_oid")?,
            name: get(row, "name")?,
            definition: get(row, "definition")?,
            code: get(row, "code")?,
            flag: get(row, "flag")?,
            other_schema: get(row, "other_schema")?,
            other_name: get(row, "other_name")?,
        })
    }
}

/// A `pg_type` row of the types query (kind `t`).
#[derive(Debug, Clone)]
pub(crate) struct TypeRow {
    pub oid: i64,
    pub schema: String,
    pub name: String,
    pub typtype: String,
    pub category: String,
    pub elem_oid: i64,
    pub base_oid: i64,
    pub typmod: i32,
    pub ndims: i32,
    pub not_null: bool,
    pub sql_type: Option<String>,
    pub default: Option<String>,
}

/// A member row of the types query: a composite field (`f`), an enum label (`e`) or a
/// domain check (`c`).
#[derive(Debug, Clone)]
pub(crate) struct MemberRow {
    pub kind: String,
    pub type_oid: i64,
    pub pos: i32,
    pub name: String,
    pub ref_oid: Option<i64>,
    pub typmod: Option<i32>,
    pub ndims: Option<i32>,
    pub sql_type: Option<String>,
    pub text_value: Option<String>,
}

/// A row of the types query.
#[derive(Debug, Clone)]
pub(crate) enum TypesRow {
    Type(TypeRow),
    Member(MemberRow),
}

impl TypesRow {
    pub(crate) fn decode(row: &QueryResult) -> Result<TypesRow, DbErr> {
        let kind: String = get(row, "kind")?;
        if kind == "t" {
            return Ok(TypesRow::Type(TypeRow {
                oid: get(row, "type_oid")?,
                schema: get(row, "schema_name")?,
                name: get(row, "name")?,
                typtype: get(row, "typtype")?,
                category: get(row, "category")?,
                elem_oid: get(row, "ref_oid")?,
                base_oid: get(row, "base_oid")?,
                typmod: get(row, "typmod")?,
                ndims: get(row, "ndims")?,
                not_null: get(row, "not_null")?,
                sql_type: get(row, "sql_type")?,
                default: get(row, "text_value")?,
            }));
        }
        Ok(TypesRow::Member(MemberRow {
            kind,
            type_oid: get(row, "type_oid")?,
            pos: get(row, "pos")?,
            name: get(row, "name")?,
            ref_oid: get(row, "ref_oid")?,
            typmod: get(row, "typmod")?,
            ndims: get(row, "ndims")?,
            sql_type: get(row, "sql_type")?,
            text_value: get(row, "text_value")?,
        }))
    }
}
