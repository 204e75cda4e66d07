//! Huge and malformed row values: an exact round trip or a typed error on every path, never
//! a panic, a truncation or a silently different value.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use qsorm_repository::{MAX_STATEMENT_BYTES, RepoError};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, IntoActiveModel};

use crate::hostile::{Column, Model, labelled};
use crate::{Path, SCHEMA, Wire, sandbox};

/// Field-by-field equality that tells NaN from NaN's absence, `-0.0` from `0.0`, and a
/// decimal's scale (`1.0` from `1.00`) but zero's (sqlx's binary decoder reads every
/// numeric zero as `0`, whatever its scale: the same value).
fn same(a: &Model, b: &Model) -> bool {
    let f32_same = |x: Option<f32>, y: Option<f32>| match (x, y) {
        (Some(x), Some(y)) => (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits(),
        (x, y) => x.is_none() && y.is_none(),
    };
    let f64_same = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits(),
        (x, y) => x.is_none() && y.is_none(),
    };
    a.id == b.id
        && a.label == b.label
        && a.note == b.note
        && a.n == b.n
        && f32_same(a.f32v, b.f32v)
        && f64_same(a.f64v, b.f64v)
        && a.ts == b.ts
        && a.naive == b.naive
        && a.day == b.day
        && a.amount == b.amount
        && a.amount.filter(|d| !d.is_zero()).map(|d| d.scale())
            == b.amount.filter(|d| !d.is_zero()).map(|d| d.scale())
        && a.doc == b.doc
}

