//! The repository's Query Service flow on the local Query Service, with the generated sample
//! entities: insert, insert_many of 10,000 rows whose strings hold quotes, backslashes,
//! newlines and non-ASCII, then find, count, page, keyset and stream read every row back
//! exactly (compared with what the storage PostgreSQL holds), and the refusals.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::TryStreamExt;
use qsorm::connect::QsConnection;
use qsorm::connect::cli::sandbox_connection;
use qsorm::entity::composites::{
    WebEventsAcme, WebEventsCommerce, WebEventsCommerceOrder, WebEventsProductListItems,
    WebEventsProductListItemsList, WebEventsWeb, WebEventsWebPageDetails,
};
use qsorm::entity::web_events;
use qsorm::migrate::{Op, Runner};
use qsorm::migrations::Migrator;
use qsorm::repository::{ConnectionExt, MAX_STATEMENT_BYTES, Recorder, RepoError};
use qsorm::sandbox::Sandbox;
use qsorm_query_service::{QueryServiceOptions, SandboxQueryService};
use rust_decimal::Decimal;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, Condition};

#[path = "query_service_repository/measure.rs"]
mod measure;

/// Strings no inline path may change.
const HOSTILE: &[&str] = &[
    "it's",
    "back\\slash",
    "\\'",
    "new\nline\r\ttab",
    "'; DROP TABLE web_events; --",
    "ünïcødé ✓ 😀",
    "$1 $$ ${x} \" `tick`",
    "NULL",
    "",
    "\u{7f}\u{1}",
];

fn hostile(i: usize) -> String {
    format!("{}#{i}", HOSTILE[i % HOSTILE.len()])
}

