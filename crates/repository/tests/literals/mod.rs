//! One literal renderer for every inline path: random values of every type, bound to `$n` in
//! hand-written SQL, round-trip exactly through
//! (a) the bind path (sqlx, extended protocol),
//! (b) `QsConnection::simple()` on PostgreSQL — values inlined by the PostgreSQL renderer,
//!     on a database with `standard_conforming_strings` on and on one with it off,
//! (c) the Query Service flavor on the **local Query Service** — values inlined by the
//!     Query Service renderer (typed from their variants),
//! each written and read back on its own path with a filter on every scalar value (hostile
//! strings in `WHERE`), and read back over the bind path from the storage too. A canary
//! table must survive it all. Hostile-filter reads through the repository (`find`, `get`,
//! `count`, `exists`, `page`, `keyset`, `stream`) run on the local Query Service, and a NUL
//! character is a typed error naming the placeholder on every inline path.
//!
//! Bounded for CI (`QSORM_QS_CASES` raises the case count), no regression files.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use futures_util::TryStreamExt;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use qsorm_connect::literal::{InlineError, LiteralError};
use qsorm_connect::{QsConnection, inline_error};
use qsorm_repository::qs_script::{QsScriptError, QsStatement, create_table_as};
use qsorm_repository::{Recorder, Repo, RepoError, WireMode};
use rust_decimal::Decimal;
use sea_orm::prelude::Uuid;
use sea_orm::sea_query::{ArrayType, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, QueryResult, Statement, TransactionSession,
    TransactionTrait, Value,
};
use serde_json::Value as Json;
use sqlx::Row as _;

use crate::qs_values::{
    big_stack, bytes, date_in, decimal_any, f32_any, f64_any, hostile_char, hostile_string,
    json_value, naive_in, normalize_json, opt, runner, runtime, same_f32, same_f64, storage,
    time_micros, tstz_in,
};
use crate::support::entities::events;
use crate::support::query_service::local_query_service;
use crate::support::{fixture_db, qs_grammar, sandbox};

// ---------------------------------------------------------------------------------------
// The table and its rows.

const CANARY: &str = "CREATE TABLE canary (n integer); INSERT INTO canary VALUES (1);";

const TABLE: &str = "CREATE TABLE lit_values (
    id bigint PRIMARY KEY,
    c_bool boolean, c_i16 smallint, c_i32 integer, c_i64 bigint,
    c_f32 real, c_f64 double precision, c_text text, c_char text, c_bytea bytea,
    c_json json, c_jsonb jsonb, c_date date, c_time time, c_ts timestamp,
    c_tstz timestamptz, c_utc timestamptz, c_uuid uuid, c_dec numeric,
    c_texts text[], c_ints integer[], c_f64s double precision[], c_decs numeric[],
    c_tstzs timestamptz[], c_bytes bytea[], c_bools boolean[], c_uuids uuid[],
    c_dates date[]
);";

/// The columns, in table order.
const COLUMNS: &[&str] = &[
    "id", "c_bool", "c_i16", "c_i32", "c_i64", "c_f32", "c_f64", "c_text", "c_char", "c_bytea",
    "c_json", "c_jsonb", "c_date", "c_time", "c_ts", "c_tstz", "c_utc", "c_uuid", "c_dec",
    "c_texts", "c_ints", "c_f64s", "c_decs", "c_tstzs", "c_bytes", "c_bools", "c_uuids", "c_dates",
];

/// Query Service has no JSON type: a JSON value without a column type is written from its
/// shape (a struct), so these columns get NULL there.
const NOT_ON_QUERY_SERVICE: &[&str] = &["c_json", "c_jsonb"];

type Arr<T> = Option<Vec<Option<T>>>;

