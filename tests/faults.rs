//! Faults against a real PostgreSQL (the sandbox), through the fault-injecting proxy where the
//! network is involved: a backend killed mid-transaction, the server restarted, links cut and
//! refused, a stalled link, a link cut in the middle of a 100,000-row `insert_many`.
//!
//! Every test runs under a hard limit ([`within`]): a hang is a failure, never a stuck CI job.
//! Measured durations are printed with `eprintln!` (`--nocapture` shows them).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use qsorm::connect::{ConnParams, ConnectError, Flavor, IDLE_BEFORE_PING, QsConnection, SslMode};
use qsorm::entity::orders;
use qsorm::entity::profiles;
use qsorm::entity::sea_orm_active_enums::ProfilesLoyaltyTier;
use qsorm::migrate::{Op, Runner};
use qsorm::migrations::Migrator;
use qsorm::repository::{ConnectionExt, Repo, RepoError, transaction};
use qsorm::sandbox::proxy::FaultProxy;
use qsorm::sandbox::{Sandbox, SandboxOptions, StopMode};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, Statement};

/// No test here may take longer than this.
const TEST_LIMIT: Duration = Duration::from_secs(90);
/// Slack allowed on top of a configured bound (scheduling on a loaded 2-core machine).
const SLACK: Duration = Duration::from_secs(2);

/// Runs `test` under [`TEST_LIMIT`].
async fn within<T>(test: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_LIMIT, test)
        .await
        .unwrap_or_else(|_| panic!("hung: no result within {TEST_LIMIT:?}"))
}

fn shared() -> &'static Sandbox {
    Sandbox::shared().expect("sandbox")
}

/// Settings for the app role on `database` at `127.0.0.1:port` (the sandbox's port, or a
/// proxy's in front of it), TLS verified against the sandbox's CA.
fn params(sandbox: &Sandbox, port: u16, database: &str) -> ConnParams {
    let p = ConnParams::default()
        .host(sandbox.host())
        .port(port)
        .database(database)
        .user(sandbox.app_user())
        .password(sandbox.app_password())
        .flavor(Flavor::Postgres);
    match sandbox.ca_cert_path() {
        Some(ca) => p.sslmode(SslMode::VerifyFull).sslrootcert(ca.to_path_buf()),
        None => p.sslmode(SslMode::Prefer),
    }
}

fn connect(p: ConnParams) -> QsConnection {
    QsConnection::new(p.build().expect("settings"))
}

/// A fresh database with the sample schema (migrations 1-4: tables, types, the view; no
/// sample rows) and one profile, `p0`, for orders to reference.
async fn schema_database(sandbox: &Sandbox) -> String {
    let db = sandbox.fresh_database().await.expect("database");
    let conn = connect(params(sandbox, sandbox.port(), &db));
    Runner::of::<Migrator>(&conn)
        .run(Op::Up(Some(4)))
        .await
        .expect("migrate");
    conn.repo::<profiles::Entity>()
        .insert(profile("p0"))
        .await
        .expect("profile p0");
    conn.close().await;
    db
}

fn profile(id: &str) -> profiles::ActiveModel {
    profiles::ActiveModel {
        id: Set(id.to_owned()),
        person: Set(None),
        personal_email: Set(None),
        loyalty_tier: Set(ProfilesLoyaltyTier::Bronze),
        tags: Set(vec!["fault".to_owned()]),
        created_at: Set(chrono::DateTime::UNIX_EPOCH.fixed_offset()),
    }
}

fn order(id: i64) -> orders::ActiveModel {
    orders::ActiveModel {
        order_id: Set(id),
        profile_id: Set("p0".to_owned()),
        ordered_at: Set(chrono::DateTime::UNIX_EPOCH.fixed_offset()),
        currency_code: Set("EUR".to_owned()),
        status: Set("placed".to_owned()),
    }
}

/// The orders repository on `conn`: its profile (error context, call timeout) comes from the
/// connection, its statements go over the pool with bind parameters (PostgreSQL).
fn orders_repo(conn: &QsConnection) -> Repo<'_, orders::Entity> {
    conn.repo::<orders::Entity>()
}

/// A superuser connection to `db` straight to the server (no proxy, no shared pool).
fn superuser(sandbox: &Sandbox, db: &str) -> QsConnection {
    connect(
        ConnParams::default()
            .host(sandbox.host())
            .port(sandbox.port())
            .database(db)
            .user(sandbox.superuser())
            .sslmode(SslMode::Disable)
            .flavor(Flavor::Postgres),
    )
}

