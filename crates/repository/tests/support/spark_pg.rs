//! A test-only stand-in for the local Query Service server's write path: it reads a Query
//! Service `INSERT INTO t SELECT ... [UNION ALL SELECT ...]` with a Spark-style parser,
//! holds it to the contract Query Service (Spark store assignment) enforces, and rewrites it
//! for PostgreSQL so the values can be read back from the sandbox.
//!
//! The contract, checked against the target table's types read from `pg_catalog` ([`Catalog`]):
//! - string literals never hold a backslash, a quote or a control character (Spark and
//!   PostgreSQL would read them differently), and `E'...'` never appears;
//! - a string literal (or a `||` / `chr()` string expression) only goes into a string column
//!   or an enum (which Query Service stores as a string); every other type needs a
//!   `CAST(... AS <type>)` whose type name fits the column (Spark names: `timestamp`,
//!   `double`, `decimal(p,s)`, ...; PostgreSQL names where Spark has none); numeric literals
//!   only go into numeric columns, integers (digits only) into integer columns;
//! - `struct(<expr> AS <field>, ...)` names every field of the target composite, in order;
//!   `array(...)` only goes into an array column; both are checked element by element;
//! - every column of the target appears, by position, under its own name.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sqlparser::ast::{
    BinaryOperator, DataType, Expr, FunctionArg, FunctionArgExpr, FunctionArguments,
    ObjectNamePart, SelectItem, SetExpr, SetOperator, SetQuantifier, Statement as SqlStatement,
    TableObject, UnaryOperator, Value,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

/// A column or field type, read from the catalog (domains resolved to their base type).
#[derive(Debug, Clone)]
pub enum PgType {
    /// A base type: `typname` (`int4`, `numeric`, `timestamptz`, ...), PostgreSQL's
    /// spelling with modifiers (`numeric(12,2)`), and `numeric`'s precision and scale.
    Base {
        name: String,
        sql: String,
        numeric: Option<(u32, u32)>,
    },
    /// An enum.
    Enum { name: String, sql: String },
    /// A composite with its fields, in order.
    Composite {
        sql: String,
        fields: Vec<(String, PgType)>,
    },
    /// An array.
    Array { sql: String, element: Box<PgType> },
}

impl PgType {
    fn sql(&self) -> &str {
        match self {
            PgType::Base { sql, .. }
            | PgType::Enum { sql, .. }
            | PgType::Composite { sql, .. }
            | PgType::Array { sql, .. } => sql,
        }
    }
}

/// The tables of a database: name -> columns, in order.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    tables: BTreeMap<String, Vec<(String, PgType)>>,
}

async fn rows<C: ConnectionTrait>(db: &C, sql: String) -> Vec<sea_orm::QueryResult> {
    db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql.clone()))
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"))
}

fn get<T: sea_orm::TryGetable>(row: &sea_orm::QueryResult, column: &str) -> T {
    row.try_get("", column).expect(column)
}

/// The fields (or columns) of the relation `relid`: (name, type oid, typmod).
async fn attributes<C: ConnectionTrait>(db: &C, relid: i64) -> Vec<(String, i64, i32)> {
    rows(
        db,
        format!(
            "SELECT attname::text AS name, atttypid::int8 AS ty, atttypmod AS typmod \
             FROM pg_attribute WHERE attrelid = {relid} AND attnum > 0 AND NOT attisdropped \
             ORDER BY attnum"
        ),
    )
    .await
    .iter()
    .map(|r| (get(r, "name"), get(r, "ty"), get(r, "typmod")))
    .collect()
}

fn resolve<'a, C: ConnectionTrait + Sync>(
    db: &'a C,
    oid: i64,
    typmod: i32,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = PgType> + Send + 'a>> {
    Box::pin(async move {
        let row = rows(
            db,
            format!(
                "SELECT typtype::text AS kind, typname::text AS name, typelem::int8 AS elem, \
                 typrelid::int8 AS relid, typbasetype::int8 AS base, typtypmod AS basemod, \
                 typcategory::text AS category, format_type(oid, {typmod}) AS sql \
                 FROM pg_type WHERE oid = {oid}"
            ),
        )
        .await
        .pop()
        .expect("type");
        let kind: String = get(&row, "kind");
        let name: String = get(&row, "name");
        let sql: String = get(&row, "sql");
        let category: String = get(&row, "category");
        let elem: i64 = get(&row, "elem");
        match kind.as_str() {
            "d" => resolve(db, get(&row, "base"), get(&row, "basemod")).await,
            "e" => PgType::Enum { name, sql },
            "c" => {
                let mut fields = Vec::new();
                for (field, ty, typmod) in attributes(db, get(&row, "relid")).await {
                    fields.push((field, resolve(db, ty, typmod).await));
                }
                PgType::Composite { sql, fields }
            }
            _ if category == "A" && elem != 0 => PgType::Array {
                element: Box::new(resolve(db, elem, typmod).await),
                sql,
            },
            _ => {
                let numeric = (name == "numeric" && typmod >= 4).then(|| {
                    let m = u32::try_from(typmod - 4).expect("typmod");
                    (m >> 16, m & 0xffff)
                });
                PgType::Base { name, sql, numeric }
            }
        }
    })
}

