//! A fault-injecting TCP proxy for tests: put it between a client and the sandbox (or any
//! server) and make the network misbehave on demand.
//!
//! | call | what the client sees |
//! |---|---|
//! | [`FaultProxy::stall`] | nothing moves either way on any link, old or new (bytes wait in the proxy, sockets stay open): a hung middlebox |
//! | [`FaultProxy::resume`] | forwarding goes on, held bytes included |
//! | [`FaultProxy::cut_all`] | every live link is reset on both sides (RST), like a crashed load balancer; new links still work |
//! | [`FaultProxy::refuse_new`] | new links are accepted and reset at once; live links go on |
//! | [`FaultProxy::stats`] | links accepted, live, refused, cut, failed upstream; bytes forwarded each way; PostgreSQL messages and `ReadyForQuery` (round trips) sent to clients |
//! | [`FaultProxy::set_latency`] | every chunk is held this long before it is forwarded, each way (links opened from then on): a distant server |
//!
//! The proxy runs on a thread and tokio runtime of its own, so it keeps forwarding while the
//! caller blocks (a `std::process::Command::output()`, a current-thread `#[tokio::test]`
//! busy elsewhere), and every control call is synchronous. Dropping the proxy closes its
//! port and resets every link.
//!
//! ```no_run
//! # fn demo() -> Result<(), qsorm_sandbox::SandboxError> {
//! use qsorm_sandbox::Sandbox;
//! use qsorm_sandbox::proxy::FaultProxy;
//!
//! let sandbox = Sandbox::shared()?;
//! let proxy = FaultProxy::to_sandbox(sandbox)?;
//! // Connect clients to 127.0.0.1:proxy.port() instead of sandbox.port(), then:
//! proxy.stall(); // ... a call now has to give up on its own
//! proxy.resume();
//! let cut = proxy.cut_all(); // every live link reset; `cut` of them
//! assert_eq!(proxy.stats().live, 0);
//! # let _ = cut; Ok(()) }
//! ```

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};

use crate::{HOST, Sandbox, SandboxError};

/// How long [`FaultProxy::cut_all`] waits for the links it cut to be gone.
const CUT_WAIT: Duration = Duration::from_secs(5);
/// Bytes read from a socket at a time.
const CHUNK: usize = 64 * 1024;

/// What the proxy has done so far (a snapshot).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxyStats {
    /// Client connections accepted and forwarded (refused ones not included).
    pub accepted: u64,
    /// Links open right now.
    pub live: u64,
    /// Client connections reset at once because new links were refused.
    pub refused: u64,
    /// Links reset by [`FaultProxy::cut_all`].
    pub cut: u64,
    /// Client connections closed because the upstream server could not be reached.
    pub upstream_failures: u64,
    /// Bytes forwarded from clients to the server.
    pub bytes_up: u64,
    /// Bytes forwarded from the server to clients.
    pub bytes_down: u64,
    /// PostgreSQL backend messages forwarded to clients (framed as the protocol frames them;
    /// links that switch to TLS are not counted past the switch).
    pub messages_down: u64,
    /// `ReadyForQuery` messages forwarded to clients: one per completed round trip (a simple
    /// query, or an extended-protocol batch ending in `Sync`).
    pub ready_for_query: u64,
}

/// State shared between the control handle and the proxy's tasks.
#[derive(Debug)]
struct Shared {
    /// `true` while stalled.
    stalled: watch::Sender<bool>,
    /// Bumped by every cut: a link opened under an older generation closes.
    generation: watch::Sender<u64>,
    refusing: AtomicBool,
    /// Live links: id -> generation they were opened under.
    links: Mutex<HashMap<u64, u64>>,
    /// Signalled whenever a link closes.
    closed: Condvar,
    next_id: AtomicU64,
    accepted: AtomicU64,
    refused: AtomicU64,
    cut: AtomicU64,
    upstream_failures: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    messages_down: AtomicU64,
    ready_for_query: AtomicU64,
    /// Delay added to each forwarded chunk, each way, in microseconds.
    latency_us: AtomicU64,
}

