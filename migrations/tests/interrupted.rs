//! A `migrate up` interrupted halfway through a migration, two ways: the `migrate` process
//! killed (SIGKILL) while the sample-data migration has written rows, and the link cut (at the
//! fault proxy) while a migration runs. Either way the interrupted migration leaves nothing,
//! the next run completes it, and nothing is applied twice.

mod support;

use std::time::{Duration, Instant};

use qsorm_migrate::{MigrateError, Op, Runner, Sourced, sql};
use qsorm_migrations::sample::{self, Sample};
use qsorm_sandbox::Sandbox;
use qsorm_sandbox::proxy::FaultProxy;
use sea_orm_migration::prelude::*;
use sqlx::Connection;
use support::*;

/// No test here may take longer than this.
const TEST_LIMIT: Duration = Duration::from_secs(120);

const SAMPLE_TABLES: &[&str] = &[
    "profiles",
    "web_events",
    "orders",
    "order_lines",
    "line_adjustments",
];

async fn within<T>(test: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_LIMIT, test)
        .await
        .unwrap_or_else(|_| panic!("hung: no result within {TEST_LIMIT:?}"))
}

/// Polls `sql` (a scalar) until it returns `want`, for up to 60 s.
async fn wait_for(conn: &qsorm_connect::QsConnection, sql: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = scalar(conn, sql).await;
        if got == want {
            return;
        }
        assert!(Instant::now() < deadline, "{sql}: {got}, waited for {want}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sessions of the current database, other than the one asking, that hold a transaction id
/// (have written something not yet committed or rolled back).
const WRITING_SESSIONS: &str = "SELECT count(*) FROM pg_stat_activity \
    WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL";

#[tokio::test]
async fn migrate_killed_mid_migration_is_completed_by_the_next_run() {
    within(async {
        let sandbox = Sandbox::shared().expect("sandbox");
        let (db, url) = fresh_db().await;
        assert!(migrate_ok(&["up", "-n", "4"], &url).contains("applied 4"));
        let conn = connect(&url);
        let schema_before = schema_snapshot(&conn).await;

        // Hold a lock the sample-data migration needs for its last table: it writes
        // profiles, web_events, orders and order_lines, then waits, mid-transaction.
        let mut blocker = sqlx::PgConnection::connect_with(&sandbox.superuser_connect_options(&db))
            .await
            .expect("blocker");
        sqlx::raw_sql("BEGIN; LOCK TABLE line_adjustments IN SHARE MODE")
            .execute(&mut blocker)
            .await
            .expect("lock");
        let mut child = migrate_command(&["up"], &url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn migrate");
        wait_for(
            &conn,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL \
             AND query LIKE '%line_adjustments%'",
            "1",
        )
        .await;
        child.kill().expect("SIGKILL migrate");
        let status = child.wait().expect("reap migrate");
        assert!(!status.success(), "{status:?}");

        // The lock goes; the orphaned session finds its client gone and rolls back.
        sqlx::raw_sql("ROLLBACK")
            .execute(&mut blocker)
            .await
            .expect("unlock");
        blocker.close().await.expect("close blocker");
        wait_for(&conn, WRITING_SESSIONS, "0").await;
        assert_eq!(
            scalar(&conn, "SELECT count(*) FROM seaql_migrations").await,
            "4"
        );
        for table in SAMPLE_TABLES {
            assert_eq!(count(&conn, table).await, 0, "{table} after the kill");
        }

        // The next run applies the interrupted migration once, completely.
        let out = migrate_ok(&["up"], &url);
        assert!(out.contains("applied 1"), "{out}");
        assert_eq!(
            scalar(
                &conn,
                "SELECT count(*) || '/' || count(DISTINCT version) FROM seaql_migrations"
            )
            .await,
            "5/5"
        );
        assert_eq!(count(&conn, "qsorm_migration_checksums").await, 5);
        let s = Sample::generate();
        let n = |x: usize| <i64 as std::convert::TryFrom<usize>>::try_from(x).expect("count");
        for (table, rows) in [
            ("profiles", n(sample::PROFILES)),
            ("web_events", n(sample::EVENTS)),
            ("orders", n(sample::ORDERS)),
            ("order_lines", n(s.lines.len())),
            ("line_adjustments", n(s.adjustments.len())),
        ] {
            assert_eq!(count(&conn, table).await, rows, "{table}");
        }
        assert_eq!(
            scalar(&conn, "SELECT count(DISTINCT _id) FROM web_events").await,
            sample::EVENTS.to_string()
        );
        assert_eq!(schema_snapshot(&conn).await, schema_before);
        assert!(migrate_ok(&["status"], &url).contains("5 applied"));
        conn.close().await;
    })
    .await;
}

/// Test-only migrations: a table; a slow one (a table, 1,000 rows, then a pause long enough
/// to cut its link); a third table.
struct First;
struct Slow;
struct Third;

impl MigrationName for First {
    fn name(&self) -> &str {
        "m20990301_000001_first"
    }
}

impl MigrationName for Slow {
    fn name(&self) -> &str {
        "m20990301_000002_slow"
    }
}

impl MigrationName for Third {
    fn name(&self) -> &str {
        "m20990301_000003_third"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for First {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        sql::exec(manager, "CREATE TABLE first_t (id integer)").await
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Slow {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        sql::exec(manager, "CREATE TABLE slow_t (id integer PRIMARY KEY)").await?;
        sql::exec(
            manager,
            "INSERT INTO slow_t SELECT generate_series(1, 1000)",
        )
        .await?;
        sql::exec(manager, "SELECT pg_sleep(1.5)").await
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Third {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        sql::exec(manager, "CREATE TABLE third_t (id integer)").await
    }
}

fn migrations() -> Vec<Sourced> {
    vec![
        Sourced::new(Box::new(First), "first"),
        Sourced::new(Box::new(Slow), "slow"),
        Sourced::new(Box::new(Third), "third"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_cut_mid_migration_is_completed_by_the_next_run() {
    within(async {
        let sandbox = Sandbox::shared().expect("sandbox");
        let (db, url) = fresh_db().await;
        let direct = connect(&url);
        let proxy = FaultProxy::to_sandbox(sandbox).expect("proxy");
        let proxied = connect(&format!(
            "postgres://{}@{}:{}/{db}?sslmode=disable",
            sandbox.superuser(),
            proxy.host(),
            proxy.port()
        ));
        let runner = Runner::new(&proxied, migrations());

        // Cut every link (the pool's and the advisory lock's) while the slow migration
        // sleeps, its table created and filled.
        let started = Instant::now();
        let (result, ()) = tokio::join!(runner.run(Op::Up(None)), async {
            wait_for(
                &direct,
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event = 'PgSleep'",
                "1",
            )
            .await;
            assert!(proxy.cut_all() >= 2, "{:?}", proxy.stats());
        });
        let err = result.expect_err("the link was cut");
        eprintln!(
            "measured: migrate up with its link cut mid-migration -> {err} after {:?}",
            started.elapsed()
        );
        assert!(
            matches!(&err, MigrateError::Migration { name, .. } if name == "m20990301_000002_slow"),
            "{err:?}"
        );

        // Nothing of the slow migration stays once the server has noticed.
        wait_for(&direct, WRITING_SESSIONS, "0").await;
        assert_eq!(
            scalar(
                &direct,
                "SELECT string_agg(version, ',') FROM seaql_migrations"
            )
            .await,
            "m20990301_000001_first"
        );
        assert_eq!(
            scalar(&direct, "SELECT to_regclass('slow_t')").await,
            "NULL"
        );

        // The same runner and pool, through the same proxy: the run completes the rest once.
        let outcome = runner.run(Op::Up(None)).await.expect("second run");
        assert_eq!(
            outcome.applied,
            ["m20990301_000002_slow", "m20990301_000003_third"]
        );
        assert_eq!(
            scalar(
                &direct,
                "SELECT count(*) || '/' || count(DISTINCT version) FROM seaql_migrations"
            )
            .await,
            "3/3"
        );
        assert_eq!(count(&direct, "qsorm_migration_checksums").await, 3);
        assert_eq!(count(&direct, "slow_t").await, 1_000);
        assert_eq!(
            scalar(&direct, "SELECT to_regclass('third_t')").await,
            "third_t"
        );
        let again = runner.run(Op::Up(None)).await.expect("third run");
        assert!(again.applied.is_empty(), "{again:?}");
        proxied.close().await;
        direct.close().await;
    })
    .await;
}
