//! `entity-gen` against the local Query Service (`qsorm-query-service`) in front of the
//! migrated sample dataset, configured the way a user would (`QS_*` variables): `tables`,
//! `describe`, `generate` and `check` read only through documented access, and give what
//! the PostgreSQL flavor gives of the same database, but for what that access cannot see.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use qsorm_query_service::{QueryService, QueryServiceOptions, SandboxQueryService};
use support::{app_url, entity_gen, read_dir_sorted, sandbox, success};

/// The arguments that produced `crates/entity/src/entities` (see `entity_gen.rs`).
const SAMPLE_ENTITY_ARGS: &[&str] = &[
    "--exclude",
    "seaql_migrations,qsorm_migration_checksums",
    "--primary-key",
    "daily_page_views=day,page_name",
];

/// A fresh database with the sample dataset, a local Query Service in front of it, and
/// the database's (PostgreSQL) URL.
async fn sample_behind_query_service() -> (QueryService, String) {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("fresh database");
    let conn = qsorm_connect::cli::sandbox_connection(sb, &db, None).expect("connection");
    qsorm_migrate::Runner::of::<qsorm_migrations::Migrator>(&conn)
        .run(qsorm_migrate::Op::Up(None))
        .await
        .expect("migrations apply");
    conn.close().await;
    let qs = sb
        .query_service(&db, QueryServiceOptions::default())
        .await
        .expect("local Query Service");
    (qs, app_url(sb, &db))
}

/// Runs `entity-gen` with a clean environment plus the server's `QS_*` lines.
fn entity_gen_qs(qs: &QueryService, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_entity-gen"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir());
    for line in qs.env_lines().lines() {
        if let Some((key, value)) = line.split_once('=') {
            cmd.env(key, value);
        }
    }
    cmd.args(["--env-file", "/nonexistent/.env"])
        .args(args)
        .output()
        .expect("entity-gen runs")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&success(out)).expect("JSON")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn committed_entities() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .join("crates/entity/src/entities")
}

