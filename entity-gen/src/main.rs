//! `entity-gen`: inspect a Query Service or PostgreSQL schema and generate sea-orm entities.

use clap::{Parser, Subcommand};
use qsorm_connect::cli::ConnectArgs;
use qsorm_entity_gen::conninfo;

/// Inspect a live schema and generate sea-orm entities (Query Service or PostgreSQL).
#[derive(Debug, Parser)]
#[command(name = "entity-gen", version)]
struct Cli {
    #[command(flatten)]
    connect: ConnectArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show what the connection is: server version, host, port, database, user, TLS, flavor.
    Conninfo {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("entity-gen: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let opened = cli.connect.open().await?;
    match cli.command {
        Command::Conninfo { json } => {
            let info = conninfo::gather(&opened.conn).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&info)?);
            } else {
                print!("{}", info.to_text());
            }
        }
    }
    opened.conn.close().await;
    Ok(())
}
