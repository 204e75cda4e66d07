//! Workload 1, insert: `N` events into an empty table by binary COPY (the limit), sea-orm's
//! `insert_many` in 1,000-row chunks, qsorm's `insert_many` and `upsert_many`.

use std::time::Instant;

use qsorm::repository::{ConflictTarget, Repo};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, TransactionTrait};

use super::config::Config;
use super::copy;
use super::event::{self, entity};
use super::library;
use super::measure::{Contender, Sample, Task, alternate, fail};
use super::report::Report;
use super::setup::Ctx;

/// sea-orm's `insert_many` in chunks of `chunk` rows, in one transaction (all or nothing, as
/// qsorm's `insert_many` is).
pub async fn seaorm_chunks<A>(
    db: &DatabaseConnection,
    models: Vec<A>,
    chunk: usize,
) -> Result<(), String>
where
    A: ActiveModelTrait + Send,
{
    let txn = db.begin().await.map_err(fail("begin"))?;
    let mut models = models.into_iter();
    loop {
        let part: Vec<A> = models.by_ref().take(chunk).collect();
        if part.is_empty() {
            break;
        }
        <A::Entity as EntityTrait>::insert_many(part)
            .exec(&txn)
            .await
            .map_err(fail("sea-orm insert_many"))?;
    }
    txn.commit().await.map_err(fail("commit"))
}

/// Runs the insert task.
pub async fn run(ctx: &Ctx, cfg: &Config, report: &mut Report) -> Result<(), String> {
    ctx.exec(event::SCHEMA).await?;
    let rows = event::rows(cfg.rows);
    let models: Vec<entity::ActiveModel> = rows.iter().map(|r| r.active()).collect();
    let repo = Repo::<entity::Entity, _>::new(ctx.conn.db());
    let n = u64::try_from(cfg.rows).map_err(fail("rows"))?;
    let (rows, models, repo) = (&rows, &models, &repo);
    let task = Task {
        workload: "event",
        task: &format!("insert {}", cfg.rows),
        rows: n,
    };
    let contenders = vec![
        Contender::baseline(
            "binary COPY (tokio-postgres BinaryCopyInWriter)",
            move || {
                Box::pin(async move {
                    ctx.exec("TRUNCATE bench_events").await?;
                    let t = Instant::now();
                    copy::events(&ctx.pg, rows).await?;
                    Ok(Sample::since(t))
                })
            },
        ),
        library::seaorm_insert(ctx, "bench_events", models),
        library::qsorm_insert(ctx, "bench_events", repo, models),
        Contender::new("qsorm upsert_many (ON CONFLICT on the key)", move || {
            Box::pin(async move {
                ctx.exec("TRUNCATE bench_events").await?;
                let input = models.to_vec();
                let t = Instant::now();
                let written = repo
                    .upsert_many(input, ConflictTarget::PrimaryKey)
                    .await
                    .map_err(fail("upsert_many"))?;
                check(written, n)?;
                Ok(Sample::since(t))
            })
        })
        .note("into the empty table: every row takes the insert branch"),
    ];
    alternate(report, task, cfg.reps, contenders).await;
    Ok(())
}

/// Fails a contender that wrote the wrong number of rows.
pub fn check(got: u64, want: u64) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{got} rows instead of {want}"))
    }
}
