//! Rows read back: values sqlx would panic on, or change, when decoding them, found before
//! the row is decoded into a model.

/// Type oids whose values are checked before a row is decoded.
mod oid {
    pub const DATE: u32 = 1082;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const NUMERIC: u32 = 1700;
    pub const DATE_ARRAY: u32 = 1182;
    pub const TIMESTAMP_ARRAY: u32 = 1115;
    pub const TIMESTAMPTZ_ARRAY: u32 = 1185;
    pub const NUMERIC_ARRAY: u32 = 1231;
    /// Every type above.
    pub const CHECKED: [u32; 8] = [
        DATE,
        TIMESTAMP,
        TIMESTAMPTZ,
        NUMERIC,
        DATE_ARRAY,
        TIMESTAMP_ARRAY,
        TIMESTAMPTZ_ARRAY,
        NUMERIC_ARRAY,
    ];
}

/// Checks the values of rows read from PostgreSQL before sea-orm decodes them into models,
/// and names the column of the first value that cannot be decoded faithfully:
///
/// - a binary `timestamp`, `timestamptz` or `date` (or an array of them) outside chrono's
///   years (-262143..=262142), `infinity` and `-infinity` included: sqlx adds it to its
///   epoch with chrono's panicking `+`, so decoding it would panic;
/// - a `numeric` (binary or text, or an array of them) that `rust_decimal::Decimal` cannot
///   hold exactly (more than 28 digits after the point, or a mantissa above 2^96 - 1, NaN,
///   ±Infinity): sqlx would round it silently or fail with a message that names no column.
///
/// Everything else is left to the decoder (text-format dates and timestamps fail to parse
/// rather than panic; invalid UTF-8 in text is an error naming the column).
///
/// Every row of one result has the same columns, so the columns worth a look (those of the
/// types above) are picked once, from the first row, and each row only reads those values.
pub(crate) struct DecodeChecks {
    /// The index and type oid of each column to check.
    columns: Vec<(usize, u32)>,
}

impl DecodeChecks {
    /// The checks for the rows of a result whose first row is `row`.
    pub(crate) fn for_row(row: &sea_orm::QueryResult) -> DecodeChecks {
        use sqlx::{Column, Row};
        let Some(pg) = row.try_as_pg_row() else {
            return DecodeChecks {
                columns: Vec::new(),
            };
        };
        let columns = pg
            .columns()
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let type_oid = c.type_info().oid()?.0;
                oid::CHECKED.contains(&type_oid).then_some((i, type_oid))
            })
            .collect();
        DecodeChecks { columns }
    }

    /// The first value of `row` that cannot be decoded faithfully, described.
    pub(crate) fn check(&self, row: &sea_orm::QueryResult) -> Result<(), String> {
        use sqlx::{Column, Row, TypeInfo, ValueRef};
        if self.columns.is_empty() {
            return Ok(());
        }
        let Some(pg) = row.try_as_pg_row() else {
            return Ok(());
        };
        for &(i, type_oid) in &self.columns {
            let Ok(value) = pg.try_get_raw(i) else {
                continue;
            };
            if value.is_null() {
                continue;
            }
            if let Some(problem) = value_problem(type_oid, &value) {
                let column = pg.columns().get(i);
                let name = column.map_or("?", |c| c.name());
                let type_name = column.map_or("?", |c| c.type_info().name());
                return Err(format!("column `{name}` ({type_name}): {problem}"));
            }
        }
        Ok(())
    }
}

