//! Splitting a simple-query message into statements, Spark-style: a backslash inside `'...'`
//! escapes the next character, double quotes and backticks delimit identifiers, `--` and
//! `/* */` are comments, `$$ ... $$` is an anonymous block.
//!
//! PostgreSQL's quote doubling (`'it''s'`) is refused: Spark's grammar concatenates adjacent
//! literals, so whether it reads `it's` (Spark 4.3 does) or `its` depends on the engine's
//! version; a client that relies on it writes a value that depends on it.
//!
//! `${` anywhere in a message is refused: Spark substitutes `${name}` in a statement's text
//! before it parses it (`spark.sql.variable.substitute`, on by default), string literals
//! included — on a local Spark 4.3, `SELECT '${x}'` returns `''` and `SELECT '${env:HOME}'`
//! the server's home directory — so such a statement would not mean there what it says.

use crate::error::{QsError, sqlstate};

/// The statements of one query message, in order, without their `;` and surrounding space.
pub fn split(sql: &str) -> Result<Vec<String>, QsError> {
    if let Some(at) = sql.find("${") {
        return Err(QsError::new(
            sqlstate::FEATURE_NOT_SUPPORTED,
            format!(
                "`${{` at byte {at}: Query Service's Spark engine substitutes `${{name}}` in the \
                 statement text, string literals included, before parsing \
                 (spark.sql.variable.substitute), so the statement would change there"
            ),
        )
        .hint("inside a string, write the `$` of a `${` as chr(36): chr(36) || '{x}'"));
    }
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ';' => {
                push(&mut out, &current);
                current.clear();
                i += 1;
                continue;
            }
            '\'' => {
                let end = string_end(&chars, i)?;
                current.extend(&chars[i..end]);
                i = end;
                continue;
            }
            '"' | '`' => {
                let end = delimited_end(&chars, i, c)?;
                current.extend(&chars[i..end]);
                i = end;
                continue;
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                current.push(' ');
                continue;
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i = comment_end(&chars, i)?;
                current.push(' ');
                continue;
            }
            '$' if chars.get(i + 1) == Some(&'$') => {
                let end = dollar_end(&chars, i)?;
                current.extend(&chars[i..end]);
                i = end;
                continue;
            }
            _ => current.push(c),
        }
        i += 1;
    }
    push(&mut out, &current);
    Ok(out)
}

fn push(out: &mut Vec<String>, stmt: &str) {
    let t = stmt.trim();
    if !t.is_empty() {
        out.push(t.to_owned());
    }
}

fn unterminated(what: &str) -> QsError {
    QsError::new(sqlstate::SYNTAX_ERROR, format!("unterminated {what}"))
}

/// The index after the string literal opening at `start`.
fn string_end(chars: &[char], start: usize) -> Result<usize, QsError> {
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '\'' => {
                if chars.get(i + 1) == Some(&'\'') {
                    return Err(QsError::new(
                        sqlstate::SYNTAX_ERROR,
                        "a doubled quote ('') inside a string literal: Spark's grammar concatenates \
                         adjacent literals, and whether '' is a quote or two literals (the \
                         quote lost) depends on the engine's version (Spark 4.3 keeps it)",
                    )
                    .hint("write the quote as chr(39) (e.g. 'it' || chr(39) || 's') or as \\'"));
                }
                return Ok(i + 1);
            }
            _ => i += 1,
        }
    }
    Err(unterminated("string literal"))
}

fn delimited_end(chars: &[char], start: usize, quote: char) -> Result<usize, QsError> {
    let mut i = start + 1;
    while i < chars.len() {
        if chars[i] == quote {
            if chars.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return Ok(i + 1);
        }
        i += 1;
    }
    Err(unterminated("quoted identifier"))
}

fn comment_end(chars: &[char], start: usize) -> Result<usize, QsError> {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < chars.len() {
        if chars[i] == '/' && chars[i + 1] == '*' {
            depth += 1;
            i += 2;
        } else if chars[i] == '*' && chars[i + 1] == '/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Ok(i);
            }
        } else {
            i += 1;
        }
    }
    Err(unterminated("comment"))
}

fn dollar_end(chars: &[char], start: usize) -> Result<usize, QsError> {
    let mut i = start + 2;
    while i + 1 < chars.len() {
        if chars[i] == '$' && chars[i + 1] == '$' {
            return Ok(i + 2);
        }
        i += 1;
    }
    Err(unterminated("$$ block"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_semicolons_outside_literals_and_comments() {
        let got = split("SET a = 1; SELECT 'x;y', `a;b`, \"c;d\" -- ;\n; /* ; */ ;; SELECT '\\';'")
            .unwrap();
        assert_eq!(
            got,
            vec!["SET a = 1", "SELECT 'x;y', `a;b`, \"c;d\"", "SELECT '\\';'"]
        );
    }

    #[test]
    fn refuses_doubled_quotes() {
        let e = split("SELECT 'it''s'").unwrap_err();
        assert_eq!(e.code, sqlstate::SYNTAX_ERROR);
        assert!(split("SELECT ''").is_ok());
        assert!(split("SELECT '', 'a'").is_ok());
    }

    #[test]
    fn refuses_variable_references_spark_would_substitute() {
        for sql in [
            "SELECT '${x}'",
            "SELECT '${env:HOME}' AS a",
            "SELECT 1 -- ${x}",
        ] {
            assert_eq!(
                split(sql).unwrap_err().code,
                sqlstate::FEATURE_NOT_SUPPORTED,
                "{sql}"
            );
        }
        assert!(split("SELECT chr(36) || '{x}', '$1 $$ {x}', '$' || '{'").is_ok());
        // Spark's escape for it, in a single-token literal: `'$\{x}'` reads `${x}`.
        assert!(split("SELECT '$\\{x}'").is_ok());
        let tokens = crate::dialect::tokens("SELECT '$\\{x}'").unwrap();
        assert!(
            tokens.contains(&sqlparser::tokenizer::Token::SingleQuotedString(
                "${x}".into()
            )),
            "{tokens:?}"
        );
    }

    #[test]
    fn unterminated_is_a_syntax_error() {
        assert!(split("SELECT 'abc").is_err());
        assert!(split("SELECT /* abc").is_err());
    }
}
