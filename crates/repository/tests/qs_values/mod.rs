//! The Query Service renderer round-trips values exactly: random values of every type the
//! sample entities use (and of every type the renderer writes) are inserted by the Query
//! Service profile through the **local Query Service** (`qsorm-query-service`, which holds
//! each statement to Query Service's contract — Spark string literals, store assignment,
//! `struct(...)` / `array(...)` — and runs it on the sandbox database behind it), read back
//! from that database with the PostgreSQL profile and compared with what went in. Every
//! statement is also checked against the documented subset (`support::qs_grammar`).
//!
//! Bounded for CI: a fixed number of cases per property (`QSORM_QS_CASES` raises it), no
//! regression files written.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use qsorm_connect::QsConnection;
use qsorm_connect::cli::sandbox_connection;
use qsorm_repository::qs_literal::{CompositeTypes, QsType, string_literal, value_literal};
use qsorm_repository::{Recorder, Repo, RepoError, Table};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, Value};
use serde_json::Value as Json;

use crate::support::entities::qs_values::{self, Inner, Mood, Outer, Outers};
use crate::support::query_service::local_query_service;
use crate::support::{qs_grammar, sandbox};

// ---------------------------------------------------------------------------------------
// Running properties against the sandbox.

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Runs `f` on a thread with a large stack: the strategies' value trees (nested tuples,
/// recursive JSON) are deep in debug builds.
pub fn big_stack(f: impl FnOnce() + Send + 'static) {
    let worker = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .expect("thread");
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
}

pub fn runner(cases: u32) -> TestRunner {
    let cases = std::env::var("QSORM_QS_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    })
}

/// A fresh sandbox database with `sql` loaded: its name and a PostgreSQL connection.
pub async fn storage(sql: &str) -> (String, QsConnection) {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("fresh database");
    let conn = sandbox_connection(sb, &db, None).expect("connection");
    conn.db()
        .execute_unprepared(sql)
        .await
        .expect("schema loads");
    (db, conn)
}

/// Inserts `models` with the Query Service profile through the local Query Service (`qs`, a
/// Query Service connection), and checks every statement against the documented subset.
/// `types` are the composite types an entity with nested columns must declare
/// (`Table::COMPOSITE_TYPES`): its Query Service inserts type the fields of `struct(...)`
/// literals from them.
async fn insert_via_query_service<E, A>(
    qs: &QsConnection,
    types: &'static qsorm_repository::qs_literal::CompositeTable,
    models: Vec<A>,
) -> Result<(), TestCaseError>
where
    E: Table,
    A: ActiveModelTrait<Entity = E> + Send,
{
    if !E::NESTED.is_empty() {
        prop_assert_eq!(
            E::COMPOSITE_TYPES,
            types,
            "the composite types of {}",
            std::any::type_name::<E>()
        );
    }
    let recorder = Recorder::new();
    let repo = Repo::<E, _>::new(qs).with_recorder(recorder.clone());
    let outcome = repo.insert_many(models).await;
    let statements = recorder.statements();
    for sql in &statements {
        qs_grammar::check(sql).map_err(|e| TestCaseError::fail(format!("{e}\n{sql}")))?;
    }
    outcome.map_err(|e| {
        TestCaseError::fail(format!(
            "the local Query Service refused the insert: {e}\n{}",
            statements.join("\n")
        ))
    })?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Strategies.

/// Quotes, backslashes, control characters, array and record syntax, non-ASCII, emoji.
const SPECIALS: &[char] = &[
    '\'', '\\', '\n', '\r', '\t', '\u{1}', '\u{1b}', '\u{1f}', '\u{7f}', '"', ',', '{', '}', '(',
    ')', ' ', 'é', 'ß', '😀', '€', '$', '`', ';', '-', '/', '*', 'E', 'x', '\u{85}', '\u{2028}',
    '\u{feff}',
];

pub fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => proptest::sample::select(SPECIALS),
        2 => any::<char>().prop_filter("no NUL", |c| *c != '\0'),
        2 => proptest::char::range('a', 'z'),
    ]
}

pub fn hostile_string(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        1 => Just("NULL".to_owned()),
        1 => Just("it's \\N".to_owned()),
        10 => proptest::collection::vec(hostile_char(), 0..max)
            .prop_map(|cs| cs.into_iter().collect()),
    ]
}

pub fn opt<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
    proptest::option::weighted(0.8, s)
}

