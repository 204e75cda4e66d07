//! Locating the PostgreSQL server programs (initdb, pg_ctl, postgres).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::SandboxError;

const PROGRAMS: [&str; 3] = ["initdb", "pg_ctl", "postgres"];
const DEBIAN_ROOT: &str = "/usr/lib/postgresql";

/// The directory holding the server programs, and the server's major version.
#[derive(Debug, Clone)]
pub(crate) struct PgBinaries {
    pub(crate) bin_dir: PathBuf,
    pub(crate) major: u32,
}

impl PgBinaries {
    /// `PG_BIN`, then `initdb` on `PATH` (symlinks resolved), then the newest
    /// `/usr/lib/postgresql/<version>/bin`.
    pub(crate) fn locate() -> Result<Self, SandboxError> {
        let bin_dir = find_bin_dir()?;
        let major = major_version(&bin_dir.join("postgres"))?;
        Ok(PgBinaries { bin_dir, major })
    }

    pub(crate) fn initdb(&self) -> PathBuf {
        self.bin_dir.join("initdb")
    }

    pub(crate) fn pg_ctl(&self) -> PathBuf {
        self.bin_dir.join("pg_ctl")
    }

    /// True when `pg_stat_statements.so` is installed next to the server
    /// (pkglibdir is `<bin>/../lib`, or `<bin>/../lib/postgresql` for a plain `--prefix` build).
    pub(crate) fn has_pg_stat_statements(&self) -> bool {
        let lib = self.bin_dir.join("..").join("lib");
        [
            lib.join("pg_stat_statements.so"),
            lib.join("postgresql").join("pg_stat_statements.so"),
        ]
        .iter()
        .any(|p| p.is_file())
    }
}

fn has_programs(dir: &Path) -> bool {
    PROGRAMS.iter().all(|p| dir.join(p).is_file())
}

fn find_bin_dir() -> Result<PathBuf, SandboxError> {
    if let Some(dir) = std::env::var_os("PG_BIN").filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(dir);
        if has_programs(&dir) {
            return Ok(dir);
        }
        return Err(SandboxError::BinariesNotFound {
            searched: format!(
                "PG_BIN={} does not contain initdb, pg_ctl and postgres",
                dir.display()
            ),
        });
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let initdb = dir.join("initdb");
            if !initdb.is_file() {
                continue;
            }
            // Resolve symlinks (e.g. /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb)
            // so that pkglibdir (<bin>/../lib) is found.
            if let Some(real) = initdb
                .canonicalize()
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf))
                .filter(|d| has_programs(d))
            {
                return Ok(real);
            }
            if has_programs(&dir) {
                return Ok(dir);
            }
        }
    }
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir(DEBIAN_ROOT)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let version: Option<Vec<u32>> = name.split('.').map(|p| p.parse().ok()).collect();
            let bin = entry.path().join("bin");
            Some((version?, bin)).filter(|(_, b)| has_programs(b))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| SandboxError::BinariesNotFound {
            searched: format!("PG_BIN unset, no initdb on PATH, nothing in {DEBIAN_ROOT}/*/bin"),
        })
}

/// Major version from `postgres --version` ("postgres (PostgreSQL) 15.14 (Debian ...)").
fn major_version(postgres: &Path) -> Result<u32, SandboxError> {
    let out = Command::new(postgres)
        .arg("--version")
        .output()
        .map_err(|e| SandboxError::io(format!("running {} --version", postgres.display()), e))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_once(')')
        .map(|(_, rest)| rest.trim_start())
        .and_then(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .ok_or_else(|| SandboxError::Cluster(format!("cannot parse `postgres --version`: {text}")))
}