async fn write(path: &Path, rows: &[Model]) {
    path.repo()
        .insert_many(
            rows.iter()
                .cloned()
                .map(IntoActiveModel::into_active_model)
                .collect(),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: insert_many: {e}", path.name));
}

async fn read_back(path: &Path, row: &Model) -> Model {
    path.repo()
        .get(row.id)
        .await
        .unwrap_or_else(|e| panic!("{}: get {}: {e}", path.name, row.id))
        .unwrap_or_else(|| panic!("{}: row {} is missing", path.name, row.id))
}

async fn assert_round_trip(path: &Path, rows: &[Model]) {
    for row in rows {
        let back = read_back(path, row).await;
        assert!(
            same(&back, row),
            "{}: row {} changed\nwrote {row:?}\nread  {back:?}",
            path.name,
            row.id
        );
    }
}

/// A decode error naming the entity and the column (one of `columns`, `|`-separated, when
/// several of the row's values are undecodable).
fn assert_decode_error(path: &Path, err: &RepoError, columns: &str, what: &str) {
    match err {
        RepoError::Decode { entity, reason } => {
            assert_eq!(entity, "hostile_rows", "{}: {what}", path.name);
            assert!(
                columns
                    .split('|')
                    .any(|c| reason.contains(&format!("\"{c}\""))
                        || reason.contains(&format!("`{c}`"))),
                "{}: {what}: the reason does not name `{columns}`: {reason}",
                path.name
            );
        }
        other => panic!("{}: {what}: not a decode error: {other:?}", path.name),
    }
}

// ---------------------------------------------------------------------------------------
// 10 MB of text.

/// 10 MB of text full of quotes, backslashes, dollar quotes, newlines and non-ASCII.
fn ten_megabytes() -> String {
    let unit = "it's \\ $q$ $$ 😀 \n%_\u{202e}\t\"";
    let mut s = String::with_capacity(10 << 20);
    while s.len() < 10 << 20 {
        s.push_str(unit);
    }
    s
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ten_megabyte_text_round_trips_on_postgres_and_hits_the_statement_cap_on_query_service() {
    let big = ten_megabytes();
    for path in Path::all(SCHEMA).await {
        let started = std::time::Instant::now();
        let row = labelled(1, &big);
        if path.is_query_service() {
            // One row whose literal alone is over the statement cap: refused whole,
            // typed, before anything is sent.
            let before = path.sent();
            let err = path
                .repo()
                .insert_many(vec![row.clone().into_active_model()])
                .await
                .expect_err("over the statement cap");
            assert!(
                matches!(
                    &err,
                    RepoError::StatementTooLarge { row: 0, limit, bytes, .. }
                        if *limit == MAX_STATEMENT_BYTES && *bytes > MAX_STATEMENT_BYTES
                ),
                "{}: {err:?}",
                path.name
            );
            assert!(err.to_string().contains("label"), "{err}");
            assert_eq!(path.sent(), before, "{}: a statement was sent", path.name);
            assert_eq!(path.storage_count("hostile_rows").await, 0);
            // Under the cap: 3 MiB of plain text goes in and comes back exactly.
            let three = labelled(2, &"0123456789abcdef".repeat(3 << 16));
            write(&path, std::slice::from_ref(&three)).await;
            assert_round_trip(&path, &[three]).await;
            // Reads are not capped: the 10 MB value written to the storage reads back
            // exactly through Query Service.
            path.storage
                .db()
                .execute_raw(sea_orm::Statement::from_sql_and_values(
                    sea_orm::DbBackend::Postgres,
                    "INSERT INTO hostile_rows (id, label) VALUES ($1, $2)",
                    [row.id.into(), big.clone().into()],
                ))
                .await
                .expect("storage insert");
            assert_round_trip(&path, std::slice::from_ref(&row)).await;
        } else {
            write(&path, std::slice::from_ref(&row)).await;
            assert_round_trip(&path, std::slice::from_ref(&row)).await;
            // And as a filter value.
            let by_label = Condition::all().add(Column::Label.eq(big.clone()));
            let found = path
                .repo()
                .find(by_label.clone())
                .await
                .unwrap_or_else(|e| panic!("{}: find: {e}", path.name));
            assert!(
                found == vec![row.clone()],
                "{}: find by the 10 MB label",
                path.name
            );
            assert_eq!(path.repo().count(by_label).await.expect("count"), 1);
        }
        path.check_grammar();
        path.assert_canary().await;
        eprintln!("{}: {:?}", path.name, started.elapsed());
        path.close().await;
    }
}

/// Query Service statements never exceed the cap: rows share a statement while it fits,
/// and a row too large for any statement is refused whole, naming its index and column.
#[test]
fn query_service_statements_stay_under_the_cap() {
    use qsorm_repository::Repo;
    // Only renders: a Query Service connection that is never opened.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_lazy("postgres://u@127.0.0.1:1/x")
        .expect("lazy pool");
    let qs =
        qsorm_connect::SimpleConnection::with_flavor(pool, qsorm_connect::Flavor::QueryService);
    let repo = Repo::<crate::hostile::Entity, _>::new(&qs);
    let mb = |id: i64, size: usize| labelled(id, &"x".repeat(size)).into_active_model();
    // 3/8 of the cap each: two share a statement, a third does not.
    let rows: Vec<_> = (0..5)
        .map(|id| mb(id, MAX_STATEMENT_BYTES / 8 * 3))
        .collect();
    let statements = repo.query_service_insert_sql(&rows).expect("statements");
    assert_eq!(statements.len(), 3, "two rows per statement, then one");
    for sql in &statements {
        assert!(sql.len() <= MAX_STATEMENT_BYTES, "{} bytes", sql.len());
    }
    let exact = repo
        .query_service_insert_sql(&[mb(0, MAX_STATEMENT_BYTES - 400)])
        .expect("a row just under the cap");
    assert!(exact[0].len() <= MAX_STATEMENT_BYTES);
    let mut rows: Vec<_> = (0..2).map(|id| mb(id, 10)).collect();
    rows.push(mb(2, MAX_STATEMENT_BYTES));
    let err = repo.query_service_insert_sql(&rows).expect_err("too large");
    assert!(
        matches!(&err, RepoError::StatementTooLarge { row: 2, column, .. } if column == "label"),
        "{err:?}"
    );

    // The cap is the profile's: a raised one packs the five rows into one statement and
    // takes the row refused above; a lowered one refuses a row the default takes.
    let raised =
        Repo::<crate::hostile::Entity, _>::new(&qs).with_statement_cap(2 * MAX_STATEMENT_BYTES);
    let five: Vec<_> = (0..5)
        .map(|id| mb(id, MAX_STATEMENT_BYTES / 8 * 3))
        .collect();
    let statements = raised.query_service_insert_sql(&five).expect("statements");
    assert_eq!(
        statements.len(),
        1,
        "five rows of 3/16 of the raised cap in one statement"
    );
    assert!(
        statements
            .iter()
            .all(|s| s.len() <= 2 * MAX_STATEMENT_BYTES)
    );
    raised
        .query_service_insert_sql(&rows)
        .expect("under the raised cap");
    let lowered = Repo::<crate::hostile::Entity, _>::new(&qs).with_statement_cap(1 << 20);
    let err = lowered
        .query_service_insert_sql(&[mb(0, 2 << 20)])
        .expect_err("over the lowered cap");
    assert!(
        matches!(&err, RepoError::StatementTooLarge { row: 0, limit, .. } if *limit == 1 << 20),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Floats.

fn float_rows() -> Vec<Model> {
    let f32s = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        -0.0,
        0.0,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        1e-45,
        0.1,
    ];
    let f64s = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        0.0,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        5e-324,
        0.1,
    ];
    f32s.iter()
        .zip(f64s)
        .enumerate()
        .map(|(i, (f, d))| Model {
            f32v: Some(*f),
            f64v: Some(d),
            ..labelled(i64::try_from(i).expect("id"), &format!("float {i}"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn nan_infinities_and_negative_zero_round_trip_exactly_on_every_path() {
    for path in Path::all(SCHEMA).await {
        let rows = float_rows();
        write(&path, &rows).await;
        assert_round_trip(&path, &rows).await;
        // As filter values: NaN equals NaN in SQL's ordering semantics, infinities equal
        // themselves.
        for (value, ids) in [
            (f64::NAN, vec![0]),
            (f64::INFINITY, vec![1]),
            (f64::NEG_INFINITY, vec![2]),
            (f64::MIN_POSITIVE, vec![7]),
            (5e-324, vec![8]),
        ] {
            let found: Vec<i64> = path
                .repo()
                .find(Condition::all().add(Column::F64v.eq(value)))
                .await
                .unwrap_or_else(|e| panic!("{}: f64v = {value}: {e}", path.name))
                .into_iter()
                .map(|m| m.id)
                .collect();
            assert_eq!(found, ids, "{}: f64v = {value}", path.name);
        }
        let found: Vec<i64> = path
            .repo()
            .find(Condition::all().add(Column::F32v.eq(f32::NAN)))
            .await
            .unwrap_or_else(|e| panic!("{}: f32v = NaN: {e}", path.name))
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(found, vec![0], "{}: f32v = NaN", path.name);
        path.check_grammar();
        path.close().await;
    }
}

// ---------------------------------------------------------------------------------------
// Timestamps and dates.

fn utc(naive: NaiveDateTime) -> DateTime<FixedOffset> {
    Utc.from_utc_datetime(&naive).fixed_offset()
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn dated(id: i64, day: NaiveDate) -> Model {
    let naive = day.and_hms_micro_opt(23, 59, 59, 999_999).expect("time");
    Model {
        day: Some(day),
        naive: Some(naive),
        ts: Some(utc(naive)),
        ..labelled(id, &format!("dated {day}"))
    }
}

/// PostgreSQL values no chrono type holds, written to the storage directly: each read of
/// the row is a decode error naming its column, never a panic.
const BEYOND_CHRONO: &[(i64, &str, &str)] = &[
    (101, "ts", "'infinity'"),
    (102, "ts", "'-infinity'"),
    (103, "ts", "'294276-12-31 23:59:59.999999+00'"),
    (104, "naive", "'infinity'"),
    (105, "naive", "'-infinity'"),
    (106, "naive", "'294276-12-31 23:59:59.999999'"),
    (107, "naive", "'262143-01-01 00:00:00'"),
    (108, "day", "'infinity'"),
    (109, "day", "'-infinity'"),
    (110, "day", "'5874897-12-31'"),
    (111, "day", "'262143-01-01'"),
];

#[tokio::test(flavor = "multi_thread")]
async fn timestamps_beyond_chrono_are_decode_errors_and_its_limits_round_trip_or_fail_typed() {
    for path in Path::all(SCHEMA).await {
        // Years every path takes: exact.
        let plain = vec![
            dated(1, ymd(1, 1, 1)),
            dated(2, ymd(9999, 12, 31)),
            dated(3, ymd(1970, 1, 1)),
        ];
        write(&path, &plain).await;
        assert_round_trip(&path, &plain).await;

        // chrono's own limits and years before 1.
        let edges = vec![
            dated(10, NaiveDate::MAX),
            dated(11, ymd(-4712, 1, 1)),
            dated(12, ymd(0, 2, 29)),
            dated(13, ymd(10_000, 1, 1)),
        ];
        if path.is_query_service() {
            // Spark's years are 1..=9999: refused before anything is sent.
            for row in &edges {
                let before = path.sent();
                let err = path
                    .repo()
                    .insert_many(vec![row.clone().into_active_model()])
                    .await
                    .expect_err("a year outside 1..=9999");
                assert!(
                    matches!(&err, RepoError::InvalidInput(m) if m.contains("outside 1..=9999")),
                    "{}: {err:?}",
                    path.name
                );
                assert_eq!(path.sent(), before);
            }
        } else {
            write(&path, &edges).await;
            for row in &edges {
                match path.repo().get(row.id).await {
                    // Binary rows: exact.
                    Ok(Some(back)) if path.wire == Wire::Bind => assert!(
                        same(&back, row),
                        "{}: row {} changed\nwrote {row:?}\nread  {back:?}",
                        path.name,
                        row.id
                    ),
                    // Text rows: PostgreSQL writes these years `4713-01-01 BC` or with five
                    // or more digits, which sqlx's chrono parsers do not read: typed.
                    Err(err) if path.wire == Wire::Inline => {
                        assert_decode_error(&path, &err, "ts|naive|day", "chrono edge")
                    }
                    other => panic!("{}: row {}: {other:?}", path.name, row.id),
                }
            }
        }
        // Below PostgreSQL's range (4713 BC): a typed error from the server (22008) or,
        // on Query Service, from the renderer.
        let err = path
            .repo()
            .insert_many(vec![dated(20, NaiveDate::MIN).into_active_model()])
            .await
            .expect_err("before 4713 BC");
        assert!(
            err.sqlstate() == Some(qsorm_repository::SqlState::DATETIME_FIELD_OVERFLOW)
                || matches!(err, RepoError::InvalidInput(_)),
            "{}: {err:?}",
            path.name
        );

        for (id, column, value) in BEYOND_CHRONO {
            path.storage_exec(&format!(
                "INSERT INTO hostile_rows (id, label, {column}) VALUES ({id}, 'beyond', {value})"
            ))
            .await;
            let what = format!("{column} = {value}");
            let err = path.repo().get(*id).await.expect_err("beyond chrono");
            assert_decode_error(&path, &err, column, &what);
            let err = path
                .repo()
                .find(Condition::all().add(Column::Id.eq(*id)))
                .await
                .expect_err("beyond chrono");
            assert_decode_error(&path, &err, column, &what);
            path.storage_exec(&format!("DELETE FROM hostile_rows WHERE id = {id}"))
                .await;
        }
        // The rows that decode still read back.
        assert_round_trip(&path, &plain).await;
        path.check_grammar();
        path.close().await;
    }
}

// ---------------------------------------------------------------------------------------
// Invalid UTF-8.

/// A database whose server encoding (SQL_ASCII) stores any byte: text that is not UTF-8
/// reaches the client as it is.
async fn sql_ascii_database() -> String {
    let sb = sandbox();
    let name = format!(
        "qsorm_ascii_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    sb.admin_execute(
        "postgres",
        &format!(
            "CREATE DATABASE \"{name}\" ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' \
             TEMPLATE template0 OWNER \"{}\"",
            sb.app_user()
        ),
    )
    .await
    .expect("SQL_ASCII database");
    name
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_utf8_reaching_a_string_field_is_a_decode_error_naming_the_column() {
    use sea_orm::{TransactionSession, TransactionTrait};
    for wire in [Wire::Bind, Wire::Inline, Wire::QueryService] {
        let database = sql_ascii_database().await;
        let path = Path::on(wire, &database, SCHEMA).await;
        path.storage_exec(
            "INSERT INTO hostile_rows (id, label, note) VALUES \
             (1, 'fine', 'fine'), (2, E'\\xff\\xfe', 'fine'), (3, 'fine', E'caf\\xe9')",
        )
        .await;
        let good = path
            .repo()
            .get(1)
            .await
            .unwrap_or_else(|e| panic!("{}: the valid row: {e}", path.name));
        assert_eq!(good.map(|m| m.label), Some("fine".to_owned()));
        // With the client encoding UTF8 (what every path asks for), the server checks the
        // text it sends and refuses: SQLSTATE 22021, typed.
        for id in [2, 3] {
            let err = path.repo().get(id).await.expect_err("invalid UTF-8");
            assert_eq!(
                err.sqlstate(),
                Some(qsorm_repository::SqlState::CHARACTER_NOT_IN_REPERTOIRE),
                "{}: {err:?}",
                path.name
            );
        }
        // A session whose client encoding is SQL_ASCII gets the bytes as stored: the decoder
        // refuses them, naming the column (never replacement characters).
        if path.wire != Wire::QueryService {
            for (id, column) in [(2, "label"), (3, "note")] {
                let tx = path.db.begin().await.expect("begin");
                tx.execute_unprepared("SET LOCAL client_encoding = 'SQL_ASCII'")
                    .await
                    .expect("client encoding");
                let err = path
                    .repo()
                    .on(&tx)
                    .get(id)
                    .await
                    .expect_err("invalid UTF-8");
                assert_decode_error(&path, &err, column, "invalid UTF-8");
                let err = path
                    .repo()
                    .on(&tx)
                    .find(Condition::all())
                    .await
                    .expect_err("invalid UTF-8");
                assert_decode_error(&path, &err, "label", "invalid UTF-8");
                tx.rollback().await.expect("rollback");
            }
        }
        path.close().await;
    }
    // In a UTF-8 database the server itself refuses to make such text: a typed error
    // (SQLSTATE 22021) on every path, from a view whose `label` converts `\xff`.
    for path in Path::all("").await {
        path.storage_exec(
            "CREATE VIEW hostile_rows AS SELECT 1::bigint AS id, \
             convert_from('\\xff'::bytea, 'UTF8') AS label, NULL::text AS note, \
             NULL::bigint AS n, NULL::real AS f32v, NULL::double precision AS f64v, \
             NULL::timestamptz AS ts, NULL::timestamp AS naive, NULL::date AS day, \
             NULL::numeric AS amount, NULL::jsonb AS doc",
        )
        .await;
        let err = path
            .repo()
            .find(Condition::all())
            .await
            .expect_err("invalid UTF-8 in a view");
        assert_eq!(
            err.sqlstate(),
            Some(qsorm_repository::SqlState::CHARACTER_NOT_IN_REPERTOIRE),
            "{}: {err:?}",
            path.name
        );
        path.close().await;
    }
}

// ---------------------------------------------------------------------------------------
// Decimals and integers.

fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

#[tokio::test(flavor = "multi_thread")]
async fn decimals_at_the_edge_of_precision_round_trip_and_beyond_it_fail_typed() {
    let edges = [
        Decimal::MAX,
        Decimal::MIN,
        Decimal::new(1, 28),
        Decimal::new(-1, 28),
        dec("0.1234567890123456789012345678"),
        dec("7922816251426433759354395033.5"),
        dec("-7.9228162514264337593543950335"),
        dec("12.30"),
        dec("0.00"),
    ];
    // Stored values no `Decimal` holds: a decode error, never a rounded value.
    let beyond = [
        "79228162514264337593543950336",
        "-79228162514264337593543950336",
        "123456789012345678901234567890.5",
        "0.00000000000000000000000000001",
        "0.12345678901234567890123456789",
        "-1.00000000000000000000000000001",
        "'NaN'",
        "'Infinity'",
        "'-Infinity'",
    ];
    for path in Path::all(SCHEMA).await {
        let rows: Vec<Model> = edges
            .iter()
            .enumerate()
            .map(|(i, d)| Model {
                amount: Some(*d),
                ..labelled(i64::try_from(i).expect("id"), &format!("decimal {d}"))
            })
            .collect();
        write(&path, &rows).await;
        assert_round_trip(&path, &rows).await;
        for row in &rows {
            let amount = row.amount.expect("amount");
            let found: Vec<i64> = path
                .repo()
                .find(Condition::all().add(Column::Amount.eq(amount)))
                .await
                .unwrap_or_else(|e| panic!("{}: amount = {amount}: {e}", path.name))
                .into_iter()
                .map(|m| m.id)
                .collect();
            assert_eq!(found, vec![row.id], "{}: amount = {amount}", path.name);
        }
        for (k, value) in beyond.iter().enumerate() {
            let id = 100 + i64::try_from(k).expect("id");
            path.storage_exec(&format!(
                "INSERT INTO hostile_rows (id, label, amount) VALUES ({id}, 'beyond', {value})"
            ))
            .await;
            let err = path
                .repo()
                .get(id)
                .await
                .map(|m| m.and_then(|m| m.amount))
                .expect_err(value);
            assert_decode_error(&path, &err, "amount", value);
        }
        path.check_grammar();
        path.close().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn i64_extremes_round_trip_and_filter_on_every_path() {
    let values = [
        i64::MIN,
        i64::MAX,
        -1,
        0,
        i64::MIN + 1,
        1 << 53,
        (1 << 53) + 1,
    ];
    for path in Path::all(SCHEMA).await {
        let rows: Vec<Model> = values
            .iter()
            .enumerate()
            .map(|(i, n)| Model {
                n: Some(*n),
                ..labelled(i64::try_from(i).expect("id"), &format!("n {n}"))
            })
            .collect();
        write(&path, &rows).await;
        assert_round_trip(&path, &rows).await;
        // Negative keys too.
        let key = labelled(i64::MIN, "the smallest key");
        write(&path, std::slice::from_ref(&key)).await;
        assert_round_trip(&path, std::slice::from_ref(&key)).await;
        let ids = |found: Vec<Model>| found.into_iter().map(|m| m.id).collect::<Vec<_>>();
        for (cond, expected) in [
            (Column::N.eq(i64::MIN), vec![0]),
            (Column::N.eq(i64::MAX), vec![1]),
            (Column::N.lt(0), vec![0, 2, 4]),
            (Column::N.is_in([i64::MIN, i64::MAX]), vec![0, 1]),
            (Column::N.eq((1i64 << 53) + 1), vec![6]),
            (Column::Id.lt(-1), vec![i64::MIN]),
        ] {
            let shown = format!("{cond:?}");
            let found = path
                .repo()
                .find(Condition::all().add(cond))
                .await
                .unwrap_or_else(|e| panic!("{}: {shown}: {e}", path.name));
            assert_eq!(ids(found), expected, "{}: {shown}", path.name);
        }
        path.check_grammar();
        path.close().await;
    }
}