#[derive(Debug, Clone)]
struct Row {
    id: i64,
    c_bool: Option<bool>,
    c_i16: Option<i16>,
    c_i32: Option<i32>,
    c_i64: Option<i64>,
    c_f32: Option<f32>,
    c_f64: Option<f64>,
    c_text: Option<String>,
    c_char: Option<char>,
    c_bytea: Option<Vec<u8>>,
    c_json: Option<Json>,
    c_jsonb: Option<Json>,
    c_date: Option<NaiveDate>,
    c_time: Option<NaiveTime>,
    c_ts: Option<NaiveDateTime>,
    c_tstz: Option<DateTime<FixedOffset>>,
    c_utc: Option<DateTime<Utc>>,
    c_uuid: Option<Uuid>,
    c_dec: Option<Decimal>,
    c_texts: Arr<String>,
    c_ints: Arr<i32>,
    c_f64s: Arr<f64>,
    c_decs: Arr<Decimal>,
    c_tstzs: Arr<DateTime<FixedOffset>>,
    c_bytes: Arr<Vec<u8>>,
    c_bools: Arr<bool>,
    c_uuids: Arr<Uuid>,
    c_dates: Arr<NaiveDate>,
}

fn array<T>(ty: ArrayType, items: &Arr<T>, value: impl Fn(Option<T>) -> Value) -> Value
where
    T: Clone,
{
    Value::Array(
        ty,
        items
            .as_ref()
            .map(|v| Box::new(v.iter().cloned().map(&value).collect())),
    )
}

impl Row {
    /// The values, one per column.
    fn values(&self) -> Vec<Value> {
        let json = |j: &Option<Json>| Value::Json(j.clone().map(Box::new));
        vec![
            Value::BigInt(Some(self.id)),
            Value::Bool(self.c_bool),
            Value::SmallInt(self.c_i16),
            Value::Int(self.c_i32),
            Value::BigInt(self.c_i64),
            Value::Float(self.c_f32),
            Value::Double(self.c_f64),
            Value::String(self.c_text.clone()),
            Value::Char(self.c_char),
            Value::Bytes(self.c_bytea.clone()),
            json(&self.c_json),
            json(&self.c_jsonb),
            Value::ChronoDate(self.c_date),
            Value::ChronoTime(self.c_time),
            Value::ChronoDateTime(self.c_ts),
            Value::ChronoDateTimeWithTimeZone(self.c_tstz),
            Value::ChronoDateTimeUtc(self.c_utc),
            Value::Uuid(self.c_uuid),
            Value::Decimal(self.c_dec),
            array(ArrayType::String, &self.c_texts, Value::String),
            array(ArrayType::Int, &self.c_ints, Value::Int),
            array(ArrayType::Double, &self.c_f64s, Value::Double),
            array(ArrayType::Decimal, &self.c_decs, Value::Decimal),
            array(
                ArrayType::ChronoDateTimeWithTimeZone,
                &self.c_tstzs,
                Value::ChronoDateTimeWithTimeZone,
            ),
            array(ArrayType::Bytes, &self.c_bytes, Value::Bytes),
            array(ArrayType::Bool, &self.c_bools, Value::Bool),
            array(ArrayType::Uuid, &self.c_uuids, Value::Uuid),
            array(ArrayType::ChronoDate, &self.c_dates, Value::ChronoDate),
        ]
    }

    /// Whether sqlx can bind it: sea-query's sqlx binding cannot bind an array with a NULL
    /// element (it panics), so such rows skip the bind path's write.
    fn bindable(&self) -> bool {
        fn whole<T>(a: &Arr<T>) -> bool {
            a.as_ref().is_none_or(|v| v.iter().all(Option::is_some))
        }
        whole(&self.c_texts)
            && whole(&self.c_ints)
            && whole(&self.c_f64s)
            && whole(&self.c_decs)
            && whole(&self.c_tstzs)
            && whole(&self.c_bytes)
            && whole(&self.c_bools)
            && whole(&self.c_uuids)
            && whole(&self.c_dates)
    }

