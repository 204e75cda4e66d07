//! Load: 64 concurrent tasks × 500 mixed CRUD operations through the repository on one pool
//! of 10 connections, against the sandbox PostgreSQL. Zero errors, and every row count exactly
//! what the operations imply. Throughput and latency percentiles are printed (`--nocapture`);
//! nothing is asserted about timing.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use qsorm::connect::{ConnParams, Flavor, QsConnection, SslMode};
use qsorm::entity::sea_orm_active_enums::ProfilesLoyaltyTier;
use qsorm::entity::{orders, profiles};
use qsorm::migrate::{Op, Runner};
use qsorm::migrations::Migrator;
use qsorm::repository::Repo;
use qsorm::sandbox::Sandbox;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, Condition};

const TASKS: usize = 64;
const OPS_PER_TASK: usize = 500;
const POOL: u32 = 10;
/// A hang is a failure.
const TEST_LIMIT: Duration = Duration::from_secs(300);

/// The operations, in the order each task cycles through them.
const CYCLE: [Kind; 10] = [
    Kind::Insert,
    Kind::Get,
    Kind::Update,
    Kind::InsertMany,
    Kind::Find,
    Kind::Delete,
    Kind::GetDeleted,
    Kind::Insert,
    Kind::Count,
    Kind::Delete,
];
/// Rows per `insert_many`.
const BATCH: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Insert,
    Get,
    Update,
    InsertMany,
    Find,
    Delete,
    GetDeleted,
    Count,
}

/// What one task did: latencies by kind, errors, the keys it left in the table.
#[derive(Debug, Default)]
struct TaskReport {
    latencies: Vec<(Kind, Duration)>,
    errors: Vec<String>,
    live: Vec<i64>,
}

fn order(id: i64, owner: &str) -> orders::ActiveModel {
    orders::ActiveModel {
        order_id: Set(id),
        profile_id: Set(owner.to_owned()),
        ordered_at: Set(chrono::DateTime::UNIX_EPOCH.fixed_offset()),
        currency_code: Set("EUR".to_owned()),
        status: Set("placed".to_owned()),
    }
}

fn owner_of(task: usize) -> String {
    format!("load-{task}")
}

/// A repository error, or a mismatch between what it returned and what the task expects.
type TaskError = Box<dyn std::error::Error + Send + Sync>;

/// A mismatch between what the repository returned and what the task expects.
fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), TaskError> {
    if ok { Ok(()) } else { Err(what().into()) }
}

/// Runs the task's operations; each task owns the keys `task * 1_000_000 + n`, so the
/// expected state is known exactly whatever the interleaving.
async fn run_task(task: usize, conn: QsConnection) -> TaskReport {
    let repo = Repo::<orders::Entity, _>::new(conn.db());
    let owner = owner_of(task);
    let mine = || Condition::all().add(orders::Column::ProfileId.eq(owner_of(task)));
    let base = i64::try_from(task).expect("task") * 1_000_000;
    let mut next = base;
    let mut live: VecDeque<i64> = VecDeque::new();
    let mut deleted: Vec<i64> = Vec::new();
    let mut report = TaskReport::default();
    for i in 0..OPS_PER_TASK {
        let kind = CYCLE[i % CYCLE.len()];
        // A deterministic spread over the live keys.
        let pick = |live: &VecDeque<i64>| live[(i * 7_919) % live.len()];
        let started = Instant::now();
        let outcome: Result<(), TaskError> = async {
            match kind {
                Kind::Insert => {
                    next += 1;
                    let row = repo.insert(order(next, &owner)).await?;
                    check(row.order_id == next && row.profile_id == owner, || {
                        format!("insert returned {row:?}")
                    })?;
                    live.push_back(next);
                }
                Kind::InsertMany => {
                    let ids: Vec<i64> = (1..=BATCH)
                        .map(|k| next + i64::try_from(k).expect("k"))
                        .collect();
                    next += i64::try_from(BATCH).expect("batch");
                    let n = repo
                        .insert_many(ids.iter().map(|id| order(*id, &owner)).collect())
                        .await?;
                    check(n == BATCH as u64, || format!("insert_many wrote {n}"))?;
                    live.extend(ids);
                }
                Kind::Get => {
                    let id = pick(&live);
                    let row = repo.get(id).await?;
                    check(row.as_ref().is_some_and(|r| r.order_id == id), || {
                        format!("get({id}) returned {row:?}")
                    })?;
                }
                Kind::GetDeleted => {
                    let id = deleted.last().copied().unwrap_or(base);
                    let row = repo.get(id).await?;
                    check(row.is_none(), || {
                        format!("deleted {id} still there: {row:?}")
                    })?;
                }
                Kind::Update => {
                    let id = pick(&live);
                    let status = format!("updated-{i}");
                    let change = orders::ActiveModel {
                        order_id: Set(id),
                        status: Set(status.clone()),
                        ..Default::default()
                    };
                    let row = repo.update(change).await?;
                    check(row.order_id == id && row.status == status, || {
                        format!("update returned {row:?}")
                    })?;
                }
                Kind::Find => {
                    let rows = repo.find(mine()).await?;
                    let mut found: Vec<i64> = rows.iter().map(|r| r.order_id).collect();
                    let mut expected: Vec<i64> = live.iter().copied().collect();
                    expected.sort_unstable();
                    found.sort_unstable();
                    check(found == expected, || {
                        format!("find: {} rows, expected {}", found.len(), expected.len())
                    })?;
                }
                Kind::Count => {
                    let n = repo.count(mine()).await?;
                    check(n == live.len() as u64, || {
                        format!("count {n}, expected {}", live.len())
                    })?;
                }
                Kind::Delete => {
                    let id = live.pop_front().expect("a live row");
                    let gone = repo.delete(id).await?;
                    check(gone, || format!("delete({id}) deleted nothing"))?;
                    deleted.push(id);
                }
            }
            Ok(())
        }
        .await;
        report.latencies.push((kind, started.elapsed()));
        if let Err(e) = outcome {
            report
                .errors
                .push(format!("task {task} op {i} {kind:?}: {e}"));
        }
    }
    report.live = live.into_iter().collect();
    report
}

