//! qsorm-migrations: the sample Experience Platform dataset as sea-orm migrations, and the
//! `migrate` binary that applies them to PostgreSQL (the sandbox, or any server).
//!
//! It is one user of the runner, `qsorm-migrate`, and written the way any crate of
//! migrations is: the migrations, a [`Migrator`] listing them with `qsorm_migrate::sourced!`,
//! and a `main` that calls `qsorm_migrate::cli::run::<Migrator>`.
//!
//! | migration | creates |
//! |---|---|
//! | `m20250101_000001_web_events` | `web_events` (XDM ExperienceEvent: nested composites `web_events_web`, `web_events_commerce`, `web_events_product_list_items[]`, `web_events__acme`, `identity_map` jsonb; no primary key) |
//! | `m20250101_000002_profiles` | `profiles` (primary key, `profiles_person` composite, `profiles_loyalty_tier` enum, `tags text[]`, comments) |
//! | `m20250101_000003_orders` | `orders` -> `profiles`, `order_lines` (PK `(order_id, line_no)`), `line_adjustments` (composite FK to `order_lines`) |
//! | `m20250101_000004_daily_page_views` | the view `daily_page_views` |
//! | `m20250101_000005_sample_data` | the deterministic sample ([`sample`]): 10,000 events, 1,000 profiles, 2,000 orders |
//!
//! `qsorm_migrate::Runner` applies them: one transaction per migration (a failure rolls it
//! back and names the migration and statement), a PostgreSQL advisory lock around the whole
//! run, a SHA-256 of each migration's source recorded in `qsorm_migration_checksums` (so
//! `status` flags sources changed after they ran), and a dry-run mode.
//!
//! ## Adding a migration
//!
//! `cargo run -p qsorm-migrations --bin migrate -- generate add_something` writes
//! `src/m<timestamp>_add_something.rs` from `qsorm_migrate::generate::TEMPLATE` and inserts
//! `pub mod ...;` and `sourced!(...),` before the two `migrate-generate:` markers below.
//! By hand: do the same. The migration's name is its file stem.

pub mod sample;

pub mod m20250101_000001_web_events;
pub mod m20250101_000002_profiles;
pub mod m20250101_000003_orders;
pub mod m20250101_000004_daily_page_views;
pub mod m20250101_000005_sample_data;
// migrate-generate: modules (keep this line)

use std::path::PathBuf;

use qsorm_migrate::{Sourced, SourcedMigrator, sourced};
use sea_orm_migration::{MigrationTrait, MigratorTrait};

/// The migrations of this crate.
#[derive(Debug, Clone, Copy, Default)]
pub struct Migrator;

impl SourcedMigrator for Migrator {
    fn sourced() -> Vec<Sourced> {
        vec![
            sourced!(m20250101_000001_web_events),
            sourced!(m20250101_000002_profiles),
            sourced!(m20250101_000003_orders),
            sourced!(m20250101_000004_daily_page_views),
            sourced!(m20250101_000005_sample_data),
            // migrate-generate: list (keep this line)
        ]
    }

    /// This crate's `src/`, where `migrate generate` writes without `--dir`.
    fn source_dir() -> Option<PathBuf> {
        Some(concat!(env!("CARGO_MANIFEST_DIR"), "/src").into())
    }
}

/// Also a plain sea-orm `MigratorTrait`, for sea-orm's own tooling (which records no
/// checksums and takes no lock).
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        Self::sourced().into_iter().map(|s| s.migration).collect()
    }
}
