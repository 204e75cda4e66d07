//! Values in PostgreSQL's text input format, and array literals of them: the bulk path binds
//! one `text[]` literal per column and lets the server cast it.

use qsorm_connect::literal::{
    bytea_hex, date_text, f32_text, f64_text, timestamp_text, timestamptz_text,
};
use sea_orm::Value;
use sea_orm::sea_query::OptionEnum;

/// The value in PostgreSQL text input format, or `None` for NULL.
pub fn pg_text(value: &Value) -> Option<String> {
    fn show<T: std::fmt::Display>(v: &Option<T>) -> Option<String> {
        v.as_ref().map(ToString::to_string)
    }
    match value {
        Value::Bool(v) => v.map(|b| if b { "t" } else { "f" }.to_owned()),
        Value::TinyInt(v) => show(v),
        Value::SmallInt(v) => show(v),
        Value::Int(v) => show(v),
        Value::BigInt(v) => show(v),
        Value::TinyUnsigned(v) => show(v),
        Value::SmallUnsigned(v) => show(v),
        Value::Unsigned(v) => show(v),
        Value::BigUnsigned(v) => show(v),
        // Shortest round-trip text (`NaN`, `Infinity`, `-0`, `1e300`), as the literal renderer.
        Value::Float(v) => v.map(f32_text),
        Value::Double(v) => v.map(f64_text),
        Value::String(v) => v.clone(),
        Value::Char(v) => show(v),
        Value::Enum(OptionEnum::Some(e)) => Some(e.value.to_string()),
        Value::Enum(OptionEnum::None(_)) => None,
        Value::Bytes(v) => v.as_deref().map(bytea_hex),
        Value::Json(v) => v.as_ref().map(|j| j.to_string()),
        // PostgreSQL's forms, as the literal renderer writes them: `BC` for years before 1,
        // five-digit years without chrono's `+` (`to_rfc3339` and `Display` write `+262142`
        // and `-0044`, which PostgreSQL refuses or misreads).
        Value::ChronoDate(v) => v.as_ref().map(date_text),
        Value::ChronoTime(v) => v.map(|t| t.format("%H:%M:%S%.f").to_string()),
        Value::ChronoDateTime(v) => v.as_ref().map(timestamp_text),
        Value::ChronoDateTimeUtc(v) => v.as_ref().map(timestamptz_text),
        Value::ChronoDateTimeLocal(v) => v.as_ref().map(timestamptz_text),
        Value::ChronoDateTimeWithTimeZone(v) => v.as_ref().map(timestamptz_text),
        Value::Decimal(v) => show(v),
        Value::Uuid(v) => show(v),
        Value::Array(_, items) => items.as_ref().map(|items| {
            let mut s = String::new();
            push_array(items.iter().map(pg_text), &mut s);
            s
        }),
        // Variants of features this workspace does not enable (time, jiff, ...): sea-query's
        // literal, unquoted.
        #[allow(unreachable_patterns)]
        other => {
            use sea_orm::sea_query::QueryBuilder;
            let lit = sea_orm::sea_query::PostgresQueryBuilder.value_to_string(other);
            (lit != "NULL").then(|| lit.trim_matches('\'').replace("''", "'"))
        }
    }
}

/// Appends `{e1,e2,...}` with every element quoted (or `NULL`).
pub fn push_array(items: impl Iterator<Item = Option<String>>, out: &mut String) {
    out.push('{');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item {
            None => out.push_str("NULL"),
            Some(text) => push_quoted(&text, out),
        }
    }
    out.push('}');
}

/// Appends one field of `COPY ... FROM STDIN` text format: `\N` for NULL, else the text with
/// backslash, newline, carriage return and tab escaped (every other character stands for
/// itself), so the server hands the column's input function exactly `text`.
pub fn push_copy_field(text: Option<&str>, out: &mut String) {
    let Some(text) = text else {
        out.push_str("\\N");
        return;
    };
    let mut rest = text;
    while let Some(at) = rest.find(['\\', '\n', '\r', '\t']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            _ => "\\\\",
        });
        // The four are ASCII: one byte each.
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// Appends `text` double-quoted for an array or record literal: `"` and `\` escaped with a
/// backslash (a quoted empty string stays distinct from NULL).
pub(crate) fn push_quoted(text: &str, out: &mut String) {
    out.push('"');
    let mut rest = text;
    while let Some(at) = rest.find(['"', '\\']) {
        // Both are ASCII: one byte each.
        out.push_str(&rest[..at]);
        out.push('\\');
        out.push_str(&rest[at..=at]);
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_literals_quote_everything() {
        let mut out = String::new();
        push_array(
            [
                Some("a\"b".to_owned()),
                None,
                Some("c\\d,{e}".to_owned()),
                Some("NULL".to_owned()),
            ]
            .into_iter(),
            &mut out,
        );
        assert_eq!(out, r#"{"a\"b",NULL,"c\\d,{e}","NULL"}"#);
        assert_eq!(pg_text(&Value::Bool(Some(true))).as_deref(), Some("t"));
        assert_eq!(
            pg_text(&Value::Bytes(Some(vec![0, 255]))).as_deref(),
            Some("\\x00ff")
        );
        assert_eq!(
            pg_text(&Value::Double(Some(f64::NEG_INFINITY))).as_deref(),
            Some("-Infinity")
        );
        assert_eq!(pg_text(&Value::Int(None)), None);
        let d = chrono::NaiveDate::from_ymd_opt(-43, 3, 15).expect("date");
        assert_eq!(
            pg_text(&Value::ChronoDate(Some(d))).as_deref(),
            Some("0044-03-15 BC")
        );
        let far = chrono::NaiveDate::MAX
            .and_hms_micro_opt(23, 59, 59, 5)
            .expect("time");
        assert_eq!(
            pg_text(&Value::ChronoDateTime(Some(far))).as_deref(),
            Some("262142-12-31 23:59:59.000005")
        );
        assert_eq!(
            pg_text(&Value::ChronoDateTimeUtc(Some(far.and_utc()))).as_deref(),
            Some("262142-12-31 23:59:59.000005+00:00")
        );
        let tags = Value::Array(
            sea_orm::sea_query::ArrayType::String,
            Some(Box::new(vec![
                Value::String(Some("x,y".into())),
                Value::String(None),
            ])),
        );
        assert_eq!(pg_text(&tags).as_deref(), Some(r#"{"x,y",NULL}"#));
    }

    #[test]
    fn copy_fields_escape_only_what_copy_reads() {
        let mut out = String::new();
        push_copy_field(Some("a\\b\tc\nd\re \\N \"x\" é"), &mut out);
        out.push('|');
        push_copy_field(None, &mut out);
        out.push('|');
        push_copy_field(Some(""), &mut out);
        assert_eq!(out, r#"a\\b\tc\nd\re \\N "x" é|\N|"#);
    }
}
