//! The embedded sandbox stands in for a configured server only for a person at a terminal
//! outside CI; in CI, without a terminal, or with a partial configuration, the command fails
//! and names what is missing. `--sandbox` always forces it.

use crate::support::failures::at_terminal;
use crate::support::{entity_gen, entity_gen_command};

const BIN: &str = env!("CARGO_BIN_EXE_entity-gen");
const NO_ENV_FILE: [&str; 2] = ["--env-file", "/nonexistent/.env"];

fn failing(out: &std::process::Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{text}");
    assert!(
        !text.contains("using the embedded sandbox"),
        "the sandbox must not be used: {text}"
    );
    text
}

#[test]
fn nothing_configured_without_a_terminal_or_in_ci_is_an_error_naming_what_is_missing() {
    let out = entity_gen(&["tables"]);
    let text = failing(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    for expected in [
        "nothing configured: missing host, database and user",
        "--sandbox",
        "not run from a terminal",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in: {text}");
    }
    let out = entity_gen_command(&[("CI", "true")], &["describe", "web_events"])
        .output()
        .expect("runs");
    assert!(failing(&out).contains("CI is set"));
    // At a terminal, CI still wins.
    let mut args = NO_ENV_FILE.to_vec();
    args.push("conninfo");
    let out = at_terminal(BIN, &args, &[("CI", "true")]).expect("util-linux script runs");
    let text = failing(&out);
    assert!(text.contains("nothing configured"), "{text}");
    assert!(text.contains("CI is set"), "{text}");
}

/// Variables, arguments, and what the error must say.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], &'a str);

#[test]
fn a_partial_configuration_is_an_error_naming_what_is_missing_even_at_a_terminal() {
    let cases: [Case; 5] = [
        (
            &[("QS_HOST", "acme.platform-query.adobe.io")],
            &["tables"],
            "missing database, user and password",
        ),
        (
            &[],
            &["--user", "someone", "tables"],
            "missing host and database",
        ),
        (
            &[("PGPASSWORD", "pg-secret-value")],
            &["tables"],
            "missing host, database and user",
        ),
        (
            &[("PGHOST", "127.0.0.1"), ("PGUSER", "u")],
            &["describe", "web_events"],
            "missing database",
        ),
        (
            &[("DATABASE_URL", "postgres://127.0.0.1/db")],
            &["generate", "--out", "/nonexistent/out"],
            "missing user",
        ),
    ];
    for (env, args, expected) in cases {
        let out = entity_gen_command(env, args).output().expect("runs");
        let text = failing(&out);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(text.contains(expected), "{env:?} {args:?}: {text}");
        assert!(text.contains("--sandbox"), "{text}");
        assert!(!text.contains("pg-secret-value"), "{text}");
    }
    let out = entity_gen_command(&[("PGPASSWORD", "pg-secret-value")], &["tables"])
        .output()
        .expect("runs");
    assert!(failing(&out).contains("given: password from PG* variables"));

    let mut args = NO_ENV_FILE.to_vec();
    args.push("tables");
    let out = at_terminal(BIN, &args, &[("PGPASSWORD", "pg-secret-value")])
        .expect("util-linux script runs");
    let text = failing(&out);
    assert!(text.contains("missing host, database and user"), "{text}");
}

#[test]
fn at_a_terminal_outside_ci_nothing_configured_uses_the_sandbox_and_says_so() {
    let mut args = NO_ENV_FILE.to_vec();
    args.extend(["conninfo", "--json"]);
    let out = at_terminal(BIN, &args, &[]).expect("util-linux script runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("no connection configured") && text.contains("embedded sandbox"),
        "{text}"
    );
    assert!(text.contains("\"database\": \"qsorm\""), "{text}");
}

#[test]
fn sandbox_flag_uses_the_sandbox_in_ci_and_says_so() {
    let out = entity_gen_command(&[("CI", "true")], &["--sandbox", "conninfo", "--json"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("--sandbox given"), "{stderr}");
    assert!(lines[0].contains("embedded sandbox"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["database"], "qsorm");
    assert_eq!(json["host"], "127.0.0.1");
}
