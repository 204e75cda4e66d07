//! Binary `COPY ... FROM STDIN` with tokio-postgres's `BinaryCopyInWriter`: the insert limit,
//! and the loader that fills tables before read tasks (outside any timed region).

use tokio_postgres::Client;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use super::event::{COLUMNS, EventRow};
use super::measure::fail;

/// Writes every row through one `COPY` and returns how many the server took.
async fn copy<'r, I>(pg: &Client, sql: &str, types: &[Type], rows: I) -> Result<u64, String>
where
    I: IntoIterator<Item = Vec<&'r (dyn ToSql + Sync)>>,
{
    let sink = pg.copy_in(sql).await.map_err(fail("COPY"))?;
    let mut writer = std::pin::pin!(BinaryCopyInWriter::new(sink, types));
    for row in rows {
        writer
            .as_mut()
            .write(&row)
            .await
            .map_err(fail("COPY row"))?;
    }
    writer.as_mut().finish().await.map_err(fail("COPY end"))
}

/// Every column of `bench_events`.
pub async fn events(pg: &Client, rows: &[EventRow]) -> Result<u64, String> {
    let sql = format!("COPY bench_events ({COLUMNS}) FROM STDIN (FORMAT binary)");
    let types = [
        Type::TEXT,
        Type::TIMESTAMPTZ,
        Type::TEXT,
        Type::TEXT,
        Type::FLOAT8,
        Type::TEXT,
        Type::JSONB,
    ];
    let values = rows.iter().map(|r| -> Vec<&(dyn ToSql + Sync)> {
        vec![
            &r.id,
            &r.ts,
            &r.kind,
            &r.page,
            &r.amount,
            &r.referrer,
            &r.payload,
        ]
    });
    copy(pg, &sql, &types, values).await
}

/// `web_events`' composite types and the column types of a row, as tokio-postgres resolves
/// them from the catalog (composite fields included): resolved once, before any clock.
pub struct WebTypes(Vec<Type>);

impl WebTypes {
    /// Asks the server (through a prepared statement's parameter types).
    pub async fn resolve(pg: &Client) -> Result<WebTypes, String> {
        let stmt = pg
            .prepare(
                "SELECT $1::text, $2::timestamptz, $3::text, $4::web_events_web, \
                 $5::web_events_commerce, $6::web_events_product_list_items[], $7::jsonb, \
                 $8::web_events__acme",
            )
            .await
            .map_err(fail("web_events types"))?;
        Ok(WebTypes(stmt.params().to_vec()))
    }
}

/// Every column of `web_events`, the composites and the array of composites included, each
/// encoded by tokio-postgres (`postgres-types`' derived composite codecs, see [`web_row`]).
pub async fn web_all(
    pg: &Client,
    types: &WebTypes,
    rows: &[web_row::WebRow],
) -> Result<u64, String> {
    let sql = "COPY web_events (_id, \"timestamp\", event_type, web, commerce, \
        product_list_items, identity_map, _acme) FROM STDIN (FORMAT binary)";
    let values = rows.iter().map(|r| -> Vec<&(dyn ToSql + Sync)> {
        vec![
            &r.id,
            &r.timestamp,
            &r.event_type,
            &r.web,
            &r.commerce,
            &r.product_list_items,
            &r.identity_map,
            &r.acme,
        ]
    });
    copy(pg, sql, &types.0, values).await
}

/// `web_events` rows as tokio-postgres writes them: a struct per composite type deriving
/// `postgres_types::ToSql` (`#[postgres(name = ...)]`), built from the generated entity's
/// models before the clock starts, as the event shape's raw rows are.
pub mod web_row {
    use chrono::{DateTime, FixedOffset};
    use postgres_types::{IsNull, ToSql, Type, to_sql_checked};
    use qsorm::entity::web_events;
    use rust_decimal::Decimal;

    /// `numeric`, encoded by sqlx's binary `Encode` for `Decimal` (tokio-postgres has no
    /// `Decimal` codec without `rust_decimal`'s `db-tokio-postgres` feature).
    #[derive(Debug)]
    pub struct Numeric(pub Decimal);

