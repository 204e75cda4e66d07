//! Typed repository errors, classified by SQLSTATE (never by message text).

use qsorm_connect::literal::{InlineError, LiteralError};
use qsorm_connect::{ConnectError, ErrorContext, Flavor, classify};
use sea_orm::DbErr;

/// What went wrong in a repository call.
///
/// `row` fields carry the index of the offending row inside a batch (`insert_many`,
/// `upsert_many`), when the call was a batch.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RepoError {
    /// No row has this key.
    #[error("{entity}: no row with key {key}")]
    NotFound {
        /// Table name.
        entity: String,
        /// The key looked up, formatted.
        key: String,
    },
    /// A unique or primary-key constraint was violated (SQLSTATE 23505).
    #[error("unique violation on {table}: constraint `{constraint}`{}", row_suffix(*row))]
    UniqueViolation {
        /// Constraint name.
        constraint: String,
        /// Table name.
        table: String,
        /// Offending row inside the batch.
        row: Option<usize>,
    },
    /// A foreign-key constraint was violated (SQLSTATE 23503).
    #[error("foreign-key violation on {table}: constraint `{constraint}`{}", row_suffix(*row))]
    ForeignKeyViolation {
        /// Constraint name.
        constraint: String,
        /// Table name.
        table: String,
        /// Offending row inside the batch.
        row: Option<usize>,
    },
    /// A NOT NULL column received NULL (SQLSTATE 23502).
    #[error("not-null violation on {table}.{column}{}", row_suffix(*row))]
    NotNullViolation {
        /// Column name.
        column: String,
        /// Table name.
        table: String,
        /// Offending row inside the batch.
        row: Option<usize>,
    },
    /// A CHECK constraint was violated (SQLSTATE 23514).
    #[error("check violation on {table}: constraint `{constraint}`{}", row_suffix(*row))]
    CheckViolation {
        /// Constraint name.
        constraint: String,
        /// Table name.
        table: String,
        /// Offending row inside the batch.
        row: Option<usize>,
    },
    /// The target cannot do this (raised before any round trip).
    #[error("{operation} is not supported on {flavor}{}", hint(.operation, *.flavor))]
    Unsupported {
        /// The operation asked for.
        operation: &'static str,
        /// The flavor that lacks it.
        flavor: Flavor,
    },
    /// A connection-level failure (unreachable, expired credentials, TLS, timeout, ...).
    #[error(transparent)]
    Connection(#[from] ConnectError),
    /// A row could not be decoded into the model.
    #[error("cannot decode a row of {entity}: {reason}")]
    Decode {
        /// Table name.
        entity: String,
        /// Why.
        reason: String,
    },
    /// Keyset pagination cannot go on without losing rows: the next page would start inside a
    /// run of rows with the same key (or after a NULL key). The entity's key is not unique
    /// (a view, a table keyed by its first column); read with `stream` or `find`, which use a
    /// server-side cursor and return every row whatever the key.
    #[error(
        "keyset pagination of {entity} stops here: more than one row has the key {key}, so the \
next page would lose rows; the entity's key is not unique (use stream() or find(), which read \
through a server-side cursor)"
    )]
    KeyNotUnique {
        /// Table name.
        entity: String,
        /// The key value at the page boundary.
        key: String,
    },
    /// The input cannot be turned into SQL (e.g. a batch mixing column sets in a profile that
    /// cannot express it).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A row of a Query Service batch whose literals alone make a statement larger than
    /// [`crate::MAX_STATEMENT_BYTES`] (raised before anything is sent; the batch is not
    /// written).
    #[error(
        "row {row} of the batch is {bytes} bytes as a Query Service statement (largest \
column `{column}`), over the {limit}-byte statement cap: a value this large cannot go in as a \
SQL literal; ingest it into a dataset (Experience Platform ingestion) and copy it with \
insert_into_select"
    )]
    StatementTooLarge {
        /// The row's index in the batch.
        row: usize,
        /// The column whose literal is the largest.
        column: String,
        /// The size of the smallest statement holding the row.
        bytes: usize,
        /// The cap ([`crate::MAX_STATEMENT_BYTES`]).
        limit: usize,
    },
    /// The server refused for lack of privilege (SQLSTATE 42501).
    #[error(
        "permission denied (SQLSTATE 42501): {message}. On Query Service, writing datasets \
(CREATE TABLE ... AS, INSERT INTO ... SELECT) needs the Manage Datasets and Manage Schemas \
permissions (non-expiring credentials are SELECT-only by default), and DROP TABLE works only \
for datasets created through Query Service"
    )]
    PermissionDenied {
        /// Server message.
        message: String,
    },
    /// Any other server error, with its SQLSTATE.
    #[error("database error (SQLSTATE {sqlstate}): {message}")]
    Database {
        /// SQLSTATE.
        sqlstate: String,
        /// Server message.
        message: String,
    },
    /// Anything else sea-orm reported.
    #[error("{0}")]
    Other(String),
}

fn row_suffix(row: Option<usize>) -> String {
    row.map(|r| format!(" (row {r} of the batch)"))
        .unwrap_or_default()
}

