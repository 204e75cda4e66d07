//! What every part of the harness reports, and how: medians, ratios to the strongest
//! baseline of the same task, a table and JSON. Shared by every workload module.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Value, json};

/// One contender's repeated runs of one task (e.g. workload `event`, task `insert 100,000`,
/// contender `binary COPY`).
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// The data shape: `event`, `web_events`, `reflection`, ...
    pub workload: String,
    /// What is done: `insert`, `find`, `stream`, `get`, ...
    pub task: String,
    /// Who does it: `qsorm insert_many`, `binary COPY (tokio-postgres)`, ...
    pub contender: String,
    /// A raw baseline (the limit) rather than a library path.
    pub baseline: bool,
    /// Wall time of each repetition.
    pub samples: Vec<Duration>,
    /// Rows (or items) handled per repetition, for rows/s.
    pub rows: Option<u64>,
    /// Round trips (or statements) per operation, when counted.
    pub round_trips: Option<f64>,
    /// Peak resident memory of the process during the task, MiB, when measured.
    pub peak_rss_mib: Option<f64>,
    /// Free text: why a contender is missing, what was skipped.
    pub note: Option<String>,
}

impl Measured {
    /// A new measurement without samples.
    pub fn new(workload: &str, task: &str, contender: &str, baseline: bool) -> Measured {
        Measured {
            workload: workload.to_owned(),
            task: task.to_owned(),
            contender: contender.to_owned(),
            baseline,
            ..Measured::default()
        }
    }

    /// The median sample (`None` without samples).
    pub fn median(&self) -> Option<Duration> {
        let mut s = self.samples.clone();
        s.sort();
        match s.len() {
            0 => None,
            n if n % 2 == 1 => Some(s[n / 2]),
            n => Some((s[n / 2 - 1] + s[n / 2]) / 2),
        }
    }

    /// Rows per second at the median.
    pub fn rows_per_sec(&self) -> Option<f64> {
        let m = self.median()?.as_secs_f64();
        self.rows.filter(|_| m > 0.0).map(|r| r as f64 / m)
    }
}

/// Everything one run measured.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Machine description (cores, PostgreSQL version, build profile).
    pub machine: String,
    /// `full` or `tiny`.
    pub mode: String,
    /// Repetitions per contender.
    pub reps: usize,
    /// What the timed region holds and how the extra columns are measured.
    pub notes: Vec<String>,
    /// The measurements, in the order they were added.
    pub items: Vec<Measured>,
}

impl Report {
    /// The strongest baseline of the same workload and task: the fastest median.
    pub fn best_baseline(&self, of: &Measured) -> Option<&Measured> {
        self.items
            .iter()
            .filter(|m| m.baseline && m.workload == of.workload && m.task == of.task)
            .filter(|m| m.median().is_some())
            .min_by_key(|m| m.median())
    }

    /// Speed relative to the strongest baseline: baseline time / contender time (1.0 = as fast,
    /// 0.8 = 80 % of the baseline's speed).
    pub fn speed_ratio(&self, m: &Measured) -> Option<(f64, String)> {
        let base = self.best_baseline(m)?;
        let (b, t) = (base.median()?.as_secs_f64(), m.median()?.as_secs_f64());
        (t > 0.0).then(|| (b / t, base.contender.clone()))
    }

    /// The machine line, the table and the notes, as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "{} mode, {} repetitions, medians; {}\n\n{}",
            self.mode,
            self.reps,
            self.machine,
            self.table()
        );
        for note in &self.notes {
            let _ = write!(out, "\n- {note}");
        }
        out
    }

    /// A Markdown table: workload, task, contender, median, rows/s, round trips, peak RSS,
    /// speed ratio to the strongest baseline, note.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| workload | task | contender | median | rows/s | round trips / statements | peak RSS | speed vs strongest baseline | note |\n|---|---|---|---|---|---|---|---|---|\n",
        );
        for m in &self.items {
            let median = m.median().map_or("—".to_owned(), |d| {
                format!("{:.1} ms", d.as_secs_f64() * 1e3)
            });
            let rps = m
                .rows_per_sec()
                .map_or("".to_owned(), |r| format!("{r:.0}"));
            let rt = m.round_trips.map_or("".to_owned(), |r| format!("{r:.2}"));
            let rss = m
                .peak_rss_mib
                .map_or("".to_owned(), |r| format!("{r:.0} MiB"));
            let ratio = match (m.baseline, self.speed_ratio(m)) {
                (_, Some((r, base))) if base != m.contender => format!("{r:.2}× {base}"),
                (true, _) if m.median().is_some() => "baseline".to_owned(),
                _ => String::new(),
            };
            let note = m.note.clone().unwrap_or_default().replace('|', "/");
            let name = if m.baseline {
                format!("*{}*", m.contender)
            } else {
                format!("**{}**", m.contender)
            };
            let _ = writeln!(
                out,
                "| {} | {} | {name} | {median} | {rps} | {rt} | {rss} | {ratio} | {note} |",
                m.workload, m.task
            );
        }
        out
    }

    /// The report as JSON (every sample, medians and ratios).
    pub fn to_json(&self) -> Value {
        let items: Vec<Value> = self
            .items
            .iter()
            .map(|m| {
                let ratio = self.speed_ratio(m);
                json!({
                    "workload": m.workload,
                    "task": m.task,
                    "contender": m.contender,
                    "baseline": m.baseline,
                    "samples_ms": m.samples.iter().map(|d| d.as_secs_f64() * 1e3).collect::<Vec<_>>(),
                    "median_ms": m.median().map(|d| d.as_secs_f64() * 1e3),
                    "rows": m.rows,
                    "rows_per_sec": m.rows_per_sec(),
                    "round_trips": m.round_trips,
                    "peak_rss_mib": m.peak_rss_mib,
                    "speed_vs_baseline": ratio.as_ref().map(|r| r.0),
                    "baseline_contender": ratio.map(|r| r.1),
                    "note": m.note,
                })
            })
            .collect();
        json!({
            "machine": self.machine,
            "mode": self.mode,
            "reps": self.reps,
            "notes": self.notes,
            "items": items,
        })
    }
}
