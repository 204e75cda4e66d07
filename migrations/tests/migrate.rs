//! The `migrate` binary and the runner against the sandbox: dataset, commands, status
//! checksums, dry run, concurrent runs, rollback of a failing migration, generate.
//!
//! - `failures`: connection failures fail fast with a typed error in every subcommand;
//! - `fallback`: when the embedded sandbox may stand in for a configured server.

mod support;

#[path = "migrate/failures.rs"]
mod failures;
#[path = "migrate/fallback.rs"]
mod fallback;

use std::time::Instant;

use qsorm_migrate::{Op, Runner, Sourced, sql};
use qsorm_migrations::sample::{self, Sample};
use sea_orm_migration::prelude::*;
use support::*;

const TABLES: &[&str] = &[
    "web_events",
    "profiles",
    "orders",
    "order_lines",
    "line_adjustments",
];

/// Expected row counts of the sample.
fn expected_counts() -> Vec<(&'static str, i64)> {
    let s = Sample::generate();
    let n = |x: usize| <i64 as std::convert::TryFrom<usize>>::try_from(x).expect("count");
    vec![
        ("web_events", n(sample::EVENTS)),
        ("profiles", n(sample::PROFILES)),
        ("orders", n(sample::ORDERS)),
        ("order_lines", n(s.lines.len())),
        ("line_adjustments", n(s.adjustments.len())),
    ]
}

