//! Startup: TLS required, the database named `<sandbox>:all`, a cleartext password that is a
//! token this server issued, and `server_version` 0.1.0 (what psql shows for Query Service).

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::Sink;
use pgwire::api::ClientInfo;
use pgwire::api::auth::cleartext::CleartextPasswordAuthStartupHandler;
use pgwire::api::auth::{
    AuthSource, DefaultServerParameterProvider, LoginInfo, Password, ServerParameterProvider,
    StartupHandler,
};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};

use crate::error::{QsError, sqlstate};
use crate::tokens::Tokens;

/// The version Query Service reports.
pub const SERVER_VERSION: &str = "0.1.0";

/// Checks tokens for the cleartext login.
#[derive(Debug, Clone)]
pub struct TokenSource {
    pub(crate) tokens: Arc<Tokens>,
}

#[async_trait]
impl AuthSource for TokenSource {
    async fn get_password(&self, _login: &LoginInfo) -> PgWireResult<Password> {
        // Only verify_password is used: tokens are never handed out for comparison.
        Err(QsError::new(sqlstate::INVALID_PASSWORD, "Invalid authentication token").into())
    }

    async fn verify_password(
        &self,
        login: &LoginInfo,
        presented_password: &[u8],
    ) -> PgWireResult<Option<()>> {
        let user = login.user().unwrap_or_default();
        self.tokens.verify(user, presented_password)?;
        Ok(None)
    }
}

/// Parameters sent after login.
#[derive(Debug)]
pub struct Parameters;

impl ServerParameterProvider for Parameters {
    fn server_parameters<C>(&self, client: &C) -> Option<HashMap<String, String>>
    where
        C: ClientInfo,
    {
        let mut defaults = DefaultServerParameterProvider::default();
        defaults.server_version = SERVER_VERSION.to_owned();
        defaults.is_superuser = false;
        defaults.time_zone = "UTC".to_owned();
        defaults.date_style = "ISO, MDY".to_owned();
        defaults.server_parameters(client)
    }
}

/// What the `database` startup parameter must look like.
#[derive(Debug, Clone)]
pub struct DatabaseRule {
    /// The one sandbox this server serves (`prod`).
    pub sandbox: String,
}

impl DatabaseRule {
    /// `<sandbox>:all` is accepted; `?FLATTEN` and other forms are refused clearly.
    pub fn check(&self, database: Option<&str>) -> Result<(), QsError> {
        let db = database.unwrap_or_default();
        let fatal = |code, msg: String| Err(QsError::new(code, msg).fatal());
        let (name, flags) = match db.split_once('?') {
            Some((n, f)) => (n, Some(f)),
            None => (db, None),
        };
        if let Some(f) = flags {
            return fatal(
                sqlstate::FEATURE_NOT_SUPPORTED,
                format!(
                    "the database option '?{f}' is not supported by the local Query Service \
                     (Query Service's ?FLATTEN flattens nested fields into dotted columns; connect to '{name}' instead)"
                ),
            );
        }
        let Some((sandbox, scope)) = name.split_once(':') else {
            return fatal(
                sqlstate::INVALID_CATALOG_NAME,
                format!(
                    "database \"{name}\" is not of the form <sandbox>:all (e.g. {}:all)",
                    self.sandbox
                ),
            );
        };
        if sandbox != self.sandbox {
            return fatal(
                sqlstate::INVALID_CATALOG_NAME,
                format!(
                    "sandbox \"{sandbox}\" does not exist (this server serves {}:all)",
                    self.sandbox
                ),
            );
        }
        if scope != "all" {
            return fatal(
                sqlstate::INVALID_CATALOG_NAME,
                format!(
                    "database \"{name}\": the local Query Service serves only {}:all",
                    self.sandbox
                ),
            );
        }
        Ok(())
    }
}

/// The startup handler: TLS and database checks, then pgwire's cleartext login.
pub struct Startup {
    pub(crate) inner: CleartextPasswordAuthStartupHandler<TokenSource, Parameters>,
    pub(crate) database: DatabaseRule,
}

#[async_trait]
impl StartupHandler for Startup {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if let PgWireFrontendMessage::Startup(startup) = &message {
            if !client.is_secure() {
                return Err(QsError::new(
                    sqlstate::INVALID_AUTHORIZATION,
                    "Query Service accepts only TLS connections (sslmode=require or stronger)",
                )
                .fatal()
                .into());
            }
            self.database
                .check(startup.parameters.get("database").map(String::as_str))?;
        }
        self.inner.on_startup(client, message).await
    }
}