    impl ToSql for Numeric {
        fn to_sql(
            &self,
            _: &Type,
            out: &mut bytes::BytesMut,
        ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
            let mut buf = sqlx::postgres::PgArgumentBuffer::default();
            match sqlx::Encode::<sqlx::Postgres>::encode_by_ref(&self.0, &mut buf)? {
                sqlx::encode::IsNull::Yes => Ok(IsNull::Yes),
                sqlx::encode::IsNull::No => {
                    out.extend_from_slice(&buf);
                    Ok(IsNull::No)
                }
            }
        }

        fn accepts(ty: &Type) -> bool {
            *ty == Type::NUMERIC
        }

        to_sql_checked!();
    }

    /// `web_events_web_page_details`.
    #[derive(Debug, ToSql)]
    #[postgres(name = "web_events_web_page_details")]
    pub struct PageDetails {
        name: Option<String>,
        url: Option<String>,
        is_home_page: Option<bool>,
    }

    /// `web_events_web_referrer`.
    #[derive(Debug, ToSql)]
    #[postgres(name = "web_events_web_referrer")]
    pub struct Referrer {
        url: Option<String>,
        #[postgres(name = "type")]
        type_: Option<String>,
    }

    /// `web_events_web`.
    #[derive(Debug, ToSql)]
    #[postgres(name = "web_events_web")]
    pub struct Web {
        page_details: Option<PageDetails>,
        referrer: Option<Referrer>,
    }

    /// `web_events_commerce_order`.
    #[derive(Debug, ToSql)]
    #[postgres(name = "web_events_commerce_order")]
    pub struct Order {
        currency_code: Option<String>,
        price_total: Option<Numeric>,
    }

    /// `web_events_commerce`.
    #[derive(Debug, ToSql)]
    #[postgres(name = "web_events_commerce")]
    pub struct Commerce {
        order: Option<Order>,
        purchases: Option<i32>,
        product_views: Option<i32>,
    }

    /// `web_events_product_list_items`.
    #[derive(Debug, ToSql)]
    #[postgres(name = "web_events_product_list_items")]
    pub struct Item {
        sku: Option<String>,
        quantity: Option<i32>,
        price_total: Option<Numeric>,
    }

    /// `web_events__acme`.
    #[derive(Debug, ToSql)]
    #[postgres(name = "web_events__acme")]
    pub struct Acme {
        loyalty_id: Option<String>,
        campaign: Option<String>,
    }

    /// A row of `web_events`, every column.
    #[derive(Debug)]
    pub struct WebRow {
        /// `_id`.
        pub id: String,
        /// `timestamp`.
        pub timestamp: DateTime<FixedOffset>,
        /// `event_type`.
        pub event_type: String,
        /// `web`.
        pub web: Option<Web>,
        /// `commerce`.
        pub commerce: Option<Commerce>,
        /// `product_list_items`.
        pub product_list_items: Option<Vec<Item>>,
        /// `identity_map`.
        pub identity_map: Option<serde_json::Value>,
        /// `_acme`.
        pub acme: Option<Acme>,
    }

    impl From<&web_events::Model> for WebRow {
        fn from(m: &web_events::Model) -> WebRow {
            let text = |s: &Option<String>| s.clone();
            WebRow {
                id: m.id.clone(),
                timestamp: m.timestamp,
                event_type: m.event_type.clone(),
                web: m.web.as_ref().map(|w| Web {
                    page_details: w.page_details.as_ref().map(|p| PageDetails {
                        name: text(&p.name),
                        url: text(&p.url),
                        is_home_page: p.is_home_page,
                    }),
                    referrer: w.referrer.as_ref().map(|r| Referrer {
                        url: text(&r.url),
                        type_: text(&r.type_),
                    }),
                }),
                commerce: m.commerce.as_ref().map(|c| Commerce {
                    order: c.order.as_ref().map(|o| Order {
                        currency_code: text(&o.currency_code),
                        price_total: o.price_total.map(Numeric),
                    }),
                    purchases: c.purchases,
                    product_views: c.product_views,
                }),
                product_list_items: m.product_list_items.as_ref().map(|l| {
                    l.0.iter()
                        .map(|p| Item {
                            sku: text(&p.sku),
                            quantity: p.quantity,
                            price_total: p.price_total.map(Numeric),
                        })
                        .collect()
                }),
                identity_map: m.identity_map.clone(),
                acme: m.acme.as_ref().map(|a| Acme {
                    loyalty_id: text(&a.loyalty_id),
                    campaign: text(&a.campaign),
                }),
            }
        }
    }
}
