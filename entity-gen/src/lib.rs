//! qsorm-entity-gen: the library behind the `entity-gen` binary. The binary only wires
//! flags to it.
//!
//! - [`conninfo`]: what a connection is (`entity-gen conninfo`);
//! - [`listing`]: tables and their descriptions (`entity-gen tables`, `entity-gen describe`);
//! - [`codegen`]: sea-orm 2 entity generation from a reflected schema;
//! - [`output`]: writing the generated files, and checking a directory against them
//!   (`entity-gen generate`, `entity-gen check`).

pub mod codegen;
pub mod conninfo;
pub mod listing;
pub mod output;
