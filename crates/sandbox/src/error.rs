//! The error type of this crate.

use std::path::PathBuf;

/// Errors from starting, stopping or administering a sandbox cluster.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// No PostgreSQL server binaries were found.
    #[error(
        "PostgreSQL server binaries not found ({searched}): install PostgreSQL server binaries, \
         e.g. `apt-get install -y postgresql`, or set PG_BIN to the directory holding \
         initdb, pg_ctl and postgres"
    )]
    BinariesNotFound {
        /// What was searched.
        searched: String,
    },

    /// A file-system or process operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// An external program (initdb, pg_ctl, ...) failed.
    #[error("`{command}` failed ({status}):\n{output}")]
    Command {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// Its stdout and stderr.
        output: String,
    },

    /// The server did not start.
    #[error("PostgreSQL did not start in {}: {reason}\n--- tail of {} ---\n{log_tail}", data_dir.display(), log.display())]
    StartFailed {
        /// The data directory.
        data_dir: PathBuf,
        /// The server log file.
        log: PathBuf,
        /// What pg_ctl said.
        reason: String,
        /// The last lines of the server log.
        log_tail: String,
    },

    /// This process is root, so PostgreSQL runs as another OS user, who cannot reach a directory.
    #[error(
        "directory {} is not traversable by OS user `{user}` (uid {uid}), who runs PostgreSQL \
         because this process is root: make it traversable (chmod o+x) or use another directory",
        dir.display()
    )]
    NotTraversable {
        /// The directory lacking the execute permission.
        dir: PathBuf,
        /// The OS user that runs the server.
        user: String,
        /// Its uid.
        uid: u32,
    },

    /// The OS user that should run the server is missing or unusable.
    #[error("{0}")]
    User(String),

    /// A cluster directory is in a state this crate will not touch.
    #[error("{0}")]
    Cluster(String),

    /// Generating the TLS certificates failed.
    #[error("TLS certificate generation failed: {0}")]
    Tls(#[from] rcgen::Error),

    /// A SQL command failed.
    #[error("SQL error: {0}")]
    Sql(#[from] sqlx::Error),

    /// A test helper (pgbouncer) could not be started.
    #[error("{0}")]
    Helper(String),
    /// An argument cannot be used (e.g. a name containing NUL).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// [`Sandbox::shared`](crate::Sandbox::shared) failed earlier in this process; it is not retried.
    #[error("the shared sandbox failed to start: {0}")]
    SharedUnavailable(String),
}

impl SandboxError {
    /// The SQLSTATE of a SQL error reported by the server, if this is one.
    pub fn sqlstate(&self) -> Option<String> {
        match self {
            SandboxError::Sql(e) => sqlstate(e),
            _ => None,
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        SandboxError::Io {
            context: context.into(),
            source,
        }
    }
}

/// The SQLSTATE of a sqlx error, if the server sent one.
pub(crate) fn sqlstate(e: &sqlx::Error) -> Option<String> {
    e.as_database_error()
        .and_then(|d| d.code())
        .map(|c| c.into_owned())
}
