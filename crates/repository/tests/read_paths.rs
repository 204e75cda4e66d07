//! `find` and `stream` on every PostgreSQL connection qsorm hands out (the pool, a
//! transaction, `executor()` and its transactions, the simple-protocol connection): the same
//! rows in key order; the statement recorded; a server error and an undecodable value in the
//! middle of a result are typed errors (SQLSTATE, the column named) and leave the connection
//! usable; a stream dropped early leaves the pool and the transaction usable.

mod support;

use futures_util::{StreamExt, TryStreamExt};
use qsorm_connect::QsConnection;
use qsorm_repository::{ConnectionExt, Recorder, Repo, RepoError, WireMode};
use sea_orm::{Condition, ConnectionTrait, TransactionSession, TransactionTrait};

const ROWS: i64 = 5_000;

mod items {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "items")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub label: String,
        pub at: DateTimeWithTimeZone,
        pub note: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {}
}

/// A view over `items` whose `label` fails (division by zero) at row 4,000.
mod failing {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "failing_items")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub label: String,
        pub at: DateTimeWithTimeZone,
        pub note: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    /// A view: read-only.
    impl qsorm_repository::Table for Entity {
        const READ_ONLY: bool = true;
    }
}

async fn database() -> QsConnection {
    let sb = support::sandbox();
    let name = sb.fresh_database().await.expect("db");
    let conn = qsorm_connect::cli::sandbox_connection(sb, &name, None).expect("connection");
    conn.db()
        .execute_unprepared(&format!(
            "CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL, \
                                 at timestamptz NOT NULL, note text);
             INSERT INTO items SELECT i, 'item ' || i, \
                    timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute', \
                    CASE WHEN i % 3 = 0 THEN NULL ELSE 'n' || i END \
               FROM generate_series({ROWS}, 1, -1) i;
             CREATE VIEW failing_items AS \
               SELECT id, (1 / (id - 4000))::text AS label, at, note FROM items;"
        ))
        .await
        .expect("fixture");
    conn
}

fn check_all(what: &str, rows: &[items::Model]) {
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    assert_eq!(
        ids,
        (1..=ROWS).collect::<Vec<_>>(),
        "{what}: every row, key order"
    );
    let third = &rows[2];
    assert_eq!(third.note, None, "{what}: NULL read back");
    assert_eq!(rows[3].note.as_deref(), Some("n4"), "{what}");
    assert_eq!(rows[3].label, "item 4", "{what}");
}

