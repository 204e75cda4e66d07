use crate::{ConnParams, ConnectError, EnvSource, Flavor, SslMode, resolve};

#[test]
fn precedence_flags_then_qs_then_database_url_then_pg() {
    let env = EnvSource::from_pairs(
        [
            ("QS_HOST", "acme.platform-query.adobe.io"),
            (
                "DATABASE_URL",
                "postgres://urluser:urlpw@urlhost:6000/urldb",
            ),
            ("PGUSER", "pguser"),
            ("PGDATABASE", "pgdb"),
            ("PGAPPNAME", "from-pg"),
            ("QS_PASSWORD", "\n  token-from-env  \n"),
        ],
        [],
    );
    let c = resolve(ConnParams::default().port(5432), &env).expect("config");
    assert_eq!(c.host, "acme.platform-query.adobe.io"); // QS_* beats DATABASE_URL
    assert_eq!(c.port, 5432); // flag beats everything
    assert_eq!(c.user, "urluser"); // DATABASE_URL beats PG*
    assert_eq!(c.database, "urldb");
    assert_eq!(c.application_name.as_deref(), Some("from-pg")); // PG* fills the rest
    assert_eq!(
        c.password.as_ref().map(|p| p.expose()),
        Some("token-from-env")
    );
    assert_eq!(c.flavor, Flavor::QueryService);
}

#[test]
fn dotenv_never_overrides_the_real_environment() {
    let env = EnvSource::from_pairs(
        [("QS_HOST", "real.adobe.io")],
        [
            ("QS_HOST", "dotenv.adobe.io"),
            ("QS_DATABASE", "prod:all"),
            ("QS_USER", "u"),
        ],
    );
    let c = resolve(ConnParams::default(), &env).expect("config");
    assert_eq!(c.host, "real.adobe.io");
    assert_eq!(c.database, "prod:all");
}

#[test]
fn dotenv_file_is_read_and_bad_lines_hide_values() {
    let dir = std::env::temp_dir().join(format!("qsorm-env-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let good = dir.join("good.env");
    std::fs::write(&good, "QS_SSLMODE=verify-full\nQS_FLAVOR=postgres\n").expect("write");
    let env = EnvSource::from_process_with(&good).expect("env");
    assert_eq!(env.get("QS_SSLMODE"), Some("verify-full"));
    let bad = dir.join("bad.env");
    std::fs::write(&bad, "QS_PASSWORD=\"unterminated-s3cret\nX\n").expect("write");
    let err = EnvSource::from_process_with(&bad)
        .expect_err("bad file")
        .to_string();
    assert!(!err.contains("s3cret"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_values_name_the_variable() {
    let env = EnvSource::from_pairs([("QS_SSLMODE", "tight")], []);
    let err = resolve(ConnParams::default(), &env).expect_err("bad mode");
    assert!(matches!(err, ConnectError::InvalidConfig { ref key, .. } if key == "QS_SSLMODE"));
    let env = EnvSource::from_pairs([("PGPORT", "x")], []);
    let err = resolve(ConnParams::default(), &env).expect_err("bad port");
    assert!(matches!(err, ConnectError::InvalidConfig { ref key, .. } if key == "PGPORT"));
    let env = EnvSource::from_pairs([("DATABASE_URL", "postgres://h/db?sslmode=nope")], []);
    let err = resolve(ConnParams::default(), &env).expect_err("bad url");
    assert!(matches!(err, ConnectError::InvalidConfig { ref key, .. } if key == "DATABASE_URL"));
    let env = EnvSource::from_pairs([("PGSSLMODE", "verify-ca")], []);
    assert_eq!(
        resolve(ConnParams::default(), &env).expect("ok").sslmode,
        SslMode::VerifyCa
    );
}
