//! Query Service literals: every value written by the Query Service profile goes through
//! here, so that a Spark-style lexer (Query Service) and PostgreSQL's lexer
//! (`standard_conforming_strings=on`) read the same text the same way.
//!
//! - **Strings** never put a quote, a backslash or a control character (below U+0020, and
//!   U+007F) between quotes: those are written as `chr(n)` and concatenated,
//!   `('it' || chr(39) || 's')`, parenthesised so no surrounding operator changes the
//!   meaning (long concatenations are nested in groups, so the expression stays shallow).
//!   Spark reads a backslash inside `'...'` as an escape and refuses `E'...'`; PostgreSQL
//!   reads a backslash literally: this form is the one both read alike. A NUL character
//!   cannot be stored by either: it is [`RepoError::InvalidInput`] naming the column.
//! - **Typed values** follow Spark's store assignment, which refuses a string into a
//!   non-string column: numbers are numeric literals (`12`, `-3.5`, decimals with their
//!   exact text), everything else is `CAST(<string> AS <type>)` with Spark's type name
//!   (`timestamp`, `date`, `double`, `float`, `decimal(p,s)`, ...) or, for PostgreSQL-only
//!   types without one, PostgreSQL's (`uuid`, `json`, `jsonb`, `bytea`, `interval`, ...).
//!   Floats are written with Rust's shortest round-trip text (`CAST('0.1' AS double)`,
//!   `CAST('NaN' AS double)`, `CAST('-0' AS double)`). Timestamps with a time zone keep
//!   their offset (`CAST('2026-11-25 10:00:00.5+01:00' AS timestamp)`); timestamps without
//!   one are written without offset. `bytea` is `CAST((chr(92) || 'x0aff') AS bytea)`: the
//!   PostgreSQL hex input format (Spark's `CAST(... AS binary)` would take the text's
//!   UTF-8 bytes instead).
//! - **Enums** are strings: Query Service has no enum types (the server casts on assignment).
//! - **Arrays** are `array(e1, e2, ...)`, **composites** `struct(<expr> AS <field>, ...)`,
//!   both nested as deep as the type goes. Each field is typed from the composite's field
//!   SQL types ([`CompositeTypes`], which `entity-gen` generates as `COMPOSITE_TYPES`), not
//!   from the JSON value's shape: a decimal that serde wrote as `"12.34"` is the numeric
//!   literal `12.34`. A composite whose fields are not registered is
//!   [`RepoError::InvalidInput`] (Query Service would refuse a guess from the JSON shape:
//!   a decimal serialized as a string). JSON values of no known type are written from
//!   their shape.
//! - **Identifiers** ([`qs_ident`]) are bare when simple and not a keyword, else in
//!   backticks.
//!
//! ```
//! use qsorm_repository::qs_literal::{CompositeTypes, QsType, qs_ident, string_literal, value_literal};
//! use sea_orm::Value;
//!
//! assert_eq!(string_literal("it's").unwrap(), "('it' || chr(39) || 's')");
//! assert_eq!(qs_ident("order"), "`order`");
//! let types = CompositeTypes::new();
//! let v = Value::Double(Some(f64::NAN));
//! assert_eq!(value_literal(&v, &QsType::Double, &types, "x").unwrap(), "CAST('NaN' AS double)");
//! ```

use std::fmt::Write;

use sea_orm::sea_query::{ColumnType, OptionEnum};
use sea_orm::{ColumnTrait, Value};
use serde_json::Value as Json;

use crate::error::RepoError;

/// A generated table of composite types: `(type as SQL spells it, [(field name, field SQL
/// type)])`, fields in declaration order. `entity-gen` writes one as
/// `composites::COMPOSITE_TYPES`.
pub type CompositeTable = [(&'static str, &'static [(&'static str, &'static str)])];

/// The composite types the renderer knows the fields of (see [`CompositeTable`]).
#[derive(Debug, Clone, Default)]
pub struct CompositeTypes {
    tables: Vec<&'static CompositeTable>,
}

