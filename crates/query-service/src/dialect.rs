//! Spark-style SQL (Query Service's dialect) read with sqlparser's Databricks dialect and
//! written back as PostgreSQL for the storage server.
//!
//! - literals: the tokenizer applies Spark's backslash escapes; the PostgreSQL text written
//!   back quotes them for `standard_conforming_strings = on`, so `'a\\b'` stores `a\b`;
//! - `E'...'` is refused (Spark: "Literals of the type E are not supported");
//! - identifiers: backticks and double quotes both delimit identifiers (Adobe's page: double
//!   quotes for names with spaces, backticks in nested paths); both become PostgreSQL quotes;
//! - nested fields `a.b.c` become `(a).b.c` when `a` is not a table of the statement;
//! - casts take Spark type names (`string`, `int`, `double`, `decimal(p,s)`, `timestamp`, ...);
//!   `text` is refused as Spark has no such type.

use sqlparser::ast::{
    AccessExpr, DataType, ExactNumberInfo, Expr, Ident, ObjectName, Statement, Subscript,
    TableFactor, TimezoneInfo, Value, ValueWithSpan, Visit, VisitMut, Visitor, VisitorMut,
};
use sqlparser::dialect::DatabricksDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer, Word};
use std::collections::HashSet;
use std::ops::ControlFlow;

use crate::error::{QsError, sqlstate};

