//! The `entity-gen` binary and library against a real sandbox PostgreSQL: connection info,
//! table listings, entity generation snapshots (`tests/cases/<case>/schema.sql`), `check`,
//! the generated code compiled and round-tripped, and the committed `qsorm-entity` models.
//!
//! - `failures`: connection failures fail fast with a typed error in every command;
//! - `not_found`: names that match nothing, and hostile names;
//! - `fallback`: when the embedded sandbox may stand in for a configured server;
//! - `partitions`: `describe` of partitions, triggers and key actions against psql's `\d`,
//!   and `generate` skipping partitions.

mod support;

#[path = "entity_gen/failures.rs"]
mod failures;
#[path = "entity_gen/fallback.rs"]
mod fallback;
#[path = "entity_gen/not_found.rs"]
mod not_found;
#[path = "entity_gen/partitions.rs"]
mod partitions;

use support::{app_url, entity_gen, sandbox};

#[tokio::test]
async fn conninfo_reports_the_connection_and_hides_the_password() {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("db");
    let url = app_url(sb, &db);
    let out = entity_gen(&["--url", &url, "conninfo"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for expected in [
        format!("port            {}", sb.port()),
        format!("database        {db}"),
        format!("user            {}", sb.app_user()),
        "sslmode         verify-full".to_owned(),
        "tls             yes".to_owned(),
        "flavor          postgres".to_owned(),
        "password        ***".to_owned(),
    ] {
        assert!(
            stdout.contains(&expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
    assert!(!stdout.contains(sb.app_password()) && !stderr.contains(sb.app_password()));

    let out = entity_gen(&["--url", &url, "conninfo", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["port"], sb.port());
    assert_eq!(json["tls"], true);
    assert_eq!(json["password"], "***");
    assert!(
        json["server_version"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
    );
}

#[test]
fn a_bad_setting_is_named_and_nothing_leaks() {
    let out = entity_gen(&[
        "--url",
        "postgres://u:leaky-secret@h/db?sslmode=sometimes",
        "conninfo",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("`sslmode`"), "{stderr}");
    assert!(!stderr.contains("leaky-secret"), "{stderr}");
    let out = entity_gen(&[
        "--host",
        "acme.platform-query.adobe.io",
        "--user",
        "u",
        "--database",
        "prod:all",
        "--sslmode",
        "disable",
        "conninfo",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("not supported by Experience Platform"),
        "{stderr}"
    );
}

#[tokio::test]
async fn generated_entities_match_the_snapshots() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for name in support::case_names() {
        let case = support::Case::load(&name);
        let generated = support::generate_case(&case, &tmp.path().join(&name)).await;
        insta::assert_snapshot!(name.as_str(), generated.snapshot_text());
    }
}

#[tokio::test]
async fn generated_code_compiles_and_round_trips_every_mapped_type() {
    let names = support::case_names();
    let krate = support::compile::CompileCrate::create(&names);
    let mut urls = std::collections::BTreeMap::new();
    for name in &names {
        let case = support::Case::load(name);
        let generated = support::generate_case(&case, &krate.case_dir(name)).await;
        urls.insert(name.clone(), sandbox().superuser_url(&generated.db));
    }
    let (binary, took) = krate.build();
    eprintln!("compile check: cargo build took {took:?}");
    let run = std::process::Command::new(binary)
        .args([&urls["types"], &urls["composites"]])
        .output()
        .expect("compile-check binary runs");
    assert!(
        run.status.success() && String::from_utf8_lossy(&run.stdout).contains("round trips: ok"),
        "round trips failed:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}

const SMALL_SCHEMA: &str = "
    CREATE SCHEMA crm;
    CREATE TABLE crm.customers (id integer PRIMARY KEY, name text NOT NULL);
    COMMENT ON TABLE crm.customers IS 'People who buy';
    CREATE TABLE orders (
        id integer PRIMARY KEY,
        customer_id integer REFERENCES crm.customers (id),
        total numeric(10,2)
    );
    CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
";

#[tokio::test]
async fn tables_lists_relations_with_kind_column_count_and_comment() {
    let (_db, url) = support::database_with(SMALL_SCHEMA).await;
    let text = support::success(&entity_gen(&["--url", &url, "tables"]));
    assert!(text.starts_with("List of relations\n"), "{text}");
    let line = |name: &str| {
        text.lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
            .split('|')
            .map(str::trim)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        line("customers"),
        ["crm", "customers", "table", "2", "People who buy"]
    );
    assert_eq!(
        line("big_orders"),
        ["public", "big_orders", "view", "2", ""]
    );
    assert!(text.contains("(3 rows)"), "{text}");

    let json = support::success(&entity_gen(&[
        "--url", &url, "tables", "--schema", "crm", "--json",
    ]));
    let list: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(list[0]["name"], "customers");
    assert_eq!(list[0]["kind"], "table");
    assert_eq!(list[0]["column_count"], 2);
    assert_eq!(list[0]["comment"], "People who buy");
}

#[tokio::test]
async fn describe_shows_columns_keys_and_references_like_psql() {
    let (_db, url) = support::database_with(SMALL_SCHEMA).await;
    let text = support::success(&entity_gen(&["--url", &url, "describe", "crm.customers"]));
    for expected in [
        "Table \"crm.customers\"",
        "not null",
        "\"customers_pkey\" PRIMARY KEY",
        "Referenced by:",
        "TABLE \"orders\" CONSTRAINT \"orders_customer_id_fkey\" FOREIGN KEY (customer_id) REFERENCES crm.customers(id)",
        "Comment: People who buy",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    let json = support::success(&entity_gen(&[
        "--url", &url, "describe", "orders", "--json",
    ]));
    let table: qsorm_inspect::Table = serde_json::from_str(&json).expect("the Table model");
    assert_eq!(table.name, "orders");
    assert_eq!(table.columns.len(), 3);
    assert_eq!(table.foreign_keys[0].ref_table, "customers");

    let out = entity_gen(&["--url", &url, "describe", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no table or view named `nope`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn tables_and_describe_work_on_the_sandbox() {
    let out = entity_gen(&["--sandbox", "tables", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("embedded sandbox"), "{stderr}");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(list.is_array());

    // `describe` reaches the sandbox database too (which tables it holds depends on
    // what ran there: a name no migration creates gives the not-found error).
    let out = entity_gen(&["--sandbox", "describe", "entity_gen_no_such_table"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("embedded sandbox"), "{stderr}");
    assert!(
        stderr.contains("no table or view named `entity_gen_no_such_table`"),
        "{stderr}"
    );
}

#[tokio::test]
async fn tables_without_primary_key_follow_the_key_rule() {
    let case = support::Case::load("no_pk");
    let tmp = tempfile::tempdir().expect("tempdir");
    let generated = support::generate_case(&case, tmp.path()).await;
    let file = |name: &str| {
        generated
            .files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    // --primary-key: the given columns, writable.
    let keyed = file("events_keyed.rs");
    assert!(
        keyed.contains("impl qsorm_repository::Table for Entity {}"),
        "{keyed}"
    );
    assert_eq!(keyed.matches("primary_key").count(), 2, "{keyed}");
    assert!(keyed.contains("as given with `--primary-key`"), "{keyed}");
    // `_id`: the XDM record id, writable.
    let with_id = file("events_with_id.rs");
    assert!(
        with_id.contains("impl qsorm_repository::Table for Entity {}"),
        "{with_id}"
    );
    assert!(with_id.contains("primary_key,"), "{with_id}");
    assert!(with_id.contains("column_name = \"_id\","), "{with_id}");
    assert!(
        with_id.contains("keyed by the XDM record id `_id`"),
        "{with_id}"
    );
    // Neither: the first column, read-only, and a warning.
    let loose = file("events_loose.rs");
    assert!(
        loose.contains("const READ_ONLY: bool = true;")
            && loose.contains("impl qsorm_repository::Table for Entity {"),
        "{loose}"
    );
    assert!(
        loose.contains("keyed by its first column `seen_at`"),
        "{loose}"
    );
    assert!(
        generated
            .warnings
            .iter()
            .any(|w| w.contains("public.events_loose has no primary key")),
        "{:?}",
        generated.warnings
    );
    // No columns at all: no entity, a warning.
    assert!(
        !generated
            .files
            .iter()
            .any(|(n, _)| n == "nothing_at_all.rs")
    );
    assert!(
        generated
            .warnings
            .iter()
            .any(|w| w.contains("nothing_at_all: no columns"))
    );

    // A --primary-key column that does not exist is an error naming the columns.
    let out_dir = tmp.path().join("bad");
    let out = entity_gen(&[
        "--url",
        &generated.url,
        "generate",
        "--out",
        out_dir.to_str().expect("utf-8"),
        "--primary-key",
        "events_loose=nope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "--primary-key public.events_loose: no column `nope` (columns: seen_at, what)"
        ),
        "{stderr}"
    );
}

#[tokio::test]
async fn check_passes_on_fresh_output_and_summarises_what_changed() {
    let case = support::Case::load("views");
    let tmp = tempfile::tempdir().expect("tempdir");
    let generated = support::generate_case(&case, tmp.path()).await;
    let dir = tmp.path().to_str().expect("utf-8").to_owned();
    let mut args = vec!["--url", &generated.url, "check", "--out", &dir];
    args.extend(case.args.iter().map(String::as_str));
    let ok = entity_gen(&args);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    // Generating again changes nothing, byte for byte.
    let mut again = vec!["--url", &generated.url, "generate", "--out", &dir];
    again.extend(case.args.iter().map(String::as_str));
    let out = entity_gen(&again);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("0 created, 0 updated"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(support::read_dir_sorted(tmp.path()), generated.files);

    support::sandbox()
        .admin_execute(
            &generated.db,
            "DROP MATERIALIZED VIEW page_totals;
             ALTER TABLE page_views ADD COLUMN referrer text;
             ALTER TABLE page_views ALTER COLUMN amount TYPE bigint;
             CREATE TABLE sessions (id uuid PRIMARY KEY);",
        )
        .await
        .expect("alter");
    let drift = entity_gen(&args);
    assert_eq!(drift.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&drift.stdout);
    for expected in [
        "added:   sessions.rs",
        "removed: page_totals.rs",
        "changed: page_views.rs (public.page_views)",
        "column referrer added",
        "column amount changed: Option<Decimal> -> Option<i64>",
        "changed: mod.rs",
        "changed: prelude.rs",
    ] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
    assert!(
        String::from_utf8_lossy(&drift.stderr).contains("differs from the live schema"),
        "{}",
        String::from_utf8_lossy(&drift.stderr)
    );
}

/// The arguments that produced `crates/entity/src/entities` from the migrated sample
/// dataset (`crates/entity/src/lib.rs` documents the same command).
const SAMPLE_ENTITY_ARGS: &[&str] = &[
    "--exclude",
    "seaql_migrations,qsorm_migration_checksums",
    "--primary-key",
    "daily_page_views=day,page_name",
];

/// `crates/entity/src/entities` is what `entity-gen` generates from a database migrated
/// with `qsorm_migrations::Migrator`, so the committed models cannot drift from the
/// migrations. `ENTITY_GEN_BLESS=1` regenerates them instead of checking.
#[tokio::test]
async fn committed_sample_entities_match_the_migrations() {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("fresh database");
    let conn = qsorm_connect::cli::sandbox_connection(sb, &db, None).expect("connection");
    qsorm_migrate::Runner::of::<qsorm_migrations::Migrator>(&conn)
        .run(qsorm_migrate::Op::Up(None))
        .await
        .expect("migrations apply");
    conn.close().await;
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root");
    let dir = workspace.join("crates/entity/src/entities");
    let dir = dir.to_str().expect("utf-8 path");
    let url = app_url(sb, &db);
    let bless = std::env::var_os("ENTITY_GEN_BLESS").is_some();
    let mut args = vec![
        "--url",
        &url,
        if bless { "generate" } else { "check" },
        "--out",
        dir,
    ];
    args.extend(SAMPLE_ENTITY_ARGS);
    let out = entity_gen(&args);
    assert!(
        out.status.success(),
        "crates/entity/src/entities is out of date (regenerate: see crates/entity/src/lib.rs, \
         or run this test with ENTITY_GEN_BLESS=1):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lib = std::fs::read_to_string(workspace.join("crates/entity/src/lib.rs")).expect("lib.rs");
    let documented = SAMPLE_ENTITY_ARGS.join(" ");
    assert!(
        lib.contains(&documented),
        "crates/entity/src/lib.rs must document the arguments `{documented}`"
    );
}

/// 300 tables of 12 columns (most mapped types, a foreign key to the previous table,
/// comments), like a mid-size Query Service sandbox.
fn wide_schema(tables: usize) -> String {
    let mut sql = String::from("CREATE TYPE status AS ENUM ('new', 'done');\n");
    for i in 0..tables {
        let fk = if i == 0 {
            String::new()
        } else {
            format!(",\n    parent_id bigint REFERENCES t{:03} (id)", i - 1)
        };
        sql.push_str(&format!(
            "CREATE TABLE t{i:03} (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    code varchar(20),
    amount numeric(12,2),
    ratio double precision,
    active boolean DEFAULT true,
    payload jsonb,
    tags text[],
    created_at timestamptz NOT NULL DEFAULT now(),
    day date,
    state status{fk}
);
COMMENT ON TABLE t{i:03} IS 'Table number {i}';
COMMENT ON COLUMN t{i:03}.amount IS 'An amount';
"
        ));
    }
    sql
}

/// The time to generate 300 tables, next to `sea-orm-cli generate entity` on the same
/// database. Needs `SEA_ORM_CLI` (the path of a sea-orm-cli 2 binary); run it in release:
/// `SEA_ORM_CLI=/path/to/sea-orm-cli cargo test --release -p qsorm-entity-gen --test entity_gen -- --ignored --nocapture three_hundred`.
#[tokio::test]
#[ignore = "benchmark: needs SEA_ORM_CLI, run in release"]
async fn three_hundred_tables_against_sea_orm_cli() {
    let sea_orm_cli = std::env::var("SEA_ORM_CLI").expect("SEA_ORM_CLI");
    let (db, _url) = support::database_with(&wide_schema(300)).await;
    let url = sandbox().superuser_url(&db);
    let tmp = tempfile::tempdir().expect("tempdir");
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for run in 0..5 {
        let out = tmp.path().join(format!("eg{run}"));
        let started = std::time::Instant::now();
        support::success(&entity_gen(&[
            "--url",
            &url,
            "generate",
            "--out",
            out.to_str().expect("utf-8"),
        ]));
        ours.push(started.elapsed().as_secs_f64());
        assert_eq!(std::fs::read_dir(&out).expect("out").count(), 300 + 3);

        let out = tmp.path().join(format!("so{run}"));
        let started = std::time::Instant::now();
        let so = std::process::Command::new(&sea_orm_cli)
            .args([
                "generate",
                "entity",
                "--entity-format",
                "dense",
                "-u",
                &url,
                "-o",
            ])
            .arg(&out)
            .output()
            .expect("sea-orm-cli runs");
        theirs.push(started.elapsed().as_secs_f64());
        assert!(
            so.status.success(),
            "{}",
            String::from_utf8_lossy(&so.stderr)
        );
    }
    let (ours, theirs) = (median(ours), median(theirs));
    eprintln!(
        "measured: 300 tables: entity-gen {ours:.2} s, sea-orm-cli {theirs:.2} s (median of 5, process included), ratio {:.1}x",
        theirs / ours
    );
}
