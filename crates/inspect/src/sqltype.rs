//! Types from their printed form alone (`format_type`, what psql's `\d` shows), for the
//! Query Service reflection, which sees no `pg_type` rows: `numeric(12,2)` is the built-in
//! `numeric` with precision 12 and scale 2, `character varying(40)[]` an array of
//! `varchar(40)`, and a name that is no built-in type (`web_events_web`) a user type to
//! look up with `\d`.

use crate::types::ColumnType;

/// A printed type, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Printed {
    /// A built-in type, or Query Service's `anyarray` / `anymap`.
    Known(ColumnType),
    /// A type known by name only (composite, enum, domain, extension type), unquoted:
    /// `schema` when the printed form was qualified.
    Named {
        schema: Option<String>,
        name: String,
        /// As printed.
        printed: String,
    },
    /// An array (`[]` once per declared dimension in the text; `format_type` prints one).
    Array { element: Box<Printed>, dims: u32 },
}

impl Printed {
    /// The named type under any arrays.
    pub(crate) fn named(&self) -> Option<(Option<&str>, &str)> {
        match self {
            Printed::Named { schema, name, .. } => Some((schema.as_deref(), name)),
            Printed::Array { element, .. } => element.named(),
            Printed::Known(_) => None,
        }
    }
}

/// Reads a `format_type` text.
pub(crate) fn parse(text: &str) -> Printed {
    let text = text.trim();
    let mut base = text;
    let mut dims = 0u32;
    while let Some(inner) = base.strip_suffix("[]") {
        base = inner.trim_end();
        dims += 1;
    }
    let element = parse_scalar(base);
    if dims == 0 {
        element
    } else {
        Printed::Array {
            element: Box::new(element),
            dims,
        }
    }
}

fn parse_scalar(text: &str) -> Printed {
    match text {
        "anyarray" => return Printed::Known(ColumnType::AnyArray),
        "anymap" => return Printed::Known(ColumnType::AnyMap),
        _ => {}
    }
    if let Some(ty) = builtin(text) {
        return Printed::Known(ty);
    }
    match identifier_path(text).as_deref() {
        Some([name]) => Printed::Named {
            schema: None,
            name: name.clone(),
            printed: text.to_owned(),
        },
        Some([schema, name]) => Printed::Named {
            schema: Some(schema.clone()),
            name: name.clone(),
            printed: text.to_owned(),
        },
        _ => Printed::Known(ColumnType::Unknown {
            name: text.to_owned(),
        }),
    }
}

/// `a`, `"A b"`, `s.t`, `"S"."t"`: the unquoted parts; `None` when the text is not a
/// (possibly qualified) identifier.
fn identifier_path(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    '"' => break,
                    c => part.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                if !(c.is_alphanumeric() || c == '_' || c == '$') {
                    return None;
                }
                part.push(c);
                chars.next();
            }
        }
        if part.is_empty() {
            return None;
        }
        parts.push(part);
        match chars.next() {
            None => return Some(parts),
            Some('.') => {}
            Some(_) => return None,
        }
    }
}

