//! Reads: get, find, first, count, exists, offset and keyset pagination, streaming.

use sea_orm::sea_query::{Condition, Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ConnectionTrait, EntityTrait, ModelTrait, Order, PrimaryKeyTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, TransactionTrait, Value,
};

use crate::core::{Core, col};
use crate::error::RepoError;
use crate::nested::has_nested;
use crate::profile::Profile;
use crate::table::Table;

/// One page of an offset pagination.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<M> {
    /// The rows of this page.
    pub items: Vec<M>,
    /// Page number, from 0.
    pub page: u64,
    /// Page size asked for.
    pub per_page: u64,
    /// Rows matching the filter.
    pub total: u64,
}

impl<M> Page<M> {
    /// Number of pages.
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(Ord::max(self.per_page, 1))
    }
}

/// The primary-key value type of entity `E` (`i64`, `String`, a tuple for a composite key):
/// what `get` and `delete` take and keyset cursors are made of.
pub type KeyOf<E> = <<E as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType;

/// One page of a keyset (cursor) pagination.
#[derive(Debug, Clone, PartialEq)]
pub struct KeysetPage<M, K> {
    /// The rows, in primary-key order.
    pub items: Vec<M>,
    /// The key to pass as `after` for the next page (`None`: this was the last one).
    pub next: Option<K>,
}

impl<E: Table> Core<E> {
    pub(crate) async fn fetch<C: ConnectionTrait>(
        &self,
        db: &C,
        sel: Select<E>,
    ) -> Result<Vec<E::Model>, RepoError> {
        let stmt = self.profile.statement(sel.as_query())?;
        let rows = if self.profile.flavor.is_query_service() && has_nested::<E>() {
            self.profile.rows_as_json(db, &stmt.sql).await?
        } else {
            self.profile.rows(db, stmt).await?
        };
        self.decode_all(rows)
    }

    pub(crate) fn ordered(&self, sel: Select<E>) -> Select<E> {
        Self::key_columns()
            .into_iter()
            .fold(sel, |s, c| s.order_by(c, Order::Asc))
    }

    /// The row with this primary key, if any.
    pub(crate) async fn get<C: ConnectionTrait>(
        &self,
        db: &C,
        key: <E::PrimaryKey as PrimaryKeyTrait>::ValueType,
    ) -> Result<Option<E::Model>, RepoError> {
        Ok(self.get_all(db, key).await?.into_iter().next())
    }

    async fn get_all<C: ConnectionTrait>(
        &self,
        db: &C,
        key: <E::PrimaryKey as PrimaryKeyTrait>::ValueType,
    ) -> Result<Vec<E::Model>, RepoError> {
        let sel = self.select().filter(key_condition::<E>(key)).limit(1);
        self.fetch(db, sel).await
    }

