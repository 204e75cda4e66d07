//! Server-side cursors: one query, one snapshot, every row whatever the entity's key.
//!
//! `stream` (and `find` on Query Service, which must stay under the 50,000-row client cap)
//! read through `DECLARE name CURSOR FOR <select>` and `FETCH n FROM name` inside a
//! transaction (a savepoint when the caller is already in one). Unlike keyset pages, a cursor
//! needs no unique key, scans once (Query Service datasets have no indexes: every keyset page
//! is a scan) and sees one snapshot. Both PostgreSQL and Query Service document these
//! statements.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::Stream;
use sea_orm::sea_query::Condition;
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, Statement,
    TransactionSession, TransactionTrait,
};

use crate::error::RepoError;
use crate::nested::has_nested;
use crate::repo::Repo;

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

impl<E: EntityTrait> Repo<E> {
    /// Streams every row matching `filter` in primary-key order, `page_size` rows per round
    /// trip (capped under Query Service's 50,000-row limit), in constant memory.
    ///
    /// Reads through a server-side cursor (`DECLARE` / `FETCH`) in a transaction of its own
    /// (a savepoint when `db` is a transaction), so every row comes back exactly once even when
    /// the entity's key is not unique (views, tables keyed by their first column), and the
    /// rows are one consistent snapshot. Dropping the stream early rolls the cursor's
    /// transaction back.
    pub fn stream<'a, C>(
        &'a self,
        db: &'a C,
        filter: Condition,
        page_size: u64,
    ) -> impl Stream<Item = Result<E::Model, RepoError>> + 'a
    where
        C: ConnectionTrait + TransactionTrait,
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
                    Phase::Open { tx, name } => match self.fetch_cursor(&tx, &name, size).await {
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
                    },
                };
                if let Err(e) = step {
                    st.buffer.clear();
                    return Some((Err(e), st));
                }
            }
        })
    }

    /// Every row matching `filter` through a cursor, collected.
    pub(crate) async fn find_through_cursor<C>(
        &self,
        db: &C,
        filter: Condition,
    ) -> Result<Vec<E::Model>, RepoError>
    where
        C: ConnectionTrait + TransactionTrait,
    {
        use futures_util::TryStreamExt;
        self.stream(db, filter, self.profile.page_cap())
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
        let name = format!(
            "qsorm_cursor_{}",
            NEXT_CURSOR.fetch_add(1, Ordering::Relaxed)
        );
        let select = self.ordered(self.select().filter(filter));
        let mut stmt = self.profile.statement(select.as_query())?;
        // On Query Service nested fields come back as JSON only with auto_to_json on; the
        // setting lives in the cursor's session, which is closed after use.
        let json = if self.profile.flavor.is_query_service() && has_nested::<E>() {
            "SET auto_to_json = true; "
        } else {
            ""
        };
        stmt.sql = format!("{json}DECLARE {name} CURSOR FOR {}", stmt.sql);
        self.profile.exec(&tx, stmt).await?;
        Ok((tx, name))
    }

    async fn fetch_cursor<T: ConnectionTrait>(
        &self,
        tx: &T,
        name: &str,
        size: u64,
    ) -> Result<Vec<E::Model>, RepoError> {
        let fetch =
            Statement::from_string(DbBackend::Postgres, format!("FETCH {size} FROM {name}"));
        let rows = self.profile.rows(tx, fetch).await?;
        self.decode_all(rows)
    }
}
