//! Loading related entities through the generated relations: `find_also_related` (each row
//! with its related row, if any) and `find_with_related` (each row with all of its related
//! rows), nested columns of both sides included.

use std::collections::HashMap;
use std::marker::PhantomData;

use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ConnectionTrait, IdenStatic, Iterable, Order, PrimaryKeyToColumn, QueryFilter, QueryOrder,
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
    /// The caller's query of the parents, as given.
    parents: Query<'c, E, C>,
    /// The parents joined with `R`, without the caller's limit and offset.
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
    /// junction): an order with its lines. Rows of one parent are grouped by its key whatever
    /// the order, and parents come in this query's order (then key order). Without a limit
    /// or offset this is one query (a `LEFT JOIN`); with one, the limit and offset count
    /// parents, as they read: a first query reads the parents, a second their related rows,
    /// so no parent's list is cut short. A parent whose key is NULL (a view) is
    /// [`RepoError::KeyNotUnique`]: its rows could not be told apart.
    pub fn find_with_related<R>(self, _related: R) -> WithRelated<'c, E, R, C>
    where
        R: Table,
        E: Related<R>,
    {
        let parents = self.clone();
        let mut query = self.limit(None).offset(None).joined::<R>();
        for c in E::PrimaryKey::iter().map(|k| k.into_column()) {
            query.select = query.select.order_by(c, Order::Asc);
        }
        WithRelated {
            parents,
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
    C: ConnectionTrait + TransactionTrait + 'static,
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
    C: ConnectionTrait + TransactionTrait + 'static,
{
    /// Every parent with all of its related rows.
    pub async fn all(self) -> Result<Vec<(E::Model, Vec<R::Model>)>, RepoError> {
        let WithRelated {
            parents, mut query, ..
        } = self;
        let chosen = if parents.limit.is_some() || parents.offset.is_some() {
            let chosen = parents.all().await?;
            if chosen.is_empty() {
                return Ok(Vec::new());
            }
            let any = chosen.iter().fold(Condition::any(), |cond, m| {
                cond.add(key_values_condition::<E>(Core::<E>::key_of(Some(m))))
            });
            query.select = query.select.filter(any);
            Some(chosen)
        } else {
            None
        };
        let q = &query;
        let rows = q
            .core
            .read_rows(q.db, q.select.as_query(), None, json::<E, R>(&q.core))
            .await?;
        let mut grouped = Grouped::<E, R>::default();
        for (left, right) in pairs::<E, R>(&q.core, &rows)? {
            grouped.add(&q.core, left, right)?;
        }
        Ok(match chosen {
            Some(chosen) => grouped.in_order_of(chosen),
            None => grouped.into_list(),
        })
    }
}

/// Joined rows grouped by their parent's key, parents in order of first appearance.
struct Grouped<E: Table, R: Table> {
    index: HashMap<String, usize>,
    list: Vec<(E::Model, Vec<R::Model>)>,
}

impl<E: Table, R: Table> Default for Grouped<E, R> {
    fn default() -> Self {
        Grouped {
            index: HashMap::new(),
            list: Vec::new(),
        }
    }
}

impl<E: Table, R: Table> Grouped<E, R> {
    /// The parent's key as a map key; a NULL in it is [`RepoError::KeyNotUnique`].
    fn key(core: &Core<E>, model: &E::Model) -> Result<String, RepoError> {
        let values = Core::<E>::key_of(Some(model));
        if values.iter().any(|v| *v == v.as_null()) {
            return Err(RepoError::KeyNotUnique {
                entity: core.table_name(),
                key: format!("{values:?}"),
            });
        }
        Ok(format!("{values:?}"))
    }

    fn add(
        &mut self,
        core: &Core<E>,
        left: E::Model,
        right: Option<R::Model>,
    ) -> Result<(), RepoError> {
        let key = Self::key(core, &left)?;
        let at = *self.index.entry(key).or_insert_with(|| {
            self.list.push((left, Vec::new()));
            self.list.len() - 1
        });
        if let Some(r) = right {
            self.list[at].1.push(r);
        }
        Ok(())
    }

    fn into_list(self) -> Vec<(E::Model, Vec<R::Model>)> {
        self.list
    }

    /// The parents in the order given, each with its related rows.
    fn in_order_of(mut self, parents: Vec<E::Model>) -> Vec<(E::Model, Vec<R::Model>)> {
        parents
            .into_iter()
            .map(|p| {
                let key = format!("{:?}", Core::<E>::key_of(Some(&p)));
                let related = self
                    .index
                    .get(&key)
                    .map(|&at| std::mem::take(&mut self.list[at].1))
                    .unwrap_or_default();
                (p, related)
            })
            .collect()
    }
}

/// `key columns = values`.
fn key_values_condition<E: Table>(values: Vec<sea_orm::Value>) -> Condition {
    E::PrimaryKey::iter()
        .map(|k| k.into_column())
        .zip(values)
        .fold(Condition::all(), |cond, (c, v)| {
            cond.add(Expr::col((E::default(), c)).eq(v))
        })
}
