//! The sample data (see [`crate::sample`]): 1,000 profiles, 10,000 web events, 2,000 orders
//! with their lines and adjustments, loaded in batches with a progress bar on a terminal.
//! `down` deletes exactly these rows (by key), leaving any other row alone.

use sea_orm_migration::prelude::*;

use crate::sample::{BATCH, Sample, statements as st};
use qsorm_migrate::progress::rows_bar;

/// This migration.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let s = Sample::generate();
        let bar = rows_bar(s.total_rows() as u64);
        bar.set_message("profiles");
        for rows in s.profiles.chunks(BATCH) {
            manager.execute(st::insert_profiles(rows)).await?;
            bar.inc(rows.len() as u64);
        }
        bar.set_message("web_events");
        for rows in s.events.chunks(BATCH) {
            manager.execute(st::insert_events(rows)).await?;
            bar.inc(rows.len() as u64);
        }
        bar.set_message("orders");
        for rows in s.orders.chunks(BATCH) {
            manager.execute(st::insert_orders(rows)).await?;
            bar.inc(rows.len() as u64);
        }
        bar.set_message("order_lines");
        for rows in s.lines.chunks(BATCH) {
            manager.execute(st::insert_lines(rows)).await?;
            bar.inc(rows.len() as u64);
        }
        bar.set_message("line_adjustments");
        for rows in s.adjustments.chunks(BATCH) {
            manager.execute(st::insert_adjustments(rows)).await?;
            bar.inc(rows.len() as u64);
        }
        bar.finish_and_clear();
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let s = Sample::generate();
        let bar = rows_bar(s.total_rows() as u64);
        bar.set_message("line_adjustments");
        for rows in s.adjustments.chunks(BATCH) {
            manager.execute(st::delete_adjustments(rows)).await?;
            bar.inc(rows.len() as u64);
        }
        bar.set_message("order_lines");
        for orders in s.orders.chunks(BATCH) {
            manager.execute(st::delete_lines(orders)).await?;
        }
        bar.inc(s.lines.len() as u64);
        bar.set_message("orders");
        for rows in s.orders.chunks(BATCH) {
            manager.execute(st::delete_orders(rows)).await?;
            bar.inc(rows.len() as u64);
        }
        bar.set_message("web_events");
        for rows in s.events.chunks(BATCH) {
            manager.execute(st::delete_events(rows)).await?;
            bar.inc(rows.len() as u64);
        }
        bar.set_message("profiles");
        for rows in s.profiles.chunks(BATCH) {
            manager.execute(st::delete_profiles(rows)).await?;
            bar.inc(rows.len() as u64);
        }
        bar.finish_and_clear();
        Ok(())
    }
}