#[tokio::test]
async fn up_builds_the_dataset() {
    let (_db, url) = fresh_db().await;
    let started = Instant::now();
    let out = migrate_ok(&["up"], &url);
    eprintln!(
        "measured: migrate up (5 migrations, {} sample rows) took {:.2} s wall, process included",
        Sample::generate().total_rows(),
        started.elapsed().as_secs_f64()
    );
    assert!(out.contains("applied 5"), "{out}");
    let conn = connect(&url);

    for (table, rows) in expected_counts() {
        assert_eq!(count(&conn, table).await, rows, "{table}");
    }
    assert_eq!(count(&conn, "web_events").await, 10_000);
    assert_eq!(count(&conn, "profiles").await, 1_000);

    // Composite types named <table>_<column>, nested, and an enum.
    let types = scalar(
        &conn,
        "SELECT string_agg(typname || ':' || typtype::text, ',' ORDER BY typname) FROM pg_type \
         WHERE typname LIKE 'web\\_events\\_%' OR typname LIKE 'profiles\\_%'",
    )
    .await;
    for t in [
        "web_events_web:c",
        "web_events_web_page_details:c",
        "web_events_web_referrer:c",
        "web_events_commerce:c",
        "web_events_commerce_order:c",
        "web_events_product_list_items:c",
        "web_events__acme:c",
        "profiles_person:c",
        "profiles_person_name:c",
        "profiles_loyalty_tier:e",
    ] {
        assert!(types.contains(t), "{t} missing from {types}");
    }
    assert_eq!(
        scalar(&conn, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'web_events'::regclass AND attname = 'product_list_items'").await,
        "web_events_product_list_items[]"
    );
    assert_eq!(
        scalar(&conn, "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = 'profiles_loyalty_tier'::regtype").await,
        "bronze,silver,gold,platinum"
    );
    // Nested fields read back.
    assert_eq!(
        scalar(&conn, "SELECT count(*) FROM web_events WHERE (web).page_details.is_home_page AND (web).page_details.name = 'home'").await,
        scalar(&conn, "SELECT count(*) FROM web_events WHERE (web).page_details.name = 'home'").await,
    );
    let purchases = scalar(
        &conn,
        "SELECT count(*) FROM web_events WHERE (commerce).\"order\".price_total = \
         (SELECT sum(i.price_total) FROM unnest(product_list_items) i)",
    )
    .await;
    assert_eq!(
        purchases,
        scalar(
            &conn,
            "SELECT count(*) FROM web_events WHERE event_type = 'commerce.purchases'"
        )
        .await
    );
    assert_eq!(
        scalar(
            &conn,
            "SELECT count(*) FROM web_events WHERE identity_map ? 'ECID'"
        )
        .await,
        "10000"
    );
    assert_eq!(
        scalar(
            &conn,
            "SELECT count(*) FROM profiles p JOIN web_events e ON (e._acme).loyalty_id = p._id"
        )
        .await,
        scalar(
            &conn,
            "SELECT count(*) FROM web_events WHERE (_acme).loyalty_id IS NOT NULL"
        )
        .await,
    );

    // Keys: none on web_events; a composite PK and a composite FK.
    assert_eq!(
        scalar(
            &conn,
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'web_events'::regclass"
        )
        .await,
        "0"
    );
    assert_eq!(
        scalar(&conn, "SELECT contype || array_length(conkey, 1) FROM pg_constraint WHERE conname = 'order_lines_pkey'").await,
        "p2"
    );
    assert_eq!(
        scalar(&conn, "SELECT contype || array_length(conkey, 1) || confrelid::regclass FROM pg_constraint WHERE conname = 'line_adjustments_order_line_fkey'").await,
        "f2order_lines"
    );
    assert_eq!(
        scalar(
            &conn,
            "SELECT confrelid::regclass FROM pg_constraint WHERE conname = 'orders_profile_id_fkey'"
        )
        .await,
        "profiles"
    );

    // Comments and the view.
    assert_eq!(
        scalar(
            &conn,
            "SELECT obj_description('profiles'::regclass, 'pg_class')"
        )
        .await,
        "Sample XDM Individual Profile dataset"
    );
    assert_eq!(
        scalar(
            &conn,
            "SELECT col_description(attrelid, attnum) FROM pg_attribute \
             WHERE attrelid = 'profiles'::regclass AND attname = 'loyalty_tier'"
        )
        .await,
        "Loyalty program tier"
    );
    assert_eq!(
        scalar(&conn, "SELECT sum(views) FROM daily_page_views").await,
        scalar(
            &conn,
            "SELECT count(*) FROM web_events WHERE event_type = 'web.webpagedetails.pageViews'"
        )
        .await,
    );
    assert_eq!(
        scalar(&conn, "SELECT count(DISTINCT day) FROM daily_page_views").await,
        "30"
    );

    // Status, text and JSON.
    let text = migrate_ok(&["status"], &url);
    assert!(text.contains("5 applied, 0 pending, 0 changed"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&migrate_ok(&["status", "--json"], &url)).expect("json");
    assert_eq!(json["applied"], 5);
    assert_eq!(
        json["migrations"][4]["name"],
        "m20250101_000005_sample_data"
    );
    assert_eq!(json["migrations"][4]["checksum_state"], "ok");
    // A second up has nothing to do.
    assert!(migrate_ok(&["up"], &url).contains("nothing to do"));
    conn.close().await;
}

#[tokio::test]
async fn down_fresh_refresh_reset() {
    let (_db, url) = fresh_db().await;
    let conn = connect(&url);
    migrate_ok(&["up", "-n", "3"], &url);
    assert!(migrate_ok(&["status"], &url).contains("3 applied, 2 pending"));
    assert_eq!(count(&conn, "order_lines").await, 0);
    migrate_ok(&["up"], &url);
    assert_eq!(count(&conn, "web_events").await, 10_000);

    // down (1): the sample rows go, the schema stays.
    assert!(migrate_ok(&["down"], &url).contains("reverted 1"));
    for table in TABLES {
        assert_eq!(count(&conn, table).await, 0, "{table}");
    }
    assert!(migrate_ok(&["status"], &url).contains("4 applied, 1 pending"));
    // down -n 2: the view and the order tables go.
    migrate_ok(&["down", "-n", "2"], &url);
    assert_eq!(
        scalar(&conn, "SELECT to_regclass('daily_page_views')").await,
        "NULL"
    );
    assert_eq!(
        scalar(&conn, "SELECT to_regclass('order_lines')").await,
        "NULL"
    );
    assert_eq!(
        scalar(&conn, "SELECT to_regclass('profiles')").await,
        "profiles"
    );

    // refresh: everything reverted, then everything applied.
    let out = migrate_ok(&["refresh"], &url);
    assert!(out.contains("reverted 2, applied 5"), "{out}");
    for (table, rows) in expected_counts() {
        assert_eq!(count(&conn, table).await, rows, "{table}");
    }

    // fresh: drops what no migration made too, then applies all.
    conn.simple_query("CREATE TABLE junk (x int); CREATE TYPE junk_kind AS ENUM ('a')")
        .await
        .expect("junk");
    let out = migrate_ok(&["fresh"], &url);
    assert!(out.contains("applied 5"), "{out}");
    assert_eq!(scalar(&conn, "SELECT to_regclass('junk')").await, "NULL");
    assert_eq!(
        scalar(&conn, "SELECT to_regtype('junk_kind')").await,
        "NULL"
    );
    assert_eq!(count(&conn, "web_events").await, 10_000);

    // reset: nothing left, history tables included.
    assert!(migrate_ok(&["reset"], &url).contains("reverted 5"));
    assert_eq!(schema_snapshot(&conn).await, "");
    conn.close().await;
}

#[tokio::test]
async fn sample_is_deterministic() {
    let (_a, url_a) = fresh_db().await;
    let (_b, url_b) = fresh_db().await;
    let (a, b) = (connect(&url_a), connect(&url_b));
    // One through the binary, one in-process: same rows either way.
    migrate_ok(&["up"], &url_a);
    Runner::of::<qsorm_migrations::Migrator>(&b)
        .run(Op::Up(None))
        .await
        .expect("up");
    for table in TABLES {
        let (ha, hb) = (content_md5(&a, table).await, content_md5(&b, table).await);
        assert_eq!(ha, hb, "{table}");
        assert_ne!(ha, content_md5(&a, "(SELECT 1) AS").await);
    }
    a.close().await;
    b.close().await;
}

#[tokio::test]
async fn status_flags_a_changed_source() {
    let (_db, url) = fresh_db().await;
    let conn = connect(&url);
    migrate_ok(&["up", "-n", "2"], &url);
    conn.simple_query(
        "UPDATE qsorm_migration_checksums SET checksum = repeat('0', 64) \
         WHERE version = 'm20250101_000002_profiles'",
    )
    .await
    .expect("tamper");
    let text = migrate_ok(&["status"], &url);
    assert!(text.contains("2 applied, 3 pending, 1 changed"), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("m20250101_000002_profiles"))
        .expect("line");
    assert!(
        line.contains("CHANGED since applied (recorded 000000000000"),
        "{line}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&migrate_ok(&["status", "--json"], &url)).expect("json");
    assert_eq!(json["changed"], 1);
    assert_eq!(json["migrations"][1]["checksum_state"], "changed");
    assert_eq!(json["migrations"][0]["checksum_state"], "ok");
    assert_eq!(json["migrations"][2]["state"], "pending");
    // up warns about it (and still applies the pending ones).
    let (ok, _, stderr) = migrate(&["up", "-n", "1"], &url);
    assert!(ok);
    assert!(
        stderr.contains("m20250101_000002_profiles was applied from a different source"),
        "{stderr}"
    );
    conn.close().await;
}

#[tokio::test]
async fn dry_run_executes_nothing() {
    let (_db, url) = fresh_db().await;
    let conn = connect(&url);
    let before = schema_snapshot(&conn).await;
    assert_eq!(before, "");
    let sql = migrate_ok(&["up", "--dry-run"], &url);
    for needle in [
        "CREATE TABLE IF NOT EXISTS \"seaql_migrations\"",
        "CREATE TYPE \"web_events_web_page_details\" AS (\"name\" text",
        "CREATE TABLE \"web_events\"",
        "CREATE TYPE \"profiles_loyalty_tier\" AS ENUM ('bronze', 'silver', 'gold', 'platinum')",
        "FOREIGN KEY (\"order_id\", \"line_no\") REFERENCES \"order_lines\" (\"order_id\", \"line_no\")",
        "CREATE VIEW \"daily_page_views\" AS SELECT",
        "INSERT INTO \"web_events\"",
        "more characters (--full-sql shows them)",
        "INSERT INTO \"seaql_migrations\"",
        "BEGIN",
        "COMMIT",
        "-- applying m20250101_000005_sample_data",
    ] {
        assert!(sql.contains(needle), "{needle} missing from dry run");
    }
    assert_eq!(
        schema_snapshot(&conn).await,
        before,
        "dry run changed the schema"
    );

    // Full statements on request.
    let full = migrate_ok(&["up", "--dry-run", "--full-sql"], &url);
    assert!(!full.contains("more characters"));
    assert!(full.len() > sql.len());

    // On an applied database: down / fresh / reset dry runs leave data and schema alone.
    migrate_ok(&["up"], &url);
    let applied = schema_snapshot(&conn).await;
    let down = migrate_ok(&["down", "--dry-run"], &url);
    assert!(
        down.contains("DELETE FROM \"web_events\" WHERE \"_id\" IN"),
        "{down}"
    );
    assert!(down.contains("DELETE FROM \"seaql_migrations\""));
    let fresh = migrate_ok(&["fresh", "--dry-run"], &url);
    assert!(fresh.contains("DROP VIEW IF EXISTS \"daily_page_views\" CASCADE"));
    assert!(fresh.contains("DROP TABLE IF EXISTS \"web_events\" CASCADE"));
    assert!(fresh.contains("DROP TYPE IF EXISTS \"web_events_web\" CASCADE"));
    let reset = migrate_ok(&["reset", "--dry-run"], &url);
    assert!(reset.contains("DROP TABLE IF EXISTS \"qsorm_migration_checksums\""));
    assert_eq!(schema_snapshot(&conn).await, applied);
    for (table, rows) in expected_counts() {
        assert_eq!(count(&conn, table).await, rows, "{table}");
    }
    assert!(migrate_ok(&["status", "--dry-run"], &url).contains("5 applied"));
    conn.close().await;
}

#[tokio::test]
async fn concurrent_runs_apply_each_migration_once() {
    let (_db, url) = fresh_db().await;
    let mut a = migrate_command(&["up"], &url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn a");
    let mut b = migrate_command(&["up"], &url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn b");
    let (ra, rb) = (a.wait().expect("a"), b.wait().expect("b"));
    let outs: Vec<String> = [a, b]
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().expect("output");
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        })
        .collect();
    assert!(ra.success() && rb.success(), "{outs:#?}");
    let applied_by: Vec<bool> = outs.iter().map(|o| o.contains("applied 5")).collect();
    assert_eq!(
        applied_by.iter().filter(|x| **x).count(),
        1,
        "exactly one run applies: {outs:#?}"
    );
    assert!(
        outs.iter().any(|o| o.contains("nothing to do")),
        "{outs:#?}"
    );

    let conn = connect(&url);
    assert_eq!(
        scalar(
            &conn,
            "SELECT count(*) || '/' || count(DISTINCT version) FROM seaql_migrations"
        )
        .await,
        "5/5"
    );
    assert_eq!(count(&conn, "qsorm_migration_checksums").await, 5);
    for (table, rows) in expected_counts() {
        assert_eq!(count(&conn, table).await, rows, "{table}");
    }
    assert_eq!(
        scalar(&conn, "SELECT count(DISTINCT _id) FROM web_events").await,
        "10000"
    );
    conn.close().await;
}

/// Test-only migrations: the first succeeds; the second's first statement works and its
/// second fails.
struct CreatesTable;
struct FailsSecond {
    raw: bool,
}

impl MigrationName for CreatesTable {
    fn name(&self) -> &str {
        "m20990101_000001_creates_table"
    }
}

impl MigrationName for FailsSecond {
    fn name(&self) -> &str {
        "m20990101_000002_fails_on_second_statement"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreatesTable {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("kept")
                    .col(ColumnDef::new("id").integer())
                    .to_owned(),
            )
            .await
    }
}

#[async_trait::async_trait]
impl MigrationTrait for FailsSecond {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("first_effect")
                    .col(ColumnDef::new("id").integer())
                    .to_owned(),
            )
            .await?;
        if self.raw {
            sql::exec(manager, "INSERT INTO no_such_table (id) VALUES (1)").await
        } else {
            // A builder statement: the same table again.
            manager
                .create_table(
                    Table::create()
                        .table("first_effect")
                        .col(ColumnDef::new("id").integer())
                        .to_owned(),
                )
                .await
        }
    }
}

#[tokio::test]
async fn failing_migration_rolls_back_and_names_itself() {
    for raw in [true, false] {
        let (_db, url) = fresh_db().await;
        let conn = connect(&url);
        let runner = Runner::new(
            &conn,
            vec![
                Sourced::new(Box::new(CreatesTable), "creates"),
                Sourced::new(Box::new(FailsSecond { raw }), "fails"),
            ],
        );
        let err = runner.run(Op::Up(None)).await.expect_err("must fail");
        let text = err.to_string();
        eprintln!("{text}");
        assert!(
            text.contains("m20990101_000002_fails_on_second_statement"),
            "{text}"
        );
        assert!(text.contains("rolled back"), "{text}");
        let statement = if raw {
            "failing statement: INSERT INTO no_such_table (id) VALUES (1)"
        } else {
            "failing statement: CREATE TABLE \"first_effect\""
        };
        assert!(text.contains(statement), "{text}");
        // The first statement's effect is gone; the earlier migration stays applied.
        assert_eq!(
            scalar(&conn, "SELECT to_regclass('first_effect')").await,
            "NULL"
        );
        assert_eq!(scalar(&conn, "SELECT to_regclass('kept')").await, "kept");
        assert_eq!(
            scalar(
                &conn,
                "SELECT string_agg(version, ',') FROM seaql_migrations"
            )
            .await,
            "m20990101_000001_creates_table"
        );
        // The lock was released: another run can take it.
        let again = runner.run(Op::Up(None)).await.expect_err("fails again");
        assert!(again.to_string().contains("fails_on_second_statement"));
        conn.close().await;
    }
}

#[test]
fn generate_writes_and_registers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lib = "pub mod m1;\n// migrate-generate: modules (keep this line)\n\nfn list() {\n    vec![\n        sourced!(m1),\n        // migrate-generate: list (keep this line)\n    ]\n}\n";
    std::fs::write(dir.path().join("lib.rs"), lib).expect("write");
    let dir_arg = dir.path().to_str().expect("utf-8");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_migrate"))
        .args(["generate", "Add user-flags", "--dir", dir_arg])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("_add_user_flags.rs"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let module = files[0].trim_end_matches(".rs");
    let body = std::fs::read_to_string(dir.path().join(&files[0])).expect("read");
    assert!(body.contains(&format!("Migration `{module}`")));
    assert!(body.contains("impl MigrationTrait for Migration"));
    let lib = std::fs::read_to_string(dir.path().join("lib.rs")).expect("read lib");
    assert!(lib.contains(&format!("pub mod {module};\n// migrate-generate: modules")));
    assert!(lib.contains(&format!(
        "        sourced!({module}),\n        // migrate-generate: list"
    )));
    // A lib.rs without the markers is refused, untouched.
    std::fs::write(dir.path().join("lib.rs"), "fn main() {}\n").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_migrate"))
        .args(["generate", "other", "--dir", dir_arg])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("migrate-generate: modules"));
}

#[tokio::test]
async fn query_service_is_refused_before_any_round_trip() {
    // An unreachable Query Service host: the refusal must come before connecting.
    let conn = connect("postgres://u:p@acme.platform-query.adobe.io:80/prod:all?sslmode=require");
    let runner = Runner::of::<qsorm_migrations::Migrator>(&conn);
    for result in [
        runner.run(Op::Up(None)).await.map(drop),
        runner.dry_run(Op::Up(None)).await.map(drop),
        runner.status().await.map(drop),
    ] {
        let err = result.expect_err("refused");
        assert!(
            matches!(err, qsorm_migrate::MigrateError::QueryService),
            "{err}"
        );
        assert!(err.to_string().contains("qs_script"));
    }
}
