//! Workload 2: the sample's nested `web_events` (composites, an array of composites, jsonb),
//! its schema from the sample migrations, `N` generated rows inserted and read back.

use std::time::Instant;

use qsorm::entity::composites::{
    WebEventsAcme, WebEventsCommerce, WebEventsCommerceOrder, WebEventsProductListItems,
    WebEventsProductListItemsList, WebEventsWeb, WebEventsWebPageDetails,
};
use qsorm::entity::web_events;
use qsorm::migrate::{Op, Runner};
use qsorm::migrations::Migrator;
use qsorm::repository::Repo;
use rust_decimal::Decimal;
use sea_orm::{Condition, DatabaseConnection, IntoActiveModel};
use sqlx::Row as _;
use sqlx::types::Json;

use super::config::Config;
use super::copy;
use super::event_read::check_len;
use super::library;
use super::measure::{Contender, Sample, Task, alternate, fail};
use super::report::Report;
use super::setup::Ctx;

/// The `i`-th generated event (its key sorts like `i`).
pub fn model(i: usize) -> web_events::Model {
    let secs = i64::try_from(i).unwrap_or(i64::MAX);
    let ts = chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00.5+01:00").expect("ts")
        + chrono::Duration::seconds(secs);
    web_events::Model {
        id: format!("web-{i:09}"),
        timestamp: ts,
        event_type: ["web.webpagedetails.pageViews", "commerce.purchases"][i % 2].to_owned(),
        web: Some(WebEventsWeb {
            page_details: Some(WebEventsWebPageDetails {
                name: Some(format!("page {}", i % 97)),
                url: Some(format!("https://example.invalid/{}", i % 97)),
                is_home_page: Some(i.is_multiple_of(97)),
            }),
            referrer: i.is_multiple_of(3).then(|| {
                qsorm::entity::composites::WebEventsWebReferrer {
                    url: Some("https://search.example.invalid/".to_owned()),
                    type_: Some("search".to_owned()),
                }
            }),
        }),
        commerce: (i % 2 == 1).then(|| WebEventsCommerce {
            order: Some(WebEventsCommerceOrder {
                currency_code: Some("EUR".to_owned()),
                price_total: Some(Decimal::new(secs * 101 % 100_000, 2)),
            }),
            purchases: Some(1),
            product_views: None,
        }),
        product_list_items: (i % 2 == 1).then(|| {
            WebEventsProductListItemsList(vec![
                WebEventsProductListItems {
                    sku: Some(format!("SKU-{}", i % 50)),
                    quantity: Some(2),
                    price_total: Some(Decimal::new(1999, 2)),
                },
                WebEventsProductListItems {
                    sku: Some("SKU-X".to_owned()),
                    quantity: Some(1),
                    price_total: None,
                },
            ])
        }),
        identity_map: Some(
            serde_json::json!({"ECID": [{"id": format!("ecid-{i}"), "primary": true}]}),
        ),
        acme: Some(WebEventsAcme {
            loyalty_id: Some(format!("L{}", i % 1_000)),
            campaign: None,
        }),
    }
}

/// Composites travel as `to_json(...)`, the way qsorm reads them.
const SELECT: &str = "SELECT _id, \"timestamp\", event_type, to_json(web), to_json(commerce), \
    to_json(product_list_items), identity_map, to_json(_acme) FROM web_events ORDER BY _id";

/// A `web_events` row decoded by sqlx.
struct SqlxWeb(web_events::Model);

impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for SqlxWeb {
    fn from_row(r: &'r sqlx::postgres::PgRow) -> Result<SqlxWeb, sqlx::Error> {
        Ok(SqlxWeb(web_events::Model {
            id: r.try_get(0)?,
            timestamp: r.try_get(1)?,
            event_type: r.try_get(2)?,
            web: r.try_get::<Option<Json<_>>, _>(3)?.map(|j| j.0),
            commerce: r.try_get::<Option<Json<_>>, _>(4)?.map(|j| j.0),
            product_list_items: r.try_get::<Option<Json<_>>, _>(5)?.map(|j| j.0),
            identity_map: r.try_get(6)?,
            acme: r.try_get::<Option<Json<_>>, _>(7)?.map(|j| j.0),
        }))
    }
}

