//! The text forms of dates and timestamps: PostgreSQL's input format, with its `BC` era
//! suffix for years before 1 and any number of year digits (never chrono's `+262142` or
//! `-0044`, which PostgreSQL misreads or refuses).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone};

/// `YYYY-MM-DD` for years 1..; PostgreSQL's `YYYY-MM-DD BC` era suffix is added by the
/// caller for years before 1 (`era_suffix`).
pub(super) fn ymd<D: Datelike>(d: &D) -> String {
    let year = d.year();
    let shown = if year >= 1 { year } else { 1 - year };
    format!("{shown:04}-{:02}-{:02}", d.month(), d.day())
}

pub(super) fn era_suffix(year: i32) -> &'static str {
    if year >= 1 { "" } else { " BC" }
}

/// A date in PostgreSQL's input format: `2026-11-25`, `262142-12-31`, `0045-03-15 BC`.
pub fn date_text(d: &NaiveDate) -> String {
    format!("{}{}", ymd(d), era_suffix(d.year()))
}

/// A timestamp without time zone in PostgreSQL's input format:
/// `2026-11-25 10:00:00.5`, `0045-03-15 23:59:59 BC`.
pub fn timestamp_text(d: &NaiveDateTime) -> String {
    format!(
        "{} {}{}",
        ymd(d),
        d.format("%H:%M:%S%.f"),
        era_suffix(d.year())
    )
}

/// An instant in PostgreSQL's input format, with its offset:
/// `2026-11-25 10:00:00.5+01:00`, `0045-03-15 23:59:59+00:00 BC`. An offset with seconds
/// (local mean time), which `%:z` cannot write, is written in UTC.
pub fn timestamptz_text<Tz: TimeZone>(d: &DateTime<Tz>) -> String {
    let fixed = d.fixed_offset();
    let fixed = if fixed.offset().fix().local_minus_utc() % 60 == 0 {
        fixed
    } else {
        d.to_utc().fixed_offset()
    };
    format!(
        "{} {}{}",
        ymd(&fixed),
        fixed.format("%H:%M:%S%.f%:z"),
        era_suffix(fixed.year())
    )
}