/// The first column of the first row of `sql` (which must name it `v`), as text.
async fn scalar(conn: &QsConnection, sql: &str) -> String {
    let rows = conn
        .simple_query(&format!("SELECT ({sql})::text AS v"))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows[0].try_get("", "v").expect("v")
}

/// Number of orders, as a fresh superuser session sees them (no pool involved).
async fn committed_orders(sandbox: &Sandbox, db: &str) -> i64 {
    let conn = superuser(sandbox, db);
    let n = scalar(&conn, "SELECT count(*) FROM orders").await;
    conn.close().await;
    n.parse().expect("count")
}

/// Waits (up to 10 s) until the scalar `sql`, run as the superuser in `db`, returns `want`.
async fn wait_for(sandbox: &Sandbox, db: &str, sql: &str, want: &str) {
    let conn = superuser(sandbox, db);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = scalar(&conn, sql).await;
        if got == want {
            break;
        }
        assert!(Instant::now() < deadline, "{sql}: {got}, waited for {want}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    conn.close().await;
}

/// Waits until no other session of `db` is inside a transaction, so that a test can prove an
/// abandoned transaction was really rolled back, not just left open.
async fn no_open_transaction(sandbox: &Sandbox, db: &str) {
    let sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
               AND xact_start IS NOT NULL AND pid <> pg_backend_pid()";
    wait_for(sandbox, db, sql, "0").await;
}

async fn backend_pid<C: ConnectionTrait>(db: &C) -> i32 {
    db.query_one_raw(Statement::from_string(
        DbBackend::Postgres,
        "SELECT pg_backend_pid() AS pid",
    ))
    .await
    .expect("pid")
    .expect("a row")
    .try_get("", "pid")
    .expect("pid column")
}

fn is_connection_error(err: &RepoError) -> bool {
    matches!(err, RepoError::Connection(_))
}

/// The session was terminated by the server (SQLSTATE 57P01, admin or shutdown command): a
/// connection-level error, not a database error about the statement.
fn terminated(err: &RepoError) -> bool {
    matches!(err, RepoError::Connection(ConnectError::Unreachable { reason, .. }) if reason.contains("57P01"))
}

/// 1. `pg_terminate_backend` while a repository transaction has written rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend_killed_mid_transaction_rolls_back_and_the_pool_recovers() {
    within(async {
        let sandbox = shared();
        let db = schema_database(sandbox).await;
        let conn = connect(params(sandbox, sandbox.port(), &db).max_connections(2));
        let orders = orders_repo(&conn);
        orders
            .insert_many((1..=10).map(order).collect())
            .await
            .expect("seed");
        let before = committed_orders(sandbox, &db).await;

        let started = Instant::now();
        let result = transaction(&conn, async |tx| {
            let orders = orders.on(tx);
            orders.insert_many((100..200).map(order).collect()).await?;
            assert_eq!(orders.count(Condition::all()).await?, 110);
            let pid = backend_pid(tx).await;
            // Waits (up to 5 s) until the backend is gone.
            sandbox
                .admin_execute(
                    "postgres",
                    &format!("SELECT pg_terminate_backend({pid}, 5000)"),
                )
                .await
                .expect("terminate");
            orders.insert(order(200)).await?;
            Ok(())
        })
        .await;
        let err = result.expect_err("the transaction's session was terminated");
        eprintln!(
            "measured: backend killed mid-transaction -> {err:?} in {:?}",
            started.elapsed()
        );
        assert!(terminated(&err), "{err:?}");

        // Nothing of the transaction is visible; the pool serves the next calls.
        assert_eq!(committed_orders(sandbox, &db).await, before);
        assert_eq!(
            orders
                .count(Condition::all())
                .await
                .expect("next call on the pool"),
            10
        );
        transaction(&conn, async |tx| {
            orders
                .on(tx)
                .insert_many((100..200).map(order).collect())
                .await
                .map(drop)
        })
        .await
        .expect("a new transaction on the pool");
        assert_eq!(committed_orders(sandbox, &db).await, 110);
        conn.close().await;
    })
    .await;
}

