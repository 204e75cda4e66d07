//! Query Service metadata the storage PostgreSQL does not hold by itself: which tables were
//! created through Query Service (only those may be dropped), primary and foreign keys
//! declared as metadata (`ALTER TABLE t ADD CONSTRAINT PRIMARY KEY (c) NAMESPACE 'ns'`), and
//! the `SHOW ...` listings.

use qsorm_ident::quote_ident;

use crate::error::{QsError, sqlstate};
use crate::plan::Plan;

/// The schema holding the server's bookkeeping (not visible to clients' queries).
pub const SCHEMA: &str = "qsorm_query_service";

/// Creates the bookkeeping tables (idempotent).
pub const SETUP: &str = "CREATE SCHEMA IF NOT EXISTS qsorm_query_service;
CREATE TABLE IF NOT EXISTS qsorm_query_service.created_tables (name text PRIMARY KEY);
CREATE TABLE IF NOT EXISTS qsorm_query_service.primary_keys (
  table_name text NOT NULL, column_name text NOT NULL, namespace text,
  PRIMARY KEY (table_name, column_name));
CREATE TABLE IF NOT EXISTS qsorm_query_service.foreign_keys (
  table_name text NOT NULL, column_name text NOT NULL,
  referenced_table text NOT NULL, referenced_column text NOT NULL,
  PRIMARY KEY (table_name, column_name))";

/// `SHOW TABLES`: name, datasetId, dataset, description, resolved. Objects of extensions
/// (pg_stat_statements' views in the sandbox's template) are not datasets.
pub const SHOW_TABLES: &str = "SELECT c.relname::text AS name, \
  lpad(to_hex(c.oid::bigint), 24, '0') AS \"datasetId\", c.relname::text AS dataset, \
  coalesce(obj_description(c.oid, 'pg_class'), '') AS description, 'true'::text AS resolved \
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
  WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname = ANY (current_schemas(false)) \
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass \
    AND d.objid = c.oid AND d.deptype = 'e') \
  ORDER BY 1";

/// `SHOW PRIMARY KEYS`: tableName, columnName, datatype, namespace (declared keys and keys
/// added as metadata).
pub const SHOW_PRIMARY_KEYS: &str = "SELECT * FROM (\
  SELECT c.relname::text AS \"tableName\", a.attname::text AS \"columnName\", \
    format_type(a.atttypid, a.atttypmod) AS datatype, NULL::text AS namespace \
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
  JOIN pg_namespace n ON n.oid = c.relnamespace \
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (k.conkey) \
  WHERE k.contype = 'p' AND n.nspname = ANY (current_schemas(false)) \
  UNION ALL \
  SELECT p.table_name, p.column_name, \
    format_type(a.atttypid, a.atttypmod), p.namespace \
  FROM qsorm_query_service.primary_keys p \
  JOIN pg_attribute a ON a.attrelid = to_regclass(p.table_name) AND a.attname = p.column_name\
  ) k ORDER BY 1, 2";

/// `SHOW FOREIGN KEYS`: tableName, columnName, datatype, referencedTableName,
/// referencedColumnName.
pub const SHOW_FOREIGN_KEYS: &str = "SELECT * FROM (\
  SELECT c.relname::text AS \"tableName\", a.attname::text AS \"columnName\", \
    format_type(a.atttypid, a.atttypmod) AS datatype, \
    r.relname::text AS \"referencedTableName\", ra.attname::text AS \"referencedColumnName\" \
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
  JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_class r ON r.oid = k.confrelid \
  CROSS JOIN LATERAL unnest(k.conkey, k.confkey) AS u(col, rcol) \
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.col \
  JOIN pg_attribute ra ON ra.attrelid = r.oid AND ra.attnum = u.rcol \
  WHERE k.contype = 'f' AND n.nspname = ANY (current_schemas(false)) \
  UNION ALL \
  SELECT f.table_name, f.column_name, format_type(a.atttypid, a.atttypmod), \
    f.referenced_table, f.referenced_column \
  FROM qsorm_query_service.foreign_keys f \
  JOIN pg_attribute a ON a.attrelid = to_regclass(f.table_name) AND a.attname = f.column_name\
  ) k ORDER BY 1, 2";

