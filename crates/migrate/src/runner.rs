//! Runs migrations: each in its own transaction, all under one advisory lock, with the
//! failing statement named in errors, checksums recorded, and a dry-run mode.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qsorm_connect::QsConnection;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement, TransactionTrait};
use sea_orm_migration::SchemaManager;

use crate::dry_run::{Script, recording_connection};
use crate::error::{Direction, MigrateError};
use crate::history::{self, History};
use crate::lock::{AdvisoryLock, LOCK_KEY};
use crate::schema_objects::drop_all_statements;
use crate::sourced::{Sourced, SourcedMigrator};
use crate::status::StatusReport;

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Apply pending migrations (all, or the first N).
    Up(Option<u32>),
    /// Revert applied migrations (all, or the last N).
    Down(Option<u32>),
    /// Drop everything in the current schema, then apply all.
    Fresh,
    /// Revert all, then apply all.
    Refresh,
    /// Revert all and drop the history tables.
    Reset,
}

/// Progress notifications, for a CLI to print.
#[derive(Debug)]
pub enum Event<'a> {
    /// Another run holds the advisory lock; waiting for it.
    WaitingForLock,
    /// A migration starts.
    Started {
        /// Up or down.
        direction: Direction,
        /// The migration.
        name: &'a str,
    },
    /// A migration finished and was committed.
    Finished {
        /// Up or down.
        direction: Direction,
        /// The migration.
        name: &'a str,
        /// How long it took.
        elapsed: Duration,
    },
    /// `fresh` dropped this many objects.
    Dropped {
        /// Number of `DROP` statements.
        objects: usize,
    },
    /// An applied migration's source differs from what was recorded when it ran.
    ChecksumChanged {
        /// The migration.
        name: &'a str,
    },
}

type Observer = Arc<dyn Fn(&Event<'_>) + Send + Sync>;

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Migrations applied, in order.
    pub applied: Vec<String>,
    /// Migrations reverted, in order.
    pub reverted: Vec<String>,
    /// Objects dropped by `fresh`.
    pub dropped: usize,
    /// The recorded statements (dry run only).
    pub script: Option<Vec<String>>,
}

/// Runs a list of migrations against one connection.
pub struct Runner {
    conn: QsConnection,
    migrations: Vec<Sourced>,
    observer: Observer,
    failed: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("migrations", &self.migrations)
            .finish_non_exhaustive()
    }
}

/// Where statements go and how the recorded state evolves during one run.
struct Target<'a> {
    exec: &'a DatabaseConnection,
    script: Option<&'a Script>,
    applied: BTreeSet<String>,
    history: History,
    outcome: Outcome,
}

impl Runner {
    /// A runner for `migrations` (oldest first) on `conn`.
    pub fn new(conn: &QsConnection, migrations: Vec<Sourced>) -> Runner {
        Runner {
            conn: conn.clone(),
            migrations,
            observer: Arc::new(|_| {}),
            failed: Arc::new(Mutex::new(None)),
        }
    }

    /// A runner for the migrations of `M`.
    pub fn of<M: SourcedMigrator>(conn: &QsConnection) -> Runner {
        Runner::new(conn, M::sourced())
    }

