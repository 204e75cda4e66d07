//! Errors of the reflection.

use sea_orm::DbErr;

/// Why a reflection failed as a whole.
///
/// On PostgreSQL only the relations query is fatal: when a later catalog query fails,
/// that part is left out and a line is added to [`Schema::warnings`](crate::Schema::warnings).
/// On Query Service every step is fatal ([`InspectError::Step`]) unless
/// [`InspectOptions::allow_partial`](crate::InspectOptions::allow_partial) is set.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InspectError {
    /// A catalog query that the reflection cannot do without failed or returned rows
    /// it could not read.
    #[error("catalog query `{query}` failed: {source}")]
    Catalog {
        /// Which query (`relations`, ...).
        query: &'static str,
        /// The database error.
        #[source]
        source: DbErr,
    },
    /// A step of the Query Service reflection failed (a statement refused or failing, a
    /// reply that cannot be read, a table without columns, the session lost).
    #[error("Query Service reflection failed at step `{step}`: {reason}")]
    Step {
        /// The step, with the table or type it was about (`columns of public.web_events
        /// (SELECT * FROM web_events WHERE 1=0)`, `show primary keys`, ...).
        step: String,
        /// What went wrong (with the SQLSTATE the server reported, if any).
        reason: String,
    },
    /// The Query Service reflection was asked for without connection settings.
    #[error(
        "reflecting a Query Service schema needs its connection settings: pass \
         InspectOptions::for_connection(&conn) (or .with_connection(conn.config()))"
    )]
    NeedsConnection,
    /// A schema or table name in the options cannot be sent to the server
    /// (it contains a NUL character).
    #[error("invalid name in inspect options: {name:?}")]
    InvalidName {
        /// The offending name.
        name: String,
    },
}