/// `SHOW DATABASES`.
pub const SHOW_DATABASES: &str = "SELECT current_setting('qsorm.sandbox', true) || ':all' AS name";

/// `SHOW SCHEMAS`.
pub const SHOW_SCHEMAS: &str = "SELECT nspname::text AS name FROM pg_namespace \
  WHERE nspname !~ '^pg_' AND nspname NOT IN ('information_schema', 'qsorm_query_service') ORDER BY 1";

/// A key declared as metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatement {
    /// `ADD CONSTRAINT PRIMARY KEY (cols) NAMESPACE 'ns'` (also `PRIMARY IDENTITY`).
    PrimaryKey {
        /// Table.
        table: String,
        /// Columns.
        columns: Vec<String>,
        /// Identity namespace.
        namespace: Option<String>,
    },
    /// `ADD CONSTRAINT FOREIGN KEY (col) REFERENCES t2(col)`.
    ForeignKey {
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// Referenced table.
        referenced_table: String,
        /// Referenced column.
        referenced_column: String,
    },
    /// `ADD COLUMN name type`, run on the storage.
    AddColumn(String),
}

impl KeyStatement {
    /// As a plan.
    pub fn into_plan(self) -> Plan {
        match self {
            KeyStatement::AddColumn(sql) => Plan::Run(sql),
            other => Plan::Metadata(other),
        }
    }
}

/// Simple words of a statement: identifiers (quotes removed), parentheses, commas, string
/// literals kept with their quotes.
fn words(sql: &str) -> Result<Vec<String>, QsError> {
    let mut out = Vec::new();
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == ')' || c == ',' || c == '.' || c == '=' {
            out.push(c.to_string());
            i += 1;
        } else if c == '\'' || c == '"' || c == '`' {
            let mut j = i + 1;
            let mut s = String::new();
            while j < chars.len() && chars[j] != c {
                if chars[j] == '\\' && c == '\'' && j + 1 < chars.len() {
                    j += 1;
                }
                s.push(chars[j]);
                j += 1;
            }
            if j >= chars.len() {
                return Err(QsError::new(sqlstate::SYNTAX_ERROR, "unterminated quote"));
            }
            out.push(if c == '\'' {
                format!("'{s}")
            } else {
                format!("\"{s}")
            });
            i = j + 1;
        } else {
            let mut j = i;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j == i {
                return Err(QsError::new(
                    sqlstate::SYNTAX_ERROR,
                    format!("unexpected character {c:?}"),
                ));
            }
            out.push(chars[i..j].iter().collect());
            i = j;
        }
    }
    Ok(out)
}

fn ident(w: &str) -> Result<String, QsError> {
    if let Some(q) = w.strip_prefix('"') {
        return Ok(q.to_owned());
    }
    if w.starts_with('\'') || !w.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(QsError::new(
            sqlstate::SYNTAX_ERROR,
            format!("expected a name, found {w}"),
        ));
    }
    Ok(w.to_lowercase())
}

/// A possibly qualified name starting at `i`; returns the name and the next index.
fn name_at(w: &[String], mut i: usize) -> Result<(String, usize), QsError> {
    let mut parts = vec![ident(w.get(i).map(String::as_str).unwrap_or(""))?];
    i += 1;
    while w.get(i).map(String::as_str) == Some(".") {
        parts.push(ident(w.get(i + 1).map(String::as_str).unwrap_or(""))?);
        i += 2;
    }
    Ok((parts.join("."), i))
}