/// 2. The server restarted (fast: sessions terminated), then crashed and started again, on
///    the same port and data: calls in flight fail typed, the pool reconnects by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_restart_fails_calls_in_flight_typed_and_the_pool_reconnects() {
    within(async {
        // A server of our own: restarting the shared one would disturb the other tests.
        let own = Arc::new(
            tokio::task::spawn_blocking(|| Sandbox::start(SandboxOptions::default()))
                .await
                .expect("join")
                .expect("own sandbox"),
        );
        let db = schema_database(&own).await;
        let connect_timeout = Duration::from_secs(3);
        let conn = connect(
            params(&own, own.port(), &db)
                .max_connections(4)
                .connect_timeout(connect_timeout),
        );
        let orders = orders_repo(&conn);
        // Four pooled connections, all idle after this.
        let warm =
            futures_util::future::join_all((0..4).map(|_| orders.count(Condition::all()))).await;
        assert!(warm.iter().all(Result::is_ok), "{warm:?}");

        // A call in flight across the restart.
        let in_flight = {
            let conn = conn.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                let r = conn
                    .db()
                    .execute_unprepared("SELECT pg_sleep(60)")
                    .await
                    .map_err(|e| {
                        qsorm::repository::classify_db_err(e, Some(&conn.error_context()))
                    });
                (r, started.elapsed())
            })
        };
        wait_for(
            &own,
            &db,
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'",
            "1",
        )
        .await;
        let started = Instant::now();
        let restart = own.clone();
        tokio::task::spawn_blocking(move || restart.restart_server(StopMode::Fast))
            .await
            .expect("join")
            .expect("restart");
        eprintln!("measured: server restart took {:?}", started.elapsed());
        let (result, took) = in_flight.await.expect("join");
        let err = result.expect_err("the session was terminated by the restart");
        eprintln!("measured: call in flight across the restart -> {err:?} after {took:?}");
        assert!(terminated(&err), "{err:?}");

        // The first call after the restart: the pool tests each connection idle for
        // IDLE_BEFORE_PING or longer before use, drops the dead ones and connects again
        // (connections used more recently are trusted: see the ping-window test below).
        tokio::time::sleep(IDLE_BEFORE_PING).await;
        let first = orders.count(Condition::all()).await;
        eprintln!("first call after the restart: {first:?}");
        assert_eq!(first.expect("reconnected"), 0);
        for _ in 0..20 {
            orders.count(Condition::all()).await.expect("later calls");
        }
        let burst =
            futures_util::future::join_all((0..8).map(|i| orders.insert(order(1_000 + i)))).await;
        assert!(burst.iter().all(Result::is_ok), "{burst:?}");

        // A crash (immediate stop): while the server is down, calls fail typed within the
        // connect timeout; once it is back they succeed again. The sandbox runs with
        // synchronous_commit off, so a crash may lose the last commits: a checkpoint first
        // makes the count below exact.
        own.admin_execute("postgres", "CHECKPOINT")
            .await
            .expect("checkpoint");
        own.stop_server(StopMode::Immediate).expect("crash");
        let started = Instant::now();
        let down = orders.count(Condition::all()).await;
        let took = started.elapsed();
        eprintln!("measured: call while the server is down -> {down:?} after {took:?}");
        let err = down.expect_err("server down");
        assert!(is_connection_error(&err), "{err:?}");
        assert!(took <= connect_timeout + SLACK, "{took:?}");
        let restart = own.clone();
        tokio::task::spawn_blocking(move || restart.start_server())
            .await
            .expect("join")
            .expect("start again");
        // Idle past the ping window, so every stale connection is tested before use.
        tokio::time::sleep(IDLE_BEFORE_PING).await;
        assert_eq!(
            orders
                .count(Condition::all())
                .await
                .expect("after the crash"),
            8
        );
        conn.close().await;
    })
    .await;
}

