//! A sea-orm `ConnectionTrait` that speaks only the simple query protocol, like psql and
//! psycopg2: bind values are inlined as literals by qsorm's renderer ([`crate::literal`], for
//! the connection's [`Flavor`]) through the token-aware placeholder inliner
//! ([`crate::placeholders`]), and every statement travels as one `Query` message.
//!
//! Why: sqlx prepares every bound statement as a *named* server-side statement, even with the
//! statement cache off, and sends Parse/Describe and Bind/Execute in two synchronisation
//! rounds. Query Service does not document the extended protocol, and a pooler in transaction
//! mode hands the second round to another server connection. The simple protocol has neither
//! problem: one message, one implicit transaction, no server-side state.
//!
//! A value that has no literal (a NUL character) or placeholders that do not fit the values
//! fail the call before anything is sent, with a `DbErr` carrying the typed
//! [`crate::literal::InlineError`] (get it back with [`crate::literal::inline_error`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use futures_util::TryStreamExt;
use sea_orm::{
    AccessMode, ConnectionTrait, DbBackend, DbErr, ExecResult, IsolationLevel, QueryResult,
    RuntimeErr, Statement, TransactionError, TransactionSession,
};
use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};
use tokio::sync::Mutex;

use crate::Flavor;

fn db_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)))
}

/// The SQL of a statement with its values inlined as `flavor`'s literals. A statement without
/// values (`Statement::from_string`) is sent as it is.
fn inline(stmt: &Statement, flavor: Flavor) -> Result<String, DbErr> {
    match &stmt.values {
        None => Ok(stmt.sql.clone()),
        Some(values) => Ok(crate::literal::inline(&stmt.sql, &values.0, flavor)?),
    }
}

/// A pool that runs every statement over the simple query protocol.
#[derive(Debug, Clone)]
pub struct SimpleConnection {
    pool: PgPool,
    flavor: Flavor,
}

impl SimpleConnection {
    /// Wraps a pool of a PostgreSQL server (values inlined as PostgreSQL literals).
    pub fn new(pool: PgPool) -> SimpleConnection {
        SimpleConnection::with_flavor(pool, Flavor::Postgres)
    }

    /// Wraps a pool of a `flavor` server: values are inlined as that flavor's literals.
    /// [`crate::QsConnection::simple`] passes the connection's flavor.
    pub fn with_flavor(pool: PgPool, flavor: Flavor) -> SimpleConnection {
        SimpleConnection { pool, flavor }
    }

    /// The flavor values are inlined for.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }
}

async fn fetch<'c, E>(executor: E, sql: String) -> Result<Vec<QueryResult>, DbErr>
where
    E: sqlx::Executor<'c, Database = Postgres>,
{
    let rows: Vec<sqlx::postgres::PgRow> = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .fetch(executor)
        .try_collect()
        .await
        .map_err(db_err)?;
    Ok(rows.into_iter().map(QueryResult::from).collect())
}

async fn run<'c, E>(executor: E, sql: String) -> Result<ExecResult, DbErr>
where
    E: sqlx::Executor<'c, Database = Postgres>,
{
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(executor)
        .await
        .map(ExecResult::from)
        .map_err(db_err)
}

#[async_trait::async_trait]
impl ConnectionTrait for SimpleConnection {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        run(&self.pool, inline(&stmt, self.flavor)?).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        run(&self.pool, sql.to_owned()).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        Ok(fetch(&self.pool, inline(&stmt, self.flavor)?)
            .await?
            .into_iter()
            .next())
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        fetch(&self.pool, inline(&stmt, self.flavor)?).await
    }
}

fn begin_sql(isolation: Option<IsolationLevel>, access: Option<AccessMode>) -> String {
    let mut sql = "BEGIN".to_owned();
    if let Some(level) = isolation {
        sql.push_str(&format!(" ISOLATION LEVEL {level}"));
    }
    if let Some(mode) = access {
        sql.push_str(&format!(" {mode}"));
    }
    sql
}