impl Catalog {
    /// Reads the columns of `tables` (in the `public` schema).
    pub async fn load<C: ConnectionTrait + Sync>(db: &C, tables: &[&str]) -> Catalog {
        let mut catalog = Catalog::default();
        for table in tables {
            let relid: i64 = get(
                &rows(db, format!("SELECT '{table}'::regclass::oid::int8 AS oid"))
                    .await
                    .pop()
                    .expect("table"),
                "oid",
            );
            let mut columns = Vec::new();
            for (column, ty, typmod) in attributes(db, relid).await {
                columns.push((column, resolve(db, ty, typmod).await));
            }
            catalog.tables.insert((*table).to_owned(), columns);
        }
        catalog
    }
}

/// The PostgreSQL statement for a Query Service `INSERT INTO t SELECT ...`, or why the
/// statement breaks the contract.
pub fn insert_to_pg(sql: &str, catalog: &Catalog) -> Result<String, String> {
    let statements =
        Parser::parse_sql(&GenericDialect {}, sql).map_err(|e| format!("does not parse: {e}"))?;
    let [SqlStatement::Insert(insert)] = statements.as_slice() else {
        return Err("not one INSERT".into());
    };
    let TableObject::TableName(name) = &insert.table else {
        return Err("INSERT into a table function".into());
    };
    let [ObjectNamePart::Identifier(table)] = name.0.as_slice() else {
        return Err(format!("odd table name {name}"));
    };
    let columns = catalog
        .tables
        .get(&table.value)
        .ok_or_else(|| format!("no table {}", table.value))?;
    if !insert.columns.is_empty() {
        return Err("Query Service inserts by position, without a column list".into());
    }
    let source = insert.source.as_ref().ok_or("INSERT without SELECT")?;
    let columns: Vec<(&str, &PgType)> = columns.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let body = body_to_pg(&source.body, &columns)?;
    Ok(format!("INSERT INTO {} {body}", pg_ident(&table.value)))
}

