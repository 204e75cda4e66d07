//! PostgreSQL types to Rust types, for columns and for fields of composite types.
//!
//! | PostgreSQL | Rust |
//! |---|---|
//! | `smallint` / `integer` / `bigint` | `i16` / `i32` / `i64` |
//! | `numeric(p,s)` | `Decimal` (`column_type = "Decimal(Some((p, s)))"`) |
//! | `real` / `double precision` | `f32` / `f64` |
//! | `boolean` | `bool` |
//! | `text`, `varchar(n)`, `char(n)`, `name` | `String` |
//! | `bytea` | `Vec<u8>` |
//! | `uuid` | `Uuid` |
//! | `json` / `jsonb` | `Json` (`serde_json::Value`) |
//! | `date` / `time` / `timestamp` / `timestamptz` | `Date` / `Time` / `DateTime` / `DateTimeWithTimeZone` (chrono) |
//! | `T[]` | `Vec<T>` |
//! | enum | a `DeriveActiveEnum` enum |
//! | domain | its base type |
//! | composite | a struct (JSON-mapped), array of composite: a `...List` newtype |
//! | `money` / `oid` | `Decimal` / `i64`, read through a cast (`select_as`), written back through one (`save_as`) |
//! | `interval`, `timetz`, `inet`, `cidr`, `macaddr`, `bit`, `varbit`, `xml`, ranges, geometry, `citext`, `tsvector`, ... | `String` read as `::text`, written with a cast to the column type |
//! | multi-dimensional arrays, arrays of the above | `String` read as `::text`, written with a cast |
//! | anything else (and Query Service `anyarray` / `anymap`) | `String` read as `::text`, with a warning |
//!
//! Inside composite types (read with `to_json`, written with `json_populate_record`) the
//! JSON forms decide: `bytea`, `interval` and the other text-cast types are `String`,
//! multi-dimensional arrays and unknown types are `Json`.

use qsorm_inspect::ColumnType;

/// A Rust type in generated code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RustType {
    /// A type in scope through `sea_orm::entity::prelude::*` or std (`i32`, `Decimal`, `Json`).
    Prim(&'static str),
    /// `Vec<T>`.
    Vec(Box<RustType>),
    /// `Option<T>`.
    Option(Box<RustType>),
    /// A generated enum (in `sea_orm_active_enums`).
    Enum(String),
    /// A generated composite struct (in `composites`).
    Composite(String),
    /// A generated array-of-composite newtype (in `composites`).
    List(String),
}

impl RustType {
    /// The type as Rust source.
    pub fn source(&self) -> String {
        match self {
            RustType::Prim(p) => (*p).to_owned(),
            RustType::Vec(t) => format!("Vec<{}>", t.source()),
            RustType::Option(t) => format!("Option<{}>", t.source()),
            RustType::Enum(n) | RustType::Composite(n) | RustType::List(n) => n.clone(),
        }
    }

    /// Whether the type holds a float (no `Eq`), or a composite (which derive no `Eq`).
    pub fn blocks_eq(&self) -> bool {
        match self {
            RustType::Prim(p) => matches!(*p, "f32" | "f64"),
            RustType::Vec(t) | RustType::Option(t) => t.blocks_eq(),
            RustType::Enum(_) => false,
            RustType::Composite(_) | RustType::List(_) => true,
        }
    }

    /// Wrapped in `Option` when `nullable`.
    pub fn nullable(self, nullable: bool) -> RustType {
        if nullable {
            RustType::Option(Box::new(self))
        } else {
            self
        }
    }

