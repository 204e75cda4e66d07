//! Hostile input through `Repo<E>` on every wire path: the sandbox PostgreSQL with bound
//! parameters (extended protocol, binary rows), the sandbox PostgreSQL with inlined literals
//! over the simple query protocol (`WireMode::Inline` + `QsConnection::simple()`, text rows),
//! and the local Query Service (`qsorm-query-service`, inlined Spark-safe literals, simple
//! protocol) wherever the value kind exists there.
//!
//! - `filters`: injection strings (quotes, `'; DROP TABLE ...`, backslashes, `$1`, `$$`,
//!   `$q$`, `E'`, newlines, RTL and zero-width characters, very long strings, LIKE wildcards)
//!   as filter values of `find` / `count` / `exists` / `first` / `page`, in `IN` lists and in
//!   JSON filters read exactly the matching rows and run nothing else (the table and a
//!   canary table are intact); a NUL is a typed error; a bounded property test over
//!   arbitrary strings finds each inserted value by equality, exactly and only it.
//! - `values`: huge and malformed row values (10 MB text, NaN / ±inf / -0.0, PostgreSQL's
//!   `infinity` and years beyond chrono's range, BC dates, invalid UTF-8 reaching a `String`,
//!   decimals beyond `rust_decimal`, `i64` extremes) round-trip exactly or fail typed, never
//!   with a panic, a truncation or a silently different value.
//!
//! Bounded for CI: each database and local Query Service is the test's own, property tests
//! run a fixed number of cases (`QSORM_HOSTILE_CASES` changes it), no regression files.

mod support;

#[path = "hostile_input/filters.rs"]
mod filters;
#[path = "hostile_input/values.rs"]
mod values;

use qsorm_connect::cli::sandbox_connection;
use qsorm_connect::{Executor, Flavor, QsConnection};
use qsorm_query_service::QueryService;
use qsorm_repository::{Profile, Recorder, Repo, WireMode};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use support::query_service::local_query_service;
use support::{qs_grammar, sandbox};

/// The test entity: one column of each kind the scenarios need.
mod hostile {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "hostile_rows")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub label: String,
        pub note: Option<String>,
        pub n: Option<i64>,
        pub f32v: Option<f32>,
        pub f64v: Option<f64>,
        pub ts: Option<DateTimeWithTimeZone>,
        pub naive: Option<DateTime>,
        pub day: Option<Date>,
        pub amount: Option<Decimal>,
        #[sea_orm(column_type = "JsonBinary")]
        pub doc: Option<Json>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {}

    /// A row with only its key and label set.
    pub fn labelled(id: i64, label: &str) -> Model {
        Model {
            id,
            label: label.to_owned(),
            note: None,
            n: None,
            f32v: None,
            f64v: None,
            ts: None,
            naive: None,
            day: None,
            amount: None,
            doc: None,
        }
    }
}

/// The entity's table (no index besides the key: a 10 MB label must fit) and a canary table
/// that no statement of the tests may touch.
const SCHEMA: &str = "
CREATE TABLE hostile_rows (
    id bigint PRIMARY KEY,
    label text NOT NULL,
    note text,
    n bigint,
    f32v real,
    f64v double precision,
    ts timestamptz,
    naive timestamp,
    day date,
    amount numeric,
    doc jsonb
);
CREATE TABLE canary (n integer);
INSERT INTO canary VALUES (1);
";

/// Which wire path a [`Path`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    /// PostgreSQL, bound parameters, extended protocol, binary rows.
    Bind,
    /// PostgreSQL, literals inlined by the PostgreSQL renderer, simple protocol, text rows.
    Inline,
    /// The local Query Service: Query Service literals, simple protocol.
    QueryService,
}

/// One wire path to a database of its own: the connection the repository runs on
/// ([`Path::repo`]), the statements it sent, and a bound PostgreSQL connection to the same
/// storage database to check what is really there.
struct Path {
    pub wire: Wire,
    pub name: &'static str,
    pub db: Executor,
    /// The call timeout of the connection's own profile (`Profile::for_connection`).
    call_timeout: Option<std::time::Duration>,
    pub recorder: Recorder,
    pub storage: QsConnection,
    qs: Option<(QueryService, QsConnection)>,
}

