//! Raw SQL for the constructs sea-query's schema builders lack (composite types, `COMMENT ON`,
//! views), and the one way migrations run it.
//!
//! Run raw SQL through [`exec`], not `execute_unprepared`: [`exec`] goes through
//! `execute_raw`, which the runner observes, so a failing statement is named in the error
//! (sea-orm does not report statements run with `execute_unprepared`).

use qsorm_ident::quote_ident;
use sea_orm::{ConnectionTrait, DbErr, Statement};
use sea_orm_migration::SchemaManager;
use sea_query::{PostgresQueryBuilder, QueryBuilder, Value};

/// Runs one SQL statement (no parameters) in the migration's transaction.
pub async fn exec(manager: &SchemaManager<'_>, sql: impl Into<String>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    conn.execute_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .map(drop)
}

/// A string literal as sea-query escapes it for PostgreSQL.
pub fn literal(text: &str) -> String {
    PostgresQueryBuilder.value_to_string(&Value::from(text))
}

/// `CREATE TYPE name AS (field type, ...)`: sea-query's `Type::create` only makes enums.
pub fn create_composite(name: &str, fields: &[(&str, &str)]) -> String {
    let fields: Vec<String> = fields
        .iter()
        .map(|(field, ty)| format!("{} {ty}", quote_ident(field)))
        .collect();
    format!(
        "CREATE TYPE {} AS ({})",
        quote_ident(name),
        fields.join(", ")
    )
}

/// `COMMENT ON TABLE`: sea-query only renders table comments for MySQL.
pub fn comment_on_table(table: &str, text: &str) -> String {
    format!(
        "COMMENT ON TABLE {} IS {}",
        quote_ident(table),
        literal(text)
    )
}

/// `COMMENT ON COLUMN`: sea-query only renders column comments for MySQL.
pub fn comment_on_column(table: &str, column: &str, text: &str) -> String {
    format!(
        "COMMENT ON COLUMN {}.{} IS {}",
        quote_ident(table),
        quote_ident(column),
        literal(text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders() {
        assert_eq!(
            create_composite("t_c", &[("order", "t_c_order"), ("n", "integer")]),
            r#"CREATE TYPE "t_c" AS ("order" t_c_order, "n" integer)"#
        );
        assert_eq!(
            comment_on_column("t", "c", "it's"),
            r#"COMMENT ON COLUMN "t"."c" IS E'it\'s'"#
        );
    }
}
