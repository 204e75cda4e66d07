//! SQL literals for values, owned by qsorm: the one renderer every inline path uses (the
//! simple-protocol connection, the repository's inlined reads, Query Service inserts and
//! scripts), for both flavors.
//!
//! A value is rendered from a sea-orm [`Value`], an optional [`SqlType`] (the column or field
//! it goes into) and a [`Flavor`]:
//!
//! - **Query Service** (a Spark-style lexer in front, so PostgreSQL habits are misread):
//!   - **Strings** never put a quote, a backslash or a control character (below U+0020, and
//!     U+007F) between quotes: those are written as `chr(n)` and concatenated,
//!     `('it' || chr(39) || 's')`, parenthesised so no surrounding operator changes the
//!     meaning (long concatenations are nested in groups, so the expression stays shallow).
//!     Spark reads a backslash inside `'...'` as an escape and refuses `E'...'`; PostgreSQL
//!     reads a backslash literally: this form is the one both read alike.
//!   - **Typed values** follow Spark's store assignment, which refuses a string into a
//!     non-string column: numbers are numeric literals (`12`, `-3.5`, decimals with their
//!     exact text), everything else is `CAST(<string> AS <type>)` with Spark's type name
//!     (`timestamp`, `date`, `double`, `float`, `decimal(p,s)`, ...) or, for PostgreSQL-only
//!     types without one, PostgreSQL's (`uuid`, `json`, `jsonb`, `bytea`, `interval`, ...).
//!     Spark's `timestamp` is an instant: timestamps with a time zone keep their offset
//!     (`CAST('2026-11-25 10:00:00.5+01:00' AS timestamp)`), timestamps without one are
//!     written without offset. Years outside 1..=9999 are refused (Spark's range).
//!   - **Enums** are strings (Query Service has no enum types); **arrays** are
//!     `array(e1, ...)`, **composites** `struct(<expr> AS <field>, ...)`, identifiers bare
//!     when simple else in backticks ([`qs_ident`]).
//! - **PostgreSQL**: every value reads the same whatever `standard_conforming_strings` says,
//!   and is typed with PostgreSQL's names the way a bound parameter would be:
//!   - **Strings** are string constants of type `unknown` (PostgreSQL types them from their
//!     context, as the old inliner's literals were): `'it''s'` with quotes doubled, and a
//!     string holding a backslash dollar-quoted, `$q$a\b$q$` (no escape is read inside
//!     either form in any mode); a string NULL is a bare `NULL`.
//!   - **Everything else** is cast: `CAST(5 AS bigint)`, `CAST('0.1' AS double precision)`,
//!     `CAST('NaN' AS real)`, `CAST(12.30 AS numeric(12,2))`,
//!     `CAST('2026-11-25 10:00:00+01:00' AS timestamptz)` (an offset is an instant;
//!     `timestamp` is naive, years before 1 written `... BC`), `CAST($q$\x0aff$q$ AS bytea)`,
//!     `CAST('{"a":1}' AS jsonb)`, `CAST('…' AS uuid)`, NULL as `CAST(NULL AS <type>)`;
//!     arrays `CAST(ARRAY[e1, NULL, ...] AS <element>[])`, composites
//!     `CAST(ROW(f1, ...) AS <type>)` (fields typed from [`CompositeTypes`]; without them
//!     `json_populate_record(CAST(NULL AS <type>), CAST('…' AS json))`).
//!   - With no SQL type (a bare `Value` bound to `$n` in hand-written SQL), the type comes
//!     from the `Value` variant, as sqlx would bind it (`Json` is `jsonb`, `Double` is
//!     `double precision`, `BigUnsigned` is `bigint`, `Enum` is its enum type, ...).
//! - **Both**: floats in Rust's shortest round-trip text (`NaN`, `Infinity`, `-0`), a NUL
//!   character anywhere (text, JSON, arrays, composite fields) is [`LiteralError::Nul`]
//!   naming where it sits (``column `c.items[2].sku` ``, ``placeholder `$3` ``).
//!
//! [`inline`] replaces the `$n` placeholders of a statement built with placeholders
//! (`stmt.build(PostgresQueryBuilder)`, or hand-written) with these literals, through the
//! token-aware [`crate::placeholders::inline`] (every literal is a primary expression, so it
//! goes in without parentheses unless something next to it could join it; a negative number
//! is parenthesised: `-(-5)`).
//!
//! ```
//! use qsorm_connect::Flavor;
//! use qsorm_connect::literal::{SqlType, inline, literal, qs_ident, string_literal};
//! use sea_orm::Value;
//!
//! assert_eq!(string_literal("it's").unwrap(), "('it' || chr(39) || 's')");
//! assert_eq!(qs_ident("order"), "`order`");
//! let nan = Value::Double(Some(f64::NAN));
//! assert_eq!(literal(&nan, Some(&SqlType::Double), Flavor::QueryService).unwrap(), "CAST('NaN' AS double)");
//! assert_eq!(literal(&nan, None, Flavor::Postgres).unwrap(), "CAST('NaN' AS double precision)");
//! let sql = inline(
//!     "SELECT * FROM t WHERE k = $1 LIMIT $2",
//!     &[Value::from("a\\b"), Value::BigUnsigned(Some(10))],
//!     Flavor::QueryService,
//! )
//! .unwrap();
//! assert_eq!(sql, "SELECT * FROM t WHERE k = ('a' || chr(92) || 'b') LIMIT 10");
//! ```

use std::fmt::{self, Write};

use chrono::{Datelike, Offset};
use sea_orm::sea_query::{ArrayType, ColumnType, OptionEnum};
use sea_orm::{ColumnTrait, DbErr, RuntimeErr, Value};
use serde_json::Value as Json;

use crate::Flavor;
use crate::placeholders::{self, Expression, PlaceholderError};

// ---------------------------------------------------------------------------------------
// Composite types.

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
static NO_COMPOSITES: CompositeTypes = CompositeTypes { tables: Vec::new() };

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

// ---------------------------------------------------------------------------------------
// SQL types.

