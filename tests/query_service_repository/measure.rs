//! Statements and wall time of `insert_many` on the local Query Service for 100,000 rows
//! (`QSORM_MEASURE_ROWS` to change), two shapes: `event` (a web event with plain strings and
//! one nested struct, about 275 bytes of SQL a row) and `web_events` (every nested column set,
//! hostile strings, about 685). Ignored by default (minutes in a debug build):
//! `cargo test --test query_service_repository measure -- --ignored --nocapture`.
//! The `UNION ALL` shape used before (500 rows a statement) is timed on a sample of its
//! statements, written with the same renderer, and extrapolated.
//!
//! Not ignored (no server, no timing): bytes of SQL a row and batch jobs per 100,000 rows of
//! the two shapes and of `web_events` with ordinary strings, printed with `--nocapture`.

use std::time::{Duration, Instant};

use qsorm::connect::QsConnection;
use qsorm::connect::{Flavor, SimpleConnection};
use qsorm::entity::composites::{
    COMPOSITE_TYPES, WebEventsAcme, WebEventsCommerce, WebEventsCommerceOrder,
    WebEventsProductListItems, WebEventsProductListItemsList, WebEventsWeb,
    WebEventsWebPageDetails,
};
use qsorm::entity::web_events;
use qsorm::repository::qs_literal::{CompositeTypes, QsType, qs_ident, value_literal};
use qsorm::repository::{ConnectionExt, MAX_STATEMENT_BYTES, Recorder};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ActiveValue, Condition, IdenStatic, Iterable};

/// A plain event: scalar columns and the page details.
pub fn plain_event(i: usize) -> web_events::ActiveModel {
    let ts = chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00.123456+01:00").expect("ts")
        + chrono::Duration::seconds(i64::try_from(i).expect("i"));
    web_events::ActiveModel {
        id: Set(format!("ev-{i:07}")),
        timestamp: Set(ts),
        event_type: Set("web.webpagedetails.pageViews".into()),
        web: Set(Some(WebEventsWeb {
            page_details: Some(WebEventsWebPageDetails {
                name: Some(format!("Product page {i}")),
                url: Some(format!("https://shop.example.com/products/{i}")),
                is_home_page: Some(false),
            }),
            referrer: None,
        })),
        commerce: Set(None),
        product_list_items: Set(None),
        identity_map: Set(None),
        acme: Set(None),
    }
}

/// A web event with every nested column set (the shape of the hostile rows) and ordinary
/// strings: what the hostile rows cost without their quotes, backslashes and controls.
pub fn nested_event(i: usize) -> web_events::ActiveModel {
    let mut m = plain_event(i);
    m.commerce = Set(Some(WebEventsCommerce {
        order: Some(WebEventsCommerceOrder {
            currency_code: Some("EUR".into()),
            price_total: Some(rust_decimal::Decimal::new(
                i64::try_from(i).expect("i") * 101,
                2,
            )),
        }),
        purchases: Some(1),
        product_views: None,
    }));
    m.product_list_items = Set(Some(WebEventsProductListItemsList(vec![
        WebEventsProductListItems {
            sku: Some(format!("SKU-{i:07}")),
            quantity: Some(2),
            price_total: Some(rust_decimal::Decimal::new(1999, 2)),
        },
        WebEventsProductListItems {
            sku: None,
            quantity: None,
            price_total: None,
        },
    ])));
    m.identity_map = Set(Some(
        serde_json::json!({"ECID": [{"id": format!("{i:038}")}]}),
    ));
    m.acme = Set(Some(WebEventsAcme {
        loyalty_id: Some(format!("LOY-{i:07}")),
        campaign: None,
    }));
    m
}

/// The statements of the shape used before: `SELECT v AS c, ... UNION ALL SELECT ...`,
/// 500 rows each, from the same renderer.
fn union_all_statements(table: &str, rows: &[web_events::ActiveModel]) -> Vec<String> {
    let types = CompositeTypes::new().with(COMPOSITE_TYPES);
    rows.chunks(500)
        .map(|chunk| {
            let selects: Vec<String> = chunk
                .iter()
                .map(|m| {
                    let fields: Vec<String> = web_events::Column::iter()
                        .map(|c| {
                            let ty = QsType::of_column(&c, &types);
                            let lit = match m.get(c) {
                                ActiveValue::Set(v) | ActiveValue::Unchanged(v) => {
                                    value_literal(&v, &ty, &types, c.as_str()).expect("literal")
                                }
                                NotSet => "NULL".to_owned(),
                            };
                            format!("{lit} AS {}", qs_ident(c.as_str()))
                        })
                        .collect();
                    format!("SELECT {}", fields.join(", "))
                })
                .collect();
            format!("INSERT INTO {table} {}", selects.join(" UNION ALL "))
        })
        .collect()
}

