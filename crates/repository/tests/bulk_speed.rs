//! Bulk write speed (issue 12): `Repo::insert_many` against raw binary `COPY` of the same rows
//! and against sea-orm's `insert_many` in 1,000-row chunks, on 100,000 rows of two shapes
//! (an event row; the sample's nested `web_events`). A measurement, not a test: it prints
//! best-of-3 times and ratios and asserts nothing about speed.
//!
//! ```text
//! cargo test --release -p qsorm-repository --test bulk_speed -- --ignored --nocapture
//! QSORM_BULK_ROWS=20000 cargo test --release ...   # another size
//! ```

mod support;

use std::future::Future;
use std::time::{Duration, Instant};

use qsorm_connect::QsConnection;
use qsorm_connect::cli::sandbox_connection;
use qsorm_entity::composites::{
    WebEventsAcme, WebEventsCommerce, WebEventsCommerceOrder, WebEventsProductListItems,
    WebEventsProductListItemsList, WebEventsWeb, WebEventsWebPageDetails, WebEventsWebReferrer,
};
use qsorm_entity::web_events;
use qsorm_repository::{ConflictTarget, Repo};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel, TransactionTrait};
use sqlx::postgres::PgArgumentBuffer;
use sqlx::{Encode, Postgres};

/// Workload (a): an event row.
mod bulk_events {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "bulk_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
        pub id: String,
        pub at: DateTimeWithTimeZone,
        #[sea_orm(column_type = "Text")]
        pub kind: String,
        #[sea_orm(column_type = "Text")]
        pub source: String,
        pub score: Option<f64>,
        #[sea_orm(column_type = "Text")]
        pub note: Option<String>,
        #[sea_orm(column_type = "JsonBinary")]
        pub payload: Json,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {}
}

const EVENTS: &str = "CREATE TABLE bulk_events (id text PRIMARY KEY, at timestamptz NOT NULL, \
    kind text NOT NULL, source text NOT NULL, score double precision, note text, \
    payload jsonb NOT NULL)";

fn at(i: usize) -> chrono::DateTime<chrono::FixedOffset> {
    let base = chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00+00:00").expect("ts");
    base + chrono::Duration::milliseconds(i64::try_from(i).expect("small"))
}

fn events(n: usize) -> Vec<bulk_events::Model> {
    (0..n)
        .map(|i| bulk_events::Model {
            id: format!("evt-{i:08}"),
            at: at(i),
            kind: ["view", "click", "purchase"][i % 3].to_owned(),
            source: format!("https://example.com/p/{}?q=\"a\\b\"\t", i % 977),
            score: (!i.is_multiple_of(5))
                .then(|| f64::from(u32::try_from(i).expect("small")) / 7.0),
            note: (i.is_multiple_of(2)).then(|| format!("note {i}, with 'quotes'\nand a newline")),
            payload: serde_json::json!({"i": i, "tags": ["a", "b"], "ok": i % 2 == 0}),
        })
        .collect()
}

