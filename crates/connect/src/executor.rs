//! How a connection's statements travel, chosen once from its flavor: bound parameters over
//! the extended protocol on PostgreSQL, inlined literals over the simple query protocol on
//! Query Service (which speaks nothing else). Code written against [`Executor`] never
//! matches on the flavor.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement, TransactionSession,
};

use crate::simple::transaction_trait;
use crate::{QsConnection, SimpleConnection, SimpleTransaction};

/// A sea-orm connection that sends statements the way the connection's flavor needs.
/// Get one from [`QsConnection::executor`].
#[derive(Debug, Clone)]
pub enum Executor {
    /// PostgreSQL: the sea-orm pool, bind parameters.
    Bound(DatabaseConnection),
    /// Query Service: the simple query protocol, literals inlined.
    Simple(SimpleConnection),
}

/// A transaction opened on an [`Executor`] (nested: a savepoint).
#[derive(Debug)]
pub enum ExecutorTransaction {
    /// On the sea-orm pool.
    Bound(DatabaseTransaction),
    /// Over the simple query protocol.
    Simple(SimpleTransaction),
}

impl QsConnection {
    /// The connection's executor. A `QsConnection` is itself a sea-orm `ConnectionTrait` +
    /// `TransactionTrait` that sends statements this way: pass `&conn` where a sea-orm
    /// connection is wanted; clone the executor (cheap: it shares the pool) to hold one
    /// without the rest of the connection.
    pub fn executor(&self) -> &Executor {
        &self.executor
    }
}

macro_rules! dispatch {
    ($self:ident, $conn:ident => $body:expr) => {
        match $self {
            Self::Bound($conn) => $body,
            Self::Simple($conn) => $body,
        }
    };
}

macro_rules! connection_trait {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl ConnectionTrait for $ty {
            fn get_database_backend(&self) -> DbBackend {
                DbBackend::Postgres
            }

            async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
                dispatch!(self, c => c.execute_raw(stmt).await)
            }

            async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
                dispatch!(self, c => c.execute_unprepared(sql).await)
            }

            async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
                dispatch!(self, c => c.query_one_raw(stmt).await)
            }

            async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
                dispatch!(self, c => c.query_all_raw(stmt).await)
            }
        }
    };
}

connection_trait!(Executor);
connection_trait!(ExecutorTransaction);

/// A `QsConnection` sends every statement through its [`Executor`]: bound parameters on
/// PostgreSQL, inlined literals over the simple query protocol on Query Service.
#[async_trait::async_trait]
impl ConnectionTrait for QsConnection {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.executor.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.executor.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.executor.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.executor.query_all_raw(stmt).await
    }
}

transaction_trait!(QsConnection => ExecutorTransaction, |this, isolation, access| {
    this.executor.begin_with_config(isolation, access).await
});

transaction_trait!(Executor => ExecutorTransaction, |this, isolation, access| {
    Ok(match this {
        Executor::Bound(c) => {
            ExecutorTransaction::Bound(c.begin_with_config(isolation, access).await?)
        }
        Executor::Simple(c) => {
            ExecutorTransaction::Simple(c.begin_with_config(isolation, access).await?)
        }
    })
});

transaction_trait!(ExecutorTransaction => ExecutorTransaction, |this, isolation, access| {
    Ok(match this {
        ExecutorTransaction::Bound(t) => {
            ExecutorTransaction::Bound(t.begin_with_config(isolation, access).await?)
        }
        ExecutorTransaction::Simple(t) => {
            ExecutorTransaction::Simple(t.begin_with_config(isolation, access).await?)
        }
    })
});

#[async_trait::async_trait]
impl TransactionSession for ExecutorTransaction {
    async fn commit(self) -> Result<(), DbErr> {
        match self {
            ExecutorTransaction::Bound(t) => t.commit().await,
            ExecutorTransaction::Simple(t) => t.commit().await,
        }
    }

    async fn rollback(self) -> Result<(), DbErr> {
        match self {
            ExecutorTransaction::Bound(t) => t.rollback().await,
            ExecutorTransaction::Simple(t) => t.rollback().await,
        }
    }
}
