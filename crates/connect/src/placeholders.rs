//! Inlining `$n` placeholders into hand-written SQL for the simple query protocol, aware of
//! PostgreSQL's lexical structure: placeholders inside string literals (`'...'`, `E'...'`),
//! quoted identifiers, dollar-quoted bodies (`$$...$$`, `$tag$...$tag$`) and comments
//! (`--`, nested `/* */`) are text, not placeholders. Each inlined value is wrapped in
//! parentheses so that no operator around it changes its meaning (`-$1` with `-5` stays
//! `-(-5)`, not the comment `--5`), unless it is a primary [`Expression`] (an unsigned number,
//! a literal, a function call or `CAST(...)`, a parenthesised group: what no operator can
//! split) with nothing next to it that could join it (a `.`, a `[`, a letter or digit, a `$`,
//! a quote; a string constant next to another one). Clauses that want a literal get one
//! (Query Service's `LIMIT 500`, `array(...)` and `NULL` in a store assignment).

/// Why a statement's placeholders and values do not fit together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlaceholderError {
    /// `$0` is not a placeholder PostgreSQL knows.
    #[error("placeholder $0 at byte {at}: placeholders are numbered from $1")]
    Zero {
        /// Byte offset in the SQL.
        at: usize,
    },
    /// `$n` with no n-th value.
    #[error("placeholder ${index} at byte {at} has no value ({values} given)")]
    Missing {
        /// The placeholder's number.
        index: usize,
        /// Byte offset in the SQL.
        at: usize,
        /// How many values were given.
        values: usize,
    },
    /// A value no placeholder uses.
    #[error("value {index} is not used by any placeholder (${index} does not appear)")]
    Unused {
        /// 1-based index of the value.
        index: usize,
    },
    /// The SQL ends inside a literal, quoted identifier, dollar quote or comment.
    #[error("the SQL ends inside {what} opened at byte {at}")]
    Unterminated {
        /// What was left open.
        what: &'static str,
        /// Byte offset where it opened.
        at: usize,
    },
    /// A placeholder number too large to be real.
    #[error("placeholder at byte {at} has an out-of-range number")]
    OutOfRange {
        /// Byte offset in the SQL.
        at: usize,
    },
}

/// What a placeholder is replaced with: SQL text, and whether it is a primary expression
/// (one token or one closed group: a literal, `NULL`, a function call, `CAST(...)`, a
/// parenthesised expression) that needs no parentheses where nothing can join it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expression {
    /// The SQL text.
    pub text: String,
    /// Whether it is a primary expression.
    pub primary: bool,
}

impl Expression {
    /// A primary expression (see [`Expression`]).
    pub fn primary(text: String) -> Expression {
        Expression {
            text,
            primary: true,
        }
    }
}

/// Any text: primary only when it is an unsigned number (`500`, `1.5`).
impl From<String> for Expression {
    fn from(text: String) -> Expression {
        let (int, frac) = text.split_once('.').unwrap_or((&text, "0"));
        let primary = !int.is_empty()
            && !frac.is_empty()
            && int.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit());
        Expression { text, primary }
    }
}