/// Implements `TransactionTrait` for `$ty` from one `begin_with_config` body; the other
/// methods derive from it (savepoints ignore isolation and access mode).
macro_rules! transaction_trait {
    ($ty:ty => $tx:ty, |$this:ident, $isolation:ident, $access:ident| $begin:block) => {
        #[async_trait::async_trait]
        impl sea_orm::TransactionTrait for $ty {
            type Transaction = $tx;

            async fn begin(&self) -> Result<$tx, sea_orm::DbErr> {
                self.begin_with_config(None, None).await
            }

            async fn begin_with_config(
                &self,
                $isolation: Option<sea_orm::IsolationLevel>,
                $access: Option<sea_orm::AccessMode>,
            ) -> Result<$tx, sea_orm::DbErr> {
                let $this = self;
                $begin
            }

            async fn begin_with_options(
                &self,
                options: sea_orm::TransactionOptions,
            ) -> Result<$tx, sea_orm::DbErr> {
                self.begin_with_config(options.isolation_level, options.access_mode)
                    .await
            }

            async fn transaction<F, T, E>(
                &self,
                callback: F,
            ) -> Result<T, sea_orm::TransactionError<E>>
            where
                F: for<'c> FnOnce(
                        &'c $tx,
                    ) -> std::pin::Pin<
                        Box<dyn Future<Output = Result<T, E>> + Send + 'c>,
                    > + Send,
                T: Send,
                E: std::fmt::Display + std::fmt::Debug + Send,
            {
                self.transaction_with_config(callback, None, None).await
            }

            async fn transaction_with_config<F, T, E>(
                &self,
                callback: F,
                isolation_level: Option<sea_orm::IsolationLevel>,
                access_mode: Option<sea_orm::AccessMode>,
            ) -> Result<T, sea_orm::TransactionError<E>>
            where
                F: for<'c> FnOnce(
                        &'c $tx,
                    ) -> std::pin::Pin<
                        Box<dyn Future<Output = Result<T, E>> + Send + 'c>,
                    > + Send,
                T: Send,
                E: std::fmt::Display + std::fmt::Debug + Send,
            {
                let tx = self
                    .begin_with_config(isolation_level, access_mode)
                    .await
                    .map_err(sea_orm::TransactionError::Connection)?;
                $crate::simple::run_callback(tx, callback).await
            }
        }
    };
}
pub(crate) use transaction_trait;

transaction_trait!(SimpleConnection => SimpleTransaction, |this, isolation, access| {
    let mut conn = this.pool.acquire().await.map_err(db_err)?;
    run(&mut *conn, begin_sql(isolation, access)).await?;
    Ok(SimpleTransaction {
        conn: Arc::new(Mutex::new(Some(conn))),
        flavor: this.flavor,
        depth: 0,
        savepoints: Arc::new(AtomicU32::new(0)),
        abandoned: Arc::default(),
        finished: false,
    })
});

transaction_trait!(SimpleTransaction => SimpleTransaction, |this, _isolation, _access| {
    let depth = this.savepoints.fetch_add(1, Ordering::SeqCst) + 1;
    let mut nested = SimpleTransaction {
        conn: this.conn.clone(),
        flavor: this.flavor,
        depth,
        savepoints: this.savepoints.clone(),
        abandoned: this.abandoned.clone(),
        finished: false,
    };
    let sql = format!("SAVEPOINT {}", nested.savepoint_name());
    if let Err(e) = this.with_conn(|c| Box::pin(run(c, sql))).await {
        // No savepoint was made: nothing to undo when `nested` is dropped.
        nested.finished = true;
        return Err(e);
    }
    Ok(nested)
});

/// A transaction (or, nested, a savepoint) on one pooled connection, simple protocol only.
/// Dropped without `commit`/`rollback` (or cancelled), a top-level transaction's connection is
/// closed rather than returned to the pool, so the server rolls the work back; a nested one is
/// rolled back to its savepoint before the next statement of its parent runs, so its writes
/// never commit with the parent's.
#[derive(Debug)]
pub struct SimpleTransaction {
    conn: Arc<Mutex<Option<PoolConnection<Postgres>>>>,
    flavor: Flavor,
    depth: u32,
    savepoints: Arc<AtomicU32>,
    /// Savepoints of nested transactions dropped unfinished, innermost first: rolled back on
    /// the connection before anything else runs on it.
    abandoned: Arc<std::sync::Mutex<Vec<String>>>,
    finished: bool,
}