/// What is wrong with one non-NULL value of type `type_oid`, in either wire format.
fn value_problem(type_oid: u32, value: &sqlx::postgres::PgValueRef<'_>) -> Option<String> {
    let binary = matches!(value.format(), sqlx::postgres::PgValueFormat::Binary);
    match (type_oid, binary) {
        (oid::DATE | oid::TIMESTAMP | oid::TIMESTAMPTZ | oid::NUMERIC, true) => value
            .as_bytes()
            .ok()
            .and_then(|bytes| binary_problem(type_oid, bytes)),
        (oid::NUMERIC, false) => value.as_str().ok().and_then(numeric_text_problem),
        (oid::DATE_ARRAY | oid::TIMESTAMP_ARRAY | oid::TIMESTAMPTZ_ARRAY, true)
        | (oid::NUMERIC_ARRAY, true) => value.as_bytes().ok().and_then(binary_array_problem),
        (oid::NUMERIC_ARRAY, false) => value.as_str().ok().and_then(|text| {
            text.split(['{', '}', ','])
                .map(|item| item.trim().trim_matches('"'))
                .filter(|item| !item.is_empty() && *item != "NULL")
                .find_map(numeric_text_problem)
        }),
        _ => None,
    }
}

/// Microseconds in an average Gregorian year, for showing roughly where a value lies.
const MICROS_PER_YEAR: i64 = 31_556_952_000_000;

fn postgres_epoch() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
}

fn beyond_chrono(kind: &str, about_year: i64) -> String {
    format!(
        "the {kind} (about year {about_year}) is outside the years chrono represents \
         ({}..={}); read it as text (`select_as = \"text\"`) to see it",
        chrono::NaiveDate::MIN.format("%Y"),
        chrono::NaiveDate::MAX.format("%Y")
    )
}

/// The binary timestamps (microseconds from PostgreSQL's epoch) and dates (days from it)
/// that chrono represents: sqlx adds them to the epoch with a panicking `+` exactly when
/// they lie outside these ranges. Computed once; every row's check is two comparisons.
struct ChronoRange {
    micros: std::ops::RangeInclusive<i64>,
    days: std::ops::RangeInclusive<i64>,
}

static CHRONO_RANGE: std::sync::LazyLock<ChronoRange> = std::sync::LazyLock::new(|| {
    let epoch = postgres_epoch().and_time(chrono::NaiveTime::MIN);
    // The microseconds between the epoch and chrono's ends both fit in an i64 (about
    // 8.3e18): the `unwrap_or` fall-backs are never taken.
    let micros_to = |end: chrono::NaiveDateTime| (end - epoch).num_microseconds().unwrap_or(0);
    let days_to = |end: chrono::NaiveDate| (end - postgres_epoch()).num_days();
    ChronoRange {
        micros: micros_to(chrono::NaiveDateTime::MIN)..=micros_to(chrono::NaiveDateTime::MAX),
        days: days_to(chrono::NaiveDate::MIN)..=days_to(chrono::NaiveDate::MAX),
    }
});

/// What is wrong with one binary value of type `type_oid` (a scalar), if anything.
fn binary_problem(type_oid: u32, bytes: &[u8]) -> Option<String> {
    match type_oid {
        oid::TIMESTAMP | oid::TIMESTAMPTZ => {
            let micros = i64::from_be_bytes(bytes.try_into().ok()?);
            match micros {
                i64::MAX => Some("`infinity` has no chrono value".to_owned()),
                i64::MIN => Some("`-infinity` has no chrono value".to_owned()),
                _ => (!CHRONO_RANGE.micros.contains(&micros))
                    .then(|| beyond_chrono("timestamp", 2000 + micros / MICROS_PER_YEAR)),
            }
        }
        oid::DATE => {
            let days = i32::from_be_bytes(bytes.try_into().ok()?);
            match days {
                i32::MAX => Some("`infinity` has no chrono value".to_owned()),
                i32::MIN => Some("`-infinity` has no chrono value".to_owned()),
                _ => (!CHRONO_RANGE.days.contains(&i64::from(days)))
                    .then(|| beyond_chrono("date", 2000 + i64::from(days) * 400 / 146_097)),
            }
        }
        oid::NUMERIC => numeric_binary_problem(bytes),
        _ => None,
    }
}