fn body_to_pg(body: &SetExpr, columns: &[(&str, &PgType)]) -> Result<String, String> {
    match body {
        SetExpr::Select(select) => {
            if select.projection.len() != columns.len() {
                return Err(format!(
                    "{} expressions for {} columns",
                    select.projection.len(),
                    columns.len()
                ));
            }
            let items = select
                .projection
                .iter()
                .zip(columns)
                .map(|(item, (name, ty))| match item {
                    SelectItem::ExprWithAlias { expr, alias } if alias.value == *name => {
                        let expr = to_pg(expr, ty).map_err(|e| format!("column {name}: {e}"))?;
                        Ok(format!("{expr} AS {}", pg_ident(name)))
                    }
                    other => Err(format!("`{other}` is not `<expr> AS {name}`")),
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(format!("SELECT {}", items.join(", ")))
        }
        SetExpr::SetOperation {
            op: SetOperator::Union,
            set_quantifier: SetQuantifier::All,
            left,
            right,
        } => Ok(format!(
            "{} UNION ALL {}",
            body_to_pg(left, columns)?,
            body_to_pg(right, columns)?
        )),
        other => Err(format!("not a SELECT or UNION ALL: {other}")),
    }
}

/// `"name"`.
pub fn pg_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn base(ty: &PgType) -> Option<&str> {
    match ty {
        PgType::Base { name, .. } => Some(name),
        _ => None,
    }
}

fn is_string(ty: &PgType) -> bool {
    matches!(
        base(ty),
        Some("text" | "varchar" | "bpchar" | "name" | "citext")
    )
}

fn is_integer(ty: &PgType) -> bool {
    matches!(base(ty), Some("int2" | "int4" | "int8"))
}

fn is_number(ty: &PgType) -> bool {
    is_integer(ty) || matches!(base(ty), Some("numeric" | "float4" | "float8"))
}

/// Whether `CAST(... AS <cast>)` fits a column of type `ty`: Spark's name where it has
/// one, PostgreSQL's (`uuid`, `json`, `interval`, an enum's name) otherwise.
fn cast_fits(cast: &str, ty: &PgType) -> bool {
    let cast = cast.to_ascii_lowercase().replace(' ', "");
    match ty {
        PgType::Base { name, numeric, .. } => match name.as_str() {
            "text" | "varchar" | "bpchar" | "name" => cast == "string",
            "bool" => cast == "boolean",
            "int2" => cast == "smallint",
            "int4" => cast == "int",
            "int8" => cast == "bigint",
            "float4" => cast == "float",
            "float8" => cast == "double",
            "numeric" => match numeric {
                Some((p, s)) => cast == format!("decimal({p},{s})"),
                None => cast == "numeric",
            },
            "date" => cast == "date",
            "time" => cast == "time",
            "timestamp" | "timestamptz" => cast == "timestamp",
            other => cast == other,
        },
        PgType::Enum { name, .. } => cast == name.to_ascii_lowercase(),
        _ => false,
    }
}

/// A string expression: a plain literal, `chr(n)`, `||` of those, parenthesised.
fn string_expr(expr: &Expr) -> Result<Option<String>, String> {
    Ok(Some(match expr {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => {
                if let Some(c) = s
                    .chars()
                    .find(|c| matches!(c, '\\' | '\'' | '\u{0}'..='\u{1f}' | '\u{7f}'))
                {
                    return Err(format!(
                        "character U+{:04X} inside a string literal",
                        u32::from(c)
                    ));
                }
                format!("'{s}'")
            }
            Value::EscapedStringLiteral(_) => return Err("E'...' string".into()),
            _ => return Ok(None),
        },
        Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("chr") => {
            match args(f)?.as_slice() {
                [Expr::Value(v)] => match &v.value {
                    Value::Number(n, _) => format!("chr({n})"),
                    _ => return Err("chr() of a non-number".into()),
                },
                _ => return Err("chr() takes one number".into()),
            }
        }
        Expr::BinaryOp {
            left,
            op: BinaryOperator::StringConcat,
            right,
        } => {
            let left = string_expr(left)?.ok_or("|| of a non-string")?;
            let right = string_expr(right)?.ok_or("|| of a non-string")?;
            format!("{left} || {right}")
        }
        Expr::Nested(inner) => match string_expr(inner)? {
            Some(s) => format!("({s})"),
            None => return Ok(None),
        },
        _ => return Ok(None),
    }))
}

fn args(f: &sqlparser::ast::Function) -> Result<Vec<&Expr>, String> {
    match &f.args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok(e),
                other => Err(format!("argument `{other}`")),
            })
            .collect(),
        FunctionArguments::None => Ok(Vec::new()),
        other => Err(format!("arguments `{other}`")),
    }
}

/// A number literal's text, `-` included.
fn number(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => Some(n.clone()),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => number(expr).map(|n| format!("-{n}")),
        _ => None,
    }
}

