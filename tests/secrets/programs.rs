//! The programs under test (the `entity-gen` and `migrate` binaries, the examples), run as
//! processes with exactly the settings given, `RUST_LOG=trace`, and nothing inherited.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `target/debug` (or the profile this test was built in).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

fn existing(path: PathBuf) -> PathBuf {
    assert!(
        path.is_file(),
        "{} is missing: `cargo test --workspace` builds it; alone, run \
         `cargo build --bins --examples --workspace` first",
        path.display()
    );
    path
}

/// A binary of the workspace (`entity-gen`, `migrate`).
pub fn binary(name: &str) -> PathBuf {
    existing(profile_dir().join(name))
}

/// An example of the root package.
pub fn example(name: &str) -> PathBuf {
    existing(profile_dir().join("examples").join(name))
}

/// Connection settings as a user would give them: variables and flags.
#[derive(Clone, Default)]
pub struct Settings {
    /// Environment variables.
    pub env: Vec<(String, String)>,
    /// Flags placed before the command's own arguments.
    pub flags: Vec<String>,
}

impl Settings {
    /// Settings from variables only.
    pub fn env<K: Into<String>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>) -> Self {
        Settings {
            env: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            flags: Vec::new(),
        }
    }

    /// Settings from flags only.
    pub fn flags<S: Into<String>>(flags: impl IntoIterator<Item = S>) -> Self {
        Settings {
            env: Vec::new(),
            flags: flags.into_iter().map(Into::into).collect(),
        }
    }

    /// The same settings with one variable replaced or added.
    pub fn with_var(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }
}

/// What a run printed (stdout then stderr) and whether it succeeded.
pub struct Ran {
    /// Exit status 0.
    pub ok: bool,
    /// stdout and stderr.
    pub text: String,
}

/// Runs `program` with `settings` and `args` in `dir` (where a `.env` may be), at
/// `RUST_LOG=trace`, with no other variable but PATH and HOME.
pub fn run(program: &Path, settings: &Settings, args: &[&str], dir: &Path) -> Ran {
    let out = Command::new(program)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("RUST_LOG", "trace")
        .env("RUST_BACKTRACE", "1")
        .envs(settings.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .args(&settings.flags)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", program.display()));
    Ran {
        ok: out.status.success(),
        text: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// A directory of its own under the system temp dir, removed on drop (the root package has
/// no `tempfile` dependency).
pub struct TempDir(PathBuf);

impl TempDir {
    /// `qsorm-secrets-<pid>-<name>`, empty.
    pub fn new(name: &str) -> TempDir {
        let path =
            std::env::temp_dir().join(format!("qsorm-secrets-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