/// Replaces each `$n` outside literals, quoted identifiers, dollar quotes and comments with
/// `(` + `render(n - 1)` + `)` (a primary [`Expression`] without parentheses where nothing
/// can join it, see the module docs). Every value must be used and every placeholder must
/// have a value.
pub fn inline<T: Into<Expression>, E>(
    sql: &str,
    values: usize,
    mut render: impl FnMut(usize) -> Result<T, E>,
) -> Result<Result<String, E>, PlaceholderError> {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 16 * values);
    let mut used = vec![false; values];
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => {
                let escapes = i > 0
                    && matches!(bytes[i - 1], b'E' | b'e')
                    && (i < 2 || !is_ident_byte(bytes[i - 2]));
                i = literal_end(bytes, i, escapes)?;
            }
            b'"' => i = quoted_end(bytes, i)?,
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = comment_end(bytes, i)?,
            b'$' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
                && (i == 0 || !is_ident_byte(bytes[i - 1])) =>
            {
                let start = i;
                let mut j = i + 1;
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                let n: usize = sql[start + 1..j]
                    .parse()
                    .map_err(|_| PlaceholderError::OutOfRange { at: start })?;
                if n == 0 {
                    return Err(PlaceholderError::Zero { at: start });
                }
                if n > values {
                    return Err(PlaceholderError::Missing {
                        index: n,
                        at: start,
                        values,
                    });
                }
                used[n - 1] = true;
                out.push_str(&sql[copied..start]);
                match render(n - 1).map(Into::into) {
                    Ok(expr) if stands_alone(&expr, bytes, start, j) => out.push_str(&expr.text),
                    Ok(expr) => {
                        out.push('(');
                        out.push_str(&expr.text);
                        out.push(')');
                    }
                    Err(e) => return Ok(Err(e)),
                }
                copied = j;
                i = j;
            }
            b'$' if i == 0 || !is_ident_byte(bytes[i - 1]) => {
                if let Some(tag_end) = dollar_tag(bytes, i) {
                    i = dollar_end(sql, i, tag_end)?;
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out.push_str(&sql[copied..]);
    if let Some(unused) = used.iter().position(|u| !u) {
        return Err(PlaceholderError::Unused { index: unused + 1 });
    }
    Ok(Ok(out))
}

/// Whether `expr`, replacing `sql[start..end]`, needs no parentheses: a primary expression
/// that no neighbouring byte can join (a field access or subscript after it, a letter, digit,
/// `$` or quote right after it, `.` or `U&` right before it, or a string constant beside
/// another one, which Spark, and PostgreSQL across a newline, read as one string).
fn stands_alone(expr: &Expression, sql: &[u8], start: usize, end: usize) -> bool {
    let text = expr.text.as_bytes();
    let (Some(first), Some(last)) = (text.first(), text.last()) else {
        return false;
    };
    let before = &sql[..start];
    let after = &sql[end..];
    let joins = |b: &u8| is_ident_byte(*b) || matches!(b, b'.' | b'[' | b'$' | b'\'' | b'"');
    let prev_token = before.iter().rev().find(|b| !b.is_ascii_whitespace());
    let next_token = after.iter().find(|b| !b.is_ascii_whitespace());
    expr.primary
        && !after.first().is_some_and(joins)
        && before.last() != Some(&b'.')
        && !(*first == b'\'' && (before.ends_with(b"&") || prev_token == Some(&b'\'')))
        && !(*last == b'\'' && next_token == Some(&b'\''))
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn literal_end(bytes: &[u8], start: usize, escapes: bool) -> Result<usize, PlaceholderError> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if escapes => i += 2,
            b'\'' if bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(PlaceholderError::Unterminated {
        what: "a string literal",
        at: start,
    })
}

fn quoted_end(bytes: &[u8], start: usize) -> Result<usize, PlaceholderError> {
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            if bytes.get(i + 1) == Some(&b'"') {
                i += 2;
                continue;
            }
            return Ok(i + 1);
        }
        i += 1;
    }
    Err(PlaceholderError::Unterminated {
        what: "a quoted identifier",
        at: start,
    })
}

fn comment_end(bytes: &[u8], start: usize) -> Result<usize, PlaceholderError> {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < bytes.len() {
        if bytes[i] == b'/' && bytes[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Ok(i);
            }
        } else {
            i += 1;
        }
    }
    Err(PlaceholderError::Unterminated {
        what: "a comment",
        at: start,
    })
}

/// The index after a dollar-quote opening tag (`$$` or `$tag$`) starting at `start`.
fn dollar_tag(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if bytes.get(i).is_some_and(|b| b.is_ascii_digit()) {
        return None;
    }
    while i < bytes.len() && is_ident_byte(bytes[i]) {
        i += 1;
    }
    (bytes.get(i) == Some(&b'$')).then_some(i + 1)
}

