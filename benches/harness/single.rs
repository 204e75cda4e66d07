//! Single operations on the event table, each through a counting proxy (no latency added):
//! qsorm `insert`, `get`, `update`, `delete` against raw sqlx statements doing the same work
//! (cached prepared statements, a pool that does not ping before acquire; `RETURNING` where
//! qsorm returns the row). Round trips per
//! operation are the `ReadyForQuery` messages the proxy forwarded, divided by the operations.

use std::time::Instant;

use qsorm::repository::Repo;
use qsorm::sandbox::proxy::FaultProxy;
use sea_orm::ActiveValue::Set;
use sea_orm::DatabaseConnection;

use super::config::Config;
use super::copy;
use super::event::{self, COLUMNS, EventRow, entity};
use super::measure::{Contender, Run, Sample, Task, alternate, fail};
use super::report::Report;
use super::setup::{Ctx, qsorm_via, sqlx_via_unpinged};

/// The clients behind the proxy.
struct Via<'a> {
    ctx: &'a Ctx,
    proxy: FaultProxy,
    pool: sqlx::PgPool,
    /// qsorm on its own connection through the proxy.
    repo: Repo<'a, entity::Entity, DatabaseConnection>,
    rows: Vec<EventRow>,
}

impl Via<'_> {
    /// Round trips per operation since `before`.
    fn per_op(&self, before: u64, started: Instant) -> Sample {
        let sample = Sample::since(started);
        let trips = self.proxy.stats().ready_for_query - before;
        sample.with_round_trips(trips as f64 / self.rows.len() as f64)
    }

    /// An empty table, or one holding the rows (outside the timed region).
    async fn reset(&self, filled: bool) -> Result<u64, String> {
        self.ctx.exec("TRUNCATE bench_events").await?;
        if filled {
            copy::events(&self.ctx.pg, &self.rows).await?;
        }
        Ok(self.proxy.stats().ready_for_query)
    }
}

const RAW_INSERT: &str = "INSERT INTO bench_events (id, ts, kind, page, amount, referrer, payload) \
    VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, ts, kind, page, amount, referrer, payload";

fn raw_get() -> String {
    format!("SELECT {COLUMNS} FROM bench_events WHERE id = $1")
}

fn raw_update() -> String {
    format!("UPDATE bench_events SET kind = $2 WHERE id = $1 RETURNING {COLUMNS}")
}

/// One operation's contenders: qsorm's call and the raw statement.
fn contenders<'a>(via: &'a Via<'a>, op: &'static str) -> Vec<Contender<'a>> {
    let qsorm = move || -> Run<'a> {
        Box::pin(async move {
            let before = via.reset(op != "insert").await?;
            let inputs: Vec<entity::ActiveModel> = via.rows.iter().map(|r| r.active()).collect();
            let t = Instant::now();
            for (row, model) in via.rows.iter().zip(inputs) {
                match op {
                    "insert" => drop(via.repo.insert(model).await.map_err(fail("insert"))?),
                    "get" => {
                        let got = via.repo.get(row.id.clone()).await.map_err(fail("get"))?;
                        got.ok_or("get found nothing")?;
                    }
                    "update" => {
                        let set = entity::ActiveModel {
                            id: Set(row.id.clone()),
                            kind: Set("updated".to_owned()),
                            ..Default::default()
                        };
                        drop(via.repo.update(set).await.map_err(fail("update"))?);
                    }
                    _ => {
                        let gone = via
                            .repo
                            .delete(row.id.clone())
                            .await
                            .map_err(fail("delete"))?;
                        gone.then_some(()).ok_or("delete found nothing")?;
                    }
                }
            }
            Ok(via.per_op(before, t))
        })
    };
    let raw = move || -> Run<'a> {
        Box::pin(async move {
            let before = via.reset(op != "insert").await?;
            let (get, update) = (raw_get(), raw_update());
            let t = Instant::now();
            for r in &via.rows {
                let done = match op {
                    "insert" => sqlx::query_as::<_, EventRow>(RAW_INSERT)
                        .bind(&r.id)
                        .bind(r.ts)
                        .bind(&r.kind)
                        .bind(&r.page)
                        .bind(r.amount)
                        .bind(&r.referrer)
                        .bind(&r.payload)
                        .fetch_optional(&via.pool)
                        .await
                        .map(|row| row.is_some()),
                    "get" => sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(get.as_str()))
                        .bind(&r.id)
                        .fetch_optional(&via.pool)
                        .await
                        .map(|row| row.is_some()),
                    "update" => sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(update.as_str()))
                        .bind(&r.id)
                        .bind("updated")
                        .fetch_optional(&via.pool)
                        .await
                        .map(|row| row.is_some()),
                    _ => sqlx::query("DELETE FROM bench_events WHERE id = $1")
                        .bind(&r.id)
                        .execute(&via.pool)
                        .await
                        .map(|done| done.rows_affected() == 1),
                };
                done.map_err(fail("sqlx"))?.then_some(()).ok_or("no row")?;
            }
            Ok(via.per_op(before, t))
        })
    };
    vec![
        Contender::baseline(&format!("sqlx {op}, prepared statement, no ping"), raw),
        Contender::new(&format!("qsorm {op}"), qsorm),
    ]
}

/// Runs the four single-operation tasks.
pub async fn run(ctx: &Ctx, cfg: &Config, report: &mut Report) -> Result<(), String> {
    ctx.exec(event::SCHEMA).await?;
    let proxy = FaultProxy::to_sandbox(&ctx.sandbox).map_err(fail("proxy"))?;
    let conn = qsorm_via(&ctx.sandbox, &ctx.db, proxy.port())?;
    let pool = sqlx_via_unpinged(&ctx.sandbox, &ctx.db, proxy.port());
    let repo = Repo::<entity::Entity, _>::new(conn.db());
    let via = Via {
        ctx,
        rows: event::rows(cfg.single_ops),
        proxy,
        pool,
        repo,
    };
    let ops = u64::try_from(cfg.single_ops).map_err(fail("ops"))?;
    for op in ["insert", "get", "update", "delete"] {
        let task = Task {
            workload: "event",
            task: &format!("{op} × {}", cfg.single_ops),
            rows: ops,
        };
        alternate(report, task, cfg.reps, contenders(&via, op)).await;
    }
    conn.close().await;
    Ok(())
}