/// The SQL type a literal is written for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlType {
    /// `text`, `varchar(n)`, `char(n)`, ...: Spark's `string`.
    String,
    /// `boolean`.
    Boolean,
    /// `smallint`.
    SmallInt,
    /// `integer` (Spark's `int`).
    Int,
    /// `bigint`.
    BigInt,
    /// `real` (Spark's `float`).
    Float,
    /// `double precision` (Spark's `double`).
    Double,
    /// `numeric(p,s)` (Spark's `decimal(p,s)`), precision and scale when declared.
    Decimal(Option<(u32, u32)>),
    /// `date`.
    Date,
    /// `time` (without time zone).
    Time,
    /// `timestamp without time zone`: written without offset (Spark's `timestamp` on Query
    /// Service).
    Timestamp,
    /// `timestamp with time zone`: an instant (`timestamptz`; Spark's `timestamp`).
    TimestampTz,
    /// `uuid` (PostgreSQL only).
    Uuid,
    /// `json` (PostgreSQL only).
    Json,
    /// `jsonb` (PostgreSQL only).
    Jsonb,
    /// `bytea`.
    Bytea,
    /// A PostgreSQL type without a Spark name (`interval`, `inet`, ...): strings are cast
    /// to it by that name.
    Pg(String),
    /// An enum or another user type (as SQL spells it): a string on Query Service (no enum
    /// types there; the server casts on assignment), cast to it on PostgreSQL.
    Named(String),
    /// A composite type (as SQL spells it).
    Composite(String),
    /// An array.
    Array(Box<SqlType>),
    /// Nothing known: written from the value's own type.
    Unknown,
}

/// PostgreSQL types without a Spark name whose values are written as text cast to them.
const PG_ONLY: &[&str] = &[
    "interval",
    "timetz",
    "time with time zone",
    "inet",
    "cidr",
    "macaddr",
    "macaddr8",
    "money",
    "oid",
    "xml",
    "tsvector",
    "tsquery",
    "point",
    "line",
    "lseg",
    "box",
    "path",
    "polygon",
    "circle",
    "int4range",
    "int8range",
    "numrange",
    "tsrange",
    "tstzrange",
    "daterange",
    "int4multirange",
    "int8multirange",
    "nummultirange",
    "tsmultirange",
    "tstzmultirange",
    "datemultirange",
    "pg_lsn",
    "jsonpath",
    "ltree",
    "hstore",
    "vector",
];

impl SqlType {
    /// The type of a column declared with sea-orm's `ColumnType`. `Custom` types are
    /// composites (`"name[]"`: an array of them), as `entity-gen` declares them.
    pub fn from_column_type(ty: &ColumnType) -> SqlType {
        match ty {
            ColumnType::Char(_) | ColumnType::String(_) | ColumnType::Text => SqlType::String,
            ColumnType::Boolean => SqlType::Boolean,
            ColumnType::TinyInteger | ColumnType::SmallInteger | ColumnType::TinyUnsigned => {
                SqlType::SmallInt
            }
            ColumnType::Integer | ColumnType::SmallUnsigned => SqlType::Int,
            ColumnType::BigInteger | ColumnType::Unsigned => SqlType::BigInt,
            ColumnType::BigUnsigned => SqlType::Decimal(Some((20, 0))),
            ColumnType::Float => SqlType::Float,
            ColumnType::Double => SqlType::Double,
            ColumnType::Decimal(ps) => SqlType::Decimal(*ps),
            ColumnType::Money(_) => SqlType::Pg("money".to_owned()),
            ColumnType::Date => SqlType::Date,
            ColumnType::Time => SqlType::Time,
            ColumnType::DateTime | ColumnType::Timestamp => SqlType::Timestamp,
            ColumnType::TimestampWithTimeZone => SqlType::TimestampTz,
            ColumnType::Year => SqlType::Int,
            ColumnType::Interval(..) => SqlType::Pg("interval".to_owned()),
            ColumnType::Binary(_) | ColumnType::VarBinary(_) | ColumnType::Blob => SqlType::Bytea,
            ColumnType::Bit(n) => SqlType::Pg(match n {
                Some(n) => format!("bit({n})"),
                None => "bit".to_owned(),
            }),
            ColumnType::VarBit(n) => SqlType::Pg(format!("varbit({n})")),
            ColumnType::Json => SqlType::Json,
            ColumnType::JsonBinary => SqlType::Jsonb,
            ColumnType::Uuid => SqlType::Uuid,
            ColumnType::Custom(name) => {
                let name = name.to_string();
                match name.strip_suffix("[]") {
                    Some(base) => SqlType::Array(Box::new(SqlType::Composite(base.to_owned()))),
                    None => SqlType::Composite(name),
                }
            }
            ColumnType::Enum { name, .. } => SqlType::Named(name.to_string()),
            ColumnType::Array(inner) => SqlType::Array(Box::new(SqlType::from_column_type(inner))),
            ColumnType::Vector(_) => SqlType::Pg("vector".to_owned()),
            ColumnType::Cidr => SqlType::Pg("cidr".to_owned()),
            ColumnType::Inet => SqlType::Pg("inet".to_owned()),
            ColumnType::MacAddr => SqlType::Pg("macaddr".to_owned()),
            ColumnType::LTree => SqlType::Pg("ltree".to_owned()),
            _ => SqlType::Unknown,
        }
    }

    /// The type of a column of an entity: its `save_as` cast when it declares one (the
    /// text fallback of `entity-gen`: `interval`, `inet`, ...), else its `ColumnType`.
    pub fn of_column<C: ColumnTrait>(column: &C, types: &CompositeTypes) -> SqlType {
        let declared = column.def().get_column_type().clone();
        if !matches!(declared, ColumnType::Enum { .. })
            && let Some(ty) = save_as_type(column)
        {
            return SqlType::parse(&ty, types);
        }
        SqlType::from_column_type(&declared)
    }