    fn read(row: &QueryResult) -> Result<Row, String> {
        let pg = row.try_as_pg_row().ok_or("not a PostgreSQL row")?;
        macro_rules! get {
            ($c:literal) => {
                pg.try_get($c).map_err(|e| format!("{}: {e}", $c))?
            };
        }
        Ok(Row {
            id: get!("id"),
            c_bool: get!("c_bool"),
            c_i16: get!("c_i16"),
            c_i32: get!("c_i32"),
            c_i64: get!("c_i64"),
            c_f32: get!("c_f32"),
            c_f64: get!("c_f64"),
            c_text: get!("c_text"),
            c_char: {
                let s: Option<String> = get!("c_char");
                s.map(|s| s.chars().next().unwrap_or_default())
            },
            c_bytea: get!("c_bytea"),
            c_json: get!("c_json"),
            c_jsonb: get!("c_jsonb"),
            c_date: get!("c_date"),
            c_time: get!("c_time"),
            c_ts: get!("c_ts"),
            c_tstz: get!("c_tstz"),
            c_utc: get!("c_utc"),
            c_uuid: get!("c_uuid"),
            c_dec: get!("c_dec"),
            c_texts: {
                // Read as JSON: sqlx's text-format array decoder takes a quoted "NULL"
                // element for SQL NULL.
                let j: Option<Json> = get!("c_texts");
                j.map(serde_json::from_value)
                    .transpose()
                    .map_err(|e| format!("c_texts: {e}"))?
            },
            c_ints: get!("c_ints"),
            c_f64s: get!("c_f64s"),
            c_decs: get!("c_decs"),
            c_tstzs: get!("c_tstzs"),
            c_bytes: get!("c_bytes"),
            c_bools: get!("c_bools"),
            c_uuids: get!("c_uuids"),
            c_dates: get!("c_dates"),
        })
    }

    /// Equal: floats bit for bit (NaN with NaN, -0.0 apart from 0.0), timestamps as
    /// instants, JSON by value (jsonb reorders keys and rewrites numbers).
    fn same(&self, other: &Row) -> bool {
        let floats = |a: &Arr<f64>, b: &Arr<f64>| match (a, b) {
            (Some(a), Some(b)) => {
                a.len() == b.len()
                    && a.iter().zip(b).all(|(x, y)| match (x, y) {
                        (Some(x), Some(y)) => same_f64(*x, *y),
                        (None, None) => true,
                        _ => false,
                    })
            }
            (None, None) => true,
            _ => false,
        };
        let one = |a: Option<f64>, b: Option<f64>| {
            floats(&a.map(|a| vec![Some(a)]), &b.map(|b| vec![Some(b)]))
        };
        let f32s = match (self.c_f32, other.c_f32) {
            (Some(a), Some(b)) => same_f32(a, b),
            (a, b) => a.is_none() && b.is_none(),
        };
        let json = |j: &Option<Json>| {
            j.clone().map(|mut j| {
                normalize_json(&mut j);
                j
            })
        };
        // The rest compared through Debug, timestamps (compared as instants) and JSON apart.
        let strip = |r: &Row| Row {
            c_f32: None,
            c_f64: None,
            c_f64s: None,
            c_tstz: None,
            c_tstzs: None,
            c_json: None,
            c_jsonb: None,
            ..r.clone()
        };
        let (a, b) = (strip(self), strip(other));
        f32s && one(self.c_f64, other.c_f64)
            && floats(&self.c_f64s, &other.c_f64s)
            && format!("{a:?}") == format!("{b:?}")
            // Objects compare regardless of key order (jsonb reorders).
            && json(&self.c_json) == json(&other.c_json)
            && json(&self.c_jsonb) == json(&other.c_jsonb)
            && self.c_tstz == other.c_tstz
            && self.c_tstzs == other.c_tstzs
    }

    /// What Query Service stores of it.
    fn on_query_service(&self) -> Row {
        Row {
            c_json: None,
            c_jsonb: None,
            ..self.clone()
        }
    }
}

/// Strings no inline path may change, a canary to drop included.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => hostile_string(24),
        1 => Just("'); DROP TABLE canary; --".to_owned()),
        1 => Just("\\'); DROP TABLE canary; --".to_owned()),
        1 => Just("$q$); DROP TABLE canary; --$q$ \\".to_owned()),
        1 => Just("{\"a\",NULL,'b'}\\".to_owned()),
    ]
}

/// Instants whose UTC year is within 1..=9999, the edges included: text-format rows (the
/// simple protocol, Query Service) write earlier ones as `... BC`, which sqlx cannot decode
/// (years before 1 are covered over the bind path below).
fn instant() -> impl Strategy<Value = DateTime<FixedOffset>> {
    let utc = |s: &str| DateTime::parse_from_rfc3339(s).expect("instant");
    prop_oneof![
        8 => tstz_in(2..=9998),
        1 => Just(utc("0001-01-01T00:00:00+00:00")),
        1 => Just(utc("0001-01-01T05:30:00.000001+05:30")),
        1 => Just(utc("9999-12-31T23:59:59.999999+00:00")),
        1 => Just(utc("9999-12-31T13:59:59.999999-10:00")),
    ]
}

