//! Target column types for `INSERT INTO ... SELECT`, read from the storage catalog: scalar,
//! composite (with its fields, recursively) or array.

use std::future::Future;
use std::pin::Pin;

use crate::backend::Backend;
use crate::error::{QsError, sqlstate};
use crate::insert::Shape;

/// Nesting deeper than this is refused (a cycle cannot happen in PostgreSQL, this bounds work).
const MAX_DEPTH: usize = 16;

fn literal(s: &str) -> Result<String, QsError> {
    qsorm_sandbox::quote_literal(s).map_err(|e| QsError::new(sqlstate::SYNTAX_ERROR, e.to_string()))
}

/// One row of the attribute query: name, type text, typtype, typcategory, typrelid, typelem.
type AttrRow = (String, String, String, String, String, String);

fn attr_rows(rows: Vec<Vec<Option<String>>>) -> Vec<AttrRow> {
    rows.into_iter()
        .map(|r| {
            let mut it = r.into_iter().map(Option::unwrap_or_default);
            let mut next = || it.next().unwrap_or_default();
            (next(), next(), next(), next(), next(), next())
        })
        .collect()
}

const ATTRS: &str = "SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typtype::text, \
     t.typcategory::text, t.typrelid::text, t.typelem::text \
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
     WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attrelid = ";

/// The columns of `table` (a name as written, resolved on the search path) in order; `None`
/// when there is no such table.
pub async fn table_columns(
    backend: &mut Backend,
    table: &str,
) -> Result<Option<Vec<(String, Shape)>>, QsError> {
    let sql = format!(
        "{ATTRS}to_regclass({})::oid ORDER BY a.attnum",
        literal(table)?
    );
    let rows = attr_rows(backend.rows(&sql).await?);
    if rows.is_empty() {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let name = row.0.clone();
        out.push((name, shape(backend, row, 0).await?));
    }
    Ok(Some(out))
}

fn shape<'a>(
    backend: &'a mut Backend,
    (_, sql, typtype, category, relid, elem): AttrRow,
    depth: usize,
) -> Pin<Box<dyn Future<Output = Result<Shape, QsError>> + Send + 'a>> {
    Box::pin(async move {
        if depth > MAX_DEPTH {
            return Err(QsError::unsupported("nesting deeper than 16 levels"));
        }
        if typtype == "c" {
            let rows = attr_rows(
                backend
                    .rows(&format!("{ATTRS}{} ORDER BY a.attnum", literal(&relid)?))
                    .await?,
            );
            let mut fields = Vec::with_capacity(rows.len());
            for row in rows {
                let name = row.0.clone();
                fields.push((name, shape(backend, row, depth + 1).await?));
            }
            return Ok(Shape::Composite { sql, fields });
        }
        if category == "A" && elem != "0" {
            let rows = backend
                .rows(&format!(
                    "SELECT '', format_type(oid, NULL), typtype::text, typcategory::text, typrelid::text, typelem::text \
                     FROM pg_type WHERE oid = {}",
                    literal(&elem)?
                ))
                .await?;
            let Some(row) = attr_rows(rows).into_iter().next() else {
                return Err(QsError::new(
                    sqlstate::INTERNAL_ERROR,
                    "array element type not found",
                ));
            };
            let element = shape(backend, row, depth + 1).await?;
            return Ok(Shape::Array {
                sql,
                element: Box::new(element),
            });
        }
        Ok(Shape::Scalar {
            string: category == "S",
            is_enum: typtype == "e",
            sql,
        })
    })
}
