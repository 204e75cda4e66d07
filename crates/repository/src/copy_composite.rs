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

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;

use sea_orm::Value;
use sqlx::PgConnection;

use crate::nested::ColumnKind;
use crate::pg_text::push_quoted;

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
    /// Buffers for nested literals (quoted into their parent once written), reused.
    spares: RefCell<Vec<String>>,
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

    /// Appends the text of a composite column's value to `out`; `false` (nothing appended)
    /// for NULL.
    pub(crate) fn push_column(
        &self,
        kind: &ColumnKind,
        value: &Value,
        out: &mut String,
    ) -> Result<bool, Unsupported> {
        let Value::Json(json) = value else {
            return Err(Unsupported);
        };
        let Some(json) = json.as_deref() else {
            return Ok(false);
        };
        let oid = |ty: &String| self.oids.get(ty).copied().ok_or(Unsupported);
        match kind {
            ColumnKind::Plain => return Err(Unsupported),
            ColumnKind::Composite(ty) => self.record(oid(ty)?, json, out)?,
            ColumnKind::CompositeArray(ty) => {
                let ty = oid(ty)?;
                let serde_json::Value::Array(items) = json else {
                    return Err(Unsupported);
                };
                self.array(&Field::Composite(ty), items, out)?;
            }
        }
        Ok(true)
    }

    /// The text of a composite column's value (`None`: NULL).
    #[cfg(test)]
    fn column_text(&self, kind: &ColumnKind, value: &Value) -> Result<Option<String>, Unsupported> {
        let mut out = String::new();
        Ok(self.push_column(kind, value, &mut out)?.then_some(out))
    }

    /// An empty buffer for a nested literal.
    fn spare(&self) -> String {
        let mut s = self.spares.borrow_mut().pop().unwrap_or_default();
        s.clear();
        s
    }

    /// Keeps a buffer for the next nested literal.
    fn give_back(&self, s: String) {
        self.spares.borrow_mut().push(s);
    }

    /// Appends `(f1,f2,...)`: each non-NULL field quoted.
    fn record(
        &self,
        ty: i64,
        json: &serde_json::Value,
        out: &mut String,
    ) -> Result<(), Unsupported> {
        let (serde_json::Value::Object(map), Some(fields)) = (json, self.fields.get(&ty)) else {
            return Err(Unsupported);
        };
        out.push('(');
        // Structs serialize their fields in declaration order, which is the catalog's: the
        // entry in the same place is tried before a lookup by name (which hashes the name).
        let mut entries = map.iter();
        for (i, (name, field)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let value = match entries.next() {
                Some((key, v)) if key == name => Some(v),
                _ => map.get(name),
            };
            match value {
                None | Some(serde_json::Value::Null) => {}
                Some(v) => self.push_item(field, v, out)?,
            }
        }
        out.push(')');
        Ok(())
    }

    /// Appends `{e1,e2,...}`: each element quoted, `NULL` for a JSON `null` scalar.
    fn array(
        &self,
        elem: &Field,
        items: &[serde_json::Value],
        out: &mut String,
    ) -> Result<(), Unsupported> {
        out.push('{');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match (item, elem) {
                (serde_json::Value::Null, Field::Scalar { .. }) => out.push_str("NULL"),
                (item, elem) => self.push_item(elem, item, out)?,
            }
        }
        out.push('}');
        Ok(())
    }

    /// Appends one field or element of a record or array literal, double-quoted.
    fn push_item(
        &self,
        field: &Field,
        v: &serde_json::Value,
        out: &mut String,
    ) -> Result<(), Unsupported> {
        use serde_json::Value as J;
        match (field, v) {
            (Field::Scalar { json: true }, v) => push_quoted(&v.to_string(), out),
            (Field::Scalar { json: false }, J::String(s)) => push_quoted(s, out),
            // Digits, signs, `.`, `e`: nothing to escape.
            (Field::Scalar { json: false }, J::Number(n)) => {
                out.push('"');
                let _ = write!(out, "{n}");
                out.push('"');
            }
            (Field::Scalar { json: false }, J::Bool(b)) => {
                out.push_str(if *b { "\"true\"" } else { "\"false\"" });
            }
            (Field::Composite(ty), v) => {
                let mut inner = self.spare();
                let done = self.record(*ty, v, &mut inner);
                push_quoted(&inner, out);
                self.give_back(inner);
                done?;
            }
            (Field::Array(elem), J::Array(items)) if !matches!(**elem, Field::Array(_)) => {
                let mut inner = self.spare();
                let done = self.array(elem, items, &mut inner);
                push_quoted(&inner, out);
                self.give_back(inner);
                done?;
            }
            _ => return Err(Unsupported),
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "copy_composite_tests.rs"]
mod tests;
