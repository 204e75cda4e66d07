//! The event shape (workload 1): a text key, a timestamptz, two texts, a nullable double, a
//! nullable text and a jsonb; its table, its sea-orm entity, its rows, and the plain struct
//! the raw drivers read into and write from.

use chrono::{DateTime, FixedOffset};
use sea_orm::ActiveValue::Set;
use serde_json::{Value, json};
use sqlx::Row as _;

/// The table, recreated empty by every workload that uses it.
pub const SCHEMA: &str = "DROP TABLE IF EXISTS bench_events; \
    CREATE TABLE bench_events (id text PRIMARY KEY, ts timestamptz NOT NULL, kind text NOT NULL, \
    page text NOT NULL, amount double precision, referrer text, payload jsonb)";

/// Every column, in table order.
pub const COLUMNS: &str = "id, ts, kind, page, amount, referrer, payload";

/// The sea-orm entity of `bench_events`.
pub mod entity {
    use sea_orm::entity::prelude::*;

    /// A row of `bench_events`.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_events")]
    pub struct Model {
        /// The key.
        #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
        pub id: String,
        /// When.
        pub ts: DateTimeWithTimeZone,
        /// What kind of event.
        #[sea_orm(column_type = "Text")]
        pub kind: String,
        /// The page.
        #[sea_orm(column_type = "Text")]
        pub page: String,
        /// An amount, often missing.
        pub amount: Option<f64>,
        /// The referrer, often missing.
        #[sea_orm(column_type = "Text", nullable)]
        pub referrer: Option<String>,
        /// Free-form details.
        #[sea_orm(column_type = "JsonBinary", nullable)]
        pub payload: Option<Json>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    /// Writable, no nested column.
    impl qsorm_repository::Table for Entity {}
}

/// One event as the raw drivers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// `id`.
    pub id: String,
    /// `ts`.
    pub ts: DateTime<FixedOffset>,
    /// `kind`.
    pub kind: String,
    /// `page`.
    pub page: String,
    /// `amount`.
    pub amount: Option<f64>,
    /// `referrer`.
    pub referrer: Option<String>,
    /// `payload`.
    pub payload: Option<Value>,
}

impl EventRow {
    /// The `i`-th generated event (its key sorts like `i`).
    pub fn generated(i: usize) -> EventRow {
        let secs = i64::try_from(i).unwrap_or(i64::MAX);
        let ts = DateTime::parse_from_rfc3339("2026-11-25T10:00:00.123456+00:00")
            .expect("timestamp")
            + chrono::Duration::seconds(secs);
        EventRow {
            id: key(i),
            ts,
            kind: ["page_view", "click", "purchase"][i % 3].to_owned(),
            page: format!("https://example.invalid/p/{}?q='x'", i % 997),
            amount: (!i.is_multiple_of(4)).then_some(secs as f64 * 0.25),
            referrer: i
                .is_multiple_of(2)
                .then(|| format!("https://ref.example.invalid/{}", i % 31)),
            payload: (!i.is_multiple_of(5))
                .then(|| json!({"ecid": i, "segments": ["a", "b"], "ok": true})),
        }
    }

    /// The same event as a sea-orm active model.
    pub fn active(&self) -> entity::ActiveModel {
        entity::ActiveModel {
            id: Set(self.id.clone()),
            ts: Set(self.ts),
            kind: Set(self.kind.clone()),
            page: Set(self.page.clone()),
            amount: Set(self.amount),
            referrer: Set(self.referrer.clone()),
            payload: Set(self.payload.clone()),
        }
    }

    /// Hand-mapped from a tokio-postgres row of [`COLUMNS`].
    pub fn from_pg(r: &tokio_postgres::Row) -> EventRow {
        EventRow {
            id: r.get(0),
            ts: r.get(1),
            kind: r.get(2),
            page: r.get(3),
            amount: r.get(4),
            referrer: r.get(5),
            payload: r.get(6),
        }
    }
}

impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for EventRow {
    fn from_row(r: &'r sqlx::postgres::PgRow) -> Result<EventRow, sqlx::Error> {
        Ok(EventRow {
            id: r.try_get(0)?,
            ts: r.try_get(1)?,
            kind: r.try_get(2)?,
            page: r.try_get(3)?,
            amount: r.try_get(4)?,
            referrer: r.try_get(5)?,
            payload: r.try_get(6)?,
        })
    }
}

/// The key of the `i`-th event.
pub fn key(i: usize) -> String {
    format!("ev-{i:09}")
}

/// `n` generated events.
pub fn rows(n: usize) -> Vec<EventRow> {
    (0..n).map(EventRow::generated).collect()
}
