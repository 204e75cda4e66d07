//! `INSERT INTO t SELECT inline(array(struct(...), struct(...), ...))`: literal rows as one
//! generator call (Adobe's SQL syntax page, section "Inline": `inline` "separates the elements
//! of an array of structs and generates the values into a table"; it is listed among the
//! array functions of the Spark SQL functions page). Each struct element is one row, its
//! fields matched by position to the target's columns and typed as a `SELECT`'s columns are
//! ([`crate::insert::coerce`]: a string literal into a column that is not a string is
//! refused); the rows run on the storage as a PostgreSQL `VALUES` list, which PostgreSQL
//! parses and plans in time linear in the row count.
//!
//! Refused as Spark refuses them: an array element that is not a struct, elements whose
//! fields differ in names or count (an array has one element type), an empty array (no
//! struct type), another generator in the same select list. Not run here (0A000, a local
//! limitation): `inline` of anything but a literal `array(...)`, next to other columns, or
//! with `FROM`, `WHERE`, `GROUP BY`, ...; NULL elements.

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, Parens, Select, SelectItem,
    SetExpr, Value, ValueWithSpan, Values,
};

use crate::error::{QsError, sqlstate};
use crate::insert::{Shape, coerce, is_null};

/// The generator functions of Spark SQL that may stand in a select list.
const GENERATORS: &[&str] = &[
    "inline",
    "inline_outer",
    "explode",
    "explode_outer",
    "posexplode",
    "posexplode_outer",
    "stack",
    "json_tuple",
];

fn generator_name(expr: &Expr) -> Option<String> {
    let Expr::Function(f) = expr else { return None };
    let name = f.name.to_string().to_ascii_lowercase();
    GENERATORS.contains(&name.as_str()).then_some(name)
}

fn item_expr(item: &SelectItem) -> Option<&Expr> {
    match item {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
        _ => None,
    }
}

fn local(what: &str) -> QsError {
    QsError::unsupported(format!("{what} (the local Query Service)")).hint(
        "literal rows run here as INSERT INTO t SELECT inline(array(struct(...), struct(...)))",
    )
}

fn mismatch(message: String) -> QsError {
    QsError::new(sqlstate::DATATYPE_MISMATCH, message)
}

/// The fields of a struct element as `(name, value)`: `struct(e AS f, ...)` names them,
/// `struct(e, ...)` names them `col1`, `col2`, ... (Spark's default), `named_struct('f', e,
/// ...)` by its name arguments. `None` when `expr` is no struct.
fn struct_fields(expr: Expr) -> Option<Vec<(String, Expr)>> {
    match expr {
        Expr::Struct { values, .. } => Some(
            values
                .into_iter()
                .enumerate()
                .map(|(k, v)| match v {
                    Expr::Named { expr, name } => (name.value, *expr),
                    Expr::Identifier(ref i) => (i.value.clone(), v),
                    other => (format!("col{}", k + 1), other),
                })
                .collect(),
        ),
        other => {
            let args = take_args(other, "named_struct")?;
            if args.len() % 2 != 0 {
                return None;
            }
            args.chunks(2)
                .map(|pair| match pair {
                    [
                        Expr::Value(ValueWithSpan {
                            value: Value::SingleQuotedString(name),
                            ..
                        }),
                        value,
                    ] => Some((name.clone(), value.clone())),
                    _ => None,
                })
                .collect()
        }
    }
}

/// The arguments of `name(...)`, taken out of `expr`, when it is a call of that function.
fn take_args(expr: Expr, name: &str) -> Option<Vec<Expr>> {
    let Expr::Function(f) = expr else { return None };
    if !f.name.to_string().eq_ignore_ascii_case(name) {
        return None;
    }
    match f.args {
        FunctionArguments::List(list) => list
            .args
            .into_iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        FunctionArguments::None => Some(vec![]),
        FunctionArguments::Subquery(_) => None,
    }
}