/// 2'. The same seen from the network: every link cut and new links refused at the proxy,
///     then accepted again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_cut_and_refused_then_accepted_again_recovers_without_restart() {
    within(async {
        let sandbox = shared();
        let db = schema_database(sandbox).await;
        let proxy = FaultProxy::to_sandbox(sandbox).expect("proxy");
        let connect_timeout = Duration::from_secs(2);
        let conn = connect(
            params(sandbox, proxy.port(), &db)
                .max_connections(3)
                .connect_timeout(connect_timeout),
        );
        let orders = orders_repo(&conn);
        let warm =
            futures_util::future::join_all((0..3).map(|_| orders.count(Condition::all()))).await;
        assert!(warm.iter().all(Result::is_ok), "{warm:?}");
        let live = proxy.stats().live;
        assert!(live >= 1, "{:?}", proxy.stats());

        proxy.refuse_new(true);
        assert_eq!(u64::try_from(proxy.cut_all()).expect("count"), live);
        // Idle past the ping window: the pool tests the cut connections, then tries new ones.
        tokio::time::sleep(IDLE_BEFORE_PING).await;
        let started = Instant::now();
        let refused = orders.count(Condition::all()).await;
        let took = started.elapsed();
        eprintln!(
            "measured: call with every link cut and new ones refused -> {refused:?} after {took:?}"
        );
        let err = refused.expect_err("no way through");
        assert!(is_connection_error(&err), "{err:?}");
        assert!(took <= connect_timeout + SLACK, "{took:?}");
        assert!(proxy.stats().refused >= 1, "{:?}", proxy.stats());

        proxy.refuse_new(false);
        for i in 0..10 {
            orders
                .insert(order(i))
                .await
                .expect("recovered without a restart");
        }
        assert_eq!(committed_orders(sandbox, &db).await, 10);
        conn.close().await;
    })
    .await;
}

/// 2''. The pool's ping rule, both sides: a connection used within the last
///      `IDLE_BEFORE_PING` is handed out without a ping (one server turn per single-row call);
///      cut in that window, it fails one call, typed and at once, and the pool drops it. Idle
///      longer, it is pinged first, and a cut one is replaced without any call failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_connections_fail_one_call_within_the_ping_window_and_none_after_it() {
    within(async {
        let sandbox = shared();
        let db = schema_database(sandbox).await;
        let proxy = FaultProxy::to_sandbox(sandbox).expect("proxy");
        let conn = connect(params(sandbox, proxy.port(), &db).max_connections(1));
        let orders = orders_repo(&conn);
        orders.count(Condition::all()).await.expect("warm");
        // Let the release's own ping finish, so the connection is idle in the pool.
        tokio::time::sleep(Duration::from_millis(50)).await;

        assert_eq!(proxy.cut_all(), 1);
        let started = Instant::now();
        let within_window = orders.count(Condition::all()).await;
        let took = started.elapsed();
        eprintln!("measured: call on a connection cut within the ping window -> {within_window:?} after {took:?}");
        let err = within_window.expect_err("a cut connection used without a ping");
        assert!(is_connection_error(&err), "{err:?}");
        assert!(took < SLACK, "{took:?}");
        assert_eq!(orders.count(Condition::all()).await.expect("next call"), 0);

        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(proxy.cut_all(), 1);
        tokio::time::sleep(IDLE_BEFORE_PING).await;
        assert_eq!(
            orders
                .count(Condition::all())
                .await
                .expect("pinged, found cut, replaced"),
            0
        );
        conn.close().await;
    })
    .await;
}

