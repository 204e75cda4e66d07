//! Benchmark harness: qsorm's paths against raw baselines measured in the same run, on the
//! sandbox PostgreSQL. Prints times and ratios; asserts nothing about speed.
//!
//! ```text
//! cargo bench --bench qsorm            # 100,000 rows
//! QSORM_BENCH_ROWS=20000 cargo bench --bench qsorm
//! ```

use std::time::{Duration, Instant};

use qsorm::connect::QsConnection;
use qsorm::connect::cli::sandbox_connection;
use qsorm::repository::{Profile, Repo, WireMode};
use qsorm::sandbox::Sandbox;
use rust_decimal::Decimal;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{Condition, ConnectionTrait, EntityTrait};

mod bench_rows {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_rows")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub customer_id: i64,
        pub total: Decimal,
        pub note: String,
        pub created_at: DateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

const SCHEMA: &str = "CREATE TABLE bench_rows (id bigserial PRIMARY KEY, customer_id bigint NOT NULL, \
    total numeric(12,2) NOT NULL, note text NOT NULL, created_at timestamptz NOT NULL)";

fn ts() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00+00:00").expect("timestamp")
}

fn rows(n: usize) -> Vec<bench_rows::ActiveModel> {
    (0..n)
        .map(|i| bench_rows::ActiveModel {
            id: NotSet,
            customer_id: Set(i64::try_from(i % 1_000).expect("small")),
            total: Set(Decimal::new(i64::try_from(i).expect("small"), 2)),
            note: Set(format!("note {i} with 'quotes' and \\ backslash")),
            created_at: Set(ts()),
        })
        .collect()
}

async fn reset(conn: &QsConnection) {
    conn.db()
        .execute_unprepared("TRUNCATE bench_rows RESTART IDENTITY")
        .await
        .expect("truncate");
}

/// Best of `runs` timings of `f` (each run after `reset`).
async fn best<F, Fut>(conn: &QsConnection, runs: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut best = Duration::MAX;
    for _ in 0..runs {
        reset(conn).await;
        let run = f(); // inputs are cloned here, outside the timing
        let start = Instant::now();
        run.await;
        best = best.min(start.elapsed());
    }
    best
}

