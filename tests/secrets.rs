//! The password never shows. Every CLI command (`entity-gen` conninfo, tables, describe,
//! generate, check; `migrate` up, down, status, fresh, refresh, reset, generate, with and
//! without `--dry-run`) and every example (quickstart, crud, bulk_load, qs_script) runs as a
//! process with a known password, given every way the tools accept one, at
//! `RUST_LOG=trace`, in a success path and in failure paths (wrong password, wrong
//! database, unreachable server; on Query Service an expired token): no form of the
//! password (itself, percent-encoded, or any long alphanumeric run of it) is in stdout,
//! stderr, a log line or an error. In-process, the settings, the connection and every error
//! are formatted with `Debug` and `Display` and scanned too, and so is the server's log.
//!
//! The binaries and examples are the ones `cargo test --workspace` builds; run alone, this
//! test needs `cargo build --bins --examples --workspace` first.

#[path = "secrets/leaks.rs"]
mod leaks;
#[path = "secrets/programs.rs"]
mod programs;

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use leaks::{PASSWORD, WRONG_PASSWORD, assert_clean};
use programs::{Ran, Settings, TempDir, binary, example, run};
use qsorm::connect::cli::ConnectArgs;
use qsorm::sandbox::Sandbox;
use qsorm_query_service::{QueryServiceOptions, SandboxQueryService};
use sea_orm::ConnectionTrait;

/// A database owned by `role` (created with [`PASSWORD`]), so that it can migrate it.
async fn owned_database(role: &str) -> String {
    let sb = Sandbox::shared().expect("sandbox");
    sb.create_role(role, PASSWORD).await.expect("role");
    let db = sb.fresh_database().await.expect("database");
    sb.admin_execute(
        &db,
        &format!("ALTER DATABASE \"{db}\" OWNER TO {role}; ALTER SCHEMA public OWNER TO {role}"),
    )
    .await
    .expect("ownership");
    db
}

fn ca() -> PathBuf {
    Sandbox::shared()
        .expect("sandbox")
        .ca_cert_path()
        .expect("the sandbox serves TLS")
        .to_path_buf()
}

/// libpq variables for `role` on `db`, verified TLS.
fn pg_vars(role: &str, db: &str, password: &str) -> Settings {
    let sb = Sandbox::shared().expect("sandbox");
    Settings::env([
        ("PGHOST", sb.host().to_owned()),
        ("PGPORT", sb.port().to_string()),
        ("PGDATABASE", db.to_owned()),
        ("PGUSER", role.to_owned()),
        ("PGPASSWORD", password.to_owned()),
        ("PGSSLMODE", "verify-full".to_owned()),
        ("PGSSLROOTCERT", ca().display().to_string()),
    ])
}

/// A URL with every part percent-encoded.
fn url(role: &str, db: &str, password: &str) -> String {
    let sb = Sandbox::shared().expect("sandbox");
    let mut params = qsorm::connect::ConnParams::default()
        .host(sb.host())
        .port(sb.port())
        .database(db)
        .user(role)
        .password(password)
        .sslmode(qsorm::connect::SslMode::VerifyFull)
        .build()
        .expect("config");
    params.sslrootcert = Some(ca());
    params.url_with_password()
}

