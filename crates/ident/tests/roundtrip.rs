//! Property tests: every quoted form reads back as the name it quotes, by the lexer rules of
//! PostgreSQL (double quotes) and Spark (backticks), and no quote inside a name ends the
//! identifier early.

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use qsorm_ident::{
    qs_ident, quote_ident, quote_ident_checked, quote_ident_if_needed, quote_qualified,
    unquote_ident,
};

/// Where a delimited identifier opened by `quote` at the start of `text` ends (the byte
/// after its closing quote), read the way both lexers read one: a doubled quote stands for
/// one, a single quote closes. `None` when `text` does not start with `quote` or never
/// closes. Written independently of `unquote_ident`, so the two check each other.
fn delimited_end(text: &str, quote: char) -> Option<usize> {
    let mut chars = text.char_indices().peekable();
    if chars.next()?.1 != quote {
        return None;
    }
    while let Some((i, c)) = chars.next() {
        if c == quote {
            if chars.peek().is_some_and(|&(_, d)| d == quote) {
                chars.next();
            } else {
                return Some(i + c.len_utf8());
            }
        }
    }
    None
}

/// The name a backtick identifier stands for (Spark: `` `` `` is one backtick).
fn unquote_backticks(text: &str) -> Option<String> {
    let end = delimited_end(text, '`')?;
    (end == text.len()).then(|| text[1..end - 1].replace("``", "`"))
}

/// What may follow an identifier: anything but its own quote character right after it (two
/// quoted identifiers written with nothing between them read as one, in both lexers).
const TAIL: &str = "([ .,)a-z][\"`a-z ]{0,3})?";

/// Names heavy in the characters that matter: quotes, backticks, dots, `$`, NUL, case.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z_$\"`. \u{0}é0-9{}]{0,12}",
        "[a-z_][a-z0-9_$]{0,8}",
    ]
}

proptest! {
    // Failing cases are kept next to this file (`roundtrip.regressions`): the default
    // looks for a `lib.rs` beside the test, which an integration test has not.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn quote_ident_round_trips(s in name(), tail in TAIL) {
        let quoted = quote_ident(&s);
        // The empty name quotes as `""`, which PostgreSQL refuses.
        let expected = (!s.is_empty()).then(|| s.clone());
        prop_assert_eq!(unquote_ident(&quoted), expected);
        // Whatever follows, the identifier ends exactly where the quoted form does.
        let text = format!("{quoted}{tail}");
        prop_assert_eq!(delimited_end(&text, '"'), Some(quoted.len()));
    }

    #[test]
    fn quote_ident_if_needed_round_trips(s in name(), tail in TAIL) {
        let quoted = quote_ident_if_needed(&s);
        if !s.is_empty() {
            prop_assert_eq!(unquote_ident(&quoted), Some(s.clone()));
        }
        if quoted.starts_with('"') {
            prop_assert_eq!(delimited_end(&format!("{quoted}{tail}"), '"'), Some(quoted.len()));
        } else {
            prop_assert!(!quoted.contains(['"', '`', '.', ' ', '\0']));
        }
    }

    #[test]
    fn qualified_names_split_at_the_dot(schema in name(), table in name()) {
        let quoted = quote_qualified(Some(&schema), &table);
        let end = delimited_end(&quoted, '"');
        prop_assert_eq!(end, Some(quote_ident(&schema).len()));
        let end = end.unwrap_or_default();
        prop_assert_eq!(&quoted[end..end + 1], ".");
        prop_assert_eq!(&quoted[end + 1..], quote_ident(&table));
    }

    #[test]
    fn quote_ident_checked_refuses_only_empty_and_nul(s in name()) {
        let checked = quote_ident_checked(&s);
        prop_assert_eq!(checked.is_err(), s.is_empty() || s.contains('\0'));
        if let Ok(quoted) = checked {
            prop_assert_eq!(quoted, quote_ident(&s));
        }
    }

    #[test]
    fn qs_ident_round_trips(s in name(), tail in TAIL) {
        let quoted = qs_ident(&s);
        if quoted.starts_with('`') {
            prop_assert_eq!(unquote_backticks(&quoted), Some(s.clone()));
            prop_assert_eq!(delimited_end(&format!("{quoted}{tail}"), '`'), Some(quoted.len()));
        } else {
            prop_assert_eq!(&quoted, &s);
            prop_assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
        }
    }
}
