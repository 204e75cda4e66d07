//! Helpers for the `entity-gen` tests: the sandbox, fresh databases with a schema, the
//! binary with a clean environment, and the snapshot cases under `tests/cases/`.

#![allow(dead_code)]

pub mod compile;
pub mod failures;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use qsorm_sandbox::Sandbox;

/// The cluster of this test binary.
pub fn sandbox() -> &'static Sandbox {
    Sandbox::shared().expect("sandbox starts")
}

/// Runs `entity-gen` with a clean environment (no QS_*, PG*, DATABASE_URL, CI, no .env).
/// It runs without a terminal, so the sandbox is used only with `--sandbox`.
pub fn entity_gen(args: &[&str]) -> Output {
    entity_gen_command(&[], args)
        .output()
        .expect("entity-gen runs")
}

/// `entity-gen ARGS` with a clean environment plus `env` (no .env file read).
pub fn entity_gen_command(env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_entity-gen"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .envs(env.iter().copied())
        .args(["--env-file", "/nonexistent/.env"])
        .args(args);
    cmd
}

/// stdout of a run that must succeed.
pub fn success(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "entity-gen failed: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The URL of `db` for the sandbox's password role (verified TLS).
pub fn app_url(sb: &Sandbox, db: &str) -> String {
    qsorm_connect::cli::sandbox_connection(sb, db, None)
        .expect("config")
        .config()
        .url_with_password()
}

/// A fresh database with `sql` loaded (as superuser, then everything granted to the app
/// role), and its app-role URL.
pub async fn database_with(sql: &str) -> (String, String) {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("fresh database");
    sb.admin_execute(&db, sql).await.expect("load schema");
    let grant = format!(
        "DO $$ DECLARE s text; BEGIN FOR s IN SELECT nspname FROM pg_namespace \
         WHERE nspname NOT LIKE 'pg_%' AND nspname <> 'information_schema' LOOP \
         EXECUTE format('GRANT ALL ON SCHEMA %I TO %I', s, '{user}'); \
         EXECUTE format('GRANT ALL ON ALL TABLES IN SCHEMA %I TO %I', s, '{user}'); \
         EXECUTE format('GRANT ALL ON ALL SEQUENCES IN SCHEMA %I TO %I', s, '{user}'); \
         END LOOP; END $$",
        user = sb.app_user()
    );
    sb.admin_execute(&db, &grant).await.expect("grant");
    let url = app_url(sb, &db);
    (db, url)
}

/// `tests/cases/`.
pub fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// The case names (directories of `tests/cases/`), sorted.
pub fn case_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(cases_dir())
        .expect("cases dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("schema.sql").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// A case's schema and generator arguments (`args`: one argument per line).
pub struct Case {
    /// The name.
    pub name: String,
    /// `schema.sql`.
    pub schema: String,
    /// Extra `generate` arguments.
    pub args: Vec<String>,
}

impl Case {
    /// Reads `tests/cases/<name>/`.
    pub fn load(name: &str) -> Case {
        let dir = cases_dir().join(name);
        let schema = std::fs::read_to_string(dir.join("schema.sql")).expect("schema.sql");
        let args = std::fs::read_to_string(dir.join("args"))
            .map(|s| {
                s.lines()
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Case {
            name: name.to_owned(),
            schema,
            args,
        }
    }
}

/// What `generate` produced for a case.
pub struct Generated {
    /// The database it was generated from.
    pub db: String,
    /// Its URL.
    pub url: String,
    /// The output directory.
    pub dir: PathBuf,
    /// The `warning:` lines on stderr.
    pub warnings: Vec<String>,
    /// (file name, content), sorted by name.
    pub files: Vec<(String, String)>,
}

impl Generated {
    /// All files in one text, for a snapshot.
    pub fn snapshot_text(&self) -> String {
        let mut out = String::from("warnings:\n");
        for w in &self.warnings {
            out.push_str(&format!("  {w}\n"));
        }
        for (name, text) in &self.files {
            out.push_str(&format!(
                "\n==================== {name} ====================\n{text}"
            ));
        }
        out
    }
}

/// Loads the case into a fresh database and runs `entity-gen generate` into `out`.
pub async fn generate_case(case: &Case, out: &Path) -> Generated {
    let (db, url) = database_with(&case.schema).await;
    let out_str = out.to_str().expect("utf-8 path").to_owned();
    let mut args = vec!["--url", &url, "generate", "--out", &out_str];
    args.extend(case.args.iter().map(String::as_str));
    let run = entity_gen(&args);
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "case {}: {stderr}", case.name);
    let warnings = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("warning: "))
        .map(str::to_owned)
        .collect();
    Generated {
        db,
        url,
        dir: out.to_path_buf(),
        warnings,
        files: read_dir_sorted(out),
    }
}

/// (file name, content) of the files in `dir`, sorted by name.
pub fn read_dir_sorted(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("out dir")
        .filter_map(|e| e.ok())
        .map(|e| {
            let name = e.file_name().into_string().expect("utf-8 name");
            let text = std::fs::read_to_string(e.path()).expect("read");
            (name, text)
        })
        .collect();
    files.sort();
    files
}