fn line(name: &str, d: Duration, baseline: Option<(&str, Duration)>) {
    match baseline {
        Some((b, bd)) => println!(
            "{name:<44} {:>9.1} ms   {:>5.2}x {b}",
            d.as_secs_f64() * 1e3,
            d.as_secs_f64() / bd.as_secs_f64()
        ),
        None => println!("{name:<44} {:>9.1} ms", d.as_secs_f64() * 1e3),
    }
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("QSORM_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let sandbox = Sandbox::start(Default::default()).expect("sandbox");
    let db = sandbox.fresh_database().await.expect("db");
    let conn = sandbox_connection(&sandbox, &db, None).expect("connection");
    conn.db().execute_unprepared(SCHEMA).await.expect("schema");
    // The raw sqlx baseline gets its own pool with the same settings (verify-full TLS, the
    // app role, 10 connections): QsConnection does not hand out its pool.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(10)
        .connect_lazy_with(sandbox.app_connect_options(&db));
    let repo: Repo<bench_rows::Entity> = Repo::new(Profile::for_connection(&conn));
    println!("qsorm benchmark: {n} rows, PostgreSQL sandbox over TLS, best of 3\n");
    println!("-- bulk insert --");

    let data = rows(n);
    let copy_text: String = (0..n)
        .map(|i| {
            format!(
                "{}\t{}.{:02}\tnote {i} with 'quotes' and \\\\ backslash\t2026-11-25 10:00:00+00\n",
                i % 1_000,
                i / 100,
                i % 100
            )
        })
        .collect();
    let raw_copy = best(&conn, 3, || {
        let (pool, text) = (pool.clone(), copy_text.clone());
        async move {
            let mut c = pool.acquire().await.expect("conn");
            let mut copy = c
                .copy_in_raw("COPY bench_rows (customer_id, total, note, created_at) FROM STDIN")
                .await
                .expect("copy");
            copy.send(text.as_bytes()).await.expect("send");
            copy.finish().await.expect("finish");
        }
    })
    .await;
    let raw_unnest = best(&conn, 3, || {
        let pool = pool.clone();
        async move {
            let ids: Vec<i64> = (0..n).map(|i| i64::try_from(i % 1_000).expect("small")).collect();
            let totals: Vec<Decimal> = (0..n).map(|i| Decimal::new(i64::try_from(i).expect("small"), 2)).collect();
            let notes: Vec<String> = (0..n).map(|i| format!("note {i} with 'quotes' and \\ backslash")).collect();
            let times = vec![ts(); n];
            let mut tx = pool.begin().await.expect("tx");
            for start in (0..n).step_by(20_000) {
                let end = (start + 20_000).min(n);
                sqlx::query("INSERT INTO bench_rows (customer_id, total, note, created_at) SELECT * FROM UNNEST($1::int8[], $2::numeric[], $3::text[], $4::timestamptz[])")
                    .bind(&ids[start..end])
                    .bind(&totals[start..end])
                    .bind(&notes[start..end])
                    .bind(&times[start..end])
                    .execute(&mut *tx)
                    .await
                    .expect("unnest");
            }
            tx.commit().await.expect("commit");
        }
    })
    .await;
    let qsorm_bulk = best(&conn, 3, || {
        let (repo, data, db) = (repo.clone(), data.clone(), conn.db().clone());
        async move {
            assert_eq!(
                repo.insert_many(&db, data).await.expect("insert_many"),
                u64::try_from(n).expect("n")
            );
        }
    })
    .await;
    let seaorm = best(&conn, 3, || {
        let (data, db) = (data.clone(), conn.db().clone());
        async move {
            // sea-orm's insert_many is bound by 65,535 parameters: 10,000 rows x 4 columns a statement.
            for chunk in data.chunks(10_000) {
                bench_rows::Entity::insert_many(chunk.to_vec())
                    .exec(&db)
                    .await
                    .expect("sea-orm insert_many");
            }
        }
    })
    .await;
    line("raw COPY FROM STDIN (text)", raw_copy, None);
    line(
        "raw UNNEST arrays (sqlx, binary binds)",
        raw_unnest,
        Some(("raw COPY", raw_copy)),
    );
    line(
        "qsorm insert_many (UNNEST of text arrays)",
        qsorm_bulk,
        Some(("raw UNNEST", raw_unnest)),
    );
    line(
        "  same, against raw COPY",
        qsorm_bulk,
        Some(("raw COPY", raw_copy)),
    );
    line(
        "sea-orm insert_many (VALUES, 10k-row chunks)",
        seaorm,
        Some(("qsorm insert_many", qsorm_bulk)),
    );

    println!("\n-- reads: {n} rows --");
    reset(&conn).await;
    repo.insert_many(conn.db(), data.clone())
        .await
        .expect("load");
    let mut raw_read = Duration::MAX;
    let mut qsorm_read = Duration::MAX;
    let mut seaorm_read = Duration::MAX;
    let mut simple_read = Duration::MAX;
    let simple = conn.simple();
    let inline_repo: Repo<bench_rows::Entity> =
        Repo::new(Profile::for_connection(&conn).with_wire(WireMode::Inline));
    for _ in 0..3 {
        let t = Instant::now();
        let got: Vec<(
            i64,
            i64,
            Decimal,
            String,
            chrono::DateTime<chrono::FixedOffset>,
        )> = sqlx::query_as(
            "SELECT id, customer_id, total, note, created_at FROM bench_rows ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .expect("raw read");
        assert_eq!(got.len(), n);
        raw_read = raw_read.min(t.elapsed());
        let t = Instant::now();
        assert_eq!(
            repo.find(conn.db(), Condition::all())
                .await
                .expect("find")
                .len(),
            n
        );
        qsorm_read = qsorm_read.min(t.elapsed());
        let t = Instant::now();
        assert_eq!(
            bench_rows::Entity::find()
                .all(conn.db())
                .await
                .expect("sea-orm")
                .len(),
            n
        );
        seaorm_read = seaorm_read.min(t.elapsed());
        let t = Instant::now();
        assert_eq!(
            inline_repo
                .find(&simple, Condition::all())
                .await
                .expect("simple")
                .len(),
            n
        );
        simple_read = simple_read.min(t.elapsed());
    }
    line("raw sqlx fetch_all (binary rows)", raw_read, None);
    line(
        "qsorm find (bind, binary rows)",
        qsorm_read,
        Some(("raw sqlx", raw_read)),
    );
    line(
        "sea-orm Entity::find().all",
        seaorm_read,
        Some(("raw sqlx", raw_read)),
    );
    line(
        "qsorm find (simple protocol, text rows)",
        simple_read,
        Some(("qsorm find (bind)", qsorm_read)),
    );

    println!("\n-- wire modes: 2,000 single-row gets by key --");
    let gets = 2_000i64;
    let mut timings = Vec::new();
    for (name, wire, use_simple) in [
        ("bind parameters, extended protocol", WireMode::Bind, false),
        (
            "inlined literals, extended protocol",
            WireMode::Inline,
            false,
        ),
        ("inlined literals, simple protocol", WireMode::Inline, true),
    ] {
        let r: Repo<bench_rows::Entity> = Repo::new(Profile::for_connection(&conn).with_wire(wire));
        let mut best_t = Duration::MAX;
        for _ in 0..4 {
            // The first pass warms the pool and caches; the best of all is kept.
            let t = Instant::now();
            for k in 1..=gets {
                let found = if use_simple {
                    r.get(&simple, k).await
                } else {
                    r.get(conn.db(), k).await
                };
                assert!(found.expect("get").is_some());
            }
            best_t = best_t.min(t.elapsed());
        }
        timings.push((name, best_t));
    }
    let mut raw_get = Duration::MAX;
    for _ in 0..4 {
        let t = Instant::now();
        for k in 1..=gets {
            let row: (i64,) = sqlx::query_as("SELECT id FROM bench_rows WHERE id = $1")
                .bind(k)
                .fetch_one(&pool)
                .await
                .expect("raw get");
            assert_eq!(row.0, k);
        }
        raw_get = raw_get.min(t.elapsed());
    }
    line("raw sqlx get (bind, cached statement)", raw_get, None);
    for (name, t) in timings {
        line(name, t, Some(("raw sqlx get", raw_get)));
    }
    conn.close().await;
}