pub fn decimal_12_2() -> impl Strategy<Value = Decimal> {
    (-999_999_999_999i64..=999_999_999_999).prop_map(|n| Decimal::new(n, 2))
}

pub fn decimal_any() -> impl Strategy<Value = Decimal> {
    const MAX: i128 = 10i128.pow(28) - 1;
    prop_oneof![
        (any::<i64>(), 0u32..=18).prop_map(|(m, s)| Decimal::new(m, s)),
        (-MAX..=MAX, 0u32..=28).prop_map(|(m, s)| Decimal::from_i128_with_scale(m, s)),
        Just(Decimal::ZERO),
        Just(Decimal::new(-1, 28)),
    ]
}

pub fn f64_any() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>(),
        1 => proptest::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            0.0,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            0.1,
            1e16,
            -1e-5,
        ]),
    ]
}

pub fn f32_any() -> impl Strategy<Value = f32> {
    prop_oneof![
        4 => any::<f32>(),
        1 => proptest::sample::select(vec![
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -0.0,
            1e-45,
            f32::MAX,
            0.1,
        ]),
    ]
}

/// Finite: JSON (the form composites travel in) has no NaN or infinity.
pub fn f64_finite() -> impl Strategy<Value = f64> {
    f64_any().prop_filter("finite", |f| f.is_finite())
}

fn f32_finite() -> impl Strategy<Value = f32> {
    f32_any().prop_filter("finite", |f| f.is_finite())
}

/// Days from 0001-01-01 to 9999-12-31.
pub fn date_in(years: std::ops::RangeInclusive<i32>) -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(*years.start(), 1, 1).expect("date");
    let last = NaiveDate::from_ymd_opt(*years.end(), 12, 31).expect("date");
    let span = (last - first).num_days();
    prop_oneof![
        8 => (0..=span).prop_map(move |d| first + chrono::Duration::days(d)),
        1 => Just(first),
        1 => Just(last),
    ]
}

pub fn time_micros() -> impl Strategy<Value = NaiveTime> {
    prop_oneof![
        8 => (0u32..86_400, 0u32..1_000_000).prop_map(|(s, us)| {
            NaiveTime::from_num_seconds_from_midnight_opt(s, us * 1_000).expect("time")
        }),
        1 => Just(NaiveTime::MIN),
        1 => Just(NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("time")),
    ]
}

pub fn naive_in(years: std::ops::RangeInclusive<i32>) -> impl Strategy<Value = NaiveDateTime> {
    (date_in(years), time_micros()).prop_map(|(d, t)| d.and_time(t))
}

pub fn tstz_in(
    years: std::ops::RangeInclusive<i32>,
) -> impl Strategy<Value = DateTime<FixedOffset>> {
    (naive_in(years), -15 * 60..=15 * 60i32).prop_map(|(local, minutes)| {
        FixedOffset::east_opt(minutes * 60)
            .expect("offset")
            .from_local_datetime(&local)
            .single()
            .expect("fixed offsets are unambiguous")
    })
}

pub fn json_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        f64_finite().prop_map(|f| serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)),
        hostile_string(12).prop_map(Json::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            proptest::collection::vec((hostile_string(8), inner), 0..4)
                .prop_map(|kv| Json::Object(kv.into_iter().collect())),
        ]
    })
}

fn mood() -> impl Strategy<Value = Mood> {
    proptest::sample::select(vec![Mood::Happy, Mood::NotOk, Mood::Quote, Mood::Backslash])
}

pub fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..24)
}

/// Intervals in PostgreSQL's output form (what `::text` reads back).
fn interval() -> impl Strategy<Value = String> {
    proptest::sample::select(vec![
        "00:00:00".to_owned(),
        "1 day 02:00:00".to_owned(),
        "-3 days".to_owned(),
        "00:00:01.5".to_owned(),
        "1 year 2 mons".to_owned(),
        "-00:00:00.000001".to_owned(),
    ])
}