/// When `select` is `SELECT inline(array(...))`, its rows typed for `targets` (one list of
/// expressions per struct element, taken out of `select`); `None` when the select list holds
/// no generator.
pub fn typed_rows(
    select: &mut Select,
    targets: &[(String, Shape)],
) -> Result<Option<Vec<Vec<Expr>>>, QsError> {
    let Some(call) = inline_call(select)? else {
        return Ok(None);
    };
    let elements = array_elements(call)?;
    let mut first_names: Option<Vec<String>> = None;
    let mut rows = Vec::with_capacity(elements.len());
    for (index, element) in elements.into_iter().enumerate() {
        rows.push(typed_row(index, element, targets, &mut first_names)?);
    }
    Ok(Some(rows))
}

/// The lone `inline(...)` call of a plain select list, taken out of `select`; `None` when the
/// select list holds no generator.
fn inline_call(select: &mut Select) -> Result<Option<Expr>, QsError> {
    let generators: Vec<String> = select
        .projection
        .iter()
        .filter_map(item_expr)
        .filter_map(generator_name)
        .collect();
    let Some(name) = generators.first() else {
        return Ok(None);
    };
    if generators.len() > 1 {
        return Err(QsError::unsupported(
            "more than one generator function in a select list (Spark allows one)",
        ));
    }
    if name != "inline" {
        return Err(local(&format!("{name}(...) in INSERT INTO ... SELECT")));
    }
    if select.projection.len() != 1 {
        return Err(local("inline(...) next to other columns"));
    }
    let plain = select.from.is_empty()
        && select.selection.is_none()
        && select.having.is_none()
        && select.distinct.is_none()
        && select.lateral_views.is_empty()
        && matches!(&select.group_by, GroupByExpr::Expressions(e, m) if e.is_empty() && m.is_empty());
    if !plain {
        return Err(local("inline(...) with FROM, WHERE, GROUP BY or DISTINCT"));
    }
    Ok(match select.projection.pop() {
        Some(SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }) => Some(e),
        _ => None,
    })
}

/// The elements of the literal `array(...)` that is the one argument of an `inline(...)` call.
fn array_elements(call: Expr) -> Result<Vec<Expr>, QsError> {
    let args = take_args(call, "inline").unwrap_or_default();
    let Ok([array]) = <[Expr; 1]>::try_from(args) else {
        return Err(mismatch(
            "inline takes one argument, an array of structs".into(),
        ));
    };
    let Some(elements) = take_args(array, "array") else {
        return Err(local("inline of anything but a literal array(...)"));
    };
    if elements.is_empty() {
        return Err(mismatch(
            "inline(array()): an empty array has no struct element type".into(),
        ));
    }
    Ok(elements)
}

/// One struct element typed as a row for `targets`, its field names checked against those of
/// element 0 (`first_names`, set by the first element).
fn typed_row(
    index: usize,
    element: Expr,
    targets: &[(String, Shape)],
    first_names: &mut Option<Vec<String>>,
) -> Result<Vec<Expr>, QsError> {
    if is_null(&element) {
        return Err(local("a NULL element in inline(array(...))"));
    }
    let Some(fields) = struct_fields(element) else {
        return Err(mismatch(format!(
            "inline needs an array of structs: element {index} is not a struct"
        )));
    };
    let names: Vec<String> = fields.iter().map(|(n, _)| n.to_lowercase()).collect();
    match &*first_names {
        None => {
            if fields.len() != targets.len() {
                return Err(mismatch(format!(
                    "inline produces {} columns, the target has {}",
                    fields.len(),
                    targets.len()
                )));
            }
            *first_names = Some(names);
        }
        Some(first) if *first != names => {
            return Err(mismatch(format!(
                "the elements of array(...) differ in type: element {index} has the fields \
                 ({}), element 0 has ({}) (an array has one element type)",
                names.join(", "),
                first.join(", ")
            )));
        }
        Some(_) => {}
    }
    fields
        .into_iter()
        .zip(targets)
        .map(|((_, value), (column, shape))| coerce(value, shape, column))
        .collect::<Result<Vec<_>, _>>()
}

