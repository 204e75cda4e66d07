//! Where persistent clusters live.

use std::path::{Path, PathBuf};

use crate::SandboxError;
use crate::os_user::ServerUser;

/// FNV-1a (64 bit) of a path: a stable, dependency-free key for directory names.
pub(crate) fn fnv1a(path: &Path) -> u64 {
    path.as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// The target dir: `CARGO_TARGET_DIR`, else the nearest ancestor of the executable named
/// `target`.
fn target_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(dir);
        return Some(if dir.is_absolute() {
            dir
        } else {
            std::env::current_dir().ok()?.join(dir)
        });
    }
    let exe = std::env::current_exe().ok()?;
    exe.ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "target"))
        .map(Path::to_path_buf)
}

/// `<base>/qsorm-sandbox/pg<major>-u<euid>-<hash of this crate's source dir>`: one cluster per
/// workspace checkout, PostgreSQL major version and OS user, even when the base (a shared
/// `CARGO_TARGET_DIR` or the temp dir) is shared.
fn keyed(base: &Path, major: u32) -> PathBuf {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
    base.join("qsorm-sandbox").join(format!(
        "pg{major}-u{}-{:08x}",
        nix::unistd::geteuid().as_raw(),
        fnv1a(checkout) & 0xffff_ffff
    ))
}

/// The persistent cluster directory: under the target dir, else (no target dir, or the
/// server user cannot reach it, or we cannot create it there) under the temp dir.
pub(crate) fn persistent_dir(user: &ServerUser, major: u32) -> Result<PathBuf, SandboxError> {
    if let Some(target) = target_dir() {
        let dir = keyed(&target, major);
        let usable = user.check_traversable(&dir).and_then(|()| {
            std::fs::create_dir_all(&dir)
                .map_err(|e| SandboxError::io(format!("creating {}", dir.display()), e))
        });
        match usable {
            Ok(()) => return Ok(dir),
            Err(e) => tracing::warn!("{e}; using the temp dir for the persistent sandbox"),
        }
    }
    let dir = keyed(&std::env::temp_dir(), major);
    user.check_traversable(&dir)?;
    Ok(dir)
}