/// Tokens of one statement, Spark-style, with double-quoted strings read as identifiers.
pub fn tokens(sql: &str) -> Result<Vec<Token>, QsError> {
    let dialect = DatabricksDialect {};
    let raw = Tokenizer::new(&dialect, sql)
        .with_unescape(true)
        .tokenize()
        .map_err(|e| QsError::new(sqlstate::SYNTAX_ERROR, e.to_string()))?;
    let mut out = Vec::with_capacity(raw.len());
    let mut iter = raw.into_iter().peekable();
    while let Some(tok) = iter.next() {
        match tok {
            Token::Word(w)
                if w.quote_style.is_none()
                    && w.value.eq_ignore_ascii_case("e")
                    && matches!(iter.peek(), Some(Token::SingleQuotedString(_))) =>
            {
                return Err(QsError::new(
                    sqlstate::SYNTAX_ERROR,
                    "Literals of the type \"E\" are not supported (UNSUPPORTED_TYPED_LITERAL)",
                )
                .hint("write quotes, backslashes and control characters with chr(), e.g. 'a' || chr(92) || 'b'"));
            }
            Token::DoubleQuotedString(s) => out.push(Token::Word(Word {
                value: s,
                quote_style: Some('"'),
                keyword: sqlparser::keywords::Keyword::NoKeyword,
            })),
            Token::Word(mut w) if w.quote_style == Some('`') => {
                w.quote_style = Some('"');
                out.push(Token::Word(w));
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// Parses one statement.
pub fn parse(sql: &str) -> Result<Statement, QsError> {
    let dialect = DatabricksDialect {};
    let toks = tokens(sql)?;
    let mut parser = Parser::new(&dialect).with_tokens(toks);
    let stmt = parser
        .parse_statement()
        .map_err(|e| QsError::new(sqlstate::SYNTAX_ERROR, e.to_string()))?;
    if parser.peek_token().token != Token::EOF {
        return Err(QsError::new(
            sqlstate::SYNTAX_ERROR,
            format!(
                "unexpected {} after the statement",
                parser.peek_token().token
            ),
        ));
    }
    Ok(stmt)
}

/// The relation names and aliases a statement mentions (lowercase), to tell `t.col` from
/// `col.field`.
fn relation_names(stmt: &Statement) -> HashSet<String> {
    struct Names(HashSet<String>);
    impl Visitor for Names {
        type Break = ();
        fn pre_visit_relation(&mut self, name: &ObjectName) -> ControlFlow<()> {
            let parts: Vec<String> = name
                .0
                .iter()
                .filter_map(|p| p.as_ident().map(|i| i.value.to_lowercase()))
                .collect();
            for k in 0..parts.len() {
                self.0.insert(parts[k..].join("."));
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
            let alias = match factor {
                TableFactor::Table { alias, .. }
                | TableFactor::Derived { alias, .. }
                | TableFactor::TableFunction { alias, .. }
                | TableFactor::Function { alias, .. }
                | TableFactor::UNNEST { alias, .. }
                | TableFactor::NestedJoin { alias, .. } => alias.as_ref(),
                _ => None,
            };
            if let Some(a) = alias {
                self.0.insert(a.name.value.to_lowercase());
            }
            ControlFlow::Continue(())
        }
    }
    let mut names = Names(HashSet::new());
    let _ = stmt.visit(&mut names);
    names.0
}

struct Rewriter {
    relations: HashSet<String>,
    error: Option<QsError>,
}

impl Rewriter {
    fn fail(&mut self, e: QsError) -> ControlFlow<()> {
        self.error = Some(e);
        ControlFlow::Break(())
    }
}

/// A Spark type name as the PostgreSQL type it stores as.
pub fn spark_type(dt: &DataType) -> Result<DataType, QsError> {
    let custom = |name: &str| DataType::Custom(ObjectName::from(vec![Ident::new(name)]), vec![]);
    let no_text = || {
        QsError::new(
            sqlstate::UNDEFINED_OBJECT,
            "type \"text\" does not exist in Query Service (Spark SQL): use string",
        )
    };
    Ok(match dt {
        DataType::Text => return Err(no_text()),
        // `"text"` / `` `text` ``: a quoted name is still no Spark type (unquoted custom
        // names are the server's own casts, from the storage catalog).
        DataType::Custom(name, _)
            if matches!(name.0.as_slice(), [part]
                if part.as_ident().is_some_and(|i| i.quote_style.is_some()
                    && i.value.eq_ignore_ascii_case("text"))) =>
        {
            return Err(no_text());
        }
        DataType::String(_) => DataType::Text,
        DataType::Double(_) | DataType::DoublePrecision => DataType::DoublePrecision,
        DataType::Float(_) | DataType::Real => DataType::Real,
        DataType::TinyInt(_) => DataType::SmallInt(None),
        DataType::Timestamp(p, TimezoneInfo::None) => DataType::Timestamp(*p, TimezoneInfo::Tz),
        DataType::Datetime(_) => DataType::Timestamp(None, TimezoneInfo::None),
        DataType::Binary(_) | DataType::Bytea => DataType::Bytea,
        DataType::Array(sqlparser::ast::ArrayElemTypeDef::AngleBracket(inner))
        | DataType::Array(sqlparser::ast::ArrayElemTypeDef::SquareBracket(inner, _)) => {
            DataType::Array(sqlparser::ast::ArrayElemTypeDef::SquareBracket(
                Box::new(spark_type(inner)?),
                None,
            ))
        }
        DataType::Struct(..) | DataType::Map(..) => {
            return Err(QsError::unsupported(format!(
                "a cast to {dt} (nested types are written with struct(...) into a typed column)"
            )));
        }
        DataType::Decimal(ExactNumberInfo::None) => DataType::Decimal(ExactNumberInfo::None),
        DataType::Custom(name, _) if name.to_string().eq_ignore_ascii_case("long") => {
            DataType::BigInt(None)
        }
        DataType::Custom(name, _) if name.to_string().eq_ignore_ascii_case("short") => {
            DataType::SmallInt(None)
        }
        DataType::Custom(name, _) if name.to_string().eq_ignore_ascii_case("byte") => {
            custom("smallint")
        }
        other => other.clone(),
    })
}

impl VisitorMut for Rewriter {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        match expr {
            Expr::Cast { data_type, .. } => match spark_type(data_type) {
                Ok(t) => *data_type = t,
                Err(e) => return self.fail(e),
            },
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                let lower: Vec<String> = parts.iter().map(|p| p.value.to_lowercase()).collect();
                // The longest prefix naming a relation is the qualifier; the column follows.
                let qualifier = (1..parts.len())
                    .rev()
                    .find(|k| self.relations.contains(&lower[..*k].join(".")))
                    .unwrap_or(0);
                let column_end = qualifier + 1;
                if column_end < parts.len() {
                    let root = if qualifier == 0 {
                        Expr::Identifier(parts[0].clone())
                    } else {
                        Expr::CompoundIdentifier(parts[..column_end].to_vec())
                    };
                    let chain = parts[column_end..]
                        .iter()
                        .map(|p| AccessExpr::Dot(Expr::Identifier(p.clone())))
                        .collect();
                    *expr = Expr::CompoundFieldAccess {
                        root: Box::new(Expr::Nested(Box::new(root))),
                        access_chain: chain,
                    };
                }
            }
            Expr::CompoundFieldAccess { root, access_chain } => {
                // a['b'] on a struct is a field access.
                for access in access_chain.iter_mut() {
                    if let AccessExpr::Subscript(Subscript::Index { index }) = access
                        && let Expr::Value(ValueWithSpan {
                            value: Value::SingleQuotedString(field),
                            ..
                        }) = index
                    {
                        *access = AccessExpr::Dot(Expr::Identifier(Ident::with_quote(
                            '"',
                            field.clone(),
                        )));
                    }
                }
                if !matches!(**root, Expr::Nested(_)) {
                    let inner = std::mem::replace(&mut **root, Expr::value(Value::Null));
                    **root = Expr::Nested(Box::new(inner));
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// Rewrites a parsed statement into PostgreSQL: casts, nested field access.
pub fn to_postgres(stmt: &mut Statement) -> Result<(), QsError> {
    let mut rewriter = Rewriter {
        relations: relation_names(stmt),
        error: None,
    };
    let _ = stmt.visit(&mut rewriter);
    match rewriter.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pg(sql: &str) -> String {
        let mut s = parse(sql).unwrap();
        to_postgres(&mut s).unwrap();
        s.to_string()
    }

    #[test]
    fn backslash_escapes_are_read_spark_style() {
        assert_eq!(pg(r"SELECT 'a\\b', 'it\'s'"), r#"SELECT 'a\b', 'it''s'"#);
    }

    #[test]
    fn e_literals_are_refused() {
        assert_eq!(
            parse("SELECT E'x'").unwrap_err().code,
            sqlstate::SYNTAX_ERROR
        );
    }

    #[test]
    fn identifiers_and_nested_fields() {
        assert_eq!(
            pg("SELECT web.page_details.name, `commerce`.`order`.price FROM web_events"),
            r#"SELECT (web).page_details.name, ("commerce")."order".price FROM web_events"#
        );
        assert_eq!(
            pg("SELECT e.web.page_details FROM web_events AS e"),
            "SELECT (e.web).page_details FROM web_events AS e"
        );
        assert_eq!(
            pg("SELECT web_events.x FROM web_events"),
            "SELECT web_events.x FROM web_events"
        );
        assert_eq!(pg("SELECT \"a b\" FROM t"), r#"SELECT "a b" FROM t"#);
    }

    #[test]
    fn spark_types_in_casts() {
        assert_eq!(
            pg(
                "SELECT CAST('1' AS int), CAST('x' AS string), CAST('1.5' AS double), CAST('2026-01-01 10:00:00+01:00' AS timestamp)"
            ),
            "SELECT CAST('1' AS INT), CAST('x' AS TEXT), CAST('1.5' AS DOUBLE PRECISION), CAST('2026-01-01 10:00:00+01:00' AS TIMESTAMPTZ)"
        );
        let mut s = parse("SELECT CAST(x AS text) FROM t").unwrap();
        assert_eq!(
            to_postgres(&mut s).unwrap_err().code,
            sqlstate::UNDEFINED_OBJECT
        );
    }
}