    /// The row with this primary key, or [`RepoError::NotFound`].
    pub(crate) async fn get_required<C: ConnectionTrait>(
        &self,
        db: &C,
        key: <E::PrimaryKey as PrimaryKeyTrait>::ValueType,
    ) -> Result<E::Model, RepoError> {
        let shown = format!("{key:?}");
        self.get_all(db, key)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| RepoError::NotFound {
                entity: self.table_name(),
                key: shown,
            })
    }

    /// Every row matching `filter`, in primary-key order. On PostgreSQL one query; on Query
    /// Service a server-side cursor read in pages under the 50,000-row client cap (see
    /// [`Repo::stream`]), so every row comes back whatever the entity's key.
    ///
    /// On a PostgreSQL pool or a transaction on one (`DatabaseConnection`,
    /// `DatabaseTransaction`, `QsConnection::executor()` and its transactions) each row is
    /// decoded as it arrives, while the server sends the next ones; `C: 'static` is what lets
    /// `find` recognise those connection types (every connection qsorm hands out is
    /// `'static`). Other connections read the whole result, then decode it.
    pub(crate) async fn find<C>(
        &self,
        db: &C,
        filter: Condition,
    ) -> Result<Vec<E::Model>, RepoError>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        if self.profile.flavor.is_query_service() {
            return self.find_through_cursor(db, filter).await;
        }
        self.fetch_streamed(db, self.ordered(self.select().filter(filter)))
            .await
    }

    /// The first row matching `filter` in primary-key order.
    pub(crate) async fn first<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: Condition,
    ) -> Result<Option<E::Model>, RepoError> {
        let sel = self.ordered(self.select().filter(filter)).limit(1);
        Ok(self.fetch(db, sel).await?.into_iter().next())
    }

    /// Number of rows matching `filter`.
    pub(crate) async fn count<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: Condition,
    ) -> Result<u64, RepoError> {
        let sel = E::find()
            .select_only()
            .expr_as(Expr::cust("COUNT(*)"), "n")
            .filter(filter);
        let stmt = self.profile.statement(sel.as_query())?;
        let rows = self.profile.rows(db, stmt).await?;
        let n: i64 = rows
            .first()
            .map(|r| r.try_get("", "n"))
            .transpose()
            .map_err(|e| RepoError::Decode {
                entity: self.table_name(),
                reason: e.to_string(),
            })?
            .unwrap_or(0);
        u64::try_from(n).map_err(|_| RepoError::Decode {
            entity: self.table_name(),
            reason: format!("negative count {n}"),
        })
    }

    /// Whether any row matches `filter`.
    pub(crate) async fn exists<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: Condition,
    ) -> Result<bool, RepoError> {
        let sel = E::find()
            .select_only()
            .expr_as(Expr::cust("1"), "one")
            .filter(filter)
            .limit(1);
        let stmt = self.profile.statement(sel.as_query())?;
        Ok(!self.profile.rows(db, stmt).await?.is_empty())
    }

    /// Offset pagination in primary-key order (`page` counts from 0).
    pub(crate) async fn page<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: Condition,
        page: u64,
        per_page: u64,
    ) -> Result<Page<E::Model>, RepoError> {
        check_page_size(&self.profile, per_page)?;
        let total = self.count(db, filter.clone()).await?;
        let sel = self
            .ordered(self.select().filter(filter))
            .offset(page.saturating_mul(per_page))
            .limit(per_page);
        let items = self.fetch(db, sel).await?;
        Ok(Page {
            items,
            page,
            per_page,
            total,
        })
    }

    /// Keyset pagination: up to `limit` rows after the cursor `after` (primary-key order).
    /// Stable under concurrent inserts and O(limit) at any depth, unlike offsets.
    ///
    /// Needs a unique key: when the key is not unique (a view, a table keyed by its first
    /// column) and a run of equal keys crosses the page boundary, the next page would lose
    /// rows, so this returns [`RepoError::KeyNotUnique`] instead. [`Repo::stream`] and
    /// [`Repo::find`] read every row whatever the key.
    pub(crate) async fn keyset<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: Condition,
        after: Option<KeyOf<E>>,
        limit: u64,
    ) -> Result<KeysetPage<E::Model, KeyOf<E>>, RepoError> {
        use sea_orm::sea_query::IntoValueTuple;
        check_page_size(&self.profile, limit)?;
        let mut cond = filter;
        if let Some(after) = after {
            let values: Vec<Value> = after.into_value_tuple().into_iter().collect();
            cond = cond.add(after_condition::<E>(values)?);
        }
        // One row more than asked: it tells whether there is a next page (no empty last
        // round trip) and whether the boundary splits a run of equal keys.
        let sel = self
            .ordered(self.select().filter(cond))
            .limit(limit.saturating_add(1));
        let mut items = self.fetch(db, sel).await?;
        let wanted = usize::try_from(limit).unwrap_or(usize::MAX);
        if items.len() <= wanted {
            return Ok(KeysetPage { items, next: None });
        }
        // LIMIT limit + 1: exactly one row more than wanted.
        let lookahead = items.pop();
        let next = Self::key_of(items.last());
        if next == Self::key_of(lookahead.as_ref()) || next.iter().any(is_null) {
            return Err(RepoError::KeyNotUnique {
                entity: self.table_name(),
                key: format!("{next:?}"),
            });
        }
        let next = key_value::<E>(next);
        Ok(KeysetPage {
            items,
            next: Some(next),
        })
    }

    pub(crate) fn key_of(model: Option<&E::Model>) -> Vec<Value> {
        model.map_or_else(Vec::new, |m| {
            Self::key_columns().into_iter().map(|c| m.get(c)).collect()
        })
    }
}

/// The key value of non-NULL key column values read from a model of `E` (so of the key's
/// own types).
fn key_value<E: EntityTrait>(values: Vec<Value>) -> KeyOf<E> {
    use sea_orm::sea_query::{FromValueTuple, ValueTuple};
    let mut it = values.into_iter();
    let tuple = match (it.next(), it.next(), it.next(), it.next()) {
        (Some(a), None, _, _) => ValueTuple::One(a),
        (Some(a), Some(b), None, _) => ValueTuple::Two(a, b),
        (Some(a), Some(b), Some(c), None) => ValueTuple::Three(a, b, c),
        (a, b, c, d) => ValueTuple::Many([a, b, c, d].into_iter().flatten().chain(it).collect()),
    };
    KeyOf::<E>::from_value_tuple(tuple)
}

fn is_null(value: &Value) -> bool {
    *value == value.as_null()
}

fn check_page_size(profile: &Profile, size: u64) -> Result<(), RepoError> {
    if size == 0 {
        return Err(RepoError::InvalidInput(
            "page size must be at least 1".into(),
        ));
    }
    if size > profile.page_cap() {
        return Err(RepoError::InvalidInput(format!(
            "page size {size} is above Query Service's client cap of {} rows; use stream() or create_table_as",
            profile.page_cap()
        )));
    }
    Ok(())
}

/// `pk = key` (all primary-key columns).
pub(crate) fn key_condition<E: EntityTrait>(
    key: <E::PrimaryKey as PrimaryKeyTrait>::ValueType,
) -> Condition {
    use sea_orm::sea_query::IntoValueTuple;
    Core::<E>::key_columns()
        .into_iter()
        .zip(key.into_value_tuple())
        .fold(Condition::all(), |cond, (c, v)| cond.add(col::<E>(c).eq(v)))
}

/// `(pk columns) > (after)`.
fn after_condition<E: EntityTrait>(after: Vec<Value>) -> Result<SimpleExpr, RepoError> {
    let cols = Core::<E>::key_columns();
    if cols.len() != after.len() {
        return Err(RepoError::InvalidInput(format!(
            "cursor has {} values, the key of {} has {}",
            after.len(),
            E::default().as_str(),
            cols.len()
        )));
    }
    if cols.len() == 1 {
        let (c, v) = (
            cols[0],
            after.into_iter().next().unwrap_or(Value::Int(None)),
        );
        return Ok(col::<E>(c).gt(v));
    }
    let left = SimpleExpr::Tuple(cols.into_iter().map(|c| col::<E>(c)).collect());
    let right = SimpleExpr::Tuple(after.into_iter().map(SimpleExpr::from).collect());
    Ok(Expr::expr(left).gt(right))
}
