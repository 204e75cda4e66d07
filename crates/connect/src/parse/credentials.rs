//! Adobe's non-expiring credentials JSON.

use crate::error::ConnectError;
use crate::{ConnParams, Password};

/// The fields read, in the order they are checked.
const FIELDS: &str = "technicalAccountName, credential, technicalAccountId";

/// Reads Adobe's non-expiring credentials JSON
/// (`{"technicalAccountName": ..., "credential": ..., "technicalAccountId": ...}`):
/// user = `technicalAccountName`, password = `{technicalAccountId}:{credential}`.
///
/// Errors name the JSON field (or `credentials` for a syntax error, with its line and column)
/// and never quote a value.
pub fn parse_credentials_json(json: &str) -> Result<ConnParams, ConnectError> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        ConnectError::invalid(
            "credentials",
            format!("not valid JSON (line {}, column {})", e.line(), e.column()),
        )
    })?;
    let object = value.as_object().ok_or_else(|| {
        ConnectError::invalid(
            "credentials",
            format!("expected a JSON object with {FIELDS}"),
        )
    })?;
    let field = |name: &str| -> Result<String, ConnectError> {
        match object.get(name) {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            Some(_) => Err(ConnectError::invalid(name, "must be a non-empty string")),
            None => Err(ConnectError::invalid(
                name,
                format!("missing from the credentials JSON (expected {FIELDS})"),
            )),
        }
    };
    let user = field("technicalAccountName")?;
    let id = field("technicalAccountId")?;
    let credential = field("credential")?;
    Ok(ConnParams {
        user: Some(user),
        password: Some(Password::pasted(&format!("{id}:{credential}"))),
        ..ConnParams::default()
    })
}
