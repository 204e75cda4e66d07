use std::path::PathBuf;

use super::*;
use crate::{Password, SslMode};

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

fn key_of(err: &ConnectError) -> &str {
    match err {
        ConnectError::InvalidConfig { key, .. } => key,
        other => panic!("not InvalidConfig: {other:?}"),
    }
}

#[track_caller]
fn refused(result: Result<ConnParams, ConnectError>, key: &str) {
    let err = result.expect_err("accepted");
    assert_eq!(key_of(&err), key, "{err}");
}

#[test]
fn bad_percent_escapes_name_the_url_part() {
    for bad in ["%zz", "%4", "%"] {
        refused(parse_url(&format!("postgres://u{bad}@h/db")), "user");
        refused(
            parse_url(&format!("postgres://u:p{bad}-w@h/db")),
            "password",
        );
        refused(parse_url(&format!("postgres://u@h{bad}x/db")), "host");
        refused(parse_url(&format!("postgres://u@h/d{bad}-b")), "database");
        refused(
            parse_url(&format!("postgres://u@h/db?sslmode=req{bad}")),
            "sslmode",
        );
        refused(
            parse_url(&format!("postgres://u@h/db?password=a{bad}")),
            "password",
        );
        refused(parse_url(&format!("postgres://u@h/db?ss{bad}l=x")), "url");
    }
    // `+` stays `+` in a query value (libpq), `%2B` is `+` too.
    let p = parse_url("postgres://u@h/db?password=a+b%2Bc").expect("plus");
    assert_eq!(p.password.as_ref().map(Password::expose), Some("a+b+c"));
}

#[test]
fn empty_values_name_the_key() {
    refused(parse_key_value("host= port=5432"), "host");
    refused(parse_key_value("port=5432 host="), "host");
    refused(parse_key_value("host=h dbname= user=u"), "dbname");
    refused(parse_key_value("sslmode=''"), "sslmode");
    refused(parse_key_value("password='  '"), "password");
    refused(parse_url("postgres://u@h/db?host="), "host");
    refused(parse_url("postgres://u@h/db?sslmode"), "sslmode");
    refused(parse_psql_command("psql -h '' -d db"), "host");
    refused(parse_psql_command("psql --port= -d db"), "port");
    refused(parse_psql_command("psql -h h ''"), "dbname");
    refused(parse_psql_command("psql -h"), "host");
    refused(parse_psql_command("psql -h -p 5432"), "host");
    refused(parse_psql_command("PGHOST= psql -d db"), "PGHOST");
    // `key = value` spacing is still libpq's.
    let p = parse_key_value("host = h  port =  5433").expect("spaced");
    assert_eq!((p.host.as_deref(), p.port), (Some("h"), Some(5433)));
    // A password that merely contains `=` after a space is a value, not an empty one.
    let p = parse_key_value("password= abc== host=h").expect("base64 password");
    assert_eq!(p.password.as_ref().map(Password::expose), Some("abc=="));
}

