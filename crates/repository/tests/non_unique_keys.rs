//! Reads of entities whose key is not unique (a view keyed by its first column, as
//! entity-gen generates it): `stream` and `find` return every row exactly once, on both
//! PostgreSQL wire paths and on the local Query Service; `keyset` refuses a page boundary
//! that would lose rows instead of losing them.

mod support;

use futures_util::TryStreamExt;
use qsorm_connect::QsConnection;
use qsorm_repository::{ConnectionExt, Recorder, Repo, RepoError, WireMode};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, TransactionTrait};

/// 2,360 rows, 997 distinct pages: the shape of the report (a view keyed by its first column).
const ROWS: i32 = 2_360;
const PAGES: i32 = 997;
/// More rows than Query Service's 50,000-row client cap.
const BIG_ROWS: i32 = 60_000;

/// A view keyed by its first column, which is not unique (entity-gen's rule for views).
mod visits_by_page {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "visits_by_page")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub page: String,
        pub visit: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    /// A view: read-only.
    impl qsorm_repository::Table for Entity {
        const READ_ONLY: bool = true;
    }
}

/// The same shape over more rows than the client cap.
mod big_visits {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "big_visits")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub page: String,
        pub visit: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {}
}

async fn database() -> (String, QsConnection) {
    let sb = support::sandbox();
    let db = sb.fresh_database().await.expect("db");
    let conn = qsorm_connect::cli::sandbox_connection(sb, &db, None).expect("connection");
    conn.db()
        .execute_unprepared(&format!(
            "CREATE TABLE visits (visit int PRIMARY KEY, page text NOT NULL);
             INSERT INTO visits SELECT i, 'p' || (i % {PAGES}) FROM generate_series(1, {ROWS}) i;
             CREATE VIEW visits_by_page AS SELECT page, visit FROM visits;
             CREATE TABLE big_visits AS
               SELECT 'p' || (i % 1000) AS page, i AS visit FROM generate_series(1, {BIG_ROWS}) i;"
        ))
        .await
        .expect("fixture");
    (db, conn)
}

fn visits(models: &[visits_by_page::Model]) -> Vec<i32> {
    let mut v: Vec<i32> = models.iter().map(|m| m.visit).collect();
    v.sort_unstable();
    v
}

fn all_visits() -> Vec<i32> {
    (1..=ROWS).collect()
}

async fn check_stream_and_find<C>(repo: &Repo<'_, visits_by_page::Entity, C>)
where
    C: ConnectionTrait + TransactionTrait + 'static,
{
    for page_size in [1_u64, 7, 100, 997, 5_000] {
        let rows: Vec<_> = repo
            .stream(Condition::all(), page_size)
            .try_collect()
            .await
            .expect("stream");
        assert_eq!(
            visits(&rows),
            all_visits(),
            "stream with page size {page_size} returns every row exactly once"
        );
        let keys: Vec<&str> = rows.iter().map(|m| m.page.as_str()).collect();
        assert!(keys.is_sorted(), "in key order");
    }
    let found = repo.find(Condition::all()).await.expect("find");
    assert_eq!(visits(&found), all_visits(), "find returns every row");
}

#[tokio::test]
async fn stream_and_find_return_every_row_of_a_non_unique_key_on_both_wire_paths() {
    let (_db, conn) = database().await;
    // The sea-orm pool: bind parameters.
    let bound = Repo::<visits_by_page::Entity, _>::new(conn.db());
    check_stream_and_find(&bound).await;
    // The simple-protocol connection: PostgreSQL literals inlined.
    let simple = conn.simple();
    let inline = Repo::<visits_by_page::Entity, _>::new(&simple);
    assert_eq!(inline.profile().wire(), WireMode::Inline);
    check_stream_and_find(&inline).await;

    // Inside a caller's transaction the cursor lives in a savepoint.
    let tx = conn.db().begin().await.expect("begin");
    check_stream_and_find(&bound.on(&tx)).await;
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn keyset_refuses_a_page_boundary_inside_a_run_of_equal_keys() {
    let (_db, conn) = database().await;
    let repo = Repo::<visits_by_page::Entity, _>::new(conn.db());
    // Page size 1: the first page ends inside the run of rows keyed 'p0'.
    let err = repo
        .keyset(Condition::all(), None, 1)
        .await
        .expect_err("a lossy page boundary is refused");
    assert!(
        matches!(&err, RepoError::KeyNotUnique { entity, .. } if entity == "visits_by_page"),
        "typed: {err}"
    );
    // A page that ends exactly at the end of a run is fine: the first key 'p0' has
    // ROWS / PAGES + 1 or ROWS / PAGES rows.
    let first_run = (1..=ROWS).filter(|i| i % PAGES == 0).count() as u64;
    let page = repo
        .keyset(Condition::all(), None, first_run)
        .await
        .expect("page ends at a run boundary");
    assert!(page.items.iter().all(|m| m.page == "p0"));
    assert!(page.next.is_some());
}

#[tokio::test]
async fn keyset_over_a_unique_key_knows_the_last_page_without_an_empty_round_trip() {
    let (_db, conn) = database().await;
    let recorder = Recorder::new();
    let repo = Repo::<visits_by_page::Entity, _>::new(conn.db()).with_recorder(recorder.clone());
    // Every key of the first 10 visits (pages p1..p10) is unique.
    let filter = Condition::all().add(visits_by_page::Column::Visit.lte(10));
    let mut after = None;
    let mut seen = Vec::new();
    loop {
        let page = repo.keyset(filter.clone(), after, 5).await.expect("page");
        seen.extend(page.items.iter().map(|m| m.visit));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    seen.sort_unstable();
    assert_eq!(seen, (1..=10).collect::<Vec<_>>());
    assert_eq!(recorder.statements().len(), 2, "two pages, two statements");
}

#[tokio::test]
async fn query_service_find_and_stream_read_every_row_past_the_client_cap() {
    let (db, _conn) = database().await;
    let (_qs, conn) = support::query_service::local_query_service(&db).await;
    // The Query Service connection itself: its executor, inlined literals over the simple
    // query protocol.
    let recorder = Recorder::new();
    let repo = conn
        .repo::<big_visits::Entity>()
        .with_recorder(recorder.clone());
    let found = repo.find(Condition::all()).await.expect("find");
    let mut got: Vec<i32> = found.iter().map(|m| m.visit).collect();
    got.sort_unstable();
    assert_eq!(
        got,
        (1..=BIG_ROWS).collect::<Vec<_>>(),
        "every row, past the 50,000 cap"
    );
    assert!(
        recorder.statements().iter().any(|s| s.contains("DECLARE")),
        "read through a cursor: {:?}",
        recorder.statements()
    );

    let small = conn.repo::<visits_by_page::Entity>();
    for page_size in [7_u64, 1_000] {
        let rows: Vec<_> = small
            .stream(Condition::all(), page_size)
            .try_collect()
            .await
            .expect("stream on Query Service");
        assert_eq!(visits(&rows), all_visits(), "page size {page_size}");
    }
    let err = small
        .keyset(Condition::all(), None, 1)
        .await
        .expect_err("lossy keyset refused on Query Service too");
    assert!(matches!(err, RepoError::KeyNotUnique { .. }), "{err}");
}
