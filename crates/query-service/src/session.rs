//! One client session: its storage connection, its settings, and how each statement of a
//! simple query runs (planned, checked, forwarded, its results streamed back).

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use futures_util::{Sink, SinkExt};
use pgwire::api::ClientInfo;
use pgwire::error::PgWireError;
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::data::{DataRow, FieldDescription, RowDescription};
use pgwire::messages::response::{
    CommandComplete, EmptyQueryResponse, ErrorResponse, NoticeResponse, ReadyForQuery,
    TransactionStatus,
};
use qsorm_ident::quote_ident;
use tokio::sync::Semaphore;

use crate::backend::{Backend, BackendTarget, Column, Event};
use crate::error::{QsError, sqlstate};
use crate::plan::{Plan, RowLimits};
use crate::{catalog, dialect, insert, meta, plan, shapes, split};

/// Settings shared by all sessions.
#[derive(Debug)]
pub struct Shared {
    /// The storage PostgreSQL.
    pub target: BackendTarget,
    /// Row limits.
    pub limits: RowLimits,
    /// Statement timeout (53400 when exceeded).
    pub statement_timeout: Duration,
    /// At most this many queries run at once; the others wait their turn.
    pub queue: Semaphore,
    /// The sandbox name (`prod`).
    pub sandbox: String,
}

/// Per-session state.
#[derive(Debug)]
pub struct Session {
    backend: Backend,
    /// `SET auto_to_json = true`.
    auto_to_json: bool,
    settings: HashMap<String, String>,
    /// Whether a type OID is complex (composite or array), cached.
    complex: HashMap<u32, bool>,
    /// Transaction status of the storage session.
    status: u8,
}

/// The outcome of one statement for the client.
enum Outcome {
    Done,
    /// The backend reported an error (already sent): the rest of the message is skipped.
    Failed,
}

type Out = Result<(), PgWireError>;

async fn send<C>(client: &mut C, msg: PgWireBackendMessage) -> Out
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    client.feed(msg).await?;
    Ok(())
}

impl Session {
    /// Opens the storage session with the server's limits applied.
    pub async fn open(shared: &Shared) -> Result<Session, QsError> {
        let mut backend = Backend::connect(&shared.target).await?;
        backend
            .execute(&format!(
                "SET statement_timeout = {}; SET TIME ZONE 'UTC'; SET qsorm.sandbox = {}",
                shared.statement_timeout.as_millis(),
                meta::literal(&shared.sandbox)
            ))
            .await?;
        Ok(Session {
            backend,
            auto_to_json: false,
            settings: HashMap::new(),
            complex: HashMap::new(),
            status: b'I',
        })
    }

