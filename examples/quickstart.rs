//! Quickstart: Adobe's SQLAlchemy guide, in Rust. Connect (the configured server, or the
//! embedded sandbox with the sample dataset when nothing is configured), list the tables the
//! way `inspect(engine).get_table_names()` does, then read typed rows.
//!
//! ```text
//! cargo run --example quickstart
//! QS_HOST=acme.platform-query.adobe.io QS_DATABASE=prod:all QS_USER=... QS_PASSWORD=... cargo run --example quickstart
//! ```

use clap::Parser;
use qsorm::connect::cli::ConnectArgs;
use qsorm::repository::ConnectionExt;
use qsorm_entity::web_events;
use qsorm_inspect::{InspectOptions, table_names, tables_text};
use qsorm_migrate::{Op, Runner};
use qsorm_migrations::Migrator;
use sea_orm::Condition;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    connect: ConnectArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Errors are printed with their message (Display), not Rust's `Error: {:?}`.
    qsorm::connect::cli::report(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    // create_engine(...): lazy, nothing is sent yet.
    let opened = args.connect.open().await?;
    // The first round trip: a wrong setting fails here in seconds with a typed error.
    opened.check().await?;
    let conn = &opened.conn;
    println!("engine: {}", conn.config().redacted_url());
    if opened.sandbox.is_some() {
        let outcome = Runner::of::<Migrator>(conn).run(Op::Up(None)).await?;
        if !outcome.applied.is_empty() {
            println!(
                "loaded the sample dataset ({} migrations)",
                outcome.applied.len()
            );
        }
    }
    // inspect(engine).get_table_names(): one catalog query on PostgreSQL; on Query Service
    // SHOW TABLES, psql's \d listing and one `SELECT * FROM t WHERE 1=0` per table.
    // The connection sends each statement the way its flavor needs (simple protocol on
    // Query Service, bind parameters on PostgreSQL).
    let tables = table_names(conn, &InspectOptions::for_connection(conn)).await?;
    print!("{}", tables_text(&tables));

    if tables.iter().any(|t| t.name == "web_events") {
        let total = conn
            .repo::<web_events::Entity>()
            .count(Condition::all())
            .await?;
        println!("web_events: {total} rows");
    }
    conn.close().await;
    Ok(())
}
