//! `orders`, `order_lines` and `line_adjustments`: relational tables with real keys —
//! `orders -> profiles`, `order_lines` keyed by `(order_id, line_no)`, and `line_adjustments`
//! referencing `order_lines(order_id, line_no)` with a composite foreign key.

use sea_orm_migration::prelude::*;

use crate::m20250101_000002_profiles::Profiles;

/// This migration.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// `orders` and its columns.
#[derive(DeriveIden)]
pub enum Orders {
    /// The table.
    Table,
    /// `order_id` (primary key).
    OrderId,
    /// `profile_id` (references `profiles._id`).
    ProfileId,
    /// `ordered_at`.
    OrderedAt,
    /// `currency_code`.
    CurrencyCode,
    /// `status`.
    Status,
}

/// `order_lines` and its columns.
#[derive(DeriveIden)]
pub enum OrderLines {
    /// The table.
    Table,
    /// `order_id` (references `orders`; primary key part 1).
    OrderId,
    /// `line_no` (primary key part 2).
    LineNo,
    /// `sku`.
    Sku,
    /// `quantity`.
    Quantity,
    /// `unit_price`.
    UnitPrice,
}

/// `line_adjustments` and its columns.
#[derive(DeriveIden)]
pub enum LineAdjustments {
    /// The table.
    Table,
    /// `adjustment_id` (primary key).
    AdjustmentId,
    /// `order_id` (with `line_no`: references `order_lines`).
    OrderId,
    /// `line_no`.
    LineNo,
    /// `reason`.
    Reason,
    /// `amount`.
    Amount,
}

fn orders() -> TableCreateStatement {
    Table::create()
        .table(Orders::Table)
        .col(
            ColumnDef::new(Orders::OrderId)
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new(Orders::ProfileId).text().not_null())
        .col(
            ColumnDef::new(Orders::OrderedAt)
                .timestamp_with_time_zone()
                .not_null(),
        )
        .col(ColumnDef::new(Orders::CurrencyCode).char_len(3).not_null())
        .col(ColumnDef::new(Orders::Status).text().not_null())
        .foreign_key(
            ForeignKey::create()
                .name("orders_profile_id_fkey")
                .from(Orders::Table, Orders::ProfileId)
                .to(Profiles::Table, Profiles::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

fn order_lines() -> TableCreateStatement {
    Table::create()
        .table(OrderLines::Table)
        .col(ColumnDef::new(OrderLines::OrderId).big_integer().not_null())
        .col(ColumnDef::new(OrderLines::LineNo).integer().not_null())
        .col(ColumnDef::new(OrderLines::Sku).text().not_null())
        .col(
            ColumnDef::new(OrderLines::Quantity)
                .integer()
                .not_null()
                .check(Expr::col(OrderLines::Quantity).gt(0)),
        )
        .col(
            ColumnDef::new(OrderLines::UnitPrice)
                .decimal_len(12, 2)
                .not_null(),
        )
        .primary_key(
            Index::create()
                .name("order_lines_pkey")
                .col(OrderLines::OrderId)
                .col(OrderLines::LineNo),
        )
        .foreign_key(
            ForeignKey::create()
                .name("order_lines_order_id_fkey")
                .from(OrderLines::Table, OrderLines::OrderId)
                .to(Orders::Table, Orders::OrderId)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn line_adjustments() -> TableCreateStatement {
    Table::create()
        .table(LineAdjustments::Table)
        .col(
            ColumnDef::new(LineAdjustments::AdjustmentId)
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .col(
            ColumnDef::new(LineAdjustments::OrderId)
                .big_integer()
                .not_null(),
        )
        .col(ColumnDef::new(LineAdjustments::LineNo).integer().not_null())
        .col(ColumnDef::new(LineAdjustments::Reason).text().not_null())
        .col(
            ColumnDef::new(LineAdjustments::Amount)
                .decimal_len(12, 2)
                .not_null(),
        )
        .foreign_key(
            ForeignKey::create()
                .name("line_adjustments_order_line_fkey")
                .from(
                    LineAdjustments::Table,
                    (LineAdjustments::OrderId, LineAdjustments::LineNo),
                )
                .to(OrderLines::Table, (OrderLines::OrderId, OrderLines::LineNo))
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(orders()).await?;
        manager
            .create_index(
                Index::create()
                    .name("orders_profile_id_idx")
                    .table(Orders::Table)
                    .col(Orders::ProfileId)
                    .to_owned(),
            )
            .await?;
        manager.create_table(order_lines()).await?;
        manager.create_table(line_adjustments()).await?;
        manager
            .create_index(
                Index::create()
                    .name("line_adjustments_order_line_idx")
                    .table(LineAdjustments::Table)
                    .col(LineAdjustments::OrderId)
                    .col(LineAdjustments::LineNo)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LineAdjustments::Table.into_iden(),
            OrderLines::Table.into_iden(),
            Orders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