/// PostgreSQL's binary array: dimensions, then each element's length and bytes.
fn binary_array_problem(bytes: &[u8]) -> Option<String> {
    fn take<const N: usize>(bytes: &mut &[u8]) -> Option<[u8; N]> {
        let (head, tail) = bytes.split_first_chunk::<N>()?;
        *bytes = tail;
        Some(*head)
    }
    let mut rest = bytes;
    let dims = usize::try_from(i32::from_be_bytes(take::<4>(&mut rest)?)).ok()?;
    let _has_null = take::<4>(&mut rest)?;
    let element = u32::from_be_bytes(take::<4>(&mut rest)?);
    let mut count = 1usize;
    for _ in 0..dims {
        let len = usize::try_from(i32::from_be_bytes(take::<4>(&mut rest)?)).ok()?;
        let _lower = take::<4>(&mut rest)?;
        count = count.checked_mul(len)?;
    }
    if dims == 0 {
        return None;
    }
    for index in 0..count {
        let len = i32::from_be_bytes(take::<4>(&mut rest)?);
        let Ok(len) = usize::try_from(len) else {
            continue; // NULL
        };
        let (item, tail) = rest.split_at_checked(len)?;
        rest = tail;
        if let Some(problem) = binary_problem(element, item) {
            return Some(format!("element {index}: {problem}"));
        }
    }
    None
}

/// The largest mantissa of a `rust_decimal::Decimal`: 2^96 - 1.
const DECIMAL_MAX_MANTISSA: u128 = (1 << 96) - 1;
/// The most digits after the point a `rust_decimal::Decimal` holds.
const DECIMAL_MAX_SCALE: usize = 28;

/// Whether `int.frac` (ASCII digits) is a value `Decimal` holds exactly.
fn decimal_digits_problem(negative: bool, int: &str, frac: &str) -> Option<String> {
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let digits = format!("{int}{frac}");
    let mantissa = digits.trim_start_matches('0');
    let fits = frac.len() <= DECIMAL_MAX_SCALE
        && mantissa.len() <= 29
        && mantissa.parse::<u128>().unwrap_or(0) <= DECIMAL_MAX_MANTISSA;
    if fits {
        return None;
    }
    let sign = if negative { "-" } else { "" };
    let int = if int.is_empty() { "0" } else { int };
    let shown = if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    };
    Some(too_precise(&shown))
}

fn too_precise(shown: &str) -> String {
    format!(
        "the numeric {shown} is more than rust_decimal's Decimal holds (28 digits after the \
         point, a 96-bit mantissa): it would be rounded or refused without a column name"
    )
}

fn numeric_special(what: &str) -> String {
    format!("the numeric `{what}` has no rust_decimal Decimal value")
}

/// A numeric in PostgreSQL's text form (`-12.30`, `NaN`, `Infinity`).
fn numeric_text_problem(text: &str) -> Option<String> {
    if matches!(text, "NaN" | "Infinity" | "-Infinity") {
        return Some(numeric_special(text));
    }
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    decimal_digits_problem(negative, int, frac)
}