#[test]
fn empty_or_bare_input_is_refused() {
    refused(parse_any(""), "connection string");
    refused(parse_any(" \n\t "), "connection string");
    refused(parse_key_value(""), "connection string");
    refused(parse_psql_command(""), "psql");
    refused(parse_psql_command("psql"), "psql");
    refused(parse_any("psql"), "psql");
    refused(
        parse_psql_command("PGPASSWORD=x psql -W --echo-all"),
        "psql",
    );
    refused(parse_psql_command(r#"psql "sslmode=require""#), "psql");
    refused(parse_psql_command("psql -h h db user extra"), "psql");
    refused(parse_psql_command("PGPASSWORD=x"), "psql");
    // Enough to name a server or database.
    assert!(parse_psql_command("psql -d shop").is_ok());
    assert!(parse_psql_command("PGHOST=h psql").is_ok());
}

#[test]
fn psql_value_flags_do_not_become_the_database() {
    let p = parse_psql_command(r#"psql -c "SELECT 1" -v ON_ERROR_STOP=1 --file=x.sql -h h shop"#)
        .expect("psql");
    assert_eq!(
        (p.host.as_deref(), p.database.as_deref()),
        (Some("h"), Some("shop"))
    );
    let p = parse_psql_command("psql -hé.example -p5433 -Ualice").expect("inline");
    assert_eq!(p.host.as_deref(), Some("é.example"));
}

#[test]
fn other_malformed_settings_name_the_key() {
    refused(parse_url("postgres://u@h:0/db"), "port");
    refused(parse_url("postgres://u@h:99999/db"), "port");
    refused(parse_url("postgres://u@h:80a/db"), "port");
    refused(parse_url("postgres://u@[::1/db"), "host");
    refused(parse_url("postgres://u@h/db#frag"), "url");
    refused(parse_url("http://u@h/db"), "url");
    refused(parse_url("postgres://u@h/db?flavor=mysql"), "flavor");
    refused(parse_key_value("connect_timeout=soon"), "connect_timeout");
    refused(
        parse_key_value("statement_cache_capacity=-1"),
        "statement_cache_capacity",
    );
    refused(parse_key_value("host=h port"), "port");
    refused(parse_key_value("=x"), "connection string");
    refused(parse_key_value("h@st=x"), "connection string");
    refused(parse_psql_command("psql -p eighty -d db"), "port");
    refused(parse_credentials_json("[1, 2]"), "credentials");
    refused(
        parse_credentials_json(
            r#"{"technicalAccountName": 7, "credential": "c", "technicalAccountId": "i"}"#,
        ),
        "technicalAccountName",
    );
    refused(
        parse_credentials_json(
            r#"{"technicalAccountName": "n", "credential": " ", "technicalAccountId": "i"}"#,
        ),
        "credential",
    );
}

/// Every error path fed a value that holds the canary: no message may show it.
#[test]
fn errors_never_quote_the_input() {
    const C: &str = "Zq9canary";
    let cases: Vec<Result<ConnParams, ConnectError>> = vec![
        parse_url(&format!("postgres://u:{C}%zz@h/db")),
        parse_url(&format!("postgres://u:{C}#x@h/db")),
        parse_url(&format!("postgres://u@h/db?password=ab&{C}=1")),
        parse_url(&format!("postgres://u@h/db?password=ab&{C}")),
        parse_url(&format!("postgres://u@h/db?password=ab#{C}")),
        parse_url(&format!("{C}://u@h/db")),
        parse_url(&format!("postgres://u@h/db?sslmode={C}")),
        parse_url(&format!("postgres://u@h/db?flavor={C}")),
        parse_url(&format!("postgres://u@h:{C}/db")),
        parse_key_value(&format!("password=correct {C} staple")),
        parse_key_value(&format!("password=correct {C}=staple")),
        parse_key_value(&format!("password=correct {C}")),
        parse_key_value(&format!("port={C}")),
        parse_key_value(&format!("sslmode={C}")),
        parse_key_value(&format!("connect_timeout={C}")),
        parse_key_value(&format!("statement_cache_capacity={C}")),
        parse_key_value(&format!("password='{C}")),
        parse_key_value(&format!("{C}@x=1")),
        parse_psql_command(&format!("PGPASSWORD={C} PGPORT={C} psql -h h")),
        parse_psql_command(&format!("PGPASSWORD=correct {C} psql -h h")),
        parse_psql_command(&format!("psql -p {C} -h h")),
        parse_psql_command(&format!("psql \"password={C} host=h")),
        parse_psql_command(&format!("psql 'password={C} x' -h h")),
        parse_psql_command(&format!("psql -h h db user {C}")),
        parse_any(&format!("PGPASSWORD={C} psql")),
        parse_credentials_json(&format!(
            r#"{{"technicalAccountName": "n", "credential": "{C}"}}"#
        )),
        parse_credentials_json(&format!(r#"{{"credential": "{C}", "#)),
        parse_credentials_json(&format!(r#""{C}""#)),
    ];
    for (i, case) in cases.into_iter().enumerate() {
        let err = case.expect_err(&format!("case {i} accepted"));
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(C), "case {i}: {shown}");
    }
}