impl CompositeTypes {
    /// No composite type known: composites are written from their JSON shape.
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

/// The type a Query Service literal is written for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QsType {
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
    /// `timestamp without time zone`: written without offset, cast to Spark's `timestamp`.
    Timestamp,
    /// `timestamp with time zone`: an instant, Spark's `timestamp`.
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
    /// An enum or another user type: written as a string (Query Service has no enum types;
    /// the server casts on assignment).
    Named(String),
    /// A composite type (as SQL spells it).
    Composite(String),
    /// An array.
    Array(Box<QsType>),
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

impl QsType {
    /// The type of a column declared with sea-orm's `ColumnType`. `Custom` types are
    /// composites (`"name[]"`: an array of them), as `entity-gen` declares them.
    pub fn from_column_type(ty: &ColumnType) -> QsType {
        match ty {
            ColumnType::Char(_) | ColumnType::String(_) | ColumnType::Text => QsType::String,
            ColumnType::Boolean => QsType::Boolean,
            ColumnType::TinyInteger | ColumnType::SmallInteger | ColumnType::TinyUnsigned => {
                QsType::SmallInt
            }
            ColumnType::Integer | ColumnType::SmallUnsigned => QsType::Int,
            ColumnType::BigInteger | ColumnType::Unsigned => QsType::BigInt,
            ColumnType::BigUnsigned => QsType::Decimal(Some((20, 0))),
            ColumnType::Float => QsType::Float,
            ColumnType::Double => QsType::Double,
            ColumnType::Decimal(ps) => QsType::Decimal(*ps),
            ColumnType::Money(_) => QsType::Pg("money".to_owned()),
            ColumnType::Date => QsType::Date,
            ColumnType::Time => QsType::Time,
            ColumnType::DateTime | ColumnType::Timestamp => QsType::Timestamp,
            ColumnType::TimestampWithTimeZone => QsType::TimestampTz,
            ColumnType::Year => QsType::Int,
            ColumnType::Interval(..) => QsType::Pg("interval".to_owned()),
            ColumnType::Binary(_) | ColumnType::VarBinary(_) | ColumnType::Blob => QsType::Bytea,
            ColumnType::Bit(n) => QsType::Pg(match n {
                Some(n) => format!("bit({n})"),
                None => "bit".to_owned(),
            }),
            ColumnType::VarBit(n) => QsType::Pg(format!("varbit({n})")),
            ColumnType::Json => QsType::Json,
            ColumnType::JsonBinary => QsType::Jsonb,
            ColumnType::Uuid => QsType::Uuid,
            ColumnType::Custom(name) => {
                let name = name.to_string();
                match name.strip_suffix("[]") {
                    Some(base) => QsType::Array(Box::new(QsType::Composite(base.to_owned()))),
                    None => QsType::Composite(name),
                }
            }
            ColumnType::Enum { name, .. } => QsType::Named(name.to_string()),
            ColumnType::Array(inner) => QsType::Array(Box::new(QsType::from_column_type(inner))),
            ColumnType::Vector(_) => QsType::Pg("vector".to_owned()),
            ColumnType::Cidr => QsType::Pg("cidr".to_owned()),
            ColumnType::Inet => QsType::Pg("inet".to_owned()),
            ColumnType::MacAddr => QsType::Pg("macaddr".to_owned()),
            ColumnType::LTree => QsType::Pg("ltree".to_owned()),
            _ => QsType::Unknown,
        }
    }

    /// The type of a column of an entity: its `save_as` cast when it declares one (the
    /// text fallback of `entity-gen`: `interval`, `inet`, ...), else its `ColumnType`.
    pub fn of_column<C: ColumnTrait>(column: &C, types: &CompositeTypes) -> QsType {
        let declared = column.def().get_column_type().clone();
        if !matches!(declared, ColumnType::Enum { .. })
            && let Some(ty) = save_as_type(column)
        {
            return QsType::parse(&ty, types);
        }
        QsType::from_column_type(&declared)
    }

