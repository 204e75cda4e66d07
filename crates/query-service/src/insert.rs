//! `INSERT INTO t SELECT ...` with Spark's store assignment: each selected expression is
//! matched by position to the target column; a string literal into a column (or struct
//! field) that is not a string is refused, `struct(e AS f, ...)` / `named_struct('f', e, ...)`
//! become a typed `ROW(...)::<composite>`, `array(...)` a typed `ARRAY[...]`; the rows of
//! `SELECT inline(array(struct(...), ...))` are typed the same way, each element as one row
//! (see [`crate::inline`]).

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, Query, SelectItem, SetExpr,
    Value, ValueWithSpan,
};

use crate::error::{QsError, sqlstate};

/// The type of a target column or field, as the storage catalog describes it.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A scalar: its SQL type (as `format_type` writes it) and whether it is a string type.
    Scalar {
        /// SQL type name.
        sql: String,
        /// `text`, `varchar`, `char`: a string literal may go in.
        string: bool,
        /// An enum: string literals go in through a cast.
        is_enum: bool,
    },
    /// A composite (struct) type and its fields in order.
    Composite {
        /// SQL type name.
        sql: String,
        /// `(field name, field shape)` in order.
        fields: Vec<(String, Shape)>,
    },
    /// An array.
    Array {
        /// SQL type name of the array (`x[]`).
        sql: String,
        /// The element shape.
        element: Box<Shape>,
    },
}

impl Shape {
    fn sql(&self) -> &str {
        match self {
            Shape::Scalar { sql, .. } | Shape::Composite { sql, .. } | Shape::Array { sql, .. } => {
                sql
            }
        }
    }
}

fn cast_to(expr: Expr, sql: &str) -> Expr {
    // The type name comes from the storage catalog (format_type), already quoted as needed.
    let dt = sqlparser::ast::DataType::Custom(
        sqlparser::ast::ObjectName::from(vec![Ident::new(sql)]),
        vec![],
    );
    Expr::Cast {
        kind: sqlparser::ast::CastKind::Cast,
        expr: Box::new(expr),
        data_type: dt,
        format: None,
    }
}

fn is_string_literal(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(_),
            ..
        })
    )
}

pub(crate) fn is_null(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Value(ValueWithSpan {
            value: Value::Null,
            ..
        })
    )
}

/// The arguments of `name(...)` when `expr` is a call of that function.
fn call_args<'a>(expr: &'a Expr, name: &str) -> Option<Vec<&'a Expr>> {
    let Expr::Function(f) = expr else { return None };
    if !f.name.to_string().eq_ignore_ascii_case(name) {
        return None;
    }
    match &f.args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        FunctionArguments::None => Some(vec![]),
        FunctionArguments::Subquery(_) => None,
    }
}

/// The field values of a struct expression, in order.
fn struct_values(expr: &Expr) -> Option<Vec<Expr>> {
    match expr {
        Expr::Struct { values, .. } => Some(
            values
                .iter()
                .map(|v| match v {
                    Expr::Named { expr, .. } => (**expr).clone(),
                    other => other.clone(),
                })
                .collect(),
        ),
        _ => {
            let args = call_args(expr, "named_struct")?;
            Some(
                args.chunks(2)
                    .filter_map(|c| c.get(1).map(|e| (*e).clone()))
                    .collect(),
            )
        }
    }
}

/// Types `expr` for a target of shape `shape`; `path` names the column or field for errors.
pub fn coerce(expr: Expr, shape: &Shape, path: &str) -> Result<Expr, QsError> {
    if is_null(&expr) {
        return Ok(cast_to(expr, shape.sql()));
    }
    match shape {
        Shape::Scalar {
            string,
            is_enum,
            sql,
            ..
        } => coerce_scalar(expr, *string, *is_enum, sql, path),
        Shape::Composite { sql, fields } => coerce_struct(expr, sql, fields, path),
        Shape::Array { sql, element } => coerce_array(expr, sql, element, path),
    }
}

