//! `entity-gen`: inspect a Query Service or PostgreSQL schema and generate sea-orm entities.
//!
//! Exit status: 0 on success, 1 when `check` finds differences, 2 on errors (a catalog step
//! that failed included, unless `--allow-partial`; a connection that fails, checked before
//! anything else; a schema, table or `--tables` glob that matches nothing).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use qsorm_connect::QsConnection;
use qsorm_connect::cli::ConnectArgs;
use qsorm_entity_gen::codegen::{
    GenerateOptions, Generated, PrimaryKeyOverride, SerdeDerive, generate_with_progress,
};
use qsorm_entity_gen::{conninfo, listing, output};
use qsorm_inspect::{InspectOptions, inspect};

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
    /// List tables and views with their kind, column count and comment (like psql's \dt).
    Tables {
        /// Only these schemas (repeatable; default: every non-system schema).
        #[arg(long = "schema")]
        schemas: Vec<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Describe a table or view: columns, keys, indexes, references, nested types (like psql's \d).
    Describe {
        /// The table or view, `name` or `schema.name`.
        table: String,
        /// The schema to look in (default: every non-system schema).
        #[arg(long = "schema")]
        schemas: Vec<String>,
        /// Print the reflected table as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write sea-orm entity modules (one per table or view, mod.rs, prelude.rs) into a directory.
    Generate(GenArgs),
    /// Exit 0 when the directory holds what `generate` would write; else 1 and a summary.
    Check(GenArgs),
}

#[derive(Debug, Args)]
struct GenArgs {
    /// The directory of the entity modules.
    #[arg(long)]
    out: PathBuf,
    /// Schemas to generate (repeatable).
    #[arg(long = "schema", default_value = "public")]
    schemas: Vec<String>,
    /// Only tables matching these globs (`name` or `schema.name`; comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    tables: Vec<String>,
    /// Leave out tables matching these globs (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    exclude: Vec<String>,
    /// serde derives on models and enums: none, serialize, deserialize or both.
    #[arg(long, default_value = "none", num_args = 0..=1, default_missing_value = "both")]
    with_serde: SerdeDerive,
    /// An extra derive for every Model (repeatable), e.g. `Hash`.
    #[arg(long = "extra-derive")]
    extra_derives: Vec<String>,
    /// An extra attribute for every Model without `#[]` (repeatable), e.g. `serde(rename_all = "camelCase")`.
    #[arg(long = "extra-attr")]
    extra_attributes: Vec<String>,
    /// The key of a table (or view) without primary key: TABLE=COL or TABLE=COL1,COL2 (repeatable).
    #[arg(long = "primary-key")]
    primary_keys: Vec<PrimaryKeyOverride>,
    /// Go on when a catalog step fails: generate from what could be read, with warnings.
    /// Without it, any failed step is an error (exit 2) naming the step, and nothing is written.
    #[arg(long)]
    allow_partial: bool,
}

impl GenArgs {
    fn options(&self) -> GenerateOptions {
        GenerateOptions {
            tables: self.tables.clone(),
            exclude: self.exclude.clone(),
            serde: self.with_serde,
            extra_derives: self.extra_derives.clone(),
            extra_attributes: self.extra_attributes.clone(),
            primary_keys: self.primary_keys.clone(),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("entity-gen: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let opened = cli.connect.open().await?;
    // Fail fast, with a typed error, when the server cannot be reached or refuses us.
    opened.check().await?;
    let conn = &opened.conn;
    let code = match cli.command {
        Command::Conninfo { json } => {
            let info = conninfo::gather(conn).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&info)?);
            } else {
                print!("{}", info.to_text());
            }
            ExitCode::SUCCESS
        }
        Command::Tables { schemas, json } => {
            let list = listing::tables(conn, &schemas).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                print!("{}", listing::tables_as_text(&list));
            }
            ExitCode::SUCCESS
        }
        Command::Describe {
            table,
            schemas,
            json,
        } => {
            let described = listing::describe(conn, &table, &schemas).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&described.table)?);
            } else {
                print!("{}", described.to_text());
            }
            ExitCode::SUCCESS
        }
        Command::Generate(args) => {
            let generated = reflect_and_generate(conn, &args).await?;
            let summary = output::write(&args.out, &generated)?;
            eprintln!(
                "entity-gen: {} files in {} ({} created, {} updated, {} unchanged, {} removed)",
                generated.files.len(),
                args.out.display(),
                summary.created.len(),
                summary.updated.len(),
                summary.unchanged.len(),
                summary.removed.len()
            );
            ExitCode::SUCCESS
        }
        Command::Check(args) => {
            let generated = reflect_and_generate(conn, &args).await?;
            let report = output::check(&args.out, &generated)?;
            if report.is_clean() {
                eprintln!(
                    "entity-gen: {} is up to date ({} files)",
                    args.out.display(),
                    generated.files.len()
                );
                ExitCode::SUCCESS
            } else {
                print!("{}", report.to_text());
                eprintln!(
                    "entity-gen: {} differs from the live schema: run `entity-gen generate --out {}` with the same options",
                    args.out.display(),
                    args.out.display()
                );
                ExitCode::FAILURE
            }
        }
    };
    opened.conn.close().await;
    Ok(code)
}

/// Catalog steps failed: nothing is generated from a partial reflection unless
/// `--allow-partial` says so.
#[derive(Debug)]
struct PartialReflection(Vec<String>);

impl std::fmt::Display for PartialReflection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the schema could not be read completely, nothing was written (pass --allow-partial \
             to generate from what could be read):"
        )?;
        for step in &self.0 {
            write!(f, "\n  {step}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PartialReflection {}

/// Reflects the selected schemas and generates the files, with progress on a terminal.
/// Any failed catalog step is an error unless `--allow-partial` is given.
async fn reflect_and_generate(
    conn: &QsConnection,
    args: &GenArgs,
) -> Result<Generated, Box<dyn std::error::Error>> {
    let opts = args.options();
    opts.validate()?;
    let terminal = std::io::stderr().is_terminal();
    let spinner = if terminal {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    spinner.set_message("reading the catalog");
    spinner.enable_steady_tick(std::time::Duration::from_millis(100));
    let inspect_opts = InspectOptions::for_connection(conn)
        .with_schemas(args.schemas.iter().cloned())
        .allow_partial(args.allow_partial);
    // On Query Service the reflection opens its own simple-protocol session from the
    // connection's settings (`for_connection`); the pool is for PostgreSQL.
    let schema = inspect(conn.executor(), &inspect_opts).await;
    spinner.finish_and_clear();
    let schema = schema?;
    listing::check_selection(&schema, &args.schemas, &opts)?;
    if !schema.warnings.is_empty() && !args.allow_partial {
        return Err(PartialReflection(schema.warnings).into());
    }
    for warning in &schema.warnings {
        eprintln!("warning: {warning}");
    }
    let bar = if terminal {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let generated = generate_with_progress(&schema, &opts, &mut |done, total, file| {
        bar.set_length(u64::try_from(total).unwrap_or(u64::MAX));
        bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
        bar.set_message(file.to_owned());
    })?;
    bar.finish_and_clear();
    for warning in &generated.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(generated)
}
