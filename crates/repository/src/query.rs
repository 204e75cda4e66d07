//! [`Query`]: reads beyond a filter (ordering, limit/offset, some columns into a struct of
//! your own, aggregates with `GROUP BY`), typed, on both flavors.
//!
//! A `Query` is sea-orm's `Select` of the repository's entity: sea-orm's `QueryFilter`,
//! `QueryOrder` and `QuerySelect` methods build it (`filter`, `order_by_desc`,
//! `select_only`, `column_as`, `group_by`, `having`, ...). The repository runs it the way
//! its connection needs: on Query Service a read with no `LIMIT` (or one above the
//! 50,000-row client cap) goes through a server-side cursor, so every row comes back, and
//! nested columns come back as JSON.

use std::marker::PhantomData;

use sea_orm::sea_query::SelectStatement;
use sea_orm::{
    ConnectionTrait, FromQueryResult, QueryFilter, QueryOrder, QueryResult, QuerySelect,
    QueryTrait, Select, TransactionSession, TransactionTrait,
};

use crate::core::Core;
use crate::cursor_pages::{Close, in_query_service_transaction};
use crate::error::RepoError;
use crate::nested::{has_nested, select_expr};
use crate::repo::Repo;
use crate::table::Table;

/// A read of entity `E` being built; run it with [`Query::all`], [`Query::one`], or turn
/// it into rows of your own type with [`Query::into_model`]. Start one with
/// [`Repo::query`].
///
/// ```no_run
/// # use sea_orm::entity::prelude::*;
/// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// # #[sea_orm(table_name = "events")]
/// # pub struct Model { #[sea_orm(primary_key)] pub id: i64, pub event_type: String, pub ts: DateTimeWithTimeZone }
/// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
/// # impl ActiveModelBehavior for ActiveModel {}
/// # impl qsorm_repository::Table for Entity {}
/// # async fn demo(conn: &qsorm_connect::QsConnection) -> Result<(), qsorm_repository::RepoError> {
/// use qsorm_repository::ConnectionExt;
/// use sea_orm::sea_query::{Alias, Expr, ExprTrait};
/// use sea_orm::{FromQueryResult, QueryOrder, QuerySelect};
///
/// // The ten newest events.
/// let newest = conn.repo::<Entity>().query().order_by_desc(Column::Ts).limit(10).all().await?;
///
/// // Events per day and type.
/// #[derive(Debug, FromQueryResult)]
/// struct Daily { day: chrono::NaiveDate, event_type: String, n: i64 }
/// let daily: Vec<Daily> = conn
///     .repo::<Entity>()
///     .query()
///     .select_only()
///     .column_as(Expr::col(Column::Ts).cast_as(Alias::new("date")), "day")
///     .column(Column::EventType)
///     .column_as(Expr::cust("COUNT(*)"), "n")
///     .group_by(Expr::col(Column::Ts).cast_as(Alias::new("date")))
///     .group_by(Column::EventType)
///     .order_by_asc(Expr::cust("1"))
///     .into_model::<Daily>()
///     .all()
///     .await?;
/// # Ok(()) }
/// ```
pub struct Query<'c, E: Table, C> {
    pub(crate) db: &'c C,
    pub(crate) core: Core<E>,
    pub(crate) select: Select<E>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
}

impl<E: Table, C> Clone for Query<'_, E, C> {
    fn clone(&self) -> Self {
        Query {
            db: self.db,
            core: self.core.clone(),
            select: self.select.clone(),
            limit: self.limit,
            offset: self.offset,
        }
    }
}

impl<E: Table, C> std::fmt::Debug for Query<'_, E, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use sea_orm::sea_query::PostgresQueryBuilder;
        f.debug_struct("Query")
            .field(
                "sql",
                &self.select.as_query().to_string(PostgresQueryBuilder),
            )
            .finish_non_exhaustive()
    }
}

impl<'c, E: Table, C> Repo<'c, E, C> {
    /// A read of every column of `E`, to refine with sea-orm's query methods before running
    /// it (see [`Query`]).
    pub fn query(&self) -> Query<'c, E, C> {
        Query {
            db: self.db,
            core: self.core.clone(),
            select: self.core.select(),
            limit: None,
            offset: None,
        }
    }
}

impl<E: Table, C> QueryFilter for Query<'_, E, C> {
    type QueryStatement = SelectStatement;

    fn query(&mut self) -> &mut SelectStatement {
        QueryTrait::query(&mut self.select)
    }
}

impl<E: Table, C> QueryOrder for Query<'_, E, C> {
    type QueryStatement = SelectStatement;

    fn query(&mut self) -> &mut SelectStatement {
        QueryTrait::query(&mut self.select)
    }
}

impl<E: Table, C> QuerySelect for Query<'_, E, C> {
    type QueryStatement = SelectStatement;

    fn query(&mut self) -> &mut SelectStatement {
        QueryTrait::query(&mut self.select)
    }
}

impl<'c, E: Table, C> Query<'c, E, C> {
    /// At most `n` rows (`LIMIT n`; `None` removes the limit), as sea-orm's
    /// `QuerySelect::limit`, which this shadows so the repository knows the limit: on Query
    /// Service a limit at or under the 50,000-row client cap is one statement, and a larger
    /// one, or none, reads through a cursor (a limit set through the trait by its full path
    /// is still obeyed, through the cursor).
    pub fn limit(mut self, n: impl Into<Option<u64>>) -> Self {
        let n = n.into();
        match n {
            Some(n) => QuerySelect::query(&mut self.select).limit(n),
            None => QuerySelect::query(&mut self.select).reset_limit(),
        };
        self.limit = n;
        self
    }

