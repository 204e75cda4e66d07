//! Helpers for the local Query Service integration tests: one sandbox per test binary, a fresh
//! database and a `QueryService` per test, sqlx connections over TLS (simple query protocol),
//! a tiny raw wire client for what sqlx does not show (row descriptions of empty results, the
//! exact `server_version` parameter), and psql.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use fallible_iterator::FallibleIterator;
use postgres_protocol::message::backend::Message;
use postgres_protocol::message::frontend;
use qsorm_query_service::{QueryService, QueryServiceOptions, SandboxQueryService};
use qsorm_sandbox::Sandbox;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow, PgSslMode};
use sqlx::{AssertSqlSafe, Column, Connection, Row, TypeInfo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Every test body runs under this bound.
pub const TEST_BOUND: Duration = Duration::from_secs(45);

/// Runs a test body, failing it when it takes longer than [`TEST_BOUND`].
pub async fn bounded<F: Future<Output = ()>>(body: F) {
    tokio::time::timeout(TEST_BOUND, body)
        .await
        .expect("the test took longer than its bound");
}

/// The sandbox of this test binary.
pub fn sandbox() -> &'static Sandbox {
    Sandbox::shared().expect("the shared sandbox starts")
}

/// A fresh database prepared by the superuser, and a Query Service in front of it.
pub struct Env {
    /// The storage database.
    pub db: String,
    /// The server.
    pub qs: QueryService,
}

impl Env {
    /// A fresh database where the superuser ran `setup` (may be empty), served with the
    /// default options.
    pub async fn start(setup: &str) -> Env {
        Env::start_with(setup, QueryServiceOptions::default()).await
    }

    /// Same with these options.
    pub async fn start_with(setup: &str, options: QueryServiceOptions) -> Env {
        let sandbox = sandbox();
        let db = sandbox.fresh_database().await.expect("fresh database");
        if !setup.trim().is_empty() {
            sandbox
                .admin_execute(&db, setup)
                .await
                .unwrap_or_else(|e| panic!("superuser setup failed: {e}\n{setup}"));
        }
        let qs = sandbox
            .query_service(&db, options)
            .await
            .expect("the query service starts");
        Env { db, qs }
    }

    /// Runs SQL as the superuser on the storage database (bypassing the server).
    pub async fn admin(&self, sql: &str) {
        sandbox()
            .admin_execute(&self.db, sql)
            .await
            .unwrap_or_else(|e| panic!("superuser statement failed: {e}\n{sql}"));
    }

    /// Connection options of a client of this server: TLS verify-full, token as password.
    pub fn options(&self) -> PgConnectOptions {
        options(&self.qs)
    }

    /// A connected client.
    pub async fn connect(&self) -> PgConnection {
        PgConnection::connect_with(&self.options())
            .await
            .expect("connects to the local query service")
    }
}

/// Connection options of a client of `qs`: TLS verify-full, token as password, `prod:all`.
pub fn options(qs: &QueryService) -> PgConnectOptions {
    PgConnectOptions::new_without_pgpass()
        .host(qs.host())
        .port(qs.port())
        .username(qs.user())
        .password(qs.token())
        .database(qs.database())
        .ssl_mode(PgSslMode::VerifyFull)
        .ssl_root_cert(qs.ca_cert_path())
        .application_name("qsorm-query-service-tests")
}

/// The SQLSTATE of an error.
pub fn sqlstate(e: &sqlx::Error) -> Option<String> {
    e.as_database_error()
        .and_then(|d| d.code())
        .map(|c| c.into_owned())
}

/// Runs statements (simple query protocol) and returns the rows of all of them.
pub async fn try_rows(conn: &mut PgConnection, sql: &str) -> Result<Vec<PgRow>, sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .fetch_all(conn)
        .await
}

/// Runs statements that must succeed; returns rows as text (`None` for NULL).
pub async fn rows(conn: &mut PgConnection, sql: &str) -> Vec<Vec<Option<String>>> {
    let rows = try_rows(conn, sql)
        .await
        .unwrap_or_else(|e| panic!("statement refused ({:?}): {e}\n{sql}", sqlstate(&e)));
    rows.iter().map(texts).collect()
}

/// Runs statements that must succeed; returns rows as text, NULL failing the test.
pub async fn strings(conn: &mut PgConnection, sql: &str) -> Vec<Vec<String>> {
    rows(conn, sql)
        .await
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| v.expect("no NULL expected"))
                .collect()
        })
        .collect()
}

/// The first column of every row, as text.
pub async fn column(conn: &mut PgConnection, sql: &str) -> Vec<String> {
    strings(conn, sql)
        .await
        .into_iter()
        .map(|mut r| r.swap_remove(0))
        .collect()
}

