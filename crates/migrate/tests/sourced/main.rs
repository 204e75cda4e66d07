//! A crate of migrations as a user writes one, outside this crate: `sourced!` pairs each
//! module with the file beside the caller (this directory), and the runner's `Migrator`
//! view of it is what `cli::run` and `Runner::of` take.

use qsorm_migrate::sourced::checksum;
use qsorm_migrate::{Sourced, SourcedMigrator, sourced};

pub mod m20250601_120000_create_things;
pub mod m20250601_120001_add_flag;
// migrate-generate: modules (keep this line)

/// The migrations of this "crate".
pub struct Migrator;

impl SourcedMigrator for Migrator {
    fn sourced() -> Vec<Sourced> {
        vec![
            sourced!(m20250601_120000_create_things),
            sourced!(m20250601_120001_add_flag),
            // migrate-generate: list (keep this line)
        ]
    }
}

fn on_disk(file: &str) -> String {
    let path = format!("{}/tests/sourced/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn sourced_pairs_each_migration_with_the_callers_file() {
    let sourced = Migrator::sourced();
    let names: Vec<&str> = sourced.iter().map(Sourced::name).collect();
    assert_eq!(
        names,
        [
            "m20250601_120000_create_things",
            "m20250601_120001_add_flag"
        ]
    );
    for s in &sourced {
        let text = on_disk(&format!("{}.rs", s.name()));
        assert_eq!(s.source, text);
        assert_eq!(s.checksum(), checksum(&text));
    }
    assert_ne!(sourced[0].checksum(), sourced[1].checksum());
}

#[test]
fn no_source_dir_unless_the_crate_gives_one() {
    assert_eq!(Migrator::source_dir(), None);
}
