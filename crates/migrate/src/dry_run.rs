//! `--dry-run`: the migrations run against a recording connection (sea-orm's `proxy`
//! feature), so their statements are printed and none reaches the server.

use std::sync::{Arc, Mutex};

use sea_orm::{
    Database, DatabaseConnection, DbBackend, DbErr, ProxyDatabaseTrait, ProxyExecResult, ProxyRow,
    Statement,
};

/// The statements a dry run recorded, in order (`BEGIN` / `COMMIT` included, and `-- ...`
/// comments the runner adds between migrations).
#[derive(Debug, Clone, Default)]
pub struct Script(Arc<Mutex<Vec<String>>>);

impl Script {
    /// Appends one line.
    pub fn push(&self, line: impl Into<String>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line.into());
    }

    /// Everything recorded so far.
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[derive(Debug)]
struct Recorder(Script);

#[sea_orm_migration::async_trait::async_trait]
impl ProxyDatabaseTrait for Recorder {
    async fn query(&self, statement: Statement) -> Result<Vec<ProxyRow>, DbErr> {
        self.0.push(statement.to_string());
        Ok(Vec::new())
    }

    async fn execute(&self, statement: Statement) -> Result<ProxyExecResult, DbErr> {
        self.0.push(statement.to_string());
        Ok(ProxyExecResult::default())
    }

    async fn begin(&self) {
        self.0.push("BEGIN");
    }

    async fn commit(&self) {
        self.0.push("COMMIT");
    }

    async fn rollback(&self) {
        self.0.push("ROLLBACK");
    }
}

/// A PostgreSQL-flavoured connection that records every statement into the returned script
/// and answers queries with no rows.
pub async fn recording_connection() -> Result<(DatabaseConnection, Script), DbErr> {
    let script = Script::default();
    let proxy: Box<dyn ProxyDatabaseTrait> = Box::new(Recorder(script.clone()));
    let db = Database::connect_proxy(DbBackend::Postgres, Arc::new(proxy)).await?;
    Ok((db, script))
}

/// A statement for printing: `;`-terminated, abbreviated past `limit` characters.
pub fn render(line: &str, limit: Option<usize>) -> String {
    if line.starts_with("--") {
        return line.to_owned();
    }
    match limit {
        Some(max) if line.chars().count() > max => {
            let head: String = line.chars().take(max).collect();
            let rest = line.chars().count() - max;
            format!("{head} ... ; -- {rest} more characters (--full-sql shows them)")
        }
        _ => format!("{line};"),
    }
}
