//! The connection to the PostgreSQL that stores the data: the frontend side of the wire
//! protocol (postgres-protocol's codec), simple queries only, trust authentication on
//! loopback.

use bytes::BytesMut;
use fallible_iterator::FallibleIterator;
use postgres_protocol::message::backend::{self, Message};
use postgres_protocol::message::frontend;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::error::{QsError, sqlstate};

/// Where the backend PostgreSQL is and who to be there.
#[derive(Debug, Clone)]
pub struct BackendTarget {
    /// Host (loopback).
    pub host: String,
    /// Port.
    pub port: u16,
    /// A role that logs in without a password (trust), e.g. the sandbox superuser.
    pub user: String,
    /// The database every session works in.
    pub database: String,
}

/// One result column as the backend described it.
#[derive(Debug, Clone)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Table OID (0 when not a table column).
    pub table_oid: u32,
    /// Attribute number.
    pub column_id: i16,
    /// Type OID.
    pub type_oid: u32,
    /// Type size.
    pub type_size: i16,
    /// Type modifier.
    pub type_modifier: i32,
}

/// An error the backend reported: its fields as sent (`C` is the SQLSTATE).
#[derive(Debug, Clone)]
pub struct BackendError {
    /// `(field type, value)` pairs.
    pub fields: Vec<(u8, String)>,
}

impl BackendError {
    /// One field by its type byte.
    pub fn field(&self, kind: u8) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, v)| v.as_str())
    }

    /// The SQLSTATE.
    pub fn code(&self) -> &str {
        self.field(b'C').unwrap_or(sqlstate::INTERNAL_ERROR)
    }
}

/// What one simple query produced, one event at a time.
#[derive(Debug)]
pub enum Event {
    /// A row description.
    Columns(Vec<Column>),
    /// A data row: the raw field bytes (each a 4-byte length, -1 for NULL, then the text).
    Row(backend::DataRowBody),
    /// A statement finished with this command tag.
    Complete(String),
    /// An empty query.
    Empty,
    /// A notice.
    Notice(Vec<(u8, String)>),
    /// An error: the rest of the query was not run.
    Error(BackendError),
    /// The backend is ready again; the byte is its transaction status (`I`, `T`, `E`).
    Ready(u8),
}

/// A session on the backend PostgreSQL.
pub struct Backend {
    stream: TcpStream,
    buf: BytesMut,
    out: BytesMut,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend").finish_non_exhaustive()
    }
}

fn io_err(e: std::io::Error) -> QsError {
    QsError::new(
        sqlstate::CONNECTION_FAILURE,
        format!("the local Query Service lost its storage connection: {e}"),
    )
}

impl Backend {
    /// Connects and waits until the backend is ready for queries.
    pub async fn connect(target: &BackendTarget) -> Result<Backend, QsError> {
        let stream = TcpStream::connect((target.host.as_str(), target.port))
            .await
            .map_err(io_err)?;
        stream.set_nodelay(true).map_err(io_err)?;
        let mut backend = Backend {
            stream,
            buf: BytesMut::with_capacity(64 * 1024),
            out: BytesMut::new(),
        };
        frontend::startup_message(
            [
                ("user", target.user.as_str()),
                ("database", target.database.as_str()),
                ("client_encoding", "UTF8"),
                ("application_name", "qsorm-query-service"),
            ],
            &mut backend.out,
        )
        .map_err(io_err)?;
        backend.flush().await?;
        loop {
            match backend.read_message().await? {
                Message::AuthenticationOk
                | Message::ParameterStatus(_)
                | Message::BackendKeyData(_)
                | Message::NoticeResponse(_) => {}
                Message::ReadyForQuery(_) => return Ok(backend),
                Message::ErrorResponse(body) => {
                    let err = error_fields(body.fields())?;
                    return Err(QsError::new(
                        sqlstate::CONNECTION_FAILURE,
                        format!(
                            "the local Query Service could not open its storage session: {}",
                            err.field(b'M').unwrap_or("unknown error")
                        ),
                    ));
                }
                _ => {
                    return Err(QsError::new(
                        sqlstate::CONNECTION_FAILURE,
                        "the storage PostgreSQL asked for authentication; the local Query Service needs a trust login",
                    ));
                }
            }
        }
    }

