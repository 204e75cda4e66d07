//! `web_events`: an XDM ExperienceEvent dataset, with nested structs as composite types named
//! `<table>_<column>` (as Query Service shows them) and no primary key (a data-lake dataset).

use sea_orm_migration::prelude::*;
use sea_query::extension::postgres::Type;

use qsorm_migrate::sql;

/// This migration.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// `web_events` and its columns.
#[derive(DeriveIden)]
pub enum WebEvents {
    /// The table.
    Table,
    /// `_id`: the XDM record id (text, not unique-enforced).
    #[sea_orm(iden = "_id")]
    Id,
    /// `timestamp`.
    Timestamp,
    /// `event_type`.
    EventType,
    /// `web` (`web_events_web`).
    Web,
    /// `commerce` (`web_events_commerce`).
    Commerce,
    /// `product_list_items` (`web_events_product_list_items[]`).
    ProductListItems,
    /// `identity_map` (jsonb: namespace -> array of identities).
    IdentityMap,
    /// `_acme`: the tenant namespace (`web_events__acme`).
    #[sea_orm(iden = "_acme")]
    Acme,
}

/// The composite types, innermost first.
pub const TYPES: &[(&str, &[(&str, &str)])] = &[
    (
        "web_events_web_page_details",
        &[
            ("name", "text"),
            ("url", "text"),
            ("is_home_page", "boolean"),
        ],
    ),
    (
        "web_events_web_referrer",
        &[("url", "text"), ("type", "text")],
    ),
    (
        "web_events_web",
        &[
            ("page_details", "web_events_web_page_details"),
            ("referrer", "web_events_web_referrer"),
        ],
    ),
    (
        "web_events_commerce_order",
        &[("currency_code", "text"), ("price_total", "numeric(12,2)")],
    ),
    (
        "web_events_commerce",
        &[
            ("order", "web_events_commerce_order"),
            ("purchases", "integer"),
            ("product_views", "integer"),
        ],
    ),
    (
        "web_events_product_list_items",
        &[
            ("sku", "text"),
            ("quantity", "integer"),
            ("price_total", "numeric(12,2)"),
        ],
    ),
    (
        "web_events__acme",
        &[("loyalty_id", "text"), ("campaign", "text")],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, fields) in TYPES {
            // Raw SQL: sea-query's `Type::create` has no composite (`AS (...)`) form.
            sql::exec(manager, sql::create_composite(name, fields)).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(WebEvents::Table)
                    .col(ColumnDef::new(WebEvents::Id).text().not_null())
                    .col(
                        ColumnDef::new(WebEvents::Timestamp)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WebEvents::EventType).text().not_null())
                    .col(ColumnDef::new(WebEvents::Web).custom("web_events_web"))
                    .col(ColumnDef::new(WebEvents::Commerce).custom("web_events_commerce"))
                    .col(
                        ColumnDef::new(WebEvents::ProductListItems)
                            .array(ColumnType::custom("web_events_product_list_items")),
                    )
                    .col(ColumnDef::new(WebEvents::IdentityMap).json_binary())
                    .col(ColumnDef::new(WebEvents::Acme).custom("web_events__acme"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("web_events_timestamp_idx")
                    .table(WebEvents::Table)
                    .col(WebEvents::Timestamp)
                    .to_owned(),
            )
            .await?;
        // Raw SQL: sea-query renders table comments for MySQL only.
        sql::exec(
            manager,
            sql::comment_on_table(
                "web_events",
                "Sample XDM ExperienceEvent dataset (no primary key, like a data-lake dataset)",
            ),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebEvents::Table).to_owned())
            .await?;
        for (name, _) in TYPES.iter().rev() {
            manager
                .drop_type(Type::drop().name(*name).to_owned())
                .await?;
        }
        Ok(())
    }
}