    /// The generated types this type names, for `use` lines: (module, ident).
    pub fn generated(&self, out: &mut Vec<(&'static str, String)>) {
        match self {
            RustType::Prim(_) => {}
            RustType::Vec(t) | RustType::Option(t) => t.generated(out),
            RustType::Enum(n) => out.push((ENUMS_MODULE, n.clone())),
            RustType::Composite(n) | RustType::List(n) => out.push((COMPOSITES_MODULE, n.clone())),
        }
    }
}

/// The module holding the generated enums (sea-orm-cli's name for it).
pub const ENUMS_MODULE: &str = "sea_orm_active_enums";
/// The module holding the generated composite structs and list newtypes.
pub const COMPOSITES_MODULE: &str = "composites";

/// Rust names of the user types, by `(schema, name)`.
pub trait TypeNames {
    /// The enum ident for `schema.name`.
    fn enum_ident(&self, schema: &str, name: &str) -> Option<String>;
    /// The struct ident for the composite `schema.name`.
    fn composite_ident(&self, schema: &str, name: &str) -> Option<String>;
    /// The list newtype ident for arrays of the composite `schema.name` (marks it used).
    fn list_ident(&self, schema: &str, name: &str) -> Option<String>;
    /// The SQL spelling of the type `schema.name` (quoted, qualified when needed).
    fn sql_name(&self, schema: &str, name: &str) -> String;
}

/// How a column maps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    /// The Rust type (not yet `Option` for nullability).
    pub rust: RustType,
    /// `#[sea_orm(column_type = "...")]`, when the Rust type's default is not right.
    pub column_type: Option<String>,
    /// `#[sea_orm(select_as = "...")]`: the type the column is read as.
    pub select_as: Option<String>,
    /// `#[sea_orm(save_as = "...")]`: the type values are cast to when written.
    pub save_as: Option<String>,
    /// A line for the field's doc comment explaining a fallback.
    pub note: Option<String>,
    /// A warning for the user (unknown type).
    pub warning: Option<String>,
    /// The composite type of a composite column (or of the elements of an array of
    /// composites), for the entity's `qsorm_repository::Table::NESTED`.
    pub nested: Option<Nested>,
}

/// A column holding a composite value or an array of them: what the repository reads as
/// JSON and writes field by field (`qsorm_repository::NestedColumn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nested {
    /// The composite type as SQL spells it, exactly as in the column's `column_type =
    /// "custom(...)"` (without the `[]` of an array).
    pub sql_type: String,
    /// An array of the composite type.
    pub array: bool,
}

impl ColumnMapping {
    fn natural(rust: RustType, column_type: Option<String>) -> ColumnMapping {
        ColumnMapping {
            rust,
            column_type,
            select_as: None,
            save_as: None,
            note: None,
            warning: None,
            nested: None,
        }
    }

    /// A composite column (`array`: an array of them) of the type `sql` spells.
    fn composite(rust: RustType, sql: String, array: bool) -> ColumnMapping {
        let column_type = if array {
            custom(&format!("{sql}[]"))
        } else {
            custom(&sql)
        };
        ColumnMapping {
            nested: Some(Nested {
                sql_type: sql,
                array,
            }),
            ..ColumnMapping::natural(rust, Some(column_type))
        }
    }

    fn text_cast(sql_type: &str, why: &str, warning: Option<String>) -> ColumnMapping {
        ColumnMapping {
            rust: RustType::Prim("String"),
            column_type: None,
            select_as: Some("text".to_owned()),
            save_as: Some(sql_type.to_owned()),
            note: Some(format!(
                "`{sql_type}` {why}: read as `::text`, written with a cast to `{sql_type}`."
            )),
            warning,
            nested: None,
        }
    }
}

/// A built-in type with a natural Rust type.
fn natural(
    name: &str,
    precision: Option<u32>,
    scale: Option<i32>,
    length: Option<u32>,
) -> Option<(RustType, Option<String>)> {
    let p = RustType::Prim;
    Some(match name {
        "int2" => (p("i16"), None),
        "int4" => (p("i32"), None),
        "int8" => (p("i64"), None),
        "numeric" => (
            p("Decimal"),
            match (precision, scale) {
                (Some(p), Some(s)) => Some(format!("Decimal(Some(({p}, {s})))")),
                _ => None,
            },
        ),
        "float4" => (p("f32"), None),
        "float8" => (p("f64"), None),
        "bool" => (p("bool"), None),
        "text" => (p("String"), Some("Text".to_owned())),
        "varchar" => (
            p("String"),
            length.map(|n| format!("String(StringLen::N({n}))")),
        ),
        "bpchar" => (p("String"), length.map(|n| format!("Char(Some({n}))"))),
        "name" => (p("String"), None),
        "bytea" => (RustType::Vec(Box::new(p("u8"))), None),
        "uuid" => (p("Uuid"), None),
        "json" => (p("Json"), Some("Json".to_owned())),
        "jsonb" => (p("Json"), Some("JsonBinary".to_owned())),
        "date" => (p("Date"), None),
        "time" => (p("Time"), None),
        "timestamp" => (p("DateTime"), None),
        "timestamptz" => (p("DateTimeWithTimeZone"), None),
        _ => return None,
    })
}