/// A built-in `pg_catalog` type by its printed name, with the modifiers read back.
fn builtin(text: &str) -> Option<ColumnType> {
    // The modifier: `(12,2)`, `(40)`, `(3)`; inside the name for `time(3) with time zone`.
    let (base, args) = match (text.find('('), text.find(')')) {
        (Some(open), Some(close)) if open < close => {
            let rest = format!("{} {}", &text[..open], &text[close + 1..]);
            let args: Vec<i64> = text[open + 1..close]
                .split(',')
                .map(|a| a.trim().parse().ok())
                .collect::<Option<_>>()?;
            (rest, args)
        }
        (None, None) => (text.to_owned(), Vec::new()),
        _ => return None,
    };
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = match base.as_str() {
        "smallint" => "int2",
        "integer" => "int4",
        "bigint" => "int8",
        "real" => "float4",
        "double precision" => "float8",
        "numeric" => "numeric",
        "boolean" => "bool",
        "text" => "text",
        "character varying" => "varchar",
        "character" | "bpchar" => "bpchar",
        "\"char\"" => "char",
        "bit" => "bit",
        "bit varying" => "varbit",
        "time without time zone" => "time",
        "time with time zone" => "timetz",
        "timestamp without time zone" => "timestamp",
        "timestamp with time zone" => "timestamptz",
        b if b == "interval" || b.starts_with("interval ") => "interval",
        "name" | "bytea" | "uuid" | "json" | "jsonb" | "date" | "money" | "oid" | "inet"
        | "cidr" | "macaddr" | "macaddr8" | "xml" | "tsvector" | "tsquery" | "point" | "line"
        | "lseg" | "box" | "path" | "polygon" | "circle" | "int4range" | "int8range"
        | "numrange" | "tsrange" | "tstzrange" | "daterange" | "int4multirange"
        | "int8multirange" | "nummultirange" | "tsmultirange" | "tstzmultirange"
        | "datemultirange" | "pg_lsn" | "pg_snapshot" | "txid_snapshot" | "jsonpath"
        | "regclass" | "regtype" | "regproc" | "regprocedure" | "regoper" | "regoperator"
        | "regconfig" | "regdictionary" | "regnamespace" | "regrole" | "regcollation" | "xid"
        | "xid8" | "cid" | "tid" | "int2vector" | "oidvector" | "refcursor" | "aclitem" => {
            base.as_str()
        }
        _ => return None,
    }
    .to_owned();
    let (mut precision, mut scale, mut length) = (None, None, None);
    let number = |i: usize| args.get(i).copied();
    match (name.as_str(), args.len()) {
        (_, 0) => {}
        ("numeric", 2) => {
            precision = u32::try_from(number(0)?).ok();
            scale = i32::try_from(number(1)?).ok();
        }
        ("varchar" | "bpchar" | "bit" | "varbit", 1) => length = u32::try_from(number(0)?).ok(),
        ("time" | "timetz" | "timestamp" | "timestamptz" | "interval", 1) => {
            precision = u32::try_from(number(0)?).ok();
        }
        _ => return None,
    }
    Some(ColumnType::Builtin {
        name,
        schema: None,
        precision,
        scale,
        length,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(name: &str, precision: Option<u32>, scale: Option<i32>, length: Option<u32>) -> Printed {
        Printed::Known(ColumnType::Builtin {
            name: name.into(),
            schema: None,
            precision,
            scale,
            length,
        })
    }

    #[test]
    fn reads_builtin_types_with_their_modifiers() {
        assert_eq!(parse("integer"), b("int4", None, None, None));
        assert_eq!(parse("double precision"), b("float8", None, None, None));
        assert_eq!(
            parse("numeric(12,2)"),
            b("numeric", Some(12), Some(2), None)
        );
        assert_eq!(parse("numeric"), b("numeric", None, None, None));
        assert_eq!(
            parse("character varying(40)"),
            b("varchar", None, None, Some(40))
        );
        assert_eq!(parse("character(3)"), b("bpchar", None, None, Some(3)));
        assert_eq!(parse("\"char\""), b("char", None, None, None));
        assert_eq!(
            parse("timestamp(3) with time zone"),
            b("timestamptz", Some(3), None, None)
        );
        assert_eq!(
            parse("timestamp with time zone"),
            b("timestamptz", None, None, None)
        );
        assert_eq!(parse("time without time zone"), b("time", None, None, None));
        assert_eq!(
            parse("interval year to month"),
            b("interval", None, None, None)
        );
        assert_eq!(parse("interval(2)"), b("interval", Some(2), None, None));
        assert_eq!(parse("bit varying(8)"), b("varbit", None, None, Some(8)));
    }

    #[test]
    fn reads_arrays_and_named_types() {
        assert_eq!(
            parse("character varying(40)[]"),
            Printed::Array {
                element: Box::new(b("varchar", None, None, Some(40))),
                dims: 1
            }
        );
        let list = parse("web_events_product_list_items[]");
        assert_eq!(list.named(), Some((None, "web_events_product_list_items")));
        assert_eq!(
            parse("\"Sales-EU\".\"Addr\"").named(),
            Some((Some("Sales-EU"), "Addr"))
        );
        assert_eq!(
            parse("public.citext").named(),
            Some((Some("public"), "citext"))
        );
        assert_eq!(parse("\"we\"\"ird\"").named(), Some((None, "we\"ird")));
        assert_eq!(parse("anyarray"), Printed::Known(ColumnType::AnyArray));
        assert_eq!(parse("anymap"), Printed::Known(ColumnType::AnyMap));
        assert_eq!(
            parse("map<string,int>"),
            Printed::Known(ColumnType::Unknown {
                name: "map<string,int>".into()
            })
        );
    }
}