    /// A type as PostgreSQL spells it (`numeric(12,2)`, `timestamp with time zone`,
    /// `text[]`, `int4`, a composite's name...). Names found in `types` are composites;
    /// other unknown names are user types (enums).
    pub fn parse(sql: &str, types: &CompositeTypes) -> SqlType {
        let sql = sql.trim();
        if let Some(element) = sql.strip_suffix("[]") {
            return SqlType::Array(Box::new(SqlType::parse(element, types)));
        }
        if types.fields(sql).is_some() {
            return SqlType::Composite(sql.to_owned());
        }
        let lower = sql.to_ascii_lowercase();
        let (base, args) = match lower.split_once('(') {
            Some((base, rest)) => {
                let (args, tail) = rest.split_once(')').unwrap_or((rest, ""));
                let base = format!("{} {}", base.trim(), tail.trim());
                (base.trim().to_owned(), Some(args.to_owned()))
            }
            None => (lower.clone(), None),
        };
        match base.as_str() {
            "text" | "varchar" | "character varying" | "char" | "character" | "bpchar" | "name"
            | "citext" | "string" => SqlType::String,
            "boolean" | "bool" => SqlType::Boolean,
            "smallint" | "int2" => SqlType::SmallInt,
            "integer" | "int" | "int4" => SqlType::Int,
            "bigint" | "int8" => SqlType::BigInt,
            "real" | "float4" => SqlType::Float,
            "double precision" | "float8" | "double" => SqlType::Double,
            "float" => match args.as_deref().and_then(|a| a.trim().parse::<u32>().ok()) {
                Some(p) if p <= 24 => SqlType::Float,
                _ => SqlType::Double,
            },
            "numeric" | "decimal" => SqlType::Decimal(args.as_deref().and_then(|a| {
                let (p, s) = a.split_once(',').unwrap_or((a, "0"));
                Some((p.trim().parse().ok()?, s.trim().parse().ok()?))
            })),
            "date" => SqlType::Date,
            "time" | "time without time zone" => SqlType::Time,
            "timestamp" | "timestamp without time zone" => SqlType::Timestamp,
            "timestamptz" | "timestamp with time zone" => SqlType::TimestampTz,
            "uuid" => SqlType::Uuid,
            "json" => SqlType::Json,
            "jsonb" => SqlType::Jsonb,
            "bytea" => SqlType::Bytea,
            b if PG_ONLY.contains(&b)
                || b.starts_with("interval")
                || b.starts_with("bit")
                || b == "varbit" =>
            {
                SqlType::Pg(sql.to_owned())
            }
            _ => SqlType::Named(sql.to_owned()),
        }
    }

    /// The type of a value of this variant, as sqlx binds it (strings stay [`SqlType::Unknown`]:
    /// PostgreSQL types a string constant from its context).
    pub fn of_value(value: &Value) -> SqlType {
        match value {
            Value::Bool(_) => SqlType::Boolean,
            Value::TinyInt(_) | Value::SmallInt(_) | Value::TinyUnsigned(_) => SqlType::SmallInt,
            Value::Int(_) | Value::SmallUnsigned(_) => SqlType::Int,
            Value::BigInt(_) | Value::Unsigned(_) | Value::BigUnsigned(_) => SqlType::BigInt,
            Value::Float(_) => SqlType::Float,
            Value::Double(_) => SqlType::Double,
            Value::Enum(OptionEnum::Some(e)) => SqlType::Named(pg_quote(&e.type_name)),
            Value::Enum(OptionEnum::None(name)) => SqlType::Named(pg_quote(name)),
            Value::Bytes(_) => SqlType::Bytea,
            Value::Json(_) => SqlType::Jsonb,
            Value::ChronoDate(_) => SqlType::Date,
            Value::ChronoTime(_) => SqlType::Time,
            Value::ChronoDateTime(_) => SqlType::Timestamp,
            Value::ChronoDateTimeUtc(_)
            | Value::ChronoDateTimeLocal(_)
            | Value::ChronoDateTimeWithTimeZone(_) => SqlType::TimestampTz,
            Value::Uuid(_) => SqlType::Uuid,
            Value::Decimal(_) => SqlType::Decimal(None),
            Value::Array(element, _) => SqlType::Array(Box::new(SqlType::of_array(element))),
            _ => SqlType::Unknown,
        }
    }

    /// The element type of an array of this sea-query type.
    fn of_array(element: &ArrayType) -> SqlType {
        match element {
            ArrayType::Bool => SqlType::Boolean,
            ArrayType::TinyInt | ArrayType::SmallInt | ArrayType::TinyUnsigned => SqlType::SmallInt,
            ArrayType::Int | ArrayType::SmallUnsigned => SqlType::Int,
            ArrayType::BigInt | ArrayType::Unsigned | ArrayType::BigUnsigned => SqlType::BigInt,
            ArrayType::Float => SqlType::Float,
            ArrayType::Double => SqlType::Double,
            ArrayType::String | ArrayType::Char => SqlType::String,
            ArrayType::Enum(name) => SqlType::Named(pg_quote(name)),
            ArrayType::Bytes => SqlType::Bytea,
            ArrayType::Json => SqlType::Jsonb,
            ArrayType::ChronoDate => SqlType::Date,
            ArrayType::ChronoTime => SqlType::Time,
            ArrayType::ChronoDateTime => SqlType::Timestamp,
            ArrayType::ChronoDateTimeUtc
            | ArrayType::ChronoDateTimeLocal
            | ArrayType::ChronoDateTimeWithTimeZone => SqlType::TimestampTz,
            ArrayType::Uuid => SqlType::Uuid,
            ArrayType::Decimal => SqlType::Decimal(None),
            #[allow(unreachable_patterns)]
            _ => SqlType::Unknown,
        }
    }

    /// Whether a string is written as it is (no cast) into this type on Query Service.
    fn takes_string(&self) -> bool {
        matches!(self, SqlType::String | SqlType::Named(_) | SqlType::Unknown)
    }

    /// The name a `CAST` to this type uses on Query Service: Spark's where it has one, else
    /// PostgreSQL's.
    pub fn spark_name(&self) -> String {
        match self {
            SqlType::String | SqlType::Unknown => "string".to_owned(),
            SqlType::Boolean => "boolean".to_owned(),
            SqlType::SmallInt => "smallint".to_owned(),
            SqlType::Int => "int".to_owned(),
            SqlType::BigInt => "bigint".to_owned(),
            SqlType::Float => "float".to_owned(),
            SqlType::Double => "double".to_owned(),
            SqlType::Decimal(Some((p, s))) => format!("decimal({p},{s})"),
            SqlType::Decimal(None) => "numeric".to_owned(),
            SqlType::Date => "date".to_owned(),
            SqlType::Time => "time".to_owned(),
            SqlType::Timestamp | SqlType::TimestampTz => "timestamp".to_owned(),
            SqlType::Uuid => "uuid".to_owned(),
            SqlType::Json => "json".to_owned(),
            SqlType::Jsonb => "jsonb".to_owned(),
            SqlType::Bytea => "bytea".to_owned(),
            SqlType::Pg(name) | SqlType::Named(name) | SqlType::Composite(name) => name.clone(),
            SqlType::Array(element) => format!("{}[]", element.spark_name()),
        }
    }

