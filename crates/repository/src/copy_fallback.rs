//! What a failed COPY hands back: the batch's rows, so the `UNNEST` path can run it again
//! (the COPY path moves values out of the models rather than cloning them).

use std::sync::Arc;

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, TransactionTrait};

use crate::bulk::ConflictTarget;
use crate::copy_encode::Piece;
use crate::core::Core;
use crate::error::RepoError;
use crate::rows::{Groups, take_rows};
use crate::table::Table;

/// A COPY that failed, with the batch's rows: the values moved out of the first `taken`
/// models are in `kept`; the other models still hold theirs.
pub(crate) struct CopyFailed<C> {
    /// Why it failed.
    pub err: RepoError,
    /// The pieces sent, in batch order.
    pub kept: Vec<Arc<Piece<C>>>,
    /// How many models were emptied into `kept`.
    pub taken: usize,
}

impl<C: sea_orm::ColumnTrait> CopyFailed<C> {
    /// The whole batch grouped by column set, as the `UNNEST` path takes it: the kept rows,
    /// then those still in `models` (from `taken` on), each with its batch index.
    pub(crate) fn into_groups<A>(self, models: &mut [A]) -> Result<Groups<C>, RepoError>
    where
        A: ActiveModelTrait,
        A::Entity: EntityTrait<Column = C>,
    {
        let mut groups = Groups::new();
        for piece in self.kept {
            // The encoder thread may still hold a piece it was encoding: then a copy.
            let Piece { cols, rows } = Arc::unwrap_or_clone(piece);
            groups.push(cols, rows);
        }
        let rest = models.get_mut(self.taken..).unwrap_or_default();
        for (cols, rows) in take_rows(rest, self.taken)?.groups {
            groups.push(cols, rows);
        }
        Ok(groups)
    }
}

impl<E: Table> Core<E> {
    /// After a failed COPY (which wrote nothing): a connection error is the outcome; any
    /// other runs the whole batch again on the `UNNEST` path, from the rows the COPY handed
    /// back and those still in `models`.
    pub(crate) async fn after_copy<C, A>(
        &self,
        db: &C,
        models: &mut [A],
        failed: CopyFailed<E::Column>,
        conflict: Option<&ConflictTarget<E::Column>>,
    ) -> Result<u64, RepoError>
    where
        C: ConnectionTrait + TransactionTrait,
        A: ActiveModelTrait<Entity = E>,
    {
        if let RepoError::Connection(_) = failed.err {
            return Err(failed.err);
        }
        tracing::debug!(error = %failed.err, "COPY failed; UNNEST path");
        let groups = failed.into_groups(models)?;
        Ok(self.write_groups(db, groups, conflict, false).await?.0)
    }
}
