//! Loading related entities through the generated relations: `find_also_related` (each row
//! with its related row, if any) and `find_with_related` (each row with all of its related
//! rows), nested columns of both sides included.

use std::marker::PhantomData;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ConnectionTrait, IdenStatic, Iterable, ModelTrait, Order, PrimaryKeyToColumn, QueryOrder,
    QueryResult, QuerySelect, QueryTrait, Related, TransactionTrait,
};

use crate::core::Core;
use crate::decode_check::DecodeChecks;
use crate::error::RepoError;
use crate::nested::{has_nested, select_expr};
use crate::query::Query;
use crate::table::Table;

/// Column alias prefix of the entity's own columns.
const LEFT: &str = "A_";
/// Column alias prefix of the related entity's columns.
const RIGHT: &str = "B_";
/// The alias of the column that says whether a related row was found.
const PRESENT: &str = "qsorm_related_present";

/// A [`Query`] whose rows come with their related row of `R` (a `LEFT JOIN` through the
/// entity's `Related<R>` relation): see [`Query::find_also_related`].
pub struct AlsoRelated<'c, E: Table, R: Table, C> {
    query: Query<'c, E, C>,
    _related: PhantomData<fn() -> R>,
}

/// A [`Query`] whose rows come with all of their related rows of `R` (one-to-many or
/// many-to-many through the entity's `Related<R>` relation): see
/// [`Query::find_with_related`].
pub struct WithRelated<'c, E: Table, R: Table, C> {
    query: Query<'c, E, C>,
    _related: PhantomData<fn() -> R>,
}

impl<'c, E: Table, C> Query<'c, E, C> {
    /// Each row with its related row of `R`, if any (a `LEFT JOIN` through the relation
    /// entity-gen wrote for a foreign key): the many side to its one side, e.g. an order line
    /// with its order. Filters, order and limit of this query apply to the joined rows.
    ///
    /// ```no_run
    /// # mod order { use sea_orm::entity::prelude::*;
    /// #   #[derive(Clone, Debug, PartialEq, DeriveEntityModel)] #[sea_orm(table_name = "orders")]
    /// #   pub struct Model { #[sea_orm(primary_key)] pub id: i64 }
    /// #   #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
    /// #   impl ActiveModelBehavior for ActiveModel {} impl qsorm_repository::Table for Entity {} }
    /// # mod line { use sea_orm::entity::prelude::*;
    /// #   #[derive(Clone, Debug, PartialEq, DeriveEntityModel)] #[sea_orm(table_name = "lines")]
    /// #   pub struct Model { #[sea_orm(primary_key)] pub id: i64, pub order_id: i64 }
    /// #   #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {
    /// #     #[sea_orm(belongs_to = "super::order::Entity", from = "Column::OrderId", to = "super::order::Column::Id")] Order }
    /// #   impl Related<super::order::Entity> for Entity { fn to() -> RelationDef { Relation::Order.def() } }
    /// #   impl ActiveModelBehavior for ActiveModel {} impl qsorm_repository::Table for Entity {} }
    /// # async fn demo(conn: &qsorm_connect::QsConnection) -> Result<(), qsorm_repository::RepoError> {
    /// use qsorm_repository::ConnectionExt;
    /// let lines: Vec<(line::Model, Option<order::Model>)> =
    ///     conn.repo::<line::Entity>().query().find_also_related(order::Entity).all().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub fn find_also_related<R>(self, _related: R) -> AlsoRelated<'c, E, R, C>
    where
        R: Table,
        E: Related<R>,
    {
        AlsoRelated {
            query: self.joined::<R>(),
            _related: PhantomData,
        }
    }

    /// Each row with all of its related rows of `R` (one-to-many, or many-to-many through a
    /// junction): an order with its lines. One query, a `LEFT JOIN` ordered by this entity's
    /// key after any order you gave, grouped on the client; order by this entity's columns
    /// only, and note that a limit counts joined rows, as in sea-orm.
    pub fn find_with_related<R>(self, _related: R) -> WithRelated<'c, E, R, C>
    where
        R: Table,
        E: Related<R>,
    {
        let mut query = self.joined::<R>();
        for c in E::PrimaryKey::iter().map(|k| k.into_column()) {
            query.select = query.select.order_by(c, Order::Asc);
        }
        WithRelated {
            query,
            _related: PhantomData,
        }
    }

