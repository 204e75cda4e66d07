//! The local Query Service: `N` events written with qsorm `insert_many` and read back with
//! `find`, statements counted with the repository's recorder (every statement qsorm sent to
//! Query Service for the call).

use std::time::{Duration, Instant};

use qsorm::connect::QsConnection;
use qsorm::repository::{ConnectionExt, Recorder, Repo};
use qsorm_query_service::{QueryServiceOptions, SandboxQueryService};
use sea_orm::Condition;

use super::config::Config;
use super::event::{self, entity};
use super::event_insert::check;
use super::event_read::check_len;
use super::measure::{Contender, Sample, Task, alternate, fail};
use super::report::Report;
use super::setup::{Ctx, tokio_pg};

/// A repository recording into a fresh recorder.
fn recorded(conn: &QsConnection) -> (Repo<'_, entity::Entity>, Recorder) {
    let recorder = Recorder::new();
    let repo = conn
        .repo::<entity::Entity>()
        .with_recorder(recorder.clone());
    (repo, recorder)
}

fn statements(sample: Sample, recorder: &Recorder) -> Sample {
    sample.with_round_trips(recorder.statements().len() as f64)
}

/// Runs the insert and find tasks.
pub async fn run(ctx: &Ctx, cfg: &Config, report: &mut Report) -> Result<(), String> {
    let db = ctx
        .sandbox
        .fresh_database()
        .await
        .map_err(fail("database"))?;
    let storage = tokio_pg(&ctx.sandbox, &db).await?;
    storage
        .batch_execute(event::SCHEMA)
        .await
        .map_err(fail("schema"))?;
    let qs = ctx
        .sandbox
        .query_service(&db, QueryServiceOptions::default())
        .await
        .map_err(fail("local Query Service"))?;
    let config = qs
        .connect_params()
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(fail("Query Service settings"))?;
    let conn = QsConnection::new(config);
    let n = u64::try_from(cfg.qs_rows).map_err(fail("rows"))?;
    let models: Vec<entity::ActiveModel> = event::rows(cfg.qs_rows)
        .iter()
        .map(|r| r.active())
        .collect();
    let (conn, models, storage) = (&conn, &models, &storage);
    let insert = Task {
        workload: "query_service",
        task: &format!("insert {}", cfg.qs_rows),
        rows: n,
    };
    let writer = Contender::new("qsorm insert_many", move || {
        Box::pin(async move {
            storage
                .batch_execute("TRUNCATE bench_events")
                .await
                .map_err(fail("truncate"))?;
            let (repo, recorder) = recorded(conn);
            let input = models.to_vec();
            let t = Instant::now();
            let written = repo.insert_many(input).await.map_err(fail("insert_many"))?;
            let sample = Sample::since(t);
            check(written, n)?;
            Ok(statements(sample, &recorder))
        })
    })
    .note("round trips column: statements sent to Query Service for the whole call");
    alternate(report, insert, cfg.reps, vec![writer]).await;
    let read = Task {
        workload: "query_service",
        task: &format!("find {}", cfg.qs_rows),
        rows: n,
    };
    let reader = Contender::new("qsorm find", move || {
        Box::pin(async move {
            let (repo, recorder) = recorded(conn);
            let t = Instant::now();
            let got = repo.find(Condition::all()).await.map_err(fail("find"))?;
            let sample = Sample::since(t);
            check_len(got.len(), n)?;
            Ok(statements(sample, &recorder))
        })
    })
    .note("round trips column: statements sent to Query Service for the whole call");
    alternate(report, read, cfg.reps, vec![reader]).await;
    conn.close().await;
    drop(qs);
    Ok(())
}