// Multi-threaded: the server's tasks must run while the test waits for `entity-gen`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_describe_generate_and_check_through_the_local_query_service() {
    let (qs, pg_url) = sample_behind_query_service().await;

    // tables --json: the same relations, kinds and column counts; the dataset
    // description where PostgreSQL has the table comment; dataset ids.
    let listed = json(&entity_gen_qs(&qs, &["tables", "--json"]));
    let expected = json(&entity_gen(&[
        "--url", &pg_url, "tables", "--json", "--schema", "public",
    ]));
    let rows = |v: &serde_json::Value, qs: bool| -> Vec<serde_json::Value> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|t| {
                serde_json::json!([
                    t["schema"],
                    t["name"],
                    t["kind"],
                    t["column_count"],
                    if qs { &t["description"] } else { &t["comment"] }
                ])
            })
            .collect()
    };
    assert_eq!(rows(&listed, true), rows(&expected, false));
    assert!(
        listed
            .as_array()
            .expect("array")
            .iter()
            .all(|t| t["dataset_id"].is_string())
    );

    // describe web_events: the same columns (types, nullability, nested structs).
    let described = json(&entity_gen_qs(&qs, &["describe", "web_events", "--json"]));
    let expected = json(&entity_gen(&[
        "--url",
        &pg_url,
        "describe",
        "web_events",
        "--json",
    ]));
    assert_eq!(described["columns"], expected["columns"]);
    assert_eq!(described["primary_key"], expected["primary_key"]);
    let text = success(&entity_gen_qs(&qs, &["describe", "web_events"]));
    for expected in [
        "web_events_product_list_items[]",
        "price_total",
        "page_details",
        "Description: Sample XDM ExperienceEvent dataset",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }

    // generate, then check the same directory: up to date.
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().to_str().expect("utf-8").to_owned();
    let mut args = vec!["generate", "--out", &out];
    args.extend(SAMPLE_ENTITY_ARGS);
    let generated = entity_gen_qs(&qs, &args);
    assert!(generated.status.success(), "{}", stderr(&generated));
    let warnings: Vec<String> = stderr(&generated)
        .lines()
        .filter_map(|l| l.strip_prefix("warning: "))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        warnings,
        [
            "public.profiles.loyalty_tier: type `profiles_loyalty_tier` is unknown: mapped to String (read as ::text)"
        ],
        "the enum is the one type documented access does not describe"
    );
    args[0] = "check";
    let check = entity_gen_qs(&qs, &args);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));

    // Against the committed entities (generated from PostgreSQL): only the documented
    // differences. Documented access does not describe enums (the column is text, no
    // `sea_orm_active_enums`), referential actions, or foreign key names (`SHOW FOREIGN
    // KEYS` has none: `<table>_<columns>_fkey`).
    let committed = read_dir_sorted(&committed_entities());
    let ours = read_dir_sorted(tmp.path());
    let mut differences = Vec::new();
    for (name, text) in &committed {
        match ours.iter().find(|(n, _)| n == name) {
            Some((_, t)) if t == text => {}
            Some((_, t)) => differences.push((name.clone(), diff(text, t))),
            None => differences.push((name.clone(), "not generated".to_owned())),
        }
    }
    for (name, _) in &ours {
        if !committed.iter().any(|(n, _)| n == name) {
            differences.push((name.clone(), "not committed".to_owned()));
        }
    }
    let expected: Vec<(String, String)> = DOCUMENTED_DIFFERENCES
        .iter()
        .map(|(f, d)| ((*f).to_owned(), (*d).to_owned()))
        .collect();
    assert_eq!(differences, expected);

    // `check` against the committed directory says so (exit 1) and names those files.
    let mut args = vec!["check", "--out"];
    let committed_dir = committed_entities();
    args.push(committed_dir.to_str().expect("utf-8"));
    args.extend(SAMPLE_ENTITY_ARGS);
    let check = entity_gen_qs(&qs, &args);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    let summary = String::from_utf8_lossy(&check.stdout);
    for name in [
        "line_adjustments.rs",
        "order_lines.rs",
        "orders.rs",
        "profiles.rs",
        "mod.rs",
    ] {
        assert!(summary.contains(name), "{name} in:\n{summary}");
    }
    assert!(
        summary.contains("removed: sea_orm_active_enums.rs"),
        "{summary}"
    );
}

/// How the entities generated through documented access differ from the committed ones
/// (generated from PostgreSQL): `(file, diff)`, `-` committed lines, `+` generated lines.
const DOCUMENTED_DIFFERENCES: &[(&str, &str)] = &[
    (
        "line_adjustments.rs",
        "-     /// The `public.order_lines` row that `order_id`, `line_no` references (foreign key `line_adjustments_order_line_fkey`).
-         to = \"(order_id, line_no)\",
-         on_delete = \"Cascade\"
+     /// The `public.order_lines` row that `order_id`, `line_no` references (foreign key `line_adjustments_order_id_line_no_fkey`).
+         to = \"(order_id, line_no)\"
",
    ),
    ("mod.rs", "- pub mod sea_orm_active_enums;\n"),
    (
        "order_lines.rs",
        "-     #[sea_orm(
-         belongs_to,
-         relation_enum = \"Orders\",
-         from = \"order_id\",
-         to = \"order_id\",
-         on_delete = \"Cascade\"
-     )]
-     /// The `public.line_adjustments` rows whose `order_id`, `line_no` reference this row (foreign key `line_adjustments_order_line_fkey`).
+     #[sea_orm(belongs_to, relation_enum = \"Orders\", from = \"order_id\", to = \"order_id\")]
+     /// The `public.line_adjustments` rows whose `order_id`, `line_no` reference this row (foreign key `line_adjustments_order_id_line_no_fkey`).
",
    ),
    (
        "orders.rs",
        "-     #[sea_orm(
-         belongs_to,
-         relation_enum = \"Profiles\",
-         from = \"profile_id\",
-         to = \"id\",
-         on_delete = \"Restrict\"
-     )]
+     #[sea_orm(belongs_to, relation_enum = \"Profiles\", from = \"profile_id\", to = \"id\")]
",
    ),
    (
        "profiles.rs",
        "- use super::sea_orm_active_enums::ProfilesLoyaltyTier;
-     pub loyalty_tier: ProfilesLoyaltyTier,
+     /// `profiles_loyalty_tier` was not described by the catalog: read as `::text`, written with a cast to `profiles_loyalty_tier`.
+     #[sea_orm(select_as = \"text\", save_as = \"profiles_loyalty_tier\")]
+     pub loyalty_tier: String,
",
    ),
    ("sea_orm_active_enums.rs", "not generated"),
];

