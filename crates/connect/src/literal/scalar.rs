//! Scalar values (and arrays of them) rendered per flavor: numbers, strings, bytes, dates,
//! timestamps.

use std::fmt;

use chrono::{Datelike, Offset};
use sea_orm::Value;
use sea_orm::sea_query::OptionEnum;

use super::composite::json_nul_free;
use super::date::{date_text, timestamp_text, timestamptz_text};
use super::{LiteralError, Location, Renderer, SqlType, bytea_hex, f32_text, f64_text};

impl Renderer<'_> {
    fn timestamp_tz<Tz: chrono::TimeZone>(
        &self,
        d: &chrono::DateTime<Tz>,
        ty: &SqlType,
        at: &Location,
    ) -> Result<String, LiteralError>
    where
        Tz::Offset: fmt::Display,
    {
        // The year as it is written (an offset with seconds is written in UTC).
        let text = timestamptz_text(d);
        let fixed = d.fixed_offset();
        let year = if fixed.offset().fix().local_minus_utc() % 60 == 0 {
            fixed.year()
        } else {
            d.to_utc().year()
        };
        self.check_year(year, at)?;
        // PostgreSQL reads an offset into a naive timestamp by dropping it; an instant goes
        // into one through timestamptz, converted in the session's time zone, as a bound
        // value would be.
        if !self.is_qs() && *ty == SqlType::Timestamp {
            let instant = self.cast(&text, &SqlType::TimestampTz, at)?;
            return Ok(self.cast_raw(&instant, ty));
        }
        self.typed(&text, SqlType::TimestampTz, ty, at)
    }

    /// A boolean for a column of type `ty`: as text into a string, cast into a typed
    /// PostgreSQL column, bare otherwise.
    pub(super) fn bool_expr(
        &self,
        b: bool,
        ty: &SqlType,
        at: &Location,
    ) -> Result<String, LiteralError> {
        match ty {
            SqlType::String => self.text(&b.to_string(), at),
            SqlType::Boolean | SqlType::Unknown => Ok(b.to_string()),
            _ if self.is_qs() => Ok(b.to_string()),
            t => Ok(self.cast_raw(&b.to_string(), t)),
        }
    }

    /// An array `value` (its `items`) for a column of type `ty`, each item typed as the
    /// element type.
    fn array_expr(
        &self,
        value: &Value,
        items: &[Value],
        ty: &SqlType,
        at: &Location,
    ) -> Result<String, LiteralError> {
        // PostgreSQL: an array into a column that is no array is typed as itself.
        let own;
        let ty = match ty {
            SqlType::Array(_) => ty,
            _ if self.is_qs() => ty,
            _ => {
                own = SqlType::of_value(value);
                &own
            }
        };
        let element = match ty {
            SqlType::Array(element) => element.as_ref().clone(),
            _ => SqlType::Unknown,
        };
        let items = items
            .iter()
            .enumerate()
            .map(|(i, v)| self.value_expr(v, &element, &at.index(i)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.array(items, ty))
    }

    pub(super) fn value_expr(
        &self,
        value: &Value,
        ty: &SqlType,
        at: &Location,
    ) -> Result<String, LiteralError> {
        let natural;
        let ty = if !self.is_qs() && *ty == SqlType::Unknown {
            natural = SqlType::of_value(value);
            &natural
        } else {
            ty
        };
        match value {
            Value::Bool(None)
            | Value::TinyInt(None)
            | Value::SmallInt(None)
            | Value::Int(None)
            | Value::BigInt(None)
            | Value::TinyUnsigned(None)
            | Value::SmallUnsigned(None)
            | Value::Unsigned(None)
            | Value::BigUnsigned(None)
            | Value::String(None)
            | Value::Char(None)
            | Value::Bytes(None)
            | Value::Json(None)
            | Value::ChronoDate(None)
            | Value::ChronoTime(None)
            | Value::ChronoDateTime(None)
            | Value::ChronoDateTimeUtc(None)
            | Value::ChronoDateTimeLocal(None)
            | Value::ChronoDateTimeWithTimeZone(None)
            | Value::Decimal(None)
            | Value::Uuid(None)
            | Value::Float(None)
            | Value::Double(None)
            | Value::Array(_, None)
            | Value::Enum(OptionEnum::None(_)) => Ok(self.null(ty)),
            Value::Bool(Some(b)) => self.bool_expr(*b, ty, at),
            Value::TinyInt(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::SmallInt(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::Int(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::BigInt(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::TinyUnsigned(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::SmallUnsigned(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::Unsigned(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::BigUnsigned(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::Float(Some(f)) => self.typed(&f32_text(*f), SqlType::Float, ty, at),
            Value::Double(Some(f)) => self.typed(&f64_text(*f), SqlType::Double, ty, at),
            Value::Decimal(Some(d)) => self.number(&d.to_string(), ty, at),
            Value::String(Some(s)) => self.typed_string(s, ty, at),
            Value::Char(Some(c)) => self.typed_string(&c.to_string(), ty, at),
            Value::Enum(OptionEnum::Some(e)) => self.typed_string(&e.value, ty, at),
            Value::Bytes(Some(bytes)) => {
                let hex = bytea_hex(bytes);
                match ty {
                    SqlType::String => self.text(&hex, at),
                    _ => self.cast(&hex, &SqlType::Bytea, at),
                }
            }
            Value::Uuid(Some(u)) => self.typed(&u.to_string(), SqlType::Uuid, ty, at),
            Value::ChronoDate(Some(d)) => {
                self.check_year(d.year(), at)?;
                self.typed(&date_text(d), SqlType::Date, ty, at)
            }
            Value::ChronoTime(Some(t)) => {
                self.typed(&t.format("%H:%M:%S%.f").to_string(), SqlType::Time, ty, at)
            }
            Value::ChronoDateTime(Some(d)) => {
                self.check_year(d.year(), at)?;
                self.typed(&timestamp_text(d), SqlType::Timestamp, ty, at)
            }
            Value::ChronoDateTimeUtc(Some(d)) => self.timestamp_tz(d, ty, at),
            Value::ChronoDateTimeLocal(Some(d)) => self.timestamp_tz(d, ty, at),
            Value::ChronoDateTimeWithTimeZone(Some(d)) => self.timestamp_tz(d, ty, at),
            // A JSON column takes the document itself, JSON `null` included (SQL NULL is
            // `Value::Json(None)`).
            Value::Json(Some(j)) if matches!(ty, SqlType::Json | SqlType::Jsonb) => {
                json_nul_free(j, at)?;
                self.cast(&j.to_string(), ty, at)
            }
            Value::Json(Some(j)) if *ty == SqlType::String => {
                json_nul_free(j, at)?;
                self.text(&j.to_string(), at)
            }
            Value::Json(Some(j)) => self.json_expr(j, ty, at),
            Value::Array(_, Some(items)) => self.array_expr(value, items, ty, at),
            #[allow(unreachable_patterns)]
            other => Err(LiteralError::Unsupported {
                at: at.clone(),
                value: format!("{other:?}"),
            }),
        }
    }
}
