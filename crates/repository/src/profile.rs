//! The dialect profile a repository writes for, and how statements travel on the wire.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use qsorm_connect::{ErrorContext, Flavor, QsConnection};

use crate::qs_literal::CompositeTypes;

/// How statements are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireMode {
    /// Values travel as bind parameters (extended protocol). PostgreSQL default.
    Bind,
    /// Values are inlined as literals of the profile's flavor by qsorm's one renderer
    /// ([`qsorm_connect::literal`]; reads are built with placeholders and inlined, Query
    /// Service inserts use [`crate::qs_literal`]). Query Service default. Pair it with
    /// `QsConnection::simple()` so every statement also travels over the simple query
    /// protocol (like psql and psycopg2).
    Inline,
}

/// Rows per round trip when reading from Query Service: under its 50,000-row client cap.
pub const QUERY_SERVICE_PAGE_CAP: u64 = 50_000;

/// A list every emitted SQL statement is appended to (for audits and tests).
#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<String>>>);

impl Recorder {
    /// A new, empty recorder.
    pub fn new() -> Recorder {
        Recorder::default()
    }

    pub(crate) fn push(&self, sql: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(sql.to_owned());
    }

    /// The statements recorded so far, oldest first.
    pub fn statements(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// What the repository may emit and how.
#[derive(Debug, Clone)]
pub struct Profile {
    pub(crate) flavor: Flavor,
    pub(crate) wire: WireMode,
    pub(crate) recorder: Option<Recorder>,
    pub(crate) ctx: Option<ErrorContext>,
    pub(crate) bulk_chunk: usize,
    pub(crate) composites: CompositeTypes,
    pub(crate) call_timeout: Option<Duration>,
    pub(crate) statement_cap: usize,
}

impl Profile {
    /// Full PostgreSQL: bind parameters, every operation.
    pub fn postgres() -> Profile {
        Profile {
            flavor: Flavor::Postgres,
            wire: WireMode::Bind,
            recorder: None,
            ctx: None,
            bulk_chunk: 20_000,
            composites: CompositeTypes::new(),
            call_timeout: None,
            statement_cap: crate::MAX_STATEMENT_BYTES,
        }
    }

    /// Query Service: only what its documented grammar accepts (`INSERT INTO t SELECT ...`,
    /// no UPDATE/DELETE/ON CONFLICT), inlined literals, pages under the row cap.
    pub fn query_service() -> Profile {
        Profile {
            flavor: Flavor::QueryService,
            wire: WireMode::Inline,
            ..Profile::postgres()
        }
    }

    /// The profile matching a connection's flavor, with its error context and, when the
    /// connection has a `statement_timeout`, a bound on every round trip of
    /// `statement_timeout + connect_timeout` (see [`Profile::with_call_timeout`]).
    pub fn for_connection(conn: &QsConnection) -> Profile {
        let config = conn.config();
        let mut p = match config.flavor {
            Flavor::QueryService => Profile::query_service(),
            Flavor::Postgres => Profile::postgres(),
        };
        p.ctx = Some(conn.error_context());
        p.call_timeout = config
            .statement_timeout
            .map(|statement| statement + config.connect_timeout);
        p
    }

    /// Bounds every round trip the repository makes (each statement, `BEGIN`, `COMMIT`,
    /// savepoints) on the client side: a round trip with no answer after `limit` ends with
    /// [`qsorm_connect::ConnectError::Timeout`] (in [`crate::RepoError::Connection`]).
    ///
    /// The server's `statement_timeout` cannot end a call whose link stalled (a hung
    /// middlebox, a frozen server): the query or its answer never gets through, and without
    /// this bound the call waits forever. [`Profile::for_connection`] sets
    /// `statement_timeout + connect_timeout` when the connection has a statement timeout: by
    /// then the server would have answered, if only with its own timeout error. The abandoned
    /// connection is not reused blindly: the pool checks it in the background (the
    /// transaction it was in is rolled back) and closes it when the link is dead; while the
    /// link stays stalled that check waits too, and holds one of the pool's slots.
    /// `None` (the default without a statement timeout): no bound.
    pub fn with_call_timeout(mut self, limit: Option<Duration>) -> Profile {
        self.call_timeout = limit;
        self
    }

    /// The client-side bound on each round trip (see [`Profile::with_call_timeout`]).
    pub fn call_timeout(&self) -> Option<Duration> {
        self.call_timeout
    }

    /// Overrides the wire mode (e.g. inlined literals on PostgreSQL behind a pooler).
    pub fn with_wire(mut self, wire: WireMode) -> Profile {
        self.wire = wire;
        self
    }

    /// Records every emitted statement.
    pub fn with_recorder(mut self, recorder: Recorder) -> Profile {
        self.recorder = Some(recorder);
        self
    }

    /// Rows per statement in `insert_many` (default 20,000).
    pub fn with_bulk_chunk(mut self, rows: usize) -> Profile {
        self.bulk_chunk = rows.max(1);
        self
    }

    /// The size cap of each Query Service insert statement (default
    /// [`MAX_STATEMENT_BYTES`](crate::MAX_STATEMENT_BYTES), 4 MiB; at least 64 KiB). Larger
    /// statements mean fewer batch jobs per batch of rows, and more memory on the engine's
    /// driver while it parses them (about 190 MiB per MiB on Spark): raise it only where the
    /// engine is known to take it. A row larger than the cap alone is
    /// [`RepoError::StatementTooLarge`](crate::RepoError::StatementTooLarge).
    pub fn with_statement_cap(mut self, bytes: usize) -> Profile {
        self.statement_cap = bytes.max(64 << 10);
        self
    }

    /// The size cap of each Query Service insert statement (see
    /// [`Profile::with_statement_cap`]).
    pub fn statement_cap(&self) -> usize {
        self.statement_cap
    }

    /// The composite types known to this profile: those of the repository's entity
    /// ([`Table::COMPOSITE_TYPES`](crate::Table::COMPOSITE_TYPES)), so Query Service inserts
    /// type each field of a `struct(...)` literal from its SQL type (a decimal field as a
    /// number, a timestamp field as `CAST(... AS timestamp)`) rather than from the JSON
    /// value's shape.
    pub fn composite_types(&self) -> &CompositeTypes {
        &self.composites
    }

    /// The flavor.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// The wire mode.
    pub fn wire(&self) -> WireMode {
        self.wire
    }

    /// Largest page a read may ask for in one statement.
    pub fn page_cap(&self) -> u64 {
        match self.flavor {
            Flavor::QueryService => QUERY_SERVICE_PAGE_CAP,
            Flavor::Postgres => u64::MAX,
        }
    }
}
