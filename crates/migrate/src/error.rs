//! What can go wrong in a `migrate` run.

use qsorm_connect::ConnectError;
use sea_orm::DbErr;

/// Which way a migration was running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `up`.
    Up,
    /// `down`.
    Down,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::Up => "applying",
            Direction::Down => "reverting",
        })
    }
}

/// Longest statement text quoted in an error.
const STATEMENT_LIMIT: usize = 600;

fn statement_suffix(statement: &Option<String>) -> String {
    match statement {
        Some(s) if s.chars().count() > STATEMENT_LIMIT => {
            let head: String = s.chars().take(STATEMENT_LIMIT).collect();
            format!("\n  failing statement: {head} ...")
        }
        Some(s) => format!("\n  failing statement: {s}"),
        None => String::new(),
    }
}

/// A `migrate` failure.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// A migration failed; in a transaction (PostgreSQL), everything it did was rolled back.
    #[error(
        "migration `{name}` failed while {direction}{}: {source}{}",
        if *.rolled_back { " (rolled back: the schema is as it was)" } else { " (not in a transaction: not rolled back)" },
        statement_suffix(.statement)
    )]
    Migration {
        /// The migration's name.
        name: String,
        /// Up or down.
        direction: Direction,
        /// The statement that failed, when sea-orm reported it (see [`crate::sql::exec`]).
        statement: Option<String>,
        /// Whether it ran in a transaction that was rolled back.
        rolled_back: bool,
        /// The database error.
        #[source]
        source: DbErr,
    },
    /// A database error outside any migration (history tables, catalog reads).
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// Connecting failed.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// Taking or releasing the advisory lock failed.
    #[error("advisory lock: {0}")]
    Lock(#[source] sqlx::Error),
    /// The target is Query Service.
    #[error(
        "migrate targets PostgreSQL: Query Service has no transactional DDL, UPDATE or DELETE. \
         Write Query Service scripts with qsorm_repository::qs_script (CTAS, INSERT INTO ... SELECT, \
         CREATE VIEW) instead"
    )]
    QueryService,
    /// The database records migrations this binary does not have.
    #[error(
        "the database has applied migrations this binary does not know: {0} \
         (built from an older checkout?)"
    )]
    UnknownApplied(String),
    /// `generate` failed.
    #[error("generate: {0}")]
    Generate(String),
    /// Writing output failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}
