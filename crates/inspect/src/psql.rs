//! The catalog queries psql 15 sends for `\d`, copied verbatim from the recording the local
//! Query Service admits (`crates/query-service/fixtures/psql15.sql`): the Query Service
//! reflection sends exactly these texts, with only their string literals changed (a name
//! pattern, a relation oid). Query Service documents psql's meta-commands, not raw catalog
//! SQL, so nothing else reads the catalog there.

use crate::error::InspectError;

/// `\d` without argument: every visible relation with its kind (`Schema`, `Name`, `Type`,
/// `Owner`).
pub(crate) const LIST_RELATIONS: &str = r#"SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r','p','v','m','S','f','')
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2;"#;

/// `\d name`, first step: the visible relation(s) whose name matches the pattern
/// (`oid`, `nspname`, `relname`). The literal is a regular expression: `^(name)$`.
pub(crate) const LOOKUP: &str = r#"SELECT c.oid,
  n.nspname,
  c.relname
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname OPERATOR(pg_catalog.~) '^(web_events)$'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 2, 3;"#;

/// `\d schema.name`, first step: the same lookup in a named schema (no visibility test).
pub(crate) const LOOKUP_IN_SCHEMA: &str = r#"SELECT c.oid,
  n.nspname,
  c.relname
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname OPERATOR(pg_catalog.~) '^(web_events)$'
  AND n.nspname OPERATOR(pg_catalog.~) '^(public)$'
ORDER BY 2, 3;"#;

/// `\d name` on a composite type (or a view, a table): its columns by `attnum` (`attname`,
/// `format_type`, default, `attnotnull`, collation, identity, generated).
pub(crate) const COLUMNS: &str = r#"SELECT a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)
   FROM pg_catalog.pg_attrdef d
   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
  a.attnotnull,
  (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t
   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,
  ''::pg_catalog.char AS attidentity,
  ''::pg_catalog.char AS attgenerated
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = '16454' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;"#;

/// `\d+ name` on a table: the same plus storage, statistics target and the column comment.
pub(crate) const COLUMNS_VERBOSE: &str = r#"SELECT a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)
   FROM pg_catalog.pg_attrdef d
   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
  a.attnotnull,
  (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t
   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,
  ''::pg_catalog.char AS attidentity,
  ''::pg_catalog.char AS attgenerated,
  a.attstorage,
  CASE WHEN a.attstattarget=-1 THEN NULL ELSE a.attstattarget END AS attstattarget,
  pg_catalog.col_description(a.attrelid, a.attnum)
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = '16454' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;"#;

/// The pattern literal in the recorded lookups.
const RECORDED_PATTERN: &str = "'^(web_events)$'";
/// The schema pattern literal in the recorded qualified lookup.
const RECORDED_SCHEMA_PATTERN: &str = "'^(public)$'";
/// The oid literal in the recorded column queries.
const RECORDED_OID: &str = "'16454'";

/// A standard string literal (quotes doubled; backslashes are plain characters, as with
/// `standard_conforming_strings` on, which is how psql writes its patterns).
fn literal(text: &str) -> Result<String, InspectError> {
    if text.contains('\0') {
        return Err(InspectError::InvalidName {
            name: text.to_owned(),
        });
    }
    Ok(format!("'{}'", text.replace('\'', "''")))
}

/// `template` with its one recorded literal replaced.
fn substitute(template: &str, recorded: &str, literal: &str) -> String {
    debug_assert_eq!(template.matches(recorded).count(), 1, "{recorded}");
    template.replacen(recorded, literal, 1)
}

/// A name as it appears inside a psql pattern: regular-expression characters escaped,
/// as psql escapes them inside a double-quoted name.
fn escape_regex(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if "|*+?()[]{}.^$\\".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `^(a|b|c)$`: the pattern psql sends for `\d a|b|c` (names matched exactly).
pub(crate) fn names_pattern<S: AsRef<str>>(names: &[S]) -> String {
    let alternatives: Vec<String> = names.iter().map(|n| escape_regex(n.as_ref())).collect();
    format!("^({})$", alternatives.join("|"))
}

/// The lookup of `names` among the visible relations (`\d a|b|c`).
pub(crate) fn lookup<S: AsRef<str>>(names: &[S]) -> Result<String, InspectError> {
    Ok(substitute(
        LOOKUP,
        RECORDED_PATTERN,
        &literal(&names_pattern(names))?,
    ))
}

/// The lookup of `names` in `schema` (`\d schema.a|b|c`).
pub(crate) fn lookup_in_schema<S: AsRef<str>>(
    schema: &str,
    names: &[S],
) -> Result<String, InspectError> {
    let sql = substitute(
        LOOKUP_IN_SCHEMA,
        RECORDED_PATTERN,
        &literal(&names_pattern(names))?,
    );
    Ok(substitute(
        &sql,
        RECORDED_SCHEMA_PATTERN,
        &literal(&names_pattern(&[schema]))?,
    ))
}

/// The columns of relation `oid` (`\d`: composite types).
pub(crate) fn columns(oid: &str) -> Result<String, InspectError> {
    Ok(substitute(COLUMNS, RECORDED_OID, &literal(oid)?))
}

/// The columns of relation `oid` with their comments (`\d+`: tables and views).
pub(crate) fn columns_verbose(oid: &str) -> Result<String, InspectError> {
    Ok(substitute(COLUMNS_VERBOSE, RECORDED_OID, &literal(oid)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_regular_expression_characters() {
        assert_eq!(names_pattern(&["web_events"]), "^(web_events)$");
        assert_eq!(names_pattern(&["a", "b.c", "x$y|z"]), r"^(a|b\.c|x\$y\|z)$");
        assert_eq!(
            names_pattern(&[r"back\slash (1)"]),
            r"^(back\\slash \(1\))$"
        );
    }

    #[test]
    fn only_the_literals_change() {
        let sql = lookup(&["orders", "it's"]).expect("sql");
        assert!(
            sql.contains("OPERATOR(pg_catalog.~) '^(orders|it''s)$'"),
            "{sql}"
        );
        assert_eq!(
            sql.replace("'^(orders|it''s)$'", RECORDED_PATTERN),
            LOOKUP,
            "nothing else changes"
        );
        let sql = lookup_in_schema("Sales-EU", &["orders"]).expect("sql");
        assert!(
            sql.contains("n.nspname OPERATOR(pg_catalog.~) '^(Sales-EU)$'"),
            "{sql}"
        );
        assert_eq!(
            columns("42").expect("sql"),
            COLUMNS.replace("'16454'", "'42'")
        );
        assert!(
            columns_verbose("7")
                .expect("sql")
                .contains("a.attrelid = '7'")
        );
        assert!(lookup(&["a\0b"]).is_err());
    }

    /// The texts are the recorded ones: the local Query Service admits them (it matches
    /// queries by shape, literals masked), with any literal.
    #[test]
    fn the_local_query_service_admits_every_text() {
        use qsorm_query_service::catalog::admit;
        for sql in [
            LIST_RELATIONS.to_owned(),
            lookup(&["a", "b.c"]).expect("sql"),
            lookup_in_schema("s", &["t"]).expect("sql"),
            columns("123").expect("sql"),
            columns_verbose("123").expect("sql"),
        ] {
            assert!(admit(&sql).is_ok(), "refused:\n{sql}");
        }
    }
}
