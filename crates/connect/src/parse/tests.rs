use super::*;

#[test]
fn url_parts_are_percent_decoded() {
    let p = parse_url(
        "postgresql://ORG%40AdobeOrg:p%40ss%3Aw%2Frd@acme.platform-query.adobe.io:80/prod%3Aall?sslmode=verify-full&sslrootcert=%2Ftmp%2Froot.crt",
    )
    .expect("valid url");
    assert_eq!(p.user.as_deref(), Some("ORG@AdobeOrg"));
    assert_eq!(p.password.as_ref().map(Password::expose), Some("p@ss:w/rd"));
    assert_eq!(p.host.as_deref(), Some("acme.platform-query.adobe.io"));
    assert_eq!(p.port, Some(80));
    assert_eq!(p.database.as_deref(), Some("prod:all"));
    assert_eq!(p.sslmode, Some(SslMode::VerifyFull));
    assert_eq!(p.sslrootcert, Some(PathBuf::from("/tmp/root.crt")));
}

#[test]
fn url_errors_name_the_key() {
    let err = parse_url("postgres://u@h/db?sslmode=sometimes").expect_err("bad sslmode");
    assert!(matches!(err, ConnectError::InvalidConfig { ref key, .. } if key == "sslmode"));
    let err = parse_url("postgres://u@h/db?colour=blue").expect_err("unknown key");
    assert!(matches!(err, ConnectError::InvalidConfig { ref key, .. } if key == "colour"));
    let err = parse_url("mysql://u@h/db").expect_err("scheme");
    assert!(matches!(err, ConnectError::InvalidConfig { ref key, .. } if key == "url"));
}

#[test]
fn adobe_psql_command_is_understood() {
    let p = parse_any(
        r#"psql "sslmode=require host=acme.platform-query.adobe.io port=80 dbname=prod:all user=ABC123@AdobeOrg""#,
    )
    .expect("psql command");
    assert_eq!(p.sslmode, Some(SslMode::Require));
    assert_eq!(p.host.as_deref(), Some("acme.platform-query.adobe.io"));
    assert_eq!(p.port, Some(80));
    assert_eq!(p.database.as_deref(), Some("prod:all"));
    assert_eq!(p.user.as_deref(), Some("ABC123@AdobeOrg"));
    assert!(p.password.is_none());
}

#[test]
fn psql_flags_env_prefix_and_positionals() {
    let p = parse_psql_command(
        "PGPASSWORD='  tok en \n' PGSSLMODE=verify-full /usr/bin/psql -h db.example -p5433 -U alice --echo-all shop bob",
    )
    .expect("psql flags");
    assert_eq!(p.host.as_deref(), Some("db.example"));
    assert_eq!(p.port, Some(5433));
    assert_eq!(p.user.as_deref(), Some("alice"));
    assert_eq!(p.database.as_deref(), Some("shop"));
    assert_eq!(p.password.as_ref().map(Password::expose), Some("tok en"));
    assert_eq!(p.sslmode, Some(SslMode::VerifyFull));
    let p = parse_psql_command("psql -d postgres://u:pw@h:1/d").expect("url arg");
    assert_eq!(
        (p.host.as_deref(), p.port, p.database.as_deref()),
        (Some("h"), Some(1), Some("d"))
    );
    let p = parse_psql_command("psql --dbname=other bob").expect("dbname flag");
    assert_eq!(
        (p.database.as_deref(), p.user.as_deref()),
        (Some("other"), Some("bob"))
    );
    assert!(parse_psql_command("pgcli -h x").is_err());
    assert!(parse_psql_command("psql \"unterminated").is_err());
}

#[test]
fn key_value_quoting() {
    let p = parse_key_value(r"host=h dbname = 'prod:all' password='it\'s a \\ secret' user=x")
        .expect("kv");
    assert_eq!(p.database.as_deref(), Some("prod:all"));
    assert_eq!(
        p.password.as_ref().map(Password::expose),
        Some(r"it's a \ secret")
    );
    let err = parse_key_value("host=h port=eighty").expect_err("bad port");
    assert!(matches!(err, ConnectError::InvalidConfig { ref key, .. } if key == "port"));
    assert!(parse_key_value("host=h password='open").is_err());
}

#[test]
fn credentials_json() {
    let p = parse_credentials_json(
        r#"{"technicalAccountName": "ABCD@TECHACCT.ADOBE.COM", "credential": " s3cr3t\n", "technicalAccountId": "acct-1"}"#,
    )
    .expect("json");
    assert_eq!(p.user.as_deref(), Some("ABCD@TECHACCT.ADOBE.COM"));
    assert_eq!(
        p.password.as_ref().map(Password::expose),
        Some("acct-1:s3cr3t")
    );
    let err = parse_credentials_json(r#"{"technicalAccountName": "a", "credential": "c"}"#)
        .expect_err("missing id");
    assert!(
        matches!(err, ConnectError::InvalidConfig { ref key, .. } if key == "technicalAccountId")
    );
    let err = parse_credentials_json("{not json").expect_err("syntax");
    assert!(matches!(err, ConnectError::InvalidConfig { ref key, .. } if key == "credentials"));
}
