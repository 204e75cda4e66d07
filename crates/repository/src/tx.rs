//! `transaction(db, async |tx| ...)`: commit on `Ok`, roll back on `Err` and on panic.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use sea_orm::TransactionSession;

use crate::connection::RepoConnection;
use crate::error::RepoError;

/// Runs `work` in a transaction: committed when it returns `Ok`, rolled back when it returns
/// `Err` or panics (the panic then continues). Works on a pool or, as a savepoint, inside
/// another transaction. `work` is an async closure borrowing the transaction; repositories
/// join it with [`Repo::on`](crate::Repo::on):
///
/// ```no_run
/// # async fn demo<E: qsorm_repository::Table>(conn: &qsorm_connect::QsConnection) -> Result<(), qsorm_repository::RepoError> {
/// use qsorm_repository::{ConnectionExt, transaction};
/// use sea_orm::Condition;
///
/// let repo = conn.repo::<E>();
/// let moved = transaction(conn, async |tx| {
///     let n = repo.on(tx).count(Condition::all()).await?;
///     repo.on(tx).delete_many(Condition::all()).await?;
///     Ok(n)
/// })
/// .await?;
/// # Ok(()) }
/// ```
///
/// The error `work` returns is the one you get, even when the rollback fails too. After a
/// connection-level error ([`RepoError::Connection`]: the link was cut or stalled, the
/// session was terminated) no `ROLLBACK` is sent, as it would wait on the same dead link:
/// the transaction is dropped, and sea-orm rolls it back on the connection's next use, or
/// the server does when the session ends.
pub async fn transaction<C, T, F>(db: &C, work: F) -> Result<T, RepoError>
where
    C: RepoConnection,
    F: AsyncFnOnce(&C::Transaction) -> Result<T, RepoError>,
{
    // `BEGIN`, `COMMIT` and `ROLLBACK` are round trips like any other: bounded by the
    // connection's call timeout and classified with its error context.
    let profile = db.profile();
    let tx = profile.bounded(db.begin()).await?;
    let outcome = AssertUnwindSafe(work(&tx)).catch_unwind().await;
    match outcome {
        Ok(Ok(value)) => {
            profile.bounded(tx.commit()).await?;
            Ok(value)
        }
        Ok(Err(err)) if matches!(err, RepoError::Connection(_)) => {
            drop(tx);
            Err(err)
        }
        Ok(Err(err)) => {
            if let Err(e) = profile.bounded(tx.rollback()).await {
                tracing::warn!(error = %e, "rollback after {err}");
            }
            Err(err)
        }
        Err(panic) => {
            let _ = profile.bounded(tx.rollback()).await;
            std::panic::resume_unwind(panic)
        }
    }
}