fn list_at(w: &[String], mut i: usize) -> Result<(Vec<String>, usize), QsError> {
    if w.get(i).map(String::as_str) != Some("(") {
        return Err(QsError::new(sqlstate::SYNTAX_ERROR, "expected ("));
    }
    i += 1;
    let mut out = Vec::new();
    loop {
        out.push(ident(w.get(i).map(String::as_str).unwrap_or(""))?);
        i += 1;
        match w.get(i).map(String::as_str) {
            Some(",") => i += 1,
            Some(")") => return Ok((out, i + 1)),
            _ => return Err(QsError::new(sqlstate::SYNTAX_ERROR, "expected , or )")),
        }
    }
}

fn upper(w: &[String], i: usize) -> String {
    w.get(i).map(|s| s.to_ascii_uppercase()).unwrap_or_default()
}

/// The `ALTER TABLE` forms Query Service documents.
pub fn alter_table(sql: &str) -> Result<KeyStatement, QsError> {
    let w = words(sql)?;
    let (table, mut i) = name_at(&w, 2)?;
    if upper(&w, i) != "ADD" {
        return Err(QsError::unsupported("this ALTER TABLE form")
            .hint("documented: ADD CONSTRAINT PRIMARY KEY / FOREIGN KEY, ADD COLUMN"));
    }
    i += 1;
    if upper(&w, i) == "COLUMN" {
        return add_column(&w, &table, i + 1);
    }
    if upper(&w, i) == "CONSTRAINT" {
        i += 1;
    }
    match (upper(&w, i).as_str(), upper(&w, i + 1).as_str()) {
        ("PRIMARY", "KEY") | ("PRIMARY", "IDENTITY") => {
            let (columns, j) = list_at(&w, i + 2)?;
            let namespace = if upper(&w, j) == "NAMESPACE" {
                let ns = w
                    .get(j + 1)
                    .and_then(|s| s.strip_prefix('\''))
                    .ok_or_else(|| {
                        QsError::new(sqlstate::SYNTAX_ERROR, "NAMESPACE needs a string literal")
                    })?;
                Some(ns.to_owned())
            } else if j < w.len() {
                return Err(QsError::new(
                    sqlstate::SYNTAX_ERROR,
                    format!("unexpected {}", w[j]),
                ));
            } else {
                None
            };
            Ok(KeyStatement::PrimaryKey {
                table,
                columns,
                namespace,
            })
        }
        ("FOREIGN", "KEY") => {
            let (cols, j) = list_at(&w, i + 2)?;
            if upper(&w, j) != "REFERENCES" || cols.len() != 1 {
                return Err(QsError::new(
                    sqlstate::SYNTAX_ERROR,
                    "expected FOREIGN KEY (column) REFERENCES table(column)",
                ));
            }
            let (referenced_table, k) = name_at(&w, j + 1)?;
            let (rcols, _) = list_at(&w, k)?;
            Ok(KeyStatement::ForeignKey {
                table,
                column: cols[0].clone(),
                referenced_table,
                referenced_column: rcols.first().cloned().unwrap_or_default(),
            })
        }
        _ => Err(QsError::unsupported("this ALTER TABLE ... ADD form")),
    }
}

/// `ADD COLUMN name type` with the documented types.
fn add_column(w: &[String], table: &str, i: usize) -> Result<KeyStatement, QsError> {
    let name = ident(w.get(i).map(String::as_str).unwrap_or(""))?;
    let ty = match upper(w, i + 1).as_str() {
        "BIGINT" => "bigint",
        "INTEGER" | "INT" => "integer",
        "SMALLINT" | "TINYINT" => "smallint",
        "VARCHAR" | "STRING" => "text",
        "DOUBLE" => "double precision",
        "DATE" => "date",
        "DATETIME" | "TIMESTAMP" => "timestamp",
        "CHAR" => "char",
        other => {
            return Err(QsError::unsupported(format!("ADD COLUMN of type {other}"))
                .hint("documented types: bigint, integer, smallint, tinyint, varchar, double, date, datetime, char"));
        }
    };
    if w.len() > i + 2 {
        return Err(QsError::new(
            sqlstate::SYNTAX_ERROR,
            format!("unexpected {}", w[i + 2]),
        ));
    }
    let q = |s: &str| s.split('.').map(quote_ident).collect::<Vec<_>>().join(".");
    Ok(KeyStatement::AddColumn(format!(
        "ALTER TABLE {} ADD COLUMN {} {ty}",
        q(table),
        quote_ident(&name)
    )))
}

