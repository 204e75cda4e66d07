//! `migrate`: the sample dataset's migrations through `qsorm_migrate::cli`.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = qsorm_migrate::cli::Cli::from_args();
    match qsorm_migrate::cli::run::<qsorm_migrations::Migrator>(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("migrate: error: {e}");
            ExitCode::FAILURE
        }
    }
}
