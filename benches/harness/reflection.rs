//! Reflection of every table of a many-table database through a proxy adding latency each
//! way (a distant server): qsorm inspect against sea-schema's PostgreSQL discovery. Wall time
//! and statements (pg_stat_statements `calls` delta of that database; connections are opened
//! and warmed outside the timed region, a contender's extra connections inside it).

use std::time::Instant;

use qsorm::connect::Flavor;
use qsorm::inspect::{InspectOptions, inspect};
use qsorm::sandbox::proxy::FaultProxy;
use sea_orm::ConnectionTrait;
use sea_schema::postgres::discovery::SchemaDiscovery;

use super::config::Config;
use super::event_read::check_len;
use super::measure::{Contender, Sample, Task, alternate, fail};
use super::report::Report;
use super::setup::{Ctx, qsorm_via, sqlx_via, statements};

/// Statements run on `db` since `before` (`None` without pg_stat_statements).
async fn since(ctx: &Ctx, db: &str, before: Option<i64>) -> Option<f64> {
    let after = statements(&ctx.sandbox, db).await?;
    Some((after - before?) as f64)
}

fn counted(sample: Sample, statements: Option<f64>) -> Sample {
    match statements {
        Some(s) => sample.with_round_trips(s),
        None => sample,
    }
}

/// Runs the reflection task on `db` (holding `cfg.tables` tables).
pub async fn run(ctx: &Ctx, cfg: &Config, report: &mut Report, db: &str) -> Result<(), String> {
    let proxy = FaultProxy::to_sandbox(&ctx.sandbox).map_err(fail("proxy"))?;
    proxy.set_latency(cfg.latency);
    let port = proxy.port();
    let tables = u64::try_from(cfg.tables).map_err(fail("tables"))?;
    let task = Task {
        workload: "reflection",
        task: &format!(
            "{} tables, +{} ms each way",
            cfg.tables,
            cfg.latency.as_millis()
        ),
        rows: tables,
    };
    let contenders = vec![
        Contender::baseline(
            "sea-schema SchemaDiscovery::discover (sqlx pool)",
            move || {
                Box::pin(async move {
                    let pool = sqlx_via(&ctx.sandbox, db, port);
                    sqlx::query("SELECT 1")
                        .execute(&pool)
                        .await
                        .map_err(fail("warm-up"))?;
                    let before = statements(&ctx.sandbox, db).await;
                    let t = Instant::now();
                    let schema = SchemaDiscovery::new(pool.clone(), "public")
                        .discover()
                        .await
                        .map_err(fail("sea-schema"))?;
                    let sample = Sample::since(t);
                    pool.close().await;
                    check_len(schema.tables.len(), tables)?;
                    Ok(counted(sample, since(ctx, db, before).await))
                })
            },
        ),
        Contender::new("qsorm inspect", move || {
            Box::pin(async move {
                let conn = qsorm_via(&ctx.sandbox, db, port)?;
                conn.db()
                    .execute_unprepared("SELECT 1")
                    .await
                    .map_err(fail("warm-up"))?;
                let before = statements(&ctx.sandbox, db).await;
                let opts = InspectOptions::all(Flavor::Postgres).with_schemas(["public"]);
                let t = Instant::now();
                let schema = inspect(conn.db(), &opts).await.map_err(fail("inspect"))?;
                let sample = Sample::since(t);
                conn.close().await;
                check_len(schema.tables.len(), tables)?;
                Ok(counted(sample, since(ctx, db, before).await))
            })
        }),
    ];
    alternate(report, task, cfg.reps, contenders).await;
    Ok(())
}