fn web_rows(n: usize) -> Vec<web_events::Model> {
    let text = |s: String| Some(s);
    (0..n)
        .map(|i| web_events::Model {
            id: format!("web-{i:08}"),
            timestamp: at(i),
            event_type: "commerce.productViews".to_owned(),
            web: Some(WebEventsWeb {
                page_details: Some(WebEventsWebPageDetails {
                    name: text(format!("page {}", i % 100)),
                    url: text(format!("https://example.com/{i}")),
                    is_home_page: Some(i % 10 == 0),
                }),
                referrer: Some(WebEventsWebReferrer {
                    url: text("https://search.example/?q=a,b(c)".into()),
                    type_: text("external".into()),
                }),
            }),
            commerce: Some(WebEventsCommerce {
                order: Some(WebEventsCommerceOrder {
                    currency_code: text("EUR".into()),
                    price_total: Some(Decimal::new(i64::try_from(i).expect("small"), 2)),
                }),
                purchases: Some(1),
                product_views: None,
            }),
            product_list_items: Some(WebEventsProductListItemsList(vec![
                WebEventsProductListItems {
                    sku: text(format!("sku-{i}")),
                    quantity: Some(2),
                    price_total: Some(Decimal::new(1990, 2)),
                },
                WebEventsProductListItems {
                    sku: text("sku-\"x\"".into()),
                    quantity: None,
                    price_total: Some(Decimal::new(10, 2)),
                },
            ])),
            identity_map: Some(
                serde_json::json!({"ECID": [{"id": format!("{i}"), "primary": true}]}),
            ),
            acme: Some(WebEventsAcme {
                loyalty_id: text(format!("L{i}")),
                campaign: None,
            }),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Raw binary COPY: rows encoded with sqlx's own binary `Encode` impls.

const TEXT: u32 = 25;
const BOOL: u32 = 16;
const INT4: u32 = 23;
const NUMERIC: u32 = 1700;

fn enc<T: for<'q> Encode<'q, Postgres>>(v: &T) -> Option<Vec<u8>> {
    let mut buf = PgArgumentBuffer::default();
    match v.encode_by_ref(&mut buf).expect("encode") {
        sqlx::encode::IsNull::Yes => None,
        sqlx::encode::IsNull::No => Some(buf.to_vec()),
    }
}

fn jsonb(v: &serde_json::Value) -> Vec<u8> {
    let mut out = vec![1u8];
    out.extend(serde_json::to_vec(v).expect("json"));
    out
}

fn field(out: &mut Vec<u8>, value: Option<&[u8]>) {
    match value {
        None => out.extend((-1i32).to_be_bytes()),
        Some(b) => {
            out.extend(i32::try_from(b.len()).expect("len").to_be_bytes());
            out.extend(b);
        }
    }
}

fn record(fields: &[(u32, Option<Vec<u8>>)]) -> Vec<u8> {
    let mut out = i32::try_from(fields.len())
        .expect("n")
        .to_be_bytes()
        .to_vec();
    for (oid, value) in fields {
        out.extend(oid.to_be_bytes());
        field(&mut out, value.as_deref());
    }
    out
}

fn array(elem_oid: u32, items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [1i32, 0] {
        out.extend(v.to_be_bytes());
    }
    out.extend(elem_oid.to_be_bytes());
    out.extend(i32::try_from(items.len()).expect("n").to_be_bytes());
    out.extend(1i32.to_be_bytes());
    for item in items {
        field(&mut out, Some(item));
    }
    out
}

fn copy_header() -> Vec<u8> {
    let mut out = b"PGCOPY\n\xff\r\n\0".to_vec();
    out.extend([0u8; 8]);
    out
}

fn event_copy(rows: &[bulk_events::Model]) -> Vec<u8> {
    let mut out = copy_header();
    for r in rows {
        out.extend(7i16.to_be_bytes());
        field(&mut out, enc(&r.id).as_deref());
        field(&mut out, enc(&r.at).as_deref());
        field(&mut out, enc(&r.kind).as_deref());
        field(&mut out, enc(&r.source).as_deref());
        field(&mut out, enc(&r.score).as_deref());
        field(&mut out, enc(&r.note).as_deref());
        field(&mut out, Some(&jsonb(&r.payload)));
    }
    out.extend((-1i16).to_be_bytes());
    out
}

/// Type oids of the composites nested in `web_events`' columns.
struct WebOids {
    page: u32,
    referrer: u32,
    order: u32,
    item: u32,
}

async fn web_oids(conn: &QsConnection) -> WebOids {
    let pool = conn.db().get_postgres_connection_pool();
    let oid = |name: &'static str| async move {
        let (o,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT '{name}'::regtype::oid::int8"
        )))
        .fetch_one(pool)
        .await
        .expect("oid");
        u32::try_from(o).expect("oid")
    };
    WebOids {
        page: oid("web_events_web_page_details").await,
        referrer: oid("web_events_web_referrer").await,
        order: oid("web_events_commerce_order").await,
        item: oid("web_events_product_list_items").await,
    }
}

fn web_copy(rows: &[web_events::Model], o: &WebOids) -> Vec<u8> {
    let mut out = copy_header();
    for r in rows {
        out.extend(8i16.to_be_bytes());
        field(&mut out, enc(&r.id).as_deref());
        field(&mut out, enc(&r.timestamp).as_deref());
        field(&mut out, enc(&r.event_type).as_deref());
        let web = r.web.as_ref().map(|w| {
            let page = w.page_details.as_ref().map(|p| {
                record(&[
                    (TEXT, enc(&p.name)),
                    (TEXT, enc(&p.url)),
                    (BOOL, enc(&p.is_home_page)),
                ])
            });
            let referrer = w
                .referrer
                .as_ref()
                .map(|f| record(&[(TEXT, enc(&f.url)), (TEXT, enc(&f.type_))]));
            record(&[(o.page, page), (o.referrer, referrer)])
        });
        field(&mut out, web.as_deref());
        let commerce = r.commerce.as_ref().map(|c| {
            let order = c.order.as_ref().map(|d| {
                record(&[
                    (TEXT, enc(&d.currency_code)),
                    (NUMERIC, enc(&d.price_total)),
                ])
            });
            record(&[
                (o.order, order),
                (INT4, enc(&c.purchases)),
                (INT4, enc(&c.product_views)),
            ])
        });
        field(&mut out, commerce.as_deref());
        let items = r.product_list_items.as_ref().map(|l| {
            let items: Vec<Vec<u8>> =
                l.0.iter()
                    .map(|p| {
                        record(&[
                            (TEXT, enc(&p.sku)),
                            (INT4, enc(&p.quantity)),
                            (NUMERIC, enc(&p.price_total)),
                        ])
                    })
                    .collect();
            array(o.item, &items)
        });
        field(&mut out, items.as_deref());
        field(&mut out, r.identity_map.as_ref().map(jsonb).as_deref());
        let acme = r
            .acme
            .as_ref()
            .map(|a| record(&[(TEXT, enc(&a.loyalty_id)), (TEXT, enc(&a.campaign))]));
        field(&mut out, acme.as_deref());
    }
    out.extend((-1i16).to_be_bytes());
    out
}

