//! qsorm-migrate: the migration runner, for any crate of sea-orm migrations.
//!
//! A crate of migrations depends on this crate (and on `sea-orm-migration`, which its
//! migrations implement), lists its migrations with [`sourced!`] in a [`SourcedMigrator`],
//! and gets:
//!
//! | piece | does |
//! |---|---|
//! | [`runner::Runner`] | applies or reverts: one transaction per migration (a failure rolls it back and names the migration and statement), a PostgreSQL advisory lock ([`lock`]) around the whole run, `fresh` / `refresh` / `reset` |
//! | [`history`], [`status`] | a SHA-256 of each migration's source recorded in `qsorm_migration_checksums` beside sea-orm's `seaql_migrations`, so `status` flags sources changed after they ran |
//! | [`dry_run`] | runs the migrations against a recording connection: the SQL is printed, nothing reaches the server |
//! | `cli` (feature `cli`) | the `migrate` command line (`up`, `down`, `status`, `fresh`, `refresh`, `reset`, `generate`), generic over the migrator: `cli::run::<Migrator>`; it connects like every qsorm tool (qsorm-connect's `ConnectArgs`, with its `--sandbox` fallback) |
//! | [`generate`] | writes a new migration from the template into a crate's source directory and registers it |
//! | [`sql`], [`progress`] | raw SQL that the runner can name in errors, and progress bars, for migrations to use |
//!
//! It holds no migrations itself (the sample dataset is `qsorm-migrations`, one user of it).
//!
//! ## A crate of migrations
//!
//! `src/lib.rs`, beside `src/m20250601_120000_create_things.rs` (which defines
//! `pub struct Migration` implementing `sea_orm_migration::MigrationTrait`):
//!
//! ```rust,ignore
//! use qsorm_migrate::{Sourced, SourcedMigrator, sourced};
//!
//! pub mod m20250601_120000_create_things;
//! // migrate-generate: modules (keep this line)
//!
//! pub struct Migrator;
//!
//! impl SourcedMigrator for Migrator {
//!     fn sourced() -> Vec<Sourced> {
//!         vec![
//!             sourced!(m20250601_120000_create_things),
//!             // migrate-generate: list (keep this line)
//!         ]
//!     }
//!
//!     // Where `migrate generate NAME` writes without `--dir`.
//!     fn source_dir() -> Option<std::path::PathBuf> {
//!         Some(concat!(env!("CARGO_MANIFEST_DIR"), "/src").into())
//!     }
//! }
//! ```
//!
//! and a binary, `src/main.rs` (with `qsorm-migrate`'s feature `cli`, and `tokio`):
//!
//! ```rust,ignore
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     let cli = qsorm_migrate::cli::Cli::from_args();
//!     match qsorm_migrate::cli::run::<my_migrations::Migrator>(cli).await {
//!         Ok(()) => std::process::ExitCode::SUCCESS,
//!         Err(e) => {
//!             eprintln!("migrate: error: {e}");
//!             std::process::ExitCode::FAILURE
//!         }
//!     }
//! }
//! ```
//!
//! (`tests/sourced/` of this crate is such a crate's `lib.rs`, compiled and run.) From code,
//! `Runner::of::<Migrator>(&conn).run(Op::Up(None))` does what `migrate up` does.
//!
//! ## Adding a migration
//!
//! `migrate generate add_something` writes `m<timestamp>_add_something.rs` from
//! [`generate::TEMPLATE`] into the source directory and inserts `pub mod ...;` and
//! `sourced!(...),` before the two `migrate-generate:` marker lines of its `lib.rs`.
//! By hand: do the same. A migration's name is its file stem.

#[cfg(feature = "cli")]
pub mod cli;
pub mod dry_run;
pub mod error;
pub mod generate;
pub mod history;
pub mod lock;
pub mod progress;
pub mod runner;
pub mod schema_objects;
pub mod sourced;
pub mod sql;
pub mod status;

#[cfg(test)]
mod migration_template;

pub use error::MigrateError;
pub use runner::{Op, Runner};
pub use sourced::{Sourced, SourcedMigrator};

/// A migration module paired with its source file, for [`SourcedMigrator::sourced`]:
/// `sourced!(m20250601_120000_create_things)` is
/// `Sourced::new(Box::new(m20250601_120000_create_things::Migration), include_str!("m20250601_120000_create_things.rs"))`.
///
/// The module must define `Migration` (a `sea_orm_migration::MigrationTrait`), and its file
/// must be `<module>.rs` in the directory of the file that invokes the macro:
/// `include_str!` resolves relative to the caller's file, so invoke it in the `lib.rs` (or
/// `mod.rs`) that declares the migration modules. The source text is what gets checksummed.
#[macro_export]
macro_rules! sourced {
    ($module:ident) => {
        $crate::Sourced::new(
            ::std::boxed::Box::new($module::Migration),
            ::core::include_str!(::core::concat!(::core::stringify!($module), ".rs")),
        )
    };
}