fn inner() -> impl Strategy<Value = Inner> {
    (
        (
            opt(hostile_string(16)),
            opt(decimal_12_2()),
            opt(f64_finite()),
            opt(f32_finite()),
            opt(tstz_in(2..=9998)),
            opt(naive_in(1..=9999)),
            opt(date_in(1..=9999)),
            opt(time_micros()),
            opt(any::<u128>().prop_map(sea_orm::prelude::Uuid::from_u128)),
        ),
        (
            opt(json_value().prop_filter("not JSON null", |j| !j.is_null())),
            opt(bytes().prop_map(|b| {
                let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
                format!("\\x{hex}")
            })),
            opt(mood()),
            opt(proptest::collection::vec(opt(hostile_string(8)), 0..4)),
            opt(any::<bool>()),
            opt(any::<i64>()),
            opt(any::<i16>()),
            opt(hostile_string(8)),
            opt(hostile_string(8)),
        ),
    )
        .prop_map(
            |(
                (t, n, f, r, ts, naive, d, tm, u),
                (j, b, mood, tags, flag, big, small, order, weird_name),
            )| Inner {
                t,
                n,
                f,
                r,
                ts,
                naive,
                d,
                tm,
                u,
                j,
                b,
                mood,
                tags,
                flag,
                big,
                small,
                order,
                weird_name,
            },
        )
}

fn outer() -> impl Strategy<Value = Outer> {
    (
        opt(inner()),
        opt(proptest::collection::vec(opt(inner()), 0..3)),
        opt(hostile_string(8)),
    )
        .prop_map(|(inner, inners, label)| Outer {
            inner,
            inners,
            label,
        })
}

fn qs_values_row() -> impl Strategy<Value = qs_values::Model> {
    (
        (
            opt(hostile_string(40)),
            opt(hostile_string(40)),
            opt(proptest::collection::vec(hostile_char(), 3).prop_map(|c| c.into_iter().collect())),
            opt(any::<i16>()),
            opt(any::<i32>()),
            opt(any::<i64>()),
            opt(f32_any()),
            opt(f64_any()),
            opt(decimal_12_2()),
            opt(decimal_any()),
            opt(any::<bool>()),
        ),
        (
            opt(bytes()),
            opt(any::<u128>().prop_map(sea_orm::prelude::Uuid::from_u128)),
            opt(json_value()),
            opt(json_value()),
            opt(date_in(1..=9999)),
            opt(time_micros()),
            opt(naive_in(1..=9999)),
            opt(tstz_in(1..=9999)),
            opt(interval()),
            opt(mood()),
        ),
        (
            opt(proptest::collection::vec(hostile_string(12), 0..5)),
            opt(proptest::collection::vec(any::<i32>(), 0..5)),
            opt(proptest::collection::vec(decimal_any(), 0..4)),
            opt(proptest::collection::vec(tstz_in(1..=9999), 0..3)),
            opt(proptest::collection::vec(mood(), 0..4)),
            opt(proptest::collection::vec(f64_any(), 0..4)),
            opt(inner()),
            opt(outer()),
            opt(proptest::collection::vec(outer(), 0..3).prop_map(Outers)),
        ),
    )
        .prop_map(
            |(
                (
                    c_text,
                    c_varchar,
                    c_char,
                    c_i16,
                    c_i32,
                    c_i64,
                    c_f32,
                    c_f64,
                    c_dec,
                    c_dec_any,
                    c_bool,
                ),
                (
                    c_bytea,
                    c_uuid,
                    c_json,
                    c_jsonb,
                    c_date,
                    c_time,
                    c_ts,
                    c_tstz,
                    c_interval,
                    c_mood,
                ),
                (c_texts, c_ints, c_decs, c_tstzs, c_moods, c_f64s, c_inner, c_outer, c_outers),
            )| qs_values::Model {
                id: 0,
                c_text,
                c_varchar,
                c_char,
                c_i16,
                c_i32,
                c_i64,
                c_f32,
                c_f64,
                c_dec,
                c_dec_any,
                c_bool,
                c_bytea,
                c_uuid,
                c_json,
                c_jsonb,
                c_date,
                c_time,
                c_ts,
                c_tstz,
                c_interval,
                c_mood,
                c_texts,
                c_ints,
                c_decs,
                c_tstzs,
                c_moods,
                c_f64s,
                c_inner,
                c_outer,
                c_outers,
            },
        )
}

// ---------------------------------------------------------------------------------------
// Comparisons.

