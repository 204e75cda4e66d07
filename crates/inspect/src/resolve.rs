//! Turns type oids into [`ColumnType`] trees and collects the [`UserType`]s, from the
//! rows of the one types query.

use std::collections::HashMap;

use crate::model::Check;
use crate::rows::{MemberRow, TypeRow, TypesRow};
use crate::types::{ColumnType, Field, UserType};

/// Deeper nesting than this is taken as a cycle and reported as unknown.
const MAX_DEPTH: usize = 32;

/// The types the reflected columns use, by oid.
#[derive(Debug, Default)]
pub(crate) struct TypeCatalog {
    types: HashMap<i64, TypeRow>,
    members: HashMap<i64, Vec<MemberRow>>,
}

impl TypeCatalog {
    /// Indexes the rows of the types query.
    pub(crate) fn new(rows: Vec<TypesRow>) -> TypeCatalog {
        let mut catalog = TypeCatalog::default();
        for row in rows {
            match row {
                TypesRow::Type(t) => {
                    catalog.types.insert(t.oid, t);
                }
                TypesRow::Member(m) => catalog.members.entry(m.type_oid).or_default().push(m),
            }
        }
        for members in catalog.members.values_mut() {
            members.sort_by(|a, b| (&a.kind, a.pos, &a.name).cmp(&(&b.kind, b.pos, &b.name)));
        }
        catalog
    }

    /// The type of a column or field: type oid, `atttypmod`, `attndims`, and the
    /// `format_type` text used when the catalog has no row for the oid.
    pub(crate) fn resolve(&self, oid: i64, typmod: i32, ndims: i32, sql_type: &str) -> ColumnType {
        self.resolve_at(oid, typmod, ndims, sql_type, 0)
    }

    fn resolve_at(
        &self,
        oid: i64,
        typmod: i32,
        ndims: i32,
        sql_type: &str,
        depth: usize,
    ) -> ColumnType {
        let Some(t) = self.types.get(&oid) else {
            return fallback(sql_type);
        };
        if depth > MAX_DEPTH {
            return ColumnType::Unknown {
                name: t.name.clone(),
            };
        }
        match t.name.as_str() {
            "anyarray" => return ColumnType::AnyArray,
            "anymap" => return ColumnType::AnyMap,
            _ => {}
        }
        match t.typtype.as_str() {
            "e" => ColumnType::Enum {
                schema: t.schema.clone(),
                name: t.name.clone(),
            },
            "c" => ColumnType::Composite {
                schema: t.schema.clone(),
                name: t.name.clone(),
            },
            "d" => ColumnType::Domain {
                schema: t.schema.clone(),
                name: t.name.clone(),
                base: Box::new(self.resolve_at(
                    t.base_oid,
                    t.typmod,
                    t.ndims,
                    t.sql_type.as_deref().unwrap_or(""),
                    depth + 1,
                )),
            },
            _ if t.category == "A" && t.elem_oid != 0 => ColumnType::Array {
                element: Box::new(self.resolve_at(
                    t.elem_oid,
                    typmod,
                    0,
                    sql_type.trim_end_matches("[]"),
                    depth + 1,
                )),
                dims: u32::try_from(ndims).unwrap_or(0).max(1),
            },
            _ => builtin(t, typmod),
        }
    }

    /// The enums, composites and domains among the used types, sorted by (schema, name).
    pub(crate) fn user_types(&self) -> Vec<UserType> {
        let mut out: Vec<UserType> = self
            .types
            .values()
            .filter_map(|t| self.user_type(t))
            .collect();
        out.sort_by(|a, b| (a.schema(), a.name()).cmp(&(b.schema(), b.name())));
        out
    }

    fn members(&self, oid: i64, kind: &str) -> impl Iterator<Item = &MemberRow> {
        self.members
            .get(&oid)
            .into_iter()
            .flatten()
            .filter(move |m| m.kind == kind)
    }

    fn user_type(&self, t: &TypeRow) -> Option<UserType> {
        let (schema, name) = (t.schema.clone(), t.name.clone());
        Some(match t.typtype.as_str() {
            "e" => UserType::Enum {
                schema,
                name,
                labels: self.members(t.oid, "e").map(|m| m.name.clone()).collect(),
            },
            "c" => UserType::Composite {
                schema,
                name,
                fields: self
                    .members(t.oid, "f")
                    .map(|m| {
                        let sql_type = m.sql_type.clone().unwrap_or_default();
                        Field {
                            name: m.name.clone(),
                            ordinal: m.pos,
                            ty: self.resolve(
                                m.ref_oid.unwrap_or(0),
                                m.typmod.unwrap_or(-1),
                                m.ndims.unwrap_or(0),
                                &sql_type,
                            ),
                            sql_type,
                        }
                    })
                    .collect(),
            },
            "d" => {
                let sql_type = t.sql_type.clone().unwrap_or_default();
                UserType::Domain {
                    schema,
                    name,
                    base: self.resolve(t.base_oid, t.typmod, t.ndims, &sql_type),
                    sql_type,
                    not_null: t.not_null,
                    default: t.default.clone(),
                    checks: self
                        .members(t.oid, "c")
                        .map(|m| Check {
                            name: m.name.clone(),
                            expression: check_expression(m.text_value.as_deref().unwrap_or("")),
                        })
                        .collect(),
                }
            }
            _ => return None,
        })
    }
}

