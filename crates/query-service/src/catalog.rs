//! The catalog queries Query Service answers: the ones psql 15's `\d` family sends to a server
//! that reports version 0.1.0 (recorded from psql, kept as fixtures in `fixtures/psql/`).
//! A query is matched by its shape: string literals masked, whitespace collapsed. Anything
//! else that reads `pg_catalog`, `information_schema` or a `pg_*` relation is refused.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::error::{QsError, sqlstate};

/// The recorded queries, separated by `-- next query` lines.
const FIXTURES: &str = include_str!("../fixtures/psql15.sql");

fn shapes() -> &'static HashSet<String> {
    static SHAPES: OnceLock<HashSet<String>> = OnceLock::new();
    SHAPES.get_or_init(|| {
        FIXTURES
            .split("\n-- next query\n")
            .filter(|q| !q.trim_start().starts_with("--"))
            .map(shape)
            .filter(|s| !s.is_empty())
            .collect()
    })
}

/// The query with every string literal replaced by `?` and whitespace collapsed.
pub fn shape(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    let mut space = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // PostgreSQL literal: '' doubles a quote; after E, a backslash escapes.
            let escaped = out.ends_with('E') || out.ends_with('e');
            i += 1;
            while i < chars.len() {
                if escaped && chars[i] == '\\' {
                    i += 2;
                    continue;
                }
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            out.push('?');
            i += 1;
            space = false;
            continue;
        }
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
        i += 1;
    }
    out.trim_end_matches(';').trim().to_owned()
}

/// Whether a query reads the system catalogs.
pub fn is_catalog_query(sql: &str) -> bool {
    let lower = shape(sql).to_ascii_lowercase();
    lower.contains("pg_catalog")
        || lower.contains("information_schema")
        || lower.contains("qsorm_query_service")
        || lower.match_indices("pg_").any(|(i, _)| {
            i == 0
                || !lower.as_bytes()[i - 1].is_ascii_alphanumeric()
                    && lower.as_bytes()[i - 1] != b'_'
        })
}

/// The PostgreSQL text to run for an allowed catalog query, or a refusal.
pub fn admit(sql: &str) -> Result<String, QsError> {
    let s = shape(sql);
    if shapes().contains(&s) {
        return Ok(compat(sql));
    }
    if std::env::var_os("QSORM_QS_RECORD_CATALOG").is_some() {
        tracing::warn!(target: "qsorm_query_service::catalog", "recording catalog query:\n{sql}\n-- next query");
        return Ok(compat(sql));
    }
    Err(QsError::new(
        sqlstate::FEATURE_NOT_SUPPORTED,
        "catalog queries are not supported by Query Service beyond those psql's \\d commands send",
    )
    .hint("list tables with SHOW TABLES, keys with SHOW PRIMARY KEYS, columns with SELECT * FROM t WHERE 1=0"))
}

/// psql picks its oldest query forms for a 0.1.0 server; a few name catalog columns the
/// storage PostgreSQL no longer has.
fn compat(sql: &str) -> String {
    sql.replace("c.relhasoids", "false")
}
