//! Composite values (JSON-mapped structs) as PostgreSQL record literals, so that COPY can
//! write composite columns: the value `json_populate_record(NULL::<type>, json)` builds on
//! the `UNNEST` path, written as the text `record_in` reads, from the catalog's field lists.
//!
//! The rendering follows `json_populate_record`: fields by name, a missing key or JSON `null`
//! is NULL, a nested object fills a nested composite, a JSON array an array field, a string
//! gives its characters to the field type's input function, a number its JSON text, a
//! boolean `true`/`false`, and a `json`/`jsonb` field takes the JSON text. Shapes outside that
//! (a string for a composite, nested arrays, `null` composite elements) are [`Unsupported`]:
//! the batch then takes the `UNNEST` path, which lets the server decide.

use std::collections::HashMap;

use sea_orm::Value;
use sqlx::PgConnection;

use crate::nested::ColumnKind;
use crate::pg_text::{push_array, push_quoted};

/// A value the fast path does not render; the batch goes the `UNNEST` way.
#[derive(Debug)]
pub(crate) struct Unsupported;

const JSON: i64 = 114;
const JSONB: i64 = 3802;

/// How a field of a composite type is written.
#[derive(Debug, Clone)]
enum Field {
    /// Through its type's input function (`json`: the JSON text as it is).
    Scalar { json: bool },
    /// A nested composite, by type oid.
    Composite(i64),
    /// A one-dimensional array of the element kind.
    Array(Box<Field>),
}

/// The composite types a batch writes: each one's fields in order.
#[derive(Debug, Default)]
pub(crate) struct Composites {
    fields: HashMap<i64, Vec<(String, Field)>>,
    oids: HashMap<String, i64>,
}

const CATALOG: &str = "SELECT c.reltype::int8, a.attname::text, a.atttypid::int8, \
    ft.typtype = 'c', ft.typcategory = 'A', et.oid::int8, coalesce(et.typtype = 'c', false) \
    FROM pg_class c \
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
    JOIN pg_type ft ON ft.oid = a.atttypid \
    LEFT JOIN pg_type et ON et.oid = ft.typelem AND ft.typcategory = 'A' \
    WHERE c.relkind = 'c' ORDER BY c.reltype, a.attnum";

type CatalogRow = (i64, String, i64, bool, bool, Option<i64>, bool);

impl Composites {
    /// Reads the fields of every composite type, and resolves `names` (column types as the
    /// entity spells them) to type oids, on `conn`.
    pub(crate) async fn load(
        conn: &mut PgConnection,
        names: &[String],
    ) -> Result<Composites, sqlx::Error> {
        let mut out = Composites::default();
        let resolved: Vec<(String, Option<i64>)> =
            sqlx::query_as("SELECT n, to_regtype(n)::oid::int8 FROM unnest($1::text[]) AS n")
                .bind(names)
                .fetch_all(&mut *conn)
                .await?;
        out.oids = resolved
            .into_iter()
            .filter_map(|(n, oid)| Some((n, oid?)))
            .collect();
        let rows: Vec<CatalogRow> = sqlx::query_as(CATALOG).fetch_all(&mut *conn).await?;
        for (ty, name, field_ty, composite, array, elem, elem_composite) in rows {
            let scalar = |oid: i64| Field::Scalar {
                json: oid == JSON || oid == JSONB,
            };
            let field = match (composite, array, elem) {
                (true, _, _) => Field::Composite(field_ty),
                (false, true, Some(e)) if elem_composite => {
                    Field::Array(Box::new(Field::Composite(e)))
                }
                (false, true, Some(e)) => Field::Array(Box::new(scalar(e))),
                _ => scalar(field_ty),
            };
            out.fields.entry(ty).or_default().push((name, field));
        }
        Ok(out)
    }

