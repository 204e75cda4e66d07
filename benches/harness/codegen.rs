//! Entity generation for every table of the many-table database: qsorm's `entity-gen
//! generate` (its library, in process: inspect, generate, write the files) against
//! `sea-orm-cli generate entity` when that binary is on PATH (the harness never installs it).

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use qsorm::connect::cli::sandbox_connection;
use qsorm::inspect::{InspectOptions, inspect};
use qsorm_entity_gen::codegen::{GenerateOptions, generate};
use qsorm_entity_gen::output;

use super::config::Config;
use super::measure::{Contender, Sample, Task, alternate, fail};
use super::report::{Measured, Report};
use super::setup::Ctx;

/// `sea-orm-cli` on PATH, if any.
fn sea_orm_cli() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("sea-orm-cli"))
        .find(|p| p.is_file())
}

/// Runs the generation task on `db` (holding `cfg.tables` tables).
pub async fn run(ctx: &Ctx, cfg: &Config, report: &mut Report, db: &str) -> Result<(), String> {
    let tables = u64::try_from(cfg.tables).map_err(fail("tables"))?;
    let task = Task {
        workload: "codegen",
        task: &format!("generate {} tables", cfg.tables),
        rows: tables,
    };
    let mut contenders = vec![Contender::new(
        "qsorm entity-gen generate (library, in process)",
        move || {
            Box::pin(async move {
                let out = tempfile::tempdir().map_err(fail("temp dir"))?;
                let conn =
                    sandbox_connection(&ctx.sandbox, db, None).map_err(fail("connection"))?;
                let t = Instant::now();
                let opts = InspectOptions::for_connection(&conn).with_schemas(["public"]);
                let schema = inspect(conn.executor(), &opts)
                    .await
                    .map_err(fail("inspect"))?;
                let generated =
                    generate(&schema, &GenerateOptions::default()).map_err(fail("generate"))?;
                output::write(out.path(), &generated).map_err(fail("write"))?;
                let sample = Sample::since(t);
                conn.close().await;
                Ok(sample)
            })
        },
    )];
    match sea_orm_cli() {
        Some(cli) => {
            let url = ctx.sandbox.app_url(db);
            contenders.insert(
                0,
                Contender::baseline("sea-orm-cli generate entity", move || {
                    let (cli, url) = (cli.clone(), url.clone());
                    Box::pin(async move {
                        let out = tempfile::tempdir().map_err(fail("temp dir"))?;
                        let t = Instant::now();
                        let status = Command::new(&cli)
                            .args(["generate", "entity", "-u", &url, "-s", "public", "-o"])
                            .arg(out.path())
                            .output()
                            .map_err(fail("sea-orm-cli"))?;
                        let sample = Sample::since(t);
                        status
                            .status
                            .success()
                            .then_some(sample)
                            .ok_or_else(|| String::from_utf8_lossy(&status.stderr).into_owned())
                    })
                })
                .note("a separate process"),
            );
        }
        None => {
            let mut m = Measured::new(
                task.workload,
                task.task,
                "sea-orm-cli generate entity",
                true,
            );
            m.note = Some(
                "not run: sea-orm-cli is not on PATH (the harness does not install it)".into(),
            );
            report.items.push(m);
        }
    }
    alternate(report, task, cfg.reps, contenders).await;
    Ok(())
}
