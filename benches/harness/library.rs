//! The library contenders every workload runs the same way, generic over the entity: sea-orm's
//! chunked `insert_many` and `find().all()`, qsorm's `insert_many` and `find`. Each empties or
//! reads the workload's table; inputs are cloned before the clock starts.

use std::time::Instant;

use qsorm::repository::{Repo, Table};
use sea_orm::{ActiveModelTrait, Condition, DatabaseConnection, EntityTrait, QueryOrder};

use super::event_insert::{check, seaorm_chunks};
use super::event_read::check_len;
use super::measure::{Contender, Sample, fail};
use super::setup::Ctx;

/// sea-orm `insert_many` in 1,000-row chunks inside one transaction, into `table` emptied
/// first.
pub fn seaorm_insert<'a, A>(ctx: &'a Ctx, table: &'a str, models: &'a [A]) -> Contender<'a>
where
    A: ActiveModelTrait + Send + Clone + 'a,
{
    Contender::new("sea-orm insert_many, 1,000-row chunks", move || {
        Box::pin(async move {
            ctx.exec(&format!("TRUNCATE {table}")).await?;
            let input = models.to_vec();
            let t = Instant::now();
            seaorm_chunks(ctx.conn.db(), input, 1_000).await?;
            Ok(Sample::since(t))
        })
    })
    .note("in one transaction")
}

/// qsorm `insert_many` of `models` into `table` emptied first; fails unless it wrote every row.
pub fn qsorm_insert<'a, E, A>(
    ctx: &'a Ctx,
    table: &'a str,
    repo: &'a Repo<'a, E, DatabaseConnection>,
    models: &'a [A],
) -> Contender<'a>
where
    E: Table,
    A: ActiveModelTrait<Entity = E> + Send + Clone + 'a,
{
    Contender::new("qsorm insert_many", move || {
        Box::pin(async move {
            ctx.exec(&format!("TRUNCATE {table}")).await?;
            let input = models.to_vec();
            let want = u64::try_from(input.len()).map_err(fail("rows"))?;
            let t = Instant::now();
            let written = repo.insert_many(input).await.map_err(fail("insert_many"))?;
            check(written, want)?;
            Ok(Sample::since(t))
        })
    })
}

/// sea-orm `find().order_by_asc(key).all()`; fails unless it read `n` rows.
pub fn seaorm_find<'a, E: EntityTrait>(ctx: &'a Ctx, key: E::Column, n: u64) -> Contender<'a> {
    Contender::new("sea-orm find().all()", move || {
        Box::pin(async move {
            let t = Instant::now();
            let got = E::find()
                .order_by_asc(key)
                .all(ctx.conn.db())
                .await
                .map_err(fail("sea-orm"))?;
            let sample = Sample::since(t);
            check_len(got.len(), n)?;
            Ok(sample)
        })
    })
}

/// qsorm `find` of every row (on the repository's connection); fails unless it read `n` rows.
pub fn qsorm_find<'a, E: Table>(
    repo: &'a Repo<'a, E, DatabaseConnection>,
    n: u64,
) -> Contender<'a> {
    Contender::new("qsorm find", move || {
        Box::pin(async move {
            let t = Instant::now();
            let got = repo.find(Condition::all()).await.map_err(fail("find"))?;
            let sample = Sample::since(t);
            check_len(got.len(), n)?;
            Ok(sample)
        })
    })
}