    /// The text of a composite column's value (`None`: NULL).
    pub(crate) fn column_text(
        &self,
        kind: &ColumnKind,
        value: &Value,
    ) -> Result<Option<String>, Unsupported> {
        let Value::Json(json) = value else {
            return Err(Unsupported);
        };
        let Some(json) = json.as_deref() else {
            return Ok(None);
        };
        let oid = |ty: &String| self.oids.get(ty).copied().ok_or(Unsupported);
        match kind {
            ColumnKind::Plain => Err(Unsupported),
            ColumnKind::Composite(ty) => self.record(oid(ty)?, json).map(Some),
            ColumnKind::CompositeArray(ty) => {
                let ty = oid(ty)?;
                let serde_json::Value::Array(items) = json else {
                    return Err(Unsupported);
                };
                let texts = items
                    .iter()
                    .map(|item| self.record(ty, item).map(Some))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut out = String::new();
                push_array(texts.into_iter(), &mut out);
                Ok(Some(out))
            }
        }
    }

    fn record(&self, ty: i64, json: &serde_json::Value) -> Result<String, Unsupported> {
        let (serde_json::Value::Object(map), Some(fields)) = (json, self.fields.get(&ty)) else {
            return Err(Unsupported);
        };
        let mut out = String::from("(");
        for (i, (name, field)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match map.get(name) {
                None | Some(serde_json::Value::Null) => {}
                Some(v) => push_quoted(&self.field_text(field, v)?, &mut out),
            }
        }
        out.push(')');
        Ok(out)
    }

    fn field_text(&self, field: &Field, v: &serde_json::Value) -> Result<String, Unsupported> {
        use serde_json::Value as J;
        match (field, v) {
            (Field::Scalar { json: true }, v) => Ok(v.to_string()),
            (Field::Scalar { json: false }, J::String(s)) => Ok(s.clone()),
            (Field::Scalar { json: false }, J::Number(n)) => Ok(n.to_string()),
            (Field::Scalar { json: false }, J::Bool(b)) => Ok(b.to_string()),
            (Field::Composite(ty), v) => self.record(*ty, v),
            (Field::Array(elem), J::Array(items)) if !matches!(**elem, Field::Array(_)) => {
                let texts = items
                    .iter()
                    .map(|item| match (item, &**elem) {
                        (J::Null, Field::Scalar { .. }) => Ok(None),
                        (item, elem) => self.field_text(elem, item).map(Some),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let mut out = String::new();
                push_array(texts.into_iter(), &mut out);
                Ok(out)
            }
            _ => Err(Unsupported),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_follow_json_populate_record() {
        let mut c = Composites::default();
        c.oids.insert("outer".into(), 1);
        c.fields.insert(
            1,
            vec![
                ("inner".into(), Field::Composite(2)),
                ("n".into(), Field::Scalar { json: false }),
                ("doc".into(), Field::Scalar { json: true }),
                (
                    "tags".into(),
                    Field::Array(Box::new(Field::Scalar { json: false })),
                ),
            ],
        );
        c.fields
            .insert(2, vec![("s".into(), Field::Scalar { json: false })]);
        let v = serde_json::json!({"inner": {"s": "a\"b\\c,()"}, "n": 1.5, "doc": "x",
            "tags": ["p", null, ""]});
        let text = c
            .column_text(
                &ColumnKind::Composite("outer".into()),
                &Value::Json(Some(Box::new(v))),
            )
            .expect("renders");
        assert_eq!(
            text.as_deref(),
            Some(r#"("(\"a\\\"b\\\\c,()\")","1.5","\"x\"","{\"p\",NULL,\"\"}")"#)
        );
        let missing = serde_json::json!({"n": null});
        let text = c
            .column_text(
                &ColumnKind::CompositeArray("outer".into()),
                &Value::Json(Some(Box::new(serde_json::json!([missing])))),
            )
            .expect("renders");
        assert_eq!(text.as_deref(), Some(r#"{"(,,,)"}"#));
        assert!(
            c.column_text(
                &ColumnKind::Composite("outer".into()),
                &Value::Json(Some(Box::new(serde_json::json!({"inner": "(x)"}))))
            )
            .is_err()
        );
    }
}
