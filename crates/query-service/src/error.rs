//! Errors the local Query Service sends to its clients: a SQLSTATE and a message.

use pgwire::error::{ErrorInfo, PgWireError};

use crate::backend::BackendError;

/// The SQLSTATE codes this server uses.
pub mod sqlstate {
    /// Successful completion is not an error; internal failures use this.
    pub const INTERNAL_ERROR: &str = "XX000";
    /// Extended-protocol message, unknown message type.
    pub const PROTOCOL_VIOLATION: &str = "08P01";
    /// The storage connection failed.
    pub const CONNECTION_FAILURE: &str = "08006";
    /// Wrong authentication method or no TLS.
    pub const INVALID_AUTHORIZATION: &str = "28000";
    /// Unknown or expired token.
    pub const INVALID_PASSWORD: &str = "28P01";
    /// Unknown database (sandbox).
    pub const INVALID_CATALOG_NAME: &str = "3D000";
    /// A statement outside the documented subset.
    pub const FEATURE_NOT_SUPPORTED: &str = "0A000";
    /// A syntax error (Spark-style parsing), e.g. an `E'...'` literal.
    pub const SYNTAX_ERROR: &str = "42601";
    /// A value of the wrong type in an insert (store assignment).
    pub const DATATYPE_MISMATCH: &str = "42804";
    /// An unknown type name in a cast.
    pub const UNDEFINED_OBJECT: &str = "42704";
    /// Not allowed (DROP of a table not created through Query Service).
    pub const INSUFFICIENT_PRIVILEGE: &str = "42501";
    /// Interactive limits: timeout, LIMIT above 100,000.
    pub const PROGRAM_LIMIT: &str = "53400";
    /// A NUL character.
    pub const CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";
    /// The statement timeout the backend raises.
    pub const QUERY_CANCELED: &str = "57014";
}

/// An error for the client: SQLSTATE, message, optional hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QsError {
    /// The SQLSTATE.
    pub code: &'static str,
    /// What went wrong.
    pub message: String,
    /// What to do instead.
    pub hint: Option<String>,
    /// Sent as FATAL (ends the session).
    pub fatal: bool,
}

impl QsError {
    /// An ERROR with this SQLSTATE and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> QsError {
        QsError {
            code,
            message: message.into(),
            hint: None,
            fatal: false,
        }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> QsError {
        self.hint = Some(hint.into());
        self
    }

    /// Makes it FATAL.
    pub fn fatal(mut self) -> QsError {
        self.fatal = true;
        self
    }

    /// A statement outside the documented subset.
    pub fn unsupported(what: impl std::fmt::Display) -> QsError {
        QsError::new(
            sqlstate::FEATURE_NOT_SUPPORTED,
            format!("{what} is not supported by Query Service"),
        )
    }

    /// An error reported by the storage PostgreSQL, as an internal failure of a statement
    /// the server generated itself.
    pub fn from_backend(e: &BackendError) -> QsError {
        QsError::new(
            sqlstate::INTERNAL_ERROR,
            format!(
                "local Query Service metadata query failed: {}",
                e.field(b'M').unwrap_or("unknown error")
            ),
        )
    }

    /// The fields of an ErrorResponse.
    pub fn fields(&self) -> Vec<(u8, String)> {
        let mut fields = vec![
            (b'S', if self.fatal { "FATAL" } else { "ERROR" }.to_owned()),
            (b'V', if self.fatal { "FATAL" } else { "ERROR" }.to_owned()),
            (b'C', self.code.to_owned()),
            (b'M', self.message.clone()),
        ];
        if let Some(h) = &self.hint {
            fields.push((b'H', h.clone()));
        }
        fields
    }
}

impl std::fmt::Display for QsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for QsError {}

impl From<QsError> for PgWireError {
    fn from(e: QsError) -> PgWireError {
        let mut info = ErrorInfo::new(
            if e.fatal { "FATAL" } else { "ERROR" }.to_owned(),
            e.code.to_owned(),
            e.message,
        );
        info.hint = e.hint;
        PgWireError::UserError(Box::new(info))
    }
}
