//! `migrate` uses the embedded sandbox unasked only at a terminal outside CI; elsewhere,
//! and for any partial configuration, it fails naming what is missing. `--sandbox` forces it.

use crate::support::failures::at_terminal;
use crate::support::migrate_bare;

const BIN: &str = env!("CARGO_BIN_EXE_migrate");

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

/// Variables, arguments, and what the error must say.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], &'a [&'a str]);

#[test]
fn without_a_terminal_or_in_ci_or_partially_configured_migrate_names_what_is_missing() {
    let cases: [Case; 5] = [
        (
            &[],
            &["status"],
            &[
                "nothing configured: missing host, database and user",
                "not run from a terminal",
            ],
        ),
        (
            &[("CI", "true")],
            &["up", "--dry-run"],
            &["nothing configured", "CI is set"],
        ),
        (
            &[("PGPASSWORD", "pg-secret-value")],
            &["up"],
            &[
                "incomplete: missing host, database and user",
                "given: password from PG* variables",
            ],
        ),
        (
            &[("PGUSER", "someone")],
            &["status"],
            &["missing host and database"],
        ),
        (
            &[("QS_HOST", "acme.platform-query.adobe.io")],
            &["down"],
            &["missing database, user and password"],
        ),
    ];
    for (env, args, expected) in cases {
        let out = migrate_bare(env, args).output().expect("runs");
        let text = failing(&out);
        for e in expected {
            assert!(
                text.contains(e),
                "{env:?} {args:?}: missing `{e}` in {text}"
            );
        }
        assert!(text.contains("--sandbox"), "{text}");
        assert!(!text.contains("pg-secret-value"), "{text}");
    }
    // At a terminal: CI, and a partial configuration, still refuse the sandbox.
    let args = ["status", "--env-file", "/nonexistent/.env"];
    let text = failing(&at_terminal(BIN, &args, &[("CI", "1")]).expect("util-linux script runs"));
    assert!(text.contains("CI is set"), "{text}");
    let text = failing(
        &at_terminal(BIN, &args, &[("PGUSER", "someone")]).expect("util-linux script runs"),
    );
    assert!(text.contains("missing host and database"), "{text}");
}

#[test]
fn at_a_terminal_outside_ci_or_with_the_sandbox_flag_migrate_uses_the_sandbox() {
    let args = ["status", "--env-file", "/nonexistent/.env"];
    let out = at_terminal(BIN, &args, &[]).expect("util-linux script runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("no connection configured") && text.contains("embedded sandbox"),
        "{text}"
    );
    let out = migrate_bare(&[("CI", "true")], &["--sandbox", "status"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("--sandbox given"), "{stderr}");
}
