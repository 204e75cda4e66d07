//! A throwaway local PostgreSQL for tests, examples and tools.
//!
//! - [`Sandbox::shared`]: one cluster per process (per test binary), TLS on, in a temp dir,
//!   stopped and removed by a watchdog when the process exits (even on abort).
//! - [`Sandbox::start`]: a cluster of your own; dropping it stops it and removes its temp dir.
//! - [`Sandbox::persistent`]: a cluster kept under the target dir, so that only the first run
//!   pays for initdb; the server is stopped on drop, the data kept.
//!
//! For fault tests: [`Sandbox::stop_server`], [`Sandbox::start_server`] and
//! [`Sandbox::restart_server`] take the server down and bring it back on the same port with the
//! same data; [`proxy::FaultProxy`] sits between a client and the server and stalls, cuts or
//! refuses links on demand.
//!
//! The cluster listens on 127.0.0.1 (a free port). The superuser `postgres` gets in without a
//! password (trust); every other role needs its password (scram-sha-256), over TLS or not.
//! The app role `qsorm_app` (LOGIN CREATEDB, random password) owns the databases made by
//! [`Sandbox::fresh_database`]. Durability is off (fsync, synchronous_commit,
//! full_page_writes): a crash may lose data, which does not matter here.
//!
//! Server programs are found through `PG_BIN`, `initdb` on `PATH`, or the newest
//! `/usr/lib/postgresql/<version>/bin`. When this process is root they run as the OS user
//! `postgres`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), qsorm_sandbox::SandboxError> {
//! use sqlx::Connection;
//! let sandbox = qsorm_sandbox::Sandbox::shared()?;
//! let db = sandbox.fresh_database().await?;
//! let mut conn = sqlx::PgConnection::connect_with(&sandbox.app_connect_options(&db)).await?;
//! # Ok(()) }
//! ```

mod admin;
mod binaries;
mod cluster;
mod error;
pub mod failing;
mod os_user;
pub mod password;
mod paths;
pub mod pgbouncer;
pub mod proxy;
mod restart;
mod sandbox;
mod start;
pub mod tls;
mod watchdog;

pub use admin::{quote_ident, quote_literal};
pub use error::SandboxError;
pub use restart::StopMode;
pub use sandbox::{Sandbox, SandboxOptions};

/// The superuser every cluster is created with.
pub(crate) const SUPERUSER: &str = "postgres";
/// The password role created at start.
pub(crate) const APP_USER: &str = "qsorm_app";
/// The only address the server listens on.
pub(crate) const HOST: &str = "127.0.0.1";
/// Length of the generated app password.
pub(crate) const APP_PASSWORD_LEN: usize = 24;
