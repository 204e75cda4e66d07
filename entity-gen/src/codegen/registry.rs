//! Rust names for the user types (enums, composites and their list newtypes) that the
//! selected tables use, directly or nested.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use qsorm_inspect::{ColumnType, Schema, Table, UserType};

use crate::codegen::names::{TypeNamer, camel_ident, sql_type_name};
use crate::codegen::types::TypeNames;

/// Idents that generated types must not take: what the entity modules already have in
/// scope (sea-orm's prelude, the names its derives generate, std's prelude, serde).
const RESERVED_TYPES: &[&str] = &[
    "ActiveEnum",
    "ActiveModel",
    "ActiveModelBehavior",
    "ActiveModelEx",
    "ActiveModelTrait",
    "ActiveBelongsTo",
    "ActiveHasMany",
    "ActiveHasOne",
    "BelongsTo",
    "Box",
    "ChronoDate",
    "ChronoDateTime",
    "ChronoDateTimeLocal",
    "ChronoDateTimeUtc",
    "ChronoDateTimeWithTimeZone",
    "ChronoTime",
    "ChronoUnixTimestamp",
    "ChronoUnixTimestampMillis",
    "ChronoUtc",
    "Clone",
    "Column",
    "ColumnDef",
    "ColumnTrait",
    "ColumnType",
    "ColumnTypeTrait",
    "ConnectionTrait",
    "CursorTrait",
    "DatabaseConnection",
    "Date",
    "DateTime",
    "DateTimeLocal",
    "DateTimeUtc",
    "DateTimeWithTimeZone",
    "DbConn",
    "DbErr",
    "Debug",
    "Decimal",
    "Default",
    "Deserialize",
    "DynIden",
    "Entity",
    "EntityLoader",
    "EntityName",
    "EntityTrait",
    "EnumIter",
    "Eq",
    "Err",
    "Expr",
    "ForeignKeyAction",
    "HasMany",
    "HasOne",
    "Iden",
    "IdenStatic",
    "Json",
    "Linked",
    "LoaderTrait",
    "Model",
    "ModelEx",
    "ModelTrait",
    "None",
    "Ok",
    "Option",
    "PaginatorTrait",
    "PartialEq",
    "PrimaryKey",
    "PrimaryKeyArity",
    "PrimaryKeyToColumn",
    "PrimaryKeyTrait",
    "QueryFilter",
    "QueryResult",
    "RcOrArc",
    "Related",
    "RelatedEntity",
    "RelatedSelfVia",
    "Relation",
    "RelationDef",
    "RelationTrait",
    "Result",
    "SeaRc",
    "Select",
    "SelectExt",
    "Serialize",
    "Some",
    "String",
    "StringLen",
    "TextUuid",
    "Time",
    "TryGetError",
    "Uuid",
    "Value",
    "Vec",
];

/// A generated enum.
#[derive(Debug, Clone)]
pub struct EnumPlan {
    /// The Rust ident.
    pub ident: String,
    /// The type's schema.
    pub schema: String,
    /// The type's name (sea-orm's `enum_name`).
    pub name: String,
    /// (variant ident, label), in the type's sort order.
    pub variants: Vec<(String, String)>,
}

/// A generated composite struct.
#[derive(Debug, Clone)]
pub struct CompositePlan {
    /// The Rust ident.
    pub ident: String,
    /// The type's schema.
    pub schema: String,
    /// The type's name.
    pub name: String,
    /// The SQL spelling (`web_events_web`, `"Sales-EU"."Addr"`).
    pub sql: String,
    /// The field types as PostgreSQL prints them, with their names: (name, sql type, type).
    pub fields: Vec<(String, String, ColumnType)>,
}

/// The user types the selected tables use, with their Rust names.
#[derive(Debug)]
pub struct Registry {
    enums: BTreeMap<(String, String), EnumPlan>,
    composites: BTreeMap<(String, String), CompositePlan>,
    lists: BTreeMap<(String, String), String>,
    used_lists: RefCell<BTreeSet<(String, String)>>,
}

impl Registry {
    /// Names every enum and composite reachable from the columns of `tables`.
    pub fn new(schema: &Schema, tables: &[&Table]) -> Registry {
        let reachable = reachable_types(schema, tables);
        let types: Vec<&UserType> = schema
            .types
            .iter()
            .filter(|t| reachable.contains(&(t.schema().to_owned(), t.name().to_owned())))
            .collect();
        let mut idents = TypeIdents::new(&types);
        let mut enums = BTreeMap::new();
        let mut composites = BTreeMap::new();
        let mut lists = BTreeMap::new();
        for t in types {
            let key = (t.schema().to_owned(), t.name().to_owned());
            match t {
                UserType::Enum {
                    schema,
                    name,
                    labels,
                } => {
                    let ident = idents.ident_for(t);
                    enums.insert(key, enum_plan(ident, schema, name, labels));
                }
                UserType::Composite {
                    schema,
                    name,
                    fields,
                } => {
                    let ident = idents.ident_for(t);
                    lists.insert(key.clone(), format!("{ident}List"));
                    let fields = fields
                        .iter()
                        .map(|f| (f.name.clone(), f.sql_type.clone(), f.ty.clone()))
                        .collect();
                    composites.insert(
                        key,
                        CompositePlan {
                            ident,
                            schema: schema.clone(),
                            name: name.clone(),
                            sql: sql_type_name(schema, name),
                            fields,
                        },
                    );
                }
                UserType::Domain { .. } => {}
            }
        }
        Registry {
            enums,
            composites,
            lists,
            used_lists: RefCell::new(BTreeSet::new()),
        }
    }

