//! The repository's query forms beyond filters, on PostgreSQL and on the local Query Service,
//! over the sample dataset: ordering with limit/offset, some columns into a struct of one's
//! own, events per day and type (`GROUP BY`), `find_also_related` and `find_with_related`
//! through the generated relations (nested composites included), keyset pages typed by the
//! key, reads without a limit past the page size, the refusal of writes to a read-only
//! entity, and `transaction` with an async closure.
//!
//! Also: reads through the Query Service cursor past one 50,000-row page (`big_numbers`,
//! 120,000 rows, with and without a limit above the cap), `one()` of nothing and of one row,
//! `GROUP BY ... HAVING`, some columns with a nested one into a struct, `find_with_related`
//! with an order, a limit and an offset counting parents (and rows of one parent not
//! consecutive), `find_also_related` with a limit, keyset pages over a composite key, every
//! write refused on a view, and reads inside a transaction equal to the same reads outside.
//!
//! Every expectation is computed on the client from `find()` of the same rows, so each form
//! is checked against an independent read, on both flavors.

use std::time::Duration;

use qsorm::connect::QsConnection;
use qsorm::connect::cli::sandbox_connection;
use qsorm::entity::{orders, web_events};
use qsorm::migrate::{Op, Runner};
use qsorm::migrations::Migrator;
use qsorm::repository::{ConnectionExt, RepoError, transaction};
use qsorm::sandbox::Sandbox;
use qsorm_query_service::{QueryService, QueryServiceOptions, SandboxQueryService};
use sea_orm::ActiveValue::Set;
use sea_orm::Condition;

#[path = "queries/fixtures.rs"]
mod fixtures;
#[path = "queries/keys.rs"]
mod keys;
#[path = "queries/reads.rs"]
mod reads;
#[path = "queries/related.rs"]
mod related;
#[path = "queries/writes.rs"]
mod writes;

use fixtures::{accounts, big_numbers};
use keys::*;
use reads::*;
use related::*;
use writes::*;

/// The sample dataset on a fresh database, with a PostgreSQL connection and a local Query
/// Service connection to it (the server runs while its handle lives).
async fn both() -> (QsConnection, QsConnection, QueryService) {
    let sandbox = Sandbox::shared().expect("sandbox");
    let db = sandbox.fresh_database().await.expect("database");
    let pg = sandbox_connection(sandbox, &db, None).expect("connection");
    Runner::of::<Migrator>(&pg)
        .run(Op::Up(None))
        .await
        .expect("sample dataset");
    sea_orm::ConnectionTrait::execute_unprepared(pg.db(), accounts::SQL)
        .await
        .expect("accounts and visits");
    sea_orm::ConnectionTrait::execute_unprepared(pg.db(), big_numbers::SQL)
        .await
        .expect("big_numbers");
    let qs = sandbox
        .query_service(&db, QueryServiceOptions::default())
        .await
        .expect("local Query Service");
    let conn = QsConnection::new(
        qs.connect_params()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .expect("config"),
    );
    (pg, conn, qs)
}

#[tokio::test(flavor = "multi_thread")]
async fn query_forms_on_postgres_and_the_local_query_service() {
    let (pg, qs, _server) = both().await;
    let all = pg
        .repo::<web_events::Entity>()
        .find(Condition::all())
        .await
        .expect("every event");
    assert!(all.len() > 5_000);
    for conn in [&pg, &qs] {
        // No limit: on Query Service this reads through a cursor, past any page size.
        let every = conn
            .repo::<web_events::Entity>()
            .query()
            .all()
            .await
            .expect("all");
        assert_eq!(every.len(), all.len(), "{}", conn.flavor());
        order_limit_offset(conn, &all).await;
        into_model_and_group_by(conn, &all).await;
        related(conn).await;
        related_with_nested(conn).await;
        keyset_by_key(conn, &all).await;
        read_only_refused(conn).await;
        past_one_page(conn).await;
        one_or_none(conn, &all).await;
        stream_outlives_the_repository(conn, &all).await;
        having(conn, &all).await;
        columns_with_nested(conn).await;
        related_limited(conn).await;
        keyset_by_composite_key(conn).await;
        reads_in_a_transaction(conn).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn transaction_takes_an_async_closure_and_rolls_back_on_error() {
    let (pg, _qs, _server) = both().await;
    let repo = pg.repo::<orders::Entity>();
    let before = repo.count(Condition::all()).await.expect("count");
    let first = repo
        .first(Condition::all())
        .await
        .expect("first")
        .expect("an order");
    let template = |id: i64| orders::ActiveModel {
        order_id: Set(id),
        profile_id: Set(first.profile_id.clone()),
        ordered_at: Set(first.ordered_at),
        currency_code: Set("EUR".into()),
        status: Set("placed".into()),
    };

    let failed: Result<(), RepoError> = transaction(&pg, async |tx| {
        repo.on(tx).insert(template(9_000_001)).await?;
        // The same key again: a unique violation ends the closure with Err.
        repo.on(tx).insert(template(9_000_001)).await?;
        Ok(())
    })
    .await;
    assert!(
        matches!(failed, Err(RepoError::UniqueViolation { .. })),
        "{failed:?}"
    );
    assert_eq!(repo.count(Condition::all()).await.expect("count"), before);

    let kept = transaction(&pg, async |tx| {
        let stored = repo.on(tx).insert(template(9_000_002)).await?;
        // Nested: a savepoint, rolled back alone.
        let inner: Result<(), RepoError> = transaction(tx, async |sp| {
            repo.on(tx).on(sp).delete(stored.order_id).await?;
            Err(RepoError::InvalidInput("undo the delete".into()))
        })
        .await;
        assert!(inner.is_err());
        repo.on(tx).get(stored.order_id).await
    })
    .await
    .expect("transaction");
    assert!(kept.is_some());
    assert_eq!(
        repo.count(Condition::all()).await.expect("count"),
        before + 1
    );
}