    /// Calls `f` on each [`Event`].
    pub fn observe(mut self, f: impl Fn(&Event<'_>) + Send + Sync + 'static) -> Runner {
        self.observer = Arc::new(f);
        self
    }

    /// The migrations, oldest first.
    pub fn migrations(&self) -> &[Sourced] {
        &self.migrations
    }

    fn check_flavor(&self) -> Result<(), MigrateError> {
        if self.conn.flavor().is_query_service() {
            return Err(MigrateError::QueryService);
        }
        Ok(())
    }

    /// Applied / pending / changed, read with `SELECT`s only.
    pub async fn status(&self) -> Result<StatusReport, MigrateError> {
        self.check_flavor()?;
        let history = history::read(self.conn.db()).await?;
        Ok(StatusReport::new(&self.migrations, &history))
    }

    /// Runs `op` for real, holding the advisory lock from the first read to the last write.
    pub async fn run(&self, op: Op) -> Result<Outcome, MigrateError> {
        self.check_flavor()?;
        let observer = self.observer.clone();
        let dedicated = self.conn.connect_dedicated().await?;
        let lock = AdvisoryLock::acquire(dedicated, move || observer(&Event::WaitingForLock))
            .await
            .map_err(MigrateError::Lock)?;
        let result = self.run_locked(op).await;
        let released = lock.release().await.map_err(MigrateError::Lock);
        let outcome = result?;
        released?;
        Ok(outcome)
    }

    async fn run_locked(&self, op: Op) -> Result<Outcome, MigrateError> {
        let exec = self.observed_db();
        history::install(&exec).await?;
        let history = history::read(&exec).await?;
        self.perform(op, &exec, &exec, None, history).await
    }

    /// Runs `op` against a recording connection: the returned outcome's `script` holds every
    /// statement, and nothing reaches the server except `SELECT`s reading the history tables
    /// (and, for `fresh`, the catalog).
    pub async fn dry_run(&self, op: Op) -> Result<Outcome, MigrateError> {
        self.check_flavor()?;
        let history = history::read(self.conn.db()).await?;
        let (exec, script) = recording_connection().await?;
        script.push(format!(
            "-- dry run: nothing below was executed. A real run holds pg_advisory_lock({LOCK_KEY}) \
             on a dedicated connection throughout."
        ));
        if !history.installed && op != Op::Fresh {
            script.push("-- create the history tables (if missing)");
            history::install(&exec).await?;
        }
        let mut outcome = self
            .perform(op, &exec, self.conn.db(), Some(&script), history)
            .await?;
        outcome.script = Some(script.lines());
        Ok(outcome)
    }

    /// A clone of the connection whose failed statements are remembered for error messages.
    fn observed_db(&self) -> DatabaseConnection {
        let mut db = self.conn.db().clone();
        let failed = self.failed.clone();
        db.set_metric_callback(move |info| {
            if info.failed {
                let mut slot = failed.lock().unwrap_or_else(|e| e.into_inner());
                if slot.is_none() {
                    *slot = Some(info.statement.to_string());
                }
            }
        });
        db
    }

    async fn perform(
        &self,
        op: Op,
        exec: &DatabaseConnection,
        reader: &DatabaseConnection,
        script: Option<&Script>,
        history: History,
    ) -> Result<Outcome, MigrateError> {
        let known: BTreeSet<&str> = self.migrations.iter().map(Sourced::name).collect();
        let unknown: Vec<&str> = history
            .applied
            .keys()
            .map(String::as_str)
            .filter(|v| !known.contains(v))
            .collect();
        if !unknown.is_empty() && op != Op::Fresh {
            return Err(MigrateError::UnknownApplied(unknown.join(", ")));
        }
        let mut t = Target {
            exec,
            script,
            applied: history.applied.keys().cloned().collect(),
            history,
            outcome: Outcome::default(),
        };
        match op {
            Op::Up(n) => self.up(&mut t, n).await?,
            Op::Down(n) => self.down(&mut t, n).await?,
            Op::Refresh => {
                self.down(&mut t, None).await?;
                self.up(&mut t, None).await?;
            }
            Op::Reset => {
                self.down(&mut t, None).await?;
                comment(&t, "-- drop the history tables");
                for stmt in history::drop_statements() {
                    exec.execute(&stmt).await?;
                }
            }
            Op::Fresh => {
                let drops = drop_all_statements(reader).await?;
                comment(&t, "-- drop everything in the current schema");
                let txn = exec.begin().await?;
                for sql in &drops {
                    txn.execute_raw(Statement::from_string(
                        txn.get_database_backend(),
                        sql.clone(),
                    ))
                    .await?;
                }
                txn.commit().await?;
                (self.observer)(&Event::Dropped {
                    objects: drops.len(),
                });
                t.outcome.dropped = drops.len();
                t.applied.clear();
                t.history = History::default();
                history::install(exec).await?;
                self.up(&mut t, None).await?;
            }
        }
        Ok(t.outcome)
    }

    async fn up(&self, t: &mut Target<'_>, steps: Option<u32>) -> Result<(), MigrateError> {
        for m in &self.migrations {
            if let Some(applied) = t.history.applied.get(m.name())
                && applied
                    .checksum
                    .as_deref()
                    .is_some_and(|c| c != m.checksum())
            {
                (self.observer)(&Event::ChecksumChanged { name: m.name() });
            }
        }
        let pending: Vec<&Sourced> = self
            .migrations
            .iter()
            .filter(|m| !t.applied.contains(m.name()))
            .take(steps.map_or(usize::MAX, |n| n as usize))
            .collect();
        for m in pending {
            self.step(t, m, Direction::Up).await?;
            t.applied.insert(m.name().to_owned());
            t.outcome.applied.push(m.name().to_owned());
        }
        Ok(())
    }

    async fn down(&self, t: &mut Target<'_>, steps: Option<u32>) -> Result<(), MigrateError> {
        let applied: Vec<&Sourced> = self
            .migrations
            .iter()
            .rev()
            .filter(|m| t.applied.contains(m.name()))
            .take(steps.map_or(usize::MAX, |n| n as usize))
            .collect();
        for m in applied {
            self.step(t, m, Direction::Down).await?;
            t.applied.remove(m.name());
            t.outcome.reverted.push(m.name().to_owned());
        }
        Ok(())
    }

    /// One migration, in a transaction unless it opts out (`use_transaction() == Some(false)`).
    async fn step(&self, t: &Target<'_>, m: &Sourced, dir: Direction) -> Result<(), MigrateError> {
        let name = m.name();
        comment(t, format!("-- {dir} {name}"));
        (self.observer)(&Event::Started {
            direction: dir,
            name,
        });
        let started = Instant::now();
        *self.failed.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let in_txn = m.migration.use_transaction() != Some(false);
        let fail = |source: DbErr| MigrateError::Migration {
            name: name.to_owned(),
            direction: dir,
            statement: self.failed.lock().unwrap_or_else(|e| e.into_inner()).take(),
            rolled_back: in_txn,
            source,
        };
        if in_txn {
            let txn = t.exec.begin().await?;
            match body(&SchemaManager::new(&txn), m, dir).await {
                Ok(()) => txn.commit().await.map_err(fail)?,
                Err(e) => {
                    let err = fail(e);
                    let _ = txn.rollback().await;
                    return Err(err);
                }
            }
        } else {
            body(&SchemaManager::new(t.exec), m, dir)
                .await
                .map_err(fail)?;
        }
        (self.observer)(&Event::Finished {
            direction: dir,
            name,
            elapsed: started.elapsed(),
        });
        Ok(())
    }
}

/// The migration's own statements, then its history row.
async fn body(manager: &SchemaManager<'_>, m: &Sourced, dir: Direction) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match dir {
        Direction::Up => {
            m.migration.up(manager).await?;
            history::record_applied(db, m.name(), &m.checksum()).await
        }
        Direction::Down => {
            m.migration.down(manager).await?;
            history::record_reverted(db, m.name()).await
        }
    }
}

fn comment(t: &Target<'_>, line: impl Into<String>) {
    if let Some(script) = t.script {
        script.push(line);
    }
}
