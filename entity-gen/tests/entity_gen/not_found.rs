//! Names that match nothing: a schema, a table, a `--tables` glob give a "not found" error
//! naming what was asked and exit 2; hostile names (SQL injection attempts) are only ever
//! matched against the reflected catalog: no statement but the reflection's reads runs, and
//! the database is unchanged.

use std::time::{Duration, Instant};

use qsorm_connect::{QsConnection, parse_url};

use crate::support::{self, entity_gen, read_dir_sorted, sandbox};

const SCHEMA: &str = "
    CREATE SCHEMA crm;
    CREATE TABLE crm.customers (id integer PRIMARY KEY, name text NOT NULL);
    CREATE TABLE orders (id integer PRIMARY KEY, total numeric(10,2));
    CREATE TABLE order_lines (order_id integer REFERENCES orders (id), line integer,
        PRIMARY KEY (order_id, line));
";

/// Runs a command that must fail with exit 2 and `expected` in stderr.
fn fails_with(args: &[&str], expected: &str) -> String {
    let out = entity_gen(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(
        stderr.contains(expected),
        "{args:?}: expected `{expected}` in: {stderr}"
    );
    stderr
}

#[tokio::test]
async fn names_that_match_nothing_are_not_found_and_exit_2() {
    let (_db, url) = support::database_with(SCHEMA).await;
    let u = url.as_str();
    fails_with(
        &["--url", u, "tables", "--schema", "nope"],
        "not found: no table or view in schema `nope`",
    );
    let stderr = fails_with(
        &[
            "--url", u, "tables", "--schema", "crm", "--schema", "nope", "--schema", "nada",
        ],
        "not found: no table or view in schemas `nope`, `nada`",
    );
    assert!(!stderr.contains("`crm`"), "{stderr}");
    fails_with(
        &["--url", u, "describe", "no_such_table"],
        "not found: no table or view named `no_such_table`",
    );
    fails_with(
        &["--url", u, "describe", "orders", "--schema", "crm"],
        "not found: no table or view named `orders` in schema `crm`",
    );
    fails_with(
        &["--url", u, "describe", "nope.orders"],
        "not found: no table or view named `nope.orders`",
    );

    // generate / check: an existing output is left as it was.
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("entities");
    let d = dir.to_str().expect("utf-8");
    support::success(&entity_gen(&["--url", u, "generate", "--out", d]));
    let before = read_dir_sorted(&dir);
    for command in ["generate", "check"] {
        fails_with(
            &[
                "--url",
                u,
                command,
                "--out",
                d,
                "--tables",
                "orders,nomatch*",
            ],
            "not found: --tables `nomatch*` matches no table or view in schema `public`",
        );
        fails_with(
            &["--url", u, command, "--out", d, "--schema", "nope"],
            "not found: no table or view in schema `nope`",
        );
        fails_with(
            &[
                "--url",
                u,
                command,
                "--out",
                d,
                "--tables",
                "order*",
                "--exclude",
                "order*",
            ],
            "not found: no table or view left to generate in schema `public` after --exclude `order*`",
        );
    }
    assert_eq!(
        read_dir_sorted(&dir),
        before,
        "the output directory changed"
    );
}

/// Names an attacker (or a careless paste) could give.
const HOSTILE: &[&str] = &[
    "x'; DROP TABLE web_events; --",
    "\"; select pg_sleep(10)--",
    "web_events'); DROP TABLE profiles; --",
    "x\\'; DROP TABLE orders; --",
    "C:\\temp\\web_events",
    "$$; DROP TABLE order_lines; $$",
    "$q$ || pg_sleep(10) || $q$",
    "web_events\"; DROP SCHEMA public CASCADE; --",
    "publi_",
    "%",
    "web_event_",
    "wéb_évents",
    "ウェブ・イベント",
    "web_events\u{202e}",
    "web_events\nDROP TABLE web_events",
];

/// The sample tables (the first four migrations: schema only) in a fresh database.
async fn sample_schema() -> (String, String) {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("fresh database");
    let conn = qsorm_connect::cli::sandbox_connection(sb, &db, None).expect("connection");
    qsorm_migrate::Runner::of::<qsorm_migrations::Migrator>(&conn)
        .run(qsorm_migrate::Op::Up(Some(4)))
        .await
        .expect("migrations apply");
    conn.close().await;
    let url = support::app_url(sb, &db);
    (db, url)
}

/// A superuser connection to `db`.
fn superuser(db: &str) -> QsConnection {
    let config = parse_url(&sandbox().superuser_url(db))
        .and_then(|p| p.build())
        .expect("superuser settings");
    QsConnection::new(config)
}

/// One text value per row of `sql`.
async fn texts(conn: &QsConnection, sql: &str) -> Vec<String> {
    conn.simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).expect("text"))
        .collect()
}

