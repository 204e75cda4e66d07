//! `profiles`: an XDM Individual Profile dataset with a primary key, a nested person name
//! (composite types), a loyalty tier (an enum), tags (`text[]`), and comments.

use sea_orm_migration::prelude::*;
use sea_query::extension::postgres::Type;

use qsorm_migrate::sql;

/// This migration.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// `profiles` and its columns.
#[derive(DeriveIden)]
pub enum Profiles {
    /// The table.
    Table,
    /// `_id` (primary key).
    #[sea_orm(iden = "_id")]
    Id,
    /// `person` (`profiles_person`).
    Person,
    /// `personal_email`.
    PersonalEmail,
    /// `loyalty_tier` (`profiles_loyalty_tier`).
    LoyaltyTier,
    /// `tags`.
    Tags,
    /// `created_at`.
    CreatedAt,
}

/// The loyalty tier enum type.
pub const TIER_TYPE: &str = "profiles_loyalty_tier";
/// Its labels, lowest first.
pub const TIERS: &[&str] = &["bronze", "silver", "gold", "platinum"];

/// The composite types, innermost first.
pub const TYPES: &[(&str, &[(&str, &str)])] = &[
    (
        "profiles_person_name",
        &[("first_name", "text"), ("last_name", "text")],
    ),
    (
        "profiles_person",
        &[("name", "profiles_person_name"), ("birth_year", "integer")],
    ),
];

const COMMENTS: &[(&str, &str)] = &[
    ("_id", "XDM record id of the profile"),
    ("person", "Nested person details (name, birth year)"),
    ("personal_email", "Personal e-mail address, when known"),
    ("loyalty_tier", "Loyalty program tier"),
    ("tags", "Free-form segment tags"),
    ("created_at", "When the profile was created"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_type(
                Type::create()
                    .as_enum(TIER_TYPE)
                    .values(TIERS.iter().copied())
                    .to_owned(),
            )
            .await?;
        for (name, fields) in TYPES {
            // Raw SQL: sea-query's `Type::create` has no composite (`AS (...)`) form.
            sql::exec(manager, sql::create_composite(name, fields)).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Profiles::Table)
                    .col(ColumnDef::new(Profiles::Id).text().not_null().primary_key())
                    .col(ColumnDef::new(Profiles::Person).custom("profiles_person"))
                    .col(ColumnDef::new(Profiles::PersonalEmail).text())
                    .col(
                        ColumnDef::new(Profiles::LoyaltyTier)
                            .custom(TIER_TYPE)
                            .not_null()
                            .default(Expr::cust("'bronze'")),
                    )
                    .col(
                        ColumnDef::new(Profiles::Tags)
                            .array(ColumnType::Text)
                            .not_null()
                            .default(Expr::cust("'{}'")),
                    )
                    .col(
                        ColumnDef::new(Profiles::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("profiles_personal_email_idx")
                    .table(Profiles::Table)
                    .col(Profiles::PersonalEmail)
                    .to_owned(),
            )
            .await?;
        // Raw SQL: sea-query renders table and column comments for MySQL only.
        sql::exec(
            manager,
            sql::comment_on_table("profiles", "Sample XDM Individual Profile dataset"),
        )
        .await?;
        for (column, text) in COMMENTS {
            sql::exec(manager, sql::comment_on_column("profiles", column, text)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Profiles::Table).to_owned())
            .await?;
        for (name, _) in TYPES.iter().rev() {
            manager
                .drop_type(Type::drop().name(*name).to_owned())
                .await?;
        }
        manager
            .drop_type(Type::drop().name(TIER_TYPE).to_owned())
            .await
    }
}
