//! Read-only refusals and reads inside a transaction.

use qsorm::connect::QsConnection;
use qsorm::entity::{daily_page_views, web_events};
use qsorm::repository::{ConflictTarget, ConnectionExt, Recorder, RepoError, transaction};
use sea_orm::ActiveValue::Set;
use sea_orm::{Condition, QueryOrder};

use super::fixtures::{accounts, visits};

pub(crate) async fn read_only_refused(conn: &QsConnection) {
    let recorder = Recorder::new();
    let repo = conn
        .repo::<daily_page_views::Entity>()
        .with_recorder(recorder.clone());
    let row = daily_page_views::ActiveModel {
        day: Set(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("day")),
        page_name: Set("home".into()),
        views: Set(Some(1)),
    };
    let err = repo.insert(row.clone()).await.expect_err("read-only");
    assert!(
        matches!(
            err,
            RepoError::ReadOnly {
                operation: "insert",
                ..
            }
        ),
        "{err:?}"
    );
    let err = repo
        .insert_many(vec![row.clone()])
        .await
        .expect_err("read-only");
    assert!(matches!(err, RepoError::ReadOnly { .. }), "{err:?}");
    let err = repo
        .delete_many(Condition::all())
        .await
        .expect_err("read-only");
    assert!(matches!(err, RepoError::ReadOnly { .. }), "{err:?}");
    // Every write, each refused under its own name before any round trip.
    let key = (
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("day"),
        "home".to_owned(),
    );
    assert_read_only(repo.insert(row.clone()).await, "insert");
    assert_read_only(repo.insert_many(vec![row.clone()]).await, "insert_many");
    assert_read_only(repo.update(row.clone()).await, "update");
    assert_read_only(
        repo.update_many(Condition::all(), row.clone()).await,
        "update_many",
    );
    assert_read_only(repo.delete(key).await, "delete");
    assert_read_only(repo.delete_many(Condition::all()).await, "delete_many");
    assert_read_only(
        repo.upsert(row.clone(), ConflictTarget::PrimaryKey).await,
        "upsert",
    );
    assert_read_only(
        repo.upsert_many(vec![row], ConflictTarget::PrimaryKey)
            .await,
        "upsert_many",
    );
    assert!(
        recorder.statements().is_empty(),
        "{:?}",
        recorder.statements()
    );
    // Reads work.
    assert!(repo.count(Condition::all()).await.expect("count") > 0);
}

/// The `ReadOnly` refusal of `operation`.
pub(crate) fn assert_read_only<T: std::fmt::Debug>(outcome: Result<T, RepoError>, operation: &str) {
    match outcome {
        Err(RepoError::ReadOnly {
            operation: op,
            entity,
        }) => {
            assert_eq!(op, operation);
            assert!(entity.contains("daily_page_views"), "{entity}");
        }
        other => panic!("{operation} on a view: {other:?}"),
    }
}

/// Reads inside `transaction(conn, ...)` through `repo.on(tx)` equal the same reads outside
/// it. (On Query Service a transaction only groups reads: there is no data rollback.)
pub(crate) async fn reads_in_a_transaction(conn: &QsConnection) {
    let accounts = conn.repo::<accounts::Entity>();
    let events = conn.repo::<web_events::Entity>();
    let visits = conn.repo::<visits::Entity>();
    let outside = (
        accounts
            .query()
            .order_by_asc(accounts::Column::Id)
            .all()
            .await
            .expect("accounts"),
        events
            .query()
            .order_by_asc(web_events::Column::Id)
            .all()
            .await
            .expect("events"),
        visits
            .query()
            .order_by_asc(visits::Column::VisitId)
            .find_also_related(accounts::Entity)
            .all()
            .await
            .expect("visits with their account"),
        events.count(Condition::all()).await.expect("count"),
    );
    let inside = transaction(conn, async |tx| {
        Ok((
            accounts
                .on(tx)
                .query()
                .order_by_asc(accounts::Column::Id)
                .all()
                .await?,
            events
                .on(tx)
                .query()
                .order_by_asc(web_events::Column::Id)
                .all()
                .await?,
            visits
                .on(tx)
                .query()
                .order_by_asc(visits::Column::VisitId)
                .find_also_related(accounts::Entity)
                .all()
                .await?,
            events.on(tx).count(Condition::all()).await?,
        ))
    })
    .await
    .expect("reads in a transaction");
    assert!(!outside.0.is_empty() && !outside.1.is_empty() && !outside.2.is_empty());
    assert_eq!(inside.0, outside.0, "accounts on {}", conn.flavor());
    assert_eq!(inside.1, outside.1, "web_events on {}", conn.flavor());
    assert_eq!(
        inside.2,
        outside.2,
        "visits with accounts on {}",
        conn.flavor()
    );
    assert_eq!(inside.3, outside.3, "count on {}", conn.flavor());
}
