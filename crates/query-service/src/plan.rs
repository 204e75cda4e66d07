//! What one client statement becomes: PostgreSQL to run on the storage server (with the
//! checks and bookkeeping around it), or a refusal with a SQLSTATE.

use sqlparser::ast::{
    Expr, LimitClause, ObjectType, Query, SetExpr, Statement, Value, ValueWithSpan,
};

use crate::error::{QsError, sqlstate};
use crate::{dialect, meta};

/// The interactive limits.
#[derive(Debug, Clone, Copy)]
pub struct RowLimits {
    /// Rows returned without an explicit LIMIT (50,000).
    pub default_cap: u64,
    /// The largest LIMIT accepted (100,000); above it 53400.
    pub max_limit: u64,
}

impl Default for RowLimits {
    fn default() -> Self {
        RowLimits {
            default_cap: 50_000,
            max_limit: 100_000,
        }
    }
}

/// A statement ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// A query: PostgreSQL text; complex columns become JSON when `auto_to_json` is on.
    Select(String),
    /// `INSERT INTO table SELECT ...`: typed against the table's columns before it runs.
    Insert {
        /// The target table as written.
        table: String,
        /// The statement as parsed (Query Service dialect, not yet rewritten: it is typed
        /// first, then written as PostgreSQL). Parsed once: literal batches run to megabytes.
        statement: Box<Statement>,
    },
    /// CTAS: run, then record the table as created through Query Service.
    CreateTableAs {
        /// Table name.
        table: String,
        /// PostgreSQL text.
        sql: String,
    },
    /// `DROP TABLE`: allowed for tables created through Query Service only.
    DropTable {
        /// Table name.
        table: String,
        /// PostgreSQL text.
        sql: String,
    },
    /// `DECLARE name CURSOR FOR <select>`: what `FETCH` returns are the query's rows, so
    /// complex columns become JSON when `auto_to_json` is on, as for [`Plan::Select`].
    Declare {
        /// `DECLARE name ... CURSOR` as written.
        head: String,
        /// The query, PostgreSQL text.
        query: String,
    },
    /// Any other statement run as is (after translation).
    Run(String),
    /// Primary-key / foreign-key metadata: recorded, not enforced.
    Metadata(meta::KeyStatement),
    /// `SET name = value` handled by the server.
    Set {
        /// Lowercase name.
        name: String,
        /// Value as text.
        value: String,
    },
    /// `SHOW name` of a session setting.
    ShowSetting(String),
    /// `SHOW TABLES`, `SHOW PRIMARY KEYS`, `SHOW FOREIGN KEYS`, ... as a query on the metadata.
    Show(String),
}

fn first_words(sql: &str, n: usize) -> Vec<String> {
    sql.split(|c: char| c.is_whitespace() || c == '(')
        .filter(|w| !w.is_empty())
        .take(n)
        .map(|w| w.to_ascii_uppercase())
        .collect()
}

/// Plans one statement (already split, not a catalog query).
pub fn plan(sql: &str, limits: RowLimits) -> Result<Plan, QsError> {
    let words = first_words(sql, 4);
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    match w(0) {
        "SET" => return set(sql),
        "SHOW" => return show(sql, &words),
        "ALTER" if w(1) == "TABLE" => return meta::alter_table(sql).map(|p| p.into_plan()),
        "CREATE" if w(1) == "TABLE" => return create_table_as(sql),
        "BEGIN" | "COMMIT" | "ROLLBACK" | "END" | "FETCH" | "CLOSE" | "DEALLOCATE" => {
            return simple_command(sql);
        }
        "START" if w(1) == "TRANSACTION" => return simple_command(sql),
        "EXECUTE" => return simple_command(sql),
        "DECLARE" => {
            let (head, query) = prefixed_query(sql, "FOR")?;
            return Ok(Plan::Declare { head, query });
        }
        "PREPARE" => {
            let (head, query) = prefixed_query(sql, "AS")?;
            return Ok(Plan::Run(format!("{head} AS {query}")));
        }
        "UPDATE" => {
            return Err(QsError::unsupported("UPDATE")
                .hint("updating a row inside a dataset is not supported; write a new dataset with CREATE TABLE ... AS SELECT"));
        }
        "DELETE" | "TRUNCATE" => {
            return Err(QsError::unsupported(w(0)).hint(
                "datasets cannot be changed row by row; DROP TABLE a dataset you created and create it again",
            ));
        }
        "MERGE" | "COPY" | "GRANT" | "REVOKE" | "VACUUM" | "ANALYZE" | "LOCK" | "LISTEN"
        | "NOTIFY" | "DO" | "CALL" | "COMMENT" | "REINDEX" | "CLUSTER" | "DISCARD" | "RESET" => {
            return Err(QsError::unsupported(w(0)));
        }
        _ => {}
    }
    let mut stmt = dialect::parse(sql)?;
    if let Statement::Insert(_) = &stmt {
        return insert(stmt);
    }
    dialect::to_postgres(&mut stmt)?;
    match &mut stmt {
        Statement::Query(q) => {
            only_select(q)?;
            apply_limits(q, limits)?;
            Ok(Plan::Select(stmt.to_string()))
        }
        Statement::CreateView(v) => {
            if v.materialized {
                return Err(QsError::unsupported("CREATE MATERIALIZED VIEW"));
            }
            only_select(&v.query)?;
            Ok(Plan::Run(stmt.to_string()))
        }
        Statement::Drop {
            object_type, names, ..
        } => match object_type {
            ObjectType::Table if names.len() == 1 => Ok(Plan::DropTable {
                table: names[0].to_string(),
                sql: stmt.to_string(),
            }),
            ObjectType::View => Ok(Plan::Run(stmt.to_string())),
            other => Err(QsError::unsupported(format!("DROP {other}"))),
        },
        Statement::Explain { statement, .. } => match &**statement {
            Statement::Query(_) => Ok(Plan::Run(stmt.to_string())),
            _ => Err(QsError::unsupported("EXPLAIN of anything but a SELECT")),
        },
        other => Err(QsError::unsupported(statement_kind(other))),
    }
}

