//! The text forms of numbers and bytes.

use std::fmt::{self, Write};

/// Rust's shortest round-trip text of `f` (`value` is the same number as a double):
/// `NaN`, `Infinity`, `-Infinity`, `-0`, exponent notation outside 1e-5..1e16.
fn shortest<F: fmt::Display + fmt::LowerExp>(f: F, value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else if value != 0.0 && !(1e-5..1e16).contains(&value.abs()) {
        format!("{f:e}")
    } else {
        format!("{f}")
    }
}

/// The shortest text that reads back as exactly this double (PostgreSQL's and Spark's
/// input functions take it).
pub fn f64_text(f: f64) -> String {
    shortest(f, f)
}

/// The shortest text that reads back as exactly this single-precision float.
pub fn f32_text(f: f32) -> String {
    shortest(f, f64::from(f))
}

/// `\x` and the bytes in hex: `bytea`'s text input format.
pub fn bytea_hex(bytes: &[u8]) -> String {
    let mut hex = String::with_capacity(2 + 2 * bytes.len());
    hex.push_str("\\x");
    for b in bytes {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

pub(super) fn is_plain_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `-?digits(.digits)?`: a numeric literal both parsers read as an exact decimal.
pub(super) fn is_plain_decimal(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}