pub fn same_f64(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

pub fn same_f32(a: f32, b: f32) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

fn same_opt<T: Copy>(a: Option<T>, b: Option<T>, same: impl Fn(T, T) -> bool) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Equal, floats compared bit for bit (NaN with NaN, -0.0 apart from 0.0). Timestamps
/// compare as instants (chrono), JSON objects regardless of key order (jsonb reorders).
fn same_row(a: &qs_values::Model, b: &qs_values::Model) -> bool {
    let floats = same_opt(a.c_f32, b.c_f32, same_f32)
        && same_opt(a.c_f64, b.c_f64, same_f64)
        && match (&a.c_f64s, &b.c_f64s) {
            (Some(x), Some(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_f64(*x, *y))
            }
            (None, None) => true,
            _ => false,
        };
    let strip = |m: &qs_values::Model| {
        let mut m = qs_values::Model {
            c_f32: None,
            c_f64: None,
            c_f64s: None,
            ..m.clone()
        };
        normalize_row(&mut m);
        m
    };
    floats && strip(a) == strip(b)
}

/// A number's exact decimal value, without exponent (`1e16` and `10000000000000000` are
/// the same JSON number; jsonb gives numbers back in this form).
pub fn plain_number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or_default();
    if f == 0.0 {
        return "0".to_owned();
    }
    let sci = format!("{:e}", f.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits = mantissa.replace('.', "");
    let point = 1 + exponent.parse::<i64>().unwrap_or(0);
    let len = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let body = if point <= 0 {
        format!(
            "0.{}{digits}",
            "0".repeat(usize::try_from(-point).unwrap_or(0))
        )
    } else if point >= len {
        format!(
            "{digits}{}",
            "0".repeat(usize::try_from(point - len).unwrap_or(0))
        )
    } else {
        let (int, frac) = digits.split_at(usize::try_from(point).unwrap_or(0));
        format!("{int}.{frac}")
    };
    if f < 0.0 { format!("-{body}") } else { body }
}

/// JSON with every number replaced by its exact decimal value (marked, so it cannot equal
/// a string), for comparing what went in with what jsonb gives back.
pub fn normalize_json(j: &mut Json) {
    match j {
        Json::Number(n) => *j = Json::String(format!("\u{0}number {}", plain_number(n))),
        Json::Array(items) => items.iter_mut().for_each(normalize_json),
        Json::Object(fields) => fields.values_mut().for_each(normalize_json),
        _ => {}
    }
}

fn normalize_inner(i: &mut Inner) {
    if let Some(j) = &mut i.j {
        normalize_json(j);
    }
}

fn normalize_outer(o: &mut Outer) {
    if let Some(i) = &mut o.inner {
        normalize_inner(i);
    }
    for i in o.inners.iter_mut().flatten().flatten() {
        normalize_inner(i);
    }
}

fn normalize_row(m: &mut qs_values::Model) {
    for j in [&mut m.c_json, &mut m.c_jsonb].into_iter().flatten() {
        normalize_json(j);
    }
    if let Some(i) = &mut m.c_inner {
        normalize_inner(i);
    }
    if let Some(o) = &mut m.c_outer {
        normalize_outer(o);
    }
    for o in m.c_outers.iter_mut().flat_map(|o| o.0.iter_mut()) {
        normalize_outer(o);
    }
}

/// The lines where the pretty-printed values differ.
fn diff<T: std::fmt::Debug>(wrote: &T, read: &T) -> String {
    let (a, b) = (format!("{wrote:#?}"), format!("{read:#?}"));
    let lines: Vec<String> = a
        .lines()
        .zip(b.lines())
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| format!("line {i}: wrote {x}\n         read  {y}"))
        .collect();
    format!("wrote and read differ:\n{}", lines.join("\n"))
}

// ---------------------------------------------------------------------------------------
// Properties.

