//! `qsorm-query-service`: a local Query Service on the sandbox PostgreSQL.
//!
//! ```text
//! cargo run -p qsorm-query-service -- --sample      # sample dataset, prints QS_... lines
//! eval "$(cargo run -q -p qsorm-query-service -- --sample --print-env-only)"   # not: it serves
//! ```

use std::time::Duration;

use clap::Parser;
use qsorm_connect::cli::{ConnectArgs, SANDBOX_DATABASE};
use qsorm_migrate::{Op, Runner};
use qsorm_migrations::Migrator;
use qsorm_query_service::{QueryServiceOptions, SandboxQueryService};

/// A local Adobe Experience Platform Query Service (PostgreSQL wire protocol, Query Service
/// rules) on the embedded sandbox PostgreSQL.
#[derive(Parser, Debug)]
#[command(name = "qsorm-query-service", version)]
struct Args {
    /// Load the sample dataset (migrations) into the sandbox database first.
    #[arg(long)]
    sample: bool,
    /// Port to listen on (0: a free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Sandbox name: clients connect to `<name>:all`.
    #[arg(long, default_value = "prod")]
    sandbox_name: String,
    /// User the token is issued for.
    #[arg(long, default_value = "LOCALORG@AdobeOrg")]
    user: String,
    /// Token lifetime in hours.
    #[arg(long, default_value_t = 24)]
    token_hours: u64,
    /// Statement timeout in seconds (53400 when exceeded).
    #[arg(long, default_value_t = 600)]
    statement_timeout: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let opened = ConnectArgs {
        sandbox: true,
        ..ConnectArgs::default()
    }
    .open()
    .await?;
    let Some(sandbox) = opened.sandbox.as_ref() else {
        return Err("the sandbox did not start".into());
    };
    if args.sample {
        let outcome = Runner::of::<Migrator>(&opened.conn)
            .run(Op::Up(None))
            .await?;
        eprintln!(
            "qsorm-query-service: sample dataset ready ({} migrations applied now)",
            outcome.applied.len()
        );
    }
    opened.conn.close().await;
    let qs = sandbox
        .query_service(
            SANDBOX_DATABASE,
            QueryServiceOptions {
                sandbox_name: args.sandbox_name,
                user: args.user,
                token_ttl: Duration::from_secs(args.token_hours * 3600),
                statement_timeout: Duration::from_secs(args.statement_timeout),
                port: args.port,
                ..QueryServiceOptions::default()
            },
        )
        .await?;
    print!("{}", qs.env_lines());
    eprintln!(
        "qsorm-query-service: serving; connect with\n  PGPASSWORD=$QS_PASSWORD {}\nCtrl-C stops it.",
        qs.psql_command()
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
