//! Integration tests: they start real PostgreSQL clusters.

// A failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use qsorm_sandbox::{Sandbox, SandboxError, SandboxOptions};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{Connection, Row};

/// Everything URL- and SQL-hostile, plus a newline and characters SASLprep rejects.
const HOSTILE: &str = "p@ss:w/rd?#%[] ' \" \\ \n é 🔑";
/// Hostile for URLs and SQL quoting, but acceptable to sqlx's SASLprep.
const HOSTILE_SASL_OK: &str = "p@ss:w/rd?#%[] ' \" \\ é";

fn shared() -> &'static Sandbox {
    let sandbox = Sandbox::shared().expect("shared sandbox starts");
    eprintln!(
        "shared sandbox: port {}, started in {:?}, pg_stat_statements: {}",
        sandbox.port(),
        sandbox.started_in(),
        sandbox.has_pg_stat_statements()
    );
    sandbox
}

fn login(
    sandbox: &Sandbox,
    user: &str,
    password: &str,
    database: &str,
    mode: PgSslMode,
) -> PgConnectOptions {
    let opts = PgConnectOptions::new_without_pgpass()
        .host(sandbox.host())
        .port(sandbox.port())
        .username(user)
        .password(password)
        .database(database)
        .ssl_mode(mode);
    match sandbox.ca_cert_path() {
        Some(ca) => opts.ssl_root_cert(ca),
        None => opts,
    }
}

async fn current_user(opts: &PgConnectOptions) -> Result<(String, bool), sqlx::Error> {
    let mut conn = PgConnection::connect_with(opts).await?;
    let row = sqlx::query(
        "SELECT current_user::text, coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
    )
    .fetch_one(&mut conn)
    .await?;
    let result = (row.get(0), row.get(1));
    conn.close().await?;
    Ok(result)
}

fn sqlstate(e: &sqlx::Error) -> Option<String> {
    e.as_database_error()
        .and_then(|d| d.code())
        .map(|c| c.into_owned())
}

/// Log in with psql (libpq), which falls back to the raw password when SASLprep rejects it,
/// as the server does. `None` when psql is not installed.
fn psql_login(sandbox: &Sandbox, user: &str, password: &str) -> Option<Result<String, String>> {
    let psql = sandbox.bin_dir().join("psql");
    if !psql.is_file() {
        eprintln!(
            "no psql in {}: libpq login not checked",
            sandbox.bin_dir().display()
        );
        return None;
    }
    let mut cmd = Command::new(psql);
    cmd.args(["-X", "-w", "-tA", "-c", "SELECT current_user"])
        .args(["-h", sandbox.host(), "-p", &sandbox.port().to_string()])
        .args(["-U", user, "-d", "postgres"])
        .env("PGPASSWORD", password)
        .env("PGSSLMODE", "verify-full")
        .env("PGSSLROOTCERT", sandbox.ca_cert_path().expect("tls on"));
    let out = cmd.output().expect("psql runs");
    Some(if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

/// The process exists and is not a zombie (an exited postmaster stays a zombie until its
/// adoptive parent reaps it).
fn process_running(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().to_owned())
        })
        .is_some_and(|rest| !rest.starts_with('Z') && !rest.starts_with('X'))
}

#[tokio::test]
async fn superuser_query_works() {
    let sandbox = shared();
    assert_eq!(sandbox.host(), "127.0.0.1");
    assert_eq!(sandbox.superuser(), "postgres");
    assert!(sandbox.tls());
    let mut conn = PgConnection::connect(&sandbox.superuser_url("postgres"))
        .await
        .expect("superuser connects");
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(one, 1);
    let preload: String = sqlx::query_scalar("SHOW shared_preload_libraries")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        preload.contains("pg_stat_statements"),
        sandbox.has_pg_stat_statements()
    );
    conn.close().await.unwrap();
}