/// A numeric in PostgreSQL's binary form: digit count, weight, sign, display scale, then
/// base-10000 digits (the first of weight `weight`).
fn numeric_binary_problem(bytes: &[u8]) -> Option<String> {
    let word = |k: usize| -> Option<[u8; 2]> { bytes.get(2 * k..2 * k + 2)?.try_into().ok() };
    let ndigits = usize::from(u16::from_be_bytes(word(0)?));
    let weight = i32::from(i16::from_be_bytes(word(1)?));
    match u16::from_be_bytes(word(2)?) {
        0xC000 => return Some(numeric_special("NaN")),
        0xD000 => return Some(numeric_special("Infinity")),
        0xF000 => return Some(numeric_special("-Infinity")),
        _ => {}
    }
    let negative = u16::from_be_bytes(word(2)?) == 0x4000;
    let digits: Vec<u16> = (0..ndigits)
        .map(|k| word(4 + k).map(u16::from_be_bytes))
        .collect::<Option<_>>()?;
    if digits.is_empty() {
        return None;
    }
    // Weight of the last digit group.
    let last = weight - i32::try_from(ndigits).ok()? + 1;
    // Far outside what a Decimal holds either way: do not spell out the digits.
    if weight > 8 || last < -8 {
        return Some(too_precise(&format!(
            "with digits from 10^{} down to 10^{}",
            4 * weight + 3,
            4 * last
        )));
    }
    let (mut int, mut frac) = (String::new(), String::new());
    for w in (last.min(0)..=weight.max(0)).rev() {
        let group = if (last..=weight).contains(&w) {
            usize::try_from(weight - w)
                .ok()
                .and_then(|k| digits.get(k).copied())
                .unwrap_or(0)
        } else {
            0
        };
        let text = format!("{group:04}");
        if w >= 0 {
            int.push_str(&text);
        } else {
            frac.push_str(&text);
        }
    }
    decimal_digits_problem(negative, &int, &frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerics_a_decimal_cannot_hold_are_named() {
        for ok in [
            "0",
            "-0.0000000000000000000000000001",
            "79228162514264337593543950335",
            "7.9228162514264337593543950335",
            "1.000000000000000000000000000000000",
            "12.30",
        ] {
            assert_eq!(numeric_text_problem(ok), None, "{ok}");
        }
        for bad in [
            "79228162514264337593543950336",
            "0.00000000000000000000000000001",
            "0.12345678901234567890123456789",
            "NaN",
            "-Infinity",
        ] {
            assert!(numeric_text_problem(bad).is_some(), "{bad}");
        }
        // 1e-29 in binary: one digit group 1000 of weight -8 (digits 29..32).
        let bytes = [0, 1, 0xff, 0xf8, 0, 0, 0, 29, 0x03, 0xe8];
        assert!(numeric_binary_problem(&bytes).is_some());
        // 12.30: groups 12 (weight 0) and 3000 (weight -1), scale 2.
        let bytes = [0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x0b, 0xb8];
        assert_eq!(numeric_binary_problem(&bytes), None);
        // infinity and a year beyond chrono in binary.
        assert!(binary_problem(oid::TIMESTAMP, &i64::MAX.to_be_bytes()).is_some());
        let year_294276 = (294_276 - 2000) * MICROS_PER_YEAR;
        assert!(binary_problem(oid::TIMESTAMPTZ, &year_294276.to_be_bytes()).is_some());
        assert_eq!(binary_problem(oid::TIMESTAMP, &0i64.to_be_bytes()), None);
        assert!(binary_problem(oid::DATE, &i32::MIN.to_be_bytes()).is_some());
        assert_eq!(binary_problem(oid::DATE, &(-1000i32).to_be_bytes()), None);
    }

    /// The range check agrees with chrono's checked addition (what sqlx's panicking `+`
    /// does) at and around both ends of chrono's range.
    #[test]
    fn the_range_check_is_chronos_checked_addition() {
        let epoch = postgres_epoch().and_time(chrono::NaiveTime::MIN);
        let range = &*CHRONO_RANGE;
        for end in [*range.micros.start(), *range.micros.end(), 0] {
            for micros in end.saturating_sub(2)..=end.saturating_add(2) {
                let chrono_fails = epoch
                    .checked_add_signed(chrono::TimeDelta::microseconds(micros))
                    .is_none();
                let checked = binary_problem(oid::TIMESTAMP, &micros.to_be_bytes()).is_some();
                assert_eq!(checked, chrono_fails, "timestamp {micros}");
            }
        }
        for end in [*range.days.start(), *range.days.end(), 0] {
            for days in end - 2..=end + 2 {
                let chrono_fails = chrono::TimeDelta::try_days(days)
                    .and_then(|d| postgres_epoch().checked_add_signed(d))
                    .is_none();
                let Ok(wire) = i32::try_from(days) else {
                    continue;
                };
                let checked = binary_problem(oid::DATE, &wire.to_be_bytes()).is_some();
                assert_eq!(checked, chrono_fails, "date {days}");
            }
        }
    }
}
