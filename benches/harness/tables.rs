//! The many-table schema that reflection and code generation read: `n` tables in a database
//! of their own, each with a key, a foreign key to the previous table, an index, a check, a
//! default, an array and a jsonb column.

use std::fmt::Write as _;

use super::measure::fail;
use super::setup::{Ctx, tokio_pg};

/// Creates a database holding `n` tables; returns its name.
pub async fn create(ctx: &Ctx, n: usize) -> Result<String, String> {
    let db = ctx
        .sandbox
        .fresh_database()
        .await
        .map_err(fail("database"))?;
    let mut sql = String::new();
    for i in 0..n {
        let parent = if i == 0 {
            String::new()
        } else {
            format!(", parent_id bigint REFERENCES t_{:03} (id)", i - 1)
        };
        let _ = write!(
            sql,
            "CREATE TABLE t_{i:03} (id bigint PRIMARY KEY, name text NOT NULL, \
             created_at timestamptz NOT NULL DEFAULT now(), amount numeric(12,2) CHECK (amount >= 0), \
             tags text[], data jsonb, flag boolean{parent}); \
             CREATE INDEX ON t_{i:03} (name); COMMENT ON TABLE t_{i:03} IS 'table {i}';"
        );
    }
    let pg = tokio_pg(&ctx.sandbox, &db).await?;
    pg.batch_execute(&sql)
        .await
        .map_err(fail("creating the tables"))?;
    Ok(db)
}