fn items<S: Strategy>(s: S) -> impl Strategy<Value = Arr<S::Value>> {
    opt(proptest::collection::vec(opt(s), 0..4))
}

fn row() -> impl Strategy<Value = Row> {
    let uuid = || any::<u128>().prop_map(Uuid::from_u128);
    (
        (
            opt(any::<bool>()),
            opt(any::<i16>()),
            opt(any::<i32>()),
            opt(any::<i64>()),
            opt(f32_any()),
            opt(f64_any()),
            opt(text()),
            opt(hostile_char()),
            opt(bytes()),
            opt(json_value()),
            opt(json_value()),
        ),
        (
            opt(date_in(1..=9999)),
            opt(time_micros()),
            opt(naive_in(1..=9999)),
            opt(instant()),
            opt(instant().prop_map(|t| t.to_utc())),
            opt(uuid()),
            opt(decimal_any()),
        ),
        (
            items(text()),
            items(any::<i32>()),
            items(f64_any()),
            items(decimal_any()),
            items(instant()),
            items(bytes()),
            items(any::<bool>()),
            items(uuid()),
            items(date_in(1..=9999)),
        ),
    )
        .prop_map(
            |(
                (
                    c_bool,
                    c_i16,
                    c_i32,
                    c_i64,
                    c_f32,
                    c_f64,
                    c_text,
                    c_char,
                    c_bytea,
                    c_json,
                    c_jsonb,
                ),
                (c_date, c_time, c_ts, c_tstz, c_utc, c_uuid, c_dec),
                (c_texts, c_ints, c_f64s, c_decs, c_tstzs, c_bytes, c_bools, c_uuids, c_dates),
            )| Row {
                id: 0,
                c_bool,
                c_i16,
                c_i32,
                c_i64,
                c_f32,
                c_f64,
                c_text,
                c_char,
                c_bytea,
                c_json,
                c_jsonb,
                c_date,
                c_time,
                c_ts,
                c_tstz,
                c_utc,
                c_uuid,
                c_dec,
                c_texts,
                c_ints,
                c_f64s,
                c_decs,
                c_tstzs,
                c_bytes,
                c_bools,
                c_uuids,
                c_dates,
            },
        )
}

// ---------------------------------------------------------------------------------------
// Writing and reading on one path.

/// `INSERT INTO lit_values SELECT $1 AS id, ...` (Query Service has no `VALUES`; the same
/// statement runs everywhere). On Query Service the JSON columns are NULL.
fn insert(row: &Row, query_service: bool) -> Statement {
    let mut values = Vec::new();
    let items: Vec<String> = COLUMNS
        .iter()
        .zip(row.values())
        .map(|(c, v)| {
            if query_service && NOT_ON_QUERY_SERVICE.contains(c) {
                format!("NULL AS {c}")
            } else {
                values.push(v);
                format!("${} AS {c}", values.len())
            }
        })
        .collect();
    Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("INSERT INTO lit_values SELECT {}", items.join(", ")),
        values,
    )
}

/// The row by its id, filtered on every non-NULL scalar too (hostile strings, bytes, floats
/// NaN, timestamps... in `WHERE`). Text arrays are read as JSON (see [`Row::read`]).
fn select(row: &Row) -> Statement {
    let filtered = [
        "c_bool", "c_i16", "c_i32", "c_i64", "c_f32", "c_f64", "c_text", "c_char", "c_bytea",
        "c_date", "c_time", "c_ts", "c_tstz", "c_utc", "c_uuid", "c_dec",
    ];
    let mut values = vec![Value::BigInt(Some(row.id))];
    let mut conditions = vec!["id = $1".to_owned()];
    for (c, v) in COLUMNS.iter().zip(row.values()) {
        let null = matches!(
            &v,
            Value::Bool(None)
                | Value::SmallInt(None)
                | Value::Int(None)
                | Value::BigInt(None)
                | Value::Float(None)
                | Value::Double(None)
                | Value::String(None)
                | Value::Char(None)
                | Value::Bytes(None)
                | Value::ChronoDate(None)
                | Value::ChronoTime(None)
                | Value::ChronoDateTime(None)
                | Value::ChronoDateTimeWithTimeZone(None)
                | Value::ChronoDateTimeUtc(None)
                | Value::Uuid(None)
                | Value::Decimal(None)
        );
        if filtered.contains(c) && !null {
            values.push(v);
            conditions.push(format!("{c} = ${}", values.len()));
        }
    }
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|c| match *c {
            "c_texts" => "to_json(c_texts) AS c_texts".to_owned(),
            c => c.to_owned(),
        })
        .collect();
    Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!(
            "SELECT {} FROM lit_values WHERE {}",
            columns.join(", "),
            conditions.join(" AND ")
        ),
        values,
    )
}