/// Every way the tools take the password, each a complete configuration.
fn every_source(role: &str, db: &str, dir: &Path) -> Vec<(&'static str, Settings)> {
    let sb = Sandbox::shared().expect("sandbox");
    let (host, port, ca) = (sb.host(), sb.port().to_string(), ca().display().to_string());
    let url = url(role, db, PASSWORD);
    let (id, credential) = PASSWORD.split_once(':').expect("a colon in the password");
    let credentials = dir.join("credentials.json");
    std::fs::write(
        &credentials,
        serde_json::json!({
            "technicalAccountName": role,
            "technicalAccountId": id,
            "credential": credential,
        })
        .to_string(),
    )
    .expect("credentials file");
    let dotenv = dir.join("secret.env");
    std::fs::write(
        &dotenv,
        format!(
            "QS_HOST={host}\nQS_PORT={port}\nQS_DATABASE={db}\nQS_USER={role}\n\
             QS_PASSWORD='{}'\nQS_SSLMODE=verify-full\nQS_SSLROOTCERT={ca}\nQS_FLAVOR=postgres\n",
            PASSWORD.replace('\'', "'\"'\"'")
        ),
    )
    .expect(".env file");
    let flags = |extra: &[&str]| {
        let mut f = vec!["--host", host, "--port", &port, "--database", db];
        f.extend_from_slice(&["--sslmode", "verify-full", "--sslrootcert", &ca]);
        f.extend_from_slice(extra);
        Settings::flags(f)
    };
    vec![
        ("PG* variables", pg_vars(role, db, PASSWORD)),
        ("--url", Settings::flags(["--url", url.as_str()])),
        (
            "DATABASE_URL",
            Settings::env([("DATABASE_URL", url.as_str())]),
        ),
        (
            "QS_* variables",
            Settings::env([
                ("QS_HOST", host),
                ("QS_PORT", &port),
                ("QS_DATABASE", db),
                ("QS_USER", role),
                ("QS_PASSWORD", PASSWORD),
                ("QS_SSLMODE", "verify-full"),
                ("QS_SSLROOTCERT", &ca),
                ("QS_FLAVOR", "postgres"),
            ]),
        ),
        (
            "--password",
            flags(&["--user", role, "--password", PASSWORD]),
        ),
        (
            "--credentials-file",
            flags(&["--credentials-file", credentials.to_str().expect("utf-8")]),
        ),
        (
            ".env file",
            Settings::flags(["--env-file", dotenv.to_str().expect("utf-8")]),
        ),
    ]
}

/// Asserts `ran` is clean of `secrets` (and succeeded, when `ok`), returning its text.
fn clean(label: &str, ran: Ran, ok: bool, secrets: &[&str]) -> String {
    assert_clean(label, &ran.text, secrets);
    if ok {
        assert!(ran.ok, "{label} failed:\n{}", ran.text);
    } else {
        assert!(!ran.ok, "{label} should fail:\n{}", ran.text);
    }
    ran.text
}

