//! [`Repo`]: typed CRUD for one entity, bound to the connection it runs on.

use futures_util::Stream;
use sea_orm::sea_query::Condition;
use sea_orm::{ActiveModelTrait, ConnectionTrait, PrimaryKeyTrait, TransactionTrait, TryIntoModel};

use crate::bulk::ConflictTarget;
use crate::connection::RepoConnection;
use crate::core::Core;
use crate::error::RepoError;
use crate::profile::{Profile, Recorder};
use crate::read::{KeyOf, KeysetPage, Page};
use crate::table::Table;

/// Typed CRUD for entity `E` on the connection `C` it was made on: the connection fixes the
/// flavor, the wire path and the error context, so they cannot disagree.
///
/// Get one from the connection (`conn.repo::<E>()`, [`crate::ConnectionExt`]) or with
/// [`Repo::new`] on any sea-orm connection qsorm knows ([`RepoConnection`]); use it inside a
/// transaction with [`Repo::on`].
///
/// ```no_run
/// # async fn demo<E: qsorm_repository::Table>(conn: &qsorm_connect::QsConnection) -> Result<(), qsorm_repository::RepoError> {
/// use qsorm_repository::{ConnectionExt, transaction};
/// use sea_orm::Condition;
///
/// let repo = conn.repo::<E>();
/// let n = repo.count(Condition::all()).await?;
/// transaction(conn, async |tx| repo.on(tx).delete_many(Condition::all()).await).await?;
/// # Ok(()) }
/// ```
pub struct Repo<'c, E: Table, C = qsorm_connect::QsConnection> {
    pub(crate) db: &'c C,
    pub(crate) core: Core<E>,
}

impl<E: Table, C> Clone for Repo<'_, E, C> {
    fn clone(&self) -> Self {
        Repo {
            db: self.db,
            core: self.core.clone(),
        }
    }
}

impl<E: Table, C> std::fmt::Debug for Repo<'_, E, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("entity", &self.core.table_name())
            .field("profile", &self.core.profile)
            .finish_non_exhaustive()
    }
}

impl<'c, E: Table, C: RepoConnection> Repo<'c, E, C> {
    /// A repository for `E` on `db`, its profile taken from the connection
    /// ([`RepoConnection::profile`]).
    pub fn new(db: &'c C) -> Repo<'c, E, C> {
        let mut profile = db.profile();
        if !E::COMPOSITE_TYPES.is_empty() {
            profile.composites = profile.composites.with(E::COMPOSITE_TYPES);
        }
        Repo {
            db,
            core: Core::new(profile),
        }
    }
}

impl<'c, E: Table, C> Repo<'c, E, C> {
    /// The same repository inside `tx`, a transaction opened on this repository's connection
    /// (with [`crate::transaction`] or sea-orm's `begin`): same profile, every call in `tx`.
    pub fn on<'t>(&self, tx: &'t C::Transaction) -> Repo<'t, E, C::Transaction>
    where
        C: TransactionTrait,
    {
        Repo {
            db: tx,
            core: self.core.clone(),
        }
    }