/// A failure of `stmt` on `path`, with the SQL as the path's renderer inlined it.
fn fail(path: &str, what: &str, stmt: &Statement) -> impl Fn(sea_orm::DbErr) -> TestCaseError {
    let flavor = if path.contains("query service") {
        qsorm_connect::Flavor::QueryService
    } else {
        qsorm_connect::Flavor::Postgres
    };
    let values = stmt
        .values
        .as_ref()
        .map(|v| v.0.clone())
        .unwrap_or_default();
    let sql = qsorm_connect::literal::inline(&stmt.sql, &values, flavor)
        .unwrap_or_else(|e| format!("{e}: {}", stmt.sql));
    let context = format!("{path}: {what}");
    move |e| TestCaseError::fail(format!("{context}: {e}\n{sql}"))
}

/// Writes `row` (unless `write` is false) and reads it back on `db`; returns what was read.
async fn round_trip<C: ConnectionTrait>(
    path: &str,
    db: &C,
    row: &Row,
    query_service: bool,
    write: bool,
) -> Result<Option<Row>, TestCaseError> {
    if write {
        let stmt = insert(row, query_service);
        db.execute_raw(stmt.clone())
            .await
            .map_err(fail(path, "insert", &stmt))?;
    }
    let stmt = select(row);
    let rows = db
        .query_all_raw(stmt.clone())
        .await
        .map_err(fail(path, "select", &stmt))?;
    match rows.as_slice() {
        [] if !write => Ok(None),
        [one] => Row::read(one)
            .map(Some)
            .map_err(|e| TestCaseError::fail(format!("{path}: decode: {e}"))),
        other => Err(TestCaseError::fail(format!(
            "{path}: {} rows for id {}",
            other.len(),
            row.id
        ))),
    }
}

async fn canary_alive(conn: &QsConnection) -> bool {
    conn.db()
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*)::bigint AS n FROM canary",
        ))
        .await
        .ok()
        .flatten()
        .and_then(|r| r.try_get::<i64>("", "n").ok())
        == Some(1)
}

// ---------------------------------------------------------------------------------------
// Properties.