/// The type for a `format_type` text alone (no catalog row).
pub(crate) fn fallback(sql_type: &str) -> ColumnType {
    match sql_type {
        "anyarray" => ColumnType::AnyArray,
        "anymap" => ColumnType::AnyMap,
        _ => ColumnType::Unknown {
            name: sql_type.to_owned(),
        },
    }
}

/// `CHECK (x > 0)` → `(x > 0)`; other text unchanged.
pub(crate) fn check_expression(definition: &str) -> String {
    definition
        .strip_prefix("CHECK ")
        .unwrap_or(definition)
        .to_owned()
}

/// Reads the type modifier the way `format_type` does for the common base types.
fn builtin(t: &TypeRow, typmod: i32) -> ColumnType {
    let (mut precision, mut scale, mut length) = (None, None, None);
    if typmod >= 0 {
        match t.name.as_str() {
            "numeric" if typmod >= 4 => {
                let m = typmod - 4;
                precision = u32::try_from((m >> 16) & 0xffff).ok();
                // PostgreSQL 15+ allows negative scales: 11-bit two's complement.
                scale = Some(((m & 0x7ff) ^ 1024) - 1024);
            }
            "varchar" | "bpchar" if typmod >= 4 => length = u32::try_from(typmod - 4).ok(),
            "bit" | "varbit" => length = u32::try_from(typmod).ok(),
            "time" | "timetz" | "timestamp" | "timestamptz" => {
                precision = u32::try_from(typmod).ok();
            }
            "interval" if typmod & 0xffff != 0xffff => {
                precision = u32::try_from(typmod & 0xffff).ok();
            }
            _ => {}
        }
    }
    ColumnType::Builtin {
        name: t.name.clone(),
        schema: (t.schema != "pg_catalog").then(|| t.schema.clone()),
        precision,
        scale,
        length,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(oid: i64, name: &str, category: &str, elem: i64) -> TypesRow {
        TypesRow::Type(TypeRow {
            oid,
            schema: "pg_catalog".into(),
            name: name.into(),
            typtype: "b".into(),
            category: category.into(),
            elem_oid: elem,
            base_oid: 0,
            typmod: -1,
            ndims: 0,
            not_null: false,
            sql_type: None,
            default: None,
        })
    }

    #[test]
    fn reads_type_modifiers() {
        let cat = TypeCatalog::new(vec![
            base(1700, "numeric", "N", 0),
            base(1043, "varchar", "S", 0),
            base(1015, "_varchar", "A", 1043),
            base(1184, "timestamptz", "D", 0),
        ]);
        let numeric = cat.resolve(1700, (12 << 16 | 2) + 4, 0, "numeric(12,2)");
        assert_eq!(
            numeric,
            ColumnType::Builtin {
                name: "numeric".into(),
                schema: None,
                precision: Some(12),
                scale: Some(2),
                length: None
            }
        );
        let arr = cat.resolve(1015, 44, 2, "character varying(40)[]");
        let ColumnType::Array { element, dims } = arr else {
            panic!("{arr:?}")
        };
        assert_eq!(dims, 2);
        assert!(matches!(
            *element,
            ColumnType::Builtin {
                length: Some(40),
                ..
            }
        ));
        let ts = cat.resolve(1184, 3, 0, "timestamp(3) with time zone");
        assert!(matches!(
            ts,
            ColumnType::Builtin {
                precision: Some(3),
                ..
            }
        ));
    }

    #[test]
    fn unknown_oids_fall_back_to_the_printed_type() {
        let cat = TypeCatalog::default();
        assert_eq!(cat.resolve(1, -1, 0, "anyarray"), ColumnType::AnyArray);
        assert_eq!(cat.resolve(1, -1, 0, "anymap"), ColumnType::AnyMap);
        assert_eq!(
            cat.resolve(1, -1, 0, "widget"),
            ColumnType::Unknown {
                name: "widget".into()
            }
        );
    }

    #[test]
    fn strips_check_keyword() {
        assert_eq!(check_expression("CHECK (VALUE > 0)"), "(VALUE > 0)");
        assert_eq!(check_expression("(x)"), "(x)");
    }
}
