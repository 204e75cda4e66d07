//! The Query Service paths, run against the local Query Service (crates/query-service) in
//! front of a sandbox database holding the sample dataset: connection and typed errors,
//! the quickstart (the guide's flow), the Query Service script example, and `migrate`
//! refusing the flavor.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use qsorm::connect::cli::sandbox_connection;
use qsorm::connect::{ConnParams, ConnectError, Flavor, QsConnection, SslMode};
use qsorm::migrate::{Op, Runner};
use qsorm::migrations::Migrator;
use qsorm::sandbox::Sandbox;
use qsorm_query_service::{QueryService, QueryServiceOptions, SandboxQueryService};

/// A fresh database with the sample dataset and a local Query Service in front of it.
async fn sample_query_service() -> QueryService {
    let sandbox = Sandbox::shared().expect("sandbox");
    let db = sandbox.fresh_database().await.expect("database");
    let conn = sandbox_connection(sandbox, &db, None).expect("connection");
    Runner::of::<Migrator>(&conn)
        .run(Op::Up(None))
        .await
        .expect("migrate");
    conn.close().await;
    sandbox
        .query_service(&db, QueryServiceOptions::default())
        .await
        .expect("local Query Service")
}

fn params(qs: &QueryService, token: &str) -> ConnParams {
    qs.connect_params()
        .password(token)
        .connect_timeout(Duration::from_secs(5))
}

#[tokio::test]
async fn connection_errors_are_typed() {
    let qs = sample_query_service().await;
    let conn = QsConnection::new(params(&qs, qs.token()).build().expect("config"));
    conn.check().await.expect("check over the simple protocol");
    // The pool sends no health-check Sync: many checkouts in a row all work.
    for _ in 0..5 {
        let rows = conn.simple_query("SELECT 1 AS one").await.expect("query");
        assert_eq!(rows.len(), 1);
    }
    // A bound statement travels over the extended protocol: refused, typed.
    let mut pooled = conn.acquire().await.expect("acquire");
    let bound = sqlx::query("SELECT 1").fetch_one(&mut *pooled).await;
    drop(pooled);
    let bound_err = bound.expect_err("extended protocol must be refused");
    let typed =
        qsorm::connect::classify_sqlx(&std::sync::Arc::new(bound_err), &conn.error_context());
    assert!(
        matches!(typed, Some(ConnectError::UnsupportedByServer { sqlstate, .. }) if sqlstate == qsorm::connect::SqlState::PROTOCOL_VIOLATION),
        "{typed:?}"
    );
    conn.close().await;

    // An expired token.
    let token = qs
        .issue_token(qs.user(), Duration::from_secs(3600))
        .expect("token");
    qs.expire_token(&token);
    let expired = QsConnection::new(params(&qs, &token).build().expect("config"));
    let err = expired.check().await.expect_err("expired token");
    assert!(
        matches!(err, ConnectError::CredentialsExpired { sqlstate, .. } if sqlstate == qsorm::connect::SqlState::INVALID_PASSWORD),
        "{err:?}"
    );
    assert!(!err.to_string().contains(&token));
}

/// The examples are built by `cargo test` next to the test binaries.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target dir");
    dir.join("examples").join(name)
}

/// Runs a program with the Query Service settings in its environment (and no other
/// connection settings).
fn run_with(qs: &QueryService, program: PathBuf, args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(&program);
    cmd.args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("QS_") || key.starts_with("PG") || key == "DATABASE_URL" {
            cmd.env_remove(key);
        }
    }
    for line in qs.env_lines().lines() {
        if let Some((k, v)) = line.split_once('=') {
            cmd.env(k, v);
        }
    }
    let out = cmd
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", program.display()));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn quickstart_runs_the_guides_flow_on_the_local_query_service() {
    let qs = sample_query_service().await;
    let (ok, stdout, stderr) = run_with(&qs, example("quickstart"), &[]);
    assert!(ok, "quickstart failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("web_events"), "{stdout}");
    assert!(stdout.contains("web_events: 10000 rows"), "{stdout}");
    assert!(!stdout.contains(qs.token()) && !stderr.contains(qs.token()));
}