async fn raw_copy(conn: &QsConnection, sql: &str, data: Vec<u8>) {
    let pool = conn.db().get_postgres_connection_pool();
    let mut c = pool.acquire().await.expect("conn");
    let mut tx = sqlx::Connection::begin(&mut *c).await.expect("begin");
    let mut copy = tx.copy_in_raw(sql).await.expect("copy");
    copy.send(data).await.expect("send");
    copy.finish().await.expect("finish");
    tx.commit().await.expect("commit");
}

// ---------------------------------------------------------------------------------------

/// A reference point for the client's share: active models to COPY text through `pg_text`,
/// values cloned with `get` (the repository now moves them out and writes most types
/// without a `String` per value, so its own encoding costs less than this).
fn copy_text<A: sea_orm::ActiveModelTrait>(models: &[A]) -> String {
    use qsorm_repository::pg_text::{pg_text, push_copy_field};
    use sea_orm::{ActiveValue, Iterable};
    let mut out = String::new();
    for m in models {
        for (k, c) in <A::Entity as EntityTrait>::Column::iter().enumerate() {
            if k > 0 {
                out.push('\t');
            }
            let text = match m.get(c) {
                ActiveValue::Set(v) | ActiveValue::Unchanged(v) => pg_text(&v),
                ActiveValue::NotSet => None,
            };
            push_copy_field(text.as_deref(), &mut out);
        }
        out.push('\n');
    }
    out
}

/// Best of 3 runs of `run`, each on an empty table, given what `prepare` made before the
/// clock starts (the caller's owned batch: `insert_many` takes it by value).
async fn best<T, P, F, Fut>(
    conn: &QsConnection,
    table: &str,
    mut prepare: P,
    mut run: F,
) -> Duration
where
    P: FnMut() -> T,
    F: FnMut(T) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut best = Duration::MAX;
    for _ in 0..3 {
        conn.db()
            .execute_unprepared(&format!("TRUNCATE {table}"))
            .await
            .expect("truncate");
        let input = prepare();
        let t = Instant::now();
        if !run(input).await {
            return Duration::ZERO;
        }
        best = best.min(t.elapsed());
    }
    best
}

fn report(what: &str, copy: Duration, qsorm: Duration, seaorm: Duration) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("-- {what}");
    println!("raw binary COPY              {:>8.0} ms", ms(copy));
    println!(
        "qsorm insert_many            {:>8.0} ms   speed {:.2}x binary COPY",
        ms(qsorm),
        copy.as_secs_f64() / qsorm.as_secs_f64()
    );
    if seaorm.is_zero() {
        println!("sea-orm insert_many (1,000)  fails (no JSON to composite cast)");
    } else {
        println!(
            "sea-orm insert_many (1,000)  {:>8.0} ms   qsorm {:.2}x faster",
            ms(seaorm),
            seaorm.as_secs_f64() / qsorm.as_secs_f64()
        );
    }
}

async fn seaorm_chunks<E, A>(conn: &QsConnection, rows: Vec<A>) -> bool
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send + Clone,
{
    let tx = conn.db().begin().await.expect("begin");
    for chunk in rows.chunks(1_000) {
        if let Err(e) = E::insert_many(chunk.to_vec()).exec(&tx).await {
            println!("sea-orm insert_many: {e}");
            return false;
        }
    }
    tx.commit().await.expect("commit");
    true
}