/// The lines of `a` missing from `b` (`-`) and of `b` missing from `a` (`+`).
fn diff(a: &str, b: &str) -> String {
    let mut out = String::new();
    for l in a.lines().filter(|l| !b.lines().any(|x| x == *l)) {
        out.push_str(&format!("- {l}\n"));
    }
    for l in b.lines().filter(|l| !a.lines().any(|x| x == *l)) {
        out.push_str(&format!("+ {l}\n"));
    }
    out
}

/// A catalog step that fails makes `generate` and `check` fail (exit 2, the step named,
/// nothing written) unless `--allow-partial` is given; then the warnings are printed and
/// the rest is generated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_step_fails_generate_unless_partial_is_allowed() {
    // The local Query Service refuses `SELECT * FROM pg_orders WHERE 1=0` (the name reads as
    // a catalog relation): a step that fails on a table SHOW TABLES lists.
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("fresh database");
    sb.admin_execute(
        &db,
        "CREATE TABLE ok (id int PRIMARY KEY, note text); CREATE TABLE pg_orders (id int);",
    )
    .await
    .expect("schema");
    let qs = sb
        .query_service(&db, QueryServiceOptions::default())
        .await
        .expect("local Query Service");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().to_str().expect("utf-8").to_owned();
    for command in ["generate", "check"] {
        let run = entity_gen_qs(&qs, &[command, "--out", &out]);
        assert_eq!(run.status.code(), Some(2), "{command}: {}", stderr(&run));
        let err = stderr(&run);
        assert!(
            err.contains("step `columns of public.pg_orders (SELECT * FROM pg_orders WHERE 1=0)`")
                && err.contains("0A000"),
            "{command}: {err}"
        );
    }
    assert!(read_dir_sorted(tmp.path()).is_empty(), "nothing written");

    let run = entity_gen_qs(&qs, &["generate", "--out", &out, "--allow-partial"]);
    let err = stderr(&run);
    assert!(run.status.success(), "{err}");
    assert!(
        err.contains(
            "warning: Query Service reflection failed at step `columns of public.pg_orders"
        ),
        "{err}"
    );
    assert!(
        err.contains("public.pg_orders: no columns, no entity generated"),
        "{err}"
    );
    let files: Vec<String> = read_dir_sorted(tmp.path())
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(files.contains(&"ok.rs".to_owned()), "{files:?}");
    let run = entity_gen_qs(&qs, &["check", "--out", &out, "--allow-partial"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
}

/// The same rule on PostgreSQL, where a rejected catalog query degrades the reflection
/// to a partial one with warnings: `generate` refuses to write from it without
/// `--allow-partial`.
#[tokio::test]
async fn postgres_partial_reflection_needs_allow_partial_too() {
    let (db, url) = support::database_with("CREATE TABLE t (id int PRIMARY KEY);").await;
    sandbox()
        .admin_execute(&db, "REVOKE SELECT ON pg_catalog.pg_index FROM PUBLIC")
        .await
        .expect("revoke");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().to_str().expect("utf-8").to_owned();
    let run = entity_gen(&["--url", &url, "generate", "--out", &out]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("catalog query `indexes` failed"),
        "{}",
        stderr(&run)
    );
    assert!(read_dir_sorted(tmp.path()).is_empty(), "nothing written");
    let run = entity_gen(&["--url", &url, "generate", "--out", &out, "--allow-partial"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("warning: catalog query `indexes` failed"),
        "{}",
        stderr(&run)
    );
}