impl Path {
    /// A fresh sandbox database loaded with `schema`, reached over `wire`.
    pub async fn open(wire: Wire, schema: &str) -> Path {
        let sb = sandbox();
        let database = sb.fresh_database().await.expect("fresh database");
        Path::on(wire, &database, schema).await
    }

    /// `wire` to the existing sandbox database `database`, after loading `schema` into it.
    pub async fn on(wire: Wire, database: &str, schema: &str) -> Path {
        let storage = sandbox_connection(sandbox(), database, None).expect("connection");
        if !schema.is_empty() {
            storage
                .db()
                .execute_unprepared(schema)
                .await
                .expect("schema loads");
        }
        let recorder = Recorder::new();
        let (name, profile, db, qs) = match wire {
            Wire::Bind => (
                "PostgreSQL (bind)",
                Profile::for_connection(&storage),
                Executor::Bound(storage.db().clone()),
                None,
            ),
            Wire::Inline => (
                "PostgreSQL (inline, simple protocol)",
                Profile::for_connection(&storage),
                Executor::Simple(storage.simple()),
                None,
            ),
            Wire::QueryService => {
                let (server, conn) = local_query_service(database).await;
                (
                    "local Query Service",
                    Profile::for_connection(&conn),
                    conn.executor().clone(),
                    Some((server, conn)),
                )
            }
        };
        let path = Path {
            wire,
            name,
            db,
            call_timeout: profile.call_timeout(),
            recorder,
            storage,
            qs,
        };
        // The executor's profile is the wire path's: bind parameters, PostgreSQL literals
        // inlined over the simple protocol, Query Service literals.
        let want = match wire {
            Wire::Bind => (Flavor::Postgres, WireMode::Bind),
            Wire::Inline => (Flavor::Postgres, WireMode::Inline),
            Wire::QueryService => (Flavor::QueryService, WireMode::Inline),
        };
        let repo = path.repo();
        assert_eq!(
            (repo.profile().flavor(), repo.profile().wire()),
            want,
            "{}",
            path.name
        );
        drop(repo);
        path
    }

    /// The repository on this path's connection, recording what it sends.
    pub fn repo(&self) -> Repo<'_, hostile::Entity, Executor> {
        Repo::new(&self.db)
            .with_recorder(self.recorder.clone())
            .with_call_timeout(self.call_timeout)
    }

    /// Every wire path, each on a database of its own loaded with `schema`.
    pub async fn all(schema: &str) -> Vec<Path> {
        let mut paths = Vec::new();
        for wire in [Wire::Bind, Wire::Inline, Wire::QueryService] {
            paths.push(Path::open(wire, schema).await);
        }
        paths
    }

    /// Whether this is the local Query Service path.
    pub fn is_query_service(&self) -> bool {
        self.wire == Wire::QueryService
    }

    /// How many statements this path has sent so far.
    pub fn sent(&self) -> usize {
        self.recorder.statements().len()
    }

    /// On the Query Service path, every statement sent so far is in the documented subset.
    pub fn check_grammar(&self) {
        if !self.is_query_service() {
            return;
        }
        for sql in self.recorder.statements() {
            let shown: String = sql.chars().take(400).collect();
            qs_grammar::check(&sql).unwrap_or_else(|e| panic!("{}: {e}\n{shown}", self.name));
        }
    }

    /// Runs SQL on the storage database directly (bound connection).
    pub async fn storage_exec(&self, sql: &str) {
        self.storage
            .db()
            .execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{}: {sql}: {e}", self.name));
    }

    /// `count(*)` of a storage table.
    pub async fn storage_count(&self, table: &str) -> i64 {
        self.storage
            .db()
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT count(*)::bigint AS n FROM {table}"),
            ))
            .await
            .unwrap_or_else(|e| panic!("{}: count {table}: {e}", self.name))
            .expect("a row")
            .try_get("", "n")
            .expect("n")
    }

    /// The canary table still holds its one row.
    pub async fn assert_canary(&self) {
        assert_eq!(
            self.storage_count("canary").await,
            1,
            "{}: the canary table was touched",
            self.name
        );
    }

    /// Closes the connections and stops the local Query Service.
    pub async fn close(self) {
        if let Some((server, conn)) = self.qs {
            conn.close().await;
            drop(server);
        }
        self.storage.close().await;
    }
}
