//! The compile check: every case's generated modules in one temporary crate under
//! `target/tmp/`, built once with `cargo build --offline` into the workspace target
//! directory (so sea-orm and the other dependencies are reused, not rebuilt), then run to
//! round-trip rows through the generated entities.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The temporary crate's manifest. Path dependencies on the workspace crates keep the
/// feature set of sea-orm (and so its compiled artifacts) the same as the workspace's.
fn manifest(workspace: &Path) -> String {
    let path = |p: &str| workspace.join(p).display().to_string();
    format!(
        r#"[package]
name = "entity-gen-compile-check"
version = "0.0.0"
edition = "2024"
publish = false

# Not a member of the qsorm workspace.
[workspace]

[dependencies]
qsorm-repository = {{ path = "{repository}" }}
qsorm-entity-gen = {{ path = "{entity_gen}" }}
qsorm-migrations = {{ path = "{migrations}" }}
qsorm-entity = {{ path = "{entity}" }}
sea-orm = {{ version = "2.0.4", default-features = false, features = ["sqlx-postgres", "runtime-tokio-rustls", "macros", "with-json", "with-chrono", "with-rust_decimal", "with-uuid", "postgres-array"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}
chrono = {{ version = "0.4", default-features = false, features = ["clock", "serde"] }}
rust_decimal = "1"
uuid = {{ version = "1", features = ["serde"] }}
"#,
        repository = path("crates/repository"),
        entity_gen = path("entity-gen"),
        migrations = path("migrations"),
        entity = path("crates/entity"),
    )
}

/// The crate: `src/lib.rs` with `src/cases/<case>/` (generated, a library so that
/// unused public items do not warn), `src/main.rs` (the round trips).
pub struct CompileCrate {
    /// Its root.
    pub root: PathBuf,
}

impl CompileCrate {
    /// A fresh crate directory (previous sources removed, build cache kept elsewhere).
    pub fn create(cases: &[String]) -> CompileCrate {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root")
            .to_path_buf();
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("entity-gen-compile-check");
        let _ = std::fs::remove_dir_all(root.join("src"));
        std::fs::create_dir_all(root.join("src/cases")).expect("crate dir");
        std::fs::write(root.join("Cargo.toml"), manifest(&workspace)).expect("manifest");
        // The workspace's lock file pins the same versions (cargo drops unused entries).
        std::fs::copy(workspace.join("Cargo.lock"), root.join("Cargo.lock")).expect("lock file");
        std::fs::write(root.join("src/main.rs"), include_str!("roundtrip_main.rs"))
            .expect("main.rs");
        std::fs::write(
            root.join("src/lib.rs"),
            "//! The generated modules of every entity-gen test case.\n\npub mod cases;\n",
        )
        .expect("lib.rs");
        let mods: String = cases.iter().map(|c| format!("pub mod {c};\n")).collect();
        std::fs::write(
            root.join("src/cases/mod.rs"),
            format!("//! One module per case.\n\n{mods}"),
        )
        .expect("cases/mod.rs");
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
        let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
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
