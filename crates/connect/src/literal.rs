//! SQL literals for values, owned by qsorm: the one renderer every inline path uses (the
//! simple-protocol connection, the repository's inlined reads, Query Service inserts and
//! scripts), for both flavors.
//!
//! A value is rendered from a sea-orm [`Value`](sea_orm::Value), an optional [`SqlType`] (the column or field
//! it goes into) and a [`Flavor`](crate::Flavor):
//!
//! - **Query Service** (a Spark-style lexer in front, so PostgreSQL habits are misread):
//!   - **Strings** never put a quote, a backslash or a control character (below U+0020, and
//!     U+007F) between quotes: those are written as `chr(n)` and concatenated,
//!     `('it'||chr(39)||'s')`, parenthesised so no surrounding operator changes the
//!     meaning (long concatenations are nested in groups, so the expression stays shallow).
//!     Spark reads a backslash inside `'...'` as an escape and refuses `E'...'`; PostgreSQL
//!     reads a backslash literally: this form is the one both read alike. The `$` of a `${`
//!     is `chr(36)` too: Spark substitutes `${name}` in the statement text, literals
//!     included, before parsing (`'${x}'` reads `''` on Spark 4.3). Lists (`struct(...)`,
//!     `array(...)`, concatenations) have no spaces: rows of an insert are mostly these.
//!   - **Typed values** follow Spark's store assignment, which refuses a string into a
//!     non-string column: numbers are numeric literals (`12`, `-3.5`, decimals with their
//!     exact text), everything else is `CAST(<string> AS <type>)` with Spark's type name
//!     (`timestamp`, `date`, `double`, `float`, `decimal(p,s)`, ...) or, for PostgreSQL-only
//!     types without one, PostgreSQL's (`uuid`, `json`, `jsonb`, `bytea`, `interval`, ...).
//!     Spark's `timestamp` is an instant: timestamps with a time zone keep their offset
//!     (`CAST('2026-11-25 10:00:00.5+01:00' AS timestamp)`), timestamps without one are
//!     written without offset. Years outside 1..=9999 are refused (Spark's range).
//!   - **Enums** are strings (Query Service has no enum types); **arrays** are
//!     `array(e1, ...)`, **composites** `struct(<expr> AS <field>, ...)`, identifiers bare
//!     when simple else in backticks ([`qs_ident`]).
//! - **PostgreSQL**: every value reads the same whatever `standard_conforming_strings` says,
//!   and is typed with PostgreSQL's names the way a bound parameter would be:
//!   - **Strings** are string constants of type `unknown` (PostgreSQL types them from their
//!     context, as the old inliner's literals were): `'it''s'` with quotes doubled, and a
//!     string holding a backslash dollar-quoted, `$q$a\b$q$` (no escape is read inside
//!     either form in any mode); a string NULL is a bare `NULL`.
//!   - **Everything else** is cast: `CAST(5 AS bigint)`, `CAST('0.1' AS double precision)`,
//!     `CAST('NaN' AS real)`, `CAST(12.30 AS numeric(12,2))`,
//!     `CAST('2026-11-25 10:00:00+01:00' AS timestamptz)` (an offset is an instant;
//!     `timestamp` is naive, years before 1 written `... BC`), `CAST($q$\x0aff$q$ AS bytea)`,
//!     `CAST('{"a":1}' AS jsonb)`, `CAST('…' AS uuid)`, NULL as `CAST(NULL AS <type>)`;
//!     arrays `CAST(ARRAY[e1, NULL, ...] AS <element>[])`, composites
//!     `CAST(ROW(f1, ...) AS <type>)` (fields typed from [`CompositeTypes`]; without them
//!     `json_populate_record(CAST(NULL AS <type>), CAST('…' AS json))`).
//!   - With no SQL type (a bare `Value` bound to `$n` in hand-written SQL), the type comes
//!     from the `Value` variant, as sqlx would bind it (`Json` is `jsonb`, `Double` is
//!     `double precision`, `BigUnsigned` is `bigint`, `Enum` is its enum type, ...).
//! - **Both**: floats in Rust's shortest round-trip text (`NaN`, `Infinity`, `-0`), a NUL
//!   character anywhere (text, JSON, arrays, composite fields) is [`LiteralError::Nul`]
//!   naming where it sits (``column `c.items[2].sku` ``, ``placeholder `$3` ``).
//!
//! [`inline`] replaces the `$n` placeholders of a statement built with placeholders
//! (`stmt.build(PostgresQueryBuilder)`, or hand-written) with these literals, through the
//! token-aware [`crate::placeholders::inline`] (every literal is a primary expression, so it
//! goes in without parentheses unless something next to it could join it; a negative number
//! is parenthesised: `-(-5)`).
//!
//! ```
//! use qsorm_connect::Flavor;
//! use qsorm_connect::literal::{SqlType, inline, literal, qs_ident, string_literal};
//! use sea_orm::Value;
//!
//! assert_eq!(string_literal("it's").unwrap(), "('it'||chr(39)||'s')");
//! assert_eq!(qs_ident("order"), "`order`");
//! let nan = Value::Double(Some(f64::NAN));
//! assert_eq!(literal(&nan, Some(&SqlType::Double), Flavor::QueryService).unwrap(), "CAST('NaN' AS double)");
//! assert_eq!(literal(&nan, None, Flavor::Postgres).unwrap(), "CAST('NaN' AS double precision)");
//! let sql = inline(
//!     "SELECT * FROM t WHERE k = $1 LIMIT $2",
//!     &[Value::from("a\\b"), Value::BigUnsigned(Some(10))],
//!     Flavor::QueryService,
//! )
//! .unwrap();
//! assert_eq!(sql, "SELECT * FROM t WHERE k = ('a'||chr(92)||'b') LIMIT 10");
//! ```

mod composite;
mod composite_types;
mod date;
mod error;
mod location;
mod number;
mod renderer;
mod scalar;
mod sql_type;
mod string;

pub use composite_types::{CompositeTable, CompositeTypes};
pub use date::{date_text, timestamp_text, timestamptz_text};
pub use error::{InlineError, LiteralError, inline_error};
pub use location::{Location, LocationKind};
pub use number::{bytea_hex, f32_text, f64_text};
pub use qsorm_ident::qs_ident;
pub use renderer::{Renderer, inline, literal};
pub use sql_type::SqlType;
pub use string::{NulCharacter, pg_string_literal, spark_string_literal, string_literal};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