    /// The name a `CAST` to this type uses on PostgreSQL.
    pub fn pg_name(&self) -> String {
        match self {
            SqlType::String | SqlType::Unknown => "text".to_owned(),
            SqlType::Boolean => "boolean".to_owned(),
            SqlType::SmallInt => "smallint".to_owned(),
            SqlType::Int => "integer".to_owned(),
            SqlType::BigInt => "bigint".to_owned(),
            SqlType::Float => "real".to_owned(),
            SqlType::Double => "double precision".to_owned(),
            SqlType::Decimal(Some((p, s))) => format!("numeric({p},{s})"),
            SqlType::Decimal(None) => "numeric".to_owned(),
            SqlType::Date => "date".to_owned(),
            SqlType::Time => "time".to_owned(),
            SqlType::Timestamp => "timestamp".to_owned(),
            SqlType::TimestampTz => "timestamptz".to_owned(),
            SqlType::Uuid => "uuid".to_owned(),
            SqlType::Json => "json".to_owned(),
            SqlType::Jsonb => "jsonb".to_owned(),
            SqlType::Bytea => "bytea".to_owned(),
            SqlType::Pg(name) | SqlType::Named(name) | SqlType::Composite(name) => name.clone(),
            SqlType::Array(element) => format!("{}[]", element.pg_name()),
        }
    }

    /// The name a `CAST` to this type uses on `flavor`.
    pub fn cast_name(&self, flavor: Flavor) -> String {
        match flavor {
            Flavor::QueryService => self.spark_name(),
            Flavor::Postgres => self.pg_name(),
        }
    }

    fn is_float(&self) -> bool {
        matches!(self, SqlType::Float | SqlType::Double)
    }

    fn is_integer(&self) -> bool {
        matches!(self, SqlType::SmallInt | SqlType::Int | SqlType::BigInt)
    }

    fn is_number(&self) -> bool {
        self.is_integer() || self.is_float() || matches!(self, SqlType::Decimal(_))
    }
}

/// `"name"` with quotes doubled (a type name from a sea-query value, as sea-query quotes it).
fn pg_quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The type named by a column's `save_as` (`CAST(x AS interval)`), if it declares one.
fn save_as_type<C: ColumnTrait>(column: &C) -> Option<String> {
    use sea_orm::sea_query::{Expr, PostgresQueryBuilder, Query};
    const MARK: &str = "qsorm_save_as_probe";
    let sql = Query::select()
        .expr(column.save_as(Expr::cust(MARK)))
        .to_string(PostgresQueryBuilder);
    let rest = sql.strip_prefix("SELECT CAST(")?;
    let rest = rest.strip_prefix(MARK).or_else(|| {
        rest.strip_prefix('(')?
            .strip_prefix(MARK)?
            .strip_prefix(')')
    })?;
    let ty = rest.strip_prefix(" AS ")?.strip_suffix(')')?;
    let ty = ty
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(ty);
    Some(ty.to_owned())
}

// ---------------------------------------------------------------------------------------
// Identifiers.

/// Keywords that must not be bare identifiers: Spark's ANSI-mode reserved words and
/// PostgreSQL's reserved ones (both, since a Query Service statement is read by a
/// Spark-style parser and the local server's PostgreSQL).
const KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "anti",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "binary",
    "both",
    "by",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "cube",
    "current",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "delete",
    "desc",
    "describe",
    "distinct",
    "do",
    "drop",
    "else",
    "end",
    "escape",
    "except",
    "exists",
    "external",
    "false",
    "fetch",
    "filter",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "function",
    "global",
    "grant",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "insert",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "minus",
    "natural",
    "not",
    "notnull",
    "null",
    "of",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "partition",
    "placing",
    "position",
    "primary",
    "range",
    "references",
    "returning",
    "revoke",
    "right",
    "rlike",
    "rollback",
    "rollup",
    "row",
    "rows",
    "select",
    "semi",
    "session_user",
    "set",
    "similar",
    "some",
    "start",
    "struct",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "unknown",
    "update",
    "user",
    "using",
    "values",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// An identifier as Query Service reads it: bare when simple (`[a-z_][a-z0-9_]*`, not a
/// keyword), otherwise in backticks with backticks doubled (`` `order` ``,
/// `` `Weird Name` ``).
pub fn qs_ident(name: &str) -> String {
    let simple = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !KEYWORDS.contains(&name);
    if simple {
        name.to_owned()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

// ---------------------------------------------------------------------------------------
// Strings.

/// The NUL character: neither PostgreSQL nor Query Service text can hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the value contains a NUL character (\\0), which PostgreSQL and Query Service text cannot hold"
)]
pub struct NulCharacter;

/// Whether a character is written as `chr(n)` rather than between quotes.
fn needs_chr(c: char) -> bool {
    matches!(c, '\'' | '\\' | '\u{1}'..='\u{1f}' | '\u{7f}')
}

/// Concatenations are grouped by this many operands, so the expression tree stays shallow
/// (a string of 10,000 lines nests 4 levels deep, not 20,000).
const CONCAT_GROUP: usize = 16;

fn concat(pieces: Vec<String>) -> String {
    if pieces.len() <= 1 {
        return pieces.into_iter().next().unwrap_or_else(|| "''".to_owned());
    }
    if pieces.len() <= CONCAT_GROUP {
        return format!("({})", pieces.join(" || "));
    }
    let groups: Vec<String> = pieces
        .chunks(CONCAT_GROUP)
        .map(|g| concat(g.to_vec()))
        .collect();
    concat(groups)
}

/// A string as an expression a Spark-style lexer and PostgreSQL's (in either
/// `standard_conforming_strings` mode) read alike: quotes, backslashes and control
/// characters as `chr(n)`, concatenated and parenthesised (`('a' || chr(10) || 'b')`); a
/// string without them is one quoted literal. A NUL character is refused. (Query Service's
/// form; on PostgreSQL it is of type `text`.)
pub fn string_literal(s: &str) -> Result<String, NulCharacter> {
    let mut pieces = Vec::new();
    let mut run = String::new();
    for c in s.chars() {
        if c == '\0' {
            return Err(NulCharacter);
        }
        if needs_chr(c) {
            if !run.is_empty() {
                pieces.push(format!("'{run}'"));
                run.clear();
            }
            pieces.push(format!("chr({})", u32::from(c)));
        } else {
            run.push(c);
        }
    }
    if !run.is_empty() || pieces.is_empty() {
        pieces.push(format!("'{run}'"));
    }
    Ok(concat(pieces))
}

