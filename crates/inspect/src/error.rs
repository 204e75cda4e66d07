//! Errors of the reflection.

use sea_orm::DbErr;

/// Why a reflection failed as a whole.
///
/// Only the relations query is fatal: when a later catalog query fails, that part is
/// left out and a line is added to [`Schema::warnings`](crate::Schema::warnings).
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
    /// A schema or table name in the options cannot be sent to the server
    /// (it contains a NUL character).
    #[error("invalid name in inspect options: {name:?}")]
    InvalidName {
        /// The offending name.
        name: String,
    },
}
