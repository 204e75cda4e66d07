//! The renderer: its public entry points and the helpers every value kind shares.

use sea_orm::Value;
use serde_json::Value as Json;

use super::composite_types::NO_COMPOSITES;
use super::number::{is_plain_decimal, is_plain_integer};
use super::{
    CompositeTypes, InlineError, LiteralError, Location, NulCharacter, SqlType, pg_string_literal,
    string_literal,
};
use crate::Flavor;
use crate::placeholders::{self, Expression};

/// Renders values for one flavor, with the composite types it knows.
#[derive(Debug, Clone, Copy)]
pub struct Renderer<'a> {
    pub(super) flavor: Flavor,
    pub(super) types: &'a CompositeTypes,
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

    pub(super) fn is_qs(&self) -> bool {
        self.flavor.is_query_service()
    }

    /// A string literal: Query Service's `chr()` form, PostgreSQL's string constant.
    pub(super) fn text(&self, s: &str, at: &Location) -> Result<String, LiteralError> {
        match self.flavor {
            Flavor::QueryService => string_literal(s),
            Flavor::Postgres => pg_string_literal(s),
        }
        .map_err(|NulCharacter| at.nul())
    }

    /// `CAST(<text> AS <ty>)`.
    pub(super) fn cast(
        &self,
        s: &str,
        ty: &SqlType,
        at: &Location,
    ) -> Result<String, LiteralError> {
        Ok(format!(
            "CAST({} AS {})",
            self.text(s, at)?,
            ty.cast_name(self.flavor)
        ))
    }

    /// `CAST(<raw SQL> AS <ty>)` (a number, `true`, ...), PostgreSQL.
    pub(super) fn cast_raw(&self, raw: &str, ty: &SqlType) -> String {
        format!("CAST({raw} AS {})", ty.cast_name(self.flavor))
    }

    /// A NULL for `ty`: bare on Query Service (the server types it on assignment) and for
    /// PostgreSQL strings (`unknown`, like their literals), else cast.
    pub(super) fn null(&self, ty: &SqlType) -> String {
        match ty {
            _ if self.is_qs() => "NULL".to_owned(),
            SqlType::Unknown => "NULL".to_owned(),
            t => self.cast_raw("NULL", t),
        }
    }

    /// A string written for `ty`: as it is into string types, else cast.
    pub(super) fn typed_string(
        &self,
        s: &str,
        ty: &SqlType,
        at: &Location,
    ) -> Result<String, LiteralError> {
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
    pub(super) fn number(
        &self,
        raw: &str,
        ty: &SqlType,
        at: &Location,
    ) -> Result<String, LiteralError> {
        match ty {
            t if t.is_float() => self.cast(raw, ty, at),
            SqlType::String => self.text(raw, at),
            _ if self.is_qs() => Ok(raw.to_owned()),
            SqlType::Unknown => Ok(raw.to_owned()),
            t => Ok(self.cast_raw(raw, t)),
        }
    }

    /// A value whose text is cast to `natural` unless the column says otherwise.
    pub(super) fn typed(
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

    pub(super) fn check_year(&self, year: i32, at: &Location) -> Result<(), LiteralError> {
        if !self.is_qs() || (1..=9999).contains(&year) {
            Ok(())
        } else {
            Err(LiteralError::YearOutOfRange {
                at: at.clone(),
                year,
            })
        }
    }
}
