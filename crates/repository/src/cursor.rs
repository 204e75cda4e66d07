//! Server-side cursors: one query, one snapshot, every row whatever the entity's key.
//!
//! `stream` (except on a PostgreSQL pool without a call timeout, where it is one streaming
//! query: [`crate::row_stream`]) and `find` on Query Service (which must stay under the
//! 50,000-row client cap) read through `DECLARE name CURSOR FOR <select>` and
//! `FETCH n FROM name` inside a transaction (a savepoint when the caller is already in one).
//! Unlike keyset pages, a cursor needs no unique key, scans once (Query Service datasets have
//! no indexes: every keyset page is a scan) and sees one snapshot. Both PostgreSQL and Query
//! Service document these statements.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::{Stream, StreamExt};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, QueryFilter, QueryTrait, Statement,
    TransactionSession, TransactionTrait,
};

use crate::core::Core;
use crate::cursor_pages::{Close, in_query_service_transaction};
use crate::error::RepoError;
use crate::nested::has_nested;
use crate::row_stream::{Source, source_of};
use crate::table::Table;

/// Cursor names unique within the process (a cursor lives in its own transaction, so this
/// only matters for readability of server logs).
static NEXT_CURSOR: AtomicU64 = AtomicU64::new(1);

enum Phase<T> {
    Start(Condition),
    Open { tx: T, name: String },
    Done,
}

struct State<T, M> {
    phase: Phase<T>,
    buffer: VecDeque<M>,
}

impl<E: Table> Core<E> {
    /// Streams every row matching `filter` in primary-key order, in constant memory, every
    /// row exactly once even when the entity's key is not unique (views, tables keyed by
    /// their first column), the rows one consistent snapshot.
    ///
    /// On a PostgreSQL pool (`DatabaseConnection`, `QsConnection::executor()`) whose profile
    /// has no call timeout, one streaming query: rows are decoded as they arrive and the
    /// server waits while the caller has not taken them (socket backpressure), so memory
    /// stays bounded; `page_size` is not used. `C: 'static` is what lets `stream` recognise
    /// the pool (every connection qsorm hands out is `'static`).
    ///
    /// Otherwise a server-side cursor (`DECLARE` / `FETCH`, `page_size` rows per round trip,
    /// capped under Query Service's 50,000-row limit) in a transaction of its own (a
    /// savepoint when `db` is a transaction): inside a caller's transaction, because the
    /// caller may use the transaction between two rows; with a call timeout (the connection
    /// has a `statement_timeout`), because one query would have to end within the statement
    /// timeout however slowly the caller takes the rows, while each `FETCH` is a statement of
    /// its own. Dropping the stream early rolls the cursor's transaction back (on a pool, the
    /// pooled connection discards the rest of the result before its next use). Inside a
    /// Query Service transaction, which has no savepoints, the cursor is declared in that
    /// transaction and closed once read ([`crate::cursor_pages`]).
    pub(crate) fn stream<'a, C>(
        &'a self,
        db: &'a C,
        filter: Condition,
        page_size: u64,
    ) -> impl Stream<Item = Result<E::Model, RepoError>> + 'a
    where
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        if self.profile.flavor.is_query_service() && in_query_service_transaction(db) {
            return self
                .stream_in_query_service_transaction(db, filter, page_size)
                .left_stream();
        }
        let one_query =
            !self.profile.flavor.is_query_service() && self.profile.call_timeout.is_none();
        // The cursor's pages are decoded while they arrive when its transaction is one of
        // sea-orm's (on a pool, or a savepoint of the caller's transaction).
        let by_source = match source_of(db) {
            Some(Source::Pool(conn)) if one_query => self.stream_query(conn, filter).left_stream(),
            Some(Source::Pool(conn)) => self
                .stream_cursor(conn, filter, page_size, Streamed)
                .left_stream()
                .right_stream(),
            Some(Source::Transaction(tx)) => self
                .stream_cursor(tx, filter, page_size, Streamed)
                .left_stream()
                .right_stream()
                .right_stream(),
            None => self
                .stream_cursor(db, filter, page_size, Whole)
                .right_stream()
                .right_stream()
                .right_stream(),
        };
        by_source.right_stream()
    }

    /// [`Repo::stream`] through a server-side cursor, its pages read by `pages`.
    fn stream_cursor<'a, C, P>(
        &'a self,
        db: &'a C,
        filter: Condition,
        page_size: u64,
        pages: P,
    ) -> impl Stream<Item = Result<E::Model, RepoError>> + 'a
    where
        C: ConnectionTrait + TransactionTrait,
        P: PageReader<C::Transaction> + Copy + 'a,
    {
        let size = page_size.clamp(1, self.profile.page_cap());
        let state = State {
            phase: Phase::<C::Transaction>::Start(filter),
            buffer: VecDeque::new(),
        };
        futures_util::stream::unfold(state, move |mut st| async move {
            loop {
                if let Some(item) = st.buffer.pop_front() {
                    return Some((Ok(item), st));
                }
                let step = match std::mem::replace(&mut st.phase, Phase::Done) {
                    Phase::Done => return None,
                    Phase::Start(filter) => self.open_cursor(db, filter).await.map(|(tx, name)| {
                        st.phase = Phase::Open { tx, name };
                    }),
                    Phase::Open { tx, name } => {
                        match pages.read(self, &tx, fetch(&name, size)).await {
                            Ok(rows) if (rows.len() as u64) < size => {
                                st.buffer.extend(rows);
                                self.profile.bounded(tx.commit()).await
                            }
                            Ok(rows) => {
                                st.buffer.extend(rows);
                                st.phase = Phase::Open { tx, name };
                                Ok(())
                            }
                            Err(e) => Err(e),
                        }
                    }
                };
                if let Err(e) = step {
                    st.buffer.clear();
                    return Some((Err(e), st));
                }
            }
        })
    }

    /// [`Repo::stream`] inside a Query Service transaction (see [`crate::cursor_pages`]).
    fn stream_in_query_service_transaction<'a, C: ConnectionTrait>(
        &'a self,
        db: &'a C,
        filter: Condition,
        page_size: u64,
    ) -> impl Stream<Item = Result<E::Model, RepoError>> + 'a {
        match self.cursor_select_sql(filter) {
            Ok(sql) => self
                .models_in_transaction(db, sql, page_size, has_nested::<E>())
                .left_stream(),
            Err(e) => futures_util::stream::once(std::future::ready(Err(e))).right_stream(),
        }
    }

    /// The select a cursor reads: every column, `filter`, in key order.
    fn cursor_select_sql(&self, filter: Condition) -> Result<String, RepoError> {
        let select = self.ordered(self.select().filter(filter));
        Ok(self.profile.statement(select.as_query())?.sql)
    }

    /// Every row matching `filter` through a cursor, collected.
    pub(crate) async fn find_through_cursor<C>(
        &self,
        db: &C,
        filter: Condition,
    ) -> Result<Vec<E::Model>, RepoError>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        use futures_util::TryStreamExt;
        if self.profile.flavor.is_query_service() && in_query_service_transaction(db) {
            let sql = self.cursor_select_sql(filter)?;
            let rows = self
                .cursor_rows(db, sql, has_nested::<E>(), Close::AfterLastPage)
                .await?;
            return self.decode_all(rows);
        }
        self.stream_cursor(db, filter, self.profile.page_cap(), Whole)
            .try_collect()
            .await
    }

    /// `BEGIN` (or a savepoint), then `DECLARE name CURSOR FOR <select in key order>`.
    async fn open_cursor<C>(
        &self,
        db: &C,
        filter: Condition,
    ) -> Result<(C::Transaction, String), RepoError>
    where
        C: ConnectionTrait + TransactionTrait,
    {
        let tx = self.profile.bounded(db.begin()).await?;
        let name = cursor_name();
        let select_sql = self.cursor_select_sql(filter)?;
        // On Query Service nested fields come back as JSON only with auto_to_json on; the
        // setting lives in the cursor's session, which is closed after use.
        let json = if self.profile.flavor.is_query_service() && has_nested::<E>() {
            "SET auto_to_json = true; "
        } else {
            ""
        };
        let declare = format!("{json}DECLARE {name} CURSOR FOR {select_sql}");
        self.profile
            .exec(&tx, Statement::from_string(DbBackend::Postgres, declare))
            .await?;
        Ok((tx, name))
    }
}

