//! The `entity-gen` binary against a real sandbox PostgreSQL.

use std::process::{Command, Output};

use qsorm_sandbox::Sandbox;

fn sandbox() -> &'static Sandbox {
    Sandbox::shared().expect("sandbox starts")
}

/// Runs `entity-gen` with a clean environment (no QS_*, PG*, DATABASE_URL, no .env).
fn entity_gen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entity-gen"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .args(["--env-file", "/nonexistent/.env"])
        .args(args)
        .output()
        .expect("entity-gen runs")
}

fn app_url(sb: &Sandbox, db: &str) -> String {
    qsorm_connect::cli::sandbox_connection(sb, db, None)
        .expect("config")
        .config()
        .url_with_password()
}

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
fn nothing_configured_uses_the_sandbox_and_says_so() {
    let out = entity_gen(&["conninfo", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("embedded sandbox"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["database"], "qsorm");
    assert_eq!(json["host"], "127.0.0.1");
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
