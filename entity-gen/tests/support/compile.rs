//! The compile check: every case's generated modules in one temporary crate under
//! `target/tmp/`, built with one `cargo build --offline` into the workspace target
//! directory (its dependencies are compiled there once and kept between runs; the crate
//! itself builds incrementally), then run to round-trip rows through the generated
//! entities.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The temporary crate's manifest: what the generated code needs (sea-orm with the
/// workspace's features, serde, serde_json, and qsorm-repository for the `Table` impls)
/// and what the round trips use.
fn manifest(workspace: &Path) -> String {
    let repository = workspace.join("crates/repository");
    format!(
        r#"[package]
name = "entity-gen-compile-check"
version = "0.0.0"
edition = "2024"
publish = false

# Not a member of the qsorm workspace.
[workspace]

[dependencies]
qsorm-repository = {{ path = "{}" }}
sea-orm = {{ version = "2.0.4", default-features = false, features = ["sqlx-postgres", "runtime-tokio-rustls", "macros", "with-json", "with-chrono", "with-rust_decimal", "with-uuid", "postgres-array"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}
chrono = {{ version = "0.4", default-features = false, features = ["clock", "serde"] }}
rust_decimal = "1"
uuid = {{ version = "1", features = ["serde"] }}
"#,
        repository.display()
    )
}

/// The crate: `src/lib.rs` with `src/cases/<case>/` (generated, a library so that
/// unused public items do not warn), `src/main.rs` (the round trips).
pub struct CompileCrate {
    /// Its root.
    pub root: PathBuf,
}

impl CompileCrate {
    /// The crate directory, its files written only where their content changes (so
    /// that cargo sees unchanged sources as fresh), case directories of removed cases
    /// deleted.
    pub fn create(cases: &[String]) -> CompileCrate {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root")
            .to_path_buf();
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("entity-gen-compile-check");
        std::fs::create_dir_all(root.join("src/cases")).expect("crate dir");
        if let Ok(entries) = std::fs::read_dir(root.join("src/cases")) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if entry.path().is_dir() && !cases.contains(&name) {
                    std::fs::remove_dir_all(entry.path()).expect("remove stale case");
                }
            }
        }
        // The workspace's lock file pins the same versions (cargo drops unused entries).
        let lock = std::fs::read_to_string(workspace.join("Cargo.lock")).expect("lock file");
        let mods: String = cases.iter().map(|c| format!("pub mod {c};\n")).collect();
        for (path, text) in [
            ("Cargo.toml", manifest(&workspace)),
            ("Cargo.lock", lock),
            ("src/main.rs", include_str!("roundtrip_main.rs").to_owned()),
            (
                "src/lib.rs",
                "//! The generated modules of every entity-gen test case.\n\npub mod cases;\n"
                    .to_owned(),
            ),
            (
                "src/cases/mod.rs",
                format!("//! One module per case.\n\n{mods}"),
            ),
        ] {
            write_if_changed(&root.join(path), &text);
        }
        CompileCrate { root }
    }

    /// Where case `name`'s modules go.
    pub fn case_dir(&self, name: &str) -> PathBuf {
        self.root.join("src/cases").join(name)
    }

    /// `cargo build --offline` into the workspace target directory; panics with the
    /// compiler's output on failure. Returns the binary and the build time.
    pub fn build(&self) -> (PathBuf, Duration) {
        let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .expect("target dir")
            .to_path_buf();
        let started = Instant::now();
        // A fixed environment: the test process's variables (set by `cargo test`) would
        // make build scripts such as ring's rerun, and differ from a manual build.
        let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cmd.env_clear();
        for var in [
            "PATH",
            "HOME",
            "CARGO_HOME",
            "RUSTUP_HOME",
            "RUSTUP_TOOLCHAIN",
        ] {
            if let Some(value) = std::env::var_os(var) {
                cmd.env(var, value);
            }
        }
        let out = cmd
            .current_dir(&self.root)
            .env("CARGO_TARGET_DIR", &target)
            .args(["build", "--offline", "--quiet", "--message-format=short"])
            .output()
            .expect("cargo runs");
        let elapsed = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "the generated code does not compile:\n{stderr}"
        );
        let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("warning")).collect();
        assert!(
            warnings.is_empty(),
            "the generated code compiles with warnings:\n{}",
            warnings.join("\n")
        );
        (target.join("debug/entity-gen-compile-check"), elapsed)
    }
}

fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).expect("write");
    }
}