    /// The enums, by (schema, name).
    pub fn enums(&self) -> impl Iterator<Item = &EnumPlan> {
        self.enums.values()
    }

    /// The composites, by (schema, name).
    pub fn composites(&self) -> impl Iterator<Item = &CompositePlan> {
        self.composites.values()
    }

    /// The list newtypes some column uses: (list ident, element struct ident), by type.
    pub fn used_lists(&self) -> Vec<(String, String)> {
        self.used_lists
            .borrow()
            .iter()
            .filter_map(|key| {
                Some((
                    self.lists.get(key)?.clone(),
                    self.composites.get(key)?.ident.clone(),
                ))
            })
            .collect()
    }

    /// The enums used inside composites (they need serde derives).
    pub fn enums_in_composites(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for c in self.composites.values() {
            for (_, _, ty) in &c.fields {
                if let ColumnType::Enum { schema, name } = ty.innermost()
                    && let Some(e) = self.enums.get(&(schema.clone(), name.clone()))
                {
                    out.insert(e.ident.clone());
                }
            }
        }
        out
    }
}

impl TypeNames for Registry {
    fn enum_ident(&self, schema: &str, name: &str) -> Option<String> {
        self.enums
            .get(&(schema.to_owned(), name.to_owned()))
            .map(|e| e.ident.clone())
    }

    fn composite_ident(&self, schema: &str, name: &str) -> Option<String> {
        self.composites
            .get(&(schema.to_owned(), name.to_owned()))
            .map(|c| c.ident.clone())
    }

    fn list_ident(&self, schema: &str, name: &str) -> Option<String> {
        let key = (schema.to_owned(), name.to_owned());
        let ident = self.lists.get(&key)?.clone();
        self.used_lists.borrow_mut().insert(key);
        Some(ident)
    }

    fn sql_name(&self, schema: &str, name: &str) -> String {
        sql_type_name(schema, name)
    }
}

/// The Rust idents of the user types, claimed in type order.
struct TypeIdents {
    namer: TypeNamer,
    /// How many of the types get each unqualified base ident.
    base_count: BTreeMap<String, usize>,
}

impl TypeIdents {
    fn new(types: &[&UserType]) -> TypeIdents {
        let mut base_count: BTreeMap<String, usize> = BTreeMap::new();
        for t in types {
            *base_count.entry(camel_ident(t.name(), "Type")).or_default() += 1;
        }
        TypeIdents {
            namer: TypeNamer::with_reserved(RESERVED_TYPES),
            base_count,
        }
    }

    /// The ident of `t`: its name in camel case, schema-prefixed outside `public` when
    /// two selected types share it, and free of clashes with what the derives generate.
    fn ident_for(&mut self, t: &UserType) -> String {
        let namer = &mut self.namer;
        let base = camel_ident(t.name(), "Type");
        let base = if self.base_count.get(&base).copied().unwrap_or(0) > 1 && t.schema() != "public"
        {
            camel_ident(&format!("{} {}", t.schema(), t.name()), "Type")
        } else {
            base
        };
        // The derives add `<Enum>Enum` and `<Enum>Iter`; lists are `<Struct>List`.
        let mut ident = namer.claim(base);
        while namer.is_taken(&format!("{ident}Enum"))
            || namer.is_taken(&format!("{ident}Iter"))
            || namer.is_taken(&format!("{ident}List"))
        {
            ident = namer.claim(ident);
        }
        for suffix in ["Enum", "Iter", "List"] {
            namer.claim(format!("{ident}{suffix}"));
        }
        ident
    }
}

/// The enum `schema.name` named `ident`, its variants named after `labels`.
fn enum_plan(ident: String, schema: &str, name: &str, labels: &[String]) -> EnumPlan {
    let mut variant_namer = TypeNamer::default();
    let variants = labels
        .iter()
        .map(|l| (variant_namer.name(l, "Empty"), l.clone()))
        .collect();
    EnumPlan {
        ident,
        schema: schema.to_owned(),
        name: name.to_owned(),
        variants,
    }
}

/// (schema, name) of every enum and composite the tables' columns use, nested included.
fn reachable_types(schema: &Schema, tables: &[&Table]) -> BTreeSet<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&ColumnType> = tables
        .iter()
        .flat_map(|t| t.columns.iter().map(|c| &c.ty))
        .collect();
    while let Some(ty) = stack.pop() {
        match ty {
            ColumnType::Array { element, .. } => stack.push(element),
            ColumnType::Domain { base, .. } => stack.push(base),
            ColumnType::Enum { schema: s, name } => {
                seen.insert((s.clone(), name.clone()));
            }
            ColumnType::Composite { schema: s, name } => {
                if seen.insert((s.clone(), name.clone()))
                    && let Some(UserType::Composite { fields, .. }) = schema.user_type(s, name)
                {
                    stack.extend(fields.iter().map(|f| &f.ty));
                }
            }
            _ => {}
        }
    }
    seen
}
