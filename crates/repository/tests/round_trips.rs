//! One statement per single-row operation: `insert`, `get`, `update`, `delete` each send one
//! statement outside a transaction, counted on the client (the profile's `Recorder`) and on
//! the server (`pg_stat_statements` calls, which with `track_utility` also count `BEGIN`,
//! `SAVEPOINT`, `RELEASE` and `COMMIT`). Errors stay typed; inside a caller's transaction a
//! failed statement aborts it unless wrapped in a nested `transaction` (a savepoint).

mod support;

use qsorm_connect::QsConnection;
use qsorm_connect::cli::sandbox_connection;
use qsorm_repository::{Recorder, Repo, RepoError, transaction};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{Condition, ConnectionTrait};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use support::event_table::{PAGE_EVENTS_SQL, page_events};

/// A fresh database with the `page_events` table, the app's connection to it and a superuser
/// connection reading `pg_stat_statements` for the app role in that database.
async fn setup() -> (QsConnection, Counter) {
    let sb = support::sandbox();
    assert!(
        sb.has_pg_stat_statements(),
        "the sandbox must preload pg_stat_statements for this test"
    );
    let name = sb.fresh_database().await.expect("fresh database");
    let conn = sandbox_connection(sb, &name, None).expect("connection");
    conn.db()
        .execute_unprepared(PAGE_EVENTS_SQL)
        .await
        .expect("table");
    let admin = PgConnection::connect_with(&sb.superuser_connect_options(&name))
        .await
        .expect("superuser");
    let counter = Counter {
        admin,
        app_user: sb.app_user().to_owned(),
    };
    (conn, counter)
}

/// Statements the server ran for the app role in the test's database.
struct Counter {
    admin: PgConnection,
    app_user: String,
}

impl Counter {
    async fn calls(&mut self) -> i64 {
        let sql = format!(
            "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements \
             WHERE toplevel AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND userid = (SELECT oid FROM pg_roles WHERE rolname = '{}')",
            self.app_user.replace('\'', "''")
        );
        sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(&mut self.admin)
            .await
            .expect("pg_stat_statements")
    }
}

fn event(id: &str) -> page_events::ActiveModel {
    page_events::ActiveModel {
        id: Set(id.to_owned()),
        occurred_at: Set("2024-05-01T10:00:00+02:00".parse().expect("timestamp")),
        event_type: Set("page_view".into()),
        page_url: Set("https://example.com/it's".into()),
        value: Set(Some(1.5)),
        referrer: Set(None),
        payload: Set(serde_json::json!({"session": 7, "tags": ["a", "b"]})),
    }
}

/// Runs `op`, then asserts it sent exactly one statement seen by both counters.
macro_rules! one_statement {
    ($what:literal, $recorder:expr, $counter:expr, $op:expr) => {{
        let sent = $recorder.statements().len();
        let ran = $counter.calls().await;
        let out = $op;
        let statements = $recorder.statements();
        assert_eq!(
            statements.len() - sent,
            1,
            "{}: client sent {:?}",
            $what,
            &statements[sent..]
        );
        assert_eq!($counter.calls().await - ran, 1, "{}: server calls", $what);
        out
    }};
}

#[tokio::test]
async fn insert_get_update_delete_are_one_statement_each() {
    let (conn, mut counter) = setup().await;
    let db = conn.db();
    let recorder = Recorder::new();
    let repo = Repo::<page_events::Entity, _>::new(db).with_recorder(recorder.clone());
    // Warm the connection (sqlx prepares each statement once per connection, then caches it):
    // the counts below are the steady state, and the first run is the same statement count.
    repo.insert(event("warm")).await.expect("warm insert");
    repo.delete("warm".to_owned()).await.expect("warm delete");

    let stored = one_statement!("insert", recorder, counter, {
        repo.insert(event("e1")).await.expect("insert")
    });
    assert_eq!(stored.payload["tags"][1], "b");
    assert!(
        recorder
            .statements()
            .last()
            .expect("sql")
            .contains("RETURNING")
    );
    let got = one_statement!("get", recorder, counter, {
        repo.get("e1".to_owned()).await.expect("get")
    });
    assert_eq!(got.as_ref(), Some(&stored));
    let changed = page_events::ActiveModel {
        id: Set("e1".into()),
        value: Set(None),
        referrer: Set(Some("https://ref.example/".into())),
        ..Default::default()
    };
    let updated = one_statement!("update", recorder, counter, {
        repo.update(changed).await.expect("update")
    });
    assert_eq!(
        (updated.value, updated.event_type.as_str()),
        (None, "page_view")
    );
    let deleted = one_statement!("delete", recorder, counter, {
        repo.delete("e1".to_owned()).await.expect("delete")
    });
    assert!(deleted);
    for sql in recorder.statements() {
        let head = sql.split_whitespace().next().unwrap_or_default();
        assert!(
            ["INSERT", "SELECT", "UPDATE", "DELETE"].contains(&head),
            "only the operations' own statements: {sql}"
        );
    }
}