/// Inserts `rows` with `insert_many`, prints statements, bytes and time, then times a sample
/// of the `UNION ALL` statements (into a scratch copy) and extrapolates.
pub async fn measure(
    conn: &QsConnection,
    shape: &str,
    rows: Vec<web_events::ActiveModel>,
    old_sample: usize,
) {
    let n = rows.len();
    let recorder = Recorder::new();
    let repo = conn
        .repo::<web_events::Entity>()
        .with_recorder(recorder.clone());
    let before = repo.count(Condition::all()).await.expect("count");
    let old = union_all_statements("qsorm_measure_old", &rows);
    let skip = recorder.statements().len();
    let started = Instant::now();
    repo.insert_many(rows).await.expect("insert_many");
    let took = started.elapsed();
    let statements = recorder.statements().split_off(skip);
    let after = repo.count(Condition::all()).await.expect("count");
    assert_eq!(after - before, u64::try_from(n).expect("n"));
    let writes = statements
        .iter()
        .filter(|s| s.starts_with("INSERT") || s.starts_with("CREATE"))
        .count();
    let bytes: usize = statements
        .iter()
        .filter(|s| s.contains("inline(array("))
        .map(String::len)
        .sum();
    eprintln!(
        "{shape}: {n} rows, inline: {} statements ({writes} batch jobs: CTAS + INSERTs), \
         {bytes} bytes of row SQL ({} a row), {took:.1?}",
        statements.len(),
        bytes / n.max(1),
    );
    conn.simple_query("CREATE TABLE qsorm_measure_old AS (SELECT * FROM web_events WHERE 1=0)")
        .await
        .expect("scratch");
    let sample = old.len().min(old_sample);
    let started = Instant::now();
    for sql in &old[..sample] {
        conn.simple_query(sql).await.expect("union all statement");
    }
    let per = started.elapsed() / u32::try_from(sample.max(1)).expect("sample");
    let old_bytes: usize = old.iter().map(String::len).sum();
    eprintln!(
        "{shape}: {n} rows, UNION ALL (before): {} statements ({} batch jobs with staging), \
         {old_bytes} bytes of row SQL; {sample} timed, {per:.1?} each: about {:.0?} for all",
        old.len() + 3,
        old.len() + 2,
        Duration::from_secs_f64(per.as_secs_f64() * old.len() as f64),
    );
    conn.simple_query("DROP TABLE qsorm_measure_old")
        .await
        .expect("drop");
}

/// Bytes of SQL a row and batch jobs per 100,000 rows (no server; printed with
/// `--nocapture`, one row of each shape shown) for the three shapes: `event`, `web_events`
/// with ordinary strings, and the hostile `web_events` rows `measure` writes (ids n..2n), at
/// the default statement cap and at 10 MiB. Checked: no statement over its cap; `event`
/// within ten jobs at the default cap, the nested shapes within ten at 10 MiB.
#[tokio::test]
async fn bytes_per_row_and_jobs_per_hundred_thousand_rows() {
    let n = 100_000;
    // Query Service statements, rendered only: a lazy pool that never connects.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .connect_lazy("postgres://u@127.0.0.1:1/x")
        .expect("lazy pool");
    let qs = SimpleConnection::with_flavor(pool, Flavor::QueryService);
    let jobs_of = |cap: usize, shape: &str, rows: &[web_events::ActiveModel]| {
        let repo = qs.repo::<web_events::Entity>().with_statement_cap(cap);
        let sql = repo.query_service_insert_sql(rows).expect("sql");
        assert!(sql.iter().all(|s| s.len() <= cap));
        let bytes: usize = sql.iter().map(String::len).sum();
        let per_row = bytes.div_ceil(rows.len());
        // Staged: the scratch table's CTAS and the final INSERT ... SELECT are jobs too.
        let jobs = (per_row * n).div_ceil(cap) + 2;
        if cap == MAX_STATEMENT_BYTES {
            let one = repo.query_service_insert_sql(&rows[..1]).expect("sql");
            eprintln!("{shape}: {} bytes: {}", one[0].len(), one[0]);
        }
        eprintln!(
            "{shape}: {per_row} bytes of SQL a row; {n} rows at a {} MiB cap: {jobs} batch jobs",
            cap >> 20
        );
        jobs
    };
    let sample = 2_000;
    let big = 10 << 20;
    let event: Vec<_> = (n..n + sample).map(plain_event).collect();
    let nested: Vec<_> = (n..n + sample).map(nested_event).collect();
    let hostile: Vec<_> = (n..n + sample).map(crate::event).collect();
    assert!(jobs_of(MAX_STATEMENT_BYTES, "event", &event) <= 10);
    jobs_of(MAX_STATEMENT_BYTES, "web_events", &nested);
    jobs_of(MAX_STATEMENT_BYTES, "hostile web_events", &hostile);
    assert!(jobs_of(big, "web_events", &nested) <= 10);
    assert!(jobs_of(big, "hostile web_events", &hostile) <= 10);
}