/// A new cursor name, unique within the process.
pub(crate) fn cursor_name() -> String {
    format!(
        "qsorm_cursor_{}",
        NEXT_CURSOR.fetch_add(1, Ordering::Relaxed)
    )
}

/// `FETCH size FROM name`.
fn fetch(name: &str, size: u64) -> Statement {
    Statement::from_string(DbBackend::Postgres, format!("FETCH {size} FROM {name}"))
}

/// How the pages of a cursor opened in a transaction of type `T` are read.
pub(crate) trait PageReader<T> {
    /// The models of one `FETCH`.
    fn read<'a, E: Table>(
        &'a self,
        repo: &'a Core<E>,
        tx: &'a T,
        fetch: Statement,
    ) -> impl Future<Output = Result<Vec<E::Model>, RepoError>> + 'a;
}

/// Any connection: the whole page, then decoded.
#[derive(Clone, Copy)]
struct Whole;

impl<T: ConnectionTrait> PageReader<T> for Whole {
    async fn read<'a, E: Table>(
        &'a self,
        repo: &'a Core<E>,
        tx: &'a T,
        fetch: Statement,
    ) -> Result<Vec<E::Model>, RepoError> {
        let rows = repo.profile.rows(tx, fetch).await?;
        repo.decode_all(rows)
    }
}

/// A sea-orm transaction: each row decoded as it arrives ([`crate::row_stream`]).
#[derive(Clone, Copy)]
struct Streamed;

impl PageReader<DatabaseTransaction> for Streamed {
    async fn read<'a, E: Table>(
        &'a self,
        repo: &'a Core<E>,
        tx: &'a DatabaseTransaction,
        fetch: Statement,
    ) -> Result<Vec<E::Model>, RepoError> {
        let rows = repo
            .profile
            .open_rows(Source::Transaction(tx), fetch)
            .await?;
        repo.decode_rows(rows).await
    }
}
