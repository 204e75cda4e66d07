//! Stopping and starting a sandbox's server again on the same port and data directory, for
//! tests of what clients do when their server goes away and comes back.

use std::sync::atomic::Ordering;

use crate::cluster;
use crate::{Sandbox, SandboxError};

/// How [`Sandbox::stop_server`] shuts the server down (`pg_ctl stop -m <mode>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StopMode {
    /// Roll back open transactions, end every session (they get SQLSTATE 57P01), checkpoint.
    #[default]
    Fast,
    /// Like a crash: every process is killed at once, no checkpoint; the next start recovers
    /// from the WAL.
    Immediate,
}

impl StopMode {
    fn as_arg(self) -> &'static str {
        match self {
            StopMode::Fast => "fast",
            StopMode::Immediate => "immediate",
        }
    }
}

impl Sandbox {
    /// Stops the server (sessions are ended, open transactions lost) and keeps everything
    /// else: data, settings, port. [`Sandbox::start_server`] starts it again. Only for a
    /// server this handle started; on [`Sandbox::shared`] it affects every user of the shared
    /// sandbox in this process, so tests that restart usually [`Sandbox::start`] their own.
    pub fn stop_server(&self, mode: StopMode) -> Result<(), SandboxError> {
        self.check_owned("stop")?;
        let _lock = self.lock_if_persistent()?;
        cluster::stop(&self.bins, &self.user, &self.layout.data, mode.as_arg())?;
        self.stopped.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Starts the server stopped by [`Sandbox::stop_server`] on the same port, with the same
    /// data, roles and settings. Fails (nothing retried elsewhere) if another process took
    /// the port in between.
    pub fn start_server(&self) -> Result<(), SandboxError> {
        self.check_owned("start")?;
        let _lock = self.lock_if_persistent()?;
        cluster::start_again(&self.bins, &self.user, &self.layout)?;
        self.stopped.store(false, Ordering::SeqCst);
        Ok(())
    }

    /// [`Sandbox::stop_server`] then [`Sandbox::start_server`]: what a client sees when its
    /// server is restarted.
    pub fn restart_server(&self, mode: StopMode) -> Result<(), SandboxError> {
        self.stop_server(mode)?;
        self.start_server()
    }

    /// Whether the server was stopped by [`Sandbox::stop_server`] and not started again.
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    fn check_owned(&self, what: &str) -> Result<(), SandboxError> {
        if self.owns_server {
            Ok(())
        } else {
            Err(SandboxError::Cluster(format!(
                "cannot {what} the server in {}: another process started it and owns it",
                self.layout.dir.display()
            )))
        }
    }

    fn lock_if_persistent(&self) -> Result<Option<std::fs::File>, SandboxError> {
        if self.persistent {
            crate::start::lock(&self.layout).map(Some)
        } else {
            Ok(None)
        }
    }
}
