//! Reliability and security guarantees of qsorm-connect: the password never prints, a Query
//! Service host never gets plain text, and the TLS modes hold against hostile servers.

mod support;

use std::time::Duration;

use qsorm_connect::{
    ConnParams, ConnectError, EnvSource, Flavor, QsConnection, SslMode, parse_any, resolve,
};
use sea_orm::{TransactionSession, TransactionTrait};
use support::tls_proxy::TlsTerminator;
use support::*;

const QS_HOST: &str = "acme.platform-query.adobe.io";

/// Every `Debug` (and `Display`) a program can reach from a live connection leaves the
/// password out: the connection, its configuration, the sea-orm handles, a pooled and a
/// dedicated sqlx connection, transactions and the typed errors.
#[tokio::test]
async fn no_public_debug_prints_the_password() {
    const SECRET: &str = "Hv4-canary-debug-password-Qp8";
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("db");
    let role = format!("debug_canary_{}", std::process::id());
    sb.create_role(&role, SECRET).await.expect("role");
    let params = app_params(sb, &db).user(&role).password(SECRET);
    let config = params.clone().build().expect("config");
    let conn = QsConnection::new(config.clone());
    conn.check().await.expect("logs in");
    let mut printed = vec![
        format!("{params:?}"),
        format!("{config:?} {}", config.redacted_url()),
        format!("{conn:?}"),
        format!("{:?}", conn.config()),
        format!("{:?}", conn.db()),
        format!("{:?}", conn.executor()),
        format!("{:?}", conn.simple()),
        format!("{:?}", conn.error_context()),
    ];
    let pooled = conn.acquire().await.expect("pooled connection");
    printed.push(format!("{pooled:?} {:?}", &*pooled));
    drop(pooled);
    let dedicated = conn
        .connect_dedicated()
        .await
        .expect("dedicated connection");
    printed.push(format!("{dedicated:?}"));
    let tx = conn.executor().begin().await.expect("transaction");
    printed.push(format!("{tx:?}"));
    tx.rollback().await.expect("rollback");
    let tx = conn.simple().begin().await.expect("simple transaction");
    printed.push(format!("{tx:?}"));
    tx.rollback().await.expect("rollback");
    let env = EnvSource::from_pairs([("QS_PASSWORD", SECRET), ("PGPASSWORD", SECRET)], []);
    printed.push(format!("{env:?} {:?}", env.params().expect("env")));

    let wrong = QsConnection::new(
        params
            .clone()
            .password("not-the-password")
            .build()
            .expect("config"),
    );
    let err = wrong.check().await.expect_err("wrong password");
    let wrong_ca = write_unrelated_ca();
    printed.push(format!("{err} {err:?}"));
    let err = QsConnection::new(
        params
            .clone()
            .sslrootcert(wrong_ca.clone())
            .build()
            .expect("config"),
    )
    .check()
    .await
    .expect_err("wrong CA");
    printed.push(format!("{err} {err:?}"));
    let err = wrong.connect_dedicated().await.expect_err("wrong password");
    printed.push(format!("{err} {err:?}"));

    std::fs::remove_file(wrong_ca).ok();
    for text in &printed {
        assert!(!text.contains(SECRET), "password printed in: {text}");
    }
    conn.close().await;
}

/// `flavor=postgres` (from the builder, a URL, a pasted command or the environment) cannot
/// take TLS away from a Query Service host: `disable` is refused at configuration time, naming
/// `sslmode`, and `allow`/`prefer`/the default become `require`.
#[test]
fn query_service_host_gets_tls_whatever_the_flavor() {
    let base = || {
        ConnParams::default()
            .host(QS_HOST)
            .database("prod:all")
            .user("ORG@AdobeOrg")
            .password("token")
            .flavor(Flavor::Postgres)
    };
    let refused = |result: Result<qsorm_connect::ConnConfig, ConnectError>, source: &str| {
        let err = result.expect_err(source);
        assert!(
            matches!(err, ConnectError::InvalidConfig { ref key, .. } if key == "sslmode"),
            "{source}: {err:?}"
        );
    };
    refused(base().sslmode(SslMode::Disable).build(), "builder");
    refused(
        ConnParams::default()
            .host("ACME.Platform-Query.Adobe.IO.")
            .user("u")
            .flavor(Flavor::Postgres)
            .sslmode(SslMode::Disable)
            .build(),
        "case and trailing dot",
    );
    for pasted in [
        format!("postgres://u:pw@{QS_HOST}/prod:all?flavor=postgres&sslmode=disable"),
        format!("host={QS_HOST} dbname=prod:all user=u flavor=postgres sslmode=disable"),
        format!(
            r#"PGSSLMODE=disable psql "host={QS_HOST} dbname=prod:all user=u flavor=postgres""#
        ),
    ] {
        refused(parse_any(&pasted).expect("parses").build(), pasted.as_str());
    }
    let env = EnvSource::from_pairs(
        [
            ("QS_HOST", QS_HOST),
            ("QS_FLAVOR", "postgres"),
            ("QS_USER", "u"),
            ("PGSSLMODE", "disable"),
        ],
        [],
    );
    refused(resolve(ConnParams::default(), &env), "environment");

    for mode in [None, Some(SslMode::Allow), Some(SslMode::Prefer)] {
        let mut params = base();
        params.sslmode = mode;
        let config = params.build().expect("config");
        assert!(config.requires_tls());
        assert_eq!(config.effective_sslmode(), SslMode::Require, "{mode:?}");
    }
    // Editing the public fields after build() cannot open plain text either: the driver gets
    // `require`.
    let mut edited = base().build().expect("config");
    edited.sslmode = SslMode::Disable;
    edited.flavor = Flavor::Postgres;
    assert_eq!(edited.effective_sslmode(), SslMode::Require);
}

