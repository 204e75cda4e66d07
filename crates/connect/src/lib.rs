//! qsorm-connect: connection settings and a lazy sea-orm connection for Adobe Experience
//! Platform Query Service and PostgreSQL.
//!
//! ```no_run
//! # async fn demo() -> Result<(), qsorm_connect::ConnectError> {
//! use qsorm_connect::{ConnParams, EnvSource, QsConnection, resolve};
//!
//! // Flags/builder > QS_* > DATABASE_URL > PG* (with .env loaded underneath the real environment).
//! let config = resolve(ConnParams::default(), &EnvSource::from_process()?)?;
//! let conn = QsConnection::new(config); // lazy: nothing is sent yet
//! conn.check().await?; // first round trip; typed error on failure
//! # Ok(()) }
//! ```
//!
//! | source | how |
//! |---|---|
//! | builder / flags | [`ConnParams`] setters, [`cli::ConnectArgs`] |
//! | environment | `QS_HOST`, `QS_PORT`, `QS_DATABASE`, `QS_USER`, `QS_PASSWORD`, `QS_SSLMODE`, `QS_SSLROOTCERT`, `QS_FLAVOR`; `DATABASE_URL`; libpq `PG*` |
//! | pasted text | [`parse_any`]: a URL, a libpq `key=value` string, or Adobe's `psql "..."` command |
//! | credentials file | [`parse_credentials_json`]: Adobe's non-expiring credentials JSON |

#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
pub mod connection;
pub mod env;
pub mod error;
pub mod executor;
pub mod flavor;
pub mod literal;
pub mod params;
pub mod parse;
pub mod password;
pub mod placeholders;
pub mod simple;
pub mod sqlstate;
pub mod ssl;

/// Identifier quoting for PostgreSQL and Query Service (the `qsorm-ident` crate).
pub use qsorm_ident as ident;

pub use config::ConnConfig;
pub use connection::{IDLE_BEFORE_PING, QsConnection};
pub use env::{EnvSource, resolve};
pub use error::{ConnectError, ErrorContext, classify, classify_sqlx};
pub use executor::{Executor, ExecutorTransaction};
pub use flavor::Flavor;
pub use literal::{InlineError, LiteralError, SqlType, inline_error};
pub use params::ConnParams;
pub use parse::{
    parse_any, parse_credentials_json, parse_key_value, parse_psql_command, parse_url,
};
pub use password::Password;
pub use simple::{SimpleConnection, SimpleTransaction};
pub use sqlstate::{InvalidSqlState, SqlState};
pub use ssl::SslMode;
