//! Connection failures: every command fails within seconds (not after the pool's 30 s
//! timeout) with the typed error `conninfo` gives, for each kind of failure.

use std::time::Duration;

use qsorm_query_service::{QueryServiceOptions, SandboxQueryService};

use crate::support::failures::{
    FAIL_FAST, app_url_with, closed_port, foreign_root, server_without_tls, timed,
};
use crate::support::{entity_gen_command, sandbox};

/// One way to fail: the settings (environment and flags) and what the message must say.
struct Failure {
    kind: &'static str,
    env: Vec<(String, String)>,
    flags: Vec<String>,
    says: &'static str,
}

fn url(kind: &'static str, url: String, says: &'static str) -> Failure {
    Failure {
        kind,
        env: Vec::new(),
        flags: vec!["--url".to_owned(), url],
        says,
    }
}

#[tokio::test]
async fn connection_failures_fail_fast_with_a_typed_error_in_every_command() {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("fresh database");
    let tmp = tempfile::tempdir().expect("tempdir");
    let qs = sb
        .query_service(&db, QueryServiceOptions::default())
        .await
        .expect("local Query Service");
    let expired = qs
        .issue_token(qs.user(), Duration::from_secs(3600))
        .expect("token");
    qs.expire_token(&expired);
    let mut qs_env: Vec<(String, String)> = qs
        .env_lines()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    for (k, v) in &mut qs_env {
        if k == "QS_PASSWORD" {
            v.clone_from(&expired);
        }
    }
    let failures = [
        url(
            "unreachable (closed port)",
            format!(
                "postgres://qsorm_app:pw@127.0.0.1:{}/{db}",
                closed_port().expect("a free port")
            ),
            "cannot reach 127.0.0.1:",
        ),
        url(
            "wrong password",
            app_url_with(sb, &db, Some("not-the-password"), None),
            "authentication failed for user `qsorm_app` (SQLSTATE 28P01)",
        ),
        Failure {
            kind: "expired Query Service credentials",
            env: qs_env,
            flags: Vec::new(),
            says: "the credentials have probably expired",
        },
        url(
            "verify-full to a server without TLS",
            format!(
                "postgres://qsorm_app:pw@127.0.0.1:{}/{db}?sslmode=verify-full",
                server_without_tls().expect("a server without TLS")
            ),
            "TLS failure with 127.0.0.1:",
        ),
        url(
            "verify-full with a foreign root certificate",
            app_url_with(
                sb,
                &db,
                None,
                Some(&foreign_root(tmp.path()).expect("a foreign root")),
            ),
            "TLS failure with 127.0.0.1:",
        ),
    ];
    let out = tmp.path().join("out");
    let out = out.to_str().expect("utf-8");
    let commands: [&[&str]; 5] = [
        &["conninfo"],
        &["tables"],
        &["describe", "web_events"],
        &["generate", "--out", out],
        &["check", "--out", out],
    ];
    let mut slowest = Duration::ZERO;
    for failure in &failures {
        for command in commands {
            let env: Vec<(&str, &str)> = failure
                .env
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let mut args: Vec<&str> = failure.flags.iter().map(String::as_str).collect();
            args.extend_from_slice(command);
            let run = timed(entity_gen_command(&env, &args)).expect("the command runs");
            let stderr = run.stderr();
            let label = format!("{} / entity-gen {}", failure.kind, command.join(" "));
            assert_eq!(run.out.status.code(), Some(2), "{label}: {stderr}");
            assert!(
                stderr.contains(failure.says),
                "{label}: expected `{}` in: {stderr}",
                failure.says
            );
            assert!(run.took < FAIL_FAST, "{label}: took {:?}", run.took);
            slowest = slowest.max(run.took);
        }
    }
    assert!(
        !std::path::Path::new(out).exists(),
        "nothing is written when the connection fails"
    );
    eprintln!("measured: slowest failing entity-gen run {slowest:?}");
}