fn to_pg(expr: &Expr, ty: &PgType) -> Result<String, String> {
    let pg = ty.sql();
    if let Expr::Value(v) = expr
        && matches!(v.value, Value::Null)
    {
        return Ok(format!("CAST(NULL AS {pg})"));
    }
    if let Some(s) = string_expr(expr)? {
        return match ty {
            _ if is_string(ty) => Ok(s),
            // Query Service has no enums: the server casts a string on assignment.
            PgType::Enum { .. } => Ok(format!("CAST({s} AS {pg})")),
            _ => Err(format!(
                "42804: a string `{expr}` into a column of type {pg}"
            )),
        };
    }
    if let Some(n) = number(expr) {
        if is_integer(ty)
            && !n
                .trim_start_matches('-')
                .bytes()
                .all(|b| b.is_ascii_digit())
        {
            return Err(format!("42804: {n} into an integer column"));
        }
        if !is_number(ty) {
            return Err(format!("42804: number {n} into a column of type {pg}"));
        }
        return Ok(format!("CAST({n} AS {pg})"));
    }
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Boolean(b) if base(ty) == Some("bool") => Ok(b.to_string()),
            other => Err(format!("42804: `{other}` into a column of type {pg}")),
        },
        Expr::Nested(inner) => Ok(format!("({})", to_pg(inner, ty)?)),
        Expr::Cast {
            expr: inner,
            data_type,
            ..
        } => {
            let cast = match data_type {
                DataType::Custom(name, modifiers) if modifiers.is_empty() => name.to_string(),
                other => other.to_string(),
            };
            if !cast_fits(&cast, ty) {
                return Err(format!("CAST(... AS {cast}) into a column of type {pg}"));
            }
            let text = string_expr(inner)?.ok_or_else(|| format!("CAST of `{inner}`"))?;
            if base(ty) == Some("timestamp")
                && let Expr::Value(v) = inner.as_ref()
                && let Value::SingleQuotedString(s) = &v.value
                && (s.contains('+') || s.rfind('-').is_some_and(|i| i > 8) || s.ends_with('Z'))
            {
                return Err(format!(
                    "timestamp without time zone written with an offset: {s}"
                ));
            }
            Ok(format!("CAST({text} AS {pg})"))
        }
        Expr::Struct { values, fields } if fields.is_empty() => {
            let PgType::Composite {
                fields: declared, ..
            } = ty
            else {
                return Err(format!("struct(...) into a column of type {pg}"));
            };
            if values.len() != declared.len() {
                return Err(format!(
                    "struct with {} fields for {pg} ({} fields)",
                    values.len(),
                    declared.len()
                ));
            }
            let items = values
                .iter()
                .zip(declared)
                .map(|(v, (field, field_ty))| match v {
                    Expr::Named { expr, name } if name.value == *field => {
                        to_pg(expr, field_ty).map_err(|e| format!("field {field}: {e}"))
                    }
                    other => Err(format!("`{other}` is not `<expr> AS {field}`")),
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(format!("CAST(ROW({}) AS {pg})", items.join(", ")))
        }
        Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("array") => {
            let PgType::Array { element, .. } = ty else {
                return Err(format!("array(...) into a column of type {pg}"));
            };
            let items = args(f)?
                .into_iter()
                .enumerate()
                .map(|(i, e)| to_pg(e, element).map_err(|e| format!("[{}]: {e}", i + 1)))
                .collect::<Result<Vec<_>, String>>()?;
            Ok(format!("CAST(ARRAY[{}] AS {pg})", items.join(", ")))
        }
        other => Err(format!("unexpected expression `{other}` for {pg}")),
    }
}

#[test]
fn the_stand_in_refuses_what_query_service_refuses() {
    let base = |name: &str, sql: &str| PgType::Base {
        name: name.into(),
        sql: sql.into(),
        numeric: None,
    };
    let mut catalog = Catalog::default();
    catalog.tables.insert(
        "t".into(),
        vec![
            ("s".into(), base("text", "text")),
            ("ts".into(), base("timestamptz", "timestamp with time zone")),
            (
                "c".into(),
                PgType::Composite {
                    sql: "pair".into(),
                    fields: vec![
                        ("n".into(), base("int4", "integer")),
                        ("order".into(), base("text", "text")),
                    ],
                },
            ),
        ],
    );
    let good = "INSERT INTO t SELECT ('a' || chr(39)) AS s, CAST('2026-01-01 00:00:00+01:00' AS timestamp) AS ts, struct(1 AS n, 'x' AS `order`) AS c";
    insert_to_pg(good, &catalog).unwrap_or_else(|e| panic!("{e}"));
    for bad in [
        "INSERT INTO t SELECT 'a\\b' AS s, NULL AS ts, NULL AS c",
        "INSERT INTO t SELECT E'a' AS s, NULL AS ts, NULL AS c",
        "INSERT INTO t SELECT 'a' AS s, '2026-01-01' AS ts, NULL AS c",
        "INSERT INTO t SELECT 'a' AS s, NULL AS ts, struct('1' AS n, 'x' AS `order`) AS c",
        "INSERT INTO t SELECT 'a' AS s, NULL AS ts, struct(1.5 AS n, 'x' AS `order`) AS c",
        "INSERT INTO t SELECT 'a' AS s, NULL AS ts, struct(1 AS n) AS c",
        "INSERT INTO t SELECT CAST('a' AS text) AS s, NULL AS ts, NULL AS c",
        "INSERT INTO t SELECT 'a' AS s, CAST('2026-01-01' AS date) AS ts, NULL AS c",
        "INSERT INTO t SELECT 'a' AS s, NULL AS ts",
    ] {
        assert!(insert_to_pg(bad, &catalog).is_err(), "accepted: {bad}");
    }
}