/// The typed rows as a `VALUES` list, the body that replaces the `SELECT inline(...)`.
pub fn values(rows: Vec<Vec<Expr>>) -> SetExpr {
    SetExpr::Values(Values {
        explicit_row: false,
        value_keyword: false,
        rows: rows.into_iter().map(Parens::with_empty_span).collect(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::dialect;
    use crate::insert::type_query;
    use sqlparser::ast::Statement;

    fn scalar(sql: &str, string: bool) -> Shape {
        Shape::Scalar {
            sql: sql.into(),
            string,
            is_enum: false,
        }
    }

    fn targets() -> Vec<(String, Shape)> {
        vec![
            ("id".into(), scalar("text", true)),
            ("n".into(), scalar("bigint", false)),
            (
                "web".into(),
                Shape::Composite {
                    sql: "t_web".into(),
                    fields: vec![("name".into(), scalar("text", true))],
                },
            ),
        ]
    }

    fn typed(sql: &str) -> Result<String, QsError> {
        let mut stmt = dialect::parse(sql)?;
        if let Statement::Insert(ins) = &mut stmt
            && let Some(source) = &mut ins.source
        {
            type_query(source, &targets())?;
        }
        dialect::to_postgres(&mut stmt)?;
        Ok(stmt.to_string())
    }

    #[test]
    fn rows_become_a_typed_values_list() {
        assert_eq!(
            typed(
                "INSERT INTO t SELECT inline(array(struct('a', 1, struct('x' AS name)), \
                 struct('b' || chr(39), NULL, NULL)))"
            )
            .unwrap(),
            "INSERT INTO t VALUES ('a', 1, CAST(ROW('x') AS t_web)), \
             ('b' || chr(39), CAST(NULL AS bigint), CAST(NULL AS t_web))"
        );
        assert!(
            typed("INSERT INTO t SELECT inline(array(named_struct('a', 'x', 'b', 2, 'c', NULL)))")
                .is_ok()
        );
    }

    #[test]
    fn spark_refusals_hold_for_every_row() {
        let code = |sql: &str| typed(sql).unwrap_err().code;
        // A string into a bigint, in the second row.
        assert_eq!(
            code(
                "INSERT INTO t SELECT inline(array(struct('a', 1, NULL), struct('b', '2', NULL)))"
            ),
            sqlstate::DATATYPE_MISMATCH
        );
        // Elements of different struct types, a missing column, no struct, no element.
        for sql in [
            "INSERT INTO t SELECT inline(array(struct('a' AS x, 1, NULL), struct('b' AS y, 2, NULL)))",
            "INSERT INTO t SELECT inline(array(struct('a', 1)))",
            "INSERT INTO t SELECT inline(array(1, 2))",
            "INSERT INTO t SELECT inline(array())",
        ] {
            assert_eq!(code(sql), sqlstate::DATATYPE_MISMATCH, "{sql}");
        }
        for sql in [
            "INSERT INTO t SELECT inline(array(struct('a', 1, NULL))), 'x'",
            "INSERT INTO t SELECT inline(array(struct('a', 1, NULL))) FROM t",
            "INSERT INTO t SELECT inline(array(struct('a', 1, NULL), NULL))",
            "INSERT INTO t SELECT explode(array(1))",
        ] {
            assert_eq!(code(sql), sqlstate::FEATURE_NOT_SUPPORTED, "{sql}");
        }
    }
}

/// What the local Query Service spends on one `inline(array(...))` statement of a given size
/// (split, Spark-style parse, typing, PostgreSQL text), for `MAX_STATEMENT_BYTES`: ignored
/// (a measurement, printed, not asserted). `QSORM_PARSE_MIB` sets the size (default 4); run
/// one size per process, the peak resident size is the process's.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod cost {
    use super::*;
    use crate::dialect;
    use crate::insert::type_query;
    use sqlparser::ast::Statement;

    fn scalar(sql: &str, string: bool) -> Shape {
        Shape::Scalar {
            sql: sql.into(),
            string,
            is_enum: false,
        }
    }

    fn composite(sql: &str, fields: Vec<(&str, Shape)>) -> Shape {
        Shape::Composite {
            sql: sql.into(),
            fields: fields.into_iter().map(|(n, s)| (n.into(), s)).collect(),
        }
    }

    /// The sample's `web_events` columns.
    fn web_events() -> Vec<(String, Shape)> {
        let text = || scalar("text", true);
        let dec = || scalar("numeric(12,2)", false);
        let item = composite(
            "web_events_product_list_items",
            vec![
                ("sku", text()),
                ("quantity", scalar("integer", false)),
                ("price_total", dec()),
            ],
        );
        vec![
            ("_id".into(), text()),
            (
                "timestamp".into(),
                scalar("timestamp with time zone", false),
            ),
            ("event_type".into(), text()),
            (
                "web".into(),
                composite(
                    "web_events_web",
                    vec![
                        (
                            "page_details",
                            composite(
                                "web_events_web_page_details",
                                vec![
                                    ("name", text()),
                                    ("url", text()),
                                    ("is_home_page", scalar("boolean", false)),
                                ],
                            ),
                        ),
                        (
                            "referrer",
                            composite("web_events_web_referrer", vec![("url", text())]),
                        ),
                    ],
                ),
            ),
            (
                "commerce".into(),
                composite(
                    "web_events_commerce",
                    vec![
                        (
                            "order",
                            composite(
                                "web_events_commerce_order",
                                vec![("currency_code", text()), ("price_total", dec())],
                            ),
                        ),
                        ("purchases", scalar("integer", false)),
                        ("product_views", scalar("integer", false)),
                    ],
                ),
            ),
            (
                "product_list_items".into(),
                Shape::Array {
                    sql: "web_events_product_list_items[]".into(),
                    element: Box::new(item),
                },
            ),
            ("identity_map".into(), scalar("jsonb", false)),
            (
                "_acme".into(),
                composite(
                    "web_events__acme",
                    vec![("loyalty_id", text()), ("campaign", text())],
                ),
            ),
        ]
    }

    /// A `web_events` row as `Repo::insert_many` writes it (hostile strings), about 700 bytes.
    fn row(i: usize) -> String {
        format!(
            "struct('qs-{i:07}', CAST('2026-11-25 10:00:00.123456+01:00' AS timestamp), \
             ('it' || chr(39) || 's#{i}'), struct(struct(('back' || chr(92) || 'slash#{i}') AS name, \
             ('https://example.invalid/' || chr(92) || chr(39) || '#{i}') AS url, true AS is_home_page) \
             AS page_details, NULL AS referrer), struct(struct('EUR' AS currency_code, {i}.00 AS \
             price_total) AS `order`, 1 AS purchases, NULL AS product_views), \
             array(struct(('new' || chr(10) || 'line' || chr(13) || chr(9) || 'tab#{i}') AS sku, \
             2 AS quantity, 19.99 AS price_total), struct(NULL AS sku, NULL AS quantity, NULL AS \
             price_total)), CAST(('{{\"ECID\":[{{\"id\":\"' || chr(39) || '; DROP TABLE web_events; \
             --#{i}\"}}]}}') AS jsonb), struct('ünïcødé ✓ 😀#{i}' AS loyalty_id, NULL AS campaign))"
        )
    }

    fn peak_rss_kib() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
    }

    #[test]
    #[ignore = "a measurement: prints the cost of one statement of QSORM_PARSE_MIB MiB"]
    fn parse_cost_of_one_statement() {
        let mib: usize = std::env::var("QSORM_PARSE_MIB")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(4);
        let mut sql = String::from("INSERT INTO web_events SELECT inline(array(");
        let mut rows = 0;
        while sql.len() < mib << 20 {
            if rows > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&row(rows));
            rows += 1;
        }
        sql.push_str("))");
        let base = peak_rss_kib();
        let started = std::time::Instant::now();
        let parts = crate::split::split(&sql).unwrap();
        let split = started.elapsed();
        let mut stmt = dialect::parse(&parts[0]).unwrap();
        let parsed = started.elapsed();
        if let Statement::Insert(ins) = &mut stmt
            && let Some(source) = &mut ins.source
        {
            type_query(source, &web_events()).unwrap();
        }
        dialect::to_postgres(&mut stmt).unwrap();
        let text = stmt.to_string();
        let done = started.elapsed();
        eprintln!(
            "{} bytes, {rows} rows ({} bytes a row): split {split:.2?}, parse {:.2?}, \
             typed + PostgreSQL text ({} bytes) {:.2?}; total {done:.2?}; peak RSS {} MiB \
             (+{} MiB over the {} MiB before)",
            sql.len(),
            sql.len() / rows,
            parsed - split,
            text.len(),
            done - parsed,
            peak_rss_kib() / 1024,
            (peak_rss_kib() - base) / 1024,
            base / 1024,
        );
    }
}
