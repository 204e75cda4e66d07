//! COPY text fields written straight into a piece's byte buffer: the same text as
//! [`crate::pg_text::pg_text`] followed by [`crate::pg_text::push_copy_field`], without a
//! `String` per value. The common types (text, numbers, booleans, timestamps, JSON) have
//! their own writers; any other value goes through `pg_text`.

use std::io::Write as _;

use sea_orm::Value;

use crate::copy_time::{push_timestamp, push_timestamptz};
use crate::pg_text::pg_text;

/// The offset of the first byte of `bytes` that COPY text escapes (backslash, newline,
/// carriage return, tab), eight bytes at a time.
fn first_special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // A byte of `w` is zero: the classic bit trick (exact for "some byte is zero").
    let has_zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS != 0;
    let mut at = 0;
    let mut words = bytes.chunks_exact(8);
    for chunk in words.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let any = [b'\\', b'\n', b'\r', b'\t']
            .iter()
            .any(|&b| has_zero(w ^ (ONES * u64::from(b))));
        if any {
            break;
        }
        at += 8;
    }
    let special = |b: &u8| matches!(b, b'\\' | b'\n' | b'\r' | b'\t');
    bytes[at..].iter().position(special).map(|k| at + k)
}

/// Appends `bytes` as COPY text: backslash, newline, carriage return and tab escaped.
pub(crate) fn push_escaped(bytes: &[u8], out: &mut Vec<u8>) {
    let mut rest = bytes;
    while let Some(at) = first_special(rest) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(match rest[at] {
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            _ => b"\\\\",
        });
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
}

const NULL: &[u8] = b"\\N";

/// Appends `value` as one COPY text field (`\N` for NULL).
pub(crate) fn push_field(value: &Value, out: &mut Vec<u8>) {
    // Writing into a `Vec` cannot fail: the `io::Result`s below are always `Ok`.
    match value {
        Value::String(Some(s)) => push_escaped(s.as_bytes(), out),
        Value::Bool(Some(b)) => out.push(if *b { b't' } else { b'f' }),
        Value::SmallInt(Some(v)) => drop(write!(out, "{v}")),
        Value::Int(Some(v)) => drop(write!(out, "{v}")),
        Value::BigInt(Some(v)) => drop(write!(out, "{v}")),
        Value::Double(Some(v)) => push_float(*v, *v, out),
        Value::Float(Some(v)) => push_float(*v, f64::from(*v), out),
        Value::Json(Some(j)) => push_json(j, out),
        Value::ChronoDateTimeWithTimeZone(Some(d)) => push_timestamptz(d, out),
        Value::ChronoDateTimeUtc(Some(d)) => push_timestamptz(d, out),
        Value::ChronoDateTime(Some(d)) => push_timestamp(d, out),
        other => match pg_text(other) {
            Some(text) => push_escaped(text.as_bytes(), out),
            None => out.extend_from_slice(NULL),
        },
    }
}

/// JSON text as a COPY field: serialized in place (serde_json writes in many small pieces),
/// then escaped from the first byte that needs it, if any (JSON text has a backslash only
/// in a string with an escape, and never a raw tab or newline).
fn push_json(j: &serde_json::Value, out: &mut Vec<u8>) {
    let start = out.len();
    drop(serde_json::to_writer(&mut *out, j));
    if let Some(at) = first_special(&out[start..]) {
        let raw = out.split_off(start + at);
        push_escaped(&raw, out);
    }
}

/// The shortest round-trip text of a float, as `qsorm_connect::literal::f64_text` writes it
/// (`value` is the same number as a double).
fn push_float<F: std::fmt::Display + std::fmt::LowerExp>(f: F, value: f64, out: &mut Vec<u8>) {
    if value.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if value.is_infinite() {
        out.extend_from_slice(if value > 0.0 {
            b"Infinity"
        } else {
            b"-Infinity"
        });
    } else if value != 0.0 && !(1e-5..1e16).contains(&value.abs()) {
        drop(write!(out, "{f:e}"));
    } else {
        drop(write!(out, "{f}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg_text::push_copy_field;
    use chrono::{FixedOffset, NaiveDate};

    /// The reference: `pg_text`, then `push_copy_field`.
    fn reference(value: &Value) -> Vec<u8> {
        let mut s = String::new();
        push_copy_field(pg_text(value).as_deref(), &mut s);
        s.into_bytes()
    }

    fn same(value: Value) {
        let mut out = Vec::new();
        push_field(&value, &mut out);
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&reference(&value)),
            "{value:?}"
        );
    }

    #[test]
    fn fields_match_the_shared_text_forms() {
        for s in ["", "a\\b\tc\nd\re \\N", "é\u{0}x", "NULL"] {
            same(Value::String(Some(s.into())));
        }
        for special in ["\\", "\n", "\r", "\t", "é"] {
            for at in 0..20 {
                let mut s = "x".repeat(20);
                s.insert_str(at, special);
                same(Value::String(Some(s)));
            }
        }
        same(Value::String(None));
        same(Value::Bool(Some(false)));
        same(Value::Int(Some(i32::MIN)));
        same(Value::BigInt(Some(i64::MAX)));
        same(Value::SmallInt(Some(-7)));
        for f in [
            0.0,
            -0.0,
            1e-7,
            1e16,
            0.1,
            f64::NAN,
            f64::INFINITY,
            -1.5e300,
        ] {
            same(Value::Double(Some(f)));
        }
        for f in [0.1f32, f32::MAX, -0.0, 1e-6] {
            same(Value::Float(Some(f)));
        }
        same(Value::Json(Some(Box::new(
            serde_json::json!({"a\tb": "x\\y\n", "n": [1, null, 2.5]}),
        ))));
        let offsets = [0, 3600, -19800, 5 * 3600 + 30 * 60 + 17, -1, 14 * 3600];
        let dates = [
            (2026, 11, 25),
            (1, 1, 1),
            (0, 12, 31),
            (-43, 3, 15),
            (262_142, 12, 31),
        ];
        let nanos = [0, 5_000_000, 123_456_000, 123_456_789, 1_500_000_000];
        for (y, m, d) in dates {
            for nano in nanos {
                let naive = NaiveDate::from_ymd_opt(y, m, d)
                    .and_then(|d| d.and_hms_nano_opt(23, 59, 59, nano))
                    .expect("valid");
                same(Value::ChronoDateTime(Some(naive)));
                same(Value::ChronoDateTimeUtc(Some(naive.and_utc())));
                for secs in offsets {
                    let off = FixedOffset::east_opt(secs).expect("offset");
                    if let Some(t) = naive.and_local_timezone(off).single() {
                        same(Value::ChronoDateTimeWithTimeZone(Some(t)));
                    }
                }
            }
        }
    }
}