#[tokio::test]
async fn app_user_connects_over_tls() {
    let sandbox = shared();
    assert_eq!(sandbox.app_user(), "qsorm_app");
    let password = sandbox.app_password();
    assert_eq!(password.len(), 24);
    assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));

    let require = login(
        sandbox,
        "qsorm_app",
        password,
        "postgres",
        PgSslMode::Require,
    );
    let (user, ssl) = current_user(&require).await.expect("sslmode=require");
    assert_eq!(user, "qsorm_app");
    assert!(ssl, "the session is encrypted");

    let verify_full = login(
        sandbox,
        "qsorm_app",
        password,
        "postgres",
        PgSslMode::VerifyFull,
    );
    let (_, ssl) = current_user(&verify_full)
        .await
        .expect("verify-full, 127.0.0.1");
    assert!(ssl);
    let by_name = verify_full.clone().host("localhost");
    current_user(&by_name)
        .await
        .expect("verify-full, localhost");
    current_user(&sandbox.app_connect_options("postgres"))
        .await
        .expect("app_connect_options");

    // Without the CA the server certificate is not trusted.
    let no_ca = PgConnectOptions::new_without_pgpass()
        .host(sandbox.host())
        .port(sandbox.port())
        .username("qsorm_app")
        .password(password)
        .database("postgres")
        .ssl_mode(PgSslMode::VerifyCa);
    assert!(current_user(&no_ca).await.is_err(), "unknown CA rejected");
}

#[tokio::test]
async fn wrong_password_fails_with_28p01() {
    let sandbox = shared();
    let opts = login(
        sandbox,
        "qsorm_app",
        "not-the-password",
        "postgres",
        PgSslMode::Require,
    );
    let err = current_user(&opts).await.expect_err("wrong password fails");
    assert_eq!(sqlstate(&err).as_deref(), Some("28P01"), "{err}");
}

#[tokio::test]
async fn fresh_databases_are_distinct_and_owned_by_app() {
    let sandbox = shared();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        tasks.spawn(async move { sandbox.fresh_database().await });
    }
    let mut names = Vec::new();
    while let Some(done) = tasks.join_next().await {
        names.push(done.unwrap().expect("fresh database"));
    }
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    let pid = std::process::id();
    assert!(
        names
            .iter()
            .all(|n| n.starts_with(&format!("qsorm_t_{pid}_")))
    );

    let name = &names[0];
    let mut admin = PgConnection::connect(&sandbox.superuser_url("postgres"))
        .await
        .unwrap();
    let owner: String = sqlx::query_scalar(
        "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = $1",
    )
    .bind(name)
    .fetch_one(&mut admin)
    .await
    .unwrap();
    assert_eq!(owner, "qsorm_app");
    admin.close().await.unwrap();

    // The owner can create tables; several statements go through admin_execute.
    let mut conn = PgConnection::connect_with(&sandbox.app_connect_options(name))
        .await
        .unwrap();
    sqlx::raw_sql("CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)")
        .execute(&mut conn)
        .await
        .expect("owner creates a table");
    let extensions: Vec<String> = sqlx::query_scalar("SELECT extname::text FROM pg_extension")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        extensions.iter().any(|e| e == "pg_stat_statements"),
        sandbox.has_pg_stat_statements(),
        "{extensions:?}"
    );
    conn.close().await.unwrap();
    sandbox
        .admin_execute(
            name,
            "INSERT INTO t VALUES (3); DELETE FROM t WHERE id = 1;",
        )
        .await
        .unwrap();

    // A copy of a database with data in it.
    let copy = sandbox.fresh_database_from(name).await.unwrap();
    let mut conn = PgConnection::connect_with(&sandbox.app_connect_options(&copy))
        .await
        .unwrap();
    let ids: Vec<i32> = sqlx::query_scalar("SELECT id FROM t ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(ids, [2, 3]);
    // drop_database forces out this still-open session.
    for n in names.iter().chain([&copy]) {
        sandbox.drop_database(n).await.unwrap();
    }
    assert!(
        conn.ping().await.is_err(),
        "session was terminated by FORCE"
    );
    sandbox.drop_database(&copy).await.expect("IF EXISTS");
}