/// A PostgreSQL string constant (type `unknown`, typed by its context) that reads the same
/// whatever `standard_conforming_strings` says: `'...'` with quotes doubled, or, when the
/// string holds a backslash, dollar-quoted with a tag the string does not contain
/// (`$q$a\b$q$`). No escape is read inside either form. A NUL character is refused.
pub fn pg_string_literal(s: &str) -> Result<String, NulCharacter> {
    if s.contains('\0') {
        return Err(NulCharacter);
    }
    if !s.contains('\\') {
        return Ok(format!("'{}'", s.replace('\'', "''")));
    }
    // `$tag` absent from the string: the first `$tag$` after the opening one is the closing
    // one (its only self-overlap is the `$`).
    let tag = (0u32..)
        .map(|n| {
            if n == 0 {
                "q".to_owned()
            } else {
                format!("q{n}")
            }
        })
        .find(|tag| !s.contains(&format!("${tag}")))
        .unwrap_or_default();
    Ok(format!("${tag}${s}${tag}$"))
}

/// A string literal for a Query Service clause that takes exactly one literal token (CTAS
/// `WITH (schema='...')` options, `NAMESPACE '...'`): read only by Query Service's
/// Spark-style parser, which reads a backslash as an escape, so `\` and `'` are escaped
/// with one (`'O\'Brien'`). A NUL character is refused.
pub fn spark_string_literal(s: &str) -> Result<String, NulCharacter> {
    if s.contains('\0') {
        return Err(NulCharacter);
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Numbers.

/// Rust's shortest round-trip text of `f` (`value` is the same number as a double):
/// `NaN`, `Infinity`, `-Infinity`, `-0`, exponent notation outside 1e-5..1e16.
fn shortest<F: fmt::Display + fmt::LowerExp>(f: F, value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else if value != 0.0 && !(1e-5..1e16).contains(&value.abs()) {
        format!("{f:e}")
    } else {
        format!("{f}")
    }
}

/// The shortest text that reads back as exactly this double (PostgreSQL's and Spark's
/// input functions take it).
pub fn f64_text(f: f64) -> String {
    shortest(f, f)
}

/// The shortest text that reads back as exactly this single-precision float.
pub fn f32_text(f: f32) -> String {
    shortest(f, f64::from(f))
}

/// `\x` and the bytes in hex: `bytea`'s text input format.
pub fn bytea_hex(bytes: &[u8]) -> String {
    let mut hex = String::with_capacity(2 + 2 * bytes.len());
    hex.push_str("\\x");
    for b in bytes {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

fn is_plain_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `-?digits(.digits)?`: a numeric literal both parsers read as an exact decimal.
fn is_plain_decimal(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

// ---------------------------------------------------------------------------------------
// Dates.

/// `YYYY-MM-DD` for years 1..; PostgreSQL's `YYYY-MM-DD BC` era suffix is added by the
/// caller for years before 1 (`era_suffix`).
fn ymd<D: Datelike>(d: &D) -> String {
    let year = d.year();
    let shown = if year >= 1 { year } else { 1 - year };
    format!("{shown:04}-{:02}-{:02}", d.month(), d.day())
}

fn era_suffix(year: i32) -> &'static str {
    if year >= 1 { "" } else { " BC" }
}

// ---------------------------------------------------------------------------------------
// Errors.

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

    fn field(&self, name: &str) -> Location {
        Location {
            kind: self.kind,
            path: format!("{}.{name}", self.path),
        }
    }

    fn index(&self, i: usize) -> Location {
        Location {
            kind: self.kind,
            path: format!("{}[{}]", self.path, i + 1),
        }
    }

    fn nul(&self) -> LiteralError {
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

/// A value no literal can carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LiteralError {
    /// A NUL character (text, JSON, an array element, a composite field).
    #[error(
        "{at}: the value contains a NUL character (\\0), which PostgreSQL and Query Service \
         text cannot hold"
    )]
    Nul {
        /// Where.
        at: Location,
    },
    /// A date or timestamp outside the years Query Service takes.
    #[error(
        "{at}: year {year} is outside 1..=9999, the years Query Service (Spark) dates and \
         timestamps take"
    )]
    YearOutOfRange {
        /// Where.
        at: Location,
        /// The year (0 is 1 BC).
        year: i32,
    },
    /// A Query Service composite whose fields are not known, so its `struct(...)` cannot be
    /// typed.
    #[error(
        "{at}: the fields of the composite type `{name}` are unknown, so its literal cannot \
         be typed: give the profile the `COMPOSITE_TYPES` table entity-gen generates \
         (`Profile::with_composite_types`)"
    )]
    UnknownComposite {
        /// Where.
        at: Location,
        /// The composite type.
        name: String,
    },
    /// A value type this renderer has no literal for (a sea-query feature this workspace
    /// does not enable).
    #[error("{at}: no SQL literal for the value {value}")]
    Unsupported {
        /// Where.
        at: Location,
        /// The value, debug-printed.
        value: String,
    },
}

impl LiteralError {
    /// Where the value sits.
    pub fn location(&self) -> &Location {
        match self {
            LiteralError::Nul { at }
            | LiteralError::YearOutOfRange { at, .. }
            | LiteralError::UnknownComposite { at, .. }
            | LiteralError::Unsupported { at, .. } => at,
        }
    }
}

/// Why a statement's values could not be inlined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InlineError {
    /// The placeholders and the values do not fit together.
    #[error("cannot inline the values: {0}")]
    Placeholder(#[from] PlaceholderError),
    /// A value has no literal.
    #[error("cannot inline the values: {0}")]
    Literal(#[from] LiteralError),
}

/// Inline failures travel through sea-orm as `DbErr::Query(RuntimeErr::SqlxError(
/// sqlx::Error::Encode(InlineError)))`: the error a value that cannot be encoded gives on the
/// bind path. [`inline_error`] gets the typed error back.
impl From<InlineError> for DbErr {
    fn from(e: InlineError) -> DbErr {
        DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(
            sqlx::Error::Encode(Box::new(e)),
        )))
    }
}