impl SimpleTransaction {
    async fn with_conn<T, F>(&self, f: F) -> Result<T, DbErr>
    where
        F: for<'a> FnOnce(
            &'a mut sqlx::PgConnection,
        )
            -> std::pin::Pin<Box<dyn Future<Output = Result<T, DbErr>> + Send + 'a>>,
    {
        let mut guard = self.conn.lock().await;
        let conn = guard
            .as_mut()
            .ok_or_else(|| DbErr::Custom("the transaction is already finished".into()))?;
        let abandoned = std::mem::take(
            &mut *self
                .abandoned
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for name in abandoned {
            run(
                &mut **conn,
                format!("ROLLBACK TO SAVEPOINT {name}; RELEASE SAVEPOINT {name}"),
            )
            .await?;
        }
        f(conn).await
    }

    fn savepoint_name(&self) -> String {
        format!("qsorm_sp_{}", self.depth)
    }

    async fn finish(mut self, commit: bool) -> Result<(), DbErr> {
        let name = self.savepoint_name();
        let sql = match (self.depth, commit) {
            (0, true) => "COMMIT".to_owned(),
            (0, false) => "ROLLBACK".to_owned(),
            (_, true) => format!("RELEASE SAVEPOINT {name}"),
            (_, false) => format!("ROLLBACK TO SAVEPOINT {name}; RELEASE SAVEPOINT {name}"),
        };
        // Cancelled before the statement completes, `Drop` still undoes the work: `finished`
        // is set only once the outcome is settled.
        let result = self.with_conn(|c| Box::pin(run(c, sql))).await.map(|_| ());
        if self.depth == 0 {
            let mut guard = self.conn.lock().await;
            if let Some(mut conn) = guard.take()
                && result.is_err()
            {
                conn.close_on_drop();
            }
            self.finished = true;
        } else {
            // A failed RELEASE leaves the savepoint open: `Drop` queues its rollback.
            self.finished = result.is_ok();
        }
        result
    }
}

/// Runs `callback` inside `tx`: commit on `Ok`, rollback on `Err`.
pub(crate) async fn run_callback<Tx, F, T, E>(tx: Tx, callback: F) -> Result<T, TransactionError<E>>
where
    Tx: TransactionSession + Send + Sync,
    F: for<'c> FnOnce(&'c Tx) -> std::pin::Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
        + Send,
    T: Send,
    E: std::fmt::Display + std::fmt::Debug + Send,
{
    let outcome = callback(&tx).await;
    match outcome {
        Ok(value) => {
            tx.commit().await.map_err(TransactionError::Connection)?;
            Ok(value)
        }
        Err(e) => {
            tx.rollback().await.map_err(TransactionError::Connection)?;
            Err(TransactionError::Transaction(e))
        }
    }
}

impl SimpleTransaction {
    /// The flavor values are inlined for (the connection's it was begun on).
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }
}

impl Drop for SimpleTransaction {
    fn drop(&mut self) {
        if !self.finished && self.depth > 0 {
            // Unfinished savepoint: undo it before the parent's next statement (or its commit).
            self.abandoned
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(self.savepoint_name());
        }
        if !self.finished && self.depth == 0 {
            // Unfinished: never hand a connection with an open transaction back to the pool.
            if let Ok(mut guard) = self.conn.try_lock()
                && let Some(mut conn) = guard.take()
            {
                conn.close_on_drop();
            }
        }
    }
}

#[async_trait::async_trait]
impl TransactionSession for SimpleTransaction {
    async fn commit(self) -> Result<(), DbErr> {
        self.finish(true).await
    }

    async fn rollback(self) -> Result<(), DbErr> {
        self.finish(false).await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for SimpleTransaction {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let sql = inline(&stmt, self.flavor)?;
        self.with_conn(|c| Box::pin(run(c, sql))).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let sql = sql.to_owned();
        self.with_conn(|c| Box::pin(run(c, sql))).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        Ok(self.query_all_raw(stmt).await?.into_iter().next())
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let sql = inline(&stmt, self.flavor)?;
        self.with_conn(|c| Box::pin(fetch(c, sql))).await
    }
}
