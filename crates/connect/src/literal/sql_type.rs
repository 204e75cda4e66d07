//! The SQL type model: [`SqlType`], read from sea-orm column types, PostgreSQL spellings
//! and values, and its cast names on each flavor.

use qsorm_ident::quote_ident;
use sea_orm::sea_query::{ArrayType, ColumnType, OptionEnum};
use sea_orm::{ColumnTrait, Value};

use super::CompositeTypes;
use crate::Flavor;

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
            // The enum type name, quoted as sea-query quotes it.
            Value::Enum(OptionEnum::Some(e)) => SqlType::Named(quote_ident(&e.type_name)),
            Value::Enum(OptionEnum::None(name)) => SqlType::Named(quote_ident(name)),
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
            ArrayType::Enum(name) => SqlType::Named(quote_ident(name)),
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
    pub(super) fn takes_string(&self) -> bool {
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

    pub(super) fn is_float(&self) -> bool {
        matches!(self, SqlType::Float | SqlType::Double)
    }

    pub(super) fn is_integer(&self) -> bool {
        matches!(self, SqlType::SmallInt | SqlType::Int | SqlType::BigInt)
    }

    pub(super) fn is_number(&self) -> bool {
        self.is_integer() || self.is_float() || matches!(self, SqlType::Decimal(_))
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
