//! Migration `{{NAME}}`: say here what it changes.

use sea_orm_migration::prelude::*;

/// This migration.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Prefer sea-query builders: `manager.create_table(Table::create()...).await?`.
        // Raw SQL only where they lack the construct, through `qsorm_migrate::sql::exec` (so
        // that a failure names the statement), with a comment saying why.
        let _ = manager;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Undo exactly what `up` did, in reverse order.
        let _ = manager;
        Ok(())
    }
}
