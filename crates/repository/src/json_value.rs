//! sea-query values as JSON that PostgreSQL's input functions accept (used by the
//! `json_populate_recordset` bulk path).

use sea_orm::Value;
use sea_orm::sea_query::QueryBuilder;
use serde_json::{Number, Value as Json};

/// Converts a value to JSON whose text form PostgreSQL parses back exactly: numbers stay
/// numbers, decimals/uuids/dates travel as strings, bytes as `\x` hex, arrays as JSON arrays.
pub fn to_pg_json(value: &Value) -> Json {
    fn num<T: Into<Number> + Copy>(v: &Option<T>) -> Json {
        v.map_or(Json::Null, |n| Json::Number(n.into()))
    }
    fn text<T: ToString>(v: &Option<T>) -> Json {
        v.as_ref()
            .map_or(Json::Null, |t| Json::String(t.to_string()))
    }
    fn float(v: Option<f64>) -> Json {
        match v {
            None => Json::Null,
            Some(f) => Number::from_f64(f).map_or_else(
                || {
                    Json::String(if f.is_nan() {
                        "NaN".to_owned()
                    } else if f > 0.0 {
                        "Infinity".to_owned()
                    } else {
                        "-Infinity".to_owned()
                    })
                },
                Json::Number,
            ),
        }
    }
    match value {
        Value::Bool(v) => v.map_or(Json::Null, Json::Bool),
        Value::TinyInt(v) => num(v),
        Value::SmallInt(v) => num(v),
        Value::Int(v) => num(v),
        Value::BigInt(v) => num(v),
        Value::TinyUnsigned(v) => num(v),
        Value::SmallUnsigned(v) => num(v),
        Value::Unsigned(v) => num(v),
        Value::BigUnsigned(v) => num(v),
        Value::Float(v) => float(v.map(f64::from)),
        Value::Double(v) => float(*v),
        Value::String(v) => text(v),
        Value::Char(v) => text(v),
        Value::Enum(e) => match e {
            sea_orm::sea_query::OptionEnum::Some(e) => Json::String(e.value.to_string()),
            sea_orm::sea_query::OptionEnum::None(_) => Json::Null,
        },
        Value::Bytes(v) => v.as_ref().map_or(Json::Null, |b| {
            let mut s = String::with_capacity(2 + b.len() * 2);
            s.push_str("\\x");
            for byte in b {
                s.push_str(&format!("{byte:02x}"));
            }
            Json::String(s)
        }),
        Value::Json(v) => v.as_deref().cloned().unwrap_or(Json::Null),
        Value::ChronoDate(v) => text(v),
        Value::ChronoTime(v) => text(v),
        Value::ChronoDateTime(v) => v.as_ref().map_or(Json::Null, |d| {
            Json::String(d.format("%Y-%m-%dT%H:%M:%S%.f").to_string())
        }),
        Value::ChronoDateTimeUtc(v) => v
            .as_ref()
            .map_or(Json::Null, |d| Json::String(d.to_rfc3339())),
        Value::ChronoDateTimeLocal(v) => v
            .as_ref()
            .map_or(Json::Null, |d| Json::String(d.to_rfc3339())),
        Value::ChronoDateTimeWithTimeZone(v) => v
            .as_ref()
            .map_or(Json::Null, |d| Json::String(d.to_rfc3339())),
        Value::Decimal(v) => text(v),
        Value::Uuid(v) => text(v),
        Value::Array(_, items) => items.as_ref().map_or(Json::Null, |items| {
            Json::Array(items.iter().map(to_pg_json).collect())
        }),
        // Variants of features this workspace does not enable (time, jiff, ...).
        #[allow(unreachable_patterns)]
        other => Json::String(
            sea_orm::sea_query::PostgresQueryBuilder
                .value_to_string(other)
                .trim_matches('\'')
                .to_owned(),
        ),
    }
}

/// Appends `value` as JSON to `out`, like [`to_pg_json`] but without building a tree: the
/// bulk path writes 100,000-row documents this way.
pub fn write_pg_json(value: &Value, out: &mut String) {
    use std::fmt::Write;
    fn string(s: &str, out: &mut String) {
        out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "null".to_owned()));
    }
    fn opt<T: std::fmt::Display>(v: &Option<T>, out: &mut String) {
        match v {
            Some(n) => {
                let _ = write!(out, "{n}");
            }
            None => out.push_str("null"),
        }
    }
    fn opt_text<T: std::fmt::Display>(v: &Option<T>, out: &mut String) {
        match v {
            Some(t) => string(&t.to_string(), out),
            None => out.push_str("null"),
        }
    }
    match value {
        Value::Bool(v) => opt(v, out),
        Value::TinyInt(v) => opt(v, out),
        Value::SmallInt(v) => opt(v, out),
        Value::Int(v) => opt(v, out),
        Value::BigInt(v) => opt(v, out),
        Value::TinyUnsigned(v) => opt(v, out),
        Value::SmallUnsigned(v) => opt(v, out),
        Value::Unsigned(v) => opt(v, out),
        Value::BigUnsigned(v) => opt(v, out),
        Value::String(Some(s)) => string(s, out),
        Value::Decimal(v) => opt_text(v, out),
        Value::Uuid(v) => opt_text(v, out),
        Value::ChronoDate(v) => opt_text(v, out),
        Value::ChronoDateTimeWithTimeZone(Some(d)) => string(&d.to_rfc3339(), out),
        Value::ChronoDateTimeUtc(Some(d)) => string(&d.to_rfc3339(), out),
        Value::Json(Some(j)) => out.push_str(&j.to_string()),
        other => out.push_str(&to_pg_json(other).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_postgres_parsable_json() {
        assert_eq!(to_pg_json(&Value::Int(Some(3))), serde_json::json!(3));
        assert_eq!(to_pg_json(&Value::Int(None)), Json::Null);
        assert_eq!(
            to_pg_json(&Value::Bytes(Some(vec![0, 255]))),
            serde_json::json!("\\x00ff")
        );
        assert_eq!(
            to_pg_json(&Value::Double(Some(f64::NAN))),
            serde_json::json!("NaN")
        );
        let d: rust_decimal::Decimal = "12.30".parse().expect("decimal");
        assert_eq!(
            to_pg_json(&Value::Decimal(Some(d))),
            serde_json::json!("12.30")
        );
    }
}