#[tokio::test(flavor = "multi_thread")]
async fn query_service_script_runs_on_the_local_query_service() {
    let qs = sample_query_service().await;
    let (ok, stdout, stderr) = run_with(&qs, example("qs_script"), &[]);
    assert!(ok, "qs_script failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("daily_revenue:"), "{stdout}");
    // Run twice: its down drops what its up created (tables created through Query Service).
    let (ok, stdout, stderr) = run_with(&qs, example("qs_script"), &[]);
    assert!(ok, "second run failed:\n{stdout}\n{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_refuses_the_query_service_flavor() {
    let qs = sample_query_service().await;
    let exe = example("quickstart")
        .parent()
        .and_then(|d| d.parent())
        .expect("target dir")
        .join("migrate");
    let (ok, stdout, stderr) = run_with(&qs, exe, &["up"]);
    assert!(
        !ok,
        "migrate must refuse Query Service:\n{stdout}\n{stderr}"
    );
    assert!(
        stderr.to_lowercase().contains("query service"),
        "the refusal names Query Service: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn through_pgbouncer_in_transaction_mode() {
    use qsorm::sandbox::pgbouncer::{PgBouncer, Upstream};
    let qs = sample_query_service().await;
    let bouncer = PgBouncer::start(
        &Upstream {
            host: qs.host().to_owned(),
            port: qs.port(),
            dbname: qs.database().to_owned(),
            user: qs.user().to_owned(),
            password: Some(qs.token().to_owned()),
            tls: "require",
        },
        true,
    )
    .expect("pgbouncer");
    let ca = bouncer.ca_cert_path().expect("client TLS").to_path_buf();
    let conn = QsConnection::new(
        ConnParams::default()
            .host("127.0.0.1")
            .port(bouncer.port())
            .database("prod:all")
            .user(qs.user())
            .password("pgbouncer-accepts-any")
            .sslmode(SslMode::VerifyFull)
            .sslrootcert(ca)
            .flavor(Flavor::QueryService)
            .max_connections(8)
            .build()
            .expect("config"),
    );
    // More clients than pgbouncer's two server connections, each with a few statements.
    let mut tasks = Vec::new();
    for i in 0..6 {
        let conn = conn.clone();
        tasks.push(tokio::spawn(async move {
            let table = format!("bouncer_{i}");
            conn.simple_query(&format!(
                "CREATE TABLE {table} AS (SELECT _id, event_type FROM web_events WHERE event_type = 'web.webpagedetails.pageViews' LIMIT 10)"
            ))
            .await?;
            conn.simple_query(&format!("INSERT INTO {table} SELECT 'x' AS _id, 'y' AS event_type"))
                .await?;
            let rows = conn
                .simple_query(&format!("SELECT count(*) AS n FROM {table}"))
                .await?;
            let n: i64 = rows[0].try_get("", "n").expect("count");
            conn.simple_query(&format!("DROP TABLE {table}")).await?;
            Ok::<i64, ConnectError>(n)
        }));
    }
    for t in tasks {
        let n = t.await.expect("task").expect("flow through pgbouncer");
        assert_eq!(n, 11);
    }
    // The server's rules still apply behind the pooler.
    let err = conn
        .simple_query("UPDATE web_events SET event_type = 'x'")
        .await
        .expect_err("UPDATE refused");
    assert!(
        matches!(err, ConnectError::Database { sqlstate, .. } if sqlstate == qsorm::connect::SqlState::FEATURE_NOT_SUPPORTED),
        "{err:?}"
    );
    conn.close().await;
}

#[tokio::test]
async fn the_executor_picks_the_simple_protocol_for_query_service() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionSession, TransactionTrait};
    let qs = sample_query_service().await;
    let conn = QsConnection::new(params(&qs, qs.token()).build().expect("config"));
    let ex = conn.executor();
    assert!(matches!(ex, qsorm::connect::Executor::Simple(_)));
    let rows = ex
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM profiles",
        ))
        .await
        .expect("query over the simple protocol");
    let n: i64 = rows[0].try_get("", "n").expect("n");
    assert_eq!(n, 1000);
    // The same statement through the bound path is refused by the server (extended protocol).
    assert!(
        conn.db()
            .query_all_raw(Statement::from_string(DbBackend::Postgres, "SELECT 1"))
            .await
            .is_err()
    );
    // A transaction rolled back leaves nothing, a committed one stays. Query Service
    // documents no SAVEPOINT: a nested transaction is refused, typed.
    ex.execute_unprepared("CREATE TABLE tx_probe AS (SELECT 1 AS id)")
        .await
        .expect("ctas");
    let tx = ex.begin().await.expect("begin");
    tx.execute_unprepared("INSERT INTO tx_probe SELECT 3 AS id")
        .await
        .expect("itas");
    let nested = tx
        .begin()
        .await
        .expect_err("no savepoints on Query Service");
    assert!(
        nested
            .to_string()
            .contains("not supported by Query Service"),
        "{nested}"
    );
    tx.rollback().await.expect("rollback");
    let tx = ex.begin().await.expect("begin");
    tx.execute_unprepared("INSERT INTO tx_probe SELECT 2 AS id")
        .await
        .expect("itas");
    tx.commit().await.expect("commit");
    let rows = ex
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT CAST(id AS string) AS id FROM tx_probe ORDER BY id",
        ))
        .await
        .expect("read");
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r.try_get("", "id").expect("id"))
        .collect();
    assert_eq!(ids, ["1", "2"]);
    conn.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_permission_refusal_is_typed_and_says_what_is_needed() {
    use qsorm::repository::qs_script::{QsScriptError, drop_table_if_exists, run};
    let qs = sample_query_service().await;
    let conn = QsConnection::new(params(&qs, qs.token()).build().expect("config"));
    // `web_events` was not created through Query Service: the server answers 42501.
    let err = run(&drop_table_if_exists("web_events"), conn.executor())
        .await
        .expect_err("refused");
    assert!(
        matches!(err, QsScriptError::PermissionDenied { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("Manage Datasets") && text.contains("DROP TABLE works only"),
        "{text}"
    );
    conn.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_script_with_hostile_values_runs_on_the_local_query_service() {
    use qsorm::repository::qs_script::{
        QsScript, add_primary_key, create_table_as, create_view, insert_into_select, run,
    };
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    use sea_query::{Expr, ExprTrait, Query};
    const HOSTILE: [&str; 6] = [
        "it's",
        "back\\slash",
        "new\nline",
        "'; DROP TABLE web_events; --",
        "ünï ✓ 😀 $1 $$",
        "\\'",
    ];
    let qs = sample_query_service().await;
    let conn = QsConnection::new(params(&qs, qs.token()).build().expect("config"));
    let db = conn.executor();
    // Each hostile string as a selected constant and in a filter, in a CTAS and an ITAS.
    let pick = |i: usize| {
        Query::select()
            .expr_as(Expr::val(HOSTILE[i]), "label")
            .expr_as(Expr::val(i64::try_from(i).expect("i")), "n")
            .from("profiles")
            .and_where(Expr::col("_id").ne(HOSTILE[i]))
            .limit(1)
            .to_owned()
    };
    let mut script = QsScript::new().then(
        create_table_as("hostile_labels", pick(0))
            .schema("O'Brien \\ schema")
            .label("PROFILE")
            .flavor(Flavor::QueryService),
    );
    for i in 1..HOSTILE.len() {
        script =
            script.then(insert_into_select("hostile_labels", pick(i)).flavor(Flavor::QueryService));
    }
    let view = Query::select()
        .column("label")
        .from("hostile_labels")
        .and_where(Expr::col("label").ne(HOSTILE[3]))
        .to_owned();
    script = script
        .then(create_view("hostile_view", view, true).flavor(Flavor::QueryService))
        .then(add_primary_key(
            "hostile_labels",
            ["n"],
            "it's \\ ns",
            Flavor::QueryService,
        ));
    for stmt in script.statements() {
        run(stmt.as_ref(), db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT label, CAST(n AS string) AS n FROM hostile_labels ORDER BY n",
        ))
        .await
        .expect("read back");
    let labels: Vec<String> = rows
        .iter()
        .map(|r| r.try_get("", "label").expect("label"))
        .collect();
    assert_eq!(labels, HOSTILE);
    let view_rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS c FROM hostile_view",
        ))
        .await
        .expect("view");
    let c: i64 = view_rows[0].try_get("", "c").expect("count");
    assert_eq!(c, 5);
    let keys = conn.simple_query("SHOW PRIMARY KEYS").await.expect("keys");
    assert!(keys.iter().any(|r| {
        r.try_get::<String>("", "tableName").ok().as_deref() == Some("hostile_labels")
            && r.try_get::<Option<String>>("", "namespace")
                .ok()
                .flatten()
                .as_deref()
                == Some("it's \\ ns")
    }));
    // Its down drops what it created.
    for stmt in script.down_statements() {
        run(stmt.as_ref(), db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    conn.close().await;
}