fn dollar_end(sql: &str, start: usize, tag_end: usize) -> Result<usize, PlaceholderError> {
    let tag = &sql[start..tag_end];
    match sql[tag_end..].find(tag) {
        Some(pos) => Ok(tag_end + pos + tag.len()),
        None => Err(PlaceholderError::Unterminated {
            what: "a dollar-quoted string",
            at: start,
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn run(sql: &str, values: &[&str]) -> Result<String, PlaceholderError> {
        inline(sql, values.len(), |i| Ok::<_, ()>(values[i].to_owned()))
            .map(|r| r.unwrap_or_default())
    }

    #[test]
    fn replaces_placeholders_outside_text() {
        assert_eq!(
            run("SELECT $1, '$1', \"$1\", $$ $1 $$, $t$ $1 $t$, E'\\'$1', x$1 -- $1\n, /* $1 /* $1 */ */ $2", &["a", "b"]).unwrap(),
            "SELECT (a), '$1', \"$1\", $$ $1 $$, $t$ $1 $t$, E'\\'$1', x$1 -- $1\n, /* $1 /* $1 */ */ (b)"
        );
    }

    #[test]
    fn wraps_values_so_operators_keep_their_meaning() {
        assert_eq!(run("SELECT -$1", &["-5"]).unwrap(), "SELECT -(-5)");
        assert_eq!(
            run("SELECT $1 * 2", &["1 + 1"]).unwrap(),
            "SELECT (1 + 1) * 2"
        );
    }

    #[test]
    fn typed_errors_for_bad_placeholders() {
        assert_eq!(run("SELECT $0", &[]), Err(PlaceholderError::Zero { at: 7 }));
        assert!(matches!(
            run("SELECT $2", &["a"]),
            Err(PlaceholderError::Missing { index: 2, .. })
        ));
        assert_eq!(
            run("SELECT $1", &["a", "b"]),
            Err(PlaceholderError::Unused { index: 2 })
        );
        assert!(matches!(
            run("SELECT '$1", &["a"]),
            Err(PlaceholderError::Unterminated { .. })
        ));
        assert!(matches!(
            run("SELECT $99999999999999999999999", &["a"]),
            Err(PlaceholderError::OutOfRange { .. })
        ));
    }

    #[test]
    fn primary_expressions_stand_alone_where_nothing_can_join_them() {
        let run = |sql: &str, values: &[&str]| {
            inline(sql, values.len(), |i| {
                Ok::<_, ()>(Expression::primary(values[i].to_owned()))
            })
            .map(|r| r.unwrap_or_default())
        };
        assert_eq!(
            run(
                "SELECT $1, $2 AS c, f($3), $4::int",
                &["array()", "NULL", "'a'", "CAST(x AS t)"]
            )
            .unwrap(),
            "SELECT array(), NULL AS c, f('a'), CAST(x AS t)::int"
        );
        assert_eq!(
            run(
                "SELECT $1[1], $2.f, U&$3, 'a' $4, $5\n'b', $6x",
                &["a()", "b()", "'c'", "'d'", "'e'", "g()"]
            )
            .unwrap(),
            "SELECT (a())[1], (b()).f, U&('c'), 'a' ('d'), ('e')\n'b', (g())x"
        );
    }

    #[test]
    fn unsigned_numbers_stand_alone_where_nothing_can_join_them() {
        assert_eq!(
            run("SELECT x LIMIT $1 OFFSET $2", &["500", "1.5"]).unwrap(),
            "SELECT x LIMIT 500 OFFSET 1.5"
        );
        assert_eq!(run("SELECT -$1", &["5"]).unwrap(), "SELECT -5");
        assert_eq!(
            run(
                "SELECT $1::int, $2.x, t.$3, $4a, $5'b', $6",
                &["1", "2", "3", "4", "5", "1e5"]
            )
            .unwrap(),
            "SELECT 1::int, (2).x, t.(3), (4)a, (5)'b', (1e5)"
        );
    }

    #[test]
    fn the_same_placeholder_twice() {
        assert_eq!(run("SELECT $1, $1", &["x"]).unwrap(), "SELECT (x), (x)");
    }

    use proptest::prelude::*;

    /// One piece of SQL and what it becomes once inlined (placeholder k renders as `vK`).
    fn fragment() -> impl Strategy<Value = (String, String, Option<usize>)> {
        let text = "[a-z $0-9'\"*/-]{0,8}";
        prop_oneof![
            (1usize..4).prop_map(|k| (format!(" ${k} "), format!(" (v{k}) "), Some(k))),
            text.prop_map(|t| {
                let s = format!("'{}'", t.replace('\'', "''"));
                (s.clone(), s, None)
            }),
            text.prop_map(|t| {
                let s = qsorm_ident::quote_ident(&t);
                (s.clone(), s, None)
            }),
            "[a-z $0-9'\"*/]{0,8}".prop_map(|t| {
                let s = format!("-- {t}\n");
                (s.clone(), s, None)
            }),
            "[a-z $0-9'\"]{0,8}".prop_map(|t| {
                let s = format!("/* {t} */");
                (s.clone(), s, None)
            }),
            "[a-z 0-9'\"*/-]{0,8}".prop_map(|t| {
                let s = format!(" $q${t}$1$q$ ");
                (s.clone(), s, None)
            }),
            "[a-z ,()+]{0,6}".prop_map(|t| (t.clone(), t, None)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn placeholders_are_found_exactly_where_they_are(parts in prop::collection::vec(fragment(), 0..12)) {
            let sql: String = parts.iter().map(|p| p.0.as_str()).collect();
            let expected: String = parts.iter().map(|p| p.1.as_str()).collect();
            let max = parts.iter().filter_map(|p| p.2).max().unwrap_or(0);
            let used: std::collections::BTreeSet<usize> = parts.iter().filter_map(|p| p.2).collect();
            let got = inline(&sql, max, |i| Ok::<_, ()>(format!("v{}", i + 1)));
            if used.len() == max {
                prop_assert_eq!(got, Ok(Ok(expected)));
            } else {
                let first_unused = (1..=max).find(|k| !used.contains(k)).unwrap_or(0);
                prop_assert_eq!(got, Err(PlaceholderError::Unused { index: first_unused }));
            }
        }
    }
}
