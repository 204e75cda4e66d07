//! Read speed of `find` and `stream` next to raw sqlx and sea-orm on an event-shaped table.
//! Measurements, not checks of the build: `#[ignore]`d, run in release by hand:
//!
//! ```sh
//! cargo test --release -p qsorm-repository --test read_speed -- --ignored --nocapture --test-threads=1
//! ```
//!
//! `QSORM_READ_ROWS` (default 100,000) sizes the `find` comparison, `QSORM_STREAM_ROWS`
//! (default 1,000,000) the `stream` one, `QSORM_READ_RUNS` (default 5) the repetitions.
//! Contenders alternate (run r of each in turn, then run r + 1), so a slow spell of a shared
//! machine hits them alike; each figure is the median, each ratio is against the first
//! contender of the table.

mod support;

use std::pin::Pin;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use qsorm_connect::QsConnection;
use qsorm_connect::cli::sandbox_connection;
use qsorm_repository::Repo;
use sea_orm::{Condition, ConnectionTrait, EntityTrait, QueryOrder, TransactionTrait};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, Row};
use support::event_table::{PAGE_EVENTS_SQL, page_events, seed_page_events_sql};

fn rows_from_env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn seeded(rows: u64) -> QsConnection {
    let sb = support::sandbox();
    let name = sb.fresh_database().await.expect("fresh database");
    let conn = sandbox_connection(sb, &name, None).expect("connection");
    conn.db()
        .execute_unprepared(PAGE_EVENTS_SQL)
        .await
        .expect("table");
    conn.db()
        .execute_unprepared(&seed_page_events_sql(rows))
        .await
        .expect("seed");
    conn
}

/// The raw baseline's struct, decoded by column index.
struct RawEvent {
    _id: String,
    _occurred_at: chrono::DateTime<chrono::FixedOffset>,
    _event_type: String,
    _page_url: String,
    _value: Option<f64>,
    _referrer: Option<String>,
    _payload: serde_json::Value,
}

impl FromRow<'_, PgRow> for RawEvent {
    fn from_row(row: &PgRow) -> Result<Self, sqlx::Error> {
        Ok(RawEvent {
            _id: row.try_get(0)?,
            _occurred_at: row.try_get(1)?,
            _event_type: row.try_get(2)?,
            _page_url: row.try_get(3)?,
            _value: row.try_get(4)?,
            _referrer: row.try_get(5)?,
            _payload: row.try_get(6)?,
        })
    }
}

const RAW_SELECT: &str = "SELECT id, occurred_at, event_type, page_url, value, referrer, payload \
                          FROM page_events ORDER BY id";

/// A contender's run: the row count it read.
type Run<'a> = Box<dyn Fn() -> Pin<Box<dyn Future<Output = usize> + 'a>> + 'a>;

fn run<'a, F, Fut>(f: F) -> Run<'a>
where
    F: Fn() -> Fut + 'a,
    Fut: Future<Output = usize> + 'a,
{
    Box::new(move || Box::pin(f()))
}