/// A `lib.rs` with the markers `migrate generate` registers new migrations at.
fn migrations_dir(dir: &Path) -> String {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).expect("src dir");
    std::fs::write(
        src.join("lib.rs"),
        "// migrate-generate: modules (keep this line)\nfn list() {\n    vec![\n        \
         // migrate-generate: list (keep this line)\n    ]\n}\n",
    )
    .expect("lib.rs");
    src.to_str().expect("utf-8").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn successful_commands_and_examples_never_show_the_password() {
    let started = Instant::now();
    let role = "qsorm_secret_ok";
    let db = owned_database(role).await;
    let tmp = TempDir::new("success");
    let dir = tmp.path();
    let secrets = [PASSWORD];
    let (eg, migrate) = (binary("entity-gen"), binary("migrate"));

    for (source, settings) in every_source(role, &db, dir) {
        let label = format!("entity-gen conninfo ({source})");
        let text = clean(
            &label,
            run(&eg, &settings, &["conninfo"], dir),
            true,
            &secrets,
        );
        assert!(text.contains("password        ***"), "{label}: {text}");
    }

    let pg = pg_vars(role, &db, PASSWORD);
    let src = migrations_dir(dir);
    let out = dir.join("entities");
    let out = out.to_str().expect("utf-8");
    let steps: Vec<(PathBuf, Vec<&str>)> = vec![
        (migrate.clone(), vec!["status"]),
        (migrate.clone(), vec!["up", "-n", "4"]),
        (migrate.clone(), vec!["down", "-n", "1"]),
        (migrate.clone(), vec!["up", "--dry-run"]),
        (migrate.clone(), vec!["up"]),
        (migrate.clone(), vec!["status", "--json"]),
        (migrate.clone(), vec!["fresh", "--dry-run"]),
        (eg.clone(), vec!["conninfo", "--json"]),
        (eg.clone(), vec!["tables"]),
        (eg.clone(), vec!["tables", "--json", "--schema", "public"]),
        (eg.clone(), vec!["describe", "web_events"]),
        (eg.clone(), vec!["describe", "profiles", "--json"]),
        (eg.clone(), vec!["generate", "--out", out]),
        (eg.clone(), vec!["check", "--out", out]),
        (example("quickstart"), vec![]),
        (example("crud"), vec![]),
        (
            example("bulk_load"),
            vec!["--rows", "300", "--batch", "100"],
        ),
        (example("qs_script"), vec![]),
        (migrate.clone(), vec!["refresh"]),
        (migrate.clone(), vec!["fresh"]),
        (migrate.clone(), vec!["reset"]),
        (
            migrate.clone(),
            vec!["generate", "add_flags", "--dir", &src],
        ),
    ];
    for (program, args) in &steps {
        let name = program.file_name().expect("name").to_string_lossy();
        let label = format!("{name} {}", args.join(" "));
        clean(&label, run(program, &pg, args, dir), true, &secrets);
    }
    eprintln!(
        "measured: {} successful runs in {:?}",
        steps.len() + 7,
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failing_commands_and_examples_never_show_the_password() {
    let started = Instant::now();
    let role = "qsorm_secret_failing";
    let db = owned_database(role).await;
    let tmp = TempDir::new("failure");
    let dir = tmp.path();
    let secrets = [PASSWORD, WRONG_PASSWORD];
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let pg = pg_vars(role, &db, PASSWORD);
    let failures = [
        (
            "wrong password",
            pg.clone().with_var("PGPASSWORD", WRONG_PASSWORD),
        ),
        (
            "wrong database",
            pg.clone().with_var("PGDATABASE", "qsorm_no_such_database"),
        ),
        (
            "unreachable",
            pg.clone()
                .with_var("PGPORT", &closed.to_string())
                .with_var("PGCONNECT_TIMEOUT", "1"),
        ),
    ];
    let (eg, migrate) = (binary("entity-gen"), binary("migrate"));
    let out = dir.join("entities");
    let out = out.to_str().expect("utf-8");
    let commands: Vec<(PathBuf, Vec<&str>)> = vec![
        (eg.clone(), vec!["conninfo"]),
        (eg.clone(), vec!["tables"]),
        (eg.clone(), vec!["describe", "web_events"]),
        (eg.clone(), vec!["generate", "--out", out]),
        (eg.clone(), vec!["check", "--out", out]),
        (migrate.clone(), vec!["up"]),
        (migrate.clone(), vec!["down"]),
        (migrate.clone(), vec!["status"]),
        (migrate.clone(), vec!["fresh"]),
        (migrate.clone(), vec!["refresh"]),
        (migrate.clone(), vec!["reset"]),
        (migrate.clone(), vec!["up", "--dry-run"]),
        (example("quickstart"), vec![]),
        (example("crud"), vec![]),
        (example("bulk_load"), vec!["--rows", "10"]),
        (example("qs_script"), vec![]),
    ];
    for (kind, settings) in &failures {
        for (program, args) in &commands {
            let name = program.file_name().expect("name").to_string_lossy();
            let label = format!("{kind}: {name} {}", args.join(" "));
            clean(&label, run(program, settings, args, dir), false, &secrets);
        }
    }
    eprintln!(
        "measured: {} failing runs in {:?}",
        failures.len() * commands.len(),
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn query_service_tokens_never_show() {
    let sb = Sandbox::shared().expect("sandbox");
    let db = sb.fresh_database().await.expect("database");
    let conn = qsorm::connect::cli::sandbox_connection(sb, &db, None).expect("connection");
    qsorm::migrate::Runner::of::<qsorm::migrations::Migrator>(&conn)
        .run(qsorm::migrate::Op::Up(None))
        .await
        .expect("the sample dataset");
    conn.close().await;
    let qs = sb
        .query_service(&db, QueryServiceOptions::default())
        .await
        .expect("local Query Service");
    let expired = qs
        .issue_token(qs.user(), std::time::Duration::from_secs(3600))
        .expect("token");
    qs.expire_token(&expired);
    let secrets = [qs.token(), expired.as_str()];
    let valid = Settings::env(
        qs.env_lines()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let expired_settings = valid.clone().with_var("QS_PASSWORD", &expired);
    let tmp = TempDir::new("query-service");
    let dir = tmp.path();
    let out = dir.join("entities");
    let out = out.to_str().expect("utf-8");
    let (eg, migrate) = (binary("entity-gen"), binary("migrate"));
    let commands: Vec<(PathBuf, Vec<&str>, bool)> = vec![
        (eg.clone(), vec!["conninfo"], true),
        (eg.clone(), vec!["tables"], true),
        (eg.clone(), vec!["describe", "web_events"], true),
        (
            eg.clone(),
            vec!["generate", "--out", out, "--allow-partial"],
            true,
        ),
        (
            eg.clone(),
            vec!["check", "--out", out, "--allow-partial"],
            true,
        ),
        (example("quickstart"), vec![], true),
        (example("qs_script"), vec![], true),
        // migrate refuses Query Service: a failure in both cases.
        (migrate.clone(), vec!["status"], false),
    ];
    for (program, args, ok) in &commands {
        let name = program.file_name().expect("name").to_string_lossy();
        let label = format!("Query Service: {name} {}", args.join(" "));
        clean(&label, run(program, &valid, args, dir), *ok, &secrets);
        let label = format!("expired token: {name} {}", args.join(" "));
        clean(
            &label,
            run(program, &expired_settings, args, dir),
            false,
            &secrets,
        );
    }
}

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    connect: ConnectArgs,
}

/// `Debug` and `Display` of everything a program might print: the parsed flags, the
/// resolved settings, the connection, and every error of the failure paths (typed,
/// classified, and sea-orm's own); then the server's log.
#[tokio::test(flavor = "multi_thread")]
async fn settings_connections_and_errors_never_format_the_password() {
    let sb = Sandbox::shared().expect("sandbox");
    let role = "qsorm_secret_formatted";
    let db = owned_database(role).await;
    let secrets = [PASSWORD, WRONG_PASSWORD];
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let port = sb.port().to_string();
    let closed = closed.to_string();
    let ca = ca().display().to_string();
    let cases = [
        ("success", db.as_str(), PASSWORD, port.as_str(), true),
        (
            "wrong password",
            db.as_str(),
            WRONG_PASSWORD,
            port.as_str(),
            false,
        ),
        (
            "wrong database",
            "qsorm_no_such_database",
            PASSWORD,
            port.as_str(),
            false,
        ),
        ("unreachable", db.as_str(), PASSWORD, closed.as_str(), false),
    ];
    for (kind, database, password, port, ok) in cases {
        let url = url(role, database, password)
            .replace(&format!(":{}/", sb.port()), &format!(":{port}/"));
        for flags in [
            vec!["t", "--url", url.as_str()],
            vec![
                "t",
                "--host",
                sb.host(),
                "--port",
                port,
                "--database",
                database,
                "--user",
                role,
                "--password",
                password,
                "--sslmode",
                "verify-full",
                "--sslrootcert",
                &ca,
            ],
        ] {
            let mut flags = flags;
            // sea-orm's own error for the unreachable server comes after the pool's timeout.
            flags.extend(["--env-file", "/nonexistent/.env", "--connect-timeout", "2"]);
            let cli = Cli::try_parse_from(&flags).expect("flags parse");
            let mut shown = format!("{cli:?}\n");
            let config = cli
                .connect
                .resolve()
                .expect("settings")
                .expect("configured");
            shown.push_str(&format!("{config:?}\n{}\n", config.redacted_url()));
            let opened = cli.connect.open().await.expect("lazy open");
            shown.push_str(&format!("{opened:?}\n"));
            match opened.check().await {
                Ok(()) => assert!(ok, "{kind}: the check passed"),
                Err(e) => {
                    assert!(!ok, "{kind}: {e}");
                    shown.push_str(&format!("{e}\n{e:?}\n"));
                }
            }
            let db_err = opened
                .conn
                .executor()
                .execute_unprepared("SELECT 1")
                .await
                .err();
            if let Some(e) = db_err {
                shown.push_str(&format!("{e}\n{e:?}\n{:?}\n", opened.conn.classify(&e)));
            }
            opened.conn.close().await;
            assert_clean(&format!("in-process, {kind}"), &shown, &secrets);
        }
    }
    let log = std::fs::read_to_string(sb.log_path()).unwrap_or_default();
    assert_clean("the server log", &log, &secrets);
}