/// The public schema's relations with their row counts, and its types.
const SNAPSHOT: &str = "SELECT c.relkind::text || ' ' || c.relname || ' ' || \
    coalesce(s.n_live_tup, 0)::text FROM pg_class c \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid \
    WHERE n.nspname = 'public' UNION ALL \
    SELECT 'type ' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
    WHERE n.nspname = 'public' ORDER BY 1";

#[tokio::test]
async fn hostile_names_run_no_sql_and_leave_the_database_unchanged() {
    let sb = sandbox();
    assert!(
        sb.has_pg_stat_statements(),
        "the sandbox must preload pg_stat_statements for this test"
    );
    let (db, url) = sample_schema().await;
    let admin = superuser(&db);
    let before = texts(&admin, SNAPSHOT).await;
    let app_statements = format!(
        "SELECT query FROM pg_stat_statements WHERE toplevel AND \
         dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND \
         userid = (SELECT oid FROM pg_roles WHERE rolname = '{}')",
        sb.app_user()
    );
    texts(
        &admin,
        "SELECT pg_stat_statements_reset()::text FROM (SELECT 1) one",
    )
    .await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let out = out.to_str().expect("utf-8");
    let u = url.as_str();
    let mut runs: Vec<(Vec<&str>, String)> = Vec::new();
    for name in HOSTILE {
        let shown = shown(name);
        runs.push((
            vec!["--url", u, "describe", name],
            format!("not found: no table or view named `{shown}`"),
        ));
        runs.push((
            vec!["--url", u, "describe", "web_events", "--schema", name],
            format!("not found: no table or view named `web_events` in schema `{shown}`"),
        ));
        runs.push((
            vec!["--url", u, "tables", "--schema", name],
            format!("not found: no table or view in schema `{shown}`"),
        ));
        runs.push((
            vec!["--url", u, "generate", "--out", out, "--tables", name],
            format!("not found: --tables `{shown}` matches no table"),
        ));
        runs.push((
            vec!["--url", u, "generate", "--out", out, "--schema", name],
            format!("not found: no table or view in schema `{shown}`"),
        ));
    }
    // A few at a time: each run mostly waits for the server.
    let started = Instant::now();
    for chunk in runs.chunks(4) {
        std::thread::scope(|scope| {
            for (args, expected) in chunk {
                scope.spawn(move || {
                    let run = Instant::now();
                    fails_with(args, expected);
                    // `pg_sleep(10)` never ran.
                    assert!(run.elapsed() < Duration::from_secs(10), "{args:?} slept");
                });
            }
        });
    }
    eprintln!(
        "measured: {} hostile-name runs in {:?}",
        runs.len(),
        started.elapsed()
    );

    assert_eq!(
        texts(&admin, SNAPSHOT).await,
        before,
        "the database changed"
    );
    for table in [
        "web_events",
        "profiles",
        "orders",
        "order_lines",
        "daily_page_views",
    ] {
        assert!(
            before.iter().any(|r| r.split(' ').nth(1) == Some(table)),
            "{table} missing from {before:?}"
        );
    }
    let statements = texts(&admin, &app_statements).await;
    assert!(
        !statements.is_empty(),
        "pg_stat_statements saw the reflection"
    );
    for sql in &statements {
        let head = sql.trim_start().to_ascii_uppercase();
        assert!(
            head.starts_with("SELECT") || head.starts_with("WITH"),
            "a statement other than a catalog read ran: {sql}"
        );
        assert!(!sql.contains("pg_sleep"), "{sql}");
    }
    assert!(!std::path::Path::new(out).exists(), "nothing was generated");
    admin.close().await;
}

/// How a name shows in an error: control characters escaped.
fn shown(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
