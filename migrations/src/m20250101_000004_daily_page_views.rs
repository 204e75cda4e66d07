//! `daily_page_views`: page views per day and page name, a view over `web_events`.

use sea_orm_migration::prelude::*;

use crate::m20250101_000001_web_events::WebEvents;
use qsorm_ident::quote_ident;
use qsorm_migrate::sql;

/// This migration.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The view's name.
pub const VIEW: &str = "daily_page_views";

/// The view's query, built with sea-query. Composite field access (`(web).page_details.name`)
/// and the `AT TIME ZONE` cast have no builder, hence the two custom expressions.
pub fn select() -> SelectStatement {
    Query::select()
        .expr_as(
            Expr::cust(r#"CAST("timestamp" AT TIME ZONE 'UTC' AS date)"#),
            "day",
        )
        .expr_as(Expr::cust(r#"("web")."page_details"."name""#), "page_name")
        .expr_as(Expr::col(Asterisk).count(), "views")
        .from(WebEvents::Table)
        .and_where(Expr::col(WebEvents::EventType).eq("web.webpagedetails.pageViews"))
        .add_group_by([Expr::cust("1"), Expr::cust("2")])
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Raw SQL: sea-query has no CREATE VIEW; the query itself is a sea-query SELECT.
        let query = select().to_string(PostgresQueryBuilder);
        sql::exec(
            manager,
            format!("CREATE VIEW {} AS {query}", quote_ident(VIEW)),
        )
        .await?;
        sql::exec(
            manager,
            format!(
                "COMMENT ON VIEW {} IS {}",
                quote_ident(VIEW),
                sql::literal("Page views per UTC day and page name")
            ),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Raw SQL: sea-query has no DROP VIEW.
        sql::exec(manager, format!("DROP VIEW {}", quote_ident(VIEW))).await
    }
}
