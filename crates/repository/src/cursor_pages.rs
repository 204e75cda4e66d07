//! Reading a select's pages through a cursor on a given connection, and the one case where that
//! connection is the caller's own transaction: Query Service.
//!
//! Elsewhere a cursor lives in a transaction of its own (a savepoint inside the caller's), so
//! dropping a read early leaves the caller's transaction as it was. Query Service refuses
//! `SAVEPOINT` (0A000), so there the cursor is declared in the caller's transaction itself and
//! closed (`CLOSE name`) once read; a read dropped early leaves its cursor open until the
//! transaction ends, which costs nothing else (Query Service has no data rollback either).

use std::any::Any;

use futures_util::{Stream, StreamExt, TryStreamExt};
use qsorm_connect::{ExecutorTransaction, SimpleTransaction};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use crate::core::Core;
use crate::error::RepoError;
use crate::table::Table;

/// Whether `db` is a transaction on a Query Service connection.
pub(crate) fn in_query_service_transaction<C: Any>(db: &C) -> bool {
    let any: &dyn Any = db;
    if let Some(tx) = any.downcast_ref::<SimpleTransaction>() {
        return tx.flavor().is_query_service();
    }
    matches!(
        any.downcast_ref::<ExecutorTransaction>(),
        Some(ExecutorTransaction::Simple(tx)) if tx.flavor().is_query_service()
    )
}

enum Step {
    Declare(String),
    Fetch,
    Done,
}

/// Whether a cursor is closed once read: in the caller's transaction (which goes on), not in a
/// transaction of the reader's own (its commit closes it, with no round trip more).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Close {
    /// `CLOSE name` after the last page.
    AfterLastPage,
    /// Left to the transaction's end.
    WithTransaction,
}

impl<E: Table> Core<E> {
    /// The pages of `select_sql` through a cursor declared in `db` itself: `DECLARE`, `FETCH
    /// size` (under the client cap) until a short page, then `CLOSE` if `close` says so.
    pub(crate) fn cursor_pages<'a, C: ConnectionTrait>(
        &'a self,
        db: &'a C,
        select_sql: String,
        size: u64,
        json: bool,
        close: Close,
    ) -> impl Stream<Item = Result<Vec<QueryResult>, RepoError>> + 'a {
        let name = crate::cursor::cursor_name();
        let size = size.clamp(1, self.profile.page_cap());
        let prefix = if json {
            "SET auto_to_json = true; "
        } else {
            ""
        };
        let declare = format!("{prefix}DECLARE {name} CURSOR FOR {select_sql}");
        let sql = |s: String| Statement::from_string(DbBackend::Postgres, s);
        futures_util::stream::unfold(Step::Declare(declare), move |step| {
            let name = name.clone();
            async move {
                match step {
                    Step::Done => None,
                    Step::Declare(declare) => match self.profile.exec(db, sql(declare)).await {
                        Ok(_) => Some((Ok(Vec::new()), Step::Fetch)),
                        Err(e) => Some((Err(e), Step::Done)),
                    },
                    Step::Fetch => {
                        let fetch = sql(format!("FETCH {size} FROM {name}"));
                        let page = match self.profile.rows(db, fetch).await {
                            Ok(page) => page,
                            Err(e) => return Some((Err(e), Step::Done)),
                        };
                        if (page.len() as u64) == size {
                            return Some((Ok(page), Step::Fetch));
                        }
                        if close == Close::WithTransaction {
                            return Some((Ok(page), Step::Done));
                        }
                        match self.profile.exec(db, sql(format!("CLOSE {name}"))).await {
                            Ok(_) => Some((Ok(page), Step::Done)),
                            Err(e) => Some((Err(e), Step::Done)),
                        }
                    }
                }
            }
        })
        .try_filter(|page| std::future::ready(!page.is_empty()))
    }

    /// Every row of `select_sql` through a cursor declared in `db` (see
    /// [`Core::cursor_pages`]), in pages as large as the client cap allows.
    pub(crate) async fn cursor_rows<C: ConnectionTrait>(
        &self,
        db: &C,
        select_sql: String,
        json: bool,
        close: Close,
    ) -> Result<Vec<QueryResult>, RepoError> {
        let pages: Vec<Vec<QueryResult>> = self
            .cursor_pages(db, select_sql, self.profile.page_cap(), json, close)
            .try_collect()
            .await?;
        Ok(pages.into_iter().flatten().collect())
    }

    /// The models of `select_sql`, page by page, through a cursor in the caller's
    /// transaction.
    pub(crate) fn models_in_transaction<'a, C: ConnectionTrait>(
        &'a self,
        db: &'a C,
        select_sql: String,
        size: u64,
        json: bool,
    ) -> impl Stream<Item = Result<E::Model, RepoError>> + 'a {
        self.cursor_pages(db, select_sql, size, json, Close::AfterLastPage)
            .map(
                move |page| match page.and_then(|rows| self.decode_all(rows)) {
                    Ok(models) => {
                        futures_util::stream::iter(models.into_iter().map(Ok)).left_stream()
                    }
                    Err(e) => futures_util::stream::once(std::future::ready(Err(e))).right_stream(),
                },
            )
            .flatten()
    }
}