/// A PostgreSQL string literal (standard strings).
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Removes `WITH (key='value', ...)` between the table name and `AS` of a CTAS; the keys
/// must be `schema`, `rowvalidation` or `label`.
pub fn strip_table_options(sql: &str) -> Result<(String, Vec<(String, String)>), QsError> {
    let upper = sql.to_ascii_uppercase();
    let Some(with_at) = upper.find(" WITH (").or_else(|| upper.find(" WITH(")) else {
        return Ok((sql.to_owned(), vec![]));
    };
    let as_at = upper.find(" AS ").or_else(|| upper.find(" AS("));
    if as_at.is_some_and(|a| a < with_at) {
        return Ok((sql.to_owned(), vec![]));
    }
    let open = with_at + upper[with_at..].find('(').unwrap_or(0);
    let close = open
        + sql[open..]
            .find(')')
            .ok_or_else(|| QsError::new(sqlstate::SYNTAX_ERROR, "unterminated WITH ("))?;
    let w = words(&sql[open + 1..close])?;
    let mut options = Vec::new();
    for chunk in w.split(|x| x == ",") {
        let [key, eq, value] = chunk else {
            return Err(QsError::new(
                sqlstate::SYNTAX_ERROR,
                "expected WITH (key='value', ...)",
            ));
        };
        let key = key.to_ascii_lowercase();
        if eq != "=" || !value.starts_with('\'') {
            return Err(QsError::new(
                sqlstate::SYNTAX_ERROR,
                "expected WITH (key='value', ...)",
            ));
        }
        if !["schema", "rowvalidation", "label"].contains(&key.as_str()) {
            return Err(QsError::unsupported(format!("the table option {key:?}"))
                .hint("documented options: schema, rowvalidation, label"));
        }
        options.push((key, value[1..].to_owned()));
    }
    Ok((format!("{}{}", &sql[..with_at], &sql[close + 1..]), options))
}

/// SQL recording a key statement.
pub fn record(stmt: &KeyStatement) -> Vec<String> {
    match stmt {
        KeyStatement::PrimaryKey {
            table,
            columns,
            namespace,
        } => columns
            .iter()
            .map(|c| {
                format!(
                    "INSERT INTO qsorm_query_service.primary_keys VALUES ({}, {}, {}) \
                     ON CONFLICT (table_name, column_name) DO UPDATE SET namespace = EXCLUDED.namespace",
                    literal(table),
                    literal(c),
                    namespace.as_deref().map(literal).unwrap_or_else(|| "NULL".to_owned())
                )
            })
            .collect(),
        KeyStatement::ForeignKey {
            table,
            column,
            referenced_table,
            referenced_column,
        } => vec![format!(
            "INSERT INTO qsorm_query_service.foreign_keys VALUES ({}, {}, {}, {}) \
             ON CONFLICT (table_name, column_name) DO UPDATE SET referenced_table = EXCLUDED.referenced_table, \
             referenced_column = EXCLUDED.referenced_column",
            literal(table),
            literal(column),
            literal(referenced_table),
            literal(referenced_column)
        )],
        KeyStatement::AddColumn(_) => vec![],
    }
}

/// The columns a key names must exist: a query returning the missing ones.
pub fn missing_columns_sql(table: &str, columns: &[String]) -> String {
    let list = columns
        .iter()
        .map(|c| literal(c))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT c FROM unnest(ARRAY[{list}]::text[]) AS c WHERE to_regclass({}) IS NULL OR NOT EXISTS \
         (SELECT 1 FROM pg_attribute a WHERE a.attrelid = to_regclass({}) AND a.attname = c AND a.attnum > 0)",
        literal(table),
        literal(table)
    )
}
