//! String literals: Query Service's `chr()` form, PostgreSQL's string constants and Spark's
//! single-token literals.

/// The NUL character: neither PostgreSQL nor Query Service text can hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the value contains a NUL character (\\0), which PostgreSQL and Query Service text cannot hold"
)]
pub struct NulCharacter;

/// Whether a character is written as `chr(n)` rather than between quotes: a quote, a
/// backslash, a control character, and a `$` before a `{` (`next`): Spark substitutes
/// `${name}` anywhere in a statement's text, string literals included, before it parses it
/// (`spark.sql.variable.substitute`, on by default: `'${x}'` reads as `''`, `'${env:HOME}'` as
/// the server's home directory), so `${` never appears in the text.
fn needs_chr(c: char, next: Option<char>) -> bool {
    matches!(c, '\'' | '\\' | '\u{1}'..='\u{1f}' | '\u{7f}') || (c == '$' && next == Some('{'))
}

/// Concatenations are grouped by this many operands, so the expression tree stays shallow
/// (a string of 10,000 lines nests 4 levels deep, not 20,000).
const CONCAT_GROUP: usize = 16;

fn concat(pieces: Vec<String>) -> String {
    if pieces.len() <= 1 {
        return pieces.into_iter().next().unwrap_or_else(|| "''".to_owned());
    }
    if pieces.len() <= CONCAT_GROUP {
        return format!("({})", pieces.join("||"));
    }
    let groups: Vec<String> = pieces
        .chunks(CONCAT_GROUP)
        .map(|g| concat(g.to_vec()))
        .collect();
    concat(groups)
}

/// A string as an expression a Spark-style lexer and PostgreSQL's (in either
/// `standard_conforming_strings` mode) read alike: quotes, backslashes, control characters
/// and the `$` of a `${` (Spark's variable substitution) as `chr(n)`, concatenated and
/// parenthesised without spaces (`('a'||chr(10)||'b')`: every byte of a row counts against the
/// statement cap); a string without them is one quoted literal. A NUL character is refused.
/// (Query Service's form; on PostgreSQL it is of type `text`.)
pub fn string_literal(s: &str) -> Result<String, NulCharacter> {
    let mut pieces = Vec::new();
    let mut run = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\0' {
            return Err(NulCharacter);
        }
        if needs_chr(c, chars.peek().copied()) {
            if !run.is_empty() {
                pieces.push(format!("'{run}'"));
                run.clear();
            }
            pieces.push(format!("chr({})", u32::from(c)));
        } else {
            run.push(c);
        }
    }
    if !run.is_empty() || pieces.is_empty() {
        pieces.push(format!("'{run}'"));
    }
    Ok(concat(pieces))
}

/// A PostgreSQL string constant (type `unknown`, typed by its context) that reads the same
/// whatever `standard_conforming_strings` says: `'...'` with quotes doubled, or, when the
/// string holds a backslash, dollar-quoted with a tag the string does not contain
/// (`$q$a\b$q$`). No escape is read inside either form. A NUL character is refused.
pub fn pg_string_literal(s: &str) -> Result<String, NulCharacter> {
    if s.contains('\0') {
        return Err(NulCharacter);
    }
    if !s.contains('\\') {
        return Ok(format!("'{}'", s.replace('\'', "''")));
    }
    // `$tag` absent from the string: the first `$tag$` after the opening one is the closing
    // one (its only self-overlap is the `$`).
    let tag = (0u32..)
        .map(|n| {
            if n == 0 {
                "q".to_owned()
            } else {
                format!("q{n}")
            }
        })
        .find(|tag| !s.contains(&format!("${tag}")))
        .unwrap_or_default();
    Ok(format!("${tag}${s}${tag}$"))
}

/// A string literal for a Query Service clause that takes exactly one literal token (CTAS
/// `WITH (schema='...')` options, `NAMESPACE '...'`): read only by Query Service's
/// Spark-style parser, which reads a backslash as an escape, so `\` and `'` are escaped
/// with one (`'O\'Brien'`), and so is the `{` of a `${` (`'$\{x}'`: Spark substitutes
/// `${name}` in the statement text before parsing; on Spark 4.3, `'$\{x}'` reads `${x}`). A
/// NUL character is refused.
pub fn spark_string_literal(s: &str) -> Result<String, NulCharacter> {
    if s.contains('\0') {
        return Err(NulCharacter);
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    let mut previous = None;
    for c in s.chars() {
        if c == '\\' || c == '\'' || (c == '{' && previous == Some('$')) {
            out.push('\\');
        }
        out.push(c);
        previous = Some(c);
    }
    out.push('\'');
    Ok(out)
}
