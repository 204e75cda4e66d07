//! Typed repository errors, classified by SQLSTATE (never by message text).

use std::sync::Arc;

use qsorm_connect::literal::{InlineError, LiteralError};
use qsorm_connect::{ConnectError, ErrorContext, Flavor, SqlState, classify};
use sea_orm::DbErr;
use sqlx::error::ErrorKind;

/// What went wrong in a repository call.
///
/// `row` fields carry the index of the offending row inside a batch (`insert_many`,
/// `upsert_many`), when the call was a batch. Errors raised by the driver keep it as their
/// [`source`](std::error::Error::source) (behind an `Arc`, so the error stays `Clone`), except
/// the transparent [`RepoError::Connection`] and [`RepoError::Driver`], which show the inner
/// error's message and forward its source; [`RepoError::driver_error`] reaches the driver's
/// error in every case.
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
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
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
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
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
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
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
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
    },
    /// An exclusion constraint was violated (SQLSTATE 23P01): the row overlaps (or otherwise
    /// conflicts with) a stored row under an `EXCLUDE` constraint.
    #[error("exclusion violation on {table}: constraint `{constraint}`{}", row_suffix(*row))]
    ExclusionViolation {
        /// Constraint name.
        constraint: String,
        /// Table name.
        table: String,
        /// Offending row inside the batch.
        row: Option<usize>,
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
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
    /// A write to a read-only entity ([`Table::READ_ONLY`](crate::Table::READ_ONLY): a view,
    /// or a table without a usable key), refused before any round trip.
    #[error(
        "{operation} on {entity} refused: the entity is read-only (a view, or a table without a \
usable key; entity-gen marks it with Table::READ_ONLY)"
    )]
    ReadOnly {
        /// Table name.
        entity: String,
        /// The write asked for.
        operation: &'static str,
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
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
    },
    /// Any other server error, with its SQLSTATE.
    #[error("database error (SQLSTATE {sqlstate}): {message}")]
    Database {
        /// SQLSTATE.
        sqlstate: SqlState,
        /// Server message.
        message: String,
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
    },
    /// A statement that must return a row (`INSERT ... RETURNING`, an upsert) returned none
    /// (a rule or trigger on the table swallowed the write).
    #[error("{entity}: {statement} returned no row")]
    NoRowReturned {
        /// Table name.
        entity: String,
        /// The statement (`INSERT ... RETURNING`, `upsert`).
        statement: &'static str,
    },
    /// Anything else sea-orm reported (a driver error without a SQLSTATE, a conversion
    /// failure...), kept whole. Transparent: its message and
    /// [`source`](std::error::Error::source) are sea-orm's own.
    #[error(transparent)]
    Driver {
        /// sea-orm's error.
        source: Arc<DbErr>,
    },
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
    pub fn with_row(mut self, index: usize) -> RepoError {
        match &mut self {
            RepoError::UniqueViolation { row, .. }
            | RepoError::ForeignKeyViolation { row, .. }
            | RepoError::NotNullViolation { row, .. }
            | RepoError::CheckViolation { row, .. }
            | RepoError::ExclusionViolation { row, .. } => *row = Some(index),
            _ => {}
        }
        self
    }

    /// Whether this is a row-level constraint violation (the kind a batch row can cause).
    pub fn is_constraint_violation(&self) -> bool {
        matches!(
            self,
            RepoError::UniqueViolation { .. }
                | RepoError::ForeignKeyViolation { .. }
                | RepoError::NotNullViolation { .. }
                | RepoError::CheckViolation { .. }
                | RepoError::ExclusionViolation { .. }
        )
    }

    /// The SQLSTATE, when the server sent one.
    pub fn sqlstate(&self) -> Option<SqlState> {
        match self {
            RepoError::UniqueViolation { .. } => Some(SqlState::UNIQUE_VIOLATION),
            RepoError::ForeignKeyViolation { .. } => Some(SqlState::FOREIGN_KEY_VIOLATION),
            RepoError::NotNullViolation { .. } => Some(SqlState::NOT_NULL_VIOLATION),
            RepoError::CheckViolation { .. } => Some(SqlState::CHECK_VIOLATION),
            RepoError::ExclusionViolation { .. } => Some(SqlState::EXCLUSION_VIOLATION),
            RepoError::PermissionDenied { .. } => Some(SqlState::INSUFFICIENT_PRIVILEGE),
            RepoError::Database { sqlstate, .. } => Some(*sqlstate),
            RepoError::Connection(c) => c.sqlstate(),
            RepoError::Driver { source } => {
                qsorm_connect::error::sqlx_error(source).and_then(SqlState::from_sqlx)
            }
            _ => None,
        }
    }

    /// The driver's error behind this one, when there is one (the end of the
    /// [`source`](std::error::Error::source) chain that sqlx raised).
    pub fn driver_error(&self) -> Option<&sqlx::Error> {
        match self {
            RepoError::UniqueViolation { source, .. }
            | RepoError::ForeignKeyViolation { source, .. }
            | RepoError::NotNullViolation { source, .. }
            | RepoError::CheckViolation { source, .. }
            | RepoError::ExclusionViolation { source, .. }
            | RepoError::PermissionDenied { source, .. }
            | RepoError::Database { source, .. } => Some(source),
            RepoError::Connection(c) => c.driver_error(),
            RepoError::Driver { source } => qsorm_connect::error::sqlx_error(source),
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
    if let Some(source) = qsorm_connect::error::shared_sqlx_error(&err)
        && let Some(db) = source.as_database_error()
    {
        let constraint = || db.constraint().unwrap_or_default().to_owned();
        let table = || db.table().unwrap_or_default().to_owned();
        let source = Arc::clone(source);
        // sqlx maps the integrity-constraint SQLSTATEs to kinds.
        match db.kind() {
            ErrorKind::UniqueViolation => {
                return RepoError::UniqueViolation {
                    constraint: constraint(),
                    table: table(),
                    row: None,
                    source,
                };
            }
            ErrorKind::ForeignKeyViolation => {
                return RepoError::ForeignKeyViolation {
                    constraint: constraint(),
                    table: table(),
                    row: None,
                    source,
                };
            }
            ErrorKind::NotNullViolation => {
                let column = db
                    .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .and_then(|pg| pg.column())
                    .unwrap_or_default()
                    .to_owned();
                return RepoError::NotNullViolation {
                    column,
                    table: table(),
                    row: None,
                    source,
                };
            }
            ErrorKind::CheckViolation => {
                return RepoError::CheckViolation {
                    constraint: constraint(),
                    table: table(),
                    row: None,
                    source,
                };
            }
            ErrorKind::ExclusionViolation => {
                return RepoError::ExclusionViolation {
                    constraint: constraint(),
                    table: table(),
                    row: None,
                    source,
                };
            }
            _ => {}
        }
        if SqlState::from_sqlx(&source) == Some(SqlState::INSUFFICIENT_PRIVILEGE) {
            return RepoError::PermissionDenied {
                message: db.message().to_owned(),
                source,
            };
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
    if let Some(source) = qsorm_connect::error::shared_sqlx_error(&err)
        && let Some(db) = source.as_database_error()
        && let Some(sqlstate) = SqlState::from_sqlx(source)
    {
        return RepoError::Database {
            sqlstate,
            message: db.message().to_owned(),
            source: Arc::clone(source),
        };
    }
    RepoError::Driver {
        source: Arc::new(err),
    }
}

impl From<DbErr> for RepoError {
    fn from(err: DbErr) -> Self {
        classify_db_err(err, None)
    }
}
