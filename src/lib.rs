//! qsorm: typed models for Adobe Experience Platform Query Service and any PostgreSQL.
//!
//! This facade re-exports the workspace crates; the sandbox and the sample dataset only with
//! the features `sandbox` and `sample` (the examples, tests and benches turn both on):
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`connect`] | `qsorm-connect` | settings from flags/env/.env/PSQL command/credentials JSON, lazy pool, typed errors |
//! | [`inspect`] | `qsorm-inspect` | whole-schema reflection in a constant number of catalog queries |
//! | [`migrate`] | `qsorm-migrate` | the migration runner: advisory lock, checksums, status, dry run, the generic `migrate` CLI |
//! | `migrations` (feature `sample`) | `qsorm-migrations` | the sample dataset's migrations (run with [`migrate`]) |
//! | `entity` (feature `sample`) | `qsorm-entity` | the sample dataset's generated entities |
//! | [`repository`] | `qsorm-repository` | typed CRUD, bulk writes, typed errors, the Query Service profile |
//! | `sandbox` (feature `sandbox`) | `qsorm-sandbox` | a throwaway local PostgreSQL for tools, examples and tests |
//! | [`sea_orm`] | `sea-orm` | the ORM the generated entities use |

pub use qsorm_connect as connect;
#[cfg(feature = "sample")]
pub use qsorm_entity as entity;
pub use qsorm_inspect as inspect;
pub use qsorm_migrate as migrate;
#[cfg(feature = "sample")]
pub use qsorm_migrations as migrations;
pub use qsorm_repository as repository;
#[cfg(feature = "sandbox")]
pub use qsorm_sandbox as sandbox;
pub use sea_orm;
