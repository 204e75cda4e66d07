//! A detached shell that stops the server (and removes files) once this process is gone,
//! however it ends: normal exit, panic=abort, SIGKILL.
//!
//! The shell's stdin is the read end of a pipe whose only write end lives in this process
//! (std creates pipes close-on-exec, so no other child inherits it). When this process dies
//! the kernel closes the write end, `read` returns, and the shell runs
//! `pg_ctl stop -m immediate` and `rm -rf`. It runs as the server user, in its own process
//! group (a Ctrl-C to the test run does not reach it), with stdout and stderr discarded.

use std::io::PipeWriter;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::SandboxError;
use crate::binaries::PgBinaries;
use crate::os_user::ServerUser;

const SCRIPT: &str = r#"read _ignored
"$1" -D "$2" -m immediate -w -t 60 stop >/dev/null 2>&1
shift 2
if [ "$#" -gt 0 ]; then rm -rf -- "$@"; fi
exit 0"#;

/// The running watchdog; [`Watchdog::disarm`] ends it without it doing anything.
#[derive(Debug)]
pub(crate) struct Watchdog {
    child: Child,
    /// Closing this (by exiting) is what wakes the watchdog up.
    _pipe: PipeWriter,
}

impl Watchdog {
    /// Spawn a watchdog that stops the cluster in `data` and then removes `remove`.
    pub(crate) fn spawn(
        bins: &PgBinaries,
        user: &ServerUser,
        data: &Path,
        remove: &[PathBuf],
    ) -> Result<Self, SandboxError> {
        let (reader, writer) =
            std::io::pipe().map_err(|e| SandboxError::io("creating the watchdog pipe", e))?;
        let mut cmd = Command::new("/bin/sh");
        user.prepare(&mut cmd);
        cmd.arg("-c")
            .arg(SCRIPT)
            .arg("qsorm-sandbox-watchdog")
            .arg(bins.pg_ctl())
            .arg(data)
            .args(remove)
            .stdin(Stdio::from(reader))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let child = cmd
            .spawn()
            .map_err(|e| SandboxError::io("spawning the watchdog (/bin/sh)", e))?;
        // `cmd` (holding our copy of the read end) is dropped here.
        Ok(Watchdog {
            child,
            _pipe: writer,
        })
    }

    /// Kill the watchdog before it acts (the owner cleans up itself) and reap it.
    pub(crate) fn disarm(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