    /// The connection the repository runs on.
    pub fn connection(&self) -> &'c C {
        self.db
    }

    /// The profile in use (flavor, wire mode, caps, timeouts).
    pub fn profile(&self) -> &Profile {
        &self.core.profile
    }

    /// Records every statement the repository sends (for audits and tests).
    pub fn with_recorder(mut self, recorder: Recorder) -> Self {
        self.core.profile = self.core.profile.with_recorder(recorder);
        self
    }

    /// Rows per statement in `insert_many` (see [`Profile::with_bulk_chunk`]).
    pub fn with_bulk_chunk(mut self, rows: usize) -> Self {
        self.core.profile = self.core.profile.with_bulk_chunk(rows);
        self
    }

    /// The size cap of each Query Service insert statement (see
    /// [`Profile::with_statement_cap`]).
    pub fn with_statement_cap(mut self, bytes: usize) -> Self {
        self.core.profile = self.core.profile.with_statement_cap(bytes);
        self
    }

    /// A client-side bound on each round trip (see [`Profile::with_call_timeout`]).
    pub fn with_call_timeout(mut self, limit: Option<std::time::Duration>) -> Self {
        self.core.profile = self.core.profile.with_call_timeout(limit);
        self
    }

    /// The Query Service `INSERT INTO t SELECT inline(array(...))` statements for a batch
    /// into the entity's table, each at most the profile's statement cap long (default
    /// [`MAX_STATEMENT_BYTES`](crate::MAX_STATEMENT_BYTES)) and
    /// [`MAX_ROWS_PER_STATEMENT`](crate::MAX_ROWS_PER_STATEMENT) rows. [`RepoError::InvalidInput`] names the column of a
    /// value no literal can carry (a NUL character, a year outside 1..=9999);
    /// [`RepoError::StatementTooLarge`] names a row too large for any statement.
    /// Nothing is sent: this is the text `insert_many` would send on Query Service.
    pub fn query_service_insert_sql<A>(&self, models: &[A]) -> Result<Vec<String>, RepoError>
    where
        A: ActiveModelTrait<Entity = E>,
    {
        self.core.query_service_insert_sql(models)
    }

    fn writable(&self, operation: &'static str) -> Result<(), RepoError> {
        if E::READ_ONLY {
            return Err(RepoError::ReadOnly {
                entity: self.core.table_name(),
                operation,
            });
        }
        Ok(())
    }
}

