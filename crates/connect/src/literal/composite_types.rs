//! The composite types the renderer knows the fields of.

/// A generated table of composite types: `(type as SQL spells it, [(field name, field SQL
/// type)])`, fields in declaration order. `entity-gen` writes one as
/// `composites::COMPOSITE_TYPES`.
pub type CompositeTable = [(&'static str, &'static [(&'static str, &'static str)])];

/// The composite types the renderer knows the fields of (see [`CompositeTable`]).
#[derive(Debug, Clone, Default)]
pub struct CompositeTypes {
    tables: Vec<&'static CompositeTable>,
}

/// No composite type known.
pub(super) static NO_COMPOSITES: CompositeTypes = CompositeTypes { tables: Vec::new() };

impl CompositeTypes {
    /// No composite type known: Query Service composites are refused, PostgreSQL ones go
    /// through `json_populate_record`.
    pub fn new() -> CompositeTypes {
        CompositeTypes::default()
    }

    /// Adds a generated table (several entity crates: call it once per crate).
    pub fn with(mut self, table: &'static CompositeTable) -> CompositeTypes {
        self.tables.push(table);
        self
    }

    /// The fields of the composite `name` (as SQL spells it), when known.
    pub fn fields(&self, name: &str) -> Option<&'static [(&'static str, &'static str)]> {
        self.tables
            .iter()
            .flat_map(|t| t.iter())
            .find(|(n, _)| *n == name)
            .map(|(_, fields)| *fields)
    }
}