    /// This query's rows joined with `R`: every column of both, prefixed, and whether the
    /// related row exists.
    fn joined<R>(mut self) -> Query<'c, E, C>
    where
        R: Table,
        E: Related<R>,
    {
        let flavor = self.core.profile.flavor;
        let mut select = std::mem::replace(&mut self.select, E::find()).select_only();
        for c in E::Column::iter() {
            select = select.expr_as(select_expr::<E>(c, flavor), format!("{LEFT}{}", c.as_str()));
        }
        for c in R::Column::iter() {
            select = select.expr_as(
                select_expr::<R>(c, flavor),
                format!("{RIGHT}{}", c.as_str()),
            );
        }
        if let Some(key) = R::PrimaryKey::iter().next() {
            let present = Expr::col((R::default(), key.into_column())).is_not_null();
            select = select.expr_as(present, PRESENT);
        }
        self.select = select.left_join(R::default());
        self
    }
}

/// Whether the entities' rows need `auto_to_json` on Query Service.
fn json<E: Table, R: Table>(core: &Core<E>) -> bool {
    core.profile.flavor.is_query_service() && (has_nested::<E>() || has_nested::<R>())
}

/// A row of `E` with its related row of `R`, if any.
type Pair<E, R> = (
    <E as sea_orm::EntityTrait>::Model,
    Option<<R as sea_orm::EntityTrait>::Model>,
);

/// Decodes the pairs of a joined read.
fn pairs<E: Table, R: Table>(
    core: &Core<E>,
    rows: &[QueryResult],
) -> Result<Vec<Pair<E, R>>, RepoError> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let checks = DecodeChecks::for_row(first);
    let related = Core::<R>::new(core.profile.clone());
    rows.iter()
        .map(|row| {
            checks.check(row).map_err(|r| core.decode_error(r))?;
            let left = <E::Model as sea_orm::FromQueryResult>::from_query_result(row, LEFT)
                .map_err(|e| core.decode_error(e.to_string()))?;
            let present: bool = row
                .try_get("", PRESENT)
                .map_err(|e| related.decode_error(e.to_string()))?;
            let right = if present {
                let m = <R::Model as sea_orm::FromQueryResult>::from_query_result(row, RIGHT)
                    .map_err(|e| related.decode_error(e.to_string()))?;
                Some(m)
            } else {
                None
            };
            Ok((left, right))
        })
        .collect()
}

impl<E, R, C> AlsoRelated<'_, E, R, C>
where
    E: Table,
    R: Table,
    C: ConnectionTrait + TransactionTrait,
{
    /// Every row with its related row, if any.
    pub async fn all(self) -> Result<Vec<Pair<E, R>>, RepoError> {
        let q = &self.query;
        let rows = q
            .core
            .read_rows(q.db, q.select.as_query(), q.limit, json::<E, R>(&q.core))
            .await?;
        pairs::<E, R>(&q.core, &rows)
    }
}

impl<E, R, C> WithRelated<'_, E, R, C>
where
    E: Table,
    R: Table,
    C: ConnectionTrait + TransactionTrait,
{
    /// Every row with all of its related rows, in this entity's key order.
    pub async fn all(self) -> Result<Vec<(E::Model, Vec<R::Model>)>, RepoError> {
        let q = &self.query;
        let rows = q
            .core
            .read_rows(q.db, q.select.as_query(), q.limit, json::<E, R>(&q.core))
            .await?;
        let keys: Vec<E::Column> = E::PrimaryKey::iter().map(|k| k.into_column()).collect();
        let mut out: Vec<(E::Model, Vec<R::Model>)> = Vec::new();
        for (left, right) in pairs::<E, R>(&q.core, &rows)? {
            let same = out
                .last()
                .is_some_and(|(prev, _)| keys.iter().all(|&c| prev.get(c) == left.get(c)));
            if !same {
                out.push((left, Vec::new()));
            }
            if let (Some(r), Some((_, list))) = (right, out.last_mut()) {
                list.push(r);
            }
        }
        Ok(out)
    }
}
