//! Statements the server receives, and the wall time against sea-schema.

use std::time::{Duration, Instant};

use qsorm_inspect::{inspect, table_names};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

use crate::{database_with, pg, sandbox};

/// `n` tables, each with a serial key, a foreign key to the previous one, an index, a
/// check, a composite, an enum, a domain and an array column.
fn many_tables(n: usize) -> String {
    let mut sql = String::from(
        "CREATE TYPE state AS ENUM ('new', 'done');\n\
         CREATE DOMAIN pos AS int CHECK (VALUE > 0);\n\
         CREATE TYPE inner_t AS (a int, b text[]);\n\
         CREATE TYPE outer_t AS (i inner_t, items inner_t[]);\n",
    );
    for i in 0..n {
        let parent = if i == 0 {
            String::new()
        } else {
            format!(
                ", parent_id int REFERENCES t{} (id) ON DELETE CASCADE",
                i - 1
            )
        };
        sql.push_str(&format!(
            "CREATE TABLE t{i} (id serial PRIMARY KEY, name varchar(50) NOT NULL UNIQUE, \
             amount numeric(10,2) CHECK (amount >= 0), st state, p pos, o outer_t, tags text[]{parent});\n\
             CREATE INDEX t{i}_lower_name ON t{i} (lower(name));\n\
             COMMENT ON TABLE t{i} IS 'table {i}';\n"
        ));
    }
    sql
}

/// Statements the server executed at top level for `db` since the last reset.
async fn statements_received(counter: &DatabaseConnection, db: &str) -> i64 {
    let sql = format!(
        "SELECT coalesce(sum(calls), 0)::int8 AS calls FROM pg_stat_statements \
         WHERE toplevel AND dbid = (SELECT oid FROM pg_database WHERE datname = {})",
        qsorm_inspect::quote_literal(db).expect("literal")
    );
    let row = counter
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .expect("count")
        .expect("one row");
    row.try_get("", "calls").expect("calls")
}

/// Forgets the statements recorded for `db`.
async fn reset_statements(counter: &DatabaseConnection, db: &str) {
    let sql = format!(
        "SELECT pg_stat_statements_reset(0::oid, \
           (SELECT oid FROM pg_database WHERE datname = {}), 0::int8)::text AS reset",
        qsorm_inspect::quote_literal(db).expect("literal")
    );
    counter
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .expect("reset");
}

/// A connection to a database of its own (which has the pg_stat_statements view), so
/// that the counting statements are not counted.
async fn counter() -> DatabaseConnection {
    let sandbox = sandbox();
    assert!(
        sandbox.has_pg_stat_statements(),
        "the sandbox must preload pg_stat_statements for this count"
    );
    let db = sandbox.fresh_database().await.expect("counter database");
    Database::connect(sandbox.superuser_url(&db))
        .await
        .expect("counter")
}

#[tokio::test]
async fn statement_count_is_the_same_for_10_and_300_tables() {
    let counter = counter().await;
    let mut counts = Vec::new();
    for n in [10, 300] {
        let (db, conn) = database_with(&many_tables(n)).await;
        reset_statements(&counter, &db).await;
        let schema = inspect(&conn, &pg()).await.expect("inspect");
        let received = statements_received(&counter, &db).await;
        assert_eq!(schema.tables.len(), n);
        assert_eq!(schema.warnings, Vec::<String>::new());
        assert!(
            schema
                .tables
                .iter()
                .all(|t| t.foreign_keys.len() == usize::from(t.name != "t0"))
        );
        assert_eq!(schema.types.len(), 4);

        reset_statements(&counter, &db).await;
        let listed = table_names(&conn, &pg()).await.expect("table_names");
        let listing = statements_received(&counter, &db).await;
        assert_eq!(listed.len(), n);
        counts.push((n, received, listing));
    }
    for (n, received, listing) in &counts {
        assert!(
            *received > 0 && *received <= 8,
            "{n} tables: {received} statements"
        );
        assert_eq!(
            *listing, 1,
            "{n} tables: table_names sent {listing} statements"
        );
    }
    assert_eq!(counts[0].1, counts[1].1, "10 vs 300 tables: {counts:?}");
    assert_eq!(
        counts[0].1, 6,
        "relations, columns, constraints, indexes, types, triggers and partitions"
    );
}

/// Median wall time of `runs` calls.
async fn median<F, Fut>(runs: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        f().await;
        times.push(start.elapsed());
    }
    times.sort();
    times[runs / 2]
}

/// Wall time of reflecting 300 tables: this crate vs sea-schema's discovery (the one
/// sea-orm-cli uses). `cargo test -p qsorm-inspect --test inspect -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn bench_300_tables_against_sea_schema() {
    let sandbox = sandbox();
    let (db, conn) = database_with(&many_tables(300)).await;
    let opts = pg().with_schemas(["public"]);
    let pool = sqlx::PgPool::connect(&sandbox.superuser_url(&db))
        .await
        .expect("pool");
    let ours_schema = inspect(&conn, &opts).await.expect("warm-up");
    let theirs_schema =
        sea_schema::postgres::discovery::SchemaDiscovery::new(pool.clone(), "public")
            .discover()
            .await
            .expect("sea-schema warm-up");
    assert_eq!(ours_schema.tables.len(), 300);
    assert_eq!(theirs_schema.tables.len(), 300);

    let counter = counter().await;
    reset_statements(&counter, &db).await;
    inspect(&conn, &opts).await.expect("inspect");
    let ours_statements = statements_received(&counter, &db).await;
    reset_statements(&counter, &db).await;
    sea_schema::postgres::discovery::SchemaDiscovery::new(pool.clone(), "public")
        .discover()
        .await
        .expect("discover");
    let theirs_statements = statements_received(&counter, &db).await;

    let runs = 5;
    let ours = median(runs, || async {
        inspect(&conn, &opts).await.expect("inspect");
    })
    .await;
    let theirs = median(runs, || async {
        sea_schema::postgres::discovery::SchemaDiscovery::new(pool.clone(), "public")
            .discover()
            .await
            .expect("discover");
    })
    .await;
    println!(
        "300 tables, median of {runs}: qsorm-inspect {ours:?} ({ours_statements} statements), \
         sea-schema {theirs:?} ({theirs_statements} statements), ratio {:.1}x",
        theirs.as_secs_f64() / ours.as_secs_f64()
    );
}
