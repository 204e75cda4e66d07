//! pgwire handlers: the simple-query handler runs sessions; every extended-protocol message
//! (Parse, Bind, Describe, Execute, Sync, Flush, Close) gets 08P01 "Unsupported message type".

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::{Sink, SinkExt};
use pgwire::api::portal::Portal;
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::Response;
use pgwire::api::stmt::NoopQueryParser;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireConnectionState, PgWireServerHandlers};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::extendedquery::{
    Bind, Close, Describe, Execute, Flush, Parse, Sync as PgSync,
};
use pgwire::messages::response::{ErrorResponse, ReadyForQuery};
use pgwire::messages::simplequery::Query;

use crate::error::{QsError, sqlstate};
use crate::session::{Session, SessionHandle, Shared};
use crate::startup::Startup;

/// All handlers of one server.
pub struct Handlers {
    pub(crate) shared: Arc<Shared>,
    pub(crate) startup: Arc<Startup>,
}

fn unsupported_message(kind: &str) -> PgWireError {
    QsError::new(
        sqlstate::PROTOCOL_VIOLATION,
        format!(
            "Unsupported message type: {kind} (Query Service speaks the simple query protocol only)"
        ),
    )
    .into()
}

/// The simple-query handler.
pub struct Queries {
    shared: Arc<Shared>,
}

#[async_trait]
impl SimpleQueryHandler for Queries {
    async fn on_query<C>(&self, client: &mut C, query: Query) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        client.set_state(PgWireConnectionState::QueryInProgress);
        let handle: Arc<SessionHandle> = client
            .session_extensions()
            .get_or_insert_with(|| SessionHandle::new(tokio::sync::Mutex::new(None)));
        let mut guard = handle.lock().await;
        if guard.is_none() {
            match Session::open(&self.shared).await {
                Ok(s) => *guard = Some(s),
                Err(e) => {
                    client.set_state(PgWireConnectionState::ReadyForQuery);
                    return Err(e.into());
                }
            }
        }
        let Some(session) = guard.as_mut() else {
            return Err(QsError::new(sqlstate::INTERNAL_ERROR, "no session").into());
        };
        // More than the allowed concurrent queries wait here for their turn.
        let _permit = self
            .shared
            .queue
            .acquire()
            .await
            .map_err(|_| -> PgWireError {
                QsError::new(sqlstate::INTERNAL_ERROR, "server closing").into()
            })?;
        let result = session.run_query(&self.shared, client, &query.query).await;
        client.set_state(PgWireConnectionState::ReadyForQuery);
        result
    }

    async fn do_query<C>(&self, _client: &mut C, _query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(QsError::new(sqlstate::INTERNAL_ERROR, "not used").into())
    }
}

/// Refuses the extended protocol.
pub struct NoExtended {
    parser: Arc<NoopQueryParser>,
}

#[async_trait]
impl ExtendedQueryHandler for NoExtended {
    type Statement = String;
    type QueryParser = NoopQueryParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        self.parser.clone()
    }

    async fn on_parse<C>(&self, _client: &mut C, _message: Parse) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(unsupported_message("Parse"))
    }

    async fn on_bind<C>(&self, _client: &mut C, _message: Bind) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(unsupported_message("Bind"))
    }

    async fn on_execute<C>(&self, _client: &mut C, _message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(unsupported_message("Execute"))
    }

    async fn on_describe<C>(&self, _client: &mut C, _message: Describe) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(unsupported_message("Describe"))
    }

    async fn on_flush<C>(&self, _client: &mut C, _message: Flush) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(unsupported_message("Flush"))
    }

    async fn on_close<C>(&self, _client: &mut C, _message: Close) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(unsupported_message("Close"))
    }

    /// After a refused message the Sync that ends the batch gets ReadyForQuery; a Sync on its
    /// own (sqlx's pool health check) is itself refused, then ReadyForQuery, so the client
    /// gets its answer at once.
    async fn on_sync<C>(&self, client: &mut C, _message: PgSync) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::AwaitingSync) {
            let e = QsError::new(
                sqlstate::PROTOCOL_VIOLATION,
                "Unsupported message type: Sync (Query Service speaks the simple query protocol only)",
            );
            client
                .feed(PgWireBackendMessage::ErrorResponse(ErrorResponse::new(
                    e.fields(),
                )))
                .await?;
        }
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                client.transaction_status(),
            )))
            .await?;
        Ok(())
    }

    async fn do_query<C>(
        &self,
        _client: &mut C,
        _portal: &Portal<Self::Statement>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(unsupported_message("Execute"))
    }
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        Arc::new(Queries {
            shared: self.shared.clone(),
        })
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        Arc::new(NoExtended {
            parser: Arc::new(NoopQueryParser),
        })
    }

    fn startup_handler(&self) -> Arc<impl pgwire::api::auth::StartupHandler> {
        self.startup.clone()
    }
}
