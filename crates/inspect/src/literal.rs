//! SQL string literals, escaped on the client.
//!
//! The catalog queries carry their filters as inlined literals, not bind parameters, so
//! that they can travel over the simple query protocol (Query Service).

use crate::error::InspectError;

/// `s` as a SQL string literal: `'it''s'`.
///
/// Quotes are doubled. A string holding a backslash is written `E'...'` with the
/// backslashes doubled, which reads the same whatever `standard_conforming_strings`
/// says. NUL cannot be part of a PostgreSQL string and is refused.
pub fn quote_literal(s: &str) -> Result<String, InspectError> {
    if s.contains('\0') {
        return Err(InspectError::InvalidName { name: s.to_owned() });
    }
    let body = s.replace('\'', "''");
    Ok(if s.contains('\\') {
        format!("E'{}'", body.replace('\\', "\\\\"))
    } else {
        format!("'{body}'")
    })
}

/// `(lit1, lit2, ...)` for an `IN` list; `None` when `items` is empty.
pub fn literal_list(items: &[String]) -> Result<Option<String>, InspectError> {
    if items.is_empty() {
        return Ok(None);
    }
    let quoted = items
        .iter()
        .map(|s| quote_literal(s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(format!("({})", quoted.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_quotes_and_escapes_backslashes() {
        assert_eq!(quote_literal("plain").expect("test value"), "'plain'");
        assert_eq!(quote_literal("it's").expect("test value"), "'it''s'");
        assert_eq!(quote_literal("a\\b'c").expect("test value"), "E'a\\\\b''c'");
        assert_eq!(quote_literal("Größe").expect("test value"), "'Größe'");
        assert_eq!(
            quote_literal("'); DROP TABLE x; --").expect("test value"),
            "'''); DROP TABLE x; --'"
        );
    }

    #[test]
    fn refuses_nul() {
        assert!(matches!(
            quote_literal("a\0b"),
            Err(InspectError::InvalidName { .. })
        ));
    }

    #[test]
    fn lists() {
        assert_eq!(literal_list(&[]).expect("test value"), None);
        let list = literal_list(&["a".into(), "b'".into()]).expect("test value");
        assert_eq!(list.as_deref(), Some("('a', 'b''')"));
    }
}