    /// Skips the first `n` rows (`OFFSET n`; `None` removes it): order the query for a
    /// stable result.
    pub fn offset(mut self, n: impl Into<Option<u64>>) -> Self {
        let n = n.into();
        match n {
            Some(n) => QuerySelect::query(&mut self.select).offset(n),
            None => QuerySelect::query(&mut self.select).reset_offset(),
        };
        self.offset = n;
        self
    }

    /// Selects only `columns` of the entity, nested ones read as JSON as the entity's own
    /// reads do: the everyday start of [`Query::into_model`] into a struct with some of the
    /// entity's fields.
    pub fn columns(mut self, columns: impl IntoIterator<Item = E::Column>) -> Self {
        let flavor = self.core.profile.flavor;
        let mut select = std::mem::replace(&mut self.select, E::find()).select_only();
        for c in columns {
            select = select.expr_as(select_expr::<E>(c, flavor), sea_orm::IdenStatic::as_str(&c));
        }
        self.select = select;
        self
    }

    /// The rows as values of `M` (a struct deriving sea-orm's `FromQueryResult`, its fields
    /// named as the selected columns or aliases), for some columns or aggregates.
    pub fn into_model<M: FromQueryResult>(self) -> ModelQuery<'c, E, C, M> {
        ModelQuery {
            query: self,
            _model: PhantomData,
        }
    }

    /// The statement as it is built so far (before inlining), for logs and tests.
    pub fn statement(&self) -> SelectStatement {
        self.select.as_query().clone()
    }
}

impl<E, C> Query<'_, E, C>
where
    E: Table,
    C: ConnectionTrait + TransactionTrait + 'static,
{
    /// Every row, as models.
    pub async fn all(self) -> Result<Vec<E::Model>, RepoError> {
        let rows = self.rows().await?;
        self.core.decode_all(rows)
    }

    /// The first row, as a model (the query with `LIMIT 1`).
    pub async fn one(self) -> Result<Option<E::Model>, RepoError> {
        Ok(self.limit(1).all().await?.into_iter().next())
    }

    /// The rows of the statement, read as the profile needs.
    pub(crate) async fn rows(&self) -> Result<Vec<QueryResult>, RepoError> {
        let query_service = self.core.profile.flavor.is_query_service();
        let json = query_service && has_nested::<E>();
        self.core
            .read_rows(self.db, self.select.as_query(), self.limit, json)
            .await
    }
}

/// A [`Query`] whose rows decode into `M` (see [`Query::into_model`]).
pub struct ModelQuery<'c, E: Table, C, M> {
    query: Query<'c, E, C>,
    _model: PhantomData<fn() -> M>,
}

impl<E: Table, C, M> Clone for ModelQuery<'_, E, C, M> {
    fn clone(&self) -> Self {
        ModelQuery {
            query: self.query.clone(),
            _model: PhantomData,
        }
    }
}

impl<E, C, M> ModelQuery<'_, E, C, M>
where
    E: Table,
    C: ConnectionTrait + TransactionTrait + 'static,
    M: FromQueryResult,
{
    /// Every row, as `M`.
    pub async fn all(self) -> Result<Vec<M>, RepoError> {
        let rows = self.query.rows().await?;
        self.query.core.decode_all(rows)
    }

    /// The first row, as `M` (the query with `LIMIT 1`).
    pub async fn one(self) -> Result<Option<M>, RepoError> {
        let query = self.query.limit(1);
        let rows = query.rows().await?;
        Ok(query.core.decode_all::<M>(rows)?.into_iter().next())
    }
}

impl<E: Table> Core<E> {
    /// Runs a select and returns its rows (none, with nothing sent, for `LIMIT 0`). On Query
    /// Service a select with no `LIMIT` or one above the client cap reads through a cursor (every row, in pages under the cap), and
    /// `json` prefixes `SET auto_to_json = true` so nested values come back as JSON.
    pub(crate) async fn read_rows<C>(
        &self,
        db: &C,
        select: &SelectStatement,
        limit: Option<u64>,
        json: bool,
    ) -> Result<Vec<QueryResult>, RepoError>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        if limit == Some(0) {
            // No row, and nothing sent: on Query Service `LIMIT 0` lifts the row cap and
            // returns every row.
            return Ok(Vec::new());
        }
        let stmt = self.profile.statement(select)?;
        let query_service = self.profile.flavor.is_query_service();
        let under_cap = limit.is_some_and(|n| n <= self.profile.page_cap());
        match (query_service, under_cap) {
            (false, _) => self.profile.rows(db, stmt).await,
            (true, true) if json => self.profile.rows_as_json(db, &stmt.sql).await,
            (true, true) => self.profile.rows(db, stmt).await,
            (true, false) => self.rows_through_cursor(db, &stmt.sql, json).await,
        }
    }

    /// Every row of `select_sql` through `DECLARE` / `FETCH` pages under the client cap, in
    /// a transaction of its own (a savepoint inside the caller's).
    async fn rows_through_cursor<C>(
        &self,
        db: &C,
        select_sql: &str,
        json: bool,
    ) -> Result<Vec<QueryResult>, RepoError>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        let sql = select_sql.to_owned();
        if in_query_service_transaction(db) {
            return self.cursor_rows(db, sql, json, Close::AfterLastPage).await;
        }
        let tx = self.profile.bounded(db.begin()).await?;
        let rows = self
            .cursor_rows(&tx, sql, json, Close::WithTransaction)
            .await?;
        self.profile.bounded(tx.commit()).await?;
        Ok(rows)
    }
}