/// `INSERT INTO t <select>`: no VALUES, ON CONFLICT, RETURNING, OVERWRITE or column list.
/// The statement stays in the Query Service dialect until it is typed.
fn insert(stmt: Statement) -> Result<Plan, QsError> {
    let Statement::Insert(ins) = &stmt else {
        return Err(QsError::unsupported(statement_kind(&stmt)));
    };
    if ins.on.is_some() {
        return Err(QsError::unsupported("INSERT ... ON CONFLICT"));
    }
    if ins.returning.is_some() {
        return Err(QsError::unsupported("INSERT ... RETURNING"));
    }
    if ins.overwrite {
        return Err(QsError::unsupported("INSERT OVERWRITE"));
    }
    let Some(source) = &ins.source else {
        return Err(QsError::unsupported("INSERT without a SELECT"));
    };
    if matches!(*source.body, SetExpr::Values(_)) {
        return Err(QsError::unsupported("INSERT ... VALUES")
            .hint("write INSERT INTO t SELECT 'a' AS col1, 1 AS col2"));
    }
    if !ins.columns.is_empty() {
        return Err(QsError::unsupported("INSERT INTO t (columns) SELECT")
            .hint("select every column of the table, in order"));
    }
    Ok(Plan::Insert {
        table: ins.table.to_string(),
        statement: Box::new(stmt),
    })
}

fn statement_kind(stmt: &Statement) -> String {
    let text = stmt.to_string();
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A query may only read: no data-changing CTEs, no SELECT INTO, no locking.
fn only_select(q: &Query) -> Result<(), QsError> {
    if !q.locks.is_empty() {
        return Err(QsError::unsupported("SELECT ... FOR UPDATE"));
    }
    fn body_ok(b: &SetExpr) -> Result<(), QsError> {
        match b {
            SetExpr::Select(s) if s.into.is_some() => Err(QsError::unsupported("SELECT INTO")),
            SetExpr::Select(_) | SetExpr::Table(_) => Ok(()),
            SetExpr::Query(q) => only_select(q),
            SetExpr::SetOperation { left, right, .. } => {
                body_ok(left)?;
                body_ok(right)
            }
            SetExpr::Values(_) => Err(QsError::unsupported("VALUES")),
            _ => Err(QsError::unsupported(
                "a data-changing statement inside a query",
            )),
        }
    }
    body_ok(&q.body)?;
    if let Some(with) = &q.with {
        for cte in &with.cte_tables {
            only_select(&cte.query)?;
        }
    }
    Ok(())
}

fn literal_u64(e: &Expr) -> Option<u64> {
    match e {
        Expr::Value(ValueWithSpan {
            value: Value::Number(n, _),
            ..
        }) => n.parse().ok(),
        _ => None,
    }
}

/// The 50,000-row default cap, `LIMIT 0` meaning no cap, and LIMIT above 100,000 refused.
pub fn apply_limits(q: &mut Query, limits: RowLimits) -> Result<(), QsError> {
    let cap = || Expr::value(Value::Number(limits.default_cap.to_string(), false));
    match &mut q.limit_clause {
        None => {
            q.limit_clause = Some(LimitClause::LimitOffset {
                limit: Some(cap()),
                offset: None,
                limit_by: vec![],
            });
        }
        Some(LimitClause::LimitOffset { limit, .. }) => match limit.as_ref().map(literal_u64) {
            None => *limit = Some(cap()),
            Some(Some(0)) => *limit = None,
            Some(Some(n)) if n > limits.max_limit => {
                return Err(QsError::new(
                    sqlstate::PROGRAM_LIMIT,
                    format!(
                        "LIMIT {n} is above the interactive maximum of {}",
                        limits.max_limit
                    ),
                )
                .hint("use CREATE TABLE ... AS SELECT (a batch query) for larger results"));
            }
            Some(Some(_)) => {}
            Some(None) => {
                return Err(QsError::unsupported("a LIMIT that is not a number"));
            }
        },
        Some(LimitClause::OffsetCommaLimit { .. }) => {
            return Err(QsError::unsupported("LIMIT offset, count"));
        }
    }
    Ok(())
}

fn set(sql: &str) -> Result<Plan, QsError> {
    let body = sql[3..].trim();
    let (name, value) = body
        .split_once('=')
        .or_else(|| {
            let lower = body.to_ascii_lowercase();
            lower.find(" to ").map(|i| (&body[..i], &body[i + 4..]))
        })
        .ok_or_else(|| QsError::new(sqlstate::SYNTAX_ERROR, "SET needs name = value"))?;
    let name = name.trim().to_ascii_lowercase();
    let value = value.trim().trim_matches('\'').to_owned();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return Err(QsError::new(
            sqlstate::SYNTAX_ERROR,
            format!("invalid setting name {name:?}"),
        ));
    }
    Ok(Plan::Set { name, value })
}