    /// Runs every statement of one simple query and ends with ReadyForQuery.
    pub async fn run_query<C>(&mut self, shared: &Shared, client: &mut C, sql: &str) -> Out
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let statements = if catalog::is_catalog_query(sql) {
            Ok(vec![sql.to_owned()])
        } else {
            split::split(sql)
        };
        match statements {
            Err(e) => self.refuse(client, e).await?,
            Ok(list) if list.is_empty() => {
                send(
                    client,
                    PgWireBackendMessage::EmptyQueryResponse(EmptyQueryResponse::new()),
                )
                .await?
            }
            Ok(list) => {
                for stmt in list {
                    let outcome = match self.statement(shared, client, &stmt).await {
                        Ok(o) => o?,
                        Err(e) => {
                            self.refuse(client, e).await?;
                            Outcome::Failed
                        }
                    };
                    if matches!(outcome, Outcome::Failed) {
                        break;
                    }
                }
            }
        }
        let status = match self.status {
            b'T' => TransactionStatus::Transaction,
            b'E' => TransactionStatus::Error,
            _ => TransactionStatus::Idle,
        };
        client.set_transaction_status(status);
        send(
            client,
            PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(status)),
        )
        .await?;
        client.flush().await?;
        Ok(())
    }

    /// Sends a refusal; inside a transaction block the storage transaction is failed too, as
    /// a refused statement aborts a transaction.
    async fn refuse<C>(&mut self, client: &mut C, e: QsError) -> Out
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if self.status == b'T' {
            let _ = self
                .forward_internal("SELECT 1/0 AS refused_by_query_service")
                .await;
        }
        send(
            client,
            PgWireBackendMessage::ErrorResponse(ErrorResponse::new(e.fields())),
        )
        .await
    }

    async fn forward_internal(&mut self, sql: &str) -> Result<(), QsError> {
        self.backend.send(sql).await?;
        loop {
            if let Event::Ready(s) = self.backend.next_event().await? {
                self.status = s;
                return Ok(());
            }
        }
    }

    /// One statement. `Err` is a refusal (nothing ran); `Ok(Err)` a broken client socket.
    async fn statement<C>(
        &mut self,
        shared: &Shared,
        client: &mut C,
        sql: &str,
    ) -> Result<Result<Outcome, PgWireError>, QsError>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if catalog::is_catalog_query(sql) {
            let pg = catalog::admit(sql)?;
            return Ok(self.forward(client, &pg, false).await);
        }
        match plan::plan(sql, shared.limits)? {
            Plan::Select(pg) => {
                let json = self.auto_to_json;
                Ok(self.forward(client, &pg, json).await)
            }
            Plan::Declare { head, query } => {
                let query = if self.auto_to_json {
                    self.json_query(&query).await?
                } else {
                    query
                };
                Ok(self
                    .forward(client, &format!("{head} FOR {query}"), false)
                    .await)
            }
            Plan::Run(pg) | Plan::Show(pg) => Ok(self.forward(client, &pg, false).await),
            Plan::Insert { table, statement } => {
                let pg = self.typed_insert(&table, *statement).await?;
                Ok(self.forward(client, &pg, false).await)
            }
            Plan::CreateTableAs { table, sql } => self.create_table_as(client, &table, &sql).await,
            Plan::DropTable { table, sql } => self.drop_table(client, &table, &sql).await,
            Plan::Metadata(key) => self.metadata(client, key).await,
            Plan::Set { name, value } => {
                if name == "auto_to_json" {
                    self.auto_to_json =
                        matches!(value.to_ascii_lowercase().as_str(), "true" | "on" | "1");
                }
                self.settings.insert(name, value);
                Ok(complete(client, "SET").await)
            }
            Plan::ShowSetting(name) => Ok(self.show_setting(client, &name).await),
        }
    }

    /// Runs a `CREATE TABLE ... AS` and, when it succeeded, records the table as created
    /// through Query Service.
    async fn create_table_as<C>(
        &mut self,
        client: &mut C,
        table: &str,
        sql: &str,
    ) -> Result<Result<Outcome, PgWireError>, QsError>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let out = self.forward(client, sql, false).await;
        if matches!(out, Ok(Outcome::Done)) {
            self.backend
                .execute(&format!(
                    "INSERT INTO qsorm_query_service.created_tables \
                     SELECT to_regclass({})::text ON CONFLICT DO NOTHING",
                    meta::literal(table)
                ))
                .await?;
        }
        Ok(out)
    }

    /// Runs a `DROP TABLE` of a table created through Query Service (refusing any other
    /// existing table) and forgets its record.
    async fn drop_table<C>(
        &mut self,
        client: &mut C,
        table: &str,
        sql: &str,
    ) -> Result<Result<Outcome, PgWireError>, QsError>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let lit = meta::literal(table);
        let rows = self
            .backend
            .rows(&format!(
                "SELECT to_regclass({lit}) IS NOT NULL, EXISTS (SELECT 1 FROM \
                 qsorm_query_service.created_tables WHERE name = to_regclass({lit})::text)"
            ))
            .await?;
        let flag = |i: usize| {
            rows.first()
                .and_then(|r| r.get(i).cloned().flatten())
                .is_some_and(|v| v == "t")
        };
        if flag(0) && !flag(1) {
            return Err(QsError::new(
                sqlstate::INSUFFICIENT_PRIVILEGE,
                format!(
                    "permission denied to drop {table}: DROP TABLE is allowed only for \
                     tables created through Query Service"
                ),
            ));
        }
        let record = format!(
            "DELETE FROM qsorm_query_service.created_tables WHERE name = to_regclass({lit})::text"
        );
        if flag(0) {
            self.backend.execute(&record).await?;
        }
        Ok(self.forward(client, sql, false).await)
    }

    /// Records a key or column metadata statement after checking that its columns exist, and
    /// answers `ALTER TABLE`.
    async fn metadata<C>(
        &mut self,
        client: &mut C,
        key: meta::KeyStatement,
    ) -> Result<Result<Outcome, PgWireError>, QsError>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let (table, columns) = match &key {
            meta::KeyStatement::PrimaryKey { table, columns, .. } => {
                (table.clone(), columns.clone())
            }
            meta::KeyStatement::ForeignKey { table, column, .. } => {
                (table.clone(), vec![column.clone()])
            }
            meta::KeyStatement::AddColumn(_) => (String::new(), vec![]),
        };
        let missing = self
            .backend
            .rows(&meta::missing_columns_sql(&table, &columns))
            .await?;
        if let Some(Some(col)) = missing.first().and_then(|r| r.first()) {
            return Err(QsError::new(
                "42703",
                format!("column \"{col}\" of table \"{table}\" does not exist"),
            ));
        }
        for stmt in meta::record(&key) {
            self.backend.execute(&stmt).await?;
        }
        Ok(complete(client, "ALTER TABLE").await)
    }

    /// Answers `SHOW name`: a session-level value as a one-row select, anything else from the
    /// storage.
    async fn show_setting<C>(&mut self, client: &mut C, name: &str) -> Result<Outcome, PgWireError>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let value = match name {
            "auto_to_json" => Some(self.auto_to_json.to_string()),
            // What psql shows for Query Service; the storage's version stays hidden.
            "server_version" => Some(crate::startup::SERVER_VERSION.to_owned()),
            _ => self.settings.get(name).cloned(),
        };
        let sql = match value {
            Some(v) => format!("SELECT {} AS {}", meta::literal(&v), quote_ident(name)),
            None => format!("SHOW {}", quote_ident(name)),
        };
        self.forward(client, &sql, false).await
    }

    /// Types an `INSERT INTO t SELECT ...` against the table's columns.
    async fn typed_insert(
        &mut self,
        table: &str,
        mut stmt: sqlparser::ast::Statement,
    ) -> Result<String, QsError> {
        let Some(targets) = shapes::table_columns(&mut self.backend, table).await? else {
            return Err(QsError::new(
                "42P01",
                format!("Table or view not found: {table}"),
            ));
        };
        if let sqlparser::ast::Statement::Insert(ins) = &mut stmt
            && let Some(source) = &mut ins.source
        {
            insert::type_query(source, &targets)?;
        }
        dialect::to_postgres(&mut stmt)?;
        Ok(stmt.to_string())
    }

    /// Whether a type is complex (composite or array), from the storage catalog.
    async fn is_complex(&mut self, oid: u32) -> Result<bool, QsError> {
        if let Some(c) = self.complex.get(&oid) {
            return Ok(*c);
        }
        let rows = self
            .backend
            .rows(&format!(
                "SELECT typtype = 'c' OR typcategory = 'A' FROM pg_type WHERE oid = {oid}"
            ))
            .await?;
        let c = rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .is_some_and(|v| v == "t");
        self.complex.insert(oid, c);
        Ok(c)
    }

    /// With `auto_to_json`, a query whose result has complex columns is run again with those
    /// columns as `to_json(...)`; the columns are learned from a zero-row run.
    async fn json_query(&mut self, pg: &str) -> Result<String, QsError> {
        self.backend
            .send(&format!("SELECT * FROM ({pg}) AS q WHERE false"))
            .await?;
        let mut columns = Vec::new();
        let mut failed = false;
        loop {
            match self.backend.next_event().await? {
                Event::Columns(c) => columns = c,
                Event::Error(_) => failed = true,
                Event::Ready(_) => break,
                _ => {}
            }
        }
        if failed {
            // Let the real run report the error.
            return Ok(pg.to_owned());
        }
        let mut any = false;
        let mut items = Vec::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            let alias = quote_ident(&c.name);
            if self.is_complex(c.type_oid).await? {
                any = true;
                items.push(format!("to_json(q.c{i}) AS {alias}"));
            } else {
                items.push(format!("q.c{i} AS {alias}"));
            }
        }
        if !any {
            return Ok(pg.to_owned());
        }
        let names: Vec<String> = (0..columns.len()).map(|i| format!("c{i}")).collect();
        Ok(format!(
            "SELECT {} FROM ({pg}) AS q({})",
            items.join(", "),
            names.join(", ")
        ))
    }

    /// Runs PostgreSQL text on the storage server and streams what it answers to the client.
    async fn forward<C>(
        &mut self,
        client: &mut C,
        pg: &str,
        json: bool,
    ) -> Result<Outcome, PgWireError>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let sql = if json {
            match self.json_query(pg).await {
                Ok(s) => s,
                Err(e) => return failed(client, e).await,
            }
        } else {
            pg.to_owned()
        };
        if let Err(e) = self.backend.send(&sql).await {
            return failed(client, e).await;
        }
        let mut outcome = Outcome::Done;
        let mut field_count = 0i16;
        loop {
            let event = match self.backend.next_event().await {
                Ok(e) => e,
                Err(e) => return failed(client, e).await,
            };
            let message = match event {
                Event::Columns(cols) => {
                    field_count = i16::try_from(cols.len()).unwrap_or(i16::MAX);
                    PgWireBackendMessage::RowDescription(describe(&cols))
                }
                Event::Row(body) => PgWireBackendMessage::DataRow(DataRow::new(
                    BytesMut::from(body.buffer()),
                    field_count,
                )),
                Event::Complete(tag) => {
                    PgWireBackendMessage::CommandComplete(CommandComplete::new(tag))
                }
                Event::Empty => PgWireBackendMessage::EmptyQueryResponse(EmptyQueryResponse::new()),
                Event::Notice(fields) => {
                    PgWireBackendMessage::NoticeResponse(NoticeResponse::new(fields))
                }
                Event::Error(e) => {
                    outcome = Outcome::Failed;
                    PgWireBackendMessage::ErrorResponse(ErrorResponse::new(map_error(e.fields)))
                }
                Event::Ready(status) => {
                    self.status = status;
                    return Ok(outcome);
                }
            };
            send(client, message).await?;
        }
    }
}

