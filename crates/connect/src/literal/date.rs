//! The text forms of dates.

use chrono::Datelike;

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
