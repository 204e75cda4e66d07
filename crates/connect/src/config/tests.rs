use proptest::prelude::*;

use crate::{ConnParams, ConnectError, Flavor, SslMode, parse_url};

#[test]
fn query_service_defaults() {
    let c = ConnParams::default()
        .host("acme.platform-query.adobe.io")
        .database("prod:all")
        .user("ORG@AdobeOrg")
        .build()
        .expect("config");
    assert_eq!(c.flavor, Flavor::QueryService);
    assert_eq!(c.port, 80);
    assert_eq!(c.sslmode, SslMode::Require);
    assert!(c.max_connections <= 5);
}

#[test]
fn query_service_refuses_disable_and_raises_prefer() {
    let base = ConnParams::default()
        .host("acme.platform-query.adobe.io")
        .database("prod:all")
        .user("u");
    let err = base
        .clone()
        .sslmode(SslMode::Disable)
        .build()
        .expect_err("disable refused");
    assert!(matches!(err, ConnectError::InvalidConfig { ref key, .. } if key == "sslmode"));
    for mode in [SslMode::Allow, SslMode::Prefer] {
        let c = base.clone().sslmode(mode).build().expect("config");
        assert_eq!(c.effective_sslmode(), SslMode::Require);
    }
    let c = base.sslmode(SslMode::VerifyFull).build().expect("config");
    assert_eq!(c.effective_sslmode(), SslMode::VerifyFull);
}

#[test]
fn postgres_defaults_and_flavor_override() {
    let c = ConnParams::default()
        .host("db.internal")
        .user("app")
        .build()
        .expect("config");
    assert_eq!(
        (c.flavor, c.port, c.sslmode),
        (Flavor::Postgres, 5432, SslMode::Prefer)
    );
    assert_eq!(c.database, "app");
    let c = ConnParams::default()
        .host("127.0.0.1")
        .user("app")
        .database("prod:all")
        .flavor(Flavor::QueryService)
        .build()
        .expect("config");
    assert_eq!((c.port, c.sslmode), (80, SslMode::Require));
    let err = ConnParams::default()
        .host("acme.adobe.io")
        .user("u")
        .build()
        .expect_err("database required");
    assert!(matches!(err, ConnectError::InvalidConfig { ref key, .. } if key == "database"));
}

#[test]
fn redacted_url_and_debug_hide_the_password() {
    let c = ConnParams::default()
        .host("h")
        .user("u")
        .password("hunter2-secret")
        .build()
        .expect("config");
    let shown = format!("{} {c:?}", c.redacted_url());
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(c.url_with_password().contains("hunter2-secret"));
}

fn hostile() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        "@", ":", "/", "?", "#", "%", "[", "]", " ", "\n", "prod:all", "&", "=", "+", "'", "\"",
        "\\", "é", "🔑", "Straße", "%41", ".", "..",
    ]);
    prop::collection::vec(
        prop_oneof![
            any::<char>().prop_map(|c| c.to_string()),
            special.prop_map(str::to_owned)
        ],
        1..24,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn url_round_trips_any_user_password_database(user in hostile(), password in hostile(), database in hostile()) {
        let c = ConnParams::default()
            .host("acme.platform-query.adobe.io")
            .user(&user)
            .password(&password)
            .database(&database)
            .build()
            .expect("config");
        let back = parse_url(&c.url_with_password()).expect("parses back");
        prop_assert_eq!(back.user.as_deref(), Some(user.as_str()));
        prop_assert_eq!(back.password.as_ref().map(|p| p.expose()), Some(password.as_str()));
        prop_assert_eq!(back.database.as_deref(), Some(database.as_str()));
        prop_assert_eq!(back.port, Some(80));
        prop_assert_eq!(back.sslmode, Some(SslMode::Require));
    }
}
