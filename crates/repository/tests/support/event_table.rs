//! An event-shaped entity (text key, timestamptz, two texts, nullable double, nullable text,
//! jsonb) for the round-trip and read-speed tests, and its table.

pub mod page_events {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "page_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub occurred_at: DateTimeWithTimeZone,
        pub event_type: String,
        pub page_url: String,
        pub value: Option<f64>,
        pub referrer: Option<String>,
        #[sea_orm(column_type = "JsonBinary")]
        pub payload: Json,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl qsorm_repository::Table for Entity {}
}

/// The table of [`page_events`].
pub const PAGE_EVENTS_SQL: &str = "CREATE TABLE page_events (
    id text PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    event_type text NOT NULL,
    page_url text NOT NULL,
    value double precision,
    referrer text,
    payload jsonb NOT NULL
)";

/// Fills [`page_events`] with `rows` rows on the server (`generate_series`), keys
/// `e0000001`, `e0000002`, ...; every third value and referrer NULL.
pub fn seed_page_events_sql(rows: u64) -> String {
    format!(
        "INSERT INTO page_events \
         SELECT 'e' || lpad(i::text, 7, '0'), \
                timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second', \
                (ARRAY['page_view', 'click', 'purchase'])[1 + i % 3], \
                'https://example.com/page/' || (i % 997), \
                CASE WHEN i % 3 = 0 THEN NULL ELSE i * 0.25 END, \
                CASE WHEN i % 3 = 1 THEN NULL ELSE 'https://ref.example/' || (i % 101) END, \
                jsonb_build_object('session', i % 5000, 'ok', i % 2 = 0, 'tags', jsonb_build_array('a', i % 7)) \
         FROM generate_series(1, {rows}) AS i; ANALYZE page_events"
    )
}
