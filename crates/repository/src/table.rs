//! [`Table`]: what the repository must know about an entity beyond sea-orm's `EntityTrait`.
//!
//! `entity-gen` implements it for every entity it writes; a hand-written entity states it in
//! one line (`impl qsorm_repository::Table for Entity {}` when it is writable and has no
//! nested column).

use qsorm_connect::literal::CompositeTable;
use sea_orm::EntityTrait;

/// A column holding a composite value (an XDM nested struct) or an array of them, as
/// `entity-gen` marks it: the repository reads it as JSON and writes it field by field. Any
/// other column, `ColumnType::Custom` ones included, travels as its plain value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NestedColumn {
    /// The column's name.
    pub column: &'static str,
    /// The composite type's name as SQL spells it (the element type for an array).
    pub sql_type: &'static str,
    /// Whether the column is an array of the composite type.
    pub array: bool,
}

/// The facts about an entity the repository needs and sea-orm does not carry: whether it may
/// be written, which columns are nested, and the fields of its composite types.
///
/// ```
/// use sea_orm::entity::prelude::*;
///
/// #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// #[sea_orm(table_name = "visits_by_page")]
/// pub struct Model {
///     #[sea_orm(primary_key, auto_increment = false)]
///     pub page: String,
///     pub visits: i64,
/// }
/// #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// pub enum Relation {}
/// impl ActiveModelBehavior for ActiveModel {}
///
/// // A view: every write is refused before any round trip.
/// impl qsorm_repository::Table for Entity {
///     const READ_ONLY: bool = true;
/// }
/// ```
pub trait Table: EntityTrait {
    /// `true` for a view or a table without a usable key: `insert`, `update`, `delete` and
    /// the bulk writes return [`RepoError::ReadOnly`](crate::RepoError::ReadOnly) before
    /// any round trip.
    const READ_ONLY: bool = false;
    /// The nested columns (composites and arrays of composites).
    const NESTED: &'static [NestedColumn] = &[];
    /// The fields of every composite type the nested columns use, so Query Service inserts
    /// type each field of a `struct(...)` literal from its SQL type (see
    /// [`qsorm_connect::literal::CompositeTable`]). `entity-gen` points it at the
    /// `composites::COMPOSITE_TYPES` it writes.
    const COMPOSITE_TYPES: &'static CompositeTable = &[];

    /// The nested column named `column`, if it is one.
    fn nested(column: &str) -> Option<&'static NestedColumn> {
        Self::NESTED.iter().find(|n| n.column == column)
    }
}
