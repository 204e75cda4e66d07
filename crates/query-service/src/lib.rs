//! qsorm-query-service: a local Adobe Experience Platform Query Service.
//!
//! A PostgreSQL-wire server (built on [pgwire]) that holds clients to what Adobe documents for
//! Query Service and runs what it accepts on a PostgreSQL (the sandbox): TLS and a cleartext
//! token login, `server_version` 0.1.0, database `<sandbox>:all`, the simple query protocol
//! only, the documented statements in Spark-style SQL, psql's `\d` catalog queries, `SHOW`
//! listings, `auto_to_json`, the interactive row cap and timeout, and at most five queries at
//! once. The README's "Local Query Service" section lists every rule with its Adobe page.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use qsorm_query_service::{QueryService, QueryServiceOptions, SandboxQueryService};
//! let sandbox = qsorm_sandbox::Sandbox::shared()?;
//! let db = sandbox.fresh_database().await?;
//! let qs = sandbox.query_service(&db, QueryServiceOptions::default()).await?;
//! println!("{}", qs.env_lines()); // QS_HOST=127.0.0.1 ... QS_PASSWORD=<token>
//! # Ok(()) }
//! ```

pub mod backend;
pub mod catalog;
pub mod dialect;
pub mod error;
pub mod inline;
pub mod insert;
pub mod meta;
pub mod plan;
mod server;
pub mod session;
pub mod shapes;
pub mod split;
pub mod startup;
pub mod tokens;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pgwire::api::auth::cleartext::CleartextPasswordAuthStartupHandler;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub use backend::BackendTarget;
pub use error::QsError;
pub use plan::RowLimits;

use crate::error::sqlstate;
use crate::server::Handlers;
use crate::session::Shared;
use crate::startup::{DatabaseRule, Parameters, Startup, TokenSource};
use crate::tokens::Tokens;

/// How to run a local Query Service.
#[derive(Debug, Clone)]
pub struct QueryServiceOptions {
    /// The sandbox name clients connect to as `<name>:all` (default `prod`).
    pub sandbox_name: String,
    /// The user the first token is issued for (default `LOCALORG@AdobeOrg`).
    pub user: String,
    /// How long an issued token is valid (default 24 hours).
    pub token_ttl: Duration,
    /// Statement timeout; exceeding it gives 53400 (default 10 minutes).
    pub statement_timeout: Duration,
    /// Queries running at once; more wait their turn (default 5).
    pub concurrency: usize,
    /// Row limits (50,000 by default, LIMIT at most 100,000).
    pub limits: RowLimits,
    /// Address to listen on (default 127.0.0.1).
    pub host: String,
    /// Port to listen on (0: a free one).
    pub port: u16,
}

impl Default for QueryServiceOptions {
    fn default() -> Self {
        QueryServiceOptions {
            sandbox_name: "prod".to_owned(),
            user: "LOCALORG@AdobeOrg".to_owned(),
            token_ttl: Duration::from_secs(24 * 3600),
            statement_timeout: Duration::from_secs(600),
            concurrency: 5,
            limits: RowLimits::default(),
            host: "127.0.0.1".to_owned(),
            port: 0,
        }
    }
}

/// A running local Query Service; dropping it stops accepting connections.
pub struct QueryService {
    host: String,
    port: u16,
    user: String,
    token: String,
    database: String,
    tokens: Arc<Tokens>,
    ca_path: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl std::fmt::Debug for QueryService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryService")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("token", &"<redacted>")
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

fn internal(what: &str, e: impl std::fmt::Display) -> QsError {
    QsError::new(sqlstate::INTERNAL_ERROR, format!("{what}: {e}"))
}

fn tls_acceptor(dir: &Path) -> Result<(tokio_rustls::TlsAcceptor, PathBuf), QsError> {
    let material = qsorm_sandbox::tls::generate().map_err(|e| internal("certificate", e))?;
    let ca_path = dir.join("root.crt");
    std::fs::write(&ca_path, &material.ca_cert_pem).map_err(|e| internal("writing root.crt", e))?;
    let certs = CertificateDer::pem_slice_iter(material.server_cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| internal("certificate", e))?;
    let key = PrivateKeyDer::from_pem_slice(material.server_key_pem.as_bytes())
        .map_err(|e| internal("key", e))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| internal("tls", e))?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| internal("tls", e))?;
    Ok((tokio_rustls::TlsAcceptor::from(Arc::new(config)), ca_path))
}

/// Stack size of the server's threads: SQL is parsed, rewritten and dropped recursively, and
/// clients send deep trees (a `UNION ALL` chain of thousands of rows).
const SERVER_STACK: usize = 256 << 20;

/// The server's own runtime, on its own threads (so a client in the same process, as in
/// tests, neither shares its stack limits nor its scheduler): accepts until `stopped`.
fn serve(
    listener: std::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    handlers: Arc<Handlers>,
    stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(SERVER_STACK)
        .thread_name("qsorm-query-service")
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("the local Query Service could not start its runtime: {e}");
            return;
        }
    };
    runtime.block_on(async move {
        let listener = match TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!("the local Query Service could not listen: {e}");
                return;
            }
        };
        let accept = async {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let handlers = handlers.clone();
                tokio::spawn(async move {
                    if let Err(e) =
                        pgwire::tokio::process_socket(socket, Some(acceptor), handlers).await
                    {
                        tracing::debug!("client connection ended: {e}");
                    }
                });
            }
        };
        tokio::select! {
            _ = stopped => {}
            () = accept => {}
        }
    });
    runtime.shutdown_background();
}

