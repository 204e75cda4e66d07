//! Migrations paired with their source text, so that each applied migration's checksum can be
//! recorded and compared later.

use std::path::PathBuf;

use sea_orm_migration::MigrationTrait;
use sha2::{Digest, Sha256};

/// A migration and the text of the file it is written in.
pub struct Sourced {
    /// The migration.
    pub migration: Box<dyn MigrationTrait>,
    /// Its source file (`include_str!`), hashed into [`Sourced::checksum`].
    pub source: &'static str,
}

impl std::fmt::Debug for Sourced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sourced")
            .field("name", &self.name())
            .field("checksum", &self.checksum())
            .finish()
    }
}

impl Sourced {
    /// Pairs a migration with its source text.
    pub fn new(migration: Box<dyn MigrationTrait>, source: &'static str) -> Sourced {
        Sourced { migration, source }
    }

    /// The migration's name (its file stem), as recorded in `seaql_migrations.version`.
    pub fn name(&self) -> &str {
        self.migration.name()
    }

    /// SHA-256 of the source text, lowercase hex.
    pub fn checksum(&self) -> String {
        checksum(self.source)
    }
}

/// SHA-256 of `text`, lowercase hex.
pub fn checksum(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// A list of migrations with their sources, in the order they apply.
pub trait SourcedMigrator {
    /// The migrations, oldest first (each usually [`sourced!`](crate::sourced!)).
    fn sourced() -> Vec<Sourced>;

    /// The directory holding the migration files and the `lib.rs` with the
    /// `migrate-generate:` markers, where `migrate generate` writes when not given `--dir`.
    /// `None` (the default): `--dir` is required. A crate usually answers
    /// `Some(concat!(env!("CARGO_MANIFEST_DIR"), "/src").into())`.
    fn source_dir() -> Option<PathBuf> {
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_hex() {
        assert_eq!(
            super::checksum("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
