//! The advisory lock that serializes `migrate` runs on one database.
//!
//! A session-level `pg_advisory_lock` on a dedicated connection (not one of the pool's, so the
//! pool keeps all its connections for the migrations), held from before the history tables are
//! read until the run ends. A second run waits, then finds nothing pending. If the process dies,
//! PostgreSQL ends the session and the lock with it.

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Row};

/// The lock key: the bytes `qsormmig` (advisory locks are per database).
pub const LOCK_KEY: i64 = 0x7173_6f72_6d6d_6967;

/// A held advisory lock; [`AdvisoryLock::release`] it (dropping it closes the connection,
/// which releases it too, a little later).
#[derive(Debug)]
pub struct AdvisoryLock {
    conn: PgConnection,
}

impl AdvisoryLock {
    /// Takes the lock on `conn`, a dedicated connection (`QsConnection::connect_dedicated`);
    /// `on_wait` is called once if another session holds it (then this waits until it is
    /// released).
    pub async fn acquire(
        mut conn: PgConnection,
        on_wait: impl FnOnce(),
    ) -> Result<Self, sqlx::Error> {
        let row = sqlx::query("SELECT pg_try_advisory_lock($1) AS locked")
            .bind(LOCK_KEY)
            .fetch_one(&mut conn)
            .await?;
        if !row.try_get::<bool, _>("locked")? {
            on_wait();
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(LOCK_KEY)
                .execute(&mut conn)
                .await?;
        }
        Ok(AdvisoryLock { conn })
    }

    /// Releases the lock and closes its connection.
    pub async fn release(mut self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(LOCK_KEY)
            .execute(&mut self.conn)
            .await?;
        self.conn.close().await
    }
}