fn event(i: usize) -> web_events::ActiveModel {
    let ts = chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00.123456+01:00").expect("ts")
        + chrono::Duration::seconds(i64::try_from(i).expect("i"));
    web_events::ActiveModel {
        id: Set(format!("qs-{i:06}")),
        timestamp: Set(ts),
        event_type: Set(hostile(i)),
        web: Set(Some(WebEventsWeb {
            page_details: Some(WebEventsWebPageDetails {
                name: Some(hostile(i + 1)),
                url: Some(format!("https://example.invalid/{}", hostile(i + 2))),
                is_home_page: Some(i.is_multiple_of(2)),
            }),
            referrer: None,
        })),
        commerce: Set(Some(WebEventsCommerce {
            order: Some(WebEventsCommerceOrder {
                currency_code: Some("EUR".into()),
                price_total: Some(Decimal::new(i64::try_from(i).expect("i") * 101, 2)),
            }),
            purchases: Some(1),
            product_views: None,
        })),
        product_list_items: Set(Some(WebEventsProductListItemsList(vec![
            WebEventsProductListItems {
                sku: Some(hostile(i + 3)),
                quantity: Some(2),
                price_total: Some(Decimal::new(1999, 2)),
            },
            WebEventsProductListItems {
                sku: None,
                quantity: None,
                price_total: None,
            },
        ]))),
        identity_map: Set(Some(serde_json::json!({"ECID": [{"id": hostile(i + 4)}]}))),
        acme: Set(Some(WebEventsAcme {
            loyalty_id: Some(hostile(i + 5)),
            campaign: None,
        })),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn repository_flow_with_hostile_values_on_the_local_query_service() {
    let sandbox = Sandbox::shared().expect("sandbox");
    let db = sandbox.fresh_database().await.expect("database");
    let pg = sandbox_connection(sandbox, &db, None).expect("connection");
    // The sample's tables, without its rows: this test writes its own.
    Runner::of::<Migrator>(&pg)
        .run(Op::Up(Some(4)))
        .await
        .expect("migrate");
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
    // The connection sends each statement the way Query Service needs (simple protocol);
    // the composite types come with the entity.
    let recorder = Recorder::new();
    let repo = conn
        .repo::<web_events::Entity>()
        .with_recorder(recorder.clone());

    let started = std::time::Instant::now();
    let lap = |what: &str| eprintln!("{what}: {:?}", started.elapsed());
    let first = repo.insert(event(0)).await.expect("insert");
    assert_eq!(first.event_type, hostile(0));
    let n = 10_000;
    let written = repo
        .insert_many((1..=n).map(event).collect())
        .await
        .expect("insert_many");
    assert_eq!(written, u64::try_from(n).expect("n"));
    lap("insert_many 10,000");
    // Staged: an empty scratch dataset, the rows in `inline(array(...))` statements packed up
    // to MAX_STATEMENT_BYTES, one INSERT INTO ... SELECT * FROM scratch, the scratch dropped.
    let statements = recorder.statements();
    let batch = &statements[1..];
    let shown = || {
        batch
            .iter()
            .map(|s| format!("{}… ({} bytes)", &s[..60.min(s.len())], s.len()))
            .collect::<Vec<_>>()
    };
    assert!(
        batch[0].starts_with("CREATE TABLE qsorm_stage_"),
        "{:?}",
        shown()
    );
    let rows = &batch[1..batch.len() - 2];
    assert!(rows.len() >= 2, "{:?}", shown());
    for (k, sql) in rows.iter().enumerate() {
        assert!(
            sql.starts_with("INSERT INTO qsorm_stage_")
                && sql.contains(" SELECT inline(array(struct("),
            "{:?}",
            shown()
        );
        assert!(sql.len() <= MAX_STATEMENT_BYTES, "{:?}", shown());
        // Packed: only the last is short of the cap by more than a row.
        assert!(
            k + 1 == rows.len() || sql.len() > MAX_STATEMENT_BYTES - 4096,
            "{:?}",
            shown()
        );
    }
    assert!(
        batch[batch.len() - 2].starts_with("INSERT INTO web_events SELECT * FROM qsorm_stage_")
    );
    assert!(batch[batch.len() - 1].starts_with("DROP TABLE IF EXISTS qsorm_stage_"));
    let total = u64::try_from(n + 1).expect("n");
    assert_eq!(repo.count(Condition::all()).await.expect("count"), total);

    // Every row, read back through Query Service, equals what the storage holds (read there
    // over the bind path with PostgreSQL's own decoding).
    let pg_repo = pg.db().repo::<web_events::Entity>();
    let stored: BTreeMap<String, web_events::Model> = pg_repo
        .find(Condition::all())
        .await
        .expect("storage read")
        .into_iter()
        .map(|m| (m.id.clone(), m))
        .collect();
    assert_eq!(stored.len(), n + 1);
    for (i, m) in stored.values().enumerate() {
        assert_eq!(m.event_type, hostile(i), "row {i} changed on the way in");
    }
    let streamed: Vec<web_events::Model> = repo
        .stream(Condition::all(), 3_000)
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(streamed.len(), n + 1);
    lap("stream");
    for m in &streamed {
        assert_eq!(
            Some(m),
            stored.get(&m.id),
            "row {} read back differently",
            m.id
        );
    }
    let found = repo.find(Condition::all()).await.expect("find");
    assert_eq!(found, streamed);
    lap("find");

    let page = repo.page(Condition::all(), 2, 1_000).await.expect("page");
    assert_eq!(page.items.len(), 1_000);
    assert_eq!(page.items[0], streamed[2_000]);
    let mut after = None;
    let mut seen = 0;
    loop {
        let kp = repo
            .keyset(Condition::all(), after, 4_000)
            .await
            .expect("keyset");
        seen += kp.items.len();
        match kp.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, n + 1);

    // Refusals come before any round trip, typed.
    let err = repo
        .update(event(1))
        .await
        .expect_err("no UPDATE on Query Service");
    assert!(matches!(err, RepoError::Unsupported { .. }), "{err:?}");
    let err = repo
        .delete("qs-000001".to_owned())
        .await
        .expect_err("no DELETE on Query Service");
    assert!(matches!(err, RepoError::Unsupported { .. }), "{err:?}");
    // A staged batch (two statements or more) that fails on the server leaves the target
    // unchanged and no scratch table: a NULL into the NOT NULL `timestamp` column, in the
    // last rows.
    let mut rows: Vec<web_events::ActiveModel> = (n + 10..n + 8_010).map(event).collect();
    rows[7_900].timestamp = sea_orm::ActiveValue::NotSet;
    assert!(repo.query_service_insert_sql(&rows).expect("sql").len() >= 2);
    let err = repo.insert_many(rows).await.expect_err("NOT NULL violated");
    assert!(
        matches!(
            err,
            RepoError::NotNullViolation { .. } | RepoError::Database { .. }
        ),
        "{err:?}"
    );
    assert_eq!(repo.count(Condition::all()).await.expect("count"), total);
    let left: Vec<_> = conn
        .simple_query("SHOW TABLES")
        .await
        .expect("show tables")
        .iter()
        .map(|r| r.try_get::<String>("", "name").expect("name"))
        .filter(|n| n.starts_with("qsorm_stage_"))
        .collect();
    assert!(left.is_empty(), "staging tables left behind: {left:?}");

    // A NUL is refused naming the column, nothing written.
    let mut bad = event(n + 1);
    bad.event_type = Set("nul\0byte".into());
    let err = repo.insert(bad).await.expect_err("NUL refused");
    assert!(matches!(err, RepoError::InvalidInput(_)), "{err:?}");
    assert_eq!(repo.count(Condition::all()).await.expect("count"), total);
    // Filters with hostile values travel inlined.
    for i in [1usize, 2, 3, 4, 5, 6, 7] {
        let rows = repo
            .find(Condition::all().add(web_events::Column::EventType.eq(hostile(i))))
            .await
            .unwrap_or_else(|e| panic!("find by {:?}: {e}", hostile(i)));
        assert_eq!(rows.len(), 1, "find by {:?}", hostile(i));
        assert_eq!(rows[0].event_type, hostile(i));
    }

    conn.close().await;
}

/// Statements and wall time of 100,000-row `insert_many` calls on the local Query Service,
/// inline shape against the `UNION ALL` shape used before (see `measure.rs`).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement: minutes in a debug build"]
async fn measure_insert_many_statements_and_time() {
    let n: usize = std::env::var("QSORM_MEASURE_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let sandbox = Sandbox::shared().expect("sandbox");
    let db = sandbox.fresh_database().await.expect("database");
    let pg = sandbox_connection(sandbox, &db, None).expect("connection");
    Runner::of::<Migrator>(&pg)
        .run(Op::Up(Some(4)))
        .await
        .expect("migrate");
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
    measure::measure(
        &conn,
        "event",
        (0..n).map(measure::plain_event).collect(),
        4,
    )
    .await;
    measure::measure(&conn, "web_events", (n..2 * n).map(event).collect(), 2).await;
    conn.close().await;
}
