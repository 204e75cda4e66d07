//! Helpers for the migrate tests: a fresh sandbox database, the `migrate` binary, SQL checks.

#![allow(dead_code)]

pub mod failures;

use std::process::{Command, Output};

use qsorm_connect::{QsConnection, parse_url};
use qsorm_sandbox::Sandbox;

/// A fresh database on the shared sandbox and its superuser URL.
pub async fn fresh_db() -> (String, String) {
    let sandbox = Sandbox::shared().expect("sandbox");
    let db = sandbox.fresh_database().await.expect("fresh database");
    let url = sandbox.superuser_url(&db);
    (db, url)
}

/// A connection to `url` (the same settings the binary gets from `--url`).
pub fn connect(url: &str) -> QsConnection {
    QsConnection::new(
        parse_url(url)
            .and_then(|p| p.build())
            .expect("connection settings"),
    )
}

/// `migrate ARGS --url URL`, with no connection variable inherited.
pub fn migrate_command(args: &[&str], url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_migrate"));
    cmd.args(args)
        .arg("--url")
        .arg(url)
        .arg("--env-file")
        .arg("/nonexistent/.env");
    for (key, _) in std::env::vars() {
        if key.starts_with("QS_") || key.starts_with("PG") || key == "DATABASE_URL" {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// `migrate ARGS` with a clean environment plus `env` (no .env file, no terminal, no CI
/// unless `env` sets it).
pub fn migrate_bare(env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_migrate"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .envs(env.iter().copied())
        .args(args)
        .args(["--env-file", "/nonexistent/.env"]);
    cmd
}

/// Runs `migrate ARGS --url URL` and returns its output (stdout, stderr as text).
pub fn migrate(args: &[&str], url: &str) -> (bool, String, String) {
    let out: Output = migrate_command(args, url).output().expect("run migrate");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Like [`migrate`], panicking with both streams unless it succeeds; returns stdout.
pub fn migrate_ok(args: &[&str], url: &str) -> String {
    let (ok, stdout, stderr) = migrate(args, url);
    assert!(
        ok,
        "migrate {args:?} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    stdout
}

/// The first column of the first row of `sql`, as text (`NULL` as "NULL").
pub async fn scalar(conn: &QsConnection, sql: &str) -> String {
    let rows = conn
        .simple_query(&format!("SELECT ({sql})::text AS v"))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let row = rows.first().unwrap_or_else(|| panic!("{sql}: no row"));
    row.try_get::<Option<String>>("", "v")
        .expect("text column")
        .unwrap_or_else(|| "NULL".to_owned())
}

/// `SELECT count(*) FROM table`.
pub async fn count(conn: &QsConnection, table: &str) -> i64 {
    scalar(conn, &format!("SELECT count(*) FROM {table}"))
        .await
        .parse()
        .expect("count")
}

/// Relations, types and constraints of the public schema that no extension owns, one line
/// each (a snapshot to compare before/after).
pub async fn schema_snapshot(conn: &QsConnection) -> String {
    scalar(
        conn,
        "WITH ext AS (SELECT objid FROM pg_depend \
           WHERE classid = 'pg_class'::regclass AND deptype = 'e') \
         SELECT coalesce(string_agg(x, ',' ORDER BY x), '') FROM ( \
           SELECT 'rel:' || c.relname AS x FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.oid NOT IN (SELECT objid FROM ext) \
           UNION ALL SELECT 'type:' || t.typname FROM pg_type t \
             JOIN pg_namespace n ON n.oid = t.typnamespace \
             LEFT JOIN pg_type e ON e.oid = t.typelem \
             WHERE n.nspname = 'public' \
               AND coalesce(nullif(e.typrelid, 0), t.typrelid) NOT IN (SELECT objid FROM ext) \
           UNION ALL SELECT 'con:' || conname FROM pg_constraint c \
             JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public') s",
    )
    .await
}

/// md5 of every row of `table`, in a fixed order.
pub async fn content_md5(conn: &QsConnection, table: &str) -> String {
    scalar(
        conn,
        &format!(
            "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
        ),
    )
    .await
}
