//! sea-orm 2 entity generation from a reflected schema (the library behind
//! `entity-gen generate` and `entity-gen check`).
//!
//! [`generate`] turns a [`Schema`] into files: one module per table or view in sea-orm
//! 2's **dense** entity format (`#[sea_orm::model]`, relations as `BelongsTo` /
//! `HasMany` / `HasOne` fields of `Model`, the format sea-orm 2's documentation
//! recommends), `sea_orm_active_enums.rs` for enums, `composites.rs` for composite
//! types (nested structs mapped through JSON), `mod.rs` and `prelude.rs`. Nothing is
//! written to disk here and nothing runs `rustfmt`: tokens are built with `quote` and
//! formatted with `prettyplease`. The same schema and options give byte-identical files.
//!
//! ```
//! use qsorm_entity_gen::codegen::{GenerateOptions, generate};
//! # let schema = qsorm_inspect::Schema { schemas: vec![], tables: vec![], types: vec![], warnings: vec![] };
//! let generated = generate(&schema, &GenerateOptions::default()).expect("valid options");
//! for warning in &generated.warnings {
//!     eprintln!("warning: {warning}");
//! }
//! assert!(generated.files.contains_key("mod.rs"));
//! ```
//!
//! See [`keys`] for the primary-key rule of tables without one and [`types`] for the
//! type mapping.

mod error;
mod format;
pub mod keys;
pub mod names;
mod options;
mod plan;
mod registry;
mod relations;
mod render_entity;
mod render_mod;
mod render_types;
pub mod types;

use std::collections::BTreeMap;

use qsorm_inspect::Schema;

pub use error::CodegenError;
pub use format::HEADER;
pub use options::{GenerateOptions, PrimaryKeyOverride, SerdeDerive};

use crate::codegen::format::format_file;
use crate::codegen::types::{COMPOSITES_MODULE, ENUMS_MODULE};

/// The generated files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    /// File name (`orders.rs`, `mod.rs`, ...) → content.
    pub files: BTreeMap<String, String>,
    /// Entity file name → `schema.table` it was generated from.
    pub tables: BTreeMap<String, String>,
    /// Things the user should know: tables made read-only, unknown types, unused flags.
    pub warnings: Vec<String>,
}

/// Generates the entity files for `schema` (see the [module docs](self)).
pub fn generate(schema: &Schema, opts: &GenerateOptions) -> Result<Generated, CodegenError> {
    generate_with_progress(schema, opts, &mut |_, _, _| {})
}

/// [`generate`], calling `progress(done, total, file)` after each entity file.
pub fn generate_with_progress(
    schema: &Schema,
    opts: &GenerateOptions,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> Result<Generated, CodegenError> {
    opts.validate()?;
    let plan = plan::plan(schema, opts)?;
    let mut out = Generated {
        warnings: plan.warnings.clone(),
        ..Generated::default()
    };
    let total = plan.entities.len();
    for (done, entity) in plan.entities.iter().enumerate() {
        let file = format!("{}.rs", entity.module);
        let text = format_file(&file, render_entity::entity_tokens(entity, opts))?;
        out.files.insert(file.clone(), text);
        out.tables
            .insert(file.clone(), format!("{}.{}", entity.schema, entity.table));
        progress(done + 1, total, &file);
    }
    let mut type_modules = Vec::new();
    if let Some(tokens) = render_types::enums_tokens(&plan.registry, opts) {
        let file = format!("{ENUMS_MODULE}.rs");
        out.files.insert(file.clone(), format_file(&file, tokens)?);
        type_modules.push(ENUMS_MODULE);
    }
    let (composites, warnings) = render_types::composites_tokens(&plan.registry);
    out.warnings.extend(warnings);
    if let Some(tokens) = composites {
        let file = format!("{COMPOSITES_MODULE}.rs");
        out.files.insert(file.clone(), format_file(&file, tokens)?);
        type_modules.push(COMPOSITES_MODULE);
    }
    type_modules.sort_unstable();
    out.files.insert(
        "mod.rs".to_owned(),
        format_file(
            "mod.rs",
            render_mod::mod_tokens(&plan.entities, &type_modules),
        )?,
    );
    out.files.insert(
        "prelude.rs".to_owned(),
        format_file("prelude.rs", render_mod::prelude_tokens(&plan.entities))?,
    );
    Ok(out)
}
