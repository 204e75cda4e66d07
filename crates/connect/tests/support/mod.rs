//! Test support: sandbox access, fake servers, log capture.

#![allow(dead_code)]

pub mod tls_proxy;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use qsorm_connect::{ConnParams, QsConnection, SslMode};
use qsorm_sandbox::{Sandbox, SandboxOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub fn sandbox() -> &'static Sandbox {
    Sandbox::shared().expect("sandbox starts")
}

/// A second cluster, TLS off, shared by the tests of this binary.
pub fn plain_sandbox() -> &'static Sandbox {
    static PLAIN: std::sync::OnceLock<Sandbox> = std::sync::OnceLock::new();
    PLAIN.get_or_init(|| {
        Sandbox::start(SandboxOptions {
            tls: false,
            ..SandboxOptions::default()
        })
        .expect("plain sandbox starts")
    })
}

/// The sandbox's password role over verify-full TLS.
pub fn app_params(sb: &Sandbox, db: &str) -> ConnParams {
    let mut p = ConnParams::default()
        .host(sb.host())
        .port(sb.port())
        .database(db)
        .user(sb.app_user())
        .password(sb.app_password());
    match sb.ca_cert_path() {
        Some(ca) => {
            p = p.sslmode(SslMode::VerifyFull).sslrootcert(ca.to_path_buf());
        }
        None => p = p.sslmode(SslMode::Prefer),
    }
    p
}

pub async fn ssl_in_use(conn: &QsConnection) -> bool {
    let rows = conn
        .simple_query("SELECT ssl::text AS ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .await
        .expect("pg_stat_ssl");
    let ssl: String = rows[0].try_get("", "ssl").expect("ssl column");
    ssl == "true"
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A port where nothing listens.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A self-signed CA that signed nothing the sandbox uses.
pub fn write_unrelated_ca() -> PathBuf {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("cert");
    let path = std::env::temp_dir().join(format!("qsorm-wrong-ca-{}.crt", std::process::id()));
    std::fs::write(&path, cert.pem()).expect("write");
    path
}

/// Accepts TCP connections and counts them, answering nothing.
pub struct CountingListener {
    pub port: u16,
    pub accepted: Arc<AtomicUsize>,
}

impl CountingListener {
    pub async fn start() -> CountingListener {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                drop(sock);
            }
        });
        CountingListener { port, accepted }
    }
}

/// Forwards `bind_ip:<port>` to the sandbox, so it can be reached by a name its certificate lacks.
pub struct Forwarder {
    pub port: u16,
}

impl Forwarder {
    pub async fn start(bind_ip: &str, target_port: u16) -> Forwarder {
        let listener = TcpListener::bind((bind_ip, 0)).await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                tokio::spawn(async move {
                    if let Ok(mut outbound) =
                        tokio::net::TcpStream::connect(("127.0.0.1", target_port)).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Forwarder { port }
    }
}

/// A fake server that refuses TLS ('N'), then asks for a cleartext password, recording every
/// byte the client sends.
pub struct CleartextServer {
    pub port: u16,
    received: Arc<tokio::sync::Mutex<Vec<u8>>>,
}

impl CleartextServer {
    pub async fn start() -> CleartextServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let received = Arc::new(tokio::sync::Mutex::new(Vec::new()));
        let log = received.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    loop {
                        let mut len = [0u8; 4];
                        if sock.read_exact(&mut len).await.is_err() {
                            return;
                        }
                        let n = u32::from_be_bytes(len) as usize;
                        let mut body = vec![0u8; n.saturating_sub(4)];
                        if sock.read_exact(&mut body).await.is_err() {
                            return;
                        }
                        let mut seen = log.lock().await;
                        seen.extend_from_slice(&len);
                        seen.extend_from_slice(&body);
                        drop(seen);
                        if body.starts_with(&[0x04, 0xd2, 0x16, 0x2f]) {
                            // SSLRequest: refuse TLS.
                            let _ = sock.write_all(b"N").await;
                        } else {
                            // StartupMessage: AuthenticationCleartextPassword, then read the reply.
                            let _ = sock.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 3]).await;
                            let mut rest = vec![0u8; 512];
                            if let Ok(Ok(k)) = tokio::time::timeout(
                                std::time::Duration::from_secs(2),
                                sock.read(&mut rest),
                            )
                            .await
                            {
                                log.lock().await.extend_from_slice(&rest[..k]);
                            }
                            return;
                        }
                    }
                });
            }
        });
        CleartextServer { port, received }
    }

    pub async fn received(&self) -> Vec<u8> {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        self.received.lock().await.clone()
    }
}

/// Captures every tracing event (TRACE and up) as text.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

pub fn capture_logs() -> Logs {
    Logs::default()
}

impl Logs {
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        let sink = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || sink.clone())
            .with_ansi(false)
            .finish()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
