//! Which connections a [`Repo`] runs on, and the profile each one implies.

use qsorm_connect::{
    Executor, ExecutorTransaction, Flavor, QsConnection, SimpleConnection, SimpleTransaction,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, TransactionTrait};

use crate::profile::{Profile, WireMode};
use crate::repo::Repo;
use crate::table::Table;

/// A sea-orm connection that knows the [`Profile`] its statements need, so a [`Repo`] made on
/// it cannot pick another. qsorm implements it for [`QsConnection`] (the profile of its
/// flavor, with its error context and call timeout), its [`Executor`] and
/// [`SimpleConnection`], sea-orm's `DatabaseConnection` (PostgreSQL, bind parameters), and
/// the transactions of each.
///
/// Implement it for a connection type of your own to use the repository on it.
pub trait RepoConnection: ConnectionTrait + TransactionTrait + 'static {
    /// The profile statements on this connection need.
    fn profile(&self) -> Profile;
}

/// The profile for statements inlined as `flavor`'s literals over the simple query protocol.
fn inlined(flavor: Flavor) -> Profile {
    match flavor {
        Flavor::QueryService => Profile::query_service(),
        Flavor::Postgres => Profile::postgres().with_wire(WireMode::Inline),
    }
}

impl RepoConnection for QsConnection {
    fn profile(&self) -> Profile {
        Profile::for_connection(self)
    }
}

impl RepoConnection for Executor {
    fn profile(&self) -> Profile {
        match self {
            Executor::Bound(_) => Profile::postgres(),
            Executor::Simple(c) => inlined(c.flavor()),
        }
    }
}

impl RepoConnection for ExecutorTransaction {
    fn profile(&self) -> Profile {
        match self {
            ExecutorTransaction::Bound(_) => Profile::postgres(),
            ExecutorTransaction::Simple(t) => inlined(t.flavor()),
        }
    }
}

impl RepoConnection for SimpleConnection {
    fn profile(&self) -> Profile {
        inlined(self.flavor())
    }
}

impl RepoConnection for SimpleTransaction {
    fn profile(&self) -> Profile {
        inlined(self.flavor())
    }
}

impl RepoConnection for DatabaseConnection {
    fn profile(&self) -> Profile {
        Profile::postgres()
    }
}

impl RepoConnection for DatabaseTransaction {
    fn profile(&self) -> Profile {
        Profile::postgres()
    }
}

/// `conn.repo::<E>()`: a [`Repo`] straight from a connection.
///
/// ```no_run
/// # async fn demo(conn: &qsorm_connect::QsConnection) -> Result<(), qsorm_repository::RepoError> {
/// use qsorm_repository::ConnectionExt;
/// # use sea_orm::entity::prelude::*;
/// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// # #[sea_orm(table_name = "events")]
/// # pub struct Model { #[sea_orm(primary_key)] pub id: i64 }
/// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
/// # impl ActiveModelBehavior for ActiveModel {}
/// # impl qsorm_repository::Table for Entity {}
/// let newest = conn.repo::<Entity>().get(42).await?;
/// # Ok(()) }
/// ```
pub trait ConnectionExt: RepoConnection + Sized {
    /// The repository of entity `E` on this connection.
    fn repo<E: Table>(&self) -> Repo<'_, E, Self> {
        Repo::new(self)
    }
}

impl<C: RepoConnection> ConnectionExt for C {}
