//! Bounded fuzzing of the four connection-settings parsers (URL, libpq `key=value`, pasted
//! `psql` command, credentials JSON): no input makes them panic, malformed settings are refused
//! by name, and a password embedded in the input never shows in what they return.
//! A few hundred cases per property: seconds in CI.

use std::fmt::Write as _;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;
use qsorm_connect::{
    ConnParams, ConnectError, parse_any, parse_credentials_json, parse_key_value,
    parse_psql_command, parse_url,
};

/// A word that never occurs in qsorm's messages: it stands for the password in every input.
const CANARY: &str = "Zq9canary";

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Arbitrary text biased towards the syntax of all four formats.
fn noise() -> impl Strategy<Value = String> {
    let tokens = prop::sample::select(vec![
        "postgres://",
        "postgresql://",
        "psql",
        " ",
        "=",
        "'",
        "\"",
        "\\",
        "%",
        "%zz",
        "%4",
        "%41",
        "@",
        ":",
        "/",
        "?",
        "&",
        "#",
        "[",
        "]",
        "-h",
        "-p",
        "-U",
        "-d",
        "--host=",
        "-c",
        "PGPASSWORD=",
        "host",
        "port",
        "dbname",
        "user",
        "password",
        "sslmode",
        "flavor",
        "require",
        "5432",
        "0",
        "{",
        "}",
        "\"credential\"",
        "\"technicalAccountName\"",
        ",",
        "\n",
        "é",
        "🔑",
    ]);
    prop::collection::vec(
        prop_oneof![
            tokens.prop_map(str::to_owned),
            any::<char>().prop_map(String::from),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

/// A password: hostile characters around [`CANARY`].
fn password() -> impl Strategy<Value = String> {
    let hostile = prop::sample::select(vec![
        "@", ":", "/", "?", "#", "&", "=", "+", "%", "%41", "'", "\"", "\\", " ", "\t", "é", "Ω",
        "🔑", ";", "-", "[", "]", "a", "Z", "0",
    ]);
    let side = prop::collection::vec(hostile, 0..8).prop_map(|p| p.concat());
    (side.clone(), side).prop_map(|(a, b)| format!("{a}{CANARY}{b}"))
}

/// One setting made malformed on purpose, and the key its error must name.
#[derive(Debug, Clone, Copy)]
enum Flaw {
    None,
    BadPort,
    BadSslmode,
    UnknownKey,
    EmptyHost,
    BadFlavor,
}

impl Flaw {
    fn any() -> impl Strategy<Value = Flaw> {
        prop::sample::select(vec![
            Flaw::None,
            Flaw::BadPort,
            Flaw::BadSslmode,
            Flaw::UnknownKey,
            Flaw::EmptyHost,
            Flaw::BadFlavor,
        ])
    }

    /// The key the error names, `None` when the input is well formed.
    fn key(self) -> Option<&'static str> {
        match self {
            Flaw::None => None,
            Flaw::BadPort => Some("port"),
            Flaw::BadSslmode => Some("sslmode"),
            Flaw::UnknownKey => Some("colour"),
            Flaw::EmptyHost => Some("host"),
            Flaw::BadFlavor => Some("flavor"),
        }
    }

    /// `key=value` settings carrying the flaw (before the password, so it is reached).
    fn key_value(self) -> &'static str {
        match self {
            Flaw::None => "host=db.example port=5433",
            Flaw::BadPort => "host=db.example port=eighty",
            Flaw::BadSslmode => "host=db.example sslmode=sometimes",
            Flaw::UnknownKey => "host=db.example colour=blue",
            Flaw::EmptyHost => "host= port=5433",
            Flaw::BadFlavor => "host=db.example flavor=mysql",
        }
    }

    /// URL query parameters carrying the flaw.
    fn query(self) -> &'static str {
        match self {
            Flaw::None => "sslmode=require",
            Flaw::BadPort => "port=0",
            Flaw::BadSslmode => "sslmode=sometimes",
            Flaw::UnknownKey => "colour=blue",
            Flaw::EmptyHost => "host=",
            Flaw::BadFlavor => "flavor=mysql",
        }
    }
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

fn kv_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn sh_quote(s: &str) -> String {
    shlex::try_quote(s)
        .map(|q| q.into_owned())
        .unwrap_or_default()
}

/// Everything a caller could print about one parse: the error, or the parsed settings and
/// what building them gives.
fn printed(result: &Result<ConnParams, ConnectError>) -> String {
    let mut out = String::new();
    match result {
        Err(e) => {
            let _ = write!(out, "{e} {e:?}");
        }
        Ok(p) => {
            let _ = write!(out, "{p:?}");
            match p.clone().build() {
                Ok(c) => {
                    let _ = write!(out, " {c:?} {}", c.redacted_url());
                }
                Err(e) => {
                    let _ = write!(out, " {e} {e:?}");
                }
            }
        }
    }
    out
}

/// The checks shared by every embedding: the flaw is refused by name, a clean input keeps the
/// password, and the password never prints.
fn check(result: &Result<ConnParams, ConnectError>, flaw: Flaw) -> Result<(), TestCaseError> {
    let shown = printed(result);
    prop_assert!(!shown.contains(CANARY), "password printed: {}", shown);
    match (flaw.key(), result) {
        (Some(key), Err(ConnectError::InvalidConfig { key: got, .. })) => {
            prop_assert_eq!(got.as_str(), key)
        }
        (Some(key), other) => {
            prop_assert!(false, "{:?} not refused as `{}`: {:?}", flaw, key, other)
        }
        (None, Ok(p)) => prop_assert!(
            p.password
                .as_ref()
                .is_some_and(|pw| pw.expose().contains(CANARY)),
            "password lost"
        ),
        (None, Err(e)) => prop_assert!(false, "clean input refused: {}", e),
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    /// Any text: no parser panics, every refusal is a typed error naming a key, and nothing
    /// the parsers return fails to format.
    #[test]
    fn no_input_makes_a_parser_panic(input in noise()) {
        let results = [
            parse_any(&input),
            parse_url(&input),
            parse_key_value(&input),
            parse_psql_command(&input),
            parse_credentials_json(&input),
        ];
        for result in &results {
            if let Err(e) = result {
                prop_assert!(
                    matches!(e, ConnectError::InvalidConfig { key, .. } if !key.is_empty()),
                    "untyped or unnamed: {:?}", e
                );
            }
            let _ = printed(result);
        }
    }
}

proptest! {
    #![proptest_config(config(384))]

    /// URL: the password in the user info or in `?password=`, every part percent-encoded.
    #[test]
    fn url_hides_the_password(pw in password(), in_query in any::<bool>(), flaw in Flaw::any()) {
        let url = if in_query {
            format!("postgres://app@db.example/shop?{}&password={}", flaw.query(), enc(&pw))
        } else {
            format!("postgresql://app:{}@db.example/shop?{}", enc(&pw), flaw.query())
        };
        check(&parse_url(&url), flaw)?;
        check(&parse_any(&url), flaw)?;
    }

    /// URL parts with a broken percent escape are refused by the part's name.
    #[test]
    fn url_bad_escapes_name_the_part(pw in password(), part in 0usize..4, bad in prop::sample::select(vec!["%zz", "%4", "%", "%g1"])) {
        let (user, db, host) = (format!("app{bad}-"), format!("shop{bad}-"), format!("db{bad}-x"));
        let pw = enc(&pw);
        let (url, key) = match part {
            0 => (format!("postgres://{user}:{pw}@h/db"), "user"),
            1 => (format!("postgres://u:{pw}{bad}-@h/db"), "password"),
            2 => (format!("postgres://u:{pw}@{host}/db"), "host"),
            _ => (format!("postgres://u:{pw}@h/{db}"), "database"),
        };
        let result = parse_url(&url);
        prop_assert!(!printed(&result).contains(CANARY));
        prop_assert!(
            matches!(&result, Err(ConnectError::InvalidConfig { key: k, .. }) if k == key),
            "{} not refused as `{}`: {:?}", url, key, result
        );
    }

    /// `key=value`: the password quoted, whatever it holds.
    #[test]
    fn key_value_hides_the_password(pw in password(), flaw in Flaw::any()) {
        let input = format!("{} dbname=shop user=app password={}", flaw.key_value(), kv_quote(&pw));
        check(&parse_key_value(&input), flaw)?;
        check(&parse_any(&input), flaw)?;
    }

    /// `key=value` with a password that holds spaces but was not quoted: refused as
    /// `password`, and no word of it is shown.
    #[test]
    fn unquoted_password_with_spaces_is_refused_unseen(
        before in "[A-Za-z0-9]{1,8}",
        after in prop::collection::vec("[A-Za-z0-9]{1,8}", 0..3),
        tail in prop::sample::select(vec!["", "=x", " host=h"]),
    ) {
        let input = format!("host=h password={before} {CANARY}{tail} {}", after.join(" "));
        let result = parse_key_value(&input);
        prop_assert!(!printed(&result).contains(CANARY), "{}", printed(&result));
        prop_assert!(
            matches!(&result, Err(ConnectError::InvalidConfig { key, .. }) if key == "password"),
            "{:?}", result
        );
    }

    /// A pasted psql command: the password as `PGPASSWORD=`, inside a quoted conninfo, or
    /// inside a URL argument.
    #[test]
    fn psql_hides_the_password(pw in password(), form in 0usize..3, flaw in Flaw::any()) {
        let conninfo = format!("{} dbname=shop user=app", flaw.key_value());
        let input = match form {
            0 => format!("PGPASSWORD={} psql {}", sh_quote(&pw), sh_quote(&conninfo)),
            1 => format!(
                "psql {}",
                sh_quote(&format!("{conninfo} password={}", kv_quote(&pw)))
            ),
            _ => format!(
                "/usr/bin/psql --echo-all {}",
                sh_quote(&format!("postgres://app:{}@db.example/shop?{}", enc(&pw), flaw.query()))
            ),
        };
        check(&parse_psql_command(&input), flaw)?;
        check(&parse_any(&input), flaw)?;
    }

    /// Credentials JSON: the credential (half of the password) never shows; a missing or
    /// mistyped field is refused by its name.
    #[test]
    fn credentials_json_hides_the_credential(pw in password(), flaw in 0usize..4) {
        let mut json = serde_json::json!({
            "technicalAccountName": "ABC@TECHACCT.ADOBE.COM",
            "credential": pw,
            "technicalAccountId": "acct-1",
        });
        let key = match flaw {
            1 => { json["technicalAccountId"] = serde_json::Value::Null; Some("technicalAccountId") }
            2 => { json["technicalAccountName"] = serde_json::json!(7); Some("technicalAccountName") }
            3 => { json.as_object_mut().map(|o| o.remove("technicalAccountId")); Some("technicalAccountId") }
            _ => None,
        };
        let text = json.to_string();
        let result = parse_credentials_json(&text);
        prop_assert!(!printed(&result).contains(CANARY), "{}", printed(&result));
        match key {
            Some(key) => prop_assert!(
                matches!(&result, Err(ConnectError::InvalidConfig { key: k, .. }) if k == key),
                "{:?}", result
            ),
            None => prop_assert!(result.is_ok(), "{:?}", result),
        }
        // A truncated file: a syntax error, reported by position only.
        let cut = text.len() / 2;
        if let Some(prefix) = text.get(..cut) {
            let result = parse_credentials_json(prefix);
            prop_assert!(!printed(&result).contains(CANARY));
            prop_assert!(
                matches!(&result, Err(ConnectError::InvalidConfig { key, .. }) if key == "credentials"),
                "{:?}", result
            );
        }
    }
}
