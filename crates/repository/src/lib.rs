//! qsorm-repository: typed CRUD over any sea-orm entity, fast bulk writes, typed errors, and
//! a Query Service profile that emits only what Query Service accepts.
//!
//! ```no_run
//! # async fn demo<E: qsorm_repository::Table>(conn: &qsorm_connect::QsConnection) -> Result<(), qsorm_repository::RepoError> {
//! use qsorm_repository::ConnectionExt;
//! use sea_orm::Condition;
//!
//! let repo = conn.repo::<E>();
//! let n = repo.count(Condition::all()).await?;
//! # Ok(()) }
//! ```
//!
//! | profile | reads | writes |
//! |---|---|---|
//! | PostgreSQL | bind parameters; composites as `to_json(col)` | `insert_many` as `COPY` on a pool, else `UNNEST` of one text-array literal per column; UPDATE, DELETE, ON CONFLICT |
//! | Query Service | inlined literals; `find`/`stream` through a cursor, `FETCH` under the 50,000-row cap | `INSERT INTO t SELECT inline(array(struct(...), ...))` up to 4 MiB per statement by default (`Profile::with_statement_cap`), staged for all-or-nothing; update/delete/upsert refused before any round trip |
//!
//! [`qs_literal`]: the Query Service entry points into qsorm's one value renderer,
//! [`qsorm_connect::literal`] (typed literals that a Spark-style lexer and PostgreSQL read
//! alike, `struct(...)` / `array(...)`, backtick identifiers); inlined reads
//! ([`WireMode::Inline`]) go through the same renderer.
//!
//! [`qs_script`]: typed Query Service scripts (CTAS, `INSERT INTO ... SELECT`, views,
//! primary-key metadata), rendered for Query Service or PostgreSQL, and their "down" (drop
//! what the script created: Query Service has no data rollback).

mod bulk;
mod connection;
mod copy;
mod copy_composite;
mod copy_encode;
mod copy_fallback;
mod copy_text;
mod copy_time;
mod core;
mod cursor;
mod cursor_pages;
mod decode_check;
pub mod error;
mod exec;
pub mod nested;
pub mod pg_text;
pub mod profile;
mod qs_insert;
pub mod qs_literal;
pub mod qs_script;
mod query;
mod read;
mod related;
mod repo;
mod row_stream;
mod rows;
mod table;
mod tx;
mod write;

pub use bulk::ConflictTarget;
pub use connection::{ConnectionExt, RepoConnection};
pub use error::{RepoError, classify_db_err};
pub use profile::{Profile, QUERY_SERVICE_PAGE_CAP, Recorder, WireMode};
pub use qs_insert::{MAX_ROWS_PER_STATEMENT, MAX_STATEMENT_BYTES};
pub use qsorm_connect::SqlState;
pub use qsorm_connect::literal::CompositeTable;
pub use query::{ModelQuery, Query};
pub use read::{KeyOf, KeysetPage, Page};
pub use related::{AlsoRelated, WithRelated};
pub use repo::Repo;
pub use table::{NestedColumn, Table};
pub use tx::transaction;