async fn find_and_stream<C>(what: &str, repo: &Repo<'_, items::Entity, C>)
where
    C: ConnectionTrait + TransactionTrait + 'static,
{
    let found = repo.find(Condition::all()).await.expect("find");
    check_all(&format!("{what} find"), &found);
    let streamed: Vec<_> = repo
        .stream(Condition::all(), 700)
        .try_collect()
        .await
        .expect("stream");
    check_all(&format!("{what} stream"), &streamed);
}

#[tokio::test]
async fn find_and_stream_read_every_row_on_every_connection() {
    let conn = database().await;
    let pool = Repo::<items::Entity, _>::new(conn.db());
    find_and_stream("pool", &pool).await;
    find_and_stream("connection", &conn.repo::<items::Entity>()).await;
    let ex = conn.executor();
    find_and_stream("executor", &Repo::<items::Entity, _>::new(ex)).await;
    // The simple-protocol connection: literals inlined by the repository (its profile).
    let simple = conn.simple();
    let inline = Repo::<items::Entity, _>::new(&simple);
    assert_eq!(inline.profile().wire(), WireMode::Inline);
    find_and_stream("simple", &inline).await;

    let tx = conn.db().begin().await.expect("begin");
    find_and_stream("transaction", &pool.on(&tx)).await;
    tx.commit().await.expect("commit");

    let tx = ex.begin().await.expect("begin");
    find_and_stream(
        "executor transaction",
        &Repo::<items::Entity, _>::new(ex).on(&tx),
    )
    .await;
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn find_and_stream_on_a_pool_send_one_recorded_select() {
    let conn = database().await;
    let recorder = Recorder::new();
    let repo = Repo::<items::Entity, _>::new(conn.db()).with_recorder(recorder.clone());
    repo.find(Condition::all()).await.expect("find");
    let _: Vec<_> = repo
        .stream(Condition::all(), 700)
        .try_collect()
        .await
        .expect("stream");
    let sent = recorder.statements();
    assert_eq!(sent.len(), 2, "one statement each: {sent:?}");
    assert!(sent.iter().all(|s| s.starts_with("SELECT")), "{sent:?}");

    // With a call timeout (a statement_timeout) stream reads through a cursor: each FETCH is
    // a statement of its own, so a slow reader is not cut off by the statement timeout.
    let recorder = Recorder::new();
    let bounded = Repo::<items::Entity, _>::new(conn.db())
        .with_recorder(recorder.clone())
        .with_call_timeout(Some(std::time::Duration::from_secs(30)));
    let streamed: Vec<_> = bounded
        .stream(Condition::all(), 700)
        .try_collect()
        .await
        .expect("stream");
    check_all("bounded stream", &streamed);
    let sent = recorder.statements();
    assert!(
        sent.iter().any(|s| s.starts_with("DECLARE")),
        "a cursor: {sent:?}"
    );
    let found = bounded.find(Condition::all()).await.expect("find");
    check_all("bounded find", &found);
}

fn assert_division_by_zero(what: &str, err: &RepoError) {
    match err {
        RepoError::Database { sqlstate, .. } => {
            assert_eq!(
                *sqlstate,
                qsorm_repository::SqlState::DIVISION_BY_ZERO,
                "{what}: {err}"
            )
        }
        other => panic!("{what}: expected the server's error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_server_error_in_the_middle_of_a_result_is_classified() {
    let conn = database().await;
    let repo = Repo::<failing::Entity, _>::new(conn.db());
    let err = repo.find(Condition::all()).await.expect_err("fails");
    assert_division_by_zero("find", &err);

    let mut stream = std::pin::pin!(repo.stream(Condition::all(), 700));
    let mut good = 0;
    let err = loop {
        match stream.next().await.expect("an error ends the stream") {
            Ok(_) => good += 1,
            Err(e) => break e,
        }
    };
    assert_division_by_zero("stream", &err);
    assert!(stream.next().await.is_none(), "nothing after the error");
    assert!(good < 4_000, "{good} rows before the failing one");

    let tx = conn.db().begin().await.expect("begin");
    let err = repo
        .on(&tx)
        .find(Condition::all())
        .await
        .expect_err("fails");
    assert_division_by_zero("find in a transaction", &err);
    tx.rollback().await.expect("rollback");

    let items = Repo::<items::Entity, _>::new(conn.db());
    assert_eq!(items.count(Condition::all()).await.expect("count"), 5_000);
}

#[tokio::test]
async fn an_undecodable_value_in_the_middle_of_a_result_names_its_column() {
    let conn = database().await;
    conn.db()
        .execute_unprepared("UPDATE items SET at = 'infinity' WHERE id = 3500")
        .await
        .expect("infinity");
    let repo = Repo::<items::Entity, _>::new(conn.db());
    let named = |what: &str, err: RepoError| match err {
        RepoError::Decode { reason, .. } => {
            assert!(reason.contains("`at`"), "{what}: {reason}");
        }
        other => panic!("{what}: expected a decode error, got {other:?}"),
    };
    named(
        "find",
        repo.find(Condition::all()).await.expect_err("infinity"),
    );
    let err = repo
        .stream(Condition::all(), 700)
        .try_collect::<Vec<_>>()
        .await
        .expect_err("infinity");
    named("stream", err);

    // Inside a transaction: the error, then the transaction goes on.
    let tx = conn.db().begin().await.expect("begin");
    named(
        "find in a transaction",
        repo.on(&tx)
            .find(Condition::all())
            .await
            .expect_err("infinity"),
    );
    let n = repo
        .on(&tx)
        .count(Condition::all())
        .await
        .expect("count after");
    assert_eq!(n, 5_000);
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn a_stream_dropped_early_leaves_the_connection_usable() {
    let conn = database().await;
    let repo = Repo::<items::Entity, _>::new(conn.db());
    for _ in 0..3 {
        let first: Vec<_> = repo
            .stream(Condition::all(), 700)
            .take(10)
            .try_collect()
            .await
            .expect("first rows");
        assert_eq!(first.len(), 10);
        let found = repo.find(Condition::all()).await.expect("find after");
        check_all("find after a dropped stream", &found);
    }

    let tx = conn.db().begin().await.expect("begin");
    let first: Vec<_> = repo
        .on(&tx)
        .stream(Condition::all(), 700)
        .take(10)
        .try_collect()
        .await
        .expect("first rows");
    assert_eq!(first.len(), 10);
    let found = repo
        .on(&tx)
        .find(Condition::all())
        .await
        .expect("find after");
    check_all("find in the transaction after a dropped stream", &found);
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn the_caller_may_use_its_transaction_between_two_streamed_rows() {
    let conn = database().await;
    let repo = Repo::<items::Entity, _>::new(conn.db());
    let tx = conn.db().begin().await.expect("begin");
    let mut seen = 0;
    {
        let in_tx = repo.on(&tx);
        let mut stream = std::pin::pin!(in_tx.stream(Condition::all(), 700));
        while let Some(row) = stream.next().await {
            row.expect("row");
            seen += 1;
            if seen % 1_000 == 0 {
                let n = in_tx.count(Condition::all()).await.expect("count");
                assert_eq!(n, 5_000);
            }
        }
    }
    assert_eq!(seen, 5_000);
    tx.commit().await.expect("commit");
}

/// A view over `items` that pauses one second at row 2,000.
mod slow {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "slow_items")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub label: String,
        pub at: DateTimeWithTimeZone,
        pub note: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    /// A view: read-only.
    impl qsorm_repository::Table for Entity {
        const READ_ONLY: bool = true;
    }
}

/// A link that stalls while `find` (then `stream`) is receiving its rows: the wait for the next rows ends
/// with the typed timeout after the call timeout (plus slack), and once the link works again
/// the pool reads again. The server pauses one second at row 2,000 (a view calling
/// `pg_sleep`), so the find is still under way when the link stalls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_stalled_in_the_middle_of_a_read_ends_it_with_the_typed_timeout() {
    use qsorm_connect::{ConnParams, Flavor, SslMode};
    use qsorm_sandbox::proxy::FaultProxy;
    use std::time::{Duration, Instant};

    let sb = support::sandbox();
    let name = sb.fresh_database().await.expect("db");
    let direct = qsorm_connect::cli::sandbox_connection(sb, &name, None).expect("connection");
    direct
        .db()
        .execute_unprepared(
            "CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL, \
                                 at timestamptz NOT NULL, note text);
             INSERT INTO items SELECT i, 'item ' || i, now(), NULL \
               FROM generate_series(1, 5000) i;
             CREATE VIEW slow_items AS SELECT * FROM items \
               WHERE CASE WHEN id = 2000 THEN pg_sleep(1) IS NOT NULL ELSE true END;",
        )
        .await
        .expect("fixture");
    let proxy = FaultProxy::to_sandbox(sb).expect("proxy");
    let params = ConnParams::default()
        .host(sb.host())
        .port(proxy.port())
        .database(&name)
        .user(sb.app_user())
        .password(sb.app_password())
        .flavor(Flavor::Postgres);
    let params = match sb.ca_cert_path() {
        Some(ca) => params
            .sslmode(SslMode::VerifyFull)
            .sslrootcert(ca.to_path_buf()),
        None => params.sslmode(SslMode::Prefer),
    };
    let conn = QsConnection::new(params.build().expect("settings"));
    let bound = Duration::from_secs(2);
    let repo = Repo::<items::Entity, _>::new(conn.db()).with_call_timeout(Some(bound));
    let small = Condition::all().add(sea_orm::ColumnTrait::lte(&items::Column::Id, 10));
    let warm = repo.find(small.clone()).await.expect("warm");
    assert_eq!(warm.len(), 10);

    let find = tokio::spawn({
        let db = conn.db().clone();
        async move {
            let slow = Repo::<slow::Entity, _>::new(&db).with_call_timeout(Some(bound));
            let result = slow.find(Condition::all()).await;
            (result.map(|rows| rows.len()), Instant::now())
        }
    });
    stall_and_expect_the_typed_timeout("find", &proxy, find, bound).await;

    proxy.resume();
    let after = repo.find(small.clone()).await.expect("after the stall");
    assert_eq!(after.len(), 10);

    // The same for `stream`, which reads through a cursor under a call timeout.
    let stream = tokio::spawn({
        let db = conn.db().clone();
        async move {
            let slow = Repo::<slow::Entity, _>::new(&db).with_call_timeout(Some(bound));
            let result = slow
                .stream(Condition::all(), 700)
                .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                .await;
            (result, Instant::now())
        }
    });
    stall_and_expect_the_typed_timeout("stream", &proxy, stream, bound).await;
    proxy.resume();
    let after = repo.find(small).await.expect("after the stall");
    assert_eq!(after.len(), 10);
}

/// Stalls the link 300 ms into `read` (a task returning its row count and when it ended) and
/// checks that it ends with the typed timeout within `bound` (plus slack for a loaded machine).
async fn stall_and_expect_the_typed_timeout(
    what: &str,
    proxy: &qsorm_sandbox::proxy::FaultProxy,
    read: tokio::task::JoinHandle<(Result<usize, RepoError>, std::time::Instant)>,
    bound: std::time::Duration,
) {
    use qsorm_connect::ConnectError;
    use std::time::{Duration, Instant};
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.stall();
    let stalled_at = Instant::now();
    let (result, ended_at) = tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .unwrap_or_else(|_| panic!("{what} ends"))
        .expect("task");
    let took = ended_at.saturating_duration_since(stalled_at);
    eprintln!("measured: {what} on a stalled link -> {result:?} after {took:?} (bound {bound:?})");
    match result {
        Err(RepoError::Connection(ConnectError::Timeout { .. })) => {}
        other => panic!("{what}: expected the typed timeout, got {other:?}"),
    }
    assert!(took <= bound + Duration::from_secs(3), "{what}: {took:?}");
}