impl Shared {
    fn links(&self) -> std::sync::MutexGuard<'_, HashMap<u64, u64>> {
        self.links.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Removes a link from the live set when its task ends, however it ends.
struct LinkGuard {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for LinkGuard {
    fn drop(&mut self) {
        self.shared.links().remove(&self.id);
        self.shared.closed.notify_all();
    }
}

/// A running fault-injecting proxy on `127.0.0.1`; see the [module docs](self).
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// A proxy on a free port of `127.0.0.1` forwarding every connection to `upstream`.
    pub fn start(upstream: SocketAddr) -> Result<FaultProxy, SandboxError> {
        let listener = StdListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| SandboxError::io("binding the fault proxy to 127.0.0.1:0", e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| SandboxError::io("setting the fault proxy's socket non-blocking", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| SandboxError::io("reading the fault proxy's address", e))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SandboxError::io("building the fault proxy's runtime", e))?;
        let shared = Arc::new(Shared {
            stalled: watch::Sender::new(false),
            generation: watch::Sender::new(0),
            refusing: AtomicBool::new(false),
            links: Mutex::new(HashMap::new()),
            closed: Condvar::new(),
            next_id: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            cut: AtomicU64::new(0),
            upstream_failures: AtomicU64::new(0),
            bytes_up: AtomicU64::new(0),
            bytes_down: AtomicU64::new(0),
            messages_down: AtomicU64::new(0),
            ready_for_query: AtomicU64::new(0),
            latency_us: AtomicU64::new(0),
        });
        let (shutdown, stop) = oneshot::channel();
        let task_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("qsorm-fault-proxy-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    match TcpListener::from_std(listener) {
                        Ok(listener) => {
                            tokio::select! {
                                () = accept_loop(listener, upstream, task_shared) => {}
                                _ = stop => {}
                            }
                        }
                        Err(e) => tracing::warn!("fault proxy on {addr}: {e}"),
                    }
                });
                // Dropping the runtime drops every link task, closing their sockets.
            })
            .map_err(|e| SandboxError::io("spawning the fault proxy's thread", e))?;
        Ok(FaultProxy {
            addr,
            upstream,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// A proxy in front of `sandbox`'s server (it keeps forwarding to the same port across
    /// [`Sandbox::restart_server`]).
    pub fn to_sandbox(sandbox: &Sandbox) -> Result<FaultProxy, SandboxError> {
        let ip: Ipv4Addr = HOST
            .parse()
            .map_err(|_| SandboxError::Cluster(format!("sandbox host {HOST} is not an IPv4")))?;
        FaultProxy::start(SocketAddr::from((ip, sandbox.port())))
    }

    /// Always `127.0.0.1`.
    pub fn host(&self) -> &str {
        HOST
    }

    /// The port clients connect to.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address links are forwarded to.
    pub fn upstream(&self) -> SocketAddr {
        self.upstream
    }

    /// Stops forwarding in both directions on every link, live and future. Nothing is lost:
    /// bytes read before or during the stall are held and sent on [`FaultProxy::resume`].
    pub fn stall(&self) {
        self.shared.stalled.send_replace(true);
    }

    /// Forwards again after [`FaultProxy::stall`].
    pub fn resume(&self) {
        self.shared.stalled.send_replace(false);
    }

    /// Whether the proxy is stalled.
    pub fn is_stalled(&self) -> bool {
        *self.shared.stalled.borrow()
    }

    /// Resets every live link on both sides (the client and the server each get an RST, as
    /// when a middlebox dies) and returns how many there were. Returns once they are closed
    /// (at most a few seconds). New links are accepted as usual; a stall stays in force.
    pub fn cut_all(&self) -> usize {
        // Counted under the lock, before the links learn of the cut and start leaving.
        let mut links = self.shared.links();
        let mut cut_generation = 0;
        self.shared.generation.send_modify(|g| {
            *g += 1;
            cut_generation = *g;
        });
        let count = links.values().filter(|g| **g < cut_generation).count();
        let deadline = Instant::now() + CUT_WAIT;
        while links.values().any(|g| *g < cut_generation) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                tracing::warn!("fault proxy: links still open {CUT_WAIT:?} after a cut");
                break;
            }
            links = self
                .shared
                .closed
                .wait_timeout(links, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let count = u64::try_from(count).unwrap_or(u64::MAX);
        self.shared.cut.fetch_add(count, Ordering::Relaxed);
        usize::try_from(count).unwrap_or(usize::MAX)
    }

    /// `true`: accept new connections and reset them at once (the client sees its connection
    /// reset before any byte); `false`: forward them again. Live links are not touched.
    pub fn refuse_new(&self, refuse: bool) {
        self.shared.refusing.store(refuse, Ordering::SeqCst);
    }

    /// Holds every chunk `latency` before forwarding it, in each direction (a round trip
    /// pays it twice), on links opened from now on; `Duration::ZERO` turns it off. Chunks
    /// keep their order and do not wait for each other: a chunk read while another is held
    /// leaves `latency` after it was read.
    pub fn set_latency(&self, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.shared.latency_us.store(us, Ordering::SeqCst);
    }

    /// The latency set by [`FaultProxy::set_latency`].
    pub fn latency(&self) -> Duration {
        Duration::from_micros(self.shared.latency_us.load(Ordering::SeqCst))
    }

    /// Counters so far.
    pub fn stats(&self) -> ProxyStats {
        let s = &self.shared;
        ProxyStats {
            accepted: s.accepted.load(Ordering::Relaxed),
            live: u64::try_from(s.links().len()).unwrap_or(u64::MAX),
            refused: s.refused.load(Ordering::Relaxed),
            cut: s.cut.load(Ordering::Relaxed),
            upstream_failures: s.upstream_failures.load(Ordering::Relaxed),
            bytes_up: s.bytes_up.load(Ordering::Relaxed),
            bytes_down: s.bytes_down.load(Ordering::Relaxed),
            messages_down: s.messages_down.load(Ordering::Relaxed),
            ready_for_query: s.ready_for_query.load(Ordering::Relaxed),
        }
    }
}

impl Drop for FaultProxy {
    /// Closes the port and resets every link.
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, shared: Arc<Shared>) {
    loop {
        let client = match listener.accept().await {
            Ok((client, _)) => client,
            Err(e) => {
                // Out of descriptors and the like: wait a little rather than spin.
                tracing::warn!("fault proxy accept: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if shared.refusing.load(Ordering::SeqCst) {
            shared.refused.fetch_add(1, Ordering::Relaxed);
            reset(client);
            continue;
        }
        shared.accepted.fetch_add(1, Ordering::Relaxed);
        let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
        let generation = *shared.generation.borrow();
        shared.links().insert(id, generation);
        let guard = LinkGuard {
            shared: shared.clone(),
            id,
        };
        tokio::spawn(link(client, upstream, generation, guard));
    }
}

/// Closes a socket with an RST rather than a FIN.
fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

/// One client link: connect upstream, pump both ways until both sides are done, an error,
/// or a cut.
async fn link(client: TcpStream, upstream: SocketAddr, generation: u64, guard: LinkGuard) {
    let shared = guard.shared.clone();
    let mut cuts = shared.generation.subscribe();
    let server = tokio::select! {
        s = TcpStream::connect(upstream) => s,
        _ = cuts.wait_for(|g| *g != generation) => {
            reset(client);
            return;
        }
    };
    let server = match server {
        Ok(s) => s,
        Err(e) => {
            tracing::debug!("fault proxy: upstream {upstream}: {e}");
            shared.upstream_failures.fetch_add(1, Ordering::Relaxed);
            reset(client);
            return;
        }
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    // Zero linger: dropping a socket (a cut, an error, the proxy's end) sends an RST.
    let _ = client.set_zero_linger();
    let _ = server.set_zero_linger();
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let latency = Duration::from_micros(shared.latency_us.load(Ordering::SeqCst));
    let up = pump(
        client_read,
        server_write,
        shared.stalled.subscribe(),
        Tally::up(&shared),
        latency,
    );
    let down = pump(
        server_read,
        client_write,
        shared.stalled.subscribe(),
        Tally::down(&shared),
        latency,
    );
    tokio::select! {
        _ = async { tokio::try_join!(up, down) } => {}
        _ = cuts.wait_for(|g| *g != generation) => {}
    }
    // The halves drop here (RST); then the guard leaves the live set.
    drop(guard);
}

/// Waits while the proxy is stalled.
async fn unstalled(stalled: &mut watch::Receiver<bool>) {
    // An error means the proxy is going away; the caller is dropped soon after.
    let _ = stalled.wait_for(|s| !*s).await;
}

/// What one direction counts as it forwards.
struct Tally<'a> {
    bytes: &'a AtomicU64,
    /// Server-to-client only: the message framer and its counters.
    frames: Option<(Frames, &'a AtomicU64, &'a AtomicU64)>,
}

impl<'a> Tally<'a> {
    fn up(shared: &'a Shared) -> Tally<'a> {
        Tally {
            bytes: &shared.bytes_up,
            frames: None,
        }
    }

    fn down(shared: &'a Shared) -> Tally<'a> {
        Tally {
            bytes: &shared.bytes_down,
            frames: Some((
                Frames::default(),
                &shared.messages_down,
                &shared.ready_for_query,
            )),
        }
    }

    fn forwarded(&mut self, bytes: &[u8]) {
        let n = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        self.bytes.fetch_add(n, Ordering::Relaxed);
        if let Some((frames, messages, ready)) = &mut self.frames {
            let (m, r) = frames.feed(bytes);
            messages.fetch_add(m, Ordering::Relaxed);
            ready.fetch_add(r, Ordering::Relaxed);
        }
    }
}

/// Splits the server-to-client byte stream into PostgreSQL messages (a type byte and a
/// 4-byte length that counts itself) to count them. The one-byte answer to an `SSLRequest`
/// (`N`) is skipped; after `S` (TLS) nothing is counted.
#[derive(Debug, Default)]
struct Frames {
    started: bool,
    encrypted: bool,
    header: [u8; 5],
    have: usize,
    skip: usize,
}

impl Frames {
    /// Counts the messages that end in `buf`: (all, `ReadyForQuery`).
    fn feed(&mut self, mut buf: &[u8]) -> (u64, u64) {
        let (mut messages, mut ready) = (0, 0);
        if !self.started && !buf.is_empty() {
            self.started = true;
            match buf[0] {
                b'N' => buf = &buf[1..],
                b'S' => self.encrypted = true,
                _ => {}
            }
        }
        while !self.encrypted && !buf.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(buf.len());
                self.skip -= n;
                buf = &buf[n..];
                continue;
            }
            let n = (5 - self.have).min(buf.len());
            self.header[self.have..self.have + n].copy_from_slice(&buf[..n]);
            self.have += n;
            buf = &buf[n..];
            if self.have == 5 {
                self.have = 0;
                let len = u32::from_be_bytes([
                    self.header[1],
                    self.header[2],
                    self.header[3],
                    self.header[4],
                ]);
                self.skip = usize::try_from(len).unwrap_or(usize::MAX).saturating_sub(4);
                messages += 1;
                if self.header[0] == b'Z' {
                    ready += 1;
                }
            }
        }
        (messages, ready)
    }
}

/// Copies one direction, holding bytes while stalled (and `latency` after each read). On
/// EOF the write side is shut down (a half-close travels through).
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    mut stalled: watch::Receiver<bool>,
    mut tally: Tally<'_>,
    latency: Duration,
) -> std::io::Result<()> {
    if !latency.is_zero() {
        return delayed_pump(from, to, stalled, tally, latency).await;
    }
    let mut buf = vec![0u8; CHUNK];
    loop {
        unstalled(&mut stalled).await;
        let n = from.read(&mut buf).await?;
        if n == 0 {
            to.shutdown().await?;
            return Ok(());
        }
        // Bytes that arrived as the stall began are held too.
        unstalled(&mut stalled).await;
        to.write_all(&buf[..n]).await?;
        tally.forwarded(&buf[..n]);
    }
}

/// [`pump`] with a delay: a reader stamps each chunk with its due time, a writer sends it
/// then, so chunks in flight are delayed together rather than one after another.
async fn delayed_pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    mut stalled: watch::Receiver<bool>,
    mut tally: Tally<'_>,
    latency: Duration,
) -> std::io::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Instant, Vec<u8>)>(64);
    let mut write_stalled = stalled.clone();
    let read = async move {
        let mut buf = vec![0u8; CHUNK];
        loop {
            unstalled(&mut stalled).await;
            let n = from.read(&mut buf).await?;
            if n == 0 {
                return Ok::<(), std::io::Error>(());
            }
            if tx
                .send((Instant::now() + latency, buf[..n].to_vec()))
                .await
                .is_err()
            {
                return Ok(());
            }
        }
    };
    let write = async move {
        while let Some((due, bytes)) = rx.recv().await {
            tokio::time::sleep_until(due.into()).await;
            unstalled(&mut write_stalled).await;
            to.write_all(&bytes).await?;
            tally.forwarded(&bytes);
        }
        to.shutdown().await
    };
    tokio::try_join!(read, write).map(|_| ())
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream as StdStream;

    use super::*;

    /// An echo server on a thread; returns its address.
    fn echo_server() -> SocketAddr {
        let listener = StdListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        let addr = listener.local_addr().expect("addr");
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                std::thread::spawn(move || {
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = stream.read(&mut buf) {
                        if n == 0 || stream.write_all(&buf[..n]).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        addr
    }

    fn connect(proxy: &FaultProxy) -> StdStream {
        let s = StdStream::connect(proxy.addr()).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        s
    }

    fn echo(s: &mut StdStream, text: &[u8]) -> Vec<u8> {
        s.write_all(text).expect("write");
        let mut got = vec![0u8; text.len()];
        s.read_exact(&mut got).expect("read");
        got
    }

    fn wait_live(proxy: &FaultProxy, n: u64) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while proxy.stats().live != n {
            assert!(Instant::now() < deadline, "{:?}", proxy.stats());
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn forwards_stalls_cuts_and_refuses() {
        let proxy = FaultProxy::start(echo_server()).expect("proxy");
        let mut a = connect(&proxy);
        assert_eq!(echo(&mut a, b"hello"), b"hello");
        let stats = proxy.stats();
        assert_eq!((stats.accepted, stats.live, stats.bytes_up), (1, 1, 5));

        // Stalled: nothing comes back; resumed: the held bytes arrive.
        proxy.stall();
        a.write_all(b"held").expect("write");
        a.set_read_timeout(Some(Duration::from_millis(300)))
            .expect("timeout");
        let mut buf = [0u8; 4];
        let err = a.read(&mut buf).expect_err("nothing while stalled");
        assert!(
            matches!(
                err.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "{err:?}"
        );
        proxy.resume();
        a.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        a.read_exact(&mut buf).expect("held bytes after resume");
        assert_eq!(&buf, b"held");

        // Cut: the live link is reset, a new one works.
        assert_eq!(proxy.cut_all(), 1);
        assert_eq!(proxy.stats().live, 0);
        let gone = a.write_all(b"x").and_then(|()| a.read(&mut buf));
        assert!(matches!(gone, Ok(0) | Err(_)), "{gone:?}");
        let mut b = connect(&proxy);
        assert_eq!(echo(&mut b, b"again"), b"again");

        // Refused: a new link is reset at once, the live one goes on.
        proxy.refuse_new(true);
        let mut c = connect(&proxy);
        let refused = c.write_all(b"x").and_then(|()| c.read(&mut buf));
        assert!(matches!(refused, Ok(0) | Err(_)), "{refused:?}");
        assert_eq!(echo(&mut b, b"still"), b"still");
        proxy.refuse_new(false);
        let stats = proxy.stats();
        assert_eq!((stats.accepted, stats.refused, stats.cut), (2, 1, 1));
        // "hello", "held", "again", "still" (and "x" if it got through before the reset).
        assert!((19..=20).contains(&stats.bytes_up), "{stats:?}");
        drop(b);
        wait_live(&proxy, 0);
    }

    #[test]
    fn frames_count_messages_and_round_trips_across_chunks() {
        let mut f = Frames::default();
        // 'N' (no TLS), AuthenticationOk, then ReadyForQuery split over two chunks.
        let mut bytes = vec![b'N', b'R', 0, 0, 0, 8, 0, 0, 0, 0];
        bytes.extend_from_slice(&[b'Z', 0, 0, 0, 5, b'I']);
        assert_eq!(f.feed(&bytes[..13]), (1, 0));
        assert_eq!(f.feed(&bytes[13..]), (1, 1));
        let mut tls = Frames::default();
        assert_eq!(tls.feed(&[b'S', b'Z', 0, 0, 0, 5, b'I']), (0, 0));
    }

    #[test]
    fn latency_delays_each_way() {
        let proxy = FaultProxy::start(echo_server()).expect("proxy");
        proxy.set_latency(Duration::from_millis(40));
        assert_eq!(proxy.latency(), Duration::from_millis(40));
        let mut a = connect(&proxy);
        let started = Instant::now();
        assert_eq!(echo(&mut a, b"slow"), b"slow");
        assert!(started.elapsed() >= Duration::from_millis(80));
    }

    #[test]
    fn an_unreachable_upstream_closes_the_client() {
        // A port nothing listens on (bound, then released).
        let port = StdListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let proxy =
            FaultProxy::start(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).expect("proxy");
        let mut s = connect(&proxy);
        let mut buf = [0u8; 1];
        let got = s.read(&mut buf);
        assert!(matches!(got, Ok(0) | Err(_)), "{got:?}");
        let deadline = Instant::now() + Duration::from_secs(5);
        while proxy.stats().upstream_failures == 0 {
            assert!(Instant::now() < deadline, "{:?}", proxy.stats());
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
