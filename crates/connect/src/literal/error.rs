//! The errors of rendering and inlining literals.

use sea_orm::{DbErr, RuntimeErr};

use super::Location;
use crate::placeholders::PlaceholderError;

/// A value no literal can carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LiteralError {
    /// A NUL character (text, JSON, an array element, a composite field).
    #[error(
        "{at}: the value contains a NUL character (\\0), which PostgreSQL and Query Service \
         text cannot hold"
    )]
    Nul {
        /// Where.
        at: Location,
    },
    /// A date or timestamp outside the years Query Service takes.
    #[error(
        "{at}: year {year} is outside 1..=9999, the years Query Service (Spark) dates and \
         timestamps take"
    )]
    YearOutOfRange {
        /// Where.
        at: Location,
        /// The year (0 is 1 BC).
        year: i32,
    },
    /// A Query Service composite whose fields are not known, so its `struct(...)` cannot be
    /// typed.
    #[error(
        "{at}: the fields of the composite type `{name}` are unknown, so its literal cannot \
         be typed: list it in the entity's `Table::COMPOSITE_TYPES` (entity-gen points it at \
         the `COMPOSITE_TYPES` table it generates)"
    )]
    UnknownComposite {
        /// Where.
        at: Location,
        /// The composite type.
        name: String,
    },
    /// A value type this renderer has no literal for (a sea-query feature this workspace
    /// does not enable).
    #[error("{at}: no SQL literal for the value {value}")]
    Unsupported {
        /// Where.
        at: Location,
        /// The value, debug-printed.
        value: String,
    },
}

impl LiteralError {
    /// Where the value sits.
    pub fn location(&self) -> &Location {
        match self {
            LiteralError::Nul { at }
            | LiteralError::YearOutOfRange { at, .. }
            | LiteralError::UnknownComposite { at, .. }
            | LiteralError::Unsupported { at, .. } => at,
        }
    }
}

/// Why a statement's values could not be inlined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InlineError {
    /// The placeholders and the values do not fit together.
    #[error("cannot inline the values: {0}")]
    Placeholder(#[from] PlaceholderError),
    /// A value has no literal.
    #[error("cannot inline the values: {0}")]
    Literal(#[from] LiteralError),
}

/// Inline failures travel through sea-orm as `DbErr::Query(RuntimeErr::SqlxError(
/// sqlx::Error::Encode(InlineError)))`: the error a value that cannot be encoded gives on the
/// bind path. [`inline_error`] gets the typed error back.
impl From<InlineError> for DbErr {
    fn from(e: InlineError) -> DbErr {
        DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(
            sqlx::Error::Encode(Box::new(e)),
        )))
    }
}

/// The [`InlineError`] inside a sea-orm error, when inlining a statement's values failed.
pub fn inline_error(err: &DbErr) -> Option<&InlineError> {
    match crate::error::sqlx_error(err)? {
        sqlx::Error::Encode(e) => e.downcast_ref::<InlineError>(),
        _ => None,
    }
}
