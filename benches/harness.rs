//! `cargo bench --bench harness [-- --tiny] [-- --reps N] [-- --json FILE]`: starts a sandbox
//! PostgreSQL and measures qsorm's paths against the raw limits and sea-orm, contenders
//! alternated, medians; prints a Markdown table (absolute figures and ratios) and, with
//! `--json`, writes every sample as JSON. Asserts nothing about speed. See BENCHMARKS.md.

#[path = "harness/mod.rs"]
mod harness;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match harness::config::parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!(
                "harness: {e}\nusage: cargo bench --bench harness -- [--tiny] [--reps N] [--json FILE]"
            );
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("harness: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report = match runtime.block_on(harness::run(&args.config)) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("harness: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", report.markdown());
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report.to_json()).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("harness: writing {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        eprintln!("harness: JSON written to {}", path.display());
    }
    ExitCode::SUCCESS
}