#[tokio::test]
async fn errors_stay_typed_in_one_statement() {
    let (conn, _counter) = setup().await;
    let db = conn.db();
    let recorder = Recorder::new();
    let repo = Repo::<page_events::Entity, _>::new(db).with_recorder(recorder.clone());
    repo.insert(event("dup")).await.expect("insert");
    let sent = recorder.statements().len();
    let err = repo.insert(event("dup")).await.expect_err("duplicate");
    assert!(
        matches!(err, RepoError::UniqueViolation { ref constraint, ref table, row: Some(0), .. }
            if constraint == "page_events_pkey" && table == "page_events"),
        "{err:?}"
    );
    let mut missing = event("no-such");
    missing.payload = NotSet;
    missing.occurred_at = NotSet;
    let err = repo.update(missing).await.expect_err("not found");
    assert!(matches!(err, RepoError::NotFound { .. }), "{err:?}");
    let mut null_type = event("nn");
    null_type.event_type = NotSet;
    let err = repo.insert(null_type).await.expect_err("not null");
    assert!(
        matches!(err, RepoError::NotNullViolation { ref column, row: Some(0), .. } if column == "event_type"),
        "{err:?}"
    );
    assert_eq!(
        recorder.statements().len() - sent,
        3,
        "one statement per call"
    );
    assert_eq!(repo.count(Condition::all()).await.expect("count"), 1);
}

/// Inside a caller's transaction a single-row write is one statement too, with no savepoint.
/// A failed statement aborts the caller's transaction, as any failed statement does in
/// PostgreSQL; the caller who wants to go on wraps the write in a nested `transaction`
/// (one savepoint), which keeps the transaction usable.
#[tokio::test]
async fn inside_a_transaction_a_failed_write_needs_a_nested_transaction_to_go_on() {
    let (conn, mut counter) = setup().await;
    let db = conn.db();
    let recorder = Recorder::new();
    let repo = Repo::<page_events::Entity, _>::new(db).with_recorder(recorder.clone());
    repo.insert(event("taken")).await.expect("insert");

    let before = counter.calls().await;
    transaction(db, async |tx| {
        let r = repo.on(tx);
        r.insert(event("a")).await?;
        let dup = transaction(tx, async |sp| r.on(sp).insert(event("taken")).await).await;
        assert!(
            matches!(dup, Err(RepoError::UniqueViolation { .. })),
            "{dup:?}"
        );
        r.insert(event("b")).await?;
        Ok(())
    })
    .await
    .expect("the savepoint kept the transaction usable");
    // BEGIN, INSERT a, SAVEPOINT, (failed INSERT: not counted), ROLLBACK TO, INSERT b, COMMIT.
    assert_eq!(counter.calls().await - before, 6);
    assert_eq!(repo.count(Condition::all()).await.expect("count"), 3);

    let err = transaction(db, async |tx| {
        let r = repo.on(tx);
        let dup = r.insert(event("taken")).await;
        assert!(
            matches!(dup, Err(RepoError::UniqueViolation { .. })),
            "{dup:?}"
        );
        r.insert(event("c")).await?;
        Ok(())
    })
    .await
    .expect_err("the failed statement aborted the caller's transaction");
    assert_eq!(
        err.sqlstate(),
        Some(qsorm_repository::SqlState::IN_FAILED_SQL_TRANSACTION),
        "{err:?}"
    );
    assert_eq!(repo.count(Condition::all()).await.expect("count"), 3);
}

/// Server turns per single-row call on a warm pool, counted by a proxy that frames the
/// server's messages (`ReadyForQuery`: one per turn). With one pooled connection used back to
/// back, each call costs its statement plus sqlx's ping when the connection goes back to the
/// pool, which runs after the call has returned. The pool pings before handing a connection
/// out only when it sat idle for `IDLE_BEFORE_PING` (it used to on every checkout: 3 turns).
#[tokio::test]
async fn a_warm_pool_adds_no_server_turn_before_a_single_row_call() {
    use qsorm_connect::{ConnParams, Flavor, IDLE_BEFORE_PING, SslMode};
    use qsorm_sandbox::proxy::FaultProxy;
    let sb = support::sandbox();
    let name = sb.fresh_database().await.expect("fresh database");
    let proxy = FaultProxy::to_sandbox(sb).expect("proxy");
    let params = ConnParams::default()
        .host(sb.host())
        .port(proxy.port())
        .database(&name)
        .user(sb.app_user())
        .password(sb.app_password())
        .flavor(Flavor::Postgres)
        .max_connections(1)
        // The proxy counts only messages it can frame: no TLS on this link.
        .sslmode(SslMode::Disable);
    let conn = QsConnection::new(params.build().expect("settings"));
    let db = conn.db();
    db.execute_unprepared(PAGE_EVENTS_SQL).await.expect("table");
    let repo = Repo::<page_events::Entity, _>::new(db);
    repo.insert(event("warm")).await.expect("warm");
    repo.get("warm".to_owned()).await.expect("warm");
    let settle = || tokio::time::sleep(std::time::Duration::from_millis(100));
    settle().await;
    let calls = 20u64;
    let before = proxy.stats().ready_for_query;
    for i in 0..calls {
        let id = format!("e{i}");
        repo.insert(event(&id)).await.expect("insert");
        assert!(repo.get(id).await.expect("get").is_some());
    }
    settle().await;
    let turns = proxy.stats().ready_for_query - before;
    assert_eq!(
        turns,
        2 * calls * 2,
        "per call: the statement and the release's ping, nothing before it"
    );
    // Idle past the window, the next checkout is pinged first: one turn more.
    tokio::time::sleep(IDLE_BEFORE_PING).await;
    let before = proxy.stats().ready_for_query;
    repo.get("e0".to_owned()).await.expect("get");
    settle().await;
    assert_eq!(proxy.stats().ready_for_query - before, 3);
    conn.close().await;
}
