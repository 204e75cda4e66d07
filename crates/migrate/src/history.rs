//! What has been applied: sea-orm's `seaql_migrations(version, applied_at)` plus our
//! `qsorm_migration_checksums(version, checksum, applied_at)` beside it.

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Schema};
use sea_orm_migration::seaql_migrations;
use sea_query::{
    Alias, ColumnDef, Expr, ExprTrait, OnConflict, Order, Query, Table, TableCreateStatement,
    TableDropStatement,
};

/// The checksum table's name.
pub const CHECKSUM_TABLE: &str = "qsorm_migration_checksums";
/// sea-orm's migration table.
pub const MIGRATION_TABLE: &str = "seaql_migrations";

/// One row of `seaql_migrations`, with its checksum when one was recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The migration name.
    pub version: String,
    /// Unix seconds, as sea-orm records it.
    pub applied_at: i64,
    /// The checksum recorded when it was applied (none if applied by another tool).
    pub checksum: Option<String>,
}

/// The recorded state of a database.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// Whether `seaql_migrations` exists.
    pub installed: bool,
    /// Applied migrations, by name.
    pub applied: BTreeMap<String, Applied>,
}

/// `CREATE TABLE IF NOT EXISTS` for both tables (sea-orm's own definition for its table).
pub fn install_statements() -> [TableCreateStatement; 2] {
    let mut migrations = Schema::new(sea_orm::DbBackend::Postgres)
        .create_table_from_entity(seaql_migrations::Entity);
    migrations.if_not_exists();
    let checksums = Table::create()
        .table(Alias::new(CHECKSUM_TABLE))
        .if_not_exists()
        .col(
            ColumnDef::new(Alias::new("version"))
                .text()
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new(Alias::new("checksum")).text().not_null())
        .col(
            ColumnDef::new(Alias::new("applied_at"))
                .timestamp_with_time_zone()
                .not_null()
                .default(Expr::current_timestamp()),
        )
        .to_owned();
    [migrations, checksums]
}

/// `DROP TABLE IF EXISTS` for both tables.
pub fn drop_statements() -> [TableDropStatement; 2] {
    [MIGRATION_TABLE, CHECKSUM_TABLE]
        .map(|t| Table::drop().table(Alias::new(t)).if_exists().to_owned())
}

/// Creates both tables unless they exist.
pub async fn install<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    for stmt in install_statements() {
        db.execute(&stmt).await?;
    }
    Ok(())
}

async fn table_exists<C: ConnectionTrait>(db: &C, table: &str) -> Result<bool, DbErr> {
    let stmt = Query::select()
        .expr_as(
            Expr::cust_with_values("to_regclass($1)", [table]).is_not_null(),
            "present",
        )
        .to_owned();
    match db.query_one(&stmt).await? {
        Some(row) => row.try_get("", "present"),
        None => Ok(false),
    }
}

/// Reads the state with `SELECT`s only (no table is created; missing tables mean nothing is
/// recorded yet).
pub async fn read<C: ConnectionTrait>(db: &C) -> Result<History, DbErr> {
    if !table_exists(db, MIGRATION_TABLE).await? {
        return Ok(History::default());
    }
    let checksums = if table_exists(db, CHECKSUM_TABLE).await? {
        let stmt = Query::select()
            .columns([Alias::new("version"), Alias::new("checksum")])
            .from(Alias::new(CHECKSUM_TABLE))
            .to_owned();
        let mut map = BTreeMap::new();
        for row in db.query_all(&stmt).await? {
            let version: String = row.try_get("", "version")?;
            let sum: String = row.try_get("", "checksum")?;
            map.insert(version, sum);
        }
        map
    } else {
        BTreeMap::new()
    };
    let stmt = Query::select()
        .columns([Alias::new("version"), Alias::new("applied_at")])
        .from(Alias::new(MIGRATION_TABLE))
        .order_by(Alias::new("version"), Order::Asc)
        .to_owned();
    let mut applied = BTreeMap::new();
    for row in db.query_all(&stmt).await? {
        let version: String = row.try_get("", "version")?;
        let applied_at: i64 = row.try_get("", "applied_at")?;
        applied.insert(
            version.clone(),
            Applied {
                checksum: checksums.get(&version).cloned(),
                version,
                applied_at,
            },
        );
    }
    Ok(History {
        installed: true,
        applied,
    })
}

/// Records `version` as applied now, with its checksum.
pub async fn record_applied<C: ConnectionTrait>(
    db: &C,
    version: &str,
    checksum: &str,
) -> Result<(), DbErr> {
    let now = Utc::now();
    seaql_migrations::Entity::insert(seaql_migrations::ActiveModel {
        version: sea_orm::ActiveValue::Set(version.to_owned()),
        applied_at: sea_orm::ActiveValue::Set(now.timestamp()),
    })
    .exec_without_returning(db)
    .await?;
    let stmt = Query::insert()
        .into_table(Alias::new(CHECKSUM_TABLE))
        .columns([Alias::new("version"), Alias::new("checksum")])
        .values_panic([Expr::val(version), Expr::val(checksum)])
        .on_conflict(
            OnConflict::column(Alias::new("version"))
                .update_columns([Alias::new("checksum"), Alias::new("applied_at")])
                .to_owned(),
        )
        .to_owned();
    db.execute(&stmt).await.map(drop)
}

/// Forgets `version` (after its `down`).
pub async fn record_reverted<C: ConnectionTrait>(db: &C, version: &str) -> Result<(), DbErr> {
    for table in [MIGRATION_TABLE, CHECKSUM_TABLE] {
        let stmt = Query::delete()
            .from_table(Alias::new(table))
            .and_where(Expr::col(Alias::new("version")).eq(version))
            .to_owned();
        db.execute(&stmt).await?;
    }
    Ok(())
}