/// A `web_events` row mapped by hand from tokio-postgres.
fn from_pg(r: &tokio_postgres::Row) -> web_events::Model {
    use tokio_postgres::types::Json as PgJson;
    web_events::Model {
        id: r.get(0),
        timestamp: r.get(1),
        event_type: r.get(2),
        web: r.get::<_, Option<PgJson<_>>>(3).map(|j| j.0),
        commerce: r.get::<_, Option<PgJson<_>>>(4).map(|j| j.0),
        product_list_items: r.get::<_, Option<PgJson<_>>>(5).map(|j| j.0),
        identity_map: r.get(6),
        acme: r.get::<_, Option<PgJson<_>>>(7).map(|j| j.0),
    }
}

/// Runs the insert and read tasks.
pub async fn run(ctx: &Ctx, cfg: &Config, report: &mut Report) -> Result<(), String> {
    ctx.exec("DROP TABLE IF EXISTS bench_events").await?;
    Runner::of::<Migrator>(&ctx.conn)
        .run(Op::Up(Some(4)))
        .await
        .map_err(fail("sample migrations"))?;
    let rows: Vec<web_events::Model> = (0..cfg.web_rows).map(model).collect();
    let models: Vec<web_events::ActiveModel> = rows
        .iter()
        .cloned()
        .map(IntoActiveModel::into_active_model)
        .collect();
    let n = u64::try_from(cfg.web_rows).map_err(fail("rows"))?;
    // The composite types come with the entity (`qsorm_repository::Table`).
    let repo = Repo::<web_events::Entity, _>::new(ctx.conn.db());
    let raw: Vec<copy::web_row::WebRow> = rows.iter().map(copy::web_row::WebRow::from).collect();
    let types = &copy::WebTypes::resolve(&ctx.pg).await?;
    let (raw, models, repo) = (&raw, &models, &repo);
    let insert = Task {
        workload: "web_events",
        task: &format!("insert {}", cfg.web_rows),
        rows: n,
    };
    let contenders = vec![
        Contender::baseline(
            "binary COPY, every column (tokio-postgres BinaryCopyInWriter)",
            move || {
                Box::pin(async move {
                    ctx.exec("TRUNCATE web_events").await?;
                    let t = Instant::now();
                    copy::web_all(&ctx.pg, types, raw).await?;
                    Ok(Sample::since(t))
                })
            },
        )
        .note("composites and the array of composites by postgres-types' derived ToSql"),
        library::seaorm_insert(ctx, "web_events", models),
        library::qsorm_insert(ctx, "web_events", repo, models),
    ];
    alternate(report, insert, cfg.reps, contenders).await;
    reads(ctx, cfg, report, repo, n).await
}

/// Reads every row back (the table as qsorm's last insert left it, reloaded by it).
async fn reads(
    ctx: &Ctx,
    cfg: &Config,
    report: &mut Report,
    repo: &Repo<'_, web_events::Entity, DatabaseConnection>,
    n: u64,
) -> Result<(), String> {
    let count = repo.count(Condition::all()).await.map_err(fail("count"))?;
    if count != n {
        ctx.exec("TRUNCATE web_events").await?;
        let all = (0..cfg.web_rows)
            .map(|i| model(i).into_active_model())
            .collect();
        repo.insert_many(all).await.map_err(fail("load"))?;
    }
    ctx.exec("ANALYZE web_events").await?;
    let task = Task {
        workload: "web_events",
        task: &format!("read {}", cfg.web_rows),
        rows: n,
    };
    let contenders = vec![
        Contender::baseline(
            "sqlx query_as into a struct (composites via to_json)",
            move || {
                Box::pin(async move {
                    let t = Instant::now();
                    let got: Vec<SqlxWeb> = sqlx::query_as(SELECT)
                        .fetch_all(&ctx.pool)
                        .await
                        .map_err(fail("sqlx"))?;
                    let got: Vec<web_events::Model> = got.into_iter().map(|w| w.0).collect();
                    let sample = Sample::since(t);
                    check_len(got.len(), n)?;
                    Ok(sample)
                })
            },
        ),
        Contender::baseline(
            "tokio-postgres rows mapped by hand (composites via to_json)",
            move || {
                Box::pin(async move {
                    let t = Instant::now();
                    let rows = ctx
                        .pg
                        .query(SELECT, &[])
                        .await
                        .map_err(fail("tokio-postgres"))?;
                    let got: Vec<web_events::Model> = rows.iter().map(from_pg).collect();
                    let sample = Sample::since(t);
                    check_len(got.len(), n)?;
                    Ok(sample)
                })
            },
        ),
        library::seaorm_find::<web_events::Entity>(ctx, web_events::Column::Id, n),
        library::qsorm_find(repo, n),
    ];
    alternate(report, task, cfg.reps, contenders).await;
    Ok(())
}
