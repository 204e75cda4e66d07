//! The [`Sandbox`] handle: accessors, the per-process shared instance, and shutdown on drop.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tempfile::TempDir;

use crate::binaries::PgBinaries;
use crate::cluster::{self, Layout};
use crate::os_user::ServerUser;
use crate::watchdog::Watchdog;
use crate::{APP_USER, HOST, SUPERUSER, SandboxError};

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Serve TLS with a certificate signed by a CA made at start (default true).
    pub tls: bool,
    /// Keep the cluster in this directory across runs (initdb only once, server stopped on
    /// drop, data kept). `None` (default): a temp dir removed on drop.
    pub persistent_dir: Option<PathBuf>,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            tls: true,
            persistent_dir: None,
        }
    }
}

/// A running local PostgreSQL cluster. See the [crate docs](crate).
pub struct Sandbox {
    pub(crate) bins: PgBinaries,
    pub(crate) user: ServerUser,
    pub(crate) layout: Layout,
    pub(crate) port: u16,
    pub(crate) tls: bool,
    pub(crate) app_password: String,
    pub(crate) started_in: Duration,
    pub(crate) pg_stat_statements: bool,
    /// This handle started the server and stops it on drop.
    pub(crate) owns_server: bool,
    /// Stopped by [`Sandbox::stop_server`] and not started again.
    pub(crate) stopped: AtomicBool,
    /// A persistent cluster (start and stop are serialized by its lock file).
    pub(crate) persistent: bool,
    /// Persistent clusters: this process's shared hold on the users lock.
    pub(crate) users_lock: Option<std::fs::File>,
    pub(crate) watchdog: Option<Watchdog>,
    /// A separate socket dir (path too long for a socket in `dir`) to remove on drop.
    pub(crate) extra_socket_dir: Option<PathBuf>,
    /// Dropped (removed) after the server is stopped: keep this the last field.
    pub(crate) temp_dir: Option<TempDir>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("dir", &self.layout.dir)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("app_password", &"<redacted>")
            .field("started_in", &self.started_in)
            .field("pg_stat_statements", &self.pg_stat_statements)
            .field("owns_server", &self.owns_server)
            .field("persistent", &self.persistent)
            .finish_non_exhaustive()
    }
}

static SHARED: OnceLock<Result<Sandbox, String>> = OnceLock::new();

impl Sandbox {
    /// The cluster of this process (TLS on, temp dir), started on the first call. It is never
    /// dropped: a watchdog process stops it and removes its directory once this process has
    /// exited, however it exits. If the start fails, every call returns
    /// [`SandboxError::SharedUnavailable`] with the first error's text (no retry).
    pub fn shared() -> Result<&'static Sandbox, SandboxError> {
        let result = SHARED
            .get_or_init(|| Sandbox::start(SandboxOptions::default()).map_err(|e| e.to_string()));
        result
            .as_ref()
            .map_err(|msg| SandboxError::SharedUnavailable(msg.clone()))
    }

    /// Always `127.0.0.1`.
    pub fn host(&self) -> &str {
        HOST
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The PEM file of the CA that signed the server certificate (for `verify-ca` /
    /// `verify-full`); `None` when TLS is off.
    pub fn ca_cert_path(&self) -> Option<&Path> {
        self.tls.then_some(self.layout.ca_cert.as_path())
    }

    /// Whether the server accepts TLS (`ssl = on`).
    pub fn tls(&self) -> bool {
        self.tls
    }

    /// `postgres`: trust authentication from 127.0.0.1, no password.
    pub fn superuser(&self) -> &str {
        SUPERUSER
    }

    /// `postgres://postgres@127.0.0.1:PORT/DATABASE?sslmode=disable`.
    pub fn superuser_url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@{HOST}:{}/{}?sslmode=disable",
            self.port,
            percent_encode(database)
        )
    }

    /// `qsorm_app`: LOGIN CREATEDB, password authentication (scram-sha-256).
    pub fn app_user(&self) -> &str {
        APP_USER
    }

    /// The app role's password: 24 random letters and digits (kept across runs for
    /// persistent clusters).
    pub fn app_password(&self) -> &str {
        &self.app_password
    }

    /// `postgres://qsorm_app:PASSWORD@127.0.0.1:PORT/DATABASE?sslmode=require` (or
    /// `sslmode=disable` when TLS is off).
    pub fn app_url(&self, database: &str) -> String {
        format!(
            "postgres://{APP_USER}:{}@{HOST}:{}/{}?sslmode={}",
            self.app_password,
            self.port,
            percent_encode(database),
            if self.tls { "require" } else { "disable" }
        )
    }

    /// How long the start took: initdb and server start, or server start only (persistent
    /// cluster already initialized), or connecting only (server reused).
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// True when pg_stat_statements is preloaded (`shared_preload_libraries`, `track = all`)
    /// and installed in template1, hence in every fresh database.
    pub fn has_pg_stat_statements(&self) -> bool {
        self.pg_stat_statements
    }

    /// The directory holding everything: `data/` (PGDATA), `server.log`, certificates.
    pub fn dir(&self) -> &Path {
        &self.layout.dir
    }

    /// PGDATA.
    pub fn data_dir(&self) -> &Path {
        &self.layout.data
    }

    /// The server log.
    pub fn log_path(&self) -> &Path {
        &self.layout.log
    }

    /// The directory of the unix socket (`psql -h <this> -U postgres`).
    pub fn socket_dir(&self) -> &Path {
        &self.layout.socket_dir
    }

    /// The directory of the PostgreSQL programs in use (psql, pg_dump, ... are there too).
    pub fn bin_dir(&self) -> &Path {
        &self.bins.bin_dir
    }

    /// Stop the server we started (and, for a temp cluster, the watchdog's job is done here).
    fn shutdown(&mut self) {
        // A persistent server is shared: whoever leaves last stops it, owner or not.
        let _lock = if self.persistent && self.users_lock.is_some() {
            crate::start::lock(&self.layout).ok()
        } else {
            None
        };
        let last_user = self.persistent
            && self.users_lock.take().is_some()
            && !crate::start::other_users(&self.layout);
        let running = !self.stopped.load(Ordering::SeqCst)
            && if self.persistent {
                last_user && cluster::running_server(&self.layout.data).is_some()
            } else {
                self.owns_server
                    || (self.temp_dir.is_some()
                        && cluster::running_server(&self.layout.data).is_some())
            };
        if running {
            if let Err(e) = cluster::stop(&self.bins, &self.user, &self.layout.data, "fast") {
                tracing::warn!("stopping the sandbox in {}: {e}", self.layout.dir.display());
            }
            if self.persistent {
                let _ = std::fs::remove_file(&self.layout.owner_pid);
            }
        }
        if let Some(watchdog) = self.watchdog.take() {
            watchdog.disarm();
        }
        if let Some(dir) = self.extra_socket_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Drop for Sandbox {
    /// Stops a server this handle started (`pg_ctl stop -m fast`); a temp cluster's
    /// directory is then removed. A persistent cluster keeps its data.
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Percent-encode everything but RFC 3986 unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