/// The `pct`-th percentile (nearest rank below) of sorted durations.
fn percentile(sorted: &[Duration], pct: usize) -> Duration {
    match sorted.len() {
        0 => Duration::ZERO,
        n => sorted[(n - 1) * pct / 100],
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_tasks_of_mixed_crud_on_a_pool_of_ten() {
    tokio::time::timeout(TEST_LIMIT, load())
        .await
        .unwrap_or_else(|_| panic!("hung: no result within {TEST_LIMIT:?}"));
}

async fn load() {
    let sandbox = Sandbox::shared().expect("sandbox");
    let db = sandbox.fresh_database().await.expect("database");
    let mut params = ConnParams::default()
        .host(sandbox.host())
        .port(sandbox.port())
        .database(&db)
        .user(sandbox.app_user())
        .password(sandbox.app_password())
        .flavor(Flavor::Postgres)
        .max_connections(POOL);
    params = match sandbox.ca_cert_path() {
        Some(ca) => params
            .sslmode(SslMode::VerifyFull)
            .sslrootcert(ca.to_path_buf()),
        None => params.sslmode(SslMode::Prefer),
    };
    let conn = QsConnection::new(params.build().expect("settings"));
    Runner::of::<Migrator>(&conn)
        .run(Op::Up(Some(4)))
        .await
        .expect("schema");
    let owners: Vec<profiles::ActiveModel> = (0..TASKS)
        .map(|t| profiles::ActiveModel {
            id: Set(owner_of(t)),
            person: Set(None),
            personal_email: Set(None),
            loyalty_tier: Set(ProfilesLoyaltyTier::Silver),
            tags: Set(vec!["load".to_owned()]),
            created_at: Set(chrono::DateTime::UNIX_EPOCH.fixed_offset()),
        })
        .collect();
    Repo::<profiles::Entity, _>::new(conn.db())
        .insert_many(owners)
        .await
        .expect("owners");

    let started = Instant::now();
    let handles: Vec<_> = (0..TASKS)
        .map(|t| tokio::spawn(run_task(t, conn.clone())))
        .collect();
    let mut reports = Vec::with_capacity(TASKS);
    for h in handles {
        reports.push(h.await.expect("task panicked"));
    }
    let wall = started.elapsed();

    let errors: Vec<&String> = reports.iter().flat_map(|r| &r.errors).collect();
    let mut all: Vec<Duration> = reports
        .iter()
        .flat_map(|r| r.latencies.iter().map(|(_, d)| *d))
        .collect();
    all.sort_unstable();
    let ops = all.len();
    eprintln!(
        "measured: {TASKS} tasks x {OPS_PER_TASK} ops on a pool of {POOL}: {ops} ops in {:.2} s = {:.0} ops/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {} errors",
        wall.as_secs_f64(),
        ops as f64 / wall.as_secs_f64(),
        ms(percentile(&all, 50)),
        ms(percentile(&all, 99)),
        ms(all.last().copied().unwrap_or_default()),
        errors.len()
    );
    let mut kinds: Vec<Kind> = CYCLE.to_vec();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds {
        let mut ds: Vec<Duration> = reports
            .iter()
            .flat_map(|r| {
                r.latencies
                    .iter()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, d)| *d)
            })
            .collect();
        ds.sort_unstable();
        eprintln!(
            "  {kind:?}: {} ops, p50 {:.2} ms, p99 {:.2} ms",
            ds.len(),
            ms(percentile(&ds, 50)),
            ms(percentile(&ds, 99))
        );
    }
    assert_eq!(ops, TASKS * OPS_PER_TASK);
    assert!(
        errors.is_empty(),
        "{} errors, first ones: {:#?}",
        errors.len(),
        &errors[..errors.len().min(10)]
    );

    // Row counts: exactly what each task kept, in total and per task.
    let repo = Repo::<orders::Entity, _>::new(conn.db());
    let expected_total: usize = reports.iter().map(|r| r.live.len()).sum();
    let per_cycle_net = 5; // +1 +5 +1 inserted, -2 deleted
    assert_eq!(
        expected_total,
        TASKS * OPS_PER_TASK / CYCLE.len() * per_cycle_net
    );
    assert_eq!(
        repo.count(Condition::all()).await.expect("total"),
        expected_total as u64
    );
    for (t, report) in reports.iter().enumerate() {
        let rows = repo
            .find(Condition::all().add(orders::Column::ProfileId.eq(owner_of(t))))
            .await
            .expect("find");
        let mut found: Vec<i64> = rows.iter().map(|r| r.order_id).collect();
        let mut expected = report.live.clone();
        found.sort_unstable();
        expected.sort_unstable();
        assert_eq!(found, expected, "task {t}");
    }
    conn.close().await;
}
