//! Read speed of `find` and `stream` next to raw sqlx and sea-orm on an event-shaped table.
//! Measurements, not checks of the build: `#[ignore]`d, run in release by hand:
//!
//! ```sh
//! cargo test --release -p qsorm-repository --test read_speed -- --ignored --nocapture --test-threads=1
//! ```
//!
//! `QSORM_READ_ROWS` (default 100,000) sizes the `find` comparison, `QSORM_STREAM_ROWS`
//! (default 1,000,000) the `stream` one. Each figure is the best of a few runs.

mod support;

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use qsorm_connect::QsConnection;
use qsorm_connect::cli::sandbox_connection;
use qsorm_repository::{Profile, Repo};
use sea_orm::{Condition, ConnectionTrait, EntityTrait, QueryOrder};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, Row};
use support::event_table::{PAGE_EVENTS_SQL, page_events, seed_page_events_sql};

const RUNS: usize = 5;

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

/// Best time of `RUNS` runs of `run`, which returns the row count.
async fn best<F, Fut>(what: &str, expected: u64, mut run: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = usize>,
{
    let mut best = Duration::MAX;
    for _ in 0..RUNS {
        let start = Instant::now();
        let n = run().await;
        best = best.min(start.elapsed());
        assert_eq!(n as u64, expected, "{what}");
    }
    println!(
        "{what:<48} {:>8.1} ms  {:>10.0} rows/s",
        best.as_secs_f64() * 1e3,
        expected as f64 / best.as_secs_f64()
    );
    best
}

#[tokio::test]
#[ignore = "a measurement: run in release with --ignored --nocapture"]
async fn find_next_to_raw_sqlx_and_sea_orm() {
    let rows = rows_from_env("QSORM_READ_ROWS", 100_000);
    let conn = seeded(rows).await;
    let db = conn.db();
    let pool = db.get_postgres_connection_pool();
    let repo = Repo::<page_events::Entity>::new(Profile::for_connection(&conn));
    println!("{rows} rows of page_events, best of {RUNS}");
    let raw = best(
        "raw sqlx query_as (by index), ORDER BY id",
        rows,
        || async {
            sqlx::query_as::<_, RawEvent>(RAW_SELECT)
                .fetch_all(pool)
                .await
                .expect("raw")
                .len()
        },
    )
    .await;
    let sea = best("sea-orm Entity::find().all()", rows, || async {
        page_events::Entity::find()
            .all(db)
            .await
            .expect("sea-orm")
            .len()
    })
    .await;
    let sea_ordered = best(
        "sea-orm Entity::find().order_by_asc(id).all()",
        rows,
        || async {
            page_events::Entity::find()
                .order_by_asc(page_events::Column::Id)
                .all(db)
                .await
                .expect("sea-orm")
                .len()
        },
    )
    .await;
    let find = best("qsorm find", rows, || async {
        repo.find(db, Condition::all()).await.expect("find").len()
    })
    .await;
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!(
        "find speed: {:.2}x raw, {:.2}x sea-orm find().all(), {:.2}x sea-orm ordered",
        ratio(raw, find),
        ratio(sea, find),
        ratio(sea_ordered, find)
    );
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
    let repo = Repo::<page_events::Entity>::new(Profile::for_connection(&conn));
    println!("{rows} rows of page_events, best of {RUNS}");
    for page in [1_000u64, 10_000] {
        reset_peak_rss();
        let before = peak_rss_mib();
        let t = best(
            &format!("qsorm stream, {page} rows per FETCH"),
            rows,
            || async {
                repo.stream(db, Condition::all(), page)
                    .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                    .await
                    .expect("stream")
            },
        )
        .await;
        println!(
            "  peak RSS {:.0} MiB (from {before:.0} MiB), {:.0} rows/s",
            peak_rss_mib(),
            rows as f64 / t.as_secs_f64()
        );
    }
    let filter = Condition::all().add(sea_orm::ColumnTrait::lte(
        &page_events::Column::Id,
        format!("e{find_rows:07}"),
    ));
    let t = best(
        &format!("qsorm find, first {find_rows} rows"),
        find_rows,
        || {
            let filter = filter.clone();
            let repo = &repo;
            async move { repo.find(db, filter).await.expect("find").len() }
        },
    )
    .await;
    println!("  find {:.0} rows/s", find_rows as f64 / t.as_secs_f64());
}