    async fn flush(&mut self) -> Result<(), QsError> {
        self.stream.write_all(&self.out).await.map_err(io_err)?;
        self.out.clear();
        Ok(())
    }

    async fn read_message(&mut self) -> Result<Message, QsError> {
        loop {
            if let Some(msg) = Message::parse(&mut self.buf).map_err(io_err)? {
                return Ok(msg);
            }
            let n = self.stream.read_buf(&mut self.buf).await.map_err(io_err)?;
            if n == 0 {
                return Err(io_err(std::io::ErrorKind::UnexpectedEof.into()));
            }
        }
    }

    /// Sends one simple query. Read its events with [`Backend::next_event`] until
    /// [`Event::Ready`].
    pub async fn send(&mut self, sql: &str) -> Result<(), QsError> {
        if sql.contains('\0') {
            return Err(QsError::new(
                sqlstate::CHARACTER_NOT_IN_REPERTOIRE,
                "a statement may not contain a NUL character",
            ));
        }
        frontend::query(sql, &mut self.out).map_err(io_err)?;
        self.flush().await
    }

    /// The next event of the query in flight.
    pub async fn next_event(&mut self) -> Result<Event, QsError> {
        loop {
            let event = match self.read_message().await? {
                Message::RowDescription(body) => {
                    let mut columns = Vec::new();
                    let mut fields = body.fields();
                    while let Some(f) = fields.next().map_err(io_err)? {
                        columns.push(Column {
                            name: f.name().to_owned(),
                            table_oid: f.table_oid(),
                            column_id: f.column_id(),
                            type_oid: f.type_oid(),
                            type_size: f.type_size(),
                            type_modifier: f.type_modifier(),
                        });
                    }
                    Event::Columns(columns)
                }
                Message::DataRow(body) => Event::Row(body),
                Message::CommandComplete(body) => {
                    Event::Complete(body.tag().map_err(io_err)?.to_owned())
                }
                Message::EmptyQueryResponse => Event::Empty,
                Message::NoticeResponse(body) => Event::Notice(error_fields(body.fields())?.fields),
                Message::ErrorResponse(body) => Event::Error(error_fields(body.fields())?),
                Message::ReadyForQuery(body) => Event::Ready(body.status()),
                // Parameter changes and notifications are the backend's business.
                _ => continue,
            };
            return Ok(event);
        }
    }

    /// Runs an internal query and collects its rows as text (NULL as `None`). An error the
    /// backend reports comes back as `Err(Ok(error))`; a broken connection as `Err(Err(..))`.
    pub async fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, QsError> {
        self.send(sql).await?;
        let mut rows = Vec::new();
        let mut failure = None;
        loop {
            match self.next_event().await? {
                Event::Row(body) => rows.push(row_texts(&body)?),
                Event::Error(e) => failure = Some(e),
                Event::Ready(_) => break,
                _ => {}
            }
        }
        match failure {
            None => Ok(rows),
            Some(e) => Err(QsError::from_backend(&e)),
        }
    }

    /// Runs an internal statement for its effect.
    pub async fn execute(&mut self, sql: &str) -> Result<(), QsError> {
        self.rows(sql).await.map(|_| ())
    }
}

fn error_fields(mut fields: backend::ErrorFields<'_>) -> Result<BackendError, QsError> {
    let mut out = Vec::new();
    while let Some(f) = fields.next().map_err(io_err)? {
        out.push((
            f.type_(),
            String::from_utf8_lossy(f.value_bytes()).into_owned(),
        ));
    }
    Ok(BackendError { fields: out })
}

/// The fields of a data row as text.
pub fn row_texts(body: &backend::DataRowBody) -> Result<Vec<Option<String>>, QsError> {
    let buf = body.buffer();
    let mut ranges = body.ranges();
    let mut out = Vec::new();
    while let Some(range) = ranges.next().map_err(io_err)? {
        out.push(range.map(|r| String::from_utf8_lossy(&buf[r]).into_owned()));
    }
    Ok(out)
}
