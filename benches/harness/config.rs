//! Sizes and repetitions of a run: the full run (`cargo bench --bench harness`) and the tiny
//! one that CI runs (`--tiny`, and `tests/bench_smoke.rs`).

use std::path::PathBuf;
use std::time::Duration;

/// How big a run is.
#[derive(Debug, Clone)]
pub struct Config {
    /// `full` or `tiny`.
    pub mode: &'static str,
    /// Repetitions of every contender (alternated: rep 0 of each, then rep 1 of each, ...).
    pub reps: usize,
    /// Rows of the event shape inserted and read back.
    pub rows: usize,
    /// Rows of the sample's nested `web_events` inserted and read back.
    pub web_rows: usize,
    /// Rows of the event shape streamed.
    pub stream_rows: usize,
    /// Page size of `Repo::stream`.
    pub stream_page: u64,
    /// Operations per single-operation task (insert, get, update, delete).
    pub single_ops: usize,
    /// Tables reflected and generated.
    pub tables: usize,
    /// Latency the reflection proxy adds each way.
    pub latency: Duration,
    /// Rows inserted and read back through the local Query Service.
    pub qs_rows: usize,
    /// The tasks to run (`--only`): every one of [`TASKS`] unless narrowed.
    pub only: Vec<&'static str>,
}

/// The harness's tasks, in the order they run: `--only` picks among these names.
pub const TASKS: [&str; 8] = [
    "stream",
    "insert",
    "read",
    "single",
    "web",
    "reflection",
    "codegen",
    "query_service",
];

impl Config {
    /// Whether `task` (one of [`TASKS`]) is part of this run.
    pub fn runs(&self, task: &str) -> bool {
        self.only.contains(&task)
    }
}

impl Config {
    /// The full run: 5 repetitions, 100,000 rows, 1,000,000 streamed, 300 tables.
    pub fn full() -> Config {
        Config {
            mode: "full",
            reps: 5,
            rows: 100_000,
            web_rows: 100_000,
            stream_rows: 1_000_000,
            stream_page: 10_000,
            single_ops: 1_000,
            tables: 300,
            latency: Duration::from_millis(5),
            qs_rows: 100_000,
            only: TASKS.to_vec(),
        }
    }

    /// The run CI makes so the harness cannot rot: a few seconds of work.
    pub fn tiny() -> Config {
        Config {
            mode: "tiny",
            reps: 2,
            rows: 2_000,
            web_rows: 2_000,
            stream_rows: 5_000,
            stream_page: 1_000,
            single_ops: 50,
            tables: 20,
            latency: Duration::from_millis(5),
            qs_rows: 2_000,
            only: TASKS.to_vec(),
        }
    }
}

/// What the command line asked for.
#[derive(Debug)]
pub struct Args {
    /// The run's sizes.
    pub config: Config,
    /// Where to write the JSON report (`--json FILE`).
    pub json: Option<PathBuf>,
}

/// Parses `--tiny`, `--reps N`, `--rows N` (rows of every insert and read task, ten times
/// that streamed: a reduced run), `--only TASK,...` (some of [`TASKS`]), `--json FILE`
/// (cargo's own `--bench` is ignored).
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut config = Config::full();
    let mut json = None;
    let mut reps = None;
    let mut rows = None;
    let mut only = None;
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--tiny" => config = Config::tiny(),
            "--json" => json = Some(PathBuf::from(it.next().ok_or("--json needs a file")?)),
            "--reps" => {
                let n = it.next().ok_or("--reps needs a number")?;
                reps = Some(n.parse::<usize>().map_err(|e| format!("--reps {n}: {e}"))?);
            }
            "--rows" => {
                let n = it.next().ok_or("--rows needs a number")?;
                rows = Some(n.parse::<usize>().map_err(|e| format!("--rows {n}: {e}"))?);
            }
            "--only" => only = Some(parse_only(&it.next().ok_or("--only needs task names")?)?),
            "--bench" => {}
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if let Some(n) = reps {
        config.reps = n.max(1);
    }
    if let Some(n) = rows {
        let n = n.max(1);
        config.mode = "reduced";
        (config.rows, config.web_rows, config.qs_rows) = (n, n, n);
        config.stream_rows = n.saturating_mul(10);
    }
    if let Some(tasks) = only {
        config.only = tasks;
    }
    Ok(Args { config, json })
}

/// `stream,insert`: task names from [`TASKS`], each named at most once.
fn parse_only(list: &str) -> Result<Vec<&'static str>, String> {
    let mut tasks = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let task = TASKS.iter().find(|t| **t == name).ok_or_else(|| {
            format!(
                "--only: unknown task {name:?} (tasks: {})",
                TASKS.join(", ")
            )
        })?;
        if !tasks.contains(task) {
            tasks.push(*task);
        }
    }
    if tasks.is_empty() {
        return Err(format!(
            "--only needs task names (tasks: {})",
            TASKS.join(", ")
        ));
    }
    Ok(tasks)
}
