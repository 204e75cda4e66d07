//! SQLSTATE codes: the five-character error codes PostgreSQL (and Query Service) send with
//! every error, typed so that errors are classified by code and never by message text.

use std::fmt;
use std::str::FromStr;

/// A five-character SQLSTATE code (digits and upper-case ASCII letters), such as `23505`.
///
/// The first two characters are the class ([`SqlState::class`]): `23` is an integrity
/// constraint violation, `08` a connection exception, `57` operator intervention. The
/// associated constants name the codes qsorm handles, after PostgreSQL's condition names
/// (as tokio-postgres spells them).
///
/// ```
/// use qsorm_connect::SqlState;
///
/// let code: SqlState = "23505".parse().unwrap();
/// assert_eq!(code, SqlState::UNIQUE_VIOLATION);
/// assert_eq!(code.class(), "23");
/// assert_eq!(code.to_string(), "23505");
/// assert_eq!(SqlState::from_code("2350"), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SqlState([u8; 5]);

/// A string that is not a SQLSTATE code (five digits or upper-case ASCII letters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a SQLSTATE code (five digits or upper-case letters): {0:?}")]
pub struct InvalidSqlState(String);

const fn valid(code: &[u8; 5]) -> bool {
    let mut i = 0;
    while i < code.len() {
        if !(code[i].is_ascii_digit() || code[i].is_ascii_uppercase()) {
            return false;
        }
        i += 1;
    }
    true
}

impl SqlState {
    /// A code known at compile time (a malformed one fails the build).
    const fn known(code: &[u8; 5]) -> SqlState {
        assert!(valid(code), "malformed SQLSTATE constant");
        SqlState(*code)
    }

    /// The code `code`, or `None` when it is not five digits or upper-case ASCII letters.
    pub fn from_code(code: &str) -> Option<SqlState> {
        let bytes: [u8; 5] = code.as_bytes().try_into().ok()?;
        valid(&bytes).then_some(SqlState(bytes))
    }

    /// The SQLSTATE of a sqlx error, when it is a database error that carries one.
    pub fn from_sqlx(err: &sqlx::Error) -> Option<SqlState> {
        SqlState::from_code(&err.as_database_error()?.code()?)
    }

