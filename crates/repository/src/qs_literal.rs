//! Query Service literals: the repository's entry points into qsorm's one value renderer,
//! [`qsorm_connect::literal`] (which also renders the PostgreSQL flavor, and which the
//! simple-protocol connection and the repository's inlined reads use). Everything written by
//! the Query Service profile goes through it: strings as `chr()` concatenations a Spark-style
//! lexer and PostgreSQL read alike, values typed for Spark's store assignment
//! (`CAST('…' AS timestamp)`), `struct(...)` / `array(...)`, backtick identifiers. See the
//! connect module for the rules.
//!
//! Errors are [`RepoError::InvalidInput`] naming the column (a NUL character, a year outside
//! 1..=9999, a composite whose fields are unknown).
//!
//! ```
//! use qsorm_repository::qs_literal::{CompositeTypes, QsType, qs_ident, string_literal, value_literal};
//! use sea_orm::Value;
//!
//! assert_eq!(string_literal("it's").unwrap(), "('it'||chr(39)||'s')");
//! assert_eq!(qs_ident("order"), "`order`");
//! let types = CompositeTypes::new();
//! let v = Value::Double(Some(f64::NAN));
//! assert_eq!(value_literal(&v, &QsType::Double, &types, "x").unwrap(), "CAST('NaN' AS double)");
//! ```

use qsorm_connect::Flavor;
use qsorm_connect::literal::{Location, Renderer};
use sea_orm::Value;
use serde_json::Value as Json;

use crate::error::RepoError;

pub use qsorm_connect::literal::{
    CompositeTable, CompositeTypes, NulCharacter, SqlType as QsType, f32_text, f64_text, qs_ident,
    string_literal,
};

/// A sea-orm value as a Query Service expression for a column of type `ty`. `column` names
/// the column in errors (a NUL character, a year outside 1..=9999).
pub fn value_literal(
    value: &Value,
    ty: &QsType,
    types: &CompositeTypes,
    column: &str,
) -> Result<String, RepoError> {
    Ok(Renderer::new(Flavor::QueryService)
        .with_composites(types)
        .value(value, Some(ty), &Location::column(column))?)
}

/// A JSON value (a composite, a JSON column, a field) as an expression for `ty`.
pub fn json_literal(
    value: &Json,
    ty: &QsType,
    types: &CompositeTypes,
    column: &str,
) -> Result<String, RepoError> {
    Ok(Renderer::new(Flavor::QueryService)
        .with_composites(types)
        .json(value, ty, &Location::column(column))?)
}
