//! The `migrate` command line: parsing and dispatch, generic over the migrations, so that a
//! crate's `migrate` binary is `run::<Migrator>(Cli::from_args())` and nothing else.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand};
use qsorm_connect::cli::ConnectArgs;

use crate::dry_run::render;
use crate::error::{Direction, MigrateError};
use crate::generate::generate;
use crate::runner::{Event, Op, Outcome, Runner};
use crate::sourced::SourcedMigrator;

/// Statements longer than this are abbreviated in `--dry-run` output unless `--full-sql`.
pub const DRY_RUN_LIMIT: usize = 2_000;

/// Applies a crate's migrations to PostgreSQL.
///
/// Connects like every qsorm tool (flags > QS_* > DATABASE_URL > PG*; .env below the real
/// environment); with nothing configured it uses the embedded sandbox database `qsorm` when
/// run at a terminal outside CI (`--sandbox` forces it; elsewhere it is an error naming what
/// is missing). A connection failure is reported at once, before any migration runs.
/// Each migration runs in its own transaction; a run holds a PostgreSQL advisory lock, so
/// concurrent runs apply each migration once.
#[derive(Debug, Parser)]
#[command(name = "migrate", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Print the SQL that would run and execute nothing (the history tables, and for `fresh`
    /// the catalog, are still read with SELECTs).
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// With --dry-run: print long statements (the sample's INSERT batches) in full.
    #[arg(long, global = true)]
    pub full_sql: bool,
    /// Connection flags shared with entity-gen.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations (all, or the next N).
    Up {
        /// How many.
        #[arg(short = 'n', long = "num")]
        num: Option<u32>,
    },
    /// Revert applied migrations (the last one, or the last N).
    Down {
        /// How many.
        #[arg(short = 'n', long = "num", default_value_t = 1)]
        num: u32,
    },
    /// List applied and pending migrations; flag applied ones whose source changed since.
    Status {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Drop every table, view, sequence and type of the current schema, then apply all.
    Fresh,
    /// Revert all applied migrations, then apply all.
    Refresh,
    /// Revert all applied migrations and drop the history tables.
    Reset,
    /// Write a new migration from the template and register it in the crate's src/lib.rs.
    Generate {
        /// The migration's name (`add_user_flags`); a timestamp is prepended.
        name: String,
        /// The crate's source directory, holding lib.rs (default: the migrations' own, when
        /// the binary knows it).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

fn print_event(event: &Event<'_>) {
    match event {
        Event::WaitingForLock => {
            eprintln!("migrate: another migrate run holds the lock on this database; waiting")
        }
        Event::Started { direction, name } => eprintln!("migrate: {direction} {name}"),
        Event::Finished {
            direction,
            name,
            elapsed,
        } => {
            let done = match direction {
                Direction::Up => "applied",
                Direction::Down => "reverted",
            };
            eprintln!("migrate: {done} {name} in {} ms", elapsed.as_millis());
        }
        Event::Dropped { objects } => {
            eprintln!("migrate: dropped {objects} objects from the current schema")
        }
        Event::ChecksumChanged { name } => eprintln!(
            "migrate: warning: {name} was applied from a different source (see `migrate status`)"
        ),
    }
}

impl Cli {
    /// Parses the process arguments (exits with usage on an error, like `clap::Parser::parse`).
    pub fn from_args() -> Cli {
        Cli::parse()
    }
}

/// Runs a parsed command with the migrations of `M`. `generate` writes into `--dir`, else
/// into [`SourcedMigrator::source_dir`].
pub async fn run<M: SourcedMigrator>(cli: Cli) -> Result<(), MigrateError> {
    if let Command::Generate { name, dir } = &cli.command {
        let dir = dir.clone().or_else(M::source_dir).ok_or_else(|| {
            MigrateError::Generate(
                "pass --dir: the crate's source directory (the one holding lib.rs)".to_owned(),
            )
        })?;
        let path = generate(&dir, name, chrono::Utc::now())?;
        println!(
            "created {}\nregistered it in {}; rebuild to include it",
            path.display(),
            dir.join("lib.rs").display()
        );
        return Ok(());
    }
    let opened = cli.connect.open().await?;
    // Query Service is refused before any round trip; anything else is checked at once, so
    // a connection failure is typed and immediate rather than a pool timeout.
    if opened.conn.flavor().is_query_service() {
        return Err(MigrateError::QueryService);
    }
    opened.check().await?;
    let runner = Runner::of::<M>(&opened.conn).observe(print_event);
    let result = dispatch(&cli, &runner).await;
    opened.conn.close().await;
    drop(opened);
    result
}

async fn dispatch(cli: &Cli, runner: &Runner) -> Result<(), MigrateError> {
    let op = match cli.command {
        Command::Status { json } => {
            if cli.dry_run {
                eprintln!("migrate: --dry-run: status only reads (SELECT); nothing is written");
            }
            let report = runner.status().await?;
            if json {
                let text = serde_json::to_string_pretty(&report)
                    .map_err(|e| MigrateError::Io(e.into()))?;
                println!("{text}");
            } else {
                print!("{}", report.to_text());
            }
            return Ok(());
        }
        Command::Up { num } => Op::Up(num),
        Command::Down { num } => Op::Down(Some(num)),
        Command::Fresh => Op::Fresh,
        Command::Refresh => Op::Refresh,
        Command::Reset => Op::Reset,
        Command::Generate { .. } => return Ok(()),
    };
    let started = Instant::now();
    if cli.dry_run {
        let outcome = runner.dry_run(op).await?;
        let limit = (!cli.full_sql).then_some(DRY_RUN_LIMIT);
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for line in outcome.script.iter().flatten() {
            writeln!(out, "{}", render(line, limit))?;
        }
        out.flush()?;
        return Ok(());
    }
    let outcome = runner.run(op).await?;
    println!("{}", summary(&outcome, started.elapsed().as_secs_f64()));
    Ok(())
}

fn summary(o: &Outcome, secs: f64) -> String {
    let mut parts = Vec::new();
    if o.dropped > 0 {
        parts.push(format!("dropped {} objects", o.dropped));
    }
    if !o.reverted.is_empty() {
        parts.push(format!("reverted {}", o.reverted.len()));
    }
    if !o.applied.is_empty() {
        parts.push(format!("applied {}", o.applied.len()));
    }
    if parts.is_empty() {
        parts.push("nothing to do".to_owned());
    }
    format!("{} in {secs:.2} s", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sourced::Sourced;

    /// Migrations that do not say where their sources are.
    struct Elsewhere;

    impl SourcedMigrator for Elsewhere {
        fn sourced() -> Vec<Sourced> {
            Vec::new()
        }
    }

    #[tokio::test]
    async fn generate_needs_a_directory_when_the_migrator_gives_none() {
        let cli = Cli::try_parse_from(["migrate", "generate", "x"]).expect("parses");
        let err = run::<Elsewhere>(cli).await.expect_err("no directory");
        assert!(err.to_string().contains("pass --dir"), "{err}");
    }

    #[tokio::test]
    async fn generate_writes_into_dir() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lib = format!(
            "{}\n{}\n",
            crate::generate::MODULES_MARKER,
            crate::generate::LIST_MARKER
        );
        std::fs::write(dir.path().join("lib.rs"), lib).expect("write lib.rs");
        let dir_arg = dir.path().to_str().expect("utf-8 path");
        let cli =
            Cli::try_parse_from(["migrate", "generate", "x", "--dir", dir_arg]).expect("parses");
        run::<Elsewhere>(cli).await.expect("generates");
        let lib = std::fs::read_to_string(dir.path().join("lib.rs")).expect("read lib.rs");
        assert!(lib.contains("sourced!(m"), "{lib}");
    }
}
