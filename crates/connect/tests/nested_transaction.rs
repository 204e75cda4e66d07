//! Nested transactions (savepoints) on both wire paths: an inner transaction dropped,
//! cancelled or rolled back leaves nothing behind when the outer one commits.

mod support;

use std::time::Duration;

use qsorm_connect::QsConnection;
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};

async fn connection() -> QsConnection {
    let sb = support::sandbox();
    let db = sb.fresh_database().await.expect("db");
    let conn = QsConnection::new(support::app_params(sb, &db).build().expect("config"));
    conn.simple()
        .execute_unprepared("CREATE TABLE t (v text NOT NULL)")
        .await
        .expect("create");
    conn
}

async fn values(conn: &QsConnection) -> Vec<String> {
    conn.simple_query("SELECT v FROM t ORDER BY v")
        .await
        .expect("select")
        .iter()
        .map(|r| r.try_get::<String>("", "v").expect("v"))
        .collect()
}

/// Runs the four scenarios on one `TransactionTrait` implementation.
async fn scenarios<C>(conn: &QsConnection, db: &C)
where
    C: TransactionTrait,
    C::Transaction: ConnectionTrait + TransactionTrait<Transaction = C::Transaction>,
{
    let outer = db.begin().await.expect("begin");
    outer
        .execute_unprepared("INSERT INTO t VALUES ('a-outer')")
        .await
        .expect("a");

    // Dropped without commit or rollback.
    let dropped = outer.begin().await.expect("savepoint");
    dropped
        .execute_unprepared("INSERT INTO t VALUES ('b-dropped')")
        .await
        .expect("b");
    drop(dropped);

    // Cancelled in the middle of a statement.
    let cancelled = outer.begin().await.expect("savepoint");
    let slow =
        cancelled.execute_unprepared("INSERT INTO t VALUES ('c-cancelled'); SELECT pg_sleep(0.5)");
    assert!(
        tokio::time::timeout(Duration::from_millis(100), slow)
            .await
            .is_err(),
        "the statement is still running when cancelled"
    );
    drop(cancelled);

    // Rolled back explicitly.
    let rolled = outer.begin().await.expect("savepoint");
    rolled
        .execute_unprepared("INSERT INTO t VALUES ('d-rolled-back')")
        .await
        .expect("d");
    rolled.rollback().await.expect("rollback");

    // Committed: kept.
    let kept = outer.begin().await.expect("savepoint");
    kept.execute_unprepared("INSERT INTO t VALUES ('e-inner-kept')")
        .await
        .expect("e");
    kept.commit().await.expect("release");

    outer
        .execute_unprepared("INSERT INTO t VALUES ('f-outer-after')")
        .await
        .expect("f");
    outer.commit().await.expect("commit");

    assert_eq!(
        values(conn).await,
        ["a-outer", "e-inner-kept", "f-outer-after"],
        "only the outer transaction's and the committed savepoint's writes are kept"
    );
}

#[tokio::test]
async fn simple_protocol_savepoints_roll_back_when_dropped_or_cancelled() {
    let conn = connection().await;
    scenarios(&conn, &conn.simple()).await;
}

#[tokio::test]
async fn bound_protocol_savepoints_roll_back_when_dropped_or_cancelled() {
    let conn = connection().await;
    scenarios(&conn, conn.db()).await;
}

#[tokio::test]
async fn dropped_savepoint_is_undone_before_the_outer_commit_even_without_other_statements() {
    let conn = connection().await;
    let simple = conn.simple();
    let outer = simple.begin().await.expect("begin");
    let inner = outer.begin().await.expect("savepoint");
    inner
        .execute_unprepared("INSERT INTO t VALUES ('inner')")
        .await
        .expect("insert");
    drop(inner);
    outer.commit().await.expect("commit");
    assert!(values(&conn).await.is_empty());
}
