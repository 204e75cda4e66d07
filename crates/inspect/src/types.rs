//! Column types as a resolved tree, and the user-defined types they point to.

use serde::{Deserialize, Serialize};

use crate::model::Check;

/// The resolved type of a column or of a composite field.
///
/// Composites and enums are referenced by name; their definitions are in
/// [`Schema::types`](crate::Schema::types). Arrays and domains nest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnType {
    /// A base type: `int4`, `text`, `numeric`, `timestamptz`, ... (the `pg_type.typname`).
    Builtin {
        /// The internal type name (`int4`, not `integer`; `bpchar` for `char(n)`).
        name: String,
        /// The schema, when not `pg_catalog` (extension types such as `citext`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        schema: Option<String>,
        /// `numeric(p, s)` precision, or fractional-seconds precision of
        /// `time`/`timestamp`/`interval`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<u32>,
        /// `numeric(p, s)` scale.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scale: Option<i32>,
        /// `varchar(n)`, `char(n)`, `bit(n)`, `varbit(n)` length.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        length: Option<u32>,
    },
    /// An array.
    Array {
        /// The element type.
        element: Box<ColumnType>,
        /// Declared dimensions (`int[][]` is 2). PostgreSQL does not enforce them.
        dims: u32,
    },
    /// An enum; its labels are in [`UserType::Enum`].
    Enum {
        /// Schema of the type.
        schema: String,
        /// Name of the type.
        name: String,
    },
    /// A composite (row) type; its fields are in [`UserType::Composite`].
    Composite {
        /// Schema of the type.
        schema: String,
        /// Name of the type.
        name: String,
    },
    /// A domain over another type.
    Domain {
        /// Schema of the domain.
        schema: String,
        /// Name of the domain.
        name: String,
        /// The underlying type.
        base: Box<ColumnType>,
    },
    /// Query Service's `anyarray` (a data-lake array whose element type is not described).
    AnyArray,
    /// Query Service's `anymap` (a data-lake map).
    AnyMap,
    /// A type the catalog did not describe (the types query failed, or an odd type).
    Unknown {
        /// The type as printed by `format_type`.
        name: String,
    },
}

impl ColumnType {
    /// The type under any domains and arrays (the element of `positive_int[]` is `int4`).
    pub fn innermost(&self) -> &ColumnType {
        match self {
            ColumnType::Array { element, .. } => element.innermost(),
            ColumnType::Domain { base, .. } => base.innermost(),
            other => other,
        }
    }

    /// The composite this type holds, through arrays and domains: `(schema, name)`.
    pub fn composite(&self) -> Option<(&str, &str)> {
        match self.innermost() {
            ColumnType::Composite { schema, name } => Some((schema, name)),
            _ => None,
        }
    }

    /// Whether this is an array, or a domain over an array.
    pub fn is_array(&self) -> bool {
        match self {
            ColumnType::Array { .. } | ColumnType::AnyArray => true,
            ColumnType::Domain { base, .. } => base.is_array(),
            _ => false,
        }
    }
}

/// A user-defined type used by the reflected columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UserType {
    /// `CREATE TYPE ... AS ENUM`.
    Enum {
        /// Schema of the type.
        schema: String,
        /// Name of the type.
        name: String,
        /// The labels in sort order (`enumsortorder`), not creation order.
        labels: Vec<String>,
    },
    /// A composite type: `CREATE TYPE ... AS (...)`, or a table's row type used as a
    /// column type. On Query Service, nested structs (`<table>_<column>`).
    Composite {
        /// Schema of the type.
        schema: String,
        /// Name of the type.
        name: String,
        /// The fields, by ordinal.
        fields: Vec<Field>,
    },
    /// `CREATE DOMAIN`.
    Domain {
        /// Schema of the domain.
        schema: String,
        /// Name of the domain.
        name: String,
        /// The underlying type as PostgreSQL prints it.
        sql_type: String,
        /// The underlying type, resolved.
        base: ColumnType,
        /// `NOT NULL` on the domain.
        not_null: bool,
        /// The domain's default expression.
        default: Option<String>,
        /// The domain's `CHECK` constraints, by name.
        checks: Vec<Check>,
    },
}

impl UserType {
    /// Schema of the type.
    pub fn schema(&self) -> &str {
        match self {
            UserType::Enum { schema, .. }
            | UserType::Composite { schema, .. }
            | UserType::Domain { schema, .. } => schema,
        }
    }

    /// Name of the type.
    pub fn name(&self) -> &str {
        match self {
            UserType::Enum { name, .. }
            | UserType::Composite { name, .. }
            | UserType::Domain { name, .. } => name,
        }
    }

    /// The fields, for a composite.
    pub fn fields(&self) -> Option<&[Field]> {
        match self {
            UserType::Composite { fields, .. } => Some(fields),
            _ => None,
        }
    }
}

/// A field of a composite type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// The field name.
    pub name: String,
    /// Its position, from 1.
    pub ordinal: i32,
    /// The type as PostgreSQL prints it.
    pub sql_type: String,
    /// The resolved type (may be another composite, an array of composites, ...).
    pub ty: ColumnType,
}