#[tokio::test]
async fn edited_config_still_connects_over_tls_to_a_query_service_host() {
    // No network: the connection is lazy; its error context shows the mode the driver got.
    let mut edited = ConnParams::default()
        .host(QS_HOST)
        .database("prod:all")
        .user("u")
        .build()
        .expect("config");
    edited.sslmode = SslMode::Disable;
    edited.flavor = Flavor::Postgres;
    let conn = QsConnection::new(edited);
    assert_eq!(conn.error_context().sslmode, SslMode::Require);
}

/// `verify-full` checks the host name itself: a certificate from the trusted CA but issued for
/// another name is refused, while `verify-ca` through the same endpoint logs in.
#[tokio::test]
async fn verify_full_refuses_a_certificate_for_another_name() {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("db");
    let proxy = TlsTerminator::start("other.invalid", sb.port()).await;
    let via = |mode| {
        QsConnection::new(
            app_params(sb, &db)
                .host("127.0.0.1")
                .port(proxy.port)
                .sslmode(mode)
                .sslrootcert(proxy.ca_path.clone())
                .connect_timeout(Duration::from_secs(5))
                .build()
                .expect("config"),
        )
    };
    let err = via(SslMode::VerifyFull)
        .check()
        .await
        .expect_err("a certificate for other.invalid was accepted for 127.0.0.1");
    assert!(
        matches!(err, ConnectError::Tls { ref sslmode, .. } if sslmode == "verify-full"),
        "{err:?}"
    );
    let conn = via(SslMode::VerifyCa);
    conn.check()
        .await
        .expect("verify-ca accepts the chain (so the host name is what verify-full refused)");
    conn.close().await;
}

/// Splits recorded client bytes into messages (each: 4-byte length, then the body).
fn messages(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 4 {
        let len = usize::try_from(u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]))
            .unwrap_or(usize::MAX)
            .clamp(4, rest.len());
        out.push(&rest[..len]);
        rest = &rest[len..];
    }
    out
}

const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// Against a server that refuses TLS (`N`), `require`, `verify-ca` and `verify-full` fail
/// with the typed TLS error, and the server receives nothing but SSLRequests: no
/// StartupMessage, no password. `prefer` on a PostgreSQL host falls back to plain TCP
/// (libpq's meaning), which the same server sees.
#[tokio::test]
async fn tls_modes_never_fall_back_to_plain_text() {
    const SECRET: &str = "Rk2-canary-never-in-clear-Lm5";
    let params = |port, mode| {
        ConnParams::default()
            .host("127.0.0.1")
            .port(port)
            .database("db")
            .user("app")
            .password(SECRET)
            .sslmode(mode)
            .connect_timeout(Duration::from_secs(3))
            .build()
            .expect("config")
    };
    for mode in [SslMode::Require, SslMode::VerifyCa, SslMode::VerifyFull] {
        let stub = CleartextServer::start().await;
        let conn = QsConnection::new(params(stub.port, mode));
        let err = conn.check().await.expect_err("connected without TLS");
        assert!(
            matches!(err, ConnectError::Tls { ref sslmode, .. } if sslmode == mode.as_str()),
            "{mode}: {err:?}"
        );
        let err = conn.connect_dedicated().await.expect_err("dedicated");
        assert!(matches!(err, ConnectError::Tls { .. }), "{mode}: {err:?}");
        let seen = stub.received().await;
        let msgs = messages(&seen);
        assert!(!msgs.is_empty(), "{mode}: the stub saw nothing");
        assert!(
            msgs.iter().all(|m| *m == SSL_REQUEST),
            "{mode}: something other than an SSLRequest was sent: {msgs:?}"
        );
        assert!(
            !contains(&seen, SECRET.as_bytes()),
            "{mode}: password in clear"
        );
    }
    // Control: `prefer` on a PostgreSQL host does fall back, so the stub can see a startup.
    let stub = CleartextServer::start().await;
    let _ = QsConnection::new(params(stub.port, SslMode::Prefer))
        .check()
        .await;
    let seen = stub.received().await;
    assert!(
        messages(&seen).iter().any(|m| *m != SSL_REQUEST),
        "prefer did not fall back to plain text"
    );
}