/// 3. A stalled link (the proxy stops forwarding both ways): a call in flight ends with the
///    typed timeout after `statement_timeout + connect_timeout`, a new call after
///    `connect_timeout`; nothing of the abandoned transaction stays; the pool recovers when
///    the link does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_link_ends_calls_with_the_typed_timeout_within_the_bound() {
    within(async {
        let sandbox = shared();
        let db = schema_database(sandbox).await;
        let proxy = Arc::new(FaultProxy::to_sandbox(sandbox).expect("proxy"));
        let (connect_timeout, statement_timeout) = (Duration::from_secs(2), Duration::from_secs(2));
        let bound = connect_timeout + statement_timeout;
        let conn = connect(
            params(sandbox, proxy.port(), &db)
                .max_connections(2)
                .connect_timeout(connect_timeout)
                .statement_timeout(statement_timeout),
        );
        let orders = orders_repo(&conn);
        assert_eq!(orders.profile().call_timeout(), Some(bound));
        assert_eq!(orders.count(Condition::all()).await.expect("warm"), 0);

        // A transaction has written a row; the link stalls; its next statement is stuck.
        let stalled_at = Arc::new(std::sync::Mutex::new(None::<Instant>));
        let result = transaction(&conn, async |tx| {
            let orders = orders.on(tx);
            orders.insert(order(1)).await?;
            proxy.stall();
            *stalled_at.lock().expect("lock") = Some(Instant::now());
            orders.insert(order(2)).await?;
            Ok(())
        })
        .await;
        let took = stalled_at.lock().expect("lock").expect("stalled").elapsed();
        eprintln!("measured: statement on a stalled link -> {result:?} after {took:?} (bound {bound:?})");
        let err = result.expect_err("stalled");
        assert!(
            matches!(&err, RepoError::Connection(ConnectError::Timeout { after: Some(b), .. }) if *b == bound),
            "{err:?}"
        );
        assert!(took >= bound && took <= bound + SLACK, "{took:?}");

        // A new call while the link is still stalled: the pool's check of an idle connection
        // (or a new connection) gets no answer either; it gives up after connect_timeout.
        let started = Instant::now();
        let new_call = orders.count(Condition::all()).await;
        let took = started.elapsed();
        eprintln!("measured: new call on a stalled link -> {new_call:?} after {took:?}");
        let err = new_call.expect_err("stalled");
        assert!(
            matches!(err, RepoError::Connection(ConnectError::Timeout { .. })),
            "{err:?}"
        );
        assert!(took <= bound + SLACK, "{took:?}");

        // The link comes back: the pool recovers, and the abandoned transaction was rolled
        // back (the held INSERT reached the server, then the ROLLBACK the pool queued).
        proxy.resume();
        assert_eq!(
            orders
                .count(Condition::all())
                .await
                .expect("after the stall"),
            0
        );
        no_open_transaction(sandbox, &db).await;
        assert_eq!(committed_orders(sandbox, &db).await, 0);
        orders.insert(order(3)).await.expect("insert after the stall");
        assert_eq!(committed_orders(sandbox, &db).await, 1);
        conn.close().await;
    })
    .await;
}

/// 4. The link cut in the middle of a 100,000-row `insert_many`: nothing of it is visible,
///    and the same batch then goes in whole (no partial row left to collide with).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_cut_during_a_100k_row_insert_many_leaves_nothing() {
    within(async {
        const ROWS: i64 = 100_000;
        let sandbox = shared();
        let db = schema_database(sandbox).await;
        let proxy = FaultProxy::to_sandbox(sandbox).expect("proxy");
        let conn = connect(params(sandbox, proxy.port(), &db).max_connections(2));
        let orders = orders_repo(&conn);
        orders
            .insert_many((1..=10).map(order).collect())
            .await
            .expect("seed");
        let before = committed_orders(sandbox, &db).await;
        assert_eq!(before, 10);

        let batch = || (1_000..1_000 + ROWS).map(order).collect::<Vec<_>>();
        let up_before = proxy.stats().bytes_up;
        let started = Instant::now();
        let insert = {
            let (conn, rows) = (conn.clone(), batch());
            tokio::spawn(async move { orders_repo(&conn).insert_many(rows).await })
        };
        // Cut once 2 MB of the batch (about a third of it) went up: chunks of 20,000 rows
        // have been written inside the transaction by then, none committed.
        while proxy.stats().bytes_up < up_before + 2_000_000 {
            assert!(!insert.is_finished(), "insert_many ended before the cut");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let sent = proxy.stats().bytes_up - up_before;
        assert!(proxy.cut_all() >= 1);
        let result = insert.await.expect("join");
        eprintln!(
            "measured: link cut after {sent} bytes of a {ROWS}-row insert_many -> {result:?} after {:?}",
            started.elapsed()
        );
        let err = result.expect_err("the link was cut");
        assert!(is_connection_error(&err), "{err:?}");

        assert_eq!(committed_orders(sandbox, &db).await, before);
        no_open_transaction(sandbox, &db).await;
        assert_eq!(committed_orders(sandbox, &db).await, before);

        // The pool recovers, and the whole batch goes in: no row of the cut one was kept.
        let started = Instant::now();
        let written = orders
            .insert_many(batch())
            .await
            .expect("the same batch after the cut");
        eprintln!(
            "measured: {ROWS}-row insert_many through the proxy in {:?} ({} bytes up)",
            started.elapsed(),
            proxy.stats().bytes_up - up_before - sent
        );
        assert_eq!(written, u64::try_from(ROWS).expect("rows"));
        assert_eq!(committed_orders(sandbox, &db).await, before + ROWS);
        assert_eq!(
            orders
                .count(Condition::all().add(orders::Column::OrderId.gte(1_000))
                )
                .await
                .expect("count"),
            u64::try_from(ROWS).expect("rows")
        );
        conn.close().await;
    })
    .await;
}
