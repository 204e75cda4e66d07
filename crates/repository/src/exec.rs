//! Running sea-query statements under a profile: bind or inline, recorded, errors classified.

use std::time::Duration;

use qsorm_connect::ConnectError;
use qsorm_connect::literal::Renderer;
use sea_orm::sea_query::{PostgresQueryBuilder, QueryStatementWriter};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement};

use crate::error::{RepoError, classify_db_err};
use crate::profile::{Profile, WireMode};

impl Profile {
    /// Renders a statement for this profile: built with `$n` placeholders, then, in
    /// [`WireMode::Inline`], each placeholder replaced by its value's literal for the profile's
    /// flavor ([`qsorm_connect::literal`]). A value no literal can carry (a NUL character) is
    /// [`RepoError::InvalidInput`] naming the placeholder, before any round trip.
    pub(crate) fn statement<S: QueryStatementWriter>(
        &self,
        stmt: &S,
    ) -> Result<Statement, RepoError> {
        let (sql, values) = stmt.build(PostgresQueryBuilder);
        self.inline(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
    }

    /// In [`WireMode::Inline`], the statement with its values inlined as literals of the
    /// profile's flavor; in [`WireMode::Bind`], the statement as it is.
    pub(crate) fn inline(&self, stmt: Statement) -> Result<Statement, RepoError> {
        match (self.wire, &stmt.values) {
            (WireMode::Inline, Some(values)) => {
                let sql = Renderer::new(self.flavor)
                    .with_composites(&self.composites)
                    .inline(&stmt.sql, &values.0)?;
                Ok(Statement::from_string(DbBackend::Postgres, sql))
            }
            _ => Ok(stmt),
        }
    }

    pub(crate) fn classify(&self, err: sea_orm::DbErr) -> RepoError {
        classify_db_err(err, self.ctx.as_ref())
    }

    /// Awaits one round trip (a statement, `BEGIN`, `COMMIT`, a savepoint) under the
    /// profile's [`call_timeout`](Profile::call_timeout), classifying its error.
    pub(crate) async fn bounded<T>(
        &self,
        round_trip: impl Future<Output = Result<T, DbErr>>,
    ) -> Result<T, RepoError> {
        let Some(limit) = self.call_timeout else {
            return round_trip.await.map_err(|e| self.classify(e));
        };
        match tokio::time::timeout(limit, round_trip).await {
            Ok(result) => result.map_err(|e| self.classify(e)),
            Err(_) => Err(self.stalled(limit)),
        }
    }

    /// The error of a round trip that got no answer within `limit`.
    fn stalled(&self, limit: Duration) -> RepoError {
        let server = self
            .ctx
            .as_ref()
            .map(|c| format!("{}:{}", c.host, c.port))
            .unwrap_or_else(|| "the server".to_owned());
        RepoError::Connection(ConnectError::Timeout {
            what: format!(
                "no answer from {server} within {limit:?} (statement_timeout + connect_timeout): \
                 the link or the server stalled"
            ),
            after: Some(limit),
            source: None,
        })
    }

    fn record(&self, stmt: &Statement) {
        if let Some(r) = &self.recorder {
            r.push(&stmt.sql);
        }
    }

    /// Runs a statement that returns rows.
    pub(crate) async fn rows<C: ConnectionTrait>(
        &self,
        db: &C,
        stmt: Statement,
    ) -> Result<Vec<QueryResult>, RepoError> {
        self.record(&stmt);
        self.bounded(db.query_all_raw(stmt)).await
    }

    /// Runs `SET auto_to_json = true; <select>` as one simple-protocol message (one round
    /// trip, one implicit transaction), so nested fields come back as JSON without relying on
    /// session state surviving between transactions. Needs a simple-protocol connection
    /// (`QsConnection::simple()`).
    pub(crate) async fn rows_as_json<C: ConnectionTrait>(
        &self,
        db: &C,
        select_sql: &str,
    ) -> Result<Vec<QueryResult>, RepoError> {
        let sql = format!("SET auto_to_json = true; {select_sql}");
        self.rows(db, Statement::from_string(DbBackend::Postgres, sql))
            .await
    }

    /// Runs a statement for its effect; returns the affected row count. Inline statements go
    /// over the simple query protocol.
    pub(crate) async fn exec<C: ConnectionTrait>(
        &self,
        db: &C,
        stmt: Statement,
    ) -> Result<u64, RepoError> {
        self.record(&stmt);
        let result = match (&self.wire, &stmt.values) {
            (WireMode::Inline, None) => self.bounded(db.execute_unprepared(&stmt.sql)).await,
            _ => self.bounded(db.execute_raw(stmt)).await,
        };
        result.map(|r| r.rows_affected())
    }
}
