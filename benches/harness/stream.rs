//! Workload 2's streaming task: every event of a large table, one row at a time, never all
//! in memory: sqlx `fetch` and tokio-postgres `query_raw` (the limits), qsorm `stream` on the
//! pool (one streaming query) and inside a transaction (a server-side cursor read in pages).
//! Rows/s and the process's peak RSS.

use std::time::Instant;

use futures_util::TryStreamExt;
use qsorm::repository::Repo;
use sea_orm::{Condition, TransactionTrait};

use super::config::Config;
use super::copy;
use super::event::{self, COLUMNS, EventRow, entity};
use super::event_insert::check;
use super::measure::{Contender, Sample, Task, alternate, fail};
use super::report::Report;
use super::setup::Ctx;

/// Loads `n` events in batches of 10,000 (little memory, so that the peak RSS of the
/// contenders is theirs and not the loader's).
async fn load(ctx: &Ctx, n: usize) -> Result<(), String> {
    ctx.exec(event::SCHEMA).await?;
    let mut start = 0;
    while start < n {
        let end = (start + 10_000).min(n);
        let batch: Vec<EventRow> = (start..end).map(EventRow::generated).collect();
        copy::events(&ctx.pg, &batch).await?;
        start = end;
    }
    ctx.exec("ANALYZE bench_events").await
}

/// Runs the stream task.
pub async fn run(ctx: &Ctx, cfg: &Config, report: &mut Report) -> Result<(), String> {
    load(ctx, cfg.stream_rows).await?;
    let n = u64::try_from(cfg.stream_rows).map_err(fail("rows"))?;
    let repo = Repo::<entity::Entity, _>::new(ctx.conn.db());
    let repo = &repo;
    let page = cfg.stream_page;
    let sql = format!("SELECT {COLUMNS} FROM bench_events ORDER BY id");
    let sql = sql.as_str();
    let task = Task {
        workload: "event",
        task: &format!("stream {}", cfg.stream_rows),
        rows: n,
    };
    let contenders = vec![
        Contender::baseline("sqlx fetch (row stream)", move || {
            Box::pin(async move {
                let t = Instant::now();
                let mut rows =
                    sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(sql)).fetch(&ctx.pool);
                let mut seen = 0u64;
                while let Some(row) = rows.try_next().await.map_err(fail("sqlx"))? {
                    seen += u64::from(!row.id.is_empty());
                }
                let sample = Sample::since(t);
                check(seen, n)?;
                Ok(sample)
            })
        }),
        Contender::baseline("tokio-postgres query_raw (row stream)", move || {
            Box::pin(async move {
                let t = Instant::now();
                let rows = ctx
                    .pg
                    .query_raw(sql, std::iter::empty::<&str>())
                    .await
                    .map_err(fail("tokio-postgres"))?;
                let mut rows = std::pin::pin!(rows);
                let mut seen = 0u64;
                while let Some(row) = rows.try_next().await.map_err(fail("tokio-postgres"))? {
                    seen += u64::from(!EventRow::from_pg(&row).id.is_empty());
                }
                let sample = Sample::since(t);
                check(seen, n)?;
                Ok(sample)
            })
        }),
        Contender::new("qsorm stream", move || {
            Box::pin(async move {
                let t = Instant::now();
                let mut rows = std::pin::pin!(repo.stream(Condition::all(), page));
                let mut seen = 0u64;
                while let Some(row) = rows.try_next().await.map_err(fail("stream"))? {
                    seen += u64::from(!row.id.is_empty());
                }
                let sample = Sample::since(t);
                check(seen, n)?;
                Ok(sample)
            })
        })
        .note("on the pool: one streaming query, rows decoded as they arrive"),
        Contender::new("qsorm stream inside a transaction", move || {
            Box::pin(async move {
                let tx = ctx.conn.db().begin().await.map_err(fail("begin"))?;
                let on_tx = repo.on(&tx);
                let t = Instant::now();
                let mut seen = 0u64;
                {
                    let mut rows = std::pin::pin!(on_tx.stream(Condition::all(), page));
                    while let Some(row) = rows.try_next().await.map_err(fail("stream"))? {
                        seen += u64::from(!row.id.is_empty());
                    }
                }
                let sample = Sample::since(t);
                tx.rollback().await.map_err(fail("rollback"))?;
                check(seen, n)?;
                Ok(sample)
            })
        })
        .note(&format!(
            "server-side cursor in a savepoint, FETCH {page} a page"
        )),
    ];
    alternate(report, task, cfg.reps, contenders).await;
    Ok(())
}
