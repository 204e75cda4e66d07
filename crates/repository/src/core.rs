//! `Core<E>`: typed CRUD over any sea-orm entity, on a pool or inside a transaction.

use std::marker::PhantomData;

use sea_orm::sea_query::{Alias, Expr, PostgresQueryBuilder, Query};
use sea_orm::{
    EntityTrait, FromQueryResult, IdenStatic, Iterable, PrimaryKeyToColumn, QueryResult,
    QuerySelect, Select,
};

use qsorm_connect::ident::quote_qualified;

use crate::decode_check::DecodeChecks;
use crate::error::RepoError;
use crate::nested::{read_expr, select_expr};
use crate::profile::Profile;
use crate::table::Table;

/// Typed CRUD for entity `E` under a [`Profile`]. Calls take any sea-orm `ConnectionTrait`
/// (a `DatabaseConnection` or a `DatabaseTransaction`).
#[derive(Debug, Clone)]
pub(crate) struct Core<E: EntityTrait> {
    pub(crate) profile: Profile,
    _entity: PhantomData<fn() -> E>,
}

impl<E: EntityTrait> Core<E> {
    /// A repository writing for `profile`.
    pub fn new(profile: Profile) -> Core<E> {
        Core {
            profile,
            _entity: PhantomData,
        }
    }

    /// The table name, for messages.
    pub(crate) fn table_name(&self) -> String {
        let e = E::default();
        match e.schema_name() {
            Some(s) => format!("{s}.{}", e.table_name()),
            None => e.table_name().to_owned(),
        }
    }

    /// `"schema"."table"` as it appears in SQL.
    pub(crate) fn table_sql(&self) -> String {
        let e = E::default();
        quote_qualified(e.schema_name(), e.table_name())
    }

    /// A select of every column, composites read as JSON on PostgreSQL.
    pub(crate) fn select(&self) -> Select<E>
    where
        E: Table,
    {
        let mut sel = E::find().select_only();
        for c in E::Column::iter() {
            sel = sel.expr_as(select_expr::<E>(c, self.profile.flavor), c.as_str());
        }
        sel
    }

    /// `RETURNING` list matching [`Core::select`].
    pub(crate) fn returning_sql(&self) -> String
    where
        E: Table,
    {
        let mut q = Query::select();
        for c in E::Column::iter() {
            q.expr_as(read_expr::<E>(c), Alias::new(c.as_str()));
        }
        let sql = q.to_string(PostgresQueryBuilder);
        format!(" RETURNING {}", sql.trim_start_matches("SELECT "))
    }

    /// Primary-key columns.
    pub(crate) fn key_columns() -> Vec<E::Column> {
        E::PrimaryKey::iter().map(|k| k.into_column()).collect()
    }

    /// The model of a row. Values the decoder would panic on or change (a timestamp beyond
    /// chrono's years, a numeric beyond `Decimal`) are [`RepoError::Decode`] naming the column.
    pub(crate) fn decode(&self, row: &QueryResult) -> Result<E::Model, RepoError> {
        self.decode_checked(&DecodeChecks::for_row(row), row)
    }

    /// The models of rows of one result, checked as [`Core::decode`] does (the columns to
    /// check are picked once for all the rows). Each row is dropped once decoded, so the
    /// wire rows and the models are not all held at once.
    pub(crate) fn decode_all<M: FromQueryResult>(
        &self,
        rows: Vec<QueryResult>,
    ) -> Result<Vec<M>, RepoError> {
        let Some(first) = rows.first() else {
            return Ok(Vec::new());
        };
        let checks = DecodeChecks::for_row(first);
        let mut models = Vec::with_capacity(rows.len());
        for row in rows {
            models.push(self.decode_checked(&checks, &row)?);
        }
        Ok(models)
    }

    /// A [`RepoError::Decode`] of this entity.
    pub(crate) fn decode_error(&self, reason: String) -> RepoError {
        RepoError::Decode {
            entity: self.table_name(),
            reason,
        }
    }

    pub(crate) fn decode_checked<M: FromQueryResult>(
        &self,
        checks: &DecodeChecks,
        row: &QueryResult,
    ) -> Result<M, RepoError> {
        checks.check(row).map_err(|r| self.decode_error(r))?;
        M::from_query_result(row, "").map_err(|e| self.decode_error(e.to_string()))
    }
}

/// A column reference as a sea-query expression.
pub(crate) fn col<E: EntityTrait>(c: E::Column) -> Expr {
    Expr::col((E::default(), c))
}