#[test]
fn values_round_trip_through_bind_simple_and_the_local_query_service() {
    big_stack(|| {
        static NEXT_ID: AtomicI64 = AtomicI64::new(1);
        let rt = runtime();
        let (db, conn, qs, qs_conn, off) = rt.block_on(async {
            let schema = format!("{TABLE}{CANARY}");
            let (db, conn) = storage(&schema).await;
            let (qs, qs_conn) = local_query_service(&db).await;
            // A database where string literals read backslashes as escapes.
            let (off_db, setup) = storage(&schema).await;
            setup
                .db()
                .execute_unprepared(&format!(
                    "ALTER DATABASE \"{off_db}\" SET standard_conforming_strings = off"
                ))
                .await
                .expect("standard_conforming_strings = off");
            setup.close().await;
            let off = qsorm_connect::cli::sandbox_connection(sandbox(), &off_db, None)
                .expect("connection");
            (db, conn, qs, qs_conn, off)
        });
        let shown = rt
            .block_on(off.simple_query("SHOW standard_conforming_strings"))
            .expect("show");
        let setting: String = shown[0]
            .try_get("", "standard_conforming_strings")
            .expect("setting");
        assert_eq!(setting, "off");
        let (bound, simple, simple_off, qs_ex) =
            (conn.db(), conn.simple(), off.simple(), qs_conn.executor());
        runner(64)
            .run(&row(), |row| {
                let base = NEXT_ID.fetch_add(1, Ordering::Relaxed) * 10;
                rt.block_on(async {
                    let with_id = |k: i64| Row {
                        id: base + k,
                        ..row.clone()
                    };
                    // (a) the bind path: written when sqlx can bind it, read back anyway.
                    let a = with_id(1);
                    let back = round_trip("bind", bound, &a, false, a.bindable()).await?;
                    if let Some(back) = back {
                        prop_assert!(a.same(&back), "bind\nwrote {a:?}\nread  {back:?}");
                    }
                    // (b) simple() on PostgreSQL, both string modes.
                    for (path, c, id) in [
                        ("simple (standard_conforming_strings=on)", &simple, 2),
                        ("simple (standard_conforming_strings=off)", &simple_off, 3),
                    ] {
                        let b = with_id(id);
                        let back = round_trip(path, c, &b, false, true).await?;
                        let back = back.ok_or_else(|| TestCaseError::fail("no row"))?;
                        prop_assert!(b.same(&back), "{path}\nwrote {b:?}\nread  {back:?}");
                    }
                    // (c) the local Query Service.
                    let c = with_id(4).on_query_service();
                    let back = round_trip("query service", qs_ex, &c, true, true).await?;
                    let back = back.ok_or_else(|| TestCaseError::fail("no row"))?;
                    prop_assert!(c.same(&back), "Query Service\nwrote {c:?}\nread  {back:?}");
                    // Every path's row, read back over the bind path from the storage.
                    for (k, expected, storage) in [
                        (2, with_id(2), bound),
                        (3, with_id(3), off.db()),
                        (4, c.clone(), bound),
                    ] {
                        let back = round_trip("storage", storage, &expected, false, false)
                            .await?
                            .ok_or_else(|| TestCaseError::fail(format!("row {k} missing")))?;
                        prop_assert!(
                            expected.same(&back),
                            "storage {k}\nwrote {expected:?}\nread  {back:?}"
                        );
                    }
                    prop_assert!(canary_alive(&conn).await && canary_alive(&off).await);
                    Ok(())
                })
            })
            .unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(async {
            assert!(canary_alive(&conn).await, "the canary table was touched");
            qs_conn.close().await;
            conn.close().await;
            off.close().await;
        });
        drop(qs);
        let _ = db;
    });
}

/// PostgreSQL years outside Query Service's range: before 1 (`BC`) and after 9999.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_literals_take_years_before_1_and_after_9999() {
    let (_, conn) =
        storage("CREATE TABLE years (id int, d date, ts timestamp, tz timestamptz)").await;
    let simple = conn.simple();
    for (id, year) in [(1, -44), (2, 0), (3, 1), (4, 9999), (5, 12_345)] {
        let d = NaiveDate::from_ymd_opt(year, 3, 15).expect("date");
        let ts = d.and_hms_micro_opt(23, 59, 58, 123_456).expect("time");
        let tz = ts.and_utc().fixed_offset();
        simple
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO years VALUES ($1, $2, $3, $4)",
                [
                    Value::Int(Some(id)),
                    Value::ChronoDate(Some(d)),
                    Value::ChronoDateTime(Some(ts)),
                    Value::ChronoDateTimeWithTimeZone(Some(tz)),
                ],
            ))
            .await
            .unwrap_or_else(|e| panic!("year {year}: {e}"));
        let back = conn
            .db()
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT d, ts, tz FROM years WHERE id = $1",
                [Value::Int(Some(id))],
            ))
            .await
            .expect("read")
            .expect("row");
        let back_d: NaiveDate = back.try_get("", "d").expect("d");
        let back_ts: NaiveDateTime = back.try_get("", "ts").expect("ts");
        let back_tz: DateTime<FixedOffset> = back.try_get("", "tz").expect("tz");
        assert_eq!((back_d, back_ts, back_tz), (d, ts, tz), "year {year}");
    }
    conn.close().await;
}

// ---------------------------------------------------------------------------------------
// Repository reads with hostile filters.

