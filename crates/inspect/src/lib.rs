//! qsorm-inspect: schema reflection for PostgreSQL and Adobe Experience Platform
//! Query Service, in a constant number of catalog queries.
//!
//! [`inspect`] reads every selected table, view and materialized view with its
//! columns, keys, indexes, checks and the user types (enums, composites, domains) its
//! columns use, nested to any depth, and the triggers and partitioning psql's `\d`
//! shows, in six `pg_catalog` queries whatever the number of tables. [`table_names`] is the cheap listing.
//!
//! On Query Service only what Adobe documents is used: `SHOW TABLES`,
//! `SHOW PRIMARY KEYS`, `SHOW FOREIGN KEYS`, `SELECT * FROM t WHERE 1=0` and the catalog
//! queries psql's `\d` sends (copied verbatim, only their literals changed), in a
//! session of its own over the simple query protocol: pass
//! [`InspectOptions::for_connection`]. Two statements per table, one per composite type.
//! [`describe_text`] and [`tables_text`] render the results like psql's `\d` and `\dt`.
//!
//! ```no_run
//! use qsorm_connect::Flavor;
//! use qsorm_inspect::{InspectOptions, describe_text, inspect};
//!
//! # async fn run(conn: &sea_orm::DatabaseConnection) -> Result<(), qsorm_inspect::InspectError> {
//! let opts = InspectOptions::all(Flavor::Postgres).with_schemas(["public"]);
//! let schema = inspect(conn, &opts).await?;
//! for warning in &schema.warnings {
//!     eprintln!("warning: {warning}");
//! }
//! if let Some(orders) = schema.table("public", "orders") {
//!     println!("{}", describe_text(orders, &schema));
//! }
//! # Ok(()) }
//! ```
//!
//! The PostgreSQL queries carry no bind parameters: the schema and table filters are
//! inlined as escaped literals, so the same text can travel over the simple query
//! protocol ([`qsorm_connect::SimpleConnection`]); the rows decode the same in text and
//! binary format.
//! The model is `serde`-serializable with a stable order (tables by schema and name,
//! columns by ordinal, the rest by name), so its JSON can be compared and committed.

mod describe;
mod error;
mod extras;
mod literal;
mod model;
mod options;
mod psql;
mod qs_reflect;
mod queries;
mod query_service;
mod reflect;
mod relation;
mod resolve;
mod rows;
mod session;
mod sqltype;
mod text;
mod types;

pub use describe::{describe_text, tables_text};
pub use error::InspectError;
pub use literal::quote_literal;
pub use model::{
    Check, Column, FkAction, ForeignKey, Identity, Index, IndexColumn, PrimaryKey, Schema, Table,
    TableKind, TableSummary, UniqueConstraint,
};
pub use options::InspectOptions;
pub use reflect::{inspect, table_names};
pub use relation::{Partition, PartitionOf, RelationName, Trigger, TriggerFiring};
pub use types::{ColumnType, Field, UserType};