#[tokio::test]
async fn hostile_password_role() {
    let sandbox = shared();
    let role = "qsorm \"odd\" rôle";
    sandbox.create_role(role, HOSTILE).await.unwrap();

    // libpq logs in with the exact password.
    if let Some(result) = psql_login(sandbox, role, HOSTILE) {
        assert_eq!(result.expect("psql login with the hostile password"), role);
        assert!(psql_login(sandbox, role, "wrong").unwrap().is_err());
    }
    // sqlx 0.9 applies SASLprep strictly and refuses passwords it rejects (control
    // characters, code points unassigned in Unicode 3.2) before talking to the server,
    // where libpq and the server fall back to the raw password.
    let opts = login(sandbox, role, HOSTILE, "postgres", PgSslMode::VerifyFull);
    match current_user(&opts).await {
        Ok((user, _)) => assert_eq!(user, role),
        Err(e) => {
            eprintln!("sqlx with the full hostile password: {e}");
            assert!(sqlstate(&e).is_none(), "not a server-side failure: {e}");
        }
    }

    // create_role on an existing role sets the password.
    sandbox.create_role(role, HOSTILE_SASL_OK).await.unwrap();
    let opts = login(
        sandbox,
        role,
        HOSTILE_SASL_OK,
        "postgres",
        PgSslMode::VerifyFull,
    );
    assert_eq!(current_user(&opts).await.expect("sqlx login").0, role);
    if let Some(result) = psql_login(sandbox, role, HOSTILE) {
        assert!(result.is_err(), "old password no longer works");
    }
    // NUL cannot be stored by PostgreSQL.
    assert!(matches!(
        sandbox.create_role("x\0y", "p").await,
        Err(SandboxError::InvalidArgument(_))
    ));
}

#[tokio::test]
async fn set_password_changes_it() {
    let sandbox = shared();
    let role = "qsorm_pw_change";
    sandbox.create_role(role, "first ' password").await.unwrap();
    let first = login(
        sandbox,
        role,
        "first ' password",
        "postgres",
        PgSslMode::Require,
    );
    current_user(&first).await.expect("first password works");

    sandbox
        .set_password(role, "second \\ password")
        .await
        .unwrap();
    let second = login(
        sandbox,
        role,
        "second \\ password",
        "postgres",
        PgSslMode::Require,
    );
    current_user(&second).await.expect("second password works");
    let err = current_user(&first)
        .await
        .expect_err("first password fails");
    assert_eq!(sqlstate(&err).as_deref(), Some("28P01"));

    let missing = sandbox.set_password("qsorm_no_such_role", "x").await;
    assert_eq!(missing.unwrap_err().sqlstate().as_deref(), Some("42704"));
}

#[tokio::test]
async fn cluster_without_tls_is_removed_on_drop() {
    let sandbox = Sandbox::start(SandboxOptions {
        tls: false,
        ..SandboxOptions::default()
    })
    .expect("start without TLS");
    eprintln!(
        "tls=false sandbox (initdb + start) started in {:?}",
        sandbox.started_in()
    );
    assert!(!sandbox.tls());
    assert!(sandbox.ca_cert_path().is_none());
    let mut conn = PgConnection::connect(&sandbox.superuser_url("postgres"))
        .await
        .unwrap();
    let ssl: String = sqlx::query_scalar("SHOW ssl")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(ssl, "off");
    conn.close().await.unwrap();

    let app = login(
        &sandbox,
        "qsorm_app",
        sandbox.app_password(),
        "postgres",
        PgSslMode::Disable,
    );
    current_user(&app)
        .await
        .expect("password login without TLS");

    let dir = sandbox.dir().to_path_buf();
    let pid_file = sandbox.data_dir().join("postmaster.pid");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let pid = pid.lines().next().unwrap().to_owned();
    assert!(dir.exists());
    drop(sandbox);
    assert!(!dir.exists(), "{} removed", dir.display());
    assert!(!process_running(&pid), "postmaster {pid} stopped");
}

#[tokio::test]
async fn persistent_cluster_is_reused() {
    let first = Sandbox::persistent().expect("first persistent start");
    let dir = first.dir().to_path_buf();
    let password = first.app_password().to_owned();
    let first_time = first.started_in();
    current_user(&first.app_connect_options("postgres"))
        .await
        .expect("app login");
    drop(first);

    let second = Sandbox::persistent().expect("second persistent start");
    eprintln!(
        "persistent sandbox in {}: first start {first_time:?}, second start {:?}",
        dir.display(),
        second.started_in()
    );
    assert_eq!(second.dir(), dir);
    assert_eq!(second.app_password(), password, "password kept");
    assert!(second.data_dir().join("PG_VERSION").is_file());
    let (user, ssl) = current_user(&second.app_connect_options("postgres"))
        .await
        .expect("app login, verify-full with the kept CA");
    assert_eq!(user, "qsorm_app");
    assert!(ssl);
    let data = second.data_dir().to_path_buf();
    drop(second);
    assert!(data.exists(), "data kept");
    assert!(
        !data.join("postmaster.pid").exists(),
        "server stopped on drop"
    );
}