/// The [`InlineError`] inside a sea-orm error, when inlining a statement's values failed.
pub fn inline_error(err: &DbErr) -> Option<&InlineError> {
    match crate::error::sqlx_error(err)? {
        sqlx::Error::Encode(e) => e.downcast_ref::<InlineError>(),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// The renderer.

/// Renders values for one flavor, with the composite types it knows.
#[derive(Debug, Clone, Copy)]
pub struct Renderer<'a> {
    flavor: Flavor,
    types: &'a CompositeTypes,
}

impl Renderer<'static> {
    /// A renderer for `flavor` that knows no composite type.
    pub fn new(flavor: Flavor) -> Renderer<'static> {
        Renderer {
            flavor,
            types: &NO_COMPOSITES,
        }
    }
}

/// A sea-orm value as a literal for `flavor`, typed for `ty` when given (else from the
/// value's variant). Errors name it as placeholder `$1`; [`Renderer::value`] takes a
/// [`Location`].
pub fn literal(
    value: &Value,
    ty: Option<&SqlType>,
    flavor: Flavor,
) -> Result<String, LiteralError> {
    Renderer::new(flavor).value(value, ty, &Location::placeholder(1))
}

/// `sql` (built with `$n` placeholders) with each placeholder replaced by its value's literal
/// for `flavor` (see [`Renderer::inline`]).
pub fn inline(sql: &str, values: &[Value], flavor: Flavor) -> Result<String, InlineError> {
    Renderer::new(flavor).inline(sql, values)
}

