//! One session over the simple query protocol, the way psql talks to Query Service: TLS as
//! `sslmode` says, a password login, then one `Query` message per statement, every reply
//! read to `ReadyForQuery`.
//!
//! The Query Service reflection needs what a row-based API (sqlx, sea-orm) drops: the row
//! description of a query that returns no rows (`SELECT * FROM t WHERE 1=0` is how Adobe
//! documents reading a table's columns). The messages are postgres-protocol's codec, the
//! TLS is rustls with the same roots as the connection pool (webpki roots plus the
//! configured root certificate).

use std::sync::Arc;

use bytes::BytesMut;
use fallible_iterator::FallibleIterator;
use postgres_protocol::authentication::md5_hash;
use postgres_protocol::authentication::sasl::{ChannelBinding, SCRAM_SHA_256, ScramSha256};
use postgres_protocol::message::backend::{self, Message};
use postgres_protocol::message::frontend;
use qsorm_connect::{ConnConfig, SslMode};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// Why the session or one of its statements failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SessionError {
    /// The server answered with an error.
    Server {
        /// SQLSTATE.
        code: String,
        /// Message.
        message: String,
        /// Hint, if any.
        hint: Option<String>,
    },
    /// The connection failed (network, TLS, a reply that cannot be read).
    Connection(String),
}

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionError::Server {
                code,
                message,
                hint,
            } => {
                write!(f, "{message} (SQLSTATE {code})")?;
                if let Some(hint) = hint {
                    write!(f, "; hint: {hint}")?;
                }
                Ok(())
            }
            SessionError::Connection(reason) => f.write_str(reason),
        }
    }
}

fn lost(e: impl std::fmt::Display) -> SessionError {
    SessionError::Connection(format!("connection lost: {e}"))
}

/// One column of a row description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResultColumn {
    /// The column name.
    pub name: String,
    /// The type OID.
    pub type_oid: u32,
}