    /// The code, e.g. `"23505"`.
    pub fn as_str(&self) -> &str {
        // Always ASCII (checked on construction).
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The class: the first two characters (`"23"` for every integrity constraint violation,
    /// `"08"` for connection exceptions).
    pub fn class(&self) -> &str {
        self.as_str().get(..2).unwrap_or_default()
    }

    // Class 08: connection exception.
    /// 08000
    pub const CONNECTION_EXCEPTION: SqlState = SqlState::known(b"08000");
    /// 08006
    pub const CONNECTION_FAILURE: SqlState = SqlState::known(b"08006");
    /// 08P01: the server refused a protocol message (Query Service refuses the extended
    /// query protocol with it).
    pub const PROTOCOL_VIOLATION: SqlState = SqlState::known(b"08P01");

    // Class 0A: feature not supported.
    /// 0A000 (Query Service: UPDATE, DELETE, ...)
    pub const FEATURE_NOT_SUPPORTED: SqlState = SqlState::known(b"0A000");

    // Class 22: data exception.
    /// 22001
    pub const STRING_DATA_RIGHT_TRUNCATION: SqlState = SqlState::known(b"22001");
    /// 22007
    pub const INVALID_DATETIME_FORMAT: SqlState = SqlState::known(b"22007");
    /// 22008
    pub const DATETIME_FIELD_OVERFLOW: SqlState = SqlState::known(b"22008");
    /// 22012
    pub const DIVISION_BY_ZERO: SqlState = SqlState::known(b"22012");
    /// 22021
    pub const CHARACTER_NOT_IN_REPERTOIRE: SqlState = SqlState::known(b"22021");

    // Class 23: integrity constraint violation.
    /// 23502
    pub const NOT_NULL_VIOLATION: SqlState = SqlState::known(b"23502");
    /// 23503
    pub const FOREIGN_KEY_VIOLATION: SqlState = SqlState::known(b"23503");
    /// 23505
    pub const UNIQUE_VIOLATION: SqlState = SqlState::known(b"23505");
    /// 23514
    pub const CHECK_VIOLATION: SqlState = SqlState::known(b"23514");
    /// 23P01
    pub const EXCLUSION_VIOLATION: SqlState = SqlState::known(b"23P01");

    // Class 25: invalid transaction state.
    /// 25P02
    pub const IN_FAILED_SQL_TRANSACTION: SqlState = SqlState::known(b"25P02");

    // Class 26: invalid SQL statement name.
    /// 26000
    pub const INVALID_SQL_STATEMENT_NAME: SqlState = SqlState::known(b"26000");

    // Class 28: invalid authorization specification.
    /// 28000 (Query Service: "Invalid authorization type" when cleartext is refused)
    pub const INVALID_AUTHORIZATION_SPECIFICATION: SqlState = SqlState::known(b"28000");
    /// 28P01
    pub const INVALID_PASSWORD: SqlState = SqlState::known(b"28P01");

    // Class 34: invalid cursor name.
    /// 34000
    pub const INVALID_CURSOR_NAME: SqlState = SqlState::known(b"34000");

    // Class 3D: invalid catalog name.
    /// 3D000
    pub const INVALID_CATALOG_NAME: SqlState = SqlState::known(b"3D000");

    // Class 40: transaction rollback.
    /// 40001
    pub const T_R_SERIALIZATION_FAILURE: SqlState = SqlState::known(b"40001");
    /// 40P01
    pub const T_R_DEADLOCK_DETECTED: SqlState = SqlState::known(b"40P01");

    // Class 42: syntax error or access rule violation.
    /// 42501
    pub const INSUFFICIENT_PRIVILEGE: SqlState = SqlState::known(b"42501");
    /// 42601
    pub const SYNTAX_ERROR: SqlState = SqlState::known(b"42601");
    /// 42703
    pub const UNDEFINED_COLUMN: SqlState = SqlState::known(b"42703");
    /// 42704
    pub const UNDEFINED_OBJECT: SqlState = SqlState::known(b"42704");
    /// 42710
    pub const DUPLICATE_OBJECT: SqlState = SqlState::known(b"42710");
    /// 42804
    pub const DATATYPE_MISMATCH: SqlState = SqlState::known(b"42804");
    /// 42P01
    pub const UNDEFINED_TABLE: SqlState = SqlState::known(b"42P01");
    /// 42P04
    pub const DUPLICATE_DATABASE: SqlState = SqlState::known(b"42P04");

    // Class 53: insufficient resources.
    /// 53300
    pub const TOO_MANY_CONNECTIONS: SqlState = SqlState::known(b"53300");
    /// 53400 (Query Service: the interactive time or row limit was hit)
    pub const CONFIGURATION_LIMIT_EXCEEDED: SqlState = SqlState::known(b"53400");

    // Class 55: object not in prerequisite state.
    /// 55006
    pub const OBJECT_IN_USE: SqlState = SqlState::known(b"55006");
    /// 55P03
    pub const LOCK_NOT_AVAILABLE: SqlState = SqlState::known(b"55P03");

    // Class 57: operator intervention.
    /// 57014 (statement_timeout, pg_cancel_backend)
    pub const QUERY_CANCELED: SqlState = SqlState::known(b"57014");
    /// 57P01
    pub const ADMIN_SHUTDOWN: SqlState = SqlState::known(b"57P01");
    /// 57P02
    pub const CRASH_SHUTDOWN: SqlState = SqlState::known(b"57P02");
    /// 57P03
    pub const CANNOT_CONNECT_NOW: SqlState = SqlState::known(b"57P03");
    /// 57P05
    pub const IDLE_SESSION_TIMEOUT: SqlState = SqlState::known(b"57P05");

    // Class XX: internal error.
    /// XX000
    pub const INTERNAL_ERROR: SqlState = SqlState::known(b"XX000");
}

impl fmt::Display for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SqlState").field(&self.as_str()).finish()
    }
}

impl FromStr for SqlState {
    type Err = InvalidSqlState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SqlState::from_code(s).ok_or_else(|| InvalidSqlState(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prints_and_classifies() {
        for code in ["23505", "23P01", "0A000", "57P01", "XX000"] {
            let parsed: SqlState = code.parse().expect(code);
            assert_eq!(parsed.as_str(), code);
            assert_eq!(parsed.to_string(), code);
            assert_eq!(parsed.class(), &code[..2]);
        }
        assert_eq!(
            SqlState::from_code("23P01"),
            Some(SqlState::EXCLUSION_VIOLATION)
        );
        assert_eq!(
            format!("{:?}", SqlState::QUERY_CANCELED),
            "SqlState(\"57014\")"
        );
        assert_eq!(format!("[{:>7}]", SqlState::INVALID_PASSWORD), "[  28P01]");
    }

    #[test]
    fn refuses_what_is_not_a_code() {
        for bad in ["", "2350", "235050", "2350a", "23 05", "é2350", "23-05"] {
            assert_eq!(SqlState::from_code(bad), None, "{bad:?}");
            assert!(bad.parse::<SqlState>().is_err(), "{bad:?}");
        }
    }
}
