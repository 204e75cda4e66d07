//! qsorm-entity-gen: the library behind the `entity-gen` binary (connection info, schema
//! listings and, later, sea-orm entity generation). The binary only wires flags to it.

pub mod conninfo;
