//! The documented Query Service subset (../shared/reference/QUERY_SERVICE.md), checked on the
//! parsed statement: SELECT (LIMIT at most 100,000), `INSERT INTO t <select>` (no VALUES, no
//! ON CONFLICT, no RETURNING; literal rows as `SELECT inline(array(struct(...), ...))`), CTAS,
//! CREATE VIEW, DROP, SET, SHOW, BEGIN/COMMIT/ROLLBACK, `DECLARE c CURSOR FOR <select>`,
//! `FETCH n FROM c` (n at most 50,000), CLOSE.

use sqlparser::ast::{Expr, FetchDirection, LimitClause, Query, SetExpr, Statement, Value};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

/// Why `sql` is outside the subset, or `Ok` when it belongs.
pub fn check(sql: &str) -> Result<(), String> {
    let statements =
        Parser::parse_sql(&GenericDialect {}, sql).map_err(|e| format!("does not parse: {e}"))?;
    if statements.is_empty() {
        return Err("no statement".into());
    }
    for st in &statements {
        check_statement(st)?;
    }
    Ok(())
}

fn check_statement(st: &Statement) -> Result<(), String> {
    match st {
        Statement::Query(q) => check_query(q),
        Statement::Insert(ins) => {
            if ins.on.is_some() {
                return Err("ON CONFLICT is not in the subset".into());
            }
            if ins.returning.is_some() {
                return Err("RETURNING is not in the subset".into());
            }
            match &ins.source {
                Some(q) => check_query(q),
                None => Err("INSERT without a SELECT".into()),
            }
        }
        Statement::CreateTable(ct) if ct.query.is_some() => {
            ct.query.as_deref().map_or(Ok(()), check_query)
        }
        Statement::CreateView(v) => check_query(&v.query),
        Statement::Declare { stmts, .. } => stmts
            .iter()
            .try_for_each(|d| d.for_query.as_deref().map_or(Ok(()), check_query)),
        Statement::Fetch { direction, .. } => match direction {
            FetchDirection::Count { limit } | FetchDirection::Forward { limit: Some(limit) } => {
                match &limit.value {
                    Value::Number(n, _) if n.parse::<u64>().is_ok_and(|n| n <= 50_000) => Ok(()),
                    other => Err(format!("FETCH {other} is above the 50,000-row client cap")),
                }
            }
            other => Err(format!("FETCH {other} is not capped")),
        },
        Statement::Close { .. } => Ok(()),
        Statement::Drop { .. } | Statement::Set(_) | Statement::ShowVariable { .. } => Ok(()),
        Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. } => Ok(()),
        other => Err(format!("statement kind not in the subset: {other}")),
    }
}

fn check_query(q: &Query) -> Result<(), String> {
    if let Some(LimitClause::LimitOffset {
        limit: Some(Expr::Value(v)),
        ..
    }) = &q.limit_clause
        && let Value::Number(n, _) = &v.value
        && n.parse::<u64>().is_ok_and(|n| n > 100_000)
    {
        return Err(format!("LIMIT {n} is above Query Service's 100,000"));
    }
    check_body(&q.body)
}

fn check_body(body: &SetExpr) -> Result<(), String> {
    match body {
        SetExpr::Select(_) | SetExpr::Table(_) => Ok(()),
        SetExpr::Query(q) => check_query(q),
        SetExpr::SetOperation { left, right, .. } => {
            check_body(left)?;
            check_body(right)
        }
        SetExpr::Values(_) => {
            Err("VALUES is not in the subset (use INSERT INTO t SELECT ...)".into())
        }
        other => Err(format!("not in the subset: {other}")),
    }
}

#[test]
fn the_checker_rejects_what_query_service_lacks() {
    for bad in [
        "INSERT INTO t VALUES (1)",
        "UPDATE t SET a = 1",
        "DELETE FROM t",
        "INSERT INTO t SELECT 1 ON CONFLICT DO NOTHING",
        "INSERT INTO t SELECT 1 RETURNING a",
        "SELECT * FROM t LIMIT 100001",
    ] {
        assert!(check(bad).is_err(), "accepted: {bad}");
    }
    for good in [
        "SELECT a FROM t WHERE b = 'x' LIMIT 10",
        "INSERT INTO t SELECT 'a' AS c1, struct(1 AS x, 'y' AS z) AS web UNION ALL SELECT 'b' AS c1, NULL AS web",
        "INSERT INTO t SELECT inline(array(struct('a', struct(1 AS x, 'y' AS z)), struct('b', NULL)))",
        "SET auto_to_json = true; SELECT web FROM t",
        "CREATE TABLE t2 AS SELECT * FROM t",
    ] {
        check(good).unwrap_or_else(|e| panic!("rejected {good}: {e}"));
    }
}
