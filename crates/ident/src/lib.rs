//! Identifier quoting for PostgreSQL and Adobe Experience Platform Query Service: the one
//! implementation every qsorm crate uses (also re-exported as `qsorm_connect::ident`).
//!
//! - **PostgreSQL**, double quotes with `"` doubled: [`quote_ident`] always quotes,
//!   [`quote_ident_if_needed`] leaves simple lower-case names that are not reserved words
//!   bare, [`quote_qualified`] and [`quote_qualified_if_needed`] join an optional schema,
//!   [`quote_ident_checked`] refuses what PostgreSQL cannot store, [`unquote_ident`] reads
//!   an identifier back the way PostgreSQL's lexer does.
//! - **Query Service** (a Spark-style parser in front of PostgreSQL), backticks with
//!   backticks doubled: [`qs_ident`].
//!
//! ```
//! use qsorm_ident::{qs_ident, quote_ident, quote_ident_if_needed, quote_qualified};
//!
//! assert_eq!(quote_ident("Order \"x\""), "\"Order \"\"x\"\"\"");
//! assert_eq!(quote_ident_if_needed("orders"), "orders");
//! assert_eq!(quote_ident_if_needed("order"), "\"order\"");
//! assert_eq!(quote_qualified(Some("public"), "t"), "\"public\".\"t\"");
//! assert_eq!(qs_ident("Weird Name"), "`Weird Name`");
//! ```

use std::fmt;

/// PostgreSQL's reserved key words (which must be quoted as identifiers), lower case.
const PG_RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// Keywords that must not be bare Query Service identifiers: Spark's ANSI-mode reserved
/// words and PostgreSQL's reserved ones (both, since a Query Service statement is read by a
/// Spark-style parser and the local server's PostgreSQL).
const QS_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "anti",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "binary",
    "both",
    "by",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "cube",
    "current",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "delete",
    "desc",
    "describe",
    "distinct",
    "do",
    "drop",
    "else",
    "end",
    "escape",
    "except",
    "exists",
    "external",
    "false",
    "fetch",
    "filter",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "function",
    "global",
    "grant",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "insert",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "minus",
    "natural",
    "not",
    "notnull",
    "null",
    "of",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "partition",
    "placing",
    "position",
    "primary",
    "range",
    "references",
    "returning",
    "revoke",
    "right",
    "rlike",
    "rollback",
    "rollup",
    "row",
    "rows",
    "select",
    "semi",
    "session_user",
    "set",
    "similar",
    "some",
    "start",
    "struct",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "unknown",
    "update",
    "user",
    "using",
    "values",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// `name` as a PostgreSQL identifier, always double-quoted, `"` doubled. Nothing is refused
/// (see [`quote_ident_checked`]); PostgreSQL itself refuses a NUL and truncates a name to
/// 63 bytes.
///
/// ```
/// assert_eq!(qsorm_ident::quote_ident("orders"), "\"orders\"");
/// assert_eq!(qsorm_ident::quote_ident("a\"b"), "\"a\"\"b\"");
/// ```
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Why [`quote_ident_checked`] refused an identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentError {
    /// The name is empty (PostgreSQL refuses the zero-length identifier `""`).
    Empty,
    /// The name contains a NUL character, at this byte offset (PostgreSQL cannot store one).
    Nul {
        /// Byte offset of the first NUL.
        at: usize,
    },
}

impl fmt::Display for IdentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentError::Empty => f.write_str("identifier is empty"),
            IdentError::Nul { at } => write!(f, "identifier contains NUL at byte {at}"),
        }
    }
}

impl std::error::Error for IdentError {}

/// [`quote_ident`], refusing exactly the empty name ([`IdentError::Empty`]) and a name
/// containing the NUL character U+0000 ([`IdentError::Nul`]); every other string is quoted.
///
/// ```
/// use qsorm_ident::{IdentError, quote_ident_checked};
///
/// assert_eq!(quote_ident_checked("app").unwrap(), "\"app\"");
/// assert_eq!(quote_ident_checked(""), Err(IdentError::Empty));
/// assert_eq!(quote_ident_checked("a\0b"), Err(IdentError::Nul { at: 1 }));
/// ```
pub fn quote_ident_checked(name: &str) -> Result<String, IdentError> {
    if name.is_empty() {
        return Err(IdentError::Empty);
    }
    if let Some(at) = name.find('\0') {
        return Err(IdentError::Nul { at });
    }
    Ok(quote_ident(name))
}

/// `name` as a PostgreSQL identifier, bare when that reads the same: a lower-case ASCII
/// letter or `_`, then lower-case ASCII letters, digits, `_` and `$`, and not a reserved key
/// word; otherwise [`quote_ident`]. Close to PostgreSQL's `quote_ident()`, which also quotes
/// a `$` and the non-reserved key words that cannot be column names (`int`, `between`, ...);
/// both leave the name meaning the same.
///
/// ```
/// use qsorm_ident::quote_ident_if_needed;
///
/// assert_eq!(quote_ident_if_needed("orders"), "orders");
/// assert_eq!(quote_ident_if_needed("order"), "\"order\"");
/// assert_eq!(quote_ident_if_needed("Größe"), "\"Größe\"");
/// assert_eq!(quote_ident_if_needed("a\"b"), "\"a\"\"b\"");
/// ```
pub fn quote_ident_if_needed(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
        && !PG_RESERVED.contains(&name);
    if plain {
        name.to_owned()
    } else {
        quote_ident(name)
    }
}

