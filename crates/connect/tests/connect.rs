//! qsorm-connect against a real sandbox PostgreSQL.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use qsorm_connect::{ConnParams, ConnectError, Flavor, Password, QsConnection, SslMode, parse_url};
use support::*;

#[tokio::test]
async fn building_sends_nothing_first_query_connects() {
    let listener = CountingListener::start().await;
    let conn = QsConnection::new(
        ConnParams::default()
            .host("127.0.0.1")
            .port(listener.port)
            .user("u")
            .password("pw")
            .sslmode(SslMode::Disable)
            .connect_timeout(Duration::from_secs(2))
            .build()
            .expect("config"),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        listener.accepted.load(Ordering::SeqCst),
        0,
        "building connected"
    );
    let _ = conn.check().await;
    assert!(
        listener.accepted.load(Ordering::SeqCst) >= 1,
        "the first query did not connect"
    );
}

#[tokio::test]
async fn hostile_passwords_log_in_through_the_url() {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("db");
    let passwords = [
        "p@ss:w/rd?#%[]",
        "with space and inner  spaces",
        "quote'dq\"back\\slash",
        "naïve-café-Straße-Ωμέγα",
        "tech-acct-id:credential:with:colons",
        "%41%2F not decoded twice",
    ];
    for (i, pw) in passwords.iter().enumerate() {
        let role = format!("hostile_{i}_{}", std::process::id());
        sb.create_role(&role, pw).await.expect("role");
        let url = app_params(sb, &db)
            .user(&role)
            .password(pw)
            .build()
            .expect("config")
            .url_with_password();
        let config = parse_url(&url)
            .expect("parse back")
            .build()
            .expect("config");
        let conn = QsConnection::new(config);
        conn.check()
            .await
            .unwrap_or_else(|e| panic!("password #{i} failed to log in: {e}"));
        conn.close().await;
    }
}