const HOSTILE: &[&str] = &[
    "it's",
    "back\\slash",
    "\\'",
    "'\\",
    "a''b",
    "E'x'",
    "new\nline\r\ttab",
    "'); DROP TABLE canary; --",
    "ünïcødé ✓ 😀 ß €",
    "$1 $$ $q$ ${x} \" `tick`",
    "NULL",
    "",
    "\u{7f}\u{1}\u{1b}",
    "{a,\"b\"}",
    "\\x00ff",
    "\u{2028}\u{feff}",
];

/// Every read of the repository, with each hostile key and filter, returns the right rows.
async fn hostile_reads<C: ConnectionTrait + TransactionTrait + 'static>(
    what: &str,
    repo: &Repo<'_, events::Entity, C>,
    storage: &QsConnection,
) {
    let all = repo
        .find(Condition::all())
        .await
        .unwrap_or_else(|e| panic!("{what}: find all: {e}"));
    assert_eq!(all.len(), HOSTILE.len(), "{what}");
    for (i, key) in HOSTILE.iter().enumerate() {
        let n = i32::try_from(i).expect("n");
        let got = repo
            .get_required((*key).to_owned())
            .await
            .unwrap_or_else(|e| panic!("{what}: get {key:?}: {e}"));
        assert_eq!((got.id.as_str(), got.n), (*key, n), "{what}: get {key:?}");
        let by_type = Condition::all().add(events::Column::EventType.eq(format!("type {key}")));
        let found = repo
            .find(by_type.clone())
            .await
            .unwrap_or_else(|e| panic!("{what}: find {key:?}: {e}"));
        assert_eq!(found, vec![got.clone()], "{what}: find {key:?}");
        assert_eq!(repo.count(by_type.clone()).await.expect("count"), 1);
        assert!(repo.exists(by_type.clone()).await.expect("exists"));
        assert_eq!(
            repo.first(by_type.clone()).await.expect("first"),
            Some(got.clone())
        );
        let page = repo.page(by_type, 0, 10).await.expect("page");
        assert_eq!((page.items, page.total), (vec![got.clone()], 1));
        // Keyset after the hostile key: the rows the storage orders after it.
        let after = repo
            .keyset(Condition::all(), Some((*key).to_owned()), 100)
            .await
            .unwrap_or_else(|e| panic!("{what}: keyset after {key:?}: {e}"));
        let expected: i64 = storage
            .db()
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT count(*)::bigint AS n FROM events WHERE _id > $1",
                [Value::from((*key).to_owned())],
            ))
            .await
            .expect("count after")
            .expect("row")
            .try_get("", "n")
            .expect("n");
        assert_eq!(
            i64::try_from(after.items.len()).expect("len"),
            expected,
            "{what}: keyset after {key:?}"
        );
        assert!(after.items.iter().all(|e| e.id.as_str() != *key));
    }
    let streamed: Vec<events::Model> = repo
        .stream(Condition::all(), 3)
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("{what}: stream: {e}"));
    assert_eq!(streamed, all, "{what}: stream");
}

/// Whether PostgreSQL's lexer finds an `E'...'` literal (or cannot read the SQL).
fn escape_string(sql: &str) -> bool {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::{Token, Tokenizer};
    Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize()
        .map(|tokens| {
            tokens
                .iter()
                .any(|t| matches!(t, Token::EscapedStringLiteral(_)))
        })
        .unwrap_or(true)
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_filters_read_the_right_rows_on_the_local_query_service_and_postgres() {
    let conn = fixture_db().await;
    conn.db().execute_unprepared(CANARY).await.expect("canary");
    let (qs, qs_conn) = local_query_service(&conn.config().database).await;
    let recorder = Recorder::new();
    let repo = Repo::<events::Entity, _>::new(&qs_conn).with_recorder(recorder.clone());
    let rows: Vec<events::ActiveModel> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, key)| events::ActiveModel {
            id: sea_orm::ActiveValue::Set((*key).to_owned()),
            event_type: sea_orm::ActiveValue::Set(format!("type {key}")),
            n: sea_orm::ActiveValue::Set(i32::try_from(i).expect("n")),
        })
        .collect();
    repo.insert_many(rows)
        .await
        .expect("insert through Query Service");
    hostile_reads("Query Service", &repo, &conn).await;
    for sql in recorder.statements() {
        qs_grammar::check(&sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
        assert!(!escape_string(&sql), "an E'...' literal: {sql}");
    }
    // The PostgreSQL renderer on the same rows: inlined reads over the simple protocol.
    let simple = conn.simple();
    let pg = Repo::<events::Entity, _>::new(&simple);
    assert_eq!(pg.profile().wire(), WireMode::Inline);
    hostile_reads("PostgreSQL (inline)", &pg, &conn).await;
    assert!(canary_alive(&conn).await, "the canary table was touched");
    qs_conn.close().await;
    conn.close().await;
    drop(qs);
}

