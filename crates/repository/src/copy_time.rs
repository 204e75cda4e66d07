//! Dates and times as COPY text, written into the piece's buffer digit by digit: the same
//! text as `qsorm_connect::literal`'s `timestamp_text` and `timestamptz_text` (tested
//! against them in [`crate::copy_text`]), without chrono's format machinery or a `String`.

use chrono::{Datelike, NaiveDateTime, Offset, TimeZone, Timelike};

/// `n` in decimal, zero-padded to `width` digits.
fn push_padded(n: u32, width: usize, out: &mut Vec<u8>) {
    if width == 2 && n < 100 {
        // Months, days, hours, minutes, seconds, offsets.
        out.extend_from_slice(&[
            b'0' + u8::try_from(n / 10).unwrap_or(0),
            b'0' + u8::try_from(n % 10).unwrap_or(0),
        ]);
        return;
    }
    let mut digits = [b'0'; 10];
    let mut k = digits.len();
    let mut n = n;
    loop {
        k -= 1;
        digits[k] = b'0' + u8::try_from(n % 10).unwrap_or(0);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let len = digits.len() - k;
    out.extend(std::iter::repeat_n(b'0', width.saturating_sub(len)));
    out.extend_from_slice(&digits[k..]);
}

/// `YYYY-MM-DD HH:MM:SS[.fff]`, then `offset` as `+HH:MM` if any, then ` BC` for years
/// before 1: `qsorm_connect::literal::timestamp_text` / `timestamptz_text`'s forms. Not for
/// a leap second (`nanosecond() >= 1_000_000_000`): the callers send those to the shared
/// renderer.
fn write_timestamp(d: &NaiveDateTime, offset: Option<i32>, out: &mut Vec<u8>) {
    let nano = d.nanosecond();
    let year = d.year();
    let shown = if year >= 1 { year } else { 1 - year };
    push_padded(shown.unsigned_abs(), 4, out);
    out.push(b'-');
    push_padded(d.month(), 2, out);
    out.push(b'-');
    push_padded(d.day(), 2, out);
    out.push(b' ');
    push_padded(d.hour(), 2, out);
    out.push(b':');
    push_padded(d.minute(), 2, out);
    out.push(b':');
    push_padded(d.second(), 2, out);
    if nano != 0 {
        out.push(b'.');
        if nano.is_multiple_of(1_000_000) {
            push_padded(nano / 1_000_000, 3, out);
        } else if nano.is_multiple_of(1_000) {
            push_padded(nano / 1_000, 6, out);
        } else {
            push_padded(nano, 9, out);
        }
    }
    if let Some(secs) = offset {
        out.push(if secs < 0 { b'-' } else { b'+' });
        let mins = secs.unsigned_abs() / 60;
        push_padded(mins / 60, 2, out);
        out.push(b':');
        push_padded(mins % 60, 2, out);
    }
    if year < 1 {
        out.extend_from_slice(b" BC");
    }
}

/// An instant with its offset (in UTC when the offset has seconds, which `+HH:MM` cannot
/// write).
pub(crate) fn push_timestamptz<Tz: TimeZone>(d: &chrono::DateTime<Tz>, out: &mut Vec<u8>) {
    let secs = d.offset().fix().local_minus_utc();
    if d.nanosecond() >= 1_000_000_000 {
        let text = qsorm_connect::literal::timestamptz_text(d);
        out.extend_from_slice(text.as_bytes());
    } else if secs % 60 == 0 {
        write_timestamp(&d.naive_local(), Some(secs), out);
    } else {
        write_timestamp(&d.naive_utc(), Some(0), out);
    }
}

/// A timestamp without time zone.
pub(crate) fn push_timestamp(d: &NaiveDateTime, out: &mut Vec<u8>) {
    if d.nanosecond() >= 1_000_000_000 {
        let text = qsorm_connect::literal::timestamp_text(d);
        out.extend_from_slice(text.as_bytes());
    } else {
        write_timestamp(d, None, out);
    }
}