async fn seaorm_upserts(conn: &QsConnection, batch: Vec<bulk_events::ActiveModel>) -> bool {
    use bulk_events::Column as C;
    use sea_orm::sea_query::OnConflict;
    let tx = conn.db().begin().await.expect("begin");
    for chunk in batch.chunks(1_000) {
        bulk_events::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(C::Id)
                    .update_columns([C::At, C::Kind, C::Source, C::Score, C::Note, C::Payload])
                    .to_owned(),
            )
            .exec(&tx)
            .await
            .expect("sea-orm upsert");
    }
    tx.commit().await.expect("commit");
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement: run in release with --ignored --nocapture"]
async fn insert_many_against_binary_copy_and_sea_orm() {
    let n: usize = std::env::var("QSORM_BULK_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let sb = support::sandbox();
    let db = sb.fresh_database().await.expect("fresh database");
    let conn = sandbox_connection(sb, &db, None).expect("connection");
    conn.db().execute_unprepared(EVENTS).await.expect("schema");
    qsorm_migrate::Runner::of::<qsorm_migrations::Migrator>(&conn)
        .run(qsorm_migrate::Op::Up(Some(4)))
        .await
        .expect("migrations");

    let rows = events(n);
    let models: Vec<bulk_events::ActiveModel> = rows
        .iter()
        .cloned()
        .map(IntoActiveModel::into_active_model)
        .collect();
    let repo = Repo::<bulk_events::Entity, _>::new(conn.db());
    let copy = best(
        &conn,
        "bulk_events",
        || (),
        |()| async {
            raw_copy(
                &conn,
                "COPY bulk_events FROM STDIN (FORMAT binary)",
                event_copy(&rows),
            )
            .await;
            true
        },
    )
    .await;
    let qsorm = best(
        &conn,
        "bulk_events",
        || models.clone(),
        |batch| async {
            repo.insert_many(batch).await.expect("insert_many");
            true
        },
    )
    .await;
    let seaorm = best(
        &conn,
        "bulk_events",
        || models.clone(),
        |batch| seaorm_chunks(&conn, batch),
    )
    .await;
    report(&format!("(a) events, {n} rows"), copy, qsorm, seaorm);
    let t = Instant::now();
    let text = copy_text(&models);
    let encode = t.elapsed();
    let text_copy = best(
        &conn,
        "bulk_events",
        || text.clone(),
        |text| async {
            raw_copy(&conn, "COPY bulk_events FROM STDIN", text.into_bytes()).await;
            true
        },
    )
    .await;
    println!(
        "breakdown: encoding {:.0} ms, text COPY of the encoded rows {:.0} ms",
        encode.as_secs_f64() * 1e3,
        text_copy.as_secs_f64() * 1e3
    );

    let upsert = best(
        &conn,
        "bulk_events",
        || models.clone(),
        |batch| async {
            repo.upsert_many(batch, ConflictTarget::PrimaryKey)
                .await
                .expect("upsert_many");
            true
        },
    )
    .await;
    let seaorm_upsert = best(
        &conn,
        "bulk_events",
        || models.clone(),
        |batch| seaorm_upserts(&conn, batch),
    )
    .await;
    println!(
        "upsert_many into the empty table: qsorm {:.0} ms ({:.2}x binary COPY's speed), \
         sea-orm ON CONFLICT (1,000) {:.0} ms (qsorm {:.2}x faster)",
        upsert.as_secs_f64() * 1e3,
        copy.as_secs_f64() / upsert.as_secs_f64(),
        seaorm_upsert.as_secs_f64() * 1e3,
        seaorm_upsert.as_secs_f64() / upsert.as_secs_f64()
    );

    let rows = web_rows(n);
    let oids = web_oids(&conn).await;
    let models: Vec<web_events::ActiveModel> = rows
        .iter()
        .cloned()
        .map(IntoActiveModel::into_active_model)
        .collect();
    let repo = Repo::<web_events::Entity, _>::new(conn.db());
    let copy = best(
        &conn,
        "web_events",
        || (),
        |()| async {
            raw_copy(
                &conn,
                "COPY web_events FROM STDIN (FORMAT binary)",
                web_copy(&rows, &oids),
            )
            .await;
            true
        },
    )
    .await;
    let qsorm = best(
        &conn,
        "web_events",
        || models.clone(),
        |batch| async {
            repo.insert_many(batch).await.expect("insert_many");
            true
        },
    )
    .await;
    let seaorm = best(
        &conn,
        "web_events",
        || models.clone(),
        |batch| seaorm_chunks(&conn, batch),
    )
    .await;
    report(&format!("(b) web_events, {n} rows"), copy, qsorm, seaorm);
    let t = Instant::now();
    let _ = copy_text(&models);
    println!(
        "breakdown: plain values + composites as JSON text {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
}
