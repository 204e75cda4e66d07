//! Connection failures: every `migrate` subcommand fails within seconds (not after the
//! pool's 30 s timeout) with a typed error naming the failure, and changes nothing.

use qsorm_sandbox::Sandbox;

use crate::support::failures::{
    FAIL_FAST, app_url_with, closed_port, foreign_root, server_without_tls, timed,
};
use crate::support::{connect, migrate_bare, schema_snapshot};

/// Every subcommand that connects, with and without `--dry-run`.
const COMMANDS: [&[&str]; 8] = [
    &["up"],
    &["down"],
    &["status"],
    &["fresh"],
    &["refresh"],
    &["reset"],
    &["up", "--dry-run"],
    &["fresh", "--dry-run"],
];

#[tokio::test]
async fn connection_failures_fail_fast_with_a_typed_error_in_every_subcommand() {
    let sb = Sandbox::shared().expect("sandbox");
    let db = sb.fresh_database().await.expect("fresh database");
    let tmp = tempfile::tempdir().expect("tempdir");
    let failures = [
        (
            "unreachable (closed port)",
            format!(
                "postgres://qsorm_app:pw@127.0.0.1:{}/{db}",
                closed_port().expect("a free port")
            ),
            "cannot reach 127.0.0.1:",
        ),
        (
            "wrong password",
            app_url_with(sb, &db, Some("not-the-password"), None),
            "authentication failed for user `qsorm_app` (SQLSTATE 28P01)",
        ),
        (
            "verify-full to a server without TLS",
            format!(
                "postgres://qsorm_app:pw@127.0.0.1:{}/{db}?sslmode=verify-full",
                server_without_tls().expect("a server without TLS")
            ),
            "TLS failure with 127.0.0.1:",
        ),
        (
            "verify-full with a foreign root certificate",
            app_url_with(
                sb,
                &db,
                None,
                Some(&foreign_root(tmp.path()).expect("a foreign root")),
            ),
            "TLS failure with 127.0.0.1:",
        ),
        (
            // migrate refuses Query Service before any round trip, so expired credentials
            // (28P01 there) never come into play: the closed port proves nothing connected.
            "Query Service flavor with an expired token",
            format!(
                "postgres://acme%40AdobeOrg:expired-token@127.0.0.1:{}/prod:all?sslmode=require&flavor=query-service",
                closed_port().expect("a free port")
            ),
            "migrate targets PostgreSQL: Query Service has no transactional DDL",
        ),
    ];
    let conn = connect(&sb.superuser_url(&db));
    let before = schema_snapshot(&conn).await;
    let mut slowest = std::time::Duration::ZERO;
    for (kind, url, says) in &failures {
        for command in COMMANDS {
            let mut args = command.to_vec();
            args.extend(["--url", url]);
            let run = timed(migrate_bare(&[], &args)).expect("the command runs");
            let stderr = run.stderr();
            let label = format!("{kind} / migrate {}", command.join(" "));
            assert_eq!(run.out.status.code(), Some(1), "{label}: {stderr}");
            assert!(
                stderr.contains(says),
                "{label}: expected `{says}` in: {stderr}"
            );
            assert!(run.took < FAIL_FAST, "{label}: took {:?}", run.took);
            slowest = slowest.max(run.took);
        }
    }
    assert_eq!(schema_snapshot(&conn).await, before, "the database changed");
    conn.close().await;
    eprintln!("measured: slowest failing migrate run {slowest:?}");
}
