//! The benchmark harness: qsorm's paths against the raw limits and sea-orm, measured in one
//! process on a sandbox PostgreSQL, contenders alternated repetition by repetition, medians
//! and ratios reported as a Markdown table and JSON. `benches/harness.rs` is the command;
//! `tests/bench_smoke.rs` runs the tiny mode so the harness cannot rot.

pub mod codegen;
pub mod config;
pub mod copy;
pub mod event;
pub mod event_insert;
pub mod event_read;
pub mod library;
pub mod measure;
pub mod query_service;
pub mod reflection;
pub mod report;
pub mod rss;
pub mod setup;
pub mod single;
pub mod stream;
pub mod tables;
pub mod web;

use config::Config;
use report::Report;
use setup::Ctx;

/// What the timed region holds, and how the extra columns are measured.
fn notes() -> Vec<String> {
    vec![
        "Timed region: the call only. Inputs (rows, active models, their clones) are built and \
         the table emptied or filled before the clock starts, for every contender alike."
            .to_owned(),
        "Contenders alternate: repetition r of each contender, in turn, then r + 1; medians."
            .to_owned(),
        format!(
            "Peak RSS: {}, per repetition, largest kept; the whole process, so only the stream \
             task (run first) shows a contender's own memory.",
            rss::method()
        ),
        "Round trips / statements: single operations count the ReadyForQuery messages a \
         counting proxy forwarded, per operation (one per server turn); reflection counts the \
         top-level pg_stat_statements calls of the database per run; query_service counts \
         the statements qsorm sent to Query Service per call (its recorder)."
            .to_owned(),
    ]
}

/// Runs every workload at `cfg`'s sizes and returns the report (a workload that cannot be set
/// up stops the run with its error).
pub async fn run(cfg: &Config) -> Result<Report, String> {
    let ctx = Ctx::start().await?;
    let mut report = Report {
        machine: ctx.machine().await,
        mode: cfg.mode.to_owned(),
        reps: cfg.reps,
        notes: notes(),
        items: Vec::new(),
    };
    eprintln!("harness ({}): {}", cfg.mode, report.machine);
    // Streaming first, while the process is small: its peak RSS is then the contenders' own
    // (later tasks' peaks include what the allocator keeps from earlier ones).
    if cfg.runs("stream") {
        stream::run(&ctx, cfg, &mut report).await?;
    }
    if cfg.runs("insert") {
        event_insert::run(&ctx, cfg, &mut report).await?;
    }
    if cfg.runs("read") {
        event_read::run(&ctx, cfg, &mut report).await?;
    }
    if cfg.runs("single") {
        single::run(&ctx, cfg, &mut report).await?;
    }
    if cfg.runs("web") {
        web::run(&ctx, cfg, &mut report).await?;
    }
    if cfg.runs("reflection") || cfg.runs("codegen") {
        let many = tables::create(&ctx, cfg.tables).await?;
        if cfg.runs("reflection") {
            reflection::run(&ctx, cfg, &mut report, &many).await?;
        }
        if cfg.runs("codegen") {
            codegen::run(&ctx, cfg, &mut report, &many).await?;
        }
    }
    if cfg.runs("query_service") {
        query_service::run(&ctx, cfg, &mut report).await?;
    }
    ctx.conn.close().await;
    Ok(report)
}
