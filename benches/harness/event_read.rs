//! Workload 1, reads: every event back in key order, into typed rows: sqlx `query_as` into a
//! struct and tokio-postgres rows mapped by hand (the limits), sea-orm `find().all()`, qsorm
//! `find`.

use std::time::Instant;

use qsorm::repository::Repo;

use super::config::Config;
use super::copy;
use super::event::{self, COLUMNS, EventRow, entity};
use super::event_insert::check;
use super::library;
use super::measure::{Contender, Sample, Task, alternate, fail};
use super::report::Report;
use super::setup::Ctx;

/// Fails a contender that read the wrong number of rows.
pub fn check_len(got: usize, want: u64) -> Result<(), String> {
    check(u64::try_from(got).map_err(fail("count"))?, want)
}

/// Runs the read task.
pub async fn run(ctx: &Ctx, cfg: &Config, report: &mut Report) -> Result<(), String> {
    ctx.exec(event::SCHEMA).await?;
    copy::events(&ctx.pg, &event::rows(cfg.rows)).await?;
    ctx.exec("ANALYZE bench_events").await?;
    let n = u64::try_from(cfg.rows).map_err(fail("rows"))?;
    let repo = Repo::<entity::Entity, _>::new(ctx.conn.db());
    let repo = &repo;
    let sql = format!("SELECT {COLUMNS} FROM bench_events ORDER BY id");
    let sql = sql.as_str();
    let task = Task {
        workload: "event",
        task: &format!("read {}", cfg.rows),
        rows: n,
    };
    let contenders = vec![
        Contender::baseline("sqlx query_as into a struct", move || {
            Box::pin(async move {
                let t = Instant::now();
                let got: Vec<EventRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&ctx.pool)
                    .await
                    .map_err(fail("sqlx"))?;
                let sample = Sample::since(t);
                check_len(got.len(), n)?;
                Ok(sample)
            })
        }),
        Contender::baseline("tokio-postgres rows mapped by hand", move || {
            Box::pin(async move {
                let t = Instant::now();
                let rows = ctx
                    .pg
                    .query(sql, &[])
                    .await
                    .map_err(fail("tokio-postgres"))?;
                let got: Vec<EventRow> = rows.iter().map(EventRow::from_pg).collect();
                let sample = Sample::since(t);
                check_len(got.len(), n)?;
                Ok(sample)
            })
        }),
        library::seaorm_find::<entity::Entity>(ctx, entity::Column::Id, n),
        library::qsorm_find(repo, n),
    ];
    alternate(report, task, cfg.reps, contenders).await;
    Ok(())
}
