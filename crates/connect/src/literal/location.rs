//! Where a value sits, for error messages.

use std::fmt;

use super::LiteralError;

/// What a [`Location`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LocationKind {
    /// A column (nested: its field path, `items[2].sku`).
    Column,
    /// A `$n` placeholder (nested: `$3[2]`).
    Placeholder,
    /// A clause of a statement (`schema`, `namespace`).
    Clause,
}

/// Where a value sits, for error messages: ``column `web.page_details.name` ``,
/// ``placeholder `$3[2]` ``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    kind: LocationKind,
    path: String,
}

impl Location {
    /// The column `name`.
    pub fn column(name: &str) -> Location {
        Location {
            kind: LocationKind::Column,
            path: name.to_owned(),
        }
    }

    /// The placeholder `$n` (1-based).
    pub fn placeholder(n: usize) -> Location {
        Location {
            kind: LocationKind::Placeholder,
            path: format!("${n}"),
        }
    }

    /// The clause `name` of a statement.
    pub fn clause(name: &str) -> Location {
        Location {
            kind: LocationKind::Clause,
            path: name.to_owned(),
        }
    }

    /// What it names.
    pub fn kind(&self) -> LocationKind {
        self.kind
    }

    /// The column, placeholder or clause, with the path inside the value
    /// (`c_outer.inners[2].order`, `$3[1]`).
    pub fn path(&self) -> &str {
        &self.path
    }

    pub(super) fn field(&self, name: &str) -> Location {
        Location {
            kind: self.kind,
            path: format!("{}.{name}", self.path),
        }
    }

    pub(super) fn index(&self, i: usize) -> Location {
        Location {
            kind: self.kind,
            path: format!("{}[{}]", self.path, i + 1),
        }
    }

    pub(super) fn nul(&self) -> LiteralError {
        LiteralError::Nul { at: self.clone() }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            LocationKind::Column => "column",
            LocationKind::Placeholder => "placeholder",
            LocationKind::Clause => "clause",
        };
        write!(f, "{kind} `{}`", self.path)
    }
}