    /// A type as PostgreSQL spells it (`numeric(12,2)`, `timestamp with time zone`,
    /// `text[]`, `int4`, a composite's name...). Names found in `types` are composites;
    /// other unknown names are user types written as strings (enums).
    pub fn parse(sql: &str, types: &CompositeTypes) -> QsType {
        let sql = sql.trim();
        if let Some(element) = sql.strip_suffix("[]") {
            return QsType::Array(Box::new(QsType::parse(element, types)));
        }
        if types.fields(sql).is_some() {
            return QsType::Composite(sql.to_owned());
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
            | "citext" | "string" => QsType::String,
            "boolean" | "bool" => QsType::Boolean,
            "smallint" | "int2" => QsType::SmallInt,
            "integer" | "int" | "int4" => QsType::Int,
            "bigint" | "int8" => QsType::BigInt,
            "real" | "float4" => QsType::Float,
            "double precision" | "float8" | "double" => QsType::Double,
            "float" => match args.as_deref().and_then(|a| a.trim().parse::<u32>().ok()) {
                Some(p) if p <= 24 => QsType::Float,
                _ => QsType::Double,
            },
            "numeric" | "decimal" => QsType::Decimal(args.as_deref().and_then(|a| {
                let (p, s) = a.split_once(',').unwrap_or((a, "0"));
                Some((p.trim().parse().ok()?, s.trim().parse().ok()?))
            })),
            "date" => QsType::Date,
            "time" | "time without time zone" => QsType::Time,
            "timestamp" | "timestamp without time zone" => QsType::Timestamp,
            "timestamptz" | "timestamp with time zone" => QsType::TimestampTz,
            "uuid" => QsType::Uuid,
            "json" => QsType::Json,
            "jsonb" => QsType::Jsonb,
            "bytea" => QsType::Bytea,
            b if PG_ONLY.contains(&b)
                || b.starts_with("interval")
                || b.starts_with("bit")
                || b == "varbit" =>
            {
                QsType::Pg(sql.to_owned())
            }
            _ => QsType::Named(sql.to_owned()),
        }
    }

    /// Whether a string is written as it is (no cast) into this type.
    fn takes_string(&self) -> bool {
        matches!(self, QsType::String | QsType::Named(_) | QsType::Unknown)
    }

    /// The name a `CAST` to this type uses: Spark's where it has one, else PostgreSQL's.
    fn cast_name(&self) -> String {
        match self {
            QsType::String | QsType::Unknown => "string".to_owned(),
            QsType::Boolean => "boolean".to_owned(),
            QsType::SmallInt => "smallint".to_owned(),
            QsType::Int => "int".to_owned(),
            QsType::BigInt => "bigint".to_owned(),
            QsType::Float => "float".to_owned(),
            QsType::Double => "double".to_owned(),
            QsType::Decimal(Some((p, s))) => format!("decimal({p},{s})"),
            QsType::Decimal(None) => "numeric".to_owned(),
            QsType::Date => "date".to_owned(),
            QsType::Time => "time".to_owned(),
            QsType::Timestamp | QsType::TimestampTz => "timestamp".to_owned(),
            QsType::Uuid => "uuid".to_owned(),
            QsType::Json => "json".to_owned(),
            QsType::Jsonb => "jsonb".to_owned(),
            QsType::Bytea => "bytea".to_owned(),
            QsType::Pg(name) | QsType::Named(name) | QsType::Composite(name) => name.clone(),
            QsType::Array(element) => format!("{}[]", element.cast_name()),
        }
    }

    fn is_float(&self) -> bool {
        matches!(self, QsType::Float | QsType::Double)
    }

    fn is_number(&self) -> bool {
        matches!(
            self,
            QsType::SmallInt | QsType::Int | QsType::BigInt | QsType::Decimal(_)
        ) || self.is_float()
    }
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

/// The NUL character: neither PostgreSQL nor Query Service text can hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NulCharacter;

/// A string as an expression both lexers read alike: quotes, backslashes and control
/// characters as `chr(n)`, concatenated and parenthesised (`('a' || chr(10) || 'b')`);
/// a string without them is one quoted literal. A NUL character is refused.
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

/// Where in a row a value sits, for error messages: `web.page_details.name`, `tags[2]`.
#[derive(Debug, Clone)]
struct Path(String);

impl Path {
    fn field(&self, name: &str) -> Path {
        Path(format!("{}.{name}", self.0))
    }

    fn index(&self, i: usize) -> Path {
        Path(format!("{}[{}]", self.0, i + 1))
    }