impl QueryService {
    /// Starts serving in front of `backend` (a PostgreSQL reachable with a trust login).
    pub async fn start(
        backend: BackendTarget,
        options: QueryServiceOptions,
    ) -> Result<QueryService, QsError> {
        let mut setup = backend::Backend::connect(&backend).await?;
        setup.execute(meta::SETUP).await?;
        drop(setup);

        let dir = tempfile::Builder::new()
            .prefix("qsorm-query-service-")
            .tempdir()
            .map_err(|e| internal("temp dir", e))?;
        let (acceptor, ca_path) = tls_acceptor(dir.path())?;
        let tokens = Arc::new(Tokens::default());
        let token = tokens.issue(&options.user, options.token_ttl)?;
        let listener = std::net::TcpListener::bind((options.host.as_str(), options.port))
            .and_then(|l| l.set_nonblocking(true).map(|_| l))
            .map_err(|e| internal("listening", e))?;
        let port = listener
            .local_addr()
            .map_err(|e| internal("listening", e))?
            .port();

        let shared = Arc::new(Shared {
            target: backend,
            limits: options.limits,
            statement_timeout: options.statement_timeout,
            queue: Semaphore::new(options.concurrency.max(1)),
            sandbox: options.sandbox_name.clone(),
        });
        let startup = Arc::new(Startup {
            inner: CleartextPasswordAuthStartupHandler::new(
                TokenSource {
                    tokens: tokens.clone(),
                },
                Parameters,
            ),
            database: DatabaseRule {
                sandbox: options.sandbox_name.clone(),
            },
        });
        let handlers = Arc::new(Handlers { shared, startup });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("qsorm-query-service".to_owned())
            .spawn(move || serve(listener, acceptor, handlers, stopped))
            .map_err(|e| internal("starting the server thread", e))?;
        Ok(QueryService {
            host: options.host,
            port,
            user: options.user,
            token,
            database: format!("{}:all", options.sandbox_name),
            tokens,
            ca_path,
            stop: Some(stop),
            _dir: dir,
        })
    }

    /// The address it listens on.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The user the first token was issued for.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The first token (the password of a login as [`QueryService::user`]).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// `<sandbox>:all`.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The PEM root certificate that signed the server certificate (`sslmode=verify-full`).
    pub fn ca_cert_path(&self) -> &Path {
        &self.ca_path
    }

    /// Issues another token for `user`, valid for `ttl`.
    pub fn issue_token(&self, user: &str, ttl: Duration) -> Result<String, QsError> {
        self.tokens.issue(user, ttl)
    }

    /// Makes a token expire now.
    pub fn expire_token(&self, token: &str) {
        self.tokens.expire(token);
    }

    /// The settings as `QS_...=value` lines a shell can source.
    pub fn env_lines(&self) -> String {
        format!(
            "QS_HOST={}\nQS_PORT={}\nQS_DATABASE={}\nQS_USER={}\nQS_PASSWORD={}\nQS_SSLMODE=verify-full\nQS_SSLROOTCERT={}\nQS_FLAVOR=query-service\n",
            self.host,
            self.port,
            self.database,
            self.user,
            self.token,
            self.ca_path.display()
        )
    }

    /// Connection settings for qsorm-connect: this server, the first token, `verify-full`
    /// against its root certificate, the Query Service flavor.
    pub fn connect_params(&self) -> qsorm_connect::ConnParams {
        qsorm_connect::ConnParams::default()
            .host(&self.host)
            .port(self.port)
            .database(&self.database)
            .user(&self.user)
            .password(&self.token)
            .sslmode(qsorm_connect::SslMode::VerifyFull)
            .sslrootcert(self.ca_path.clone())
            .flavor(qsorm_connect::Flavor::QueryService)
    }

    /// The PSQL command the Experience Platform UI would show for this server.
    pub fn psql_command(&self) -> String {
        format!(
            "psql \"sslmode=require host={} port={} dbname={} user={}\"",
            self.host, self.port, self.database, self.user
        )
    }
}

impl Drop for QueryService {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starting a local Query Service in front of a sandbox database.
#[allow(async_fn_in_trait)]
pub trait SandboxQueryService {
    /// A local Query Service whose datasets are the tables of `database` on this sandbox.
    async fn query_service(
        &self,
        database: &str,
        options: QueryServiceOptions,
    ) -> Result<QueryService, QsError>;
}

impl SandboxQueryService for qsorm_sandbox::Sandbox {
    async fn query_service(
        &self,
        database: &str,
        options: QueryServiceOptions,
    ) -> Result<QueryService, QsError> {
        QueryService::start(
            BackendTarget {
                host: self.host().to_owned(),
                port: self.port(),
                user: self.superuser().to_owned(),
                database: database.to_owned(),
            },
            options,
        )
        .await
    }
}