#[tokio::test]
async fn query_service_style_cleartext_login_over_tls_takes_any_password() {
    // Query Service asks for a cleartext password; sandbox roles in `qsorm_cleartext` do too,
    // over TLS only. Cleartext passwords skip SASLprep, so emoji and inner newlines work here
    // (sqlx refuses them under scram-sha-256, see the README).
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("db");
    for (i, pw) in ["tok\nen with 🔑 and \t tab", "acct-id:cred@/?#%[]"]
        .iter()
        .enumerate()
    {
        let role = format!("cleartext_{i}_{}", std::process::id());
        sb.create_cleartext_role(&role, pw).await.expect("role");
        let mut params = app_params(sb, &db)
            .user(&role)
            .flavor(Flavor::QueryService)
            .port(sb.port());
        params.password = Some(Password::exact(*pw));
        let conn = QsConnection::new(params.build().expect("config"));
        conn.check()
            .await
            .unwrap_or_else(|e| panic!("cleartext password #{i} failed: {e}"));
        assert!(ssl_in_use(&conn).await);
        let mut wrong = app_params(sb, &db)
            .user(&role)
            .flavor(Flavor::QueryService)
            .port(sb.port());
        wrong.password = Some(Password::exact("expired"));
        let err = QsConnection::new(wrong.build().expect("config"))
            .check()
            .await
            .expect_err("wrong");
        assert!(
            matches!(err, ConnectError::CredentialsExpired { .. }),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn pasted_password_is_trimmed_and_works() {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("db");
    let mut params = app_params(sb, &db);
    params.password = Some(Password::pasted(&format!("\n   {}  \n", sb.app_password())));
    let conn = QsConnection::new(params.build().expect("config"));
    conn.check().await.expect("trimmed password logs in");
}

#[tokio::test]
async fn tls_modes_against_the_sandbox() {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("db");
    for mode in [
        SslMode::Require,
        SslMode::VerifyCa,
        SslMode::VerifyFull,
        SslMode::Prefer,
    ] {
        let conn = QsConnection::new(app_params(sb, &db).sslmode(mode).build().expect("config"));
        assert!(ssl_in_use(&conn).await, "{mode}: not encrypted");
    }
    let conn = QsConnection::new(
        app_params(sb, &db)
            .sslmode(SslMode::Disable)
            .build()
            .expect("config"),
    );
    assert!(!ssl_in_use(&conn).await, "disable used TLS");
}

#[tokio::test]
async fn verify_full_rejects_wrong_ca_and_wrong_host_name() {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("db");
    let wrong_ca = write_unrelated_ca();
    let conn = QsConnection::new(
        app_params(sb, &db)
            .sslmode(SslMode::VerifyFull)
            .sslrootcert(wrong_ca.clone())
            .build()
            .expect("config"),
    );
    let err = conn.check().await.expect_err("wrong CA accepted");
    assert!(matches!(err, ConnectError::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("verify-full"), "{err}");

    // 127.0.0.2 reaches the same server through a forwarder, but is not in the certificate.
    let forward = Forwarder::start("127.0.0.2", sb.port()).await;
    let via = |mode| {
        let mut p = app_params(sb, &db)
            .host("127.0.0.2")
            .port(forward.port)
            .sslmode(mode);
        p.sslrootcert = sb.ca_cert_path().map(|p| p.to_path_buf());
        QsConnection::new(p.build().expect("config"))
    };
    let err = via(SslMode::VerifyFull)
        .check()
        .await
        .expect_err("wrong name accepted");
    assert!(matches!(err, ConnectError::Tls { .. }), "{err:?}");
    via(SslMode::VerifyCa)
        .check()
        .await
        .expect("verify-ca ignores the host name");
    std::fs::remove_file(wrong_ca).ok();
}

#[tokio::test]
async fn require_never_falls_back_to_plain_text() {
    let plain = plain_sandbox();
    let db = plain.fresh_database().await.expect("db");
    let conn = QsConnection::new(
        app_params(plain, &db)
            .sslmode(SslMode::Require)
            .build()
            .expect("config"),
    );
    let err = conn
        .check()
        .await
        .expect_err("require accepted a server without TLS");
    assert!(matches!(err, ConnectError::Tls { .. }), "{err:?}");
    // prefer falls back (the PostgreSQL flavor allows it; SCRAM keeps the password secret).
    let conn = QsConnection::new(
        app_params(plain, &db)
            .sslmode(SslMode::Prefer)
            .build()
            .expect("config"),
    );
    assert!(!ssl_in_use(&conn).await);
}

#[tokio::test]
async fn query_service_never_sends_a_password_without_tls() {
    const SECRET: &str = "cleartext-canary-token";
    for mode in [SslMode::Allow, SslMode::Prefer, SslMode::Require] {
        let fake = CleartextServer::start().await;
        let conn = QsConnection::new(
            ConnParams::default()
                .host("127.0.0.1")
                .port(fake.port)
                .database("prod:all")
                .user("ORG@AdobeOrg")
                .password(SECRET)
                .flavor(Flavor::QueryService)
                .sslmode(mode)
                .connect_timeout(Duration::from_secs(3))
                .build()
                .expect("config"),
        );
        let err = conn.check().await.expect_err("connected without TLS");
        assert!(matches!(err, ConnectError::Tls { .. }), "{mode}: {err:?}");
        let seen = fake.received().await;
        assert!(
            !contains(&seen, SECRET.as_bytes()),
            "{mode}: the password left in clear"
        );
        assert!(
            !seen.is_empty(),
            "{mode}: the fake server saw nothing at all"
        );
    }
    // Control: the same server does receive the password from a plain PostgreSQL-flavor
    // client with sslmode=disable, so the check above can fail.
    let fake = CleartextServer::start().await;
    let conn = QsConnection::new(
        ConnParams::default()
            .host("127.0.0.1")
            .port(fake.port)
            .user("u")
            .password(SECRET)
            .sslmode(SslMode::Disable)
            .connect_timeout(Duration::from_secs(3))
            .build()
            .expect("config"),
    );
    let _ = conn.check().await;
    assert!(contains(&fake.received().await, SECRET.as_bytes()));
}

#[tokio::test]
async fn authentication_failure_is_typed_per_flavor() {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("db");
    let conn = QsConnection::new(
        app_params(sb, &db)
            .password("wrong")
            .build()
            .expect("config"),
    );
    let err = conn.check().await.expect_err("wrong password");
    assert!(
        matches!(err, ConnectError::AuthenticationFailed { sqlstate, .. } if sqlstate == qsorm_connect::SqlState::INVALID_PASSWORD),
        "{err:?}"
    );
    // The driver's error stays reachable as the source.
    let source = std::error::Error::source(&err).expect("the driver's error is kept");
    assert!(
        source
            .to_string()
            .contains("password authentication failed"),
        "{source}"
    );
    assert_eq!(
        err.driver_error()
            .and_then(qsorm_connect::SqlState::from_sqlx),
        Some(qsorm_connect::SqlState::INVALID_PASSWORD)
    );
    let conn = QsConnection::new(
        app_params(sb, &db)
            .password("wrong")
            .flavor(Flavor::QueryService)
            .build()
            .expect("config"),
    );
    let err = conn.check().await.expect_err("wrong token");
    assert!(
        matches!(err, ConnectError::CredentialsExpired { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("24 hours") && text.contains("QS_PASSWORD"),
        "{text}"
    );
}

#[tokio::test]
async fn credentials_refresh_on_a_live_connection() {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("db");
    let role = format!("rotating_{}", std::process::id());
    sb.create_role(&role, "old-token").await.expect("role");
    let conn = QsConnection::new(
        app_params(sb, &db)
            .user(&role)
            .password("old-token")
            .build()
            .expect("config"),
    );
    sb.set_password(&role, "new-token").await.expect("rotate");
    let err = conn.check().await.expect_err("old password still works");
    assert!(
        matches!(err, ConnectError::AuthenticationFailed { .. }),
        "{err:?}"
    );
    conn.refresh_credentials(None, Password::pasted("new-token\n"));
    conn.check().await.expect("refreshed credentials work");
}

#[tokio::test]
async fn timeouts_and_unreachable_are_typed() {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("db");
    let conn = QsConnection::new(
        app_params(sb, &db)
            .statement_timeout(Duration::from_millis(100))
            .build()
            .expect("config"),
    );
    let err = conn
        .simple_query("SELECT pg_sleep(2)")
        .await
        .expect_err("slept");
    assert!(matches!(err, ConnectError::Timeout { .. }), "{err:?}");

    let port = closed_port();
    let conn = QsConnection::new(
        ConnParams::default()
            .host("127.0.0.1")
            .port(port)
            .user("u")
            .connect_timeout(Duration::from_millis(500))
            .build()
            .expect("config"),
    );
    let err = conn.check().await.expect_err("nothing listens");
    match err {
        ConnectError::Unreachable { host, port: p, .. } => {
            assert_eq!((host.as_str(), p), ("127.0.0.1", port))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_password_never_prints() {
    const SECRET: &str = "Zq9-canary-password-Xw7";
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("db");
    let role = format!("canary_{}", std::process::id());
    sb.create_role(&role, SECRET).await.expect("role");
    let logs = capture_logs();
    let _guard = tracing::subscriber::set_default(logs.subscriber());
    // Other tests of this binary run on other threads without a subscriber: a callsite they
    // hit first may have cached "never interested"; make every callsite ask again.
    tracing::callsite::rebuild_interest_cache();
    let mut printed = Vec::new();

    let env = qsorm_connect::EnvSource::from_pairs(
        [("QS_PASSWORD", SECRET), ("QS_USER", role.as_str())],
        [],
    );
    let params = app_params(sb, &db).or(env.params().expect("env"));
    printed.push(format!("{params:?} {env:?}"));
    let mut params_from_env = app_params(sb, &db);
    params_from_env.password = None;
    params_from_env.user = None;
    let config = params_from_env
        .or(env.params().expect("env"))
        .build()
        .expect("config");
    printed.push(format!("{config:?} {}", config.redacted_url()));
    let conn = QsConnection::new(config.clone());
    printed.push(format!("{conn:?}"));
    conn.check().await.expect("logs in");
    conn.simple_query("SELECT current_user")
        .await
        .expect("query");
    conn.refresh_credentials(None, Password::exact(SECRET));

    let mut wrong = config.clone();
    wrong.user = "nobody".into();
    let err = QsConnection::new(wrong)
        .check()
        .await
        .expect_err("no such user");
    printed.push(format!("{err} {err:?}"));
    let mut qs = config;
    qs.flavor = Flavor::QueryService;
    qs.user = "nobody".into();
    let err = QsConnection::new(qs)
        .check()
        .await
        .expect_err("no such user");
    printed.push(format!("{err} {err:?}"));
    let err = parse_url(&format!("postgres://u:{SECRET}@h/db?sslmode=bogus")).expect_err("bad");
    printed.push(format!("{err} {err:?}"));

    let captured = logs.text();
    assert!(
        captured.len() > 100,
        "trace logs were not captured: {captured}"
    );
    for text in printed.iter().chain(std::iter::once(&captured)) {
        assert!(!text.contains(SECRET), "password printed in: {text}");
    }
}