/// The string form on its own, read by PostgreSQL's lexer and by the local Query Service's
/// Spark-style one: `SELECT <literal>` gives the string back on both, and it holds no
/// backslash or control character between quotes.
#[test]
fn strings_read_back_exactly_on_postgres_and_the_local_query_service() {
    big_stack(|| {
        let rt = runtime();
        let (db, conn) = rt.block_on(storage("SELECT 1"));
        let (qs, qs_conn) = rt.block_on(local_query_service(&db));
        runner(128)
            .run(&hostile_string(64), |s| {
                let lit = string_literal(&s).expect("no NUL");
                let inside_quotes: String = lit.split('\'').skip(1).step_by(2).collect();
                prop_assert!(
                    !inside_quotes
                        .chars()
                        .any(|c| matches!(c, '\\' | '\u{0}'..='\u{1f}' | '\u{7f}')),
                    "{lit}"
                );
                for (server, c) in [("PostgreSQL", &conn), ("Query Service", &qs_conn)] {
                    let rows = rt
                        .block_on(c.simple_query(&format!("SELECT {lit} AS v")))
                        .map_err(|e| TestCaseError::fail(format!("{server}: {e}: {lit}")))?;
                    let back: String = rows
                        .first()
                        .ok_or_else(|| TestCaseError::fail(format!("{server}: no row")))?
                        .try_get("", "v")
                        .map_err(|e| TestCaseError::fail(format!("{server}: {e}")))?;
                    prop_assert_eq!(&back, &s, "{}: {}", server, lit);
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(async {
            qs_conn.close().await;
            conn.close().await;
        });
        drop(qs);
    });
}

/// Every type the renderer writes, top-level and inside nested composites and arrays.
#[test]
fn every_type_round_trips_through_query_service_inserts() {
    big_stack(|| {
        static NEXT_ID: AtomicI64 = AtomicI64::new(1);
        let rt = runtime();
        let (db, conn) = rt.block_on(storage(include_str!("../support/qs_values.sql")));
        let (qs, qs_conn) = rt.block_on(local_query_service(&db));
        let pg = Repo::<qs_values::Entity, _>::new(conn.db());
        runner(48)
            .run(&proptest::collection::vec(qs_values_row(), 1..4), |rows| {
                let rows: Vec<qs_values::Model> = rows
                    .into_iter()
                    .map(|mut r| {
                        r.id = i32::try_from(NEXT_ID.fetch_add(1, Ordering::Relaxed)).expect("id");
                        r
                    })
                    .collect();
                rt.block_on(async {
                    let models: Vec<qs_values::ActiveModel> = rows
                        .iter()
                        .cloned()
                        .map(IntoActiveModel::into_active_model)
                        .collect();
                    insert_via_query_service(&qs_conn, qs_values::COMPOSITE_TYPES, models).await?;
                    for row in &rows {
                        let back = pg
                            .get_required(row.id)
                            .await
                            .map_err(|e| TestCaseError::fail(format!("read back: {e}")))?;
                        prop_assert!(same_row(row, &back), "{}", diff(row, &back));
                    }
                    Ok(())
                })
            })
            .unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(async {
            qs_conn.close().await;
            conn.close().await;
        });
        drop(qs);
    });
}

/// Arrays whose elements are NULL, `'NULL'`, empty, or full of array syntax.
#[test]
fn arrays_with_null_and_hostile_elements_round_trip() {
    big_stack(|| {
        let rt = runtime();
        let (db, conn) = rt.block_on(storage(
            "CREATE TABLE qs_arrays (id integer, a text[], n numeric(12,2)[], t timestamptz[])",
        ));
        let (qs, qs_conn) = rt.block_on(local_query_service(&db));
        let qs_ex = qs_conn.executor();
        let types = CompositeTypes::new();
        let strategy = (
            proptest::collection::vec(opt(hostile_string(10)), 0..6),
            proptest::collection::vec(opt(decimal_12_2()), 0..4),
            // Read back through `array_to_json`, which writes years before 1 with a " BC"
            // suffix chrono does not parse: the edges are covered by the typed columns.
            proptest::collection::vec(opt(tstz_in(2..=9998)), 0..4),
        );
        let next_id = AtomicI64::new(1);
        runner(64)
            .run(&strategy, |(texts, decimals, stamps)| {
                let id = next_id.fetch_add(1, Ordering::Relaxed);
                let array = |ty: sea_orm::sea_query::ArrayType, items: Vec<Value>| {
                    Value::Array(ty, Some(Box::new(items)))
                };
                let a = array(
                    sea_orm::sea_query::ArrayType::String,
                    texts.iter().cloned().map(Value::String).collect(),
                );
                let n = array(
                    sea_orm::sea_query::ArrayType::Decimal,
                    decimals.iter().copied().map(Value::Decimal).collect(),
                );
                let t = array(
                    sea_orm::sea_query::ArrayType::ChronoDateTimeWithTimeZone,
                    stamps
                        .iter()
                        .copied()
                        .map(Value::ChronoDateTimeWithTimeZone)
                        .collect(),
                );
                let lit = |v: &Value, ty: &str, col: &str| {
                    value_literal(v, &QsType::parse(ty, &types), &types, col).expect("renders")
                };
                let sql = format!(
                    "INSERT INTO qs_arrays SELECT {id} AS id, {} AS a, {} AS n, {} AS t",
                    lit(&a, "text[]", "a"),
                    lit(&n, "numeric(12,2)[]", "n"),
                    lit(&t, "timestamp with time zone[]", "t"),
                );
                qs_grammar::check(&sql).map_err(|e| TestCaseError::fail(format!("{e}\n{sql}")))?;
                let row = rt.block_on(async {
                    qs_ex.execute_unprepared(&sql).await.map_err(|e| {
                        TestCaseError::fail(format!("the local Query Service refused: {e}\n{sql}"))
                    })?;
                    conn.db()
                        .query_one_raw(sea_orm::Statement::from_string(
                            sea_orm::DbBackend::Postgres,
                            format!(
                                "SELECT array_to_json(a)::text AS a, array_to_json(n)::text AS n, \
                                 array_to_json(t)::text AS t FROM qs_arrays WHERE id = {id}"
                            ),
                        ))
                        .await
                        .map_err(|e| TestCaseError::fail(e.to_string()))
                })?;
                let row = row.expect("the row");
                let json = |c: &str| -> Json {
                    serde_json::from_str(&row.try_get::<String>("", c).expect("json text"))
                        .expect("json")
                };
                let back: Vec<Option<String>> = serde_json::from_value(json("a")).expect("texts");
                prop_assert_eq!(&back, &texts, "{}", sql);
                let back: Vec<Option<Decimal>> =
                    serde_json::from_value(json("n")).expect("decimals");
                prop_assert_eq!(&back, &decimals, "{}", sql);
                let back: Vec<Option<DateTime<FixedOffset>>> =
                    serde_json::from_value(json("t")).expect("timestamps");
                prop_assert_eq!(&back, &stamps, "{}", sql);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(async {
            qs_conn.close().await;
            conn.close().await;
        });
        drop(qs);
    });
}

/// The sample entities (`qsorm-entity`, generated by entity-gen) with their generated
/// `COMPOSITE_TYPES`, on the migrated sample schema.
#[test]
fn sample_entities_round_trip_through_query_service_inserts() {
    big_stack(|| {
        use qsorm_entity::composites::{
            COMPOSITE_TYPES, ProfilesPerson, ProfilesPersonName, WebEventsAcme, WebEventsCommerce,
            WebEventsCommerceOrder, WebEventsProductListItems, WebEventsProductListItemsList,
            WebEventsWeb, WebEventsWebPageDetails, WebEventsWebReferrer,
        };
        use qsorm_entity::sea_orm_active_enums::ProfilesLoyaltyTier as Tier;
        use qsorm_entity::{line_adjustments, order_lines, orders, profiles, web_events};

        static NEXT_KEY: AtomicI64 = AtomicI64::new(1);
        let rt = runtime();
        let (conn, qs, qs_conn) = rt.block_on(async {
            let sb = sandbox();
            let db = sb.fresh_database().await.expect("fresh database");
            let conn = sandbox_connection(sb, &db, None).expect("connection");
            // The schema migrations (not the sample rows); keys and checks dropped so random
            // rows need no parents.
            qsorm_migrate::Runner::of::<qsorm_migrations::Migrator>(&conn)
                .run(qsorm_migrate::Op::Up(Some(4)))
                .await
                .expect("migrations");
            conn.db()
                .execute_unprepared(
                    "DO $$ DECLARE r record; BEGIN FOR r IN SELECT conrelid::regclass AS t, conname \
                     FROM pg_constraint WHERE contype IN ('f', 'c') \
                     AND connamespace = 'public'::regnamespace LOOP \
                     EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.t, r.conname); \
                     END LOOP; END $$",
                )
                .await
                .expect("drop constraints");
            let (qs, qs_conn) = local_query_service(&db).await;
            (conn, qs, qs_conn)
        });
        let text = || hostile_string(16);
        let web = (
            opt((opt(text()), opt(text()), opt(any::<bool>()))),
            opt((opt(text()), opt(text()))),
        )
            .prop_map(|(page, referrer)| WebEventsWeb {
                page_details: page.map(|(name, url, is_home_page)| WebEventsWebPageDetails {
                    name,
                    url,
                    is_home_page,
                }),
                referrer: referrer.map(|(url, type_)| WebEventsWebReferrer { url, type_ }),
            });
        let commerce = (
            opt((opt(text()), opt(decimal_12_2()))),
            opt(any::<i32>()),
            opt(any::<i32>()),
        )
            .prop_map(|(order, purchases, product_views)| WebEventsCommerce {
                order: order.map(|(currency_code, price_total)| WebEventsCommerceOrder {
                    currency_code,
                    price_total,
                }),
                purchases,
                product_views,
            });
        let items = proptest::collection::vec(
            (opt(text()), opt(any::<i32>()), opt(decimal_12_2())).prop_map(
                |(sku, quantity, price_total)| WebEventsProductListItems {
                    sku,
                    quantity,
                    price_total,
                },
            ),
            0..3,
        )
        .prop_map(WebEventsProductListItemsList);
        let event = (
            text(),
            tstz_in(1..=9999),
            text(),
            opt(web),
            opt(commerce),
            opt(items),
            opt(json_value()),
            opt((opt(text()), opt(text()))),
        )
            .prop_map(
                |(
                    id,
                    timestamp,
                    event_type,
                    web,
                    commerce,
                    product_list_items,
                    identity_map,
                    acme,
                )| {
                    web_events::Model {
                        id,
                        timestamp,
                        event_type,
                        web,
                        commerce,
                        product_list_items,
                        identity_map,
                        acme: acme.map(|(loyalty_id, campaign)| WebEventsAcme {
                            loyalty_id,
                            campaign,
                        }),
                    }
                },
            );
        let tier =
            proptest::sample::select(vec![Tier::Bronze, Tier::Silver, Tier::Gold, Tier::Platinum]);
        let profile = (
            text(),
            opt((opt((opt(text()), opt(text()))), opt(any::<i32>()))),
            opt(text()),
            tier,
            proptest::collection::vec(hostile_string(8), 0..4),
            tstz_in(1..=9999),
        )
            .prop_map(
                |(id, person, personal_email, loyalty_tier, tags, created_at)| profiles::Model {
                    id,
                    person: person.map(|(name, birth_year)| ProfilesPerson {
                        name: name.map(|(first_name, last_name)| ProfilesPersonName {
                            first_name,
                            last_name,
                        }),
                        birth_year,
                    }),
                    personal_email,
                    loyalty_tier,
                    tags,
                    created_at,
                },
            );
        let order = (
            text(),
            tstz_in(1..=9999),
            proptest::collection::vec(hostile_char(), 3)
                .prop_map(|c| c.into_iter().collect::<String>()),
            text(),
        );
        let line = (text(), any::<i32>(), decimal_12_2());
        let adjustment = (any::<i32>(), text(), decimal_12_2());
        let strategy = (
            proptest::collection::vec(event, 1..4),
            profile,
            order,
            line,
            adjustment,
        );
        runner(32)
            .run(&strategy, |(events, profile, order, line, adjustment)| {
                let key = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
                let events: Vec<web_events::Model> = events
                    .into_iter()
                    .enumerate()
                    .map(|(i, mut e)| {
                        e.id = format!("{key}-{i}:{}", e.id);
                        e
                    })
                    .collect();
                let profile = profiles::Model {
                    id: format!("{key}:{}", profile.id),
                    ..profile
                };
                let order = orders::Model {
                    order_id: key,
                    profile_id: order.0,
                    ordered_at: order.1,
                    currency_code: order.2,
                    status: order.3,
                };
                let line = order_lines::Model {
                    order_id: key,
                    line_no: line.1,
                    sku: line.0,
                    quantity: line.1,
                    unit_price: line.2,
                };
                let adjustment = line_adjustments::Model {
                    adjustment_id: key,
                    order_id: key,
                    line_no: adjustment.0,
                    reason: adjustment.1,
                    amount: adjustment.2,
                };
                rt.block_on(async {
                    /// JSON numbers compared by value (jsonb rewrites `1e16` as an integer).
                    trait Normalized {
                        fn normalized(self) -> Self;
                    }
                    impl Normalized for web_events::Model {
                        fn normalized(mut self) -> Self {
                            if let Some(j) = &mut self.identity_map {
                                normalize_json(j);
                            }
                            self
                        }
                    }
                    macro_rules! plain {
                    ($($t:ty),*) => {$(impl Normalized for $t {
                        fn normalized(self) -> Self {
                            self
                        }
                    })*};
                }
                    plain!(
                        profiles::Model,
                        orders::Model,
                        order_lines::Model,
                        line_adjustments::Model
                    );
                    fn normalized<T: Normalized>(t: T) -> T {
                        t.normalized()
                    }
                    macro_rules! round_trip {
                        ($module:ident, $rows:expr, $key:expr) => {{
                            let rows: Vec<$module::Model> = $rows;
                            insert_via_query_service(
                                &qs_conn,
                                COMPOSITE_TYPES,
                                rows.iter()
                                    .cloned()
                                    .map(IntoActiveModel::into_active_model)
                                    .collect::<Vec<_>>(),
                            )
                            .await?;
                            let pg = Repo::<$module::Entity, _>::new(conn.db());
                            for row in &rows {
                                let back = pg
                                    .get_required($key(row))
                                    .await
                                    .map_err(|e| TestCaseError::fail(format!("read back: {e}")))?;
                                prop_assert_eq!(normalized(row.clone()), normalized(back));
                            }
                        }};
                    }
                    round_trip!(web_events, events.clone(), |r: &web_events::Model| r
                        .id
                        .clone());
                    round_trip!(profiles, vec![profile.clone()], |r: &profiles::Model| r
                        .id
                        .clone());
                    round_trip!(orders, vec![order.clone()], |r: &orders::Model| r.order_id);
                    round_trip!(order_lines, vec![line.clone()], |r: &order_lines::Model| (
                        r.order_id, r.line_no
                    ));
                    round_trip!(
                        line_adjustments,
                        vec![adjustment.clone()],
                        |r: &line_adjustments::Model| r.adjustment_id
                    );
                    Ok(())
                })
            })
            .unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(async {
            qs_conn.close().await;
            conn.close().await;
        });
        drop(qs);
    });
}

/// A NUL character is refused before any round trip, naming the column (nested: the path).
#[test]
fn a_nul_character_is_invalid_input_naming_the_column() {
    let rt = runtime();
    rt.block_on(async {
        let (_, conn) = storage(include_str!("../support/qs_values.sql")).await;
        // The Query Service profile on the PostgreSQL pool: Query Service literals over the
        // simple protocol (nothing is sent here).
        let qs = qsorm_connect::SimpleConnection::with_flavor(
            conn.db().get_postgres_connection_pool().clone(),
            qsorm_connect::Flavor::QueryService,
        );
        assert_eq!(qs_values::Entity::COMPOSITE_TYPES, qs_values::COMPOSITE_TYPES);
        let recorder = Recorder::new();
        let repo = Repo::<qs_values::Entity, _>::new(&qs).with_recorder(recorder.clone());
        let empty = qs_values::Model {
            id: 1,
            c_text: None,
            c_varchar: None,
            c_char: None,
            c_i16: None,
            c_i32: None,
            c_i64: None,
            c_f32: None,
            c_f64: None,
            c_dec: None,
            c_dec_any: None,
            c_bool: None,
            c_bytea: None,
            c_uuid: None,
            c_json: None,
            c_jsonb: None,
            c_date: None,
            c_time: None,
            c_ts: None,
            c_tstz: None,
            c_interval: None,
            c_mood: None,
            c_texts: None,
            c_ints: None,
            c_decs: None,
            c_tstzs: None,
            c_moods: None,
            c_f64s: None,
            c_inner: None,
            c_outer: None,
            c_outers: None,
        };
        let inner = Inner {
            t: None,
            n: None,
            f: None,
            r: None,
            ts: None,
            naive: None,
            d: None,
            tm: None,
            u: None,
            j: None,
            b: None,
            mood: None,
            tags: None,
            flag: None,
            big: None,
            small: None,
            order: None,
            weird_name: None,
        };
        let cases = [
            (
                qs_values::Model {
                    c_text: Some("before\0after".into()),
                    ..empty.clone()
                },
                "`c_text`",
            ),
            (
                qs_values::Model {
                    c_texts: Some(vec!["ok".into(), "\0".into()]),
                    ..empty.clone()
                },
                "`c_texts[2]`",
            ),
            (
                qs_values::Model {
                    c_jsonb: Some(serde_json::json!({"k": "a\u{0}"})),
                    ..empty.clone()
                },
                "`c_jsonb`",
            ),
            (
                qs_values::Model {
                    c_outer: Some(Outer {
                        inner: None,
                        inners: Some(vec![
                            None,
                            Some(Inner {
                                order: Some("x\0".into()),
                                ..inner.clone()
                            }),
                        ]),
                        label: None,
                    }),
                    ..empty.clone()
                },
                "`c_outer.inners[2].order`",
            ),
        ];
        for (row, column) in cases {
            let err = repo
                .insert_many(vec![row.into_active_model()])
                .await
                .expect_err("NUL refused");
            assert!(
                matches!(&err, RepoError::InvalidInput(m) if m.contains(column) && m.contains("NUL")),
                "{err}"
            );
        }
        assert!(recorder.statements().is_empty(), "{:?}", recorder.statements());
        conn.close().await;
    });
}