/// Built-in types read through a cast to a type sqlx decodes: (rust type, read as).
fn cast(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "money" => ("Decimal", "numeric"),
        "oid" => ("i64", "int8"),
        "interval" | "timetz" | "inet" | "cidr" | "macaddr" | "macaddr8" | "bit" | "varbit"
        | "xml" | "citext" | "tsvector" | "tsquery" | "point" | "line" | "lseg" | "box"
        | "path" | "polygon" | "circle" | "int4range" | "int8range" | "numrange" | "tsrange"
        | "tstzrange" | "daterange" | "int4multirange" | "int8multirange" | "nummultirange"
        | "tsmultirange" | "tstzmultirange" | "datemultirange" | "pg_lsn" | "char" | "hstore"
        | "ltree" | "regclass" | "regtype" | "regproc" | "xid" | "cid" | "tid" | "jsonpath" => {
            ("String", "text")
        }
        _ => return None,
    })
}

/// Maps a column's type. `sql_type` is the column type as PostgreSQL prints it.
pub fn map_column(ty: &ColumnType, sql_type: &str, names: &dyn TypeNames) -> ColumnMapping {
    match ty {
        ColumnType::Builtin {
            name,
            precision,
            scale,
            length,
            ..
        } => {
            if let Some((rust, column_type)) = natural(name, *precision, *scale, *length) {
                ColumnMapping::natural(rust, column_type)
            } else if let Some((rust, read_as)) = cast(name) {
                ColumnMapping {
                    rust: RustType::Prim(rust),
                    column_type: None,
                    select_as: Some(read_as.to_owned()),
                    save_as: Some(sql_type.to_owned()),
                    note: Some(format!(
                        "`{sql_type}` has no sea-orm value type: read as `::{read_as}`, written with a cast to `{sql_type}`."
                    )),
                    warning: None,
                    nested: None,
                }
            } else {
                ColumnMapping::text_cast(
                    sql_type,
                    "is not a type the generator knows",
                    Some(format!(
                        "type `{sql_type}` is unknown: mapped to String (read as ::text)"
                    )),
                )
            }
        }
        ColumnType::Domain { base, .. } => map_column(base, sql_type, names),
        ColumnType::Enum { schema, name } => match names.enum_ident(schema, name) {
            Some(ident) => ColumnMapping::natural(RustType::Enum(ident), None),
            None => unknown(sql_type),
        },
        ColumnType::Composite { schema, name } => match names.composite_ident(schema, name) {
            Some(ident) => ColumnMapping::composite(
                RustType::Composite(ident),
                names.sql_name(schema, name),
                false,
            ),
            None => unknown(sql_type),
        },
        ColumnType::Array { element, dims } => {
            if *dims > 1 {
                return ColumnMapping::text_cast(
                    sql_type,
                    "is a multi-dimensional array (sqlx decodes one dimension)",
                    None,
                );
            }
            map_array(element, sql_type, names)
        }
        ColumnType::AnyArray | ColumnType::AnyMap => ColumnMapping::text_cast(
            sql_type,
            "is a Query Service data-lake type without element type",
            Some(format!(
                "type `{sql_type}` has no element type: mapped to String (read as ::text)"
            )),
        ),
        ColumnType::Unknown { .. } => unknown(sql_type),
    }
}

fn unknown(sql_type: &str) -> ColumnMapping {
    ColumnMapping::text_cast(
        sql_type,
        "was not described by the catalog",
        Some(format!(
            "type `{sql_type}` is unknown: mapped to String (read as ::text)"
        )),
    )
}

/// `custom("...")`: the `column_type` attribute value for a composite (sea-orm parses the
/// attribute string as tokens after `ColumnType::`, so this is `ColumnType::custom(..)`,
/// which builds `ColumnType::Custom`).
fn custom(sql: &str) -> String {
    format!("custom({sql:?})")
}

fn map_array(element: &ColumnType, sql_type: &str, names: &dyn TypeNames) -> ColumnMapping {
    match element {
        ColumnType::Domain { base, .. } => map_array(base, sql_type, names),
        ColumnType::Composite { schema, name } => match names.list_ident(schema, name) {
            Some(ident) => {
                ColumnMapping::composite(RustType::List(ident), names.sql_name(schema, name), true)
            }
            None => unknown(sql_type),
        },
        ColumnType::Enum { schema, name } => match names.enum_ident(schema, name) {
            Some(ident) => {
                ColumnMapping::natural(RustType::Vec(Box::new(RustType::Enum(ident))), None)
            }
            None => unknown(sql_type),
        },
        // bytea[] would be Vec<Vec<u8>>, which sea-orm does not decode.
        ColumnType::Builtin {
            name,
            precision,
            scale,
            length,
            ..
        } if name != "bytea" => match natural(name, *precision, *scale, *length) {
            Some((rust, _)) => ColumnMapping::natural(RustType::Vec(Box::new(rust)), None),
            None => array_fallback(sql_type),
        },
        _ => array_fallback(sql_type),
    }
}