impl<'a> Renderer<'a> {
    /// The same renderer, knowing the fields of `types`' composites.
    pub fn with_composites(self, types: &CompositeTypes) -> Renderer<'_> {
        Renderer {
            flavor: self.flavor,
            types,
        }
    }

    /// The flavor it renders for.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// A sea-orm value as an expression for a column or field of type `ty` (`None`: typed
    /// from the value's variant). `at` names it in errors.
    pub fn value(
        &self,
        value: &Value,
        ty: Option<&SqlType>,
        at: &Location,
    ) -> Result<String, LiteralError> {
        self.value_expr(value, ty.unwrap_or(&SqlType::Unknown), at)
    }

    /// A JSON value (a composite, a JSON column, a field) as an expression for `ty`.
    pub fn json(&self, value: &Json, ty: &SqlType, at: &Location) -> Result<String, LiteralError> {
        self.json_expr(value, ty, at)
    }

    /// A string as this flavor's string literal (Query Service: [`string_literal`];
    /// PostgreSQL: [`pg_string_literal`]).
    pub fn string(&self, s: &str, at: &Location) -> Result<String, LiteralError> {
        self.text(s, at)
    }

    /// `sql` with each `$n` placeholder outside literals, quoted identifiers, dollar quotes
    /// and comments replaced by the literal of `values[n - 1]` (typed from its variant; see
    /// [`crate::placeholders::inline`] for the parentheses around it). Every value must be
    /// used and every placeholder must have a value.
    pub fn inline(&self, sql: &str, values: &[Value]) -> Result<String, InlineError> {
        let inlined = placeholders::inline(sql, values.len(), |i| {
            // Every literal is a primary expression (a constant, `NULL`, `CAST(...)`, a call,
            // a parenthesised concatenation) but a negative number.
            self.value(&values[i], None, &Location::placeholder(i + 1))
                .map(|text| Expression {
                    primary: !text.starts_with('-'),
                    text,
                })
        })?;
        Ok(inlined?)
    }

    fn is_qs(&self) -> bool {
        self.flavor.is_query_service()
    }

    /// A string literal: Query Service's `chr()` form, PostgreSQL's string constant.
    fn text(&self, s: &str, at: &Location) -> Result<String, LiteralError> {
        match self.flavor {
            Flavor::QueryService => string_literal(s),
            Flavor::Postgres => pg_string_literal(s),
        }
        .map_err(|NulCharacter| at.nul())
    }

    /// `CAST(<text> AS <ty>)`.
    fn cast(&self, s: &str, ty: &SqlType, at: &Location) -> Result<String, LiteralError> {
        Ok(format!(
            "CAST({} AS {})",
            self.text(s, at)?,
            ty.cast_name(self.flavor)
        ))
    }

    /// `CAST(<raw SQL> AS <ty>)` (a number, `true`, ...), PostgreSQL.
    fn cast_raw(&self, raw: &str, ty: &SqlType) -> String {
        format!("CAST({raw} AS {})", ty.cast_name(self.flavor))
    }

    /// A NULL for `ty`: bare on Query Service (the server types it on assignment) and for
    /// PostgreSQL strings (`unknown`, like their literals), else cast.
    fn null(&self, ty: &SqlType) -> String {
        match ty {
            _ if self.is_qs() => "NULL".to_owned(),
            SqlType::Unknown => "NULL".to_owned(),
            t => self.cast_raw("NULL", t),
        }
    }

    /// A string written for `ty`: as it is into string types, else cast.
    fn typed_string(&self, s: &str, ty: &SqlType, at: &Location) -> Result<String, LiteralError> {
        if self.is_qs() {
            return match ty {
                t if t.takes_string() => self.text(s, at),
                SqlType::Decimal(_) if is_plain_decimal(s) => Ok(s.to_owned()),
                t if t.is_integer() && is_plain_integer(s) => Ok(s.to_owned()),
                // `bytea` too: its text form (`\x...`, what `to_json` gives for a field).
                t => self.cast(s, t, at),
            };
        }
        match ty {
            SqlType::String | SqlType::Unknown => self.text(s, at),
            SqlType::Decimal(_) if is_plain_decimal(s) => Ok(self.cast_raw(s, ty)),
            t if t.is_integer() && is_plain_integer(s) => Ok(self.cast_raw(s, ty)),
            t => self.cast(s, t, at),
        }
    }

    /// A number's literal for `ty` (digits as they are into numeric types on Query Service,
    /// cast on PostgreSQL).
    fn number(&self, raw: &str, ty: &SqlType, at: &Location) -> Result<String, LiteralError> {
        match ty {
            t if t.is_float() => self.cast(raw, ty, at),
            SqlType::String => self.text(raw, at),
            _ if self.is_qs() => Ok(raw.to_owned()),
            SqlType::Unknown => Ok(raw.to_owned()),
            t => Ok(self.cast_raw(raw, t)),
        }
    }

    /// A value whose text is cast to `natural` unless the column says otherwise.
    fn typed(
        &self,
        text_form: &str,
        natural: SqlType,
        ty: &SqlType,
        at: &Location,
    ) -> Result<String, LiteralError> {
        match ty {
            SqlType::String => self.text(text_form, at),
            SqlType::Unknown | SqlType::Named(_) => self.cast(text_form, &natural, at),
            t => self.cast(text_form, t, at),
        }
    }

    fn check_year(&self, year: i32, at: &Location) -> Result<(), LiteralError> {
        if !self.is_qs() || (1..=9999).contains(&year) {
            Ok(())
        } else {
            Err(LiteralError::YearOutOfRange {
                at: at.clone(),
                year,
            })
        }
    }

    fn timestamp_tz<Tz: chrono::TimeZone>(
        &self,
        d: &chrono::DateTime<Tz>,
        ty: &SqlType,
        at: &Location,
    ) -> Result<String, LiteralError>
    where
        Tz::Offset: fmt::Display,
    {
        let fixed = d.fixed_offset();
        // Offsets with seconds (local mean time) are not written by `%:z`: such values go in
        // UTC.
        let fixed = if fixed.offset().fix().local_minus_utc() % 60 == 0 {
            fixed
        } else {
            d.to_utc().fixed_offset()
        };
        self.check_year(fixed.year(), at)?;
        let text = format!(
            "{} {}{}",
            ymd(&fixed),
            fixed.format("%H:%M:%S%.f%:z"),
            era_suffix(fixed.year())
        );
        // PostgreSQL reads an offset into a naive timestamp by dropping it; an instant goes
        // into one through timestamptz, converted in the session's time zone, as a bound
        // value would be.
        if !self.is_qs() && *ty == SqlType::Timestamp {
            let instant = self.cast(&text, &SqlType::TimestampTz, at)?;
            return Ok(self.cast_raw(&instant, ty));
        }
        self.typed(&text, SqlType::TimestampTz, ty, at)
    }

    fn value_expr(
        &self,
        value: &Value,
        ty: &SqlType,
        at: &Location,
    ) -> Result<String, LiteralError> {
        let natural;
        let ty = if !self.is_qs() && *ty == SqlType::Unknown {
            natural = SqlType::of_value(value);
            &natural
        } else {
            ty
        };
        match value {
            Value::Bool(None)
            | Value::TinyInt(None)
            | Value::SmallInt(None)
            | Value::Int(None)
            | Value::BigInt(None)
            | Value::TinyUnsigned(None)
            | Value::SmallUnsigned(None)
            | Value::Unsigned(None)
            | Value::BigUnsigned(None)
            | Value::String(None)
            | Value::Char(None)
            | Value::Bytes(None)
            | Value::Json(None)
            | Value::ChronoDate(None)
            | Value::ChronoTime(None)
            | Value::ChronoDateTime(None)
            | Value::ChronoDateTimeUtc(None)
            | Value::ChronoDateTimeLocal(None)
            | Value::ChronoDateTimeWithTimeZone(None)
            | Value::Decimal(None)
            | Value::Uuid(None)
            | Value::Float(None)
            | Value::Double(None)
            | Value::Array(_, None)
            | Value::Enum(OptionEnum::None(_)) => Ok(self.null(ty)),
            Value::Bool(Some(b)) => match ty {
                SqlType::String => self.text(&b.to_string(), at),
                SqlType::Boolean | SqlType::Unknown => Ok(b.to_string()),
                _ if self.is_qs() => Ok(b.to_string()),
                t => Ok(self.cast_raw(&b.to_string(), t)),
            },
            Value::TinyInt(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::SmallInt(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::Int(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::BigInt(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::TinyUnsigned(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::SmallUnsigned(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::Unsigned(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::BigUnsigned(Some(v)) => self.number(&v.to_string(), ty, at),
            Value::Float(Some(f)) => self.typed(&f32_text(*f), SqlType::Float, ty, at),
            Value::Double(Some(f)) => self.typed(&f64_text(*f), SqlType::Double, ty, at),
            Value::Decimal(Some(d)) => self.number(&d.to_string(), ty, at),
            Value::String(Some(s)) => self.typed_string(s, ty, at),
            Value::Char(Some(c)) => self.typed_string(&c.to_string(), ty, at),
            Value::Enum(OptionEnum::Some(e)) => self.typed_string(&e.value, ty, at),
            Value::Bytes(Some(bytes)) => {
                let hex = bytea_hex(bytes);
                match ty {
                    SqlType::String => self.text(&hex, at),
                    _ => self.cast(&hex, &SqlType::Bytea, at),
                }
            }
            Value::Uuid(Some(u)) => self.typed(&u.to_string(), SqlType::Uuid, ty, at),
            Value::ChronoDate(Some(d)) => {
                self.check_year(d.year(), at)?;
                let text = format!("{}{}", ymd(d), era_suffix(d.year()));
                self.typed(&text, SqlType::Date, ty, at)
            }
            Value::ChronoTime(Some(t)) => {
                self.typed(&t.format("%H:%M:%S%.f").to_string(), SqlType::Time, ty, at)
            }
            Value::ChronoDateTime(Some(d)) => {
                self.check_year(d.year(), at)?;
                let text = format!(
                    "{} {}{}",
                    ymd(d),
                    d.format("%H:%M:%S%.f"),
                    era_suffix(d.year())
                );
                self.typed(&text, SqlType::Timestamp, ty, at)
            }
            Value::ChronoDateTimeUtc(Some(d)) => self.timestamp_tz(d, ty, at),
            Value::ChronoDateTimeLocal(Some(d)) => self.timestamp_tz(d, ty, at),
            Value::ChronoDateTimeWithTimeZone(Some(d)) => self.timestamp_tz(d, ty, at),
            // A JSON column takes the document itself, JSON `null` included (SQL NULL is
            // `Value::Json(None)`).
            Value::Json(Some(j)) if matches!(ty, SqlType::Json | SqlType::Jsonb) => {
                json_nul_free(j, at)?;
                self.cast(&j.to_string(), ty, at)
            }
            Value::Json(Some(j)) if *ty == SqlType::String => {
                json_nul_free(j, at)?;
                self.text(&j.to_string(), at)
            }
            Value::Json(Some(j)) => self.json_expr(j, ty, at),
            Value::Array(_, Some(items)) => {
                // PostgreSQL: an array into a column that is no array is typed as itself.
                let own;
                let ty = match ty {
                    SqlType::Array(_) => ty,
                    _ if self.is_qs() => ty,
                    _ => {
                        own = SqlType::of_value(value);
                        &own
                    }
                };
                let element = match ty {
                    SqlType::Array(element) => element.as_ref().clone(),
                    _ => SqlType::Unknown,
                };
                let items = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.value_expr(v, &element, &at.index(i)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(self.array(items, ty))
            }
            #[allow(unreachable_patterns)]
            other => Err(LiteralError::Unsupported {
                at: at.clone(),
                value: format!("{other:?}"),
            }),
        }
    }

    /// `array(e1, ...)` on Query Service, `CAST(ARRAY[e1, ...] AS <ty>)` on PostgreSQL.
    fn array(&self, items: Vec<String>, ty: &SqlType) -> String {
        if self.is_qs() {
            return format!("array({})", items.join(", "));
        }
        self.cast_raw(&format!("ARRAY[{}]", items.join(", ")), ty)
    }

    fn json_expr(&self, value: &Json, ty: &SqlType, at: &Location) -> Result<String, LiteralError> {
        match (ty, value) {
            (t, Json::Null) => Ok(self.null(t)),
            (SqlType::Json | SqlType::Jsonb, v) => {
                json_nul_free(v, at)?;
                self.cast(&v.to_string(), ty, at)
            }
            (SqlType::Composite(name), Json::Object(fields)) => match self.types.fields(name) {
                Some(declared) => {
                    let items = declared
                        .iter()
                        .map(|(field, sql_type)| {
                            let value = fields.get(*field).unwrap_or(&Json::Null);
                            let ty = SqlType::parse(sql_type, self.types);
                            let expr = self.json_expr(value, &ty, &at.field(field))?;
                            Ok(if self.is_qs() {
                                format!("{expr} AS {}", qs_ident(field))
                            } else {
                                expr
                            })
                        })
                        .collect::<Result<Vec<_>, LiteralError>>()?;
                    Ok(if self.is_qs() {
                        format!("struct({})", items.join(", "))
                    } else {
                        self.cast_raw(&format!("ROW({})", items.join(", ")), ty)
                    })
                }
                None if self.is_qs() => Err(LiteralError::UnknownComposite {
                    at: at.clone(),
                    name: name.clone(),
                }),
                None => self.populate_record(value, ty, at),
            },
            (SqlType::Array(element), Json::Array(items)) => {
                let items = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.json_expr(v, element, &at.index(i)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(self.array(items, ty))
            }
            (SqlType::Unknown | SqlType::Named(_), Json::Object(_) | Json::Array(_))
                if self.is_qs() =>
            {
                self.json_shape(value, at)
            }
            // An unregistered composite (a field's type the table does not list).
            (SqlType::Named(_), Json::Object(_)) => self.populate_record(value, ty, at),
            (SqlType::Unknown, Json::Object(_) | Json::Array(_)) => {
                json_nul_free(value, at)?;
                self.cast(&value.to_string(), &SqlType::Jsonb, at)
            }
            (_, Json::String(s)) => self.typed_string(s, ty, at),
            (_, Json::Bool(b)) => match ty {
                SqlType::String => self.text(&b.to_string(), at),
                SqlType::Boolean | SqlType::Unknown => Ok(b.to_string()),
                _ if self.is_qs() => Ok(b.to_string()),
                t => Ok(self.cast_raw(&b.to_string(), t)),
            },
            (_, Json::Number(n)) => {
                let raw = n.to_string();
                match ty {
                    t if t.is_float() => match n.as_f64() {
                        Some(f) if *ty == SqlType::Float => {
                            #[allow(clippy::cast_possible_truncation)]
                            let f = f as f32;
                            self.cast(&f32_text(f), ty, at)
                        }
                        Some(f) => self.cast(&f64_text(f), ty, at),
                        None => self.cast(&raw, ty, at),
                    },
                    SqlType::String => self.text(&raw, at),
                    t if t.is_number() && (is_plain_decimal(&raw) || is_plain_integer(&raw)) => {
                        Ok(if self.is_qs() {
                            raw
                        } else {
                            self.cast_raw(&raw, t)
                        })
                    }
                    SqlType::Unknown | SqlType::Named(_) if self.is_qs() => Ok(raw),
                    SqlType::Unknown if is_plain_decimal(&raw) || is_plain_integer(&raw) => Ok(raw),
                    t => self.cast(&raw, t, at),
                }
            }
            // An object or array for a scalar type: its JSON text, cast.
            (t, v) => {
                json_nul_free(v, at)?;
                self.typed_string(&v.to_string(), t, at)
            }
        }
    }

    /// PostgreSQL: a composite of unknown fields from its JSON form.
    fn populate_record(
        &self,
        value: &Json,
        ty: &SqlType,
        at: &Location,
    ) -> Result<String, LiteralError> {
        json_nul_free(value, at)?;
        Ok(format!(
            "json_populate_record({}, {})",
            self.cast_raw("NULL", ty),
            self.cast(&value.to_string(), &SqlType::Json, at)?
        ))
    }

    /// A JSON value written from its own shape (a Query Service composite without registered
    /// fields).
    fn json_shape(&self, value: &Json, at: &Location) -> Result<String, LiteralError> {
        match value {
            Json::Object(fields) => {
                let items = fields
                    .iter()
                    .map(|(k, v)| {
                        let expr = self.json_expr(v, &SqlType::Unknown, &at.field(k))?;
                        Ok(format!("{expr} AS {}", qs_ident(k)))
                    })
                    .collect::<Result<Vec<_>, LiteralError>>()?;
                Ok(format!("struct({})", items.join(", ")))
            }
            Json::Array(items) => {
                let items = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.json_expr(v, &SqlType::Unknown, &at.index(i)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(format!("array({})", items.join(", ")))
            }
            other => self.json_expr(other, &SqlType::Unknown, at),
        }
    }
}

/// Refuses a NUL anywhere in a JSON document (PostgreSQL's json/jsonb refuse `\u0000`).
fn json_nul_free(value: &Json, at: &Location) -> Result<(), LiteralError> {
    match value {
        Json::String(s) if s.contains('\0') => Err(at.nul()),
        Json::Array(items) => items.iter().try_for_each(|v| json_nul_free(v, at)),
        Json::Object(fields) => fields.iter().try_for_each(|(k, v)| {
            if k.contains('\0') {
                Err(at.nul())
            } else {
                json_nul_free(v, at)
            }
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