fn show(sql: &str, words: &[String]) -> Result<Plan, QsError> {
    let rest: Vec<&str> = words.iter().skip(1).map(String::as_str).collect();
    let query = match rest.as_slice() {
        ["TABLES", ..] => meta::SHOW_TABLES,
        ["PRIMARY", "KEYS", ..] => meta::SHOW_PRIMARY_KEYS,
        ["FOREIGN", "KEYS", ..] => meta::SHOW_FOREIGN_KEYS,
        ["DATABASES", ..] => meta::SHOW_DATABASES,
        ["SCHEMAS", ..] => meta::SHOW_SCHEMAS,
        [name] => return Ok(Plan::ShowSetting(name.to_ascii_lowercase())),
        _ => return Err(QsError::unsupported(sql)),
    };
    Ok(Plan::Show(query.to_owned()))
}

/// Transaction and cursor commands: a keyword and names only.
fn simple_command(sql: &str) -> Result<Plan, QsError> {
    if sql
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c.is_whitespace() || c == '_' || c == '"')
    {
        Ok(Plan::Run(sql.to_owned()))
    } else {
        Err(QsError::new(
            sqlstate::SYNTAX_ERROR,
            format!(
                "unexpected characters in {:?}",
                first_words(sql, 1).join("")
            ),
        ))
    }
}

/// `DECLARE c CURSOR FOR <select>` / `PREPARE p AS <select>`: the head as is, the query
/// translated.
fn prefixed_query(sql: &str, keyword: &str) -> Result<(String, String), QsError> {
    let upper = sql.to_ascii_uppercase();
    let needle = format!(" {keyword} ");
    let at = upper
        .find(&needle)
        .ok_or_else(|| QsError::new(sqlstate::SYNTAX_ERROR, format!("expected {keyword}")))?;
    let head = &sql[..at];
    if !head
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c.is_whitespace() || c == '_' || c == '"')
    {
        return Err(QsError::new(
            sqlstate::SYNTAX_ERROR,
            "unexpected characters before the query",
        ));
    }
    let mut stmt = dialect::parse(&sql[at + needle.len()..])?;
    dialect::to_postgres(&mut stmt)?;
    match &stmt {
        Statement::Query(q) => only_select(q)?,
        _ => {
            return Err(QsError::unsupported(format!(
                "{keyword} of anything but a SELECT"
            )));
        }
    }
    Ok((head.trim_end().to_owned(), stmt.to_string()))
}

/// `CREATE TABLE name [WITH (schema='...', rowvalidation='...', label='...')] AS (select)`.
fn create_table_as(sql: &str) -> Result<Plan, QsError> {
    let (without_options, _options) = meta::strip_table_options(sql)?;
    let mut stmt = dialect::parse(&without_options)?;
    dialect::to_postgres(&mut stmt)?;
    let Statement::CreateTable(ct) = &stmt else {
        return Err(QsError::unsupported("this CREATE TABLE form"));
    };
    let Some(query) = &ct.query else {
        return Err(
            QsError::unsupported("CREATE TABLE with a column list").hint(
                "create datasets with CREATE TABLE name AS (SELECT ...) on the local Query Service",
            ),
        );
    };
    only_select(query)?;
    Ok(Plan::CreateTableAs {
        table: ct.name.to_string(),
        sql: stmt.to_string(),
    })
}
