//! Running contenders alternately: for each repetition, every contender once, in turn, so
//! that a slow spell of the shared machine hits them all alike. Each contender prepares its
//! input and the table outside the timed region and times only its own call.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use super::report::{Measured, Report};
use super::rss::PeakRss;

/// One timed repetition.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Wall time of the timed region.
    pub elapsed: Duration,
    /// Round trips (or statements) per operation, when counted.
    pub round_trips: Option<f64>,
}

impl Sample {
    /// The time since `started`, nothing counted.
    pub fn since(started: Instant) -> Sample {
        Sample {
            elapsed: started.elapsed(),
            round_trips: None,
        }
    }

    /// With round trips (or statements) per operation.
    pub fn with_round_trips(mut self, per_op: f64) -> Sample {
        self.round_trips = Some(per_op);
        self
    }
}

/// A repetition's future: the sample, or why the contender could not run.
pub type Run<'a> = Pin<Box<dyn Future<Output = Result<Sample, String>> + 'a>>;

/// One contender of a task.
pub struct Contender<'a> {
    name: String,
    baseline: bool,
    note: Option<String>,
    run: Box<dyn FnMut() -> Run<'a> + 'a>,
}

impl<'a> Contender<'a> {
    /// A library path.
    pub fn new<F>(name: &str, run: F) -> Contender<'a>
    where
        F: FnMut() -> Run<'a> + 'a,
    {
        Contender {
            name: name.to_owned(),
            baseline: false,
            note: None,
            run: Box::new(run),
        }
    }

    /// A raw baseline (a limit) that library paths are compared with.
    pub fn baseline<F>(name: &str, run: F) -> Contender<'a>
    where
        F: FnMut() -> Run<'a> + 'a,
    {
        Contender {
            baseline: true,
            ..Contender::new(name, run)
        }
    }

    /// A note printed with the figures.
    pub fn note(mut self, note: &str) -> Contender<'a> {
        self.note = Some(note.to_owned());
        self
    }
}

/// A task: its place in the report and its size.
#[derive(Debug, Clone, Copy)]
pub struct Task<'t> {
    /// The data shape.
    pub workload: &'t str,
    /// What is done.
    pub task: &'t str,
    /// Rows (or operations) per repetition.
    pub rows: u64,
}

/// Runs every contender `reps` times, alternating, and adds what they measured to `report`.
/// A contender that fails keeps its error as its note and is not run again.
pub async fn alternate(
    report: &mut Report,
    task: Task<'_>,
    reps: usize,
    contenders: Vec<Contender<'_>>,
) {
    let mut measured: Vec<(Measured, Contender<'_>, bool)> = contenders
        .into_iter()
        .map(|c| {
            let mut m = Measured::new(task.workload, task.task, &c.name, c.baseline);
            m.rows = Some(task.rows);
            m.note = c.note.clone();
            (m, c, false)
        })
        .collect();
    for rep in 0..reps {
        for (m, c, failed) in measured.iter_mut().filter(|(_, _, f)| !*f) {
            let peak = PeakRss::start();
            match (c.run)().await {
                Ok(sample) => {
                    m.samples.push(sample.elapsed);
                    if let Some(rt) = sample.round_trips {
                        m.round_trips = Some(rt);
                    }
                    if let Some(mib) = peak.finish() {
                        m.peak_rss_mib = Some(m.peak_rss_mib.map_or(mib, |p| p.max(mib)));
                    }
                }
                Err(e) => {
                    eprintln!("  {} / {} / {}: {e}", task.workload, task.task, c.name);
                    let first_line = e.lines().next().unwrap_or_default();
                    m.note = Some(format!("failed: {first_line}"));
                    *failed = true;
                }
            }
        }
        eprintln!(
            "  {} / {}: rep {} of {reps} done",
            task.workload,
            task.task,
            rep + 1
        );
    }
    report.items.extend(measured.into_iter().map(|(m, _, _)| m));
}

/// Turns an error into the text a failed contender is reported with: `.map_err(fail("copy"))`.
pub fn fail<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> String {
    move |e| format!("{what}: {e}")
}