/// What one statement returned: its row description (empty for a command) and its rows
/// as text (`None` for NULL).
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryOutput {
    pub columns: Vec<ResultColumn>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl QueryOutput {
    /// The rows as maps from lower-cased column name to value (for `SHOW` listings).
    pub fn named_rows(&self) -> Vec<std::collections::BTreeMap<String, Option<String>>> {
        self.rows
            .iter()
            .map(|row| {
                self.columns
                    .iter()
                    .zip(row)
                    .map(|(c, v)| (c.name.to_ascii_lowercase(), v.clone()))
                    .collect()
            })
            .collect()
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A simple-query-protocol session.
pub(crate) struct Session {
    io: Box<dyn Io>,
    buf: BytesMut,
    out: BytesMut,
    statements: usize,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("statements", &self.statements)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Connects and logs in; the session is then ready for queries.
    pub async fn connect(config: &ConnConfig) -> Result<Session, SessionError> {
        tokio::time::timeout(config.connect_timeout, Session::open(config))
            .await
            .map_err(|_| {
                SessionError::Connection(format!(
                    "no answer from {}:{} within {:?}",
                    config.host, config.port, config.connect_timeout
                ))
            })?
    }

    async fn open(config: &ConnConfig) -> Result<Session, SessionError> {
        let tcp = TcpStream::connect((config.host.as_str(), config.port))
            .await
            .map_err(|e| {
                SessionError::Connection(format!(
                    "cannot reach {}:{}: {e}",
                    config.host, config.port
                ))
            })?;
        tcp.set_nodelay(true).map_err(lost)?;
        let mode = config.effective_sslmode();
        let (io, encrypted): (Box<dyn Io>, bool) = match mode {
            SslMode::Disable | SslMode::Allow => (Box::new(tcp), false),
            _ => negotiate_tls(tcp, config, mode).await?,
        };
        let mut session = Session {
            io,
            buf: BytesMut::with_capacity(64 * 1024),
            out: BytesMut::new(),
            statements: 0,
        };
        session.login(config, encrypted).await?;
        Ok(session)
    }

    async fn login(&mut self, config: &ConnConfig, encrypted: bool) -> Result<(), SessionError> {
        self.send_startup(config).await?;
        let mut scram: Option<ScramSha256> = None;
        loop {
            match self.read_message().await? {
                Message::AuthenticationOk
                | Message::ParameterStatus(_)
                | Message::BackendKeyData(_)
                | Message::NoticeResponse(_) => {}
                Message::AuthenticationCleartextPassword => {
                    if !encrypted {
                        return Err(SessionError::Connection(
                            "the server asks for a cleartext password on a connection without TLS: \
                             refused (use sslmode=require or stronger)"
                                .to_owned(),
                        ));
                    }
                    self.send_password(&configured_password(config)?).await?;
                }
                Message::AuthenticationMd5Password(body) => {
                    let password = configured_password(config)?;
                    let hash = md5_hash(config.user.as_bytes(), &password, body.salt());
                    self.send_password(hash.as_bytes()).await?;
                }
                Message::AuthenticationSasl(body) => {
                    scram = Some(self.start_scram(&body, config).await?);
                }
                Message::AuthenticationSaslContinue(body) => {
                    let s = scram
                        .as_mut()
                        .ok_or_else(|| lost("unexpected SASL message"))?;
                    s.update(body.data()).map_err(lost)?;
                    frontend::sasl_response(s.message(), &mut self.out).map_err(lost)?;
                    self.flush().await?;
                }
                Message::AuthenticationSaslFinal(body) => {
                    let s = scram
                        .as_mut()
                        .ok_or_else(|| lost("unexpected SASL message"))?;
                    s.finish(body.data()).map_err(lost)?;
                }
                Message::ErrorResponse(body) => return Err(server_error(body.fields())?),
                Message::ReadyForQuery(_) => return Ok(()),
                _ => {
                    return Err(SessionError::Connection(
                        "the server asks for an authentication method this client does not speak"
                            .to_owned(),
                    ));
                }
            }
        }
    }

    /// The startup message: user, database, UTF-8 and the application name.
    async fn send_startup(&mut self, config: &ConnConfig) -> Result<(), SessionError> {
        let application = config
            .application_name
            .as_deref()
            .unwrap_or("qsorm-inspect");
        frontend::startup_message(
            [
                ("user", config.user.as_str()),
                ("database", config.database.as_str()),
                ("client_encoding", "UTF8"),
                ("application_name", application),
            ],
            &mut self.out,
        )
        .map_err(lost)?;
        self.flush().await
    }

    /// A password message (cleartext or MD5 hash).
    async fn send_password(&mut self, password: &[u8]) -> Result<(), SessionError> {
        frontend::password_message(password, &mut self.out).map_err(lost)?;
        self.flush().await
    }

    /// Answers the server's SASL offer with SCRAM-SHA-256's first message (refused when
    /// the server does not offer it), and returns the exchange to continue.
    async fn start_scram(
        &mut self,
        body: &backend::AuthenticationSaslBody,
        config: &ConnConfig,
    ) -> Result<ScramSha256, SessionError> {
        let mut mechanisms = body.mechanisms();
        let mut offered = false;
        while let Some(m) = mechanisms.next().map_err(lost)? {
            offered |= m == SCRAM_SHA_256;
        }
        if !offered {
            return Err(SessionError::Connection(
                "the server offers no SASL mechanism this client speaks".to_owned(),
            ));
        }
        let s = ScramSha256::new(&configured_password(config)?, ChannelBinding::unsupported());
        frontend::sasl_initial_response(SCRAM_SHA_256, s.message(), &mut self.out).map_err(lost)?;
        self.flush().await?;
        Ok(s)
    }

    async fn flush(&mut self) -> Result<(), SessionError> {
        self.io.write_all(&self.out).await.map_err(lost)?;
        self.io.flush().await.map_err(lost)?;
        self.out.clear();
        Ok(())
    }

    async fn read_message(&mut self) -> Result<Message, SessionError> {
        loop {
            if let Some(msg) = Message::parse(&mut self.buf).map_err(lost)? {
                return Ok(msg);
            }
            if self.io.read_buf(&mut self.buf).await.map_err(lost)? == 0 {
                return Err(lost("the server closed the connection"));
            }
        }
    }

    /// Runs one statement (one `Query` message) and reads its whole reply.
    pub async fn query(&mut self, sql: &str) -> Result<QueryOutput, SessionError> {
        if sql.contains('\0') {
            return Err(SessionError::Connection(
                "a statement cannot contain a NUL character".to_owned(),
            ));
        }
        self.statements += 1;
        tracing::debug!(target: "qsorm_inspect::session", sql, "statement");
        frontend::query(sql, &mut self.out).map_err(lost)?;
        self.flush().await?;
        let mut out = QueryOutput::default();
        let mut failure = None;
        loop {
            match self.read_message().await? {
                Message::RowDescription(body) => {
                    out.columns.clear();
                    let mut fields = body.fields();
                    while let Some(f) = fields.next().map_err(lost)? {
                        out.columns.push(ResultColumn {
                            name: f.name().to_owned(),
                            type_oid: f.type_oid(),
                        });
                    }
                }
                Message::DataRow(body) => out.rows.push(row_texts(&body)?),
                Message::ErrorResponse(body) => failure = Some(server_error(body.fields())?),
                Message::ReadyForQuery(_) => break,
                // CommandComplete, EmptyQueryResponse, notices, parameter changes.
                _ => {}
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// The number of statements sent so far.
    pub fn statements(&self) -> usize {
        self.statements
    }

    /// Ends the session politely (`Terminate`).
    pub async fn close(mut self) {
        frontend::terminate(&mut self.out);
        let _ = self.flush().await;
        let _ = self.io.shutdown().await;
    }
}

/// The configured password, for a server that asks for one.
fn configured_password(config: &ConnConfig) -> Result<Vec<u8>, SessionError> {
    config
        .password
        .as_ref()
        .map(|p| p.expose().as_bytes().to_vec())
        .ok_or_else(|| {
            SessionError::Connection(format!(
                "the server asks user `{}` for a password and none is configured",
                config.user
            ))
        })
}

fn server_error(mut fields: backend::ErrorFields<'_>) -> Result<SessionError, SessionError> {
    let (mut code, mut message, mut hint) = (String::new(), String::new(), None);
    while let Some(f) = fields.next().map_err(lost)? {
        let value = String::from_utf8_lossy(f.value_bytes()).into_owned();
        match f.type_() {
            b'C' => code = value,
            b'M' => message = value,
            b'H' => hint = Some(value),
            _ => {}
        }
    }
    Ok(SessionError::Server {
        code,
        message,
        hint,
    })
}

fn row_texts(body: &backend::DataRowBody) -> Result<Vec<Option<String>>, SessionError> {
    let buf = body.buffer();
    let mut ranges = body.ranges();
    let mut out = Vec::new();
    while let Some(range) = ranges.next().map_err(lost)? {
        out.push(range.map(|r| String::from_utf8_lossy(&buf[r]).into_owned()));
    }
    Ok(out)
}

/// `SSLRequest`, then the TLS handshake (or plain TCP for `prefer` when the server says no).
async fn negotiate_tls(
    mut tcp: TcpStream,
    config: &ConnConfig,
    mode: SslMode,
) -> Result<(Box<dyn Io>, bool), SessionError> {
    let mut request = BytesMut::new();
    frontend::ssl_request(&mut request);
    tcp.write_all(&request).await.map_err(lost)?;
    let answer = tcp.read_u8().await.map_err(lost)?;
    if answer != b'S' {
        if mode == SslMode::Prefer {
            return Ok((Box::new(tcp), false));
        }
        return Err(SessionError::Connection(format!(
            "the server at {}:{} does not accept TLS (sslmode={mode})",
            config.host, config.port
        )));
    }
    let tls = tls_config(config, mode)?;
    let name = ServerName::try_from(config.host.clone())
        .map_err(|e| SessionError::Connection(format!("host name `{}`: {e}", config.host)))?;
    let stream = tokio_rustls::TlsConnector::from(Arc::new(tls))
        .connect(name, tcp)
        .await
        .map_err(|e| SessionError::Connection(format!("TLS handshake: {e}")))?;
    Ok((Box::new(stream), true))
}

fn tls_error(e: impl std::fmt::Display) -> SessionError {
    SessionError::Connection(format!("TLS setup: {e}"))
}

/// rustls settings for `mode`: `require` / `prefer` encrypt without checking the
/// certificate; `verify-ca` checks the chain; `verify-full` the chain and the host name.
fn tls_config(config: &ConnConfig, mode: SslMode) -> Result<rustls::ClientConfig, SessionError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?;
    if !mode.verifies_certificate() {
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
            .with_no_client_auth());
    }
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = config.root_cert() {
        let certs = CertificateDer::pem_file_iter(&path)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| tls_error(format!("reading {}: {e}", path.display())))?;
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| tls_error(format!("{}: {e}", path.display())))?;
        }
    }
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(tls_error)?;
    let verifier: Arc<dyn ServerCertVerifier> = if mode == SslMode::VerifyFull {
        verifier
    } else {
        Arc::new(ChainOnly(verifier))
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// `sslmode=require`: encrypted, the certificate not checked (libpq's meaning).
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain is checked, the host name is not.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
