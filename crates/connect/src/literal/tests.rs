use sea_orm::sea_query::{ArrayType, OptionEnum};
use sea_orm::{DbErr, Value};

use super::*;
use crate::Flavor;
use crate::placeholders::PlaceholderError;

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

fn types() -> CompositeTypes {
    CompositeTypes::new().with(TABLE)
}

fn render(flavor: Flavor, v: Value, ty: SqlType) -> String {
    let types = types();
    Renderer::new(flavor)
        .with_composites(&types)
        .value(&v, Some(&ty), &Location::column("c"))
        .expect("renders")
}

fn qs(v: Value, ty: SqlType) -> String {
    render(Flavor::QueryService, v, ty)
}

fn pg(v: Value, ty: SqlType) -> String {
    render(Flavor::Postgres, v, ty)
}

fn pg_bare(v: Value) -> String {
    literal(&v, None, Flavor::Postgres).expect("renders")
}

#[test]
fn strings_keep_quotes_backslashes_and_controls_out_of_the_quotes() {
    assert_eq!(string_literal("").expect("valid"), "''");
    assert_eq!(string_literal("plain é 😀").expect("valid"), "'plain é 😀'");
    assert_eq!(
        string_literal("it's\\").expect("valid"),
        "('it'||chr(39)||'s'||chr(92))"
    );
    assert_eq!(string_literal("'").expect("valid"), "chr(39)");
    assert_eq!(
        string_literal("a\r\n\tb\u{7f}").expect("valid"),
        "('a'||chr(13)||chr(10)||chr(9)||'b'||chr(127))"
    );
    assert_eq!(string_literal("a\0b"), Err(NulCharacter));
    // Spark substitutes `${name}` in a statement's text, literals included: no `${` is left.
    assert_eq!(
        string_literal("${x} $1 $$").expect("valid"),
        "(chr(36)||'{x} $1 $$')"
    );
    assert_eq!(
        string_literal("$${env:HOME}$").expect("valid"),
        "('$'||chr(36)||'{env:HOME}$')"
    );
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
fn postgres_strings_read_alike_in_both_string_modes() {
    assert_eq!(pg_string_literal("").unwrap(), "''");
    assert_eq!(pg_string_literal("it's").unwrap(), "'it''s'");
    assert_eq!(pg_string_literal("a\nb").unwrap(), "'a\nb'");
    assert_eq!(pg_string_literal("a\\b'c").unwrap(), "$q$a\\b'c$q$");
    // The tag never occurs in the string, nor straddles its end.
    assert_eq!(pg_string_literal("\\$q$").unwrap(), "$q1$\\$q$$q1$");
    assert_eq!(pg_string_literal("\\x$q").unwrap(), "$q1$\\x$q$q1$");
    assert_eq!(pg_string_literal("a\0"), Err(NulCharacter));
    assert_eq!(
        spark_string_literal("O'Brien\\").unwrap(),
        "'O\\'Brien\\\\'"
    );
    assert_eq!(spark_string_literal("\0"), Err(NulCharacter));
    // No `${` for Spark's variable substitution to find.
    assert_eq!(
        spark_string_literal("${x} {y} $z").unwrap(),
        "'$\\{x} {y} $z'"
    );
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
fn query_service_scalars_are_typed() {
    assert_eq!(qs(Value::Int(Some(-3)), SqlType::Int), "-3");
    assert_eq!(
        qs(Value::BigInt(Some(i64::MIN)), SqlType::BigInt),
        "-9223372036854775808"
    );
    assert_eq!(
        qs(
            Value::Decimal(Some("-12.30".parse().expect("valid"))),
            SqlType::Decimal(Some((12, 2)))
        ),
        "-12.30"
    );
    assert_eq!(
        qs(Value::Double(Some(0.1)), SqlType::Double),
        "CAST('0.1' AS double)"
    );
    assert_eq!(
        qs(Value::Double(Some(-0.0)), SqlType::Double),
        "CAST('-0' AS double)"
    );
    assert_eq!(
        qs(Value::Double(Some(f64::NEG_INFINITY)), SqlType::Double),
        "CAST('-Infinity' AS double)"
    );
    assert_eq!(
        qs(Value::Double(Some(1e300)), SqlType::Double),
        "CAST('1e300' AS double)"
    );
    assert_eq!(
        qs(Value::Float(Some(0.1)), SqlType::Float),
        "CAST('0.1' AS float)"
    );
    assert_eq!(qs(Value::Bool(Some(true)), SqlType::Boolean), "true");
    assert_eq!(
        qs(Value::Bytes(Some(vec![0, 0xff])), SqlType::Bytea),
        "CAST((chr(92)||'x00ff') AS bytea)"
    );
    assert_eq!(
        qs(
            Value::String(Some("1 day".into())),
            SqlType::Pg("interval".into())
        ),
        "CAST('1 day' AS interval)"
    );
    assert_eq!(
        qs(
            Value::String(Some("gold".into())),
            SqlType::Named("tier".into())
        ),
        "'gold'"
    );
    let ts =
        chrono::DateTime::parse_from_rfc3339("0001-01-01T00:00:00.000123+01:00").expect("valid");
    assert_eq!(
        qs(
            Value::ChronoDateTimeWithTimeZone(Some(ts)),
            SqlType::TimestampTz
        ),
        "CAST('0001-01-01 00:00:00.000123+01:00' AS timestamp)"
    );
    let naive = ts.naive_local();
    assert_eq!(
        qs(Value::ChronoDateTime(Some(naive)), SqlType::Timestamp),
        "CAST('0001-01-01 00:00:00.000123' AS timestamp)"
    );
    assert_eq!(qs(Value::String(None), SqlType::Timestamp), "NULL");
    let err = Renderer::new(Flavor::QueryService)
        .value(
            &Value::String(Some("a\0".into())),
            Some(&SqlType::String),
            &Location::column("name"),
        )
        .expect_err("NUL");
    assert!(
        matches!(&err, LiteralError::Nul { at } if at.path() == "name"),
        "{err}"
    );
    assert!(err.to_string().starts_with("column `name`: "), "{err}");
    let bc = chrono::NaiveDate::from_ymd_opt(0, 1, 1).expect("date");
    assert!(matches!(
        literal(&Value::ChronoDate(Some(bc)), None, Flavor::QueryService),
        Err(LiteralError::YearOutOfRange { year: 0, .. })
    ));
}

#[test]
fn query_service_values_without_a_type_keep_todays_forms() {
    let lit = |v: Value| literal(&v, None, Flavor::QueryService).expect("renders");
    assert_eq!(lit(Value::from("it's")), "('it'||chr(39)||'s')");
    assert_eq!(lit(Value::BigUnsigned(Some(500))), "500");
    assert_eq!(lit(Value::Double(Some(0.5))), "CAST('0.5' AS double)");
    assert_eq!(lit(Value::Bool(None)), "NULL");
    let u = sea_orm::prelude::Uuid::nil();
    assert_eq!(
        lit(Value::Uuid(Some(u))),
        "CAST('00000000-0000-0000-0000-000000000000' AS uuid)"
    );
}

#[test]
fn postgres_scalars_are_typed_with_postgres_names() {
    assert_eq!(pg_bare(Value::Int(Some(-3))), "CAST(-3 AS integer)");
    assert_eq!(
        pg_bare(Value::BigInt(Some(i64::MIN))),
        "CAST(-9223372036854775808 AS bigint)"
    );
    assert_eq!(pg_bare(Value::BigUnsigned(Some(7))), "CAST(7 AS bigint)");
    assert_eq!(pg_bare(Value::SmallInt(None)), "CAST(NULL AS smallint)");
    assert_eq!(
        pg_bare(Value::Double(Some(-0.0))),
        "CAST('-0' AS double precision)"
    );
    assert_eq!(pg_bare(Value::Float(Some(f32::NAN))), "CAST('NaN' AS real)");
    assert_eq!(
        pg_bare(Value::Decimal(Some("-12.30".parse().expect("valid")))),
        "CAST(-12.30 AS numeric)"
    );
    assert_eq!(
        pg(
            Value::Decimal(Some("1.5".parse().expect("valid"))),
            SqlType::Decimal(Some((12, 2)))
        ),
        "CAST(1.5 AS numeric(12,2))"
    );
    assert_eq!(pg_bare(Value::Bool(Some(false))), "false");
    assert_eq!(pg_bare(Value::Bool(None)), "CAST(NULL AS boolean)");
    // Strings are `unknown` constants, typed by their context; so is their NULL.
    assert_eq!(pg_bare(Value::from("it's")), "'it''s'");
    assert_eq!(pg_bare(Value::from("a\\b")), "$q$a\\b$q$");
    assert_eq!(pg_bare(Value::String(None)), "NULL");
    assert_eq!(
        pg(Value::String(None), SqlType::String),
        "CAST(NULL AS text)"
    );
    assert_eq!(
        pg_bare(Value::Bytes(Some(vec![0, 0xff]))),
        "CAST($q$\\x00ff$q$ AS bytea)"
    );
    assert_eq!(
        pg_bare(Value::Json(Some(Box::new(
            serde_json::json!({"a": "b\\c"})
        )))),
        "CAST($q${\"a\":\"b\\\\c\"}$q$ AS jsonb)"
    );
    assert_eq!(
        pg(
            Value::Json(Some(Box::new(serde_json::json!([1])))),
            SqlType::Json
        ),
        "CAST('[1]' AS json)"
    );
    let ts = chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00.5+01:00").expect("valid");
    assert_eq!(
        pg_bare(Value::ChronoDateTimeWithTimeZone(Some(ts))),
        "CAST('2026-11-25 10:00:00.500+01:00' AS timestamptz)"
    );
    assert_eq!(
        pg(
            Value::ChronoDateTimeWithTimeZone(Some(ts)),
            SqlType::Timestamp
        ),
        "CAST(CAST('2026-11-25 10:00:00.500+01:00' AS timestamptz) AS timestamp)"
    );
    assert_eq!(
        pg_bare(Value::ChronoDateTime(Some(ts.naive_local()))),
        "CAST('2026-11-25 10:00:00.500' AS timestamp)"
    );
    let bc = chrono::NaiveDate::from_ymd_opt(-1, 3, 4).expect("date");
    assert_eq!(
        pg_bare(Value::ChronoDate(Some(bc))),
        "CAST('0002-03-04 BC' AS date)"
    );
    let e = Value::Enum(OptionEnum::Some(Box::new(sea_orm::sea_query::Enum {
        type_name: "Mood".into(),
        value: "it's".into(),
    })));
    assert_eq!(pg_bare(e), "CAST('it''s' AS \"Mood\")");
}

#[test]
fn postgres_arrays_keep_null_elements_and_types() {
    let texts = Value::Array(
        ArrayType::String,
        Some(Box::new(vec![
            Value::from("a,{b}"),
            Value::String(None),
            Value::from("NULL"),
            Value::from(""),
        ])),
    );
    assert_eq!(
        pg_bare(texts),
        "CAST(ARRAY['a,{b}', CAST(NULL AS text), 'NULL', ''] AS text[])"
    );
    assert_eq!(
        pg_bare(Value::Array(ArrayType::Double, Some(Box::new(vec![])))),
        "CAST(ARRAY[] AS double precision[])"
    );
    let texts = Value::Array(
        ArrayType::String,
        Some(Box::new(vec![Value::from("it's"), Value::String(None)])),
    );
    assert_eq!(
        literal(&texts, None, Flavor::QueryService).expect("renders"),
        "array(('it'||chr(39)||'s'),NULL)"
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
    let ty = SqlType::parse("line[]", &types());
    assert_eq!(
        qs(v.clone(), ty.clone()),
        "array(struct(('it'||chr(39)||'s') AS sku,12.34 AS price,\
         CAST('2026-11-25T10:00:00+01:00' AS timestamp) AS at,\
         struct(3 AS n,CAST('0.5' AS double) AS ratio) AS `order`,'gold' AS tier,\
         array('a',NULL,'NULL','') AS tags),NULL)"
    );
    assert_eq!(
        pg(v, ty),
        "CAST(ARRAY[CAST(ROW('it''s', CAST(12.34 AS numeric(12,2)), \
         CAST('2026-11-25T10:00:00+01:00' AS timestamptz), \
         CAST(ROW(CAST(3 AS integer), CAST('0.5' AS double precision)) AS line_order), \
         CAST('gold' AS tier), CAST(ARRAY['a', CAST(NULL AS text), 'NULL', ''] AS text[])) AS line), \
         CAST(NULL AS line)] AS line[])"
    );
    let nul = serde_json::json!({"order": {"n": 1}, "sku": "x\u{0}"});
    let err = Renderer::new(Flavor::QueryService)
        .with_composites(&types())
        .value(
            &Value::Json(Some(Box::new(nul))),
            Some(&SqlType::Composite("line".into())),
            &Location::column("items"),
        )
        .expect_err("NUL");
    assert!(
        matches!(&err, LiteralError::Nul { at } if at.to_string() == "column `items.sku`"),
        "{err}"
    );
}

#[test]
fn an_unregistered_composite_is_refused_on_query_service_only() {
    let v = Value::Json(Some(Box::new(serde_json::json!({"n": 1}))));
    let ty = SqlType::Composite("nope".into());
    let err = Renderer::new(Flavor::QueryService)
        .value(&v, Some(&ty), &Location::column("web"))
        .expect_err("unknown fields");
    assert!(
        matches!(&err, LiteralError::UnknownComposite { name, .. } if name == "nope"),
        "{err}"
    );
    assert!(
        err.to_string().contains("`web`") && err.to_string().contains("COMPOSITE_TYPES"),
        "{err}"
    );
    assert_eq!(
        pg(v, ty),
        "json_populate_record(CAST(NULL AS nope), CAST('{\"n\":1}' AS json))"
    );
}

#[test]
fn types_parse_from_sql_spellings() {
    let t = types();
    assert_eq!(
        SqlType::parse("numeric(12,2)", &t),
        SqlType::Decimal(Some((12, 2)))
    );
    assert_eq!(SqlType::parse("numeric", &t), SqlType::Decimal(None));
    assert_eq!(SqlType::parse("character varying(20)", &t), SqlType::String);
    assert_eq!(
        SqlType::parse("timestamp(3) with time zone", &t),
        SqlType::TimestampTz
    );
    assert_eq!(
        SqlType::parse("timestamp(3) without time zone", &t),
        SqlType::Timestamp
    );
    assert_eq!(SqlType::parse("int4", &t), SqlType::Int);
    assert_eq!(
        SqlType::parse("line_order[]", &t),
        SqlType::Array(Box::new(SqlType::Composite("line_order".into())))
    );
    assert_eq!(
        SqlType::parse("interval", &t),
        SqlType::Pg("interval".into())
    );
    assert_eq!(SqlType::parse("mood", &t), SqlType::Named("mood".into()));
}

#[test]
fn inlining_names_the_placeholder_and_keeps_values_whole() {
    let sql = inline(
        "SELECT $1, -$2, $3 LIMIT $4 OFFSET $5",
        &[
            Value::from("x'"),
            Value::Int(Some(-5)),
            Value::Double(Some(1.5)),
            Value::BigUnsigned(Some(50)),
            Value::BigUnsigned(Some(0)),
        ],
        Flavor::QueryService,
    )
    .expect("inlines");
    assert_eq!(
        sql,
        "SELECT ('x'||chr(39)), -(-5), CAST('1.5' AS double) LIMIT 50 OFFSET 0"
    );
    let err = inline(
        "SELECT $1, $2",
        &[Value::from("ok"), Value::from("bad\0")],
        Flavor::Postgres,
    )
    .expect_err("NUL");
    assert!(
        matches!(&err, InlineError::Literal(LiteralError::Nul { at }) if at.path() == "$2"),
        "{err}"
    );
    assert!(err.to_string().contains("placeholder `$2`"), "{err}");
    let err = inline("SELECT $2", &[Value::from("a")], Flavor::Postgres).expect_err("missing");
    assert!(
        matches!(
            err,
            InlineError::Placeholder(PlaceholderError::Missing { index: 2, .. })
        ),
        "{err}"
    );
    let db: DbErr = err.clone().into();
    assert_eq!(inline_error(&db), Some(&err));
    assert_eq!(inline_error(&DbErr::Custom("x".into())), None);
}
