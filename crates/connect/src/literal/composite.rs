//! JSON values: composites (`struct(...)`, `ROW(...)`, `json_populate_record`), arrays, and
//! JSON scalars for a typed column or field.

use serde_json::Value as Json;

use super::number::{is_plain_decimal, is_plain_integer};
use super::{LiteralError, Location, Renderer, SqlType, f32_text, f64_text, qs_ident};

/// Between the items of a Query Service `struct(...)` / `array(...)`: a bare comma. Rows of
/// an insert are mostly these lists, and every byte of a statement counts against its cap
/// (a space after each comma was 3% of a nested row); the lexers skip whitespace alike.
pub(super) const QS_SEPARATOR: &str = ",";

impl Renderer<'_> {
    /// `array(e1, ...)` on Query Service, `CAST(ARRAY[e1, ...] AS <ty>)` on PostgreSQL.
    pub(super) fn array(&self, items: Vec<String>, ty: &SqlType) -> String {
        if self.is_qs() {
            return format!("array({})", items.join(QS_SEPARATOR));
        }
        self.cast_raw(&format!("ARRAY[{}]", items.join(", ")), ty)
    }

    pub(super) fn json_expr(
        &self,
        value: &Json,
        ty: &SqlType,
        at: &Location,
    ) -> Result<String, LiteralError> {
        match (ty, value) {
            (t, Json::Null) => Ok(self.null(t)),
            (SqlType::Json | SqlType::Jsonb, v) => {
                json_nul_free(v, at)?;
                self.cast(&v.to_string(), ty, at)
            }
            (SqlType::Composite(name), Json::Object(fields)) => {
                self.composite_expr(name, fields, value, ty, at)
            }
            (SqlType::Array(element), Json::Array(items)) => {
                let items = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.json_expr(v, element, &at.index(i)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(self.array(items, ty))
            }
            (SqlType::Unknown | SqlType::Named(_), Json::Object(_) | Json::Array(_))
                if self.is_qs() =>
            {
                self.json_shape(value, at)
            }
            // An unregistered composite (a field's type the table does not list).
            (SqlType::Named(_), Json::Object(_)) => self.populate_record(value, ty, at),
            (SqlType::Unknown, Json::Object(_) | Json::Array(_)) => {
                json_nul_free(value, at)?;
                self.cast(&value.to_string(), &SqlType::Jsonb, at)
            }
            (_, Json::String(s)) => self.typed_string(s, ty, at),
            (_, Json::Bool(b)) => self.bool_expr(*b, ty, at),
            (_, Json::Number(n)) => self.json_number(n, ty, at),
            // An object or array for a scalar type: its JSON text, cast.
            (t, v) => {
                json_nul_free(v, at)?;
                self.typed_string(&v.to_string(), t, at)
            }
        }
    }

    /// A JSON object for the composite type `name` (`ty`): its declared fields in order as
    /// `struct(...)` / `ROW(...)`, or from its JSON form when the fields are not registered.
    fn composite_expr(
        &self,
        name: &str,
        fields: &serde_json::Map<String, Json>,
        value: &Json,
        ty: &SqlType,
        at: &Location,
    ) -> Result<String, LiteralError> {
        match self.types.fields(name) {
            Some(declared) => {
                let items = declared
                    .iter()
                    .map(|(field, sql_type)| {
                        let value = fields.get(*field).unwrap_or(&Json::Null);
                        let ty = SqlType::parse(sql_type, self.types);
                        let expr = self.json_expr(value, &ty, &at.field(field))?;
                        Ok(if self.is_qs() {
                            format!("{expr} AS {}", qs_ident(field))
                        } else {
                            expr
                        })
                    })
                    .collect::<Result<Vec<_>, LiteralError>>()?;
                Ok(if self.is_qs() {
                    format!("struct({})", items.join(QS_SEPARATOR))
                } else {
                    self.cast_raw(&format!("ROW({})", items.join(", ")), ty)
                })
            }
            None if self.is_qs() => Err(LiteralError::UnknownComposite {
                at: at.clone(),
                name: name.to_owned(),
            }),
            None => self.populate_record(value, ty, at),
        }
    }

    /// A JSON number for a column of type `ty`: floats through their shortest text, plain
    /// numbers bare (cast on PostgreSQL), anything else cast.
    fn json_number(
        &self,
        n: &serde_json::Number,
        ty: &SqlType,
        at: &Location,
    ) -> Result<String, LiteralError> {
        let raw = n.to_string();
        match ty {
            t if t.is_float() => match n.as_f64() {
                Some(f) if *ty == SqlType::Float => {
                    #[allow(clippy::cast_possible_truncation)]
                    let f = f as f32;
                    self.cast(&f32_text(f), ty, at)
                }
                Some(f) => self.cast(&f64_text(f), ty, at),
                None => self.cast(&raw, ty, at),
            },
            SqlType::String => self.text(&raw, at),
            t if t.is_number() && (is_plain_decimal(&raw) || is_plain_integer(&raw)) => {
                Ok(if self.is_qs() {
                    raw
                } else {
                    self.cast_raw(&raw, t)
                })
            }
            SqlType::Unknown | SqlType::Named(_) if self.is_qs() => Ok(raw),
            SqlType::Unknown if is_plain_decimal(&raw) || is_plain_integer(&raw) => Ok(raw),
            t => self.cast(&raw, t, at),
        }
    }

    /// PostgreSQL: a composite of unknown fields from its JSON form.
    fn populate_record(
        &self,
        value: &Json,
        ty: &SqlType,
        at: &Location,
    ) -> Result<String, LiteralError> {
        json_nul_free(value, at)?;
        Ok(format!(
            "json_populate_record({}, {})",
            self.cast_raw("NULL", ty),
            self.cast(&value.to_string(), &SqlType::Json, at)?
        ))
    }

    /// A JSON value written from its own shape (a Query Service composite without registered
    /// fields).
    fn json_shape(&self, value: &Json, at: &Location) -> Result<String, LiteralError> {
        match value {
            Json::Object(fields) => {
                let items = fields
                    .iter()
                    .map(|(k, v)| {
                        let expr = self.json_expr(v, &SqlType::Unknown, &at.field(k))?;
                        Ok(format!("{expr} AS {}", qs_ident(k)))
                    })
                    .collect::<Result<Vec<_>, LiteralError>>()?;
                Ok(format!("struct({})", items.join(QS_SEPARATOR)))
            }
            Json::Array(items) => {
                let items = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.json_expr(v, &SqlType::Unknown, &at.index(i)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(format!("array({})", items.join(QS_SEPARATOR)))
            }
            other => self.json_expr(other, &SqlType::Unknown, at),
        }
    }
}

/// Refuses a NUL anywhere in a JSON document (PostgreSQL's json/jsonb refuse `\u0000`).
pub(super) fn json_nul_free(value: &Json, at: &Location) -> Result<(), LiteralError> {
    match value {
        Json::String(s) if s.contains('\0') => Err(at.nul()),
        Json::Array(items) => items.iter().try_for_each(|v| json_nul_free(v, at)),
        Json::Object(fields) => fields.iter().try_for_each(|(k, v)| {
            if k.contains('\0') {
                Err(at.nul())
            } else {
                json_nul_free(v, at)
            }
        }),
        _ => Ok(()),
    }
}
