//! Reads: get, find, first, count, exists, offset and keyset pagination, streaming.

use std::collections::VecDeque;

use futures_util::Stream;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ConnectionTrait, EntityTrait, ModelTrait, Order, PrimaryKeyTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, Value,
};

use crate::error::RepoError;
use crate::nested::has_nested;
use crate::profile::Profile;
use crate::repo::{Repo, col};

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

/// One page of a keyset (cursor) pagination.
#[derive(Debug, Clone, PartialEq)]
pub struct KeysetPage<M> {
    /// The rows, in primary-key order.
    pub items: Vec<M>,
    /// The cursor to pass for the next page (`None`: this was the last one).
    pub next: Option<Vec<Value>>,
}

impl<E: EntityTrait> Repo<E> {
    async fn fetch<C: ConnectionTrait>(
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
        self.decode_all(&rows)
    }

    fn ordered(&self, sel: Select<E>) -> Select<E> {
        Self::key_columns()
            .into_iter()
            .fold(sel, |s, c| s.order_by(c, Order::Asc))
    }

    /// The row with this primary key, if any.
    pub async fn get<C: ConnectionTrait>(
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
    pub async fn get_required<C: ConnectionTrait>(
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

    /// Every row matching `filter`, in primary-key order.
    pub async fn find<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: Condition,
    ) -> Result<Vec<E::Model>, RepoError> {
        if self.profile.flavor.is_query_service() {
            // Under the client row cap: page through.
            let mut out = Vec::new();
            let mut after = None;
            loop {
                let page = self
                    .keyset(db, filter.clone(), after, self.profile.page_cap())
                    .await?;
                out.extend(page.items);
                match page.next {
                    Some(next) => after = Some(next),
                    None => return Ok(out),
                }
            }
        }
        self.fetch(db, self.ordered(self.select().filter(filter)))
            .await
    }

    /// The first row matching `filter` in primary-key order.
    pub async fn first<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: Condition,
    ) -> Result<Option<E::Model>, RepoError> {
        let sel = self.ordered(self.select().filter(filter)).limit(1);
        Ok(self.fetch(db, sel).await?.into_iter().next())
    }

    /// Number of rows matching `filter`.
    pub async fn count<C: ConnectionTrait>(
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
        u64::try_from(n).map_err(|_| RepoError::Other(format!("negative count {n}")))
    }

    /// Whether any row matches `filter`.
    pub async fn exists<C: ConnectionTrait>(
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
    pub async fn page<C: ConnectionTrait>(
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
    pub async fn keyset<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: Condition,
        after: Option<Vec<Value>>,
        limit: u64,
    ) -> Result<KeysetPage<E::Model>, RepoError> {
        check_page_size(&self.profile, limit)?;
        let mut cond = filter;
        if let Some(after) = after {
            cond = cond.add(after_condition::<E>(after)?);
        }
        let sel = self.ordered(self.select().filter(cond)).limit(limit);
        let items = self.fetch(db, sel).await?;
        let next = match items.last() {
            Some(last) if u64::try_from(items.len()).unwrap_or(u64::MAX) == limit => Some(
                Self::key_columns()
                    .into_iter()
                    .map(|c| last.get(c))
                    .collect(),
            ),
            _ => None,
        };
        Ok(KeysetPage { items, next })
    }

    /// Streams every row matching `filter` in constant memory: keyset pages of `page_size`
    /// rows (capped under Query Service's 50,000-row limit).
    pub fn stream<'a, C: ConnectionTrait>(
        &'a self,
        db: &'a C,
        filter: Condition,
        page_size: u64,
    ) -> impl Stream<Item = Result<E::Model, RepoError>> + 'a {
        struct State<M> {
            buffer: VecDeque<M>,
            after: Option<Vec<Value>>,
            done: bool,
        }
        let size = page_size.clamp(1, self.profile.page_cap());
        let state = State {
            buffer: VecDeque::new(),
            after: None,
            done: false,
        };
        futures_util::stream::unfold(state, move |mut st| {
            let filter = filter.clone();
            async move {
                loop {
                    if let Some(item) = st.buffer.pop_front() {
                        return Some((Ok(item), st));
                    }
                    if st.done {
                        return None;
                    }
                    match self.keyset(db, filter.clone(), st.after.take(), size).await {
                        Ok(page) => {
                            st.done = page.next.is_none();
                            st.after = page.next;
                            st.buffer.extend(page.items);
                        }
                        Err(e) => {
                            st.done = true;
                            return Some((Err(e), st));
                        }
                    }
                }
            }
        })
    }
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
    Repo::<E>::key_columns()
        .into_iter()
        .zip(key.into_value_tuple())
        .fold(Condition::all(), |cond, (c, v)| cond.add(col::<E>(c).eq(v)))
}

/// `(pk columns) > (after)`.
fn after_condition<E: EntityTrait>(after: Vec<Value>) -> Result<SimpleExpr, RepoError> {
    let cols = Repo::<E>::key_columns();
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
