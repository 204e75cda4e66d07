//! `migrate generate NAME`: writes `m<YYYYMMDD_HHMMSS>_<name>.rs` from [`TEMPLATE`] into a
//! crate's source directory and registers it in that directory's `lib.rs`, before the two
//! `migrate-generate:` marker lines (a `pub mod` line and a `sourced!(...)` entry at the end
//! of the list). Rebuild to include it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::error::MigrateError;

/// The template of a new migration (`{{NAME}}` is replaced by its module name).
pub const TEMPLATE: &str = include_str!("migration_template.rs");
/// Marker before which `pub mod <module>;` is inserted in `lib.rs`.
pub const MODULES_MARKER: &str = "// migrate-generate: modules (keep this line)";
/// Marker before which `sourced!(<module>),` is inserted in `lib.rs`.
pub const LIST_MARKER: &str = "// migrate-generate: list (keep this line)";

/// `add user flags` -> `add_user_flags`; only ASCII letters, digits and `_` survive.
pub fn normalize(name: &str) -> Result<String, MigrateError> {
    let mut out = String::new();
    for c in name.trim().chars() {
        match c {
            'a'..='z' | '0'..='9' | '_' => out.push(c),
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            ' ' | '-' | '.' => out.push('_'),
            other => {
                return Err(MigrateError::Generate(format!(
                    "`{other}` cannot appear in a migration name (letters, digits, `_`)"
                )));
            }
        }
    }
    if out.trim_matches('_').is_empty() {
        return Err(MigrateError::Generate("empty migration name".to_owned()));
    }
    Ok(out)
}

/// The module name for `name` created at `at`.
pub fn module_name(name: &str, at: DateTime<Utc>) -> Result<String, MigrateError> {
    Ok(format!(
        "m{}_{}",
        at.format("%Y%m%d_%H%M%S"),
        normalize(name)?
    ))
}

/// Writes the new migration into `dir` (a crate's source directory, holding the `lib.rs`
/// that declares the migrations) and registers it in `dir/lib.rs`; returns its path.
pub fn generate(dir: &Path, name: &str, at: DateTime<Utc>) -> Result<PathBuf, MigrateError> {
    let module = module_name(name, at)?;
    let lib_path = dir.join("lib.rs");
    let lib = std::fs::read_to_string(&lib_path)
        .map_err(|e| MigrateError::Generate(format!("{}: {e}", lib_path.display())))?;
    for marker in [MODULES_MARKER, LIST_MARKER] {
        if lib.matches(marker).count() != 1 {
            return Err(MigrateError::Generate(format!(
                "{} must contain the line `{marker}` exactly once",
                lib_path.display()
            )));
        }
    }
    let file = dir.join(format!("{module}.rs"));
    if file.exists() {
        return Err(MigrateError::Generate(format!(
            "{} already exists",
            file.display()
        )));
    }
    let lib = insert_before(&lib, MODULES_MARKER, &format!("pub mod {module};"));
    let lib = insert_before(&lib, LIST_MARKER, &format!("sourced!({module}),"));
    std::fs::write(&file, TEMPLATE.replace("{{NAME}}", &module))?;
    std::fs::write(&lib_path, lib)?;
    Ok(file)
}

/// Inserts `line` before the line holding `marker`, with the marker line's indentation.
fn insert_before(text: &str, marker: &str, line: &str) -> String {
    let mut out = String::with_capacity(text.len() + line.len() + 16);
    for l in text.split_inclusive('\n') {
        if l.trim() == marker {
            let indent: String = l.chars().take_while(|c| c.is_whitespace()).collect();
            out.push_str(&format!("{indent}{line}\n"));
        }
        out.push_str(l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn names() {
        assert_eq!(
            normalize("Add user-flags").ok().as_deref(),
            Some("add_user_flags")
        );
        assert!(normalize("drop;table").is_err());
        assert!(normalize("  ").is_err());
        let at = Utc.with_ymd_and_hms(2025, 6, 1, 12, 30, 5).single();
        assert_eq!(
            at.and_then(|at| module_name("x", at).ok()).as_deref(),
            Some("m20250601_123005_x")
        );
    }

    #[test]
    fn template_compiles_as_a_migration() {
        use sea_orm_migration::MigrationName;
        // `crate::migration_template` is the template itself, compiled in tests.
        assert_eq!(
            crate::migration_template::Migration.name(),
            "migration_template"
        );
        assert!(TEMPLATE.contains("{{NAME}}"));
    }

    #[test]
    fn writes_into_the_given_directory() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let lib = format!(
            "pub mod m1;\n{MODULES_MARKER}\nvec![\n    sourced!(m1),\n    {LIST_MARKER}\n]\n"
        );
        std::fs::write(dir.path().join("lib.rs"), &lib)?;
        let at = Utc
            .with_ymd_and_hms(2025, 6, 1, 12, 30, 5)
            .single()
            .ok_or("time")?;
        let file = generate(dir.path(), "add flag", at)?;
        assert_eq!(file, dir.path().join("m20250601_123005_add_flag.rs"));
        let written = std::fs::read_to_string(&file)?;
        assert!(written.contains("Migration `m20250601_123005_add_flag`"));
        let lib = std::fs::read_to_string(dir.path().join("lib.rs"))?;
        assert!(lib.contains(&format!(
            "pub mod m20250601_123005_add_flag;\n{MODULES_MARKER}"
        )));
        assert!(lib.contains(&format!(
            "    sourced!(m20250601_123005_add_flag),\n    {LIST_MARKER}"
        )));
        // The same name at the same second: refused, nothing rewritten.
        assert!(generate(dir.path(), "add flag", at).is_err());
        // A lib.rs without the markers: refused.
        let bare = tempfile::tempdir()?;
        std::fs::write(bare.path().join("lib.rs"), "pub mod m1;\n")?;
        assert!(generate(bare.path(), "x", at).is_err());
        assert!(!bare.path().join("m20250601_123005_x.rs").exists());
        Ok(())
    }

    #[test]
    fn inserts_with_indent() {
        let text = format!("a\n    {LIST_MARKER}\n]\n");
        assert_eq!(
            insert_before(&text, LIST_MARKER, "sourced!(m1),"),
            format!("a\n    sourced!(m1),\n    {LIST_MARKER}\n]\n")
        );
    }
}