/// The text fallback for arrays of types sea-orm has no array type for.
fn array_fallback(sql_type: &str) -> ColumnMapping {
    ColumnMapping::text_cast(
        sql_type,
        "is an array of a type without a sea-orm array type",
        None,
    )
}

/// A composite field's SQL type for the generated `COMPOSITE_TYPES` table: PostgreSQL's
/// spelling (`printed`) for built-in types and arrays of them; otherwise spelled from the
/// resolved type, so domains become their base type and enums and composites are named as
/// the entities name them (`"Sales-EU"."Addr"`, `web_events_web[]`).
pub fn field_sql_type(ty: &ColumnType, printed: &str, names: &dyn TypeNames) -> String {
    fn builtin_only(ty: &ColumnType) -> bool {
        match ty {
            ColumnType::Builtin { .. }
            | ColumnType::Unknown { .. }
            | ColumnType::AnyArray
            | ColumnType::AnyMap => true,
            ColumnType::Array { element, .. } => builtin_only(element),
            ColumnType::Enum { .. } | ColumnType::Composite { .. } | ColumnType::Domain { .. } => {
                false
            }
        }
    }
    fn spell(ty: &ColumnType, names: &dyn TypeNames) -> String {
        match ty {
            ColumnType::Builtin {
                name,
                schema,
                precision,
                scale,
                length,
            } => {
                let base = match schema {
                    Some(schema) => names.sql_name(schema, name),
                    None => name.clone(),
                };
                match (name.as_str(), precision, scale, length) {
                    ("numeric", Some(p), Some(s), _) => format!("{base}({p},{s})"),
                    ("varchar" | "bpchar" | "bit" | "varbit", _, _, Some(n)) => {
                        format!("{base}({n})")
                    }
                    _ => base,
                }
            }
            ColumnType::Array { element, dims } => {
                let dims = usize::try_from((*dims).max(1)).unwrap_or(1);
                format!("{}{}", spell(element, names), "[]".repeat(dims))
            }
            ColumnType::Domain { base, .. } => spell(base, names),
            ColumnType::Enum { schema, name } | ColumnType::Composite { schema, name } => {
                names.sql_name(schema, name)
            }
            ColumnType::AnyArray => "anyarray".to_owned(),
            ColumnType::AnyMap => "anymap".to_owned(),
            ColumnType::Unknown { name } => name.clone(),
        }
    }
    if builtin_only(ty) {
        printed.to_owned()
    } else {
        spell(ty, names)
    }
}

/// How a field of a composite type maps, from its `to_json` form. Returns the type
/// (not `Option`-wrapped) and a warning for unknown types.
pub fn map_field(
    ty: &ColumnType,
    sql_type: &str,
    names: &dyn TypeNames,
) -> (RustType, Option<String>) {
    let json = || RustType::Prim("Json");
    match ty {
        ColumnType::Builtin {
            name,
            precision,
            scale,
            length,
            ..
        } => match natural(name, *precision, *scale, *length) {
            Some(_) if name == "bytea" => (RustType::Prim("String"), None),
            Some((rust, _)) => (rust, None),
            None => match cast(name) {
                Some(_) if name == "oid" => (RustType::Prim("i64"), None),
                Some(_) => (RustType::Prim("String"), None),
                None => (
                    json(),
                    Some(format!(
                        "composite field type `{sql_type}` is unknown: mapped to Json"
                    )),
                ),
            },
        },
        ColumnType::Domain { base, .. } => map_field(base, sql_type, names),
        ColumnType::Enum { schema, name } => match names.enum_ident(schema, name) {
            Some(ident) => (RustType::Enum(ident), None),
            None => (json(), None),
        },
        ColumnType::Composite { schema, name } => match names.composite_ident(schema, name) {
            Some(ident) => (RustType::Composite(ident), None),
            None => (json(), None),
        },
        ColumnType::Array { element, dims } => {
            if *dims > 1 {
                (json(), None)
            } else {
                let (inner, warning) = map_field(element, sql_type, names);
                (RustType::Vec(Box::new(inner)), warning)
            }
        }
        ColumnType::AnyArray | ColumnType::AnyMap => (json(), None),
        ColumnType::Unknown { .. } => (
            json(),
            Some(format!(
                "composite field type `{sql_type}` is unknown: mapped to Json"
            )),
        ),
    }
}