/// Runs the contenders alternately, `runs` times each; prints the median time, rows/s, peak
/// RSS and the speed next to the first contender.
async fn alternate(expected: u64, runs: usize, contenders: Vec<(&str, Run<'_>)>) {
    let mut times = vec![Vec::new(); contenders.len()];
    let mut peaks = vec![0f64; contenders.len()];
    for _ in 0..runs {
        for (i, (what, run)) in contenders.iter().enumerate() {
            reset_peak_rss();
            let start = Instant::now();
            let n = run().await;
            times[i].push(start.elapsed());
            peaks[i] = peaks[i].max(peak_rss_mib());
            assert_eq!(n as u64, expected, "{what}");
        }
    }
    let medians: Vec<Duration> = times
        .iter_mut()
        .map(|t| {
            t.sort();
            t[t.len() / 2]
        })
        .collect();
    println!("{expected} rows, median of {runs}, alternating");
    for (i, (what, _)) in contenders.iter().enumerate() {
        let m = medians[i].as_secs_f64();
        println!(
            "{what:<52} {:>8.1} ms {:>10.0} rows/s  peak RSS {:>5.0} MiB  {:.2}x {}",
            m * 1e3,
            expected as f64 / m,
            peaks[i],
            medians[0].as_secs_f64() / m,
            contenders[0].0,
        );
    }
}

fn runs() -> usize {
    usize::try_from(rows_from_env("QSORM_READ_RUNS", 5)).unwrap_or(5)
}

#[tokio::test]
#[ignore = "a measurement: run in release with --ignored --nocapture"]
async fn find_next_to_raw_sqlx_and_sea_orm() {
    let rows = rows_from_env("QSORM_READ_ROWS", 100_000);
    let conn = seeded(rows).await;
    let db = conn.db();
    let pool = db.get_postgres_connection_pool();
    let repo = Repo::<page_events::Entity, _>::new(db);
    let repo = &repo;
    // The connection itself: statements through its executor.
    let ex = Repo::<page_events::Entity, _>::new(&conn);
    let ex = &ex;
    let contenders = vec![
        (
            "raw sqlx query_as (by index), fetch_all, ORDER BY id",
            run(|| async {
                sqlx::query_as::<_, RawEvent>(RAW_SELECT)
                    .fetch_all(pool)
                    .await
                    .expect("raw")
                    .len()
            }),
        ),
        (
            "sea-orm Entity::find().order_by_asc(id).all()",
            run(|| async {
                page_events::Entity::find()
                    .order_by_asc(page_events::Column::Id)
                    .all(db)
                    .await
                    .expect("sea-orm")
                    .len()
            }),
        ),
        (
            "qsorm find (pool)",
            run(|| async { repo.find(Condition::all()).await.expect("find").len() }),
        ),
        (
            "qsorm find (executor)",
            run(|| async { ex.find(Condition::all()).await.expect("find").len() }),
        ),
        (
            "qsorm find (in a transaction)",
            run(|| async {
                let tx = db.begin().await.expect("begin");
                let n = repo
                    .on(&tx)
                    .find(Condition::all())
                    .await
                    .expect("find")
                    .len();
                tx.commit().await.expect("commit");
                n
            }),
        ),
    ];
    alternate(rows, runs(), contenders).await;
}

/// Peak resident memory of this process since the last [`reset_peak_rss`], in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

fn reset_peak_rss() {
    // Linux: "5" resets the peak resident set size to the current one.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

#[tokio::test]
#[ignore = "a measurement: run in release with --ignored --nocapture"]
async fn stream_next_to_find() {
    let rows = rows_from_env("QSORM_STREAM_ROWS", 1_000_000);
    let find_rows = rows_from_env("QSORM_READ_ROWS", 100_000).min(rows);
    let conn = seeded(rows).await;
    let db = conn.db();
    let pool = db.get_postgres_connection_pool();
    let repo = Repo::<page_events::Entity, _>::new(db);
    let repo = &repo;
    let count = |n: usize, _| async move { Ok(n + 1) };
    let contenders = vec![
        (
            "raw sqlx fetch (row stream, decoded by index)",
            run(|| async {
                sqlx::query_as::<_, RawEvent>(RAW_SELECT)
                    .fetch(pool)
                    .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                    .await
                    .expect("raw")
            }),
        ),
        (
            "qsorm stream (pool: one query)",
            run(move || async move {
                repo.stream(Condition::all(), 10_000)
                    .try_fold(0usize, count)
                    .await
                    .expect("stream")
            }),
        ),
        (
            "qsorm stream (transaction: cursor, 10,000 per FETCH)",
            run(move || async move {
                let tx = db.begin().await.expect("begin");
                let n = repo
                    .on(&tx)
                    .stream(Condition::all(), 10_000)
                    .try_fold(0usize, count)
                    .await
                    .expect("stream");
                tx.commit().await.expect("commit");
                n
            }),
        ),
    ];
    alternate(rows, runs(), contenders).await;
    let filter = Condition::all().add(sea_orm::ColumnTrait::lte(
        &page_events::Column::Id,
        format!("e{find_rows:07}"),
    ));
    let filter = &filter;
    let finds = vec![
        (
            "qsorm find, first rows (for stream's ratio to find)",
            run(move || async move { repo.find(filter.clone()).await.expect("find").len() }),
        ),
        (
            "qsorm stream, same rows",
            run(move || async move {
                repo.stream(filter.clone(), 10_000)
                    .try_fold(0usize, count)
                    .await
                    .expect("stream")
            }),
        ),
    ];
    alternate(find_rows, runs(), finds).await;
}

/// One contender, once, for an instruction count of the client's work under callgrind
/// (robust to the machine's load): `QSORM_READ_CONTENDER` = `none` (connect and seed only,
/// the fixed cost to subtract), `raw`, `sea-orm`, `find`, `find-tx`, `raw-stream`, `stream`,
/// `stream-tx`; `QSORM_READ_ROWS` rows.
///
/// ```sh
/// QSORM_READ_ROWS=20000 QSORM_READ_CONTENDER=find valgrind --tool=callgrind \
///   target/release/deps/read_speed-* --ignored --exact one_contender_for_callgrind
/// ```
#[tokio::test(flavor = "current_thread")]
#[ignore = "a measurement: run under callgrind"]
async fn one_contender_for_callgrind() {
    let rows = rows_from_env("QSORM_READ_ROWS", 20_000);
    let contender = std::env::var("QSORM_READ_CONTENDER").unwrap_or_else(|_| "find".into());
    let conn = seeded(rows).await;
    let db = conn.db();
    let pool = db.get_postgres_connection_pool();
    let repo = Repo::<page_events::Entity, _>::new(db);
    let all = Condition::all;
    let n = match contender.as_str() {
        "none" => usize::try_from(rows).unwrap_or(usize::MAX),
        "raw" => sqlx::query_as::<_, RawEvent>(RAW_SELECT)
            .fetch_all(pool)
            .await
            .expect("raw")
            .len(),
        "sea-orm" => page_events::Entity::find()
            .order_by_asc(page_events::Column::Id)
            .all(db)
            .await
            .expect("sea-orm")
            .len(),
        "find" => repo.find(all()).await.expect("find").len(),
        "find-tx" => {
            let tx = db.begin().await.expect("begin");
            let n = repo.on(&tx).find(all()).await.expect("find").len();
            tx.commit().await.expect("commit");
            n
        }
        "raw-stream" => sqlx::query_as::<_, RawEvent>(RAW_SELECT)
            .fetch(pool)
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await
            .expect("raw"),
        "stream" => repo
            .stream(all(), 10_000)
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await
            .expect("stream"),
        "stream-tx" => {
            let tx = db.begin().await.expect("begin");
            let n = repo
                .on(&tx)
                .stream(all(), 10_000)
                .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                .await
                .expect("stream");
            tx.commit().await.expect("commit");
            n
        }
        other => panic!("unknown contender {other}"),
    };
    assert_eq!(n as u64, rows, "{contender}");
}