/// Sends `e` to the client as an error and reports the statement as failed.
async fn failed<C>(client: &mut C, e: QsError) -> Result<Outcome, PgWireError>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    send(
        client,
        PgWireBackendMessage::ErrorResponse(ErrorResponse::new(e.fields())),
    )
    .await?;
    Ok(Outcome::Failed)
}

async fn complete<C>(client: &mut C, tag: &str) -> Result<Outcome, PgWireError>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    send(
        client,
        PgWireBackendMessage::CommandComplete(CommandComplete::new(tag.to_owned())),
    )
    .await?;
    Ok(Outcome::Done)
}

fn describe(cols: &[Column]) -> RowDescription {
    RowDescription::new(
        cols.iter()
            .map(|c| {
                FieldDescription::new(
                    c.name.clone(),
                    i32::try_from(c.table_oid).unwrap_or(0),
                    c.column_id,
                    c.type_oid,
                    c.type_size,
                    c.type_modifier,
                    0,
                )
            })
            .collect(),
    )
}

/// The storage server's statement timeout is Query Service's 53400; internal positions and
/// queries are not the client's business.
fn map_error(mut fields: Vec<(u8, String)>) -> Vec<(u8, String)> {
    let timeout = fields
        .iter()
        .any(|(k, v)| *k == b'C' && v == sqlstate::QUERY_CANCELED)
        && fields
            .iter()
            .any(|(k, v)| *k == b'M' && v.contains("statement timeout"));
    if timeout {
        for (k, v) in fields.iter_mut() {
            match k {
                b'C' => *v = sqlstate::PROGRAM_LIMIT.to_owned(),
                b'M' => {
                    *v = "Query timed out: interactive queries are limited in time; run it as a \
                          batch query (CREATE TABLE ... AS SELECT)"
                        .to_owned()
                }
                _ => {}
            }
        }
    }
    fields.retain(|(k, _)| !matches!(k, b'P' | b'p' | b'q' | b'W'));
    fields
}

/// A shared handle to a session.
pub type SessionHandle = Arc<tokio::sync::Mutex<Option<Session>>>;
