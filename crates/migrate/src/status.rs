//! `migrate status`: applied / pending, and applied migrations whose source changed since.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::history::History;
use crate::sourced::Sourced;

/// Where a migration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Recorded in `seaql_migrations`.
    Applied,
    /// Not applied yet.
    Pending,
    /// Recorded as applied, but this binary has no such migration.
    Unknown,
}

/// How the recorded checksum compares with the source compiled into this binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecksumState {
    /// Same source as when it was applied.
    Ok,
    /// The source changed after it was applied.
    Changed,
    /// Applied without a recorded checksum (another tool applied it).
    NotRecorded,
    /// Pending: nothing to compare.
    NotApplicable,
}

/// One line of the status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The migration's name.
    pub name: String,
    /// Applied, pending or unknown.
    pub state: State,
    /// When it was applied (UTC, RFC 3339).
    pub applied_at: Option<String>,
    /// SHA-256 of the source in this binary (absent for unknown migrations).
    pub checksum: Option<String>,
    /// SHA-256 recorded when it was applied.
    pub recorded_checksum: Option<String>,
    /// The comparison of the two.
    pub checksum_state: ChecksumState,
}

/// The whole status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    /// Every migration, in order, then unknown applied ones.
    pub migrations: Vec<Entry>,
    /// Number applied.
    pub applied: usize,
    /// Number pending.
    pub pending: usize,
    /// Number applied whose source changed since.
    pub changed: usize,
}

fn rfc3339(secs: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp(secs, 0).map(|t| t.to_rfc3339())
}

impl StatusReport {
    /// Compares the migrations with the recorded history.
    pub fn new(migrations: &[Sourced], history: &History) -> StatusReport {
        let mut entries: Vec<Entry> = migrations
            .iter()
            .map(|m| {
                let checksum = m.checksum();
                match history.applied.get(m.name()) {
                    Some(a) => Entry {
                        name: m.name().to_owned(),
                        state: State::Applied,
                        applied_at: rfc3339(a.applied_at),
                        checksum_state: match &a.checksum {
                            Some(rec) if *rec == checksum => ChecksumState::Ok,
                            Some(_) => ChecksumState::Changed,
                            None => ChecksumState::NotRecorded,
                        },
                        recorded_checksum: a.checksum.clone(),
                        checksum: Some(checksum),
                    },
                    None => Entry {
                        name: m.name().to_owned(),
                        state: State::Pending,
                        applied_at: None,
                        checksum: Some(checksum),
                        recorded_checksum: None,
                        checksum_state: ChecksumState::NotApplicable,
                    },
                }
            })
            .collect();
        for (version, a) in &history.applied {
            if !migrations.iter().any(|m| m.name() == version) {
                entries.push(Entry {
                    name: version.clone(),
                    state: State::Unknown,
                    applied_at: rfc3339(a.applied_at),
                    checksum: None,
                    recorded_checksum: a.checksum.clone(),
                    checksum_state: ChecksumState::NotApplicable,
                });
            }
        }
        let count = |f: &dyn Fn(&Entry) -> bool| entries.iter().filter(|e| f(e)).count();
        StatusReport {
            applied: count(&|e| e.state == State::Applied),
            pending: count(&|e| e.state == State::Pending),
            changed: count(&|e| e.checksum_state == ChecksumState::Changed),
            migrations: entries,
        }
    }

    /// A table for people.
    pub fn to_text(&self) -> String {
        let width = self
            .migrations
            .iter()
            .map(|e| e.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let mut out = format!(
            "{:<8} {:<width$}  {:<20}  CHECKSUM\n",
            "STATUS", "NAME", "APPLIED AT"
        );
        for e in &self.migrations {
            let state = match e.state {
                State::Applied => "applied",
                State::Pending => "pending",
                State::Unknown => "UNKNOWN",
            };
            let short = |s: &Option<String>| {
                s.as_deref()
                    .map_or("-", |s| &s[..s.len().min(12)])
                    .to_owned()
            };
            let check = match e.checksum_state {
                ChecksumState::Ok => "ok".to_owned(),
                ChecksumState::Changed => format!(
                    "CHANGED since applied (recorded {}, source now {})",
                    short(&e.recorded_checksum),
                    short(&e.checksum)
                ),
                ChecksumState::NotRecorded => "not recorded".to_owned(),
                ChecksumState::NotApplicable if e.state == State::Unknown => {
                    "not in this binary".to_owned()
                }
                ChecksumState::NotApplicable => String::new(),
            };
            let at = e
                .applied_at
                .as_deref()
                .map_or("", |s| &s[..s.len().min(19)]);
            out.push_str(&format!(
                "{state:<8} {:<width$}  {at:<20}  {check}\n",
                e.name
            ));
        }
        out.push_str(&format!(
            "{} applied, {} pending, {} changed since applied\n",
            self.applied, self.pending, self.changed
        ));
        out
    }
}
