//! Bulk load: 100,000 web events in one all-or-nothing transaction, with a progress bar on a
//! terminal (quiet when piped), then removed again.
//!
//! ```text
//! cargo run --release --example bulk_load
//! cargo run --example bulk_load -- --rows 20000
//! ```

use std::time::Instant;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use qsorm::connect::cli::ConnectArgs;
use qsorm::repository::{ConnectionExt, transaction};
use qsorm_entity::composites::{WebEventsWeb, WebEventsWebPageDetails};
use qsorm_entity::web_events;
use qsorm_migrate::{Op, Runner};
use qsorm_migrations::Migrator;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, Condition};

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    connect: ConnectArgs,
    /// Rows to load.
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// Rows per insert_many call (each one a savepoint inside the transaction).
    #[arg(long, default_value_t = 10_000)]
    batch: usize,
}

fn event(i: usize) -> web_events::ActiveModel {
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00+00:00").expect("fixed date")
        + chrono::Duration::seconds(i64::try_from(i).unwrap_or(0));
    web_events::ActiveModel {
        id: Set(format!("bulk-{i:07}")),
        timestamp: Set(at),
        event_type: Set("web.webpagedetails.pageViews".into()),
        web: Set(Some(WebEventsWeb {
            page_details: Some(WebEventsWebPageDetails {
                name: Some(format!("page {}", i % 50)),
                url: Some(format!("https://shop.example.com/p/{}", i % 50)),
                is_home_page: Some(i.is_multiple_of(50)),
            }),
            referrer: None,
        })),
        identity_map: Set(Some(
            serde_json::json!({"ECID": [{"id": format!("ecid-{i}")}]}),
        )),
        ..Default::default()
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Errors are printed with their message (Display), not Rust's `Error: {:?}`.
    qsorm::connect::cli::report(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let opened = args.connect.open().await?;
    // The first round trip: a wrong setting fails here in seconds with a typed error.
    opened.check().await?;
    let conn = &opened.conn;
    Runner::of::<Migrator>(conn).run(Op::Up(None)).await?;
    let repo = conn.repo::<web_events::Entity>();
    let bulk = Condition::all().add(web_events::Column::Id.starts_with("bulk-"));
    repo.delete_many(bulk.clone()).await?;

    let rows: Vec<_> = (0..args.rows).map(event).collect();
    let bar = ProgressBar::new(u64::try_from(args.rows)?); // hidden when stderr is not a terminal
    bar.set_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} rows {per_sec} {eta}",
    )?);
    let started = Instant::now();
    let batch = args.batch.max(1);
    let loaded = transaction(conn, async |tx| {
        let repo = repo.on(tx);
        let mut total = 0;
        for chunk in rows.chunks(batch) {
            total += repo.insert_many(chunk.to_vec()).await?;
            bar.inc(u64::try_from(chunk.len()).unwrap_or(0));
        }
        Ok(total)
    })
    .await?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "loaded {loaded} events in {secs:.2} s ({:.0} rows/s), nested web structs included",
        loaded as f64 / secs
    );
    println!("now in the table: {}", repo.count(bulk.clone()).await?);
    println!("removed again: {}", repo.delete_many(bulk).await?);
    conn.close().await;
    Ok(())
}