    fn nul(&self) -> RepoError {
        RepoError::InvalidInput(format!(
            "column `{}`: the value contains a NUL character (\\0), which PostgreSQL and \
             Query Service text cannot hold",
            self.0
        ))
    }

    fn invalid(&self, why: impl std::fmt::Display) -> RepoError {
        RepoError::InvalidInput(format!("column `{}`: {why}", self.0))
    }
}

fn text(s: &str, path: &Path) -> Result<String, RepoError> {
    string_literal(s).map_err(|NulCharacter| path.nul())
}

fn cast(s: &str, ty: &QsType, path: &Path) -> Result<String, RepoError> {
    Ok(format!("CAST({} AS {})", text(s, path)?, ty.cast_name()))
}

/// A string written for `ty`: as it is into string types, else cast.
fn typed_string(s: &str, ty: &QsType, path: &Path) -> Result<String, RepoError> {
    match ty {
        t if t.takes_string() => text(s, path),
        QsType::Decimal(_) if is_plain_decimal(s) => Ok(s.to_owned()),
        QsType::SmallInt | QsType::Int | QsType::BigInt if is_plain_integer(s) => Ok(s.to_owned()),
        // `bytea` too: its PostgreSQL text form (`\x...`, what `to_json` gives for a field).
        t => cast(s, t, path),
    }
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

/// A number's literal for `ty` (digits as they are into numeric types).
fn number(raw: &str, ty: &QsType, path: &Path) -> Result<String, RepoError> {
    match ty {
        t if t.is_float() => cast(raw, ty, path),
        QsType::String => text(raw, path),
        _ => Ok(raw.to_owned()),
    }
}

/// Rust's shortest round-trip text of `f` (`value` is the same number as a double):
/// `NaN`, `Infinity`, `-Infinity`, `-0`, exponent notation outside 1e-5..1e16.
fn shortest<F: std::fmt::Display + std::fmt::LowerExp>(f: F, value: f64) -> String {
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

/// The shortest text that reads back as exactly this double.
pub fn f64_text(f: f64) -> String {
    shortest(f, f)
}

/// The shortest text that reads back as exactly this single-precision float.
pub fn f32_text(f: f32) -> String {
    shortest(f, f64::from(f))
}

fn check_year(year: i32, path: &Path) -> Result<(), RepoError> {
    if (1..=9999).contains(&year) {
        Ok(())
    } else {
        Err(path.invalid(format_args!(
            "year {year} is outside 1..=9999, the years Query Service (Spark) dates and \
             timestamps take"
        )))
    }
}

/// A value whose text is cast to `natural` unless the column says otherwise.
fn typed(text_form: &str, natural: QsType, ty: &QsType, path: &Path) -> Result<String, RepoError> {
    match ty {
        QsType::String => text(text_form, path),
        QsType::Unknown | QsType::Named(_) => cast(text_form, &natural, path),
        t => cast(text_form, t, path),
    }
}

fn timestamp_tz<Tz: chrono::TimeZone>(
    d: &chrono::DateTime<Tz>,
    ty: &QsType,
    path: &Path,
) -> Result<String, RepoError>
where
    Tz::Offset: std::fmt::Display,
{
    use chrono::{Datelike, Offset};
    let fixed = d.fixed_offset();
    // Offsets with seconds (local mean time) are not written by `%:z`: such values go in UTC.
    let fixed = if fixed.offset().fix().local_minus_utc() % 60 == 0 {
        fixed
    } else {
        d.to_utc().fixed_offset()
    };
    check_year(fixed.year(), path)?;
    typed(
        &fixed.format("%Y-%m-%d %H:%M:%S%.f%:z").to_string(),
        QsType::TimestampTz,
        ty,
        path,
    )
}

/// A sea-orm value as a Query Service expression for a column of type `ty`. `column` names
/// the column in errors (a NUL character, a year outside 1..=9999).
pub fn value_literal(
    value: &Value,
    ty: &QsType,
    types: &CompositeTypes,
    column: &str,
) -> Result<String, RepoError> {
    value_expr(value, ty, types, &Path(column.to_owned()))
}

fn show<T: ToString>(v: &Option<T>, ty: &QsType, path: &Path) -> Result<String, RepoError> {
    match v {
        Some(v) => number(&v.to_string(), ty, path),
        None => Ok("NULL".to_owned()),
    }
}

fn value_expr(
    value: &Value,
    ty: &QsType,
    types: &CompositeTypes,
    path: &Path,
) -> Result<String, RepoError> {
    use chrono::Datelike;
    let null = || Ok("NULL".to_owned());
    match value {
        Value::Bool(None)
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
        | Value::Enum(OptionEnum::None(_)) => null(),
        Value::Bool(Some(b)) => match ty {
            QsType::String => text(&b.to_string(), path),
            _ => Ok(b.to_string()),
        },
        Value::TinyInt(v) => show(v, ty, path),
        Value::SmallInt(v) => show(v, ty, path),
        Value::Int(v) => show(v, ty, path),
        Value::BigInt(v) => show(v, ty, path),
        Value::TinyUnsigned(v) => show(v, ty, path),
        Value::SmallUnsigned(v) => show(v, ty, path),
        Value::Unsigned(v) => show(v, ty, path),
        Value::BigUnsigned(v) => show(v, ty, path),
        Value::Float(Some(f)) => typed(&f32_text(*f), QsType::Float, ty, path),
        Value::Double(Some(f)) => typed(&f64_text(*f), QsType::Double, ty, path),
        Value::Decimal(Some(d)) => number(&d.to_string(), ty, path),
        Value::String(Some(s)) => typed_string(s, ty, path),
        Value::Char(Some(c)) => typed_string(&c.to_string(), ty, path),
        Value::Enum(OptionEnum::Some(e)) => typed_string(&e.value, ty, path),
        Value::Bytes(Some(bytes)) => {
            let mut hex = String::with_capacity(2 + 2 * bytes.len());
            hex.push_str("\\x");
            for b in bytes {
                let _ = write!(hex, "{b:02x}");
            }
            match ty {
                QsType::String => text(&hex, path),
                _ => cast(&hex, &QsType::Bytea, path),
            }
        }
        Value::Uuid(Some(u)) => typed(&u.to_string(), QsType::Uuid, ty, path),
        Value::ChronoDate(Some(d)) => {
            check_year(d.year(), path)?;
            typed(&d.format("%Y-%m-%d").to_string(), QsType::Date, ty, path)
        }
        Value::ChronoTime(Some(t)) => {
            typed(&t.format("%H:%M:%S%.f").to_string(), QsType::Time, ty, path)
        }
        Value::ChronoDateTime(Some(d)) => {
            check_year(d.year(), path)?;
            typed(
                &d.format("%Y-%m-%d %H:%M:%S%.f").to_string(),
                QsType::Timestamp,
                ty,
                path,
            )
        }
        Value::ChronoDateTimeUtc(Some(d)) => timestamp_tz(d, ty, path),
        Value::ChronoDateTimeLocal(Some(d)) => timestamp_tz(d, ty, path),
        Value::ChronoDateTimeWithTimeZone(Some(d)) => timestamp_tz(d, ty, path),
        // A JSON column takes the document itself, JSON `null` included (SQL NULL is
        // `Value::Json(None)`).
        Value::Json(Some(j)) if matches!(ty, QsType::Json | QsType::Jsonb) => {
            json_nul_free(j, path)?;
            cast(&j.to_string(), ty, path)
        }
        Value::Json(Some(j)) if ty == &QsType::String => {
            json_nul_free(j, path)?;
            text(&j.to_string(), path)
        }
        Value::Json(Some(j)) => json_expr(j, ty, types, path),
        Value::Array(_, Some(items)) => {
            let element = match ty {
                QsType::Array(element) => element.as_ref().clone(),
                _ => QsType::Unknown,
            };
            let items = items
                .iter()
                .enumerate()
                .map(|(i, v)| value_expr(v, &element, types, &path.index(i)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(format!("array({})", items.join(", ")))
        }
        // Variants of features this workspace does not enable (time, jiff, ...): their
        // PostgreSQL text, cast to the column type.
        #[allow(unreachable_patterns)]
        other => match crate::pg_text::pg_text(other) {
            Some(t) => typed_string(&t, ty, path),
            None => null(),
        },
    }
}

/// A JSON value (a composite, a JSON column, a field) as an expression for `ty`.
pub fn json_literal(
    value: &Json,
    ty: &QsType,
    types: &CompositeTypes,
    column: &str,
) -> Result<String, RepoError> {
    json_expr(value, ty, types, &Path(column.to_owned()))
}

/// Refuses a NUL anywhere in a JSON document (PostgreSQL's json/jsonb refuse `\u0000`).
fn json_nul_free(value: &Json, path: &Path) -> Result<(), RepoError> {
    match value {
        Json::String(s) if s.contains('\0') => Err(path.nul()),
        Json::Array(items) => items.iter().try_for_each(|v| json_nul_free(v, path)),
        Json::Object(fields) => fields.iter().try_for_each(|(k, v)| {
            if k.contains('\0') {
                Err(path.nul())
            } else {
                json_nul_free(v, path)
            }
        }),
        _ => Ok(()),
    }
}

fn json_expr(
    value: &Json,
    ty: &QsType,
    types: &CompositeTypes,
    path: &Path,
) -> Result<String, RepoError> {
    match (ty, value) {
        (_, Json::Null) => Ok("NULL".to_owned()),
        (QsType::Json | QsType::Jsonb, v) => {
            json_nul_free(v, path)?;
            cast(&v.to_string(), ty, path)
        }
        (QsType::Composite(name), Json::Object(fields)) => match types.fields(name) {
            Some(declared) => {
                let items = declared
                    .iter()
                    .map(|(field, sql_type)| {
                        let value = fields.get(*field).unwrap_or(&Json::Null);
                        let ty = QsType::parse(sql_type, types);
                        let expr = json_expr(value, &ty, types, &path.field(field))?;
                        Ok(format!("{expr} AS {}", qs_ident(field)))
                    })
                    .collect::<Result<Vec<_>, RepoError>>()?;
                Ok(format!("struct({})", items.join(", ")))
            }
            None => Err(path.invalid(format_args!(
                "the fields of the composite type `{name}` are unknown, so its literal cannot \
                 be typed: give the profile the `COMPOSITE_TYPES` table entity-gen generates \
                 (`Profile::with_composite_types`)"
            ))),
        },
        (QsType::Array(element), Json::Array(items)) => {
            let items = items
                .iter()
                .enumerate()
                .map(|(i, v)| json_expr(v, element, types, &path.index(i)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(format!("array({})", items.join(", ")))
        }
        (QsType::Unknown | QsType::Named(_), Json::Object(_) | Json::Array(_)) => {
            json_shape(value, types, path)
        }
        (_, Json::String(s)) => typed_string(s, ty, path),
        (_, Json::Bool(b)) => match ty {
            QsType::String => text(&b.to_string(), path),
            _ => Ok(b.to_string()),
        },
        (_, Json::Number(n)) => {
            let raw = n.to_string();
            match ty {
                t if t.is_float() => match n.as_f64() {
                    Some(f) if ty == &QsType::Float => {
                        #[allow(clippy::cast_possible_truncation)]
                        let f = f as f32;
                        cast(&f32_text(f), ty, path)
                    }
                    Some(f) => cast(&f64_text(f), ty, path),
                    None => cast(&raw, ty, path),
                },
                QsType::String => text(&raw, path),
                t if t.is_number() && (is_plain_decimal(&raw) || is_plain_integer(&raw)) => Ok(raw),
                QsType::Unknown | QsType::Named(_) => Ok(raw),
                t => cast(&raw, t, path),
            }
        }
        // An object or array for a scalar type: its JSON text, cast.
        (t, v) => {
            json_nul_free(v, path)?;
            typed_string(&v.to_string(), t, path)
        }
    }
}

/// A JSON value written from its own shape (a composite without registered fields).
fn json_shape(value: &Json, types: &CompositeTypes, path: &Path) -> Result<String, RepoError> {
    match value {
        Json::Object(fields) => {
            let items = fields
                .iter()
                .map(|(k, v)| {
                    let expr = json_expr(v, &QsType::Unknown, types, &path.field(k))?;
                    Ok(format!("{expr} AS {}", qs_ident(k)))
                })
                .collect::<Result<Vec<_>, RepoError>>()?;
            Ok(format!("struct({})", items.join(", ")))
        }
        Json::Array(items) => {
            let items = items
                .iter()
                .enumerate()
                .map(|(i, v)| json_expr(v, &QsType::Unknown, types, &path.index(i)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(format!("array({})", items.join(", ")))
        }
        other => json_expr(other, &QsType::Unknown, types, path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &CompositeTable = &[
        (
            "line",
            &[
                ("sku", "text"),
                ("price", "numeric(12,2)"),
                ("at", "timestamp with time zone"),
                ("order", "line_order"),
                ("tier", "tier"),
                ("tags", "text[]"),
            ],
        ),
        (
            "line_order",
            &[("n", "integer"), ("ratio", "double precision")],
        ),
    ];

    fn lit(v: Value, ty: QsType) -> String {
        value_literal(&v, &ty, &CompositeTypes::new().with(TABLE), "c").expect("renders")
    }

    #[test]
    fn strings_keep_quotes_backslashes_and_controls_out_of_the_quotes() {
        assert_eq!(string_literal("").expect("valid"), "''");
        assert_eq!(string_literal("plain é 😀").expect("valid"), "'plain é 😀'");
        assert_eq!(
            string_literal("it's\\").expect("valid"),
            "('it' || chr(39) || 's' || chr(92))"
        );
        assert_eq!(string_literal("'").expect("valid"), "chr(39)");
        assert_eq!(
            string_literal("a\r\n\tb\u{7f}").expect("valid"),
            "('a' || chr(13) || chr(10) || chr(9) || 'b' || chr(127))"
        );
        assert_eq!(string_literal("a\0b"), Err(NulCharacter));
        let many = "x\n".repeat(1000);
        let sql = string_literal(&many).expect("valid");
        let depth = sql
            .chars()
            .scan(0i32, |d, c| {
                *d += i32::from(c == '(') - i32::from(c == ')');
                Some(*d)
            })
            .max();
        assert!(depth.is_some_and(|d| d <= 5), "{depth:?}");
        assert!(!sql.contains('\n') && !sql.contains('\\'));
    }

    #[test]
    fn identifiers() {
        assert_eq!(qs_ident("_id"), "_id");
        assert_eq!(qs_ident("page_2"), "page_2");
        assert_eq!(qs_ident("order"), "`order`");
        assert_eq!(qs_ident("Weird Name"), "`Weird Name`");
        assert_eq!(qs_ident("a`b"), "`a``b`");
        assert_eq!(qs_ident("2fa"), "`2fa`");
        assert_eq!(qs_ident(""), "``");
    }

    #[test]
    fn scalars_are_typed() {
        assert_eq!(lit(Value::Int(Some(-3)), QsType::Int), "-3");
        assert_eq!(
            lit(Value::BigInt(Some(i64::MIN)), QsType::BigInt),
            "-9223372036854775808"
        );
        assert_eq!(
            lit(
                Value::Decimal(Some("-12.30".parse().expect("valid"))),
                QsType::Decimal(Some((12, 2)))
            ),
            "-12.30"
        );
        assert_eq!(
            lit(Value::Double(Some(0.1)), QsType::Double),
            "CAST('0.1' AS double)"
        );
        assert_eq!(
            lit(Value::Double(Some(-0.0)), QsType::Double),
            "CAST('-0' AS double)"
        );
        assert_eq!(
            lit(Value::Double(Some(f64::NEG_INFINITY)), QsType::Double),
            "CAST('-Infinity' AS double)"
        );
        assert_eq!(
            lit(Value::Double(Some(1e300)), QsType::Double),
            "CAST('1e300' AS double)"
        );
        assert_eq!(
            lit(Value::Float(Some(0.1)), QsType::Float),
            "CAST('0.1' AS float)"
        );
        assert_eq!(lit(Value::Bool(Some(true)), QsType::Boolean), "true");
        assert_eq!(
            lit(Value::Bytes(Some(vec![0, 0xff])), QsType::Bytea),
            "CAST((chr(92) || 'x00ff') AS bytea)"
        );
        assert_eq!(
            lit(
                Value::String(Some("1 day".into())),
                QsType::Pg("interval".into())
            ),
            "CAST('1 day' AS interval)"
        );
        assert_eq!(
            lit(
                Value::String(Some("gold".into())),
                QsType::Named("tier".into())
            ),
            "'gold'"
        );
        let ts = chrono::DateTime::parse_from_rfc3339("0001-01-01T00:00:00.000123+01:00")
            .expect("valid");
        assert_eq!(
            lit(
                Value::ChronoDateTimeWithTimeZone(Some(ts)),
                QsType::TimestampTz
            ),
            "CAST('0001-01-01 00:00:00.000123+01:00' AS timestamp)"
        );
        let naive = ts.naive_local();
        assert_eq!(
            lit(Value::ChronoDateTime(Some(naive)), QsType::Timestamp),
            "CAST('0001-01-01 00:00:00.000123' AS timestamp)"
        );
        let err = value_literal(
            &Value::String(Some("a\0".into())),
            &QsType::String,
            &CompositeTypes::new(),
            "name",
        )
        .expect_err("NUL");
        assert!(
            matches!(&err, RepoError::InvalidInput(m) if m.contains("`name`")),
            "{err}"
        );
    }

    #[test]
    fn composites_are_typed_from_their_fields() {
        let json = serde_json::json!({
            "sku": "it's",
            "price": "12.34",
            "at": "2026-11-25T10:00:00+01:00",
            "order": {"n": 3, "ratio": 0.5},
            "tier": "gold",
            "tags": ["a", null, "NULL", ""],
        });
        let v = Value::Json(Some(Box::new(serde_json::json!([json, null]))));
        assert_eq!(
            lit(
                v,
                QsType::parse("line[]", &CompositeTypes::new().with(TABLE))
            ),
            "array(struct(('it' || chr(39) || 's') AS sku, 12.34 AS price, \
             CAST('2026-11-25T10:00:00+01:00' AS timestamp) AS at, \
             struct(3 AS n, CAST('0.5' AS double) AS ratio) AS `order`, 'gold' AS tier, \
             array('a', NULL, 'NULL', '') AS tags), NULL)"
        );
        let nul = serde_json::json!({"order": {"n": 1}, "sku": "x\u{0}"});
        let err = value_literal(
            &Value::Json(Some(Box::new(nul))),
            &QsType::Composite("line".into()),
            &CompositeTypes::new().with(TABLE),
            "items",
        )
        .expect_err("NUL");
        assert!(
            matches!(&err, RepoError::InvalidInput(m) if m.contains("`items.sku`")),
            "{err}"
        );
    }

    #[test]
    fn an_unregistered_composite_is_refused() {
        let v = Value::Json(Some(Box::new(serde_json::json!({"n": 1}))));
        let err = value_literal(
            &v,
            &QsType::Composite("nope".into()),
            &CompositeTypes::new(),
            "web",
        )
        .expect_err("unknown fields");
        assert!(
            matches!(&err, RepoError::InvalidInput(m) if m.contains("`web`") && m.contains("with_composite_types")),
            "{err}"
        );
    }

    #[test]
    fn types_parse_from_sql_spellings() {
        let t = CompositeTypes::new().with(TABLE);
        assert_eq!(
            QsType::parse("numeric(12,2)", &t),
            QsType::Decimal(Some((12, 2)))
        );
        assert_eq!(QsType::parse("numeric", &t), QsType::Decimal(None));
        assert_eq!(QsType::parse("character varying(20)", &t), QsType::String);
        assert_eq!(
            QsType::parse("timestamp(3) with time zone", &t),
            QsType::TimestampTz
        );
        assert_eq!(
            QsType::parse("timestamp(3) without time zone", &t),
            QsType::Timestamp
        );
        assert_eq!(QsType::parse("int4", &t), QsType::Int);
        assert_eq!(
            QsType::parse("line_order[]", &t),
            QsType::Array(Box::new(QsType::Composite("line_order".into())))
        );
        assert_eq!(QsType::parse("interval", &t), QsType::Pg("interval".into()));
        assert_eq!(QsType::parse("mood", &t), QsType::Named("mood".into()));
    }
}