/// `"schema"."name"`, or `"name"` without a schema, each part [`quote_ident`].
///
/// ```
/// use qsorm_ident::quote_qualified;
///
/// assert_eq!(quote_qualified(Some("web"), "Events"), "\"web\".\"Events\"");
/// assert_eq!(quote_qualified(None, "events"), "\"events\"");
/// ```
pub fn quote_qualified(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(name)),
        None => quote_ident(name),
    }
}

/// `schema.name`, or `name` without a schema, each part [`quote_ident_if_needed`].
///
/// ```
/// use qsorm_ident::quote_qualified_if_needed;
///
/// assert_eq!(quote_qualified_if_needed(Some("web"), "Events"), "web.\"Events\"");
/// assert_eq!(quote_qualified_if_needed(None, "user"), "\"user\"");
/// ```
pub fn quote_qualified_if_needed(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(schema) => format!(
            "{}.{}",
            quote_ident_if_needed(schema),
            quote_ident_if_needed(name)
        ),
        None => quote_ident_if_needed(name),
    }
}

/// The name one PostgreSQL identifier stands for, read by PostgreSQL's lexer rules: a
/// quoted identifier (`"..."`, `""` standing for `"`, not empty) as written, a bare one
/// (an ASCII letter, `_` or any non-ASCII character, then those, digits and `$`) with ASCII letters folded to lower
/// case. `None` when `text` is not exactly one identifier (`U&"..."` is not read). The
/// inverse of [`quote_ident`] and [`quote_ident_if_needed`].
///
/// ```
/// use qsorm_ident::unquote_ident;
///
/// assert_eq!(unquote_ident("\"a\"\"B\"").as_deref(), Some("a\"B"));
/// assert_eq!(unquote_ident("Orders").as_deref(), Some("orders"));
/// assert_eq!(unquote_ident("\"a\"b"), None);
/// assert_eq!(unquote_ident("\"\""), None);
/// ```
pub fn unquote_ident(text: &str) -> Option<String> {
    let Some(body) = text.strip_prefix('"') else {
        let mut chars = text.chars();
        let first = chars.next()?;
        let start = first.is_ascii_alphabetic() || first == '_' || !first.is_ascii();
        let rest =
            chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii());
        return (start && rest).then(|| text.to_ascii_lowercase());
    };
    let mut name = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            name.push(c);
            continue;
        }
        let after = chars.as_str();
        if let Some(rest) = after.strip_prefix('"') {
            name.push('"');
            chars = rest.chars();
        } else if after.is_empty() && !name.is_empty() {
            return Some(name);
        } else {
            return None;
        }
    }
    None
}

/// `name` as a Query Service identifier: bare when simple (a lower-case ASCII letter or `_`,
/// then lower-case ASCII letters, digits and `_`, and not a Spark ANSI or PostgreSQL
/// reserved word), otherwise in backticks with backticks doubled. Nothing is refused and
/// nothing else is changed: a `${` in a name is written as is, and Query Service's Spark
/// engine substitutes `${name}` in a statement's text before parsing it, backticks included
/// (the string-literal workaround `$\{` does not apply: a backslash is no escape inside
/// backticks), so a name containing `${` cannot be written safely.
///
/// ```
/// use qsorm_ident::qs_ident;
///
/// assert_eq!(qs_ident("page_2"), "page_2");
/// assert_eq!(qs_ident("order"), "`order`");
/// assert_eq!(qs_ident("Weird Name"), "`Weird Name`");
/// assert_eq!(qs_ident("a`b"), "`a``b`");
/// assert_eq!(qs_ident(""), "``");
/// ```
pub fn qs_ident(name: &str) -> String {
    let simple = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !QS_KEYWORDS.contains(&name);
    if simple {
        name.to_owned()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_lists_are_sorted_lower_case_and_nested() {
        for list in [PG_RESERVED, QS_KEYWORDS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]));
            assert!(
                list.iter()
                    .all(|w| w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            );
        }
        assert!(PG_RESERVED.iter().all(|w| QS_KEYWORDS.contains(w)));
    }

    #[test]
    fn reserved_words_are_quoted() {
        assert_eq!(quote_ident_if_needed("select"), "\"select\"");
        assert_eq!(quote_ident_if_needed("a$1"), "a$1");
        assert_eq!(quote_ident_if_needed("$a"), "\"$a\"");
        assert_eq!(quote_ident_if_needed(""), "\"\"");
        assert_eq!(qs_ident("select"), "`select`");
        assert_eq!(qs_ident("struct"), "`struct`");
        assert_eq!(qs_ident("a$1"), "`a$1`");
        assert_eq!(qs_ident("2fa"), "`2fa`");
        // Written as is (see the documentation): no escape keeps Spark from substituting it.
        assert_eq!(qs_ident("a${x}"), "`a${x}`");
    }
}