/// Runs statements that must succeed; returns the rows affected.
pub async fn exec(conn: &mut PgConnection, sql: &str) -> u64 {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("statement refused ({:?}): {e}\n{sql}", sqlstate(&e)))
        .rows_affected()
}

/// Runs statements that must be refused with `code`; returns the error message.
pub async fn refused(conn: &mut PgConnection, sql: &str, code: &str) -> String {
    match sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut *conn)
        .await
    {
        Ok(_) => panic!("expected {code}, the statement was accepted:\n{sql}"),
        Err(e) => {
            assert_eq!(
                sqlstate(&e).as_deref(),
                Some(code),
                "wrong SQLSTATE for:\n{sql}\nerror: {e}"
            );
            e.as_database_error()
                .map(|d| d.message().to_owned())
                .unwrap_or_default()
        }
    }
}

/// A row's values as text (every value is text over the simple query protocol).
pub fn texts(row: &PgRow) -> Vec<Option<String>> {
    (0..row.len())
        .map(|i| {
            row.try_get_unchecked::<Option<String>, _>(i)
                .expect("a text value")
        })
        .collect()
}

/// Column names and type names of a row.
pub fn columns(row: &PgRow) -> Vec<(String, String)> {
    row.columns()
        .iter()
        .map(|c| (c.name().to_owned(), c.type_info().name().to_owned()))
        .collect()
}

/// Column names and type OIDs of a row.
pub fn column_oids(row: &PgRow) -> Vec<(String, u32)> {
    row.columns()
        .iter()
        .map(|c| {
            (
                c.name().to_owned(),
                c.type_info().oid().map(|o| o.0).unwrap_or(0),
            )
        })
        .collect()
}

/// `vec!["a", "b"]` as owned rows, for comparisons.
pub fn owned(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|s| (*s).to_owned()).collect())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A raw wire client (TLS, cleartext password, simple queries), to see the protocol itself.

/// What the server answered to one simple query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// RowDescription: `(name, type OID)`.
    Columns(Vec<(String, u32)>),
    /// A data row as text.
    Row(Vec<Option<String>>),
    /// CommandComplete tag.
    Complete(String),
    /// ErrorResponse: SQLSTATE and message.
    Error(String, String),
    /// EmptyQueryResponse.
    Empty,
    /// ReadyForQuery with its status byte.
    Ready(u8),
}

/// A raw client session.
pub struct Raw {
    stream: tokio_rustls::client::TlsStream<TcpStream>,
    buf: BytesMut,
    /// The ParameterStatus values sent after login.
    pub parameters: HashMap<String, String>,
}

fn tls_config(ca: &std::path::Path) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).expect("root.crt") {
        roots.add(cert.expect("a certificate")).expect("a root");
    }
    Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("tls versions")
        .with_root_certificates(roots)
        .with_no_client_auth(),
    )
}

fn error_of(body: &postgres_protocol::message::backend::ErrorResponseBody) -> (String, String) {
    let mut fields = body.fields();
    let (mut code, mut message) = (String::new(), String::new());
    while let Some(f) = fields.next().expect("error fields") {
        match f.type_() {
            b'C' => code = String::from_utf8_lossy(f.value_bytes()).into_owned(),
            b'M' => message = String::from_utf8_lossy(f.value_bytes()).into_owned(),
            _ => {}
        }
    }
    (code, message)
}

impl Raw {
    /// Logs in to `qs` as its user with its token. `Err((code, message))` when refused.
    pub async fn connect(qs: &QueryService) -> Result<Raw, (String, String)> {
        let mut tcp = TcpStream::connect((qs.host(), qs.port()))
            .await
            .expect("tcp connect");
        let mut out = BytesMut::new();
        frontend::ssl_request(&mut out);
        tcp.write_all(&out).await.expect("ssl request");
        let mut answer = [0u8; 1];
        tcp.read_exact(&mut answer).await.expect("ssl answer");
        assert_eq!(answer[0], b'S', "the server accepts TLS");
        let connector = tokio_rustls::TlsConnector::from(tls_config(qs.ca_cert_path()));
        let name = ServerName::try_from(qs.host().to_owned()).expect("server name");
        let stream = connector.connect(name, tcp).await.expect("tls handshake");
        let mut raw = Raw {
            stream,
            buf: BytesMut::new(),
            parameters: HashMap::new(),
        };
        let mut out = BytesMut::new();
        frontend::startup_message([("user", qs.user()), ("database", qs.database())], &mut out)
            .expect("startup message");
        raw.write(&out).await;
        loop {
            match raw.read().await {
                Message::AuthenticationCleartextPassword => {
                    let mut out = BytesMut::new();
                    frontend::password_message(qs.token().as_bytes(), &mut out)
                        .expect("password message");
                    raw.write(&out).await;
                }
                Message::AuthenticationOk | Message::BackendKeyData(_) => {}
                Message::ParameterStatus(p) => {
                    raw.parameters.insert(
                        p.name().expect("name").to_owned(),
                        p.value().expect("value").to_owned(),
                    );
                }
                Message::ReadyForQuery(_) => return Ok(raw),
                Message::ErrorResponse(body) => return Err(error_of(&body)),
                _ => panic!("unexpected message during startup"),
            }
        }
    }