/// Types `expr` for a scalar column of type `sql`: a string literal only into a string or
/// enum type, an enum through a cast.
fn coerce_scalar(
    expr: Expr,
    string: bool,
    is_enum: bool,
    sql: &str,
    path: &str,
) -> Result<Expr, QsError> {
    if is_string_literal(&expr) && !string && !is_enum {
        return Err(QsError::new(
            sqlstate::DATATYPE_MISMATCH,
            format!(
                "Cannot safely cast '{path}': a string literal into a column of type {sql} \
                 (CANNOT_SAFELY_CAST; INSERT INTO requires matching data types)"
            ),
        )
        .hint(format!("write CAST('...' AS <type>) for '{path}'")));
    }
    if is_enum {
        return Ok(cast_to(expr, sql));
    }
    Ok(expr)
}

/// Types a struct expression for the composite type `sql`, field by field, as a typed
/// `ROW(...)`; any other expression but a string literal is left as it is.
fn coerce_struct(
    expr: Expr,
    sql: &str,
    fields: &[(String, Shape)],
    path: &str,
) -> Result<Expr, QsError> {
    let Some(values) = struct_values(&expr) else {
        if is_string_literal(&expr) {
            return Err(QsError::new(
                sqlstate::DATATYPE_MISMATCH,
                format!("Cannot safely cast '{path}': a string literal into the struct type {sql}"),
            ));
        }
        return Ok(expr);
    };
    if values.len() != fields.len() {
        return Err(QsError::new(
            sqlstate::DATATYPE_MISMATCH,
            format!(
                "'{path}' is a struct of {} fields, the value has {}",
                fields.len(),
                values.len()
            ),
        ));
    }
    let typed = values
        .into_iter()
        .zip(fields)
        .map(|(v, (name, field))| coerce(v, field, &format!("{path}.{name}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(cast_to(Expr::Function(row_call(typed)), sql))
}

/// Types an `array(...)` expression for the array type `sql`, item by item, as a typed
/// `ARRAY[...]`; any other expression but a string literal is left as it is.
fn coerce_array(expr: Expr, sql: &str, element: &Shape, path: &str) -> Result<Expr, QsError> {
    let Some(items) = call_args(&expr, "array") else {
        if is_string_literal(&expr) {
            return Err(QsError::new(
                sqlstate::DATATYPE_MISMATCH,
                format!("Cannot safely cast '{path}': a string literal into the array type {sql}"),
            ));
        }
        return Ok(expr);
    };
    let typed = items
        .into_iter()
        .enumerate()
        .map(|(i, v)| coerce(v.clone(), element, &format!("{path}[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(cast_to(
        Expr::Array(sqlparser::ast::Array {
            elem: typed,
            named: true,
        }),
        sql,
    ))
}

/// `ROW(e1, e2, ...)`.
fn row_call(args: Vec<Expr>) -> sqlparser::ast::Function {
    use sqlparser::ast::{Function, FunctionArgumentList, ObjectName};
    Function {
        name: ObjectName::from(vec![Ident::new("ROW")]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
                .collect(),
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    }
}

/// Types every branch of the insert's SELECT against the target columns.
pub fn type_query(query: &mut Query, targets: &[(String, Shape)]) -> Result<(), QsError> {
    type_set_expr(&mut query.body, targets)
}

fn type_set_expr(body: &mut SetExpr, targets: &[(String, Shape)]) -> Result<(), QsError> {
    match body {
        SetExpr::Select(select) => {
            if let Some(rows) = crate::inline::typed_rows(select, targets)? {
                *body = crate::inline::values(rows);
                return Ok(());
            }
            if select.projection.iter().any(|p| {
                matches!(
                    p,
                    SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
                )
            }) {
                return Ok(());
            }
            if select.projection.len() != targets.len() {
                return Err(QsError::new(
                    sqlstate::DATATYPE_MISMATCH,
                    format!(
                        "the SELECT has {} columns, the target has {}",
                        select.projection.len(),
                        targets.len()
                    ),
                ));
            }
            for (item, (name, shape)) in select.projection.iter_mut().zip(targets) {
                match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                        let taken = std::mem::replace(e, Expr::value(Value::Null));
                        *e = coerce(taken, shape, name)?;
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        SetExpr::Query(q) => type_query(q, targets),
        SetExpr::SetOperation { left, right, .. } => {
            type_set_expr(left, targets)?;
            type_set_expr(right, targets)
        }
        SetExpr::Values(_) => Err(QsError::unsupported("INSERT ... VALUES")
            .hint("write INSERT INTO t SELECT 'a' AS col1, 1 AS col2")),
        _ => Ok(()),
    }
}