// ---------------------------------------------------------------------------------------
// NUL and placeholder errors.

fn nul_at(err: &sea_orm::DbErr) -> Option<String> {
    match inline_error(err)? {
        InlineError::Literal(LiteralError::Nul { at }) => Some(at.path().to_owned()),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nul_is_a_typed_error_naming_the_placeholder_on_every_inline_path() {
    let conn = fixture_db().await;
    let (qs, qs_conn) = local_query_service(&conn.config().database).await;
    let nul = || {
        Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT $1 AS a, $2 AS b",
            [Value::from("fine"), Value::from("before\0after")],
        )
    };
    for (what, simple) in [
        ("PostgreSQL", conn.simple()),
        ("Query Service", qs_conn.simple()),
    ] {
        let err = simple.query_all_raw(nul()).await.expect_err("NUL");
        assert_eq!(nul_at(&err).as_deref(), Some("$2"), "{what}: {err}");
        let err = simple.execute_raw(nul()).await.expect_err("NUL");
        assert_eq!(nul_at(&err).as_deref(), Some("$2"), "{what}: {err}");
        // Inside a transaction too, which stays usable.
        let tx = simple.begin().await.expect("begin");
        let err = tx.query_one_raw(nul()).await.expect_err("NUL");
        assert_eq!(nul_at(&err).as_deref(), Some("$2"), "{what}: {err}");
        tx.query_one_raw(Statement::from_string(DbBackend::Postgres, "SELECT 1"))
            .await
            .expect("the transaction goes on");
        tx.rollback().await.expect("rollback");
        // Placeholders and values that do not fit: typed, never a panic.
        let err = simple
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT $2",
                [Value::from("a")],
            ))
            .await
            .expect_err("missing value");
        assert!(
            matches!(inline_error(&err), Some(InlineError::Placeholder(_))),
            "{what}: {err}"
        );
        // The repository classifies it as invalid input.
        assert!(
            matches!(
                qsorm_repository::classify_db_err(err, None),
                RepoError::InvalidInput(_)
            ),
            "{what}"
        );
    }
    // The repository's inlined reads, on both flavors, before any round trip.
    for (what, db) in [
        ("Query Service", qs_conn.executor().clone()),
        (
            "PostgreSQL (inline)",
            qsorm_connect::Executor::Simple(conn.simple()),
        ),
    ] {
        let recorder = Recorder::new();
        let repo = Repo::<events::Entity, _>::new(&db).with_recorder(recorder.clone());
        assert_eq!(repo.profile().wire(), WireMode::Inline, "{what}");
        let err = repo
            .find(Condition::all().add(events::Column::EventType.eq("x\0")))
            .await
            .expect_err("NUL");
        assert!(
            matches!(&err, RepoError::InvalidInput(m) if m.contains("placeholder `$1`") && m.contains("NUL")),
            "{what}: {err}"
        );
        let err = repo.get("k\0".to_owned()).await.expect_err("NUL");
        assert!(matches!(&err, RepoError::InvalidInput(_)), "{what}: {err}");
        assert!(
            recorder.statements().is_empty(),
            "{what}: a statement was sent"
        );
    }
    // A Query Service script's select.
    let select = Query::select()
        .expr(Expr::col("n"))
        .from("events")
        .and_where(Expr::col("event_type").eq("x\0"))
        .to_owned();
    let err = create_table_as("t", select).to_sql().expect_err("NUL");
    assert!(
        matches!(
            &err,
            QsScriptError::Value(InlineError::Literal(LiteralError::Nul { .. }))
        ),
        "{err}"
    );
    qs_conn.close().await;
    conn.close().await;
    drop(qs);
}