impl<'c, E, C> Repo<'c, E, C>
where
    E: Table,
    C: ConnectionTrait + TransactionTrait + 'static,
{
    /// The row with this primary key, if any.
    pub async fn get(
        &self,
        key: <E::PrimaryKey as PrimaryKeyTrait>::ValueType,
    ) -> Result<Option<E::Model>, RepoError> {
        self.core.get(self.db, key).await
    }

    /// The row with this primary key, or [`RepoError::NotFound`].
    pub async fn get_required(
        &self,
        key: <E::PrimaryKey as PrimaryKeyTrait>::ValueType,
    ) -> Result<E::Model, RepoError> {
        self.core.get_required(self.db, key).await
    }

    /// Every row matching `filter`, in primary-key order. On PostgreSQL one query; on Query
    /// Service a server-side cursor read in pages under the 50,000-row client cap (see
    /// [`Repo::stream`]), so every row comes back whatever the entity's key.
    ///
    /// On a PostgreSQL pool or a transaction on one (a `QsConnection`,
    /// `DatabaseConnection`, `Executor`, and their transactions) each row is
    /// decoded as it arrives, while the server sends the next ones. Other connections read the whole result, then decode it.
    pub async fn find(&self, filter: Condition) -> Result<Vec<E::Model>, RepoError> {
        self.core.find(self.db, filter).await
    }

    /// The first row matching `filter` in primary-key order.
    pub async fn first(&self, filter: Condition) -> Result<Option<E::Model>, RepoError> {
        self.core.first(self.db, filter).await
    }

    /// Number of rows matching `filter`.
    pub async fn count(&self, filter: Condition) -> Result<u64, RepoError> {
        self.core.count(self.db, filter).await
    }

    /// Whether any row matches `filter`.
    pub async fn exists(&self, filter: Condition) -> Result<bool, RepoError> {
        self.core.exists(self.db, filter).await
    }

    /// Offset pagination in primary-key order (`page` counts from 0).
    pub async fn page(
        &self,
        filter: Condition,
        page: u64,
        per_page: u64,
    ) -> Result<Page<E::Model>, RepoError> {
        self.core.page(self.db, filter, page, per_page).await
    }

    /// Keyset pagination: up to `limit` rows after the cursor `after` (primary-key order).
    /// Stable under concurrent inserts and O(limit) at any depth, unlike offsets.
    ///
    /// Needs a unique key: when the key is not unique (a view, a table keyed by its first
    /// column) and a run of equal keys crosses the page boundary, the next page would lose
    /// rows, so this returns [`RepoError::KeyNotUnique`] instead. [`Repo::stream`] and
    /// [`Repo::find`] read every row whatever the key.
    ///
    /// The cursor is the entity's primary-key value (`i64`, `String`, a tuple for a
    /// composite key), as `get` takes it.
    pub async fn keyset(
        &self,
        filter: Condition,
        after: Option<KeyOf<E>>,
        limit: u64,
    ) -> Result<KeysetPage<E::Model, KeyOf<E>>, RepoError> {
        self.core.keyset(self.db, filter, after, limit).await
    }

    /// Streams every row matching `filter` in primary-key order, in constant memory, every
    /// row exactly once even when the entity's key is not unique (views, tables keyed by
    /// their first column), the rows one consistent snapshot.
    ///
    /// On a PostgreSQL pool (a `QsConnection`, `DatabaseConnection` or `Executor`) whose profile
    /// has no call timeout, one streaming query: rows are decoded as they arrive and the
    /// server waits while the caller has not taken them (socket backpressure), so memory
    /// stays bounded; `page_size` is not used.
    ///
    /// Otherwise a server-side cursor (`DECLARE` / `FETCH`, `page_size` rows per round trip,
    /// capped under Query Service's 50,000-row limit) in a transaction of its own (a
    /// savepoint when the repository is [on](Repo::on) a transaction): inside a caller's transaction, because the
    /// caller may use the transaction between two rows; with a call timeout (the connection
    /// has a `statement_timeout`), because one query would have to end within the statement
    /// timeout however slowly the caller takes the rows, while each `FETCH` is a statement of
    /// its own. Dropping the stream early rolls the cursor's transaction back (on a pool, the
    /// pooled connection discards the rest of the result before its next use).
    ///
    /// The stream borrows the connection only, not the repository: it can outlive
    /// `conn.repo::<E>()` as a temporary and be returned from a function.
    pub fn stream(
        &self,
        filter: Condition,
        page_size: u64,
    ) -> impl Stream<Item = Result<E::Model, RepoError>> + use<'c, E, C> {
        let core = self.core.clone();
        let db = self.db;
        async_stream::stream! {
            let rows = core.stream(db, filter, page_size);
            futures_util::pin_mut!(rows);
            while let Some(row) = futures_util::StreamExt::next(&mut rows).await {
                yield row;
            }
        }
    }

    /// Inserts one row and returns it as stored (defaults and identities filled in).
    ///
    /// On PostgreSQL one statement, `INSERT ... RETURNING <every column>`, with no
    /// transaction or savepoint around it (it is atomic by itself). Inside a transaction a
    /// failed insert aborts that transaction, as any failed statement does; wrap it in a
    /// nested [`crate::transaction`] (a savepoint) to go on after an expected failure.
    /// A constraint error names row 0.
    ///
    /// On Query Service: `INSERT INTO t SELECT ...` (it has no `VALUES` and no `RETURNING`),
    /// returning the model built from the given values.
    ///
    /// On a read-only entity ([`Table::READ_ONLY`]) it is [`RepoError::ReadOnly`], before any
    /// round trip.
    pub async fn insert<A>(&self, model: A) -> Result<E::Model, RepoError>
    where
        A: ActiveModelTrait<Entity = E> + TryIntoModel<E::Model> + Send,
    {
        self.writable("insert")?;
        self.core.insert(self.db, model).await
    }

    /// Updates the row identified by the model's primary key with the fields it sets, and
    /// returns the row as stored (one statement, `UPDATE ... RETURNING`).
    /// [`RepoError::NotFound`] when no row has that key.
    ///
    /// On a read-only entity ([`Table::READ_ONLY`]) it is [`RepoError::ReadOnly`], before any
    /// round trip.
    pub async fn update<A>(&self, model: A) -> Result<E::Model, RepoError>
    where
        A: ActiveModelTrait<Entity = E> + Send,
    {
        self.writable("update")?;
        self.core.update(self.db, model).await
    }

    /// Sets the fields `set` sets on every row matching `filter`; returns the number of rows.
    ///
    /// On a read-only entity ([`Table::READ_ONLY`]) it is [`RepoError::ReadOnly`], before any
    /// round trip.
    pub async fn update_many<A>(&self, filter: Condition, set: A) -> Result<u64, RepoError>
    where
        A: ActiveModelTrait<Entity = E> + Send,
    {
        self.writable("update_many")?;
        self.core.update_many(self.db, filter, set).await
    }

    /// Deletes the row with this key; returns whether a row was deleted.
    ///
    /// On a read-only entity ([`Table::READ_ONLY`]) it is [`RepoError::ReadOnly`], before any
    /// round trip.
    pub async fn delete(
        &self,
        key: <E::PrimaryKey as PrimaryKeyTrait>::ValueType,
    ) -> Result<bool, RepoError> {
        self.writable("delete")?;
        self.core.delete(self.db, key).await
    }

    /// Deletes every row matching `filter`; returns the number of rows.
    ///
    /// On a read-only entity ([`Table::READ_ONLY`]) it is [`RepoError::ReadOnly`], before any
    /// round trip.
    pub async fn delete_many(&self, filter: Condition) -> Result<u64, RepoError> {
        self.writable("delete_many")?;
        self.core.delete_many(self.db, filter).await
    }

    /// Inserts any number of rows in one transaction (all or nothing) and returns how many.
    /// A constraint error names the constraint and the row's index in the batch.
    ///
    /// On PostgreSQL, when the repository is on a pool (a `QsConnection`, `DatabaseConnection` or `Executor`), the rows
    /// travel as `COPY t (cols) FROM STDIN` in one transaction on a pooled connection; when
    /// that fails, or inside a transaction, or for composite columns: `UNNEST` chunks
    /// (see the crate's README, "Bulk writes").     /// On Query Service: `INSERT INTO t SELECT inline(array(struct(...), ...))` statements.
    ///
    /// On a read-only entity ([`Table::READ_ONLY`]) it is [`RepoError::ReadOnly`], before any
    /// round trip.
    pub async fn insert_many<A>(&self, models: Vec<A>) -> Result<u64, RepoError>
    where
        A: ActiveModelTrait<Entity = E>,
    {
        self.writable("insert_many")?;
        self.core.insert_many(self.db, models).await
    }

    /// Inserts a row, or updates it when it conflicts on `target`; returns the stored row.
    ///
    /// On a read-only entity ([`Table::READ_ONLY`]) it is [`RepoError::ReadOnly`], before any
    /// round trip.
    pub async fn upsert<A>(
        &self,
        model: A,
        target: ConflictTarget<E::Column>,
    ) -> Result<E::Model, RepoError>
    where
        A: ActiveModelTrait<Entity = E>,
    {
        self.writable("upsert")?;
        self.core.upsert(self.db, model, target).await
    }

    /// Upserts any number of rows in one transaction; returns how many were written. On a
    /// pool: COPY into a temporary staging table, then `INSERT ... SELECT ... ON CONFLICT`;
    /// on failure, inside a transaction, or with `save_as` conversions: `UNNEST` chunks.
    ///
    /// On a read-only entity ([`Table::READ_ONLY`]) it is [`RepoError::ReadOnly`], before any
    /// round trip.
    pub async fn upsert_many<A>(
        &self,
        models: Vec<A>,
        target: ConflictTarget<E::Column>,
    ) -> Result<u64, RepoError>
    where
        A: ActiveModelTrait<Entity = E>,
    {
        self.writable("upsert_many")?;
        self.core.upsert_many(self.db, models, target).await
    }
}