fn hint(operation: &str, flavor: Flavor) -> &'static str {
    match (flavor, operation) {
        (Flavor::QueryService, "update" | "update_many" | "delete" | "delete_many") => {
            ": Query Service datasets are append-only; rebuild with create_table_as instead"
        }
        (Flavor::QueryService, "upsert" | "upsert_many") => {
            ": Query Service has no ON CONFLICT; append with insert / insert_into_select"
        }
        _ => "",
    }
}

impl RepoError {
    /// Sets the batch row index on constraint errors.
    pub fn with_row(self, index: usize) -> RepoError {
        match self {
            RepoError::UniqueViolation {
                constraint, table, ..
            } => RepoError::UniqueViolation {
                constraint,
                table,
                row: Some(index),
            },
            RepoError::ForeignKeyViolation {
                constraint, table, ..
            } => RepoError::ForeignKeyViolation {
                constraint,
                table,
                row: Some(index),
            },
            RepoError::NotNullViolation { column, table, .. } => RepoError::NotNullViolation {
                column,
                table,
                row: Some(index),
            },
            RepoError::CheckViolation {
                constraint, table, ..
            } => RepoError::CheckViolation {
                constraint,
                table,
                row: Some(index),
            },
            other => other,
        }
    }

    /// Whether this is a row-level constraint violation (the kind a batch row can cause).
    pub fn is_constraint_violation(&self) -> bool {
        matches!(
            self,
            RepoError::UniqueViolation { .. }
                | RepoError::ForeignKeyViolation { .. }
                | RepoError::NotNullViolation { .. }
                | RepoError::CheckViolation { .. }
        )
    }

    /// The SQLSTATE, when the server sent one.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            RepoError::UniqueViolation { .. } => Some("23505"),
            RepoError::ForeignKeyViolation { .. } => Some("23503"),
            RepoError::NotNullViolation { .. } => Some("23502"),
            RepoError::CheckViolation { .. } => Some("23514"),
            RepoError::PermissionDenied { .. } => Some("42501"),
            RepoError::Database { sqlstate, .. } => Some(sqlstate),
            RepoError::Connection(c) => c.sqlstate(),
            _ => None,
        }
    }
}

/// A value no literal can carry (a NUL character, a Query Service year outside 1..=9999),
/// naming where it sits.
impl From<LiteralError> for RepoError {
    fn from(e: LiteralError) -> Self {
        RepoError::InvalidInput(e.to_string())
    }
}

/// Values that could not be inlined into a statement.
impl From<InlineError> for RepoError {
    fn from(e: InlineError) -> Self {
        match e {
            InlineError::Literal(e) => e.into(),
            other => RepoError::InvalidInput(other.to_string()),
        }
    }
}

/// Classifies a sea-orm error. `ctx` (when known) lets connection errors name host and user.
/// Values a simple-protocol connection could not inline are [`RepoError::InvalidInput`].
pub fn classify_db_err(err: DbErr, ctx: Option<&ErrorContext>) -> RepoError {
    if let Some(e) = qsorm_connect::inline_error(&err) {
        return e.clone().into();
    }
    if let Some(sqlx::Error::Database(db)) = qsorm_connect::error::sqlx_error(&err) {
        let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
        let constraint = || db.constraint().unwrap_or_default().to_owned();
        let table = || db.table().unwrap_or_default().to_owned();
        match code.as_str() {
            "23505" => {
                return RepoError::UniqueViolation {
                    constraint: constraint(),
                    table: table(),
                    row: None,
                };
            }
            "23503" => {
                return RepoError::ForeignKeyViolation {
                    constraint: constraint(),
                    table: table(),
                    row: None,
                };
            }
            "23502" => {
                let column = db
                    .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .and_then(|pg| pg.column())
                    .unwrap_or_default()
                    .to_owned();
                return RepoError::NotNullViolation {
                    column,
                    table: table(),
                    row: None,
                };
            }
            "23514" => {
                return RepoError::CheckViolation {
                    constraint: constraint(),
                    table: table(),
                    row: None,
                };
            }
            "42501" => {
                return RepoError::PermissionDenied {
                    message: db.message().to_owned(),
                };
            }
            _ => {}
        }
    }
    let fallback = ErrorContext {
        host: String::new(),
        port: 0,
        user: String::new(),
        flavor: Flavor::Postgres,
        sslmode: qsorm_connect::SslMode::Prefer,
        connect_timeout: std::time::Duration::from_secs(30),
    };
    if let Some(conn) = classify(&err, ctx.unwrap_or(&fallback)) {
        return RepoError::Connection(conn);
    }
    match qsorm_connect::error::sqlx_error(&err) {
        Some(sqlx::Error::Database(db)) => RepoError::Database {
            sqlstate: db.code().map(|c| c.into_owned()).unwrap_or_default(),
            message: db.message().to_owned(),
        },
        _ => RepoError::Other(err.to_string()),
    }
}

impl From<DbErr> for RepoError {
    fn from(err: DbErr) -> Self {
        classify_db_err(err, None)
    }
}
