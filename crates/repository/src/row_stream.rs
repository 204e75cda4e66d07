//! PostgreSQL reads decoded while their rows arrive.
//!
//! `query_all_raw` hands back a result only once all of it has arrived, so the client decodes
//! after the server is done. A row stream (sea-orm's `StreamTrait`, a sqlx `fetch` underneath)
//! lets the client decode each row while the server is still sending the next ones, and holds
//! one row (plus the socket's buffer) at a time instead of the whole wire result.
//!
//! sea-orm implements `StreamTrait` for `DatabaseConnection` and `DatabaseTransaction` only,
//! so the connection is recognised by type ([`source_of`], which needs `C: 'static`): a
//! PostgreSQL pool or a transaction on one, directly or inside `qsorm_connect`'s
//! `Executor` / `ExecutorTransaction`. `find` and `stream` (one query on a pool; each `FETCH`
//! of its cursor otherwise) read that way; anything else (a simple-protocol connection, Query
//! Service) reads each result whole, then decodes it.
//!
//! Every wait for the server is bounded by the profile's call timeout ([`Profile::bounded`]),
//! the statement is recorded, errors are classified; rows already in the socket's buffer are
//! taken without arming a timer.

use std::any::Any;
use std::pin::Pin;

use futures_util::{FutureExt, Stream, StreamExt, TryStreamExt};
use qsorm_connect::{Executor, ExecutorTransaction};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, QueryFilter,
    QueryResult, QueryTrait, Select, Statement, StreamTrait,
};

use crate::core::Core;
use crate::decode_check::DecodeChecks;
use crate::error::RepoError;
use crate::profile::Profile;
use crate::table::Table;

/// A connection whose rows can be streamed.
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    /// A PostgreSQL pool: the stream holds one pooled connection until it ends.
    Pool(&'a DatabaseConnection),
    /// A transaction: the stream holds the transaction's connection until it ends.
    Transaction(&'a DatabaseTransaction),
}

/// Rows of one statement as they arrive.
pub(crate) type Rows<'a> = Pin<Box<dyn Stream<Item = Result<QueryResult, DbErr>> + Send + 'a>>;

/// The streamable connection behind `db`, if it is one.
pub(crate) fn source_of<C: Any>(db: &C) -> Option<Source<'_>> {
    let any: &dyn Any = db;
    if let Some(conn) = any.downcast_ref::<DatabaseConnection>() {
        return pool(conn);
    }
    if let Some(tx) = any.downcast_ref::<DatabaseTransaction>() {
        return transaction(tx);
    }
    let executor = match any.downcast_ref::<qsorm_connect::QsConnection>() {
        Some(conn) => Some(conn.executor()),
        None => any.downcast_ref::<Executor>(),
    };
    match executor {
        Some(Executor::Bound(conn)) => return pool(conn),
        Some(Executor::Simple(_)) => return None,
        None => {}
    }
    match any.downcast_ref::<ExecutorTransaction>() {
        Some(ExecutorTransaction::Bound(tx)) => transaction(tx),
        _ => None,
    }
}

fn pool(conn: &DatabaseConnection) -> Option<Source<'_>> {
    let postgres = matches!(
        conn.inner,
        sea_orm::DatabaseConnectionType::SqlxPostgresPoolConnection(_)
    );
    postgres.then_some(Source::Pool(conn))
}

fn transaction(tx: &DatabaseTransaction) -> Option<Source<'_>> {
    let postgres = ConnectionTrait::get_database_backend(tx) == DbBackend::Postgres;
    postgres.then_some(Source::Transaction(tx))
}

impl Profile {
    /// Sends `stmt` (recorded; acquiring the connection bounded by the call timeout) and
    /// returns its rows as they arrive.
    pub(crate) async fn open_rows<'a>(
        &self,
        source: Source<'a>,
        stmt: Statement,
    ) -> Result<Rows<'a>, RepoError> {
        if let Some(recorder) = &self.recorder {
            recorder.push(&stmt.sql);
        }
        Ok(match source {
            Source::Pool(conn) => Box::pin(self.bounded(conn.stream_raw(stmt)).await?),
            Source::Transaction(tx) => Box::pin(self.bounded(tx.stream_raw(stmt)).await?),
        })
    }

    /// The next row: at once when it has already arrived, otherwise waited for under the
    /// call timeout.
    pub(crate) async fn next_row(
        &self,
        rows: &mut Rows<'_>,
    ) -> Result<Option<QueryResult>, RepoError> {
        match rows.next().now_or_never() {
            Some(ready) => ready.transpose().map_err(|e| self.classify(e)),
            None => self.bounded(rows.try_next()).await,
        }
    }
}

impl<E: Table> Core<E> {
    /// The models of `sel`, decoded while the rows arrive when `db` can stream them
    /// ([`source_of`]), otherwise read whole and decoded.
    pub(crate) async fn fetch_streamed<C: ConnectionTrait + Any>(
        &self,
        db: &C,
        sel: Select<E>,
    ) -> Result<Vec<E::Model>, RepoError> {
        let Some(source) = source_of(db) else {
            return self.fetch(db, sel).await;
        };
        let stmt = self.profile.statement(sel.as_query())?;
        let rows = self.profile.open_rows(source, stmt).await?;
        self.decode_rows(rows).await
    }

    /// The models of `rows`, each decoded (and checked) as it arrives.
    pub(crate) async fn decode_rows(&self, mut rows: Rows<'_>) -> Result<Vec<E::Model>, RepoError> {
        let mut models = Vec::new();
        let mut checks = None;
        while let Some(row) = self.profile.next_row(&mut rows).await? {
            let checks = checks.get_or_insert_with(|| DecodeChecks::for_row(&row));
            models.push(self.decode_checked(checks, &row)?);
        }
        Ok(models)
    }

    /// Every row matching `filter` in key order from one streaming query on a pool: one
    /// snapshot, every row once whatever the key, memory bounded by the socket's
    /// backpressure (the server waits while the caller has not taken the rows).
    pub(crate) fn stream_query<'a>(
        &'a self,
        conn: &'a DatabaseConnection,
        filter: Condition,
    ) -> impl Stream<Item = Result<E::Model, RepoError>> + 'a {
        enum Phase<'a> {
            Start(Condition),
            Open(Rows<'a>, Option<DecodeChecks>),
            Done,
        }
        futures_util::stream::unfold(Phase::Start(filter), move |phase| async move {
            let (mut rows, mut checks) = match phase {
                Phase::Done => return None,
                Phase::Open(rows, checks) => (rows, checks),
                Phase::Start(filter) => {
                    let select = self.ordered(self.select().filter(filter));
                    let opened = match self.profile.statement(select.as_query()) {
                        Ok(stmt) => self.profile.open_rows(Source::Pool(conn), stmt).await,
                        Err(e) => Err(e),
                    };
                    match opened {
                        Ok(rows) => (rows, None),
                        Err(e) => return Some((Err(e), Phase::Done)),
                    }
                }
            };
            match self.profile.next_row(&mut rows).await {
                Ok(Some(row)) => {
                    let check = checks.get_or_insert_with(|| DecodeChecks::for_row(&row));
                    match self.decode_checked(check, &row) {
                        Ok(model) => Some((Ok(model), Phase::Open(rows, checks))),
                        Err(e) => Some((Err(e), Phase::Done)),
                    }
                }
                Ok(None) => None,
                Err(e) => Some((Err(e), Phase::Done)),
            }
        })
    }
}
