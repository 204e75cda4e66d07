//! The OS user that runs PostgreSQL: the current user, or `postgres` when this process is root
//! (PostgreSQL refuses to run as root).

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::SandboxError;

/// The OS user programs run as when this process is root.
pub(crate) const SERVER_OS_USER: &str = "postgres";

/// Who runs initdb, pg_ctl and postgres.
#[derive(Debug, Clone)]
pub(crate) struct ServerUser {
    /// `Some` when this process is root and must switch to another user.
    switch: Option<Switch>,
}

#[derive(Debug, Clone)]
struct Switch {
    name: String,
    uid: u32,
    gid: u32,
}

impl ServerUser {
    pub(crate) fn detect() -> Result<Self, SandboxError> {
        if !nix::unistd::geteuid().is_root() {
            return Ok(ServerUser { switch: None });
        }
        let user = nix::unistd::User::from_name(SERVER_OS_USER)
            .map_err(|e| SandboxError::User(format!("looking up OS user `{SERVER_OS_USER}`: {e}")))?
            .ok_or_else(|| {
                SandboxError::User(format!(
                    "this process is root and PostgreSQL refuses to run as root, but there is no \
                     OS user `{SERVER_OS_USER}` to run it as (create one, e.g. \
                     `useradd --system {SERVER_OS_USER}`, or run as a normal user)"
                ))
            })?;
        Ok(ServerUser {
            switch: Some(Switch {
                name: user.name,
                uid: user.uid.as_raw(),
                gid: user.gid.as_raw(),
            }),
        })
    }

    /// The uid the server runs as.
    pub(crate) fn uid(&self) -> u32 {
        match &self.switch {
            Some(s) => s.uid,
            None => nix::unistd::geteuid().as_raw(),
        }
    }

    /// A command for a PostgreSQL program, run as the server user, in `/`, without `PG*`
    /// variables from our environment, stdin closed.
    pub(crate) fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        self.prepare(&mut cmd);
        cmd
    }

    pub(crate) fn prepare(&self, cmd: &mut Command) {
        if let Some(s) = &self.switch {
            // std drops supplementary groups (setgroups(0)) when root switches uid.
            cmd.uid(s.uid).gid(s.gid);
        }
        cmd.current_dir("/").stdin(Stdio::null());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PG") {
                cmd.env_remove(key);
            }
        }
    }

    /// Give `path` to the server user (no-op when not root).
    pub(crate) fn chown(&self, path: &Path) -> Result<(), SandboxError> {
        if let Some(s) = &self.switch {
            std::os::unix::fs::chown(path, Some(s.uid), Some(s.gid))
                .map_err(|e| SandboxError::io(format!("chown {}", path.display()), e))?;
        }
        Ok(())
    }

    /// Check that the server user can traverse every existing ancestor of `dir`.
    pub(crate) fn check_traversable(&self, dir: &Path) -> Result<(), SandboxError> {
        let Some(s) = &self.switch else {
            return Ok(());
        };
        for ancestor in dir.ancestors().skip(1) {
            let Ok(meta) = fs::metadata(ancestor) else {
                continue; // created later by us (root, mode 0755)
            };
            let mode = meta.permissions().mode();
            let ok = mode & 0o001 != 0
                || (meta.uid() == s.uid && mode & 0o100 != 0)
                || (meta.gid() == s.gid && mode & 0o010 != 0);
            if !ok {
                return Err(SandboxError::NotTraversable {
                    dir: ancestor.to_path_buf(),
                    user: s.name.clone(),
                    uid: s.uid,
                });
            }
        }
        Ok(())
    }
}

/// Write a file (mode `mode`) owned by the server user.
pub(crate) fn write_file(
    user: &ServerUser,
    path: &Path,
    contents: &[u8],
    mode: u32,
) -> Result<(), SandboxError> {
    let ctx = |what: &str| format!("{what} {}", path.display());
    fs::write(path, contents).map_err(|e| SandboxError::io(ctx("writing"), e))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| SandboxError::io(ctx("chmod"), e))?;
    user.chown(path)
}

/// Create a directory (and missing parents) and give the leaf to the server user.
pub(crate) fn create_dir(user: &ServerUser, path: &Path, mode: u32) -> Result<(), SandboxError> {
    fs::create_dir_all(path)
        .map_err(|e| SandboxError::io(format!("creating {}", path.display()), e))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| SandboxError::io(format!("chmod {}", path.display()), e))?;
    user.chown(path)
}