    async fn write(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
        self.stream.flush().await.expect("flush");
    }

    async fn read(&mut self) -> Message {
        loop {
            if let Some(m) = Message::parse(&mut self.buf).expect("a backend message") {
                return m;
            }
            let n = self.stream.read_buf(&mut self.buf).await.expect("read");
            assert!(n > 0, "the server closed the connection");
        }
    }

    /// Reads messages up to and including ReadyForQuery.
    async fn answers(&mut self) -> Vec<Answer> {
        let mut out = Vec::new();
        loop {
            let answer = match self.read().await {
                Message::RowDescription(body) => {
                    let mut fields = body.fields();
                    let mut cols = Vec::new();
                    while let Some(f) = fields.next().expect("fields") {
                        cols.push((f.name().to_owned(), f.type_oid()));
                    }
                    Answer::Columns(cols)
                }
                Message::DataRow(body) => {
                    let buf = body.buffer();
                    let mut ranges = body.ranges();
                    let mut values = Vec::new();
                    while let Some(r) = ranges.next().expect("ranges") {
                        values.push(r.map(|r| String::from_utf8_lossy(&buf[r]).into_owned()));
                    }
                    Answer::Row(values)
                }
                Message::CommandComplete(body) => {
                    Answer::Complete(body.tag().expect("tag").to_owned())
                }
                Message::EmptyQueryResponse => Answer::Empty,
                Message::ErrorResponse(body) => {
                    let (c, m) = error_of(&body);
                    Answer::Error(c, m)
                }
                Message::ReadyForQuery(body) => {
                    out.push(Answer::Ready(body.status()));
                    return out;
                }
                _ => continue,
            };
            out.push(answer);
        }
    }

    /// Sends one simple query and returns everything up to ReadyForQuery.
    pub async fn query(&mut self, sql: &str) -> Vec<Answer> {
        let mut out = BytesMut::new();
        frontend::query(sql, &mut out).expect("query message");
        self.write(&out).await;
        self.answers().await
    }

    /// Sends a lone Sync and returns everything up to ReadyForQuery.
    pub async fn sync(&mut self) -> Vec<Answer> {
        let mut out = BytesMut::new();
        frontend::sync(&mut out);
        self.write(&out).await;
        self.answers().await
    }
}

// ---------------------------------------------------------------------------------------------
// psql.

/// The psql program: the sandbox's, else the one on the PATH.
pub fn psql_program() -> PathBuf {
    let bundled = sandbox().bin_dir().join("psql");
    if bundled.is_file() {
        return bundled;
    }
    for dir in std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let candidate = dir.join("psql");
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!("psql is needed for the catalog test and was not found");
}

/// psql's result: exit success, stdout, stderr.
#[derive(Debug)]
pub struct PsqlRun {
    /// Exit status 0.
    pub success: bool,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `psql -c <command>` against `qs` the way Adobe documents it (sslmode=require,
/// PGGSSENCMODE=disable, the token in PGPASSWORD).
pub async fn psql(qs: &QueryService, command: &str) -> PsqlRun {
    let conninfo = format!(
        "host={} port={} dbname={} user={}",
        qs.host(),
        qs.port(),
        qs.database(),
        qs.user()
    );
    let mut cmd = tokio::process::Command::new(psql_program());
    cmd.args([
        "-X",
        "-w",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        command,
        &conninfo,
    ])
    .env_clear()
    .env("PATH", std::env::var_os("PATH").unwrap_or_default())
    .env("PGPASSWORD", qs.token())
    .env("PGSSLMODE", "require")
    .env("PGSSLROOTCERT", qs.ca_cert_path())
    .env("PGGSSENCMODE", "disable")
    .env("PGCONNECT_TIMEOUT", "10")
    .env("PAGER", "")
    .env("PSQL_PAGER", "")
    .env("LC_ALL", "C")
    .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(20), cmd.output())
        .await
        .expect("psql finishes in time")
        .expect("psql runs");
    PsqlRun {
        success: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
