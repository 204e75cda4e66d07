//! A pgbouncer in transaction-pooling mode for tests (Debian package `pgbouncer`, installed
//! by .ci/run), in front of the sandbox PostgreSQL or of any server (the local Query
//! Service: TLS and a cleartext token login upstream, TLS towards the clients).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::SandboxError;

/// The server pgbouncer forwards to.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Database name on the server.
    pub dbname: String,
    /// User pgbouncer logs in as.
    pub user: String,
    /// Password (or token); `None` for trust.
    pub password: Option<String>,
    /// `server_tls_sslmode` (`disable`, `require`, ...).
    pub tls: &'static str,
}

/// A running pgbouncer; killed on drop.
pub struct PgBouncer {
    child: Child,
    port: u16,
    ca_cert: Option<PathBuf>,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for PgBouncer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBouncer")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

fn binary() -> Result<PathBuf, SandboxError> {
    let mut candidates: Vec<PathBuf> =
        vec!["/usr/sbin/pgbouncer".into(), "/usr/bin/pgbouncer".into()];
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join("pgbouncer")));
    }
    candidates.into_iter().find(|p| p.is_file()).ok_or_else(|| {
        SandboxError::Helper(
            "pgbouncer not found: install it (`apt-get install -y pgbouncer`; .ci/run does)"
                .to_owned(),
        )
    })
}

/// A value for pgbouncer's connection string: single-quoted, quotes doubled.
fn conn_value(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Maps an I/O error to a [`SandboxError`] saying what was being done.
fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> SandboxError {
    move |e| SandboxError::io(what, e)
}

/// The text of `pgbouncer.ini` (without client TLS): every database goes to `upstream`.
fn config(upstream: &Upstream, port: u16, dir: &Path) -> String {
    let mut target = format!(
        "host={} port={} dbname={} user={}",
        upstream.host,
        upstream.port,
        conn_value(&upstream.dbname),
        conn_value(&upstream.user)
    );
    if let Some(p) = &upstream.password {
        target.push_str(&format!(" password={}", conn_value(p)));
    }
    format!(
        "[databases]\n* = {target}\n\n[pgbouncer]\n\
         listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
         auth_type = any\npool_mode = transaction\ndefault_pool_size = 2\n\
         max_client_conn = 100\nserver_tls_sslmode = {}\n\
         ignore_startup_parameters = extra_float_digits,options\n\
         logfile = {dir}/pgbouncer.log\npidfile = {dir}/pgbouncer.pid\n",
        upstream.tls,
        dir = dir.display()
    )
}

/// Writes a fresh CA and server certificate into `dir`, adds the client TLS settings to
/// `ini`, and returns the CA's path.
fn write_client_tls(dir: &Path, ini: &mut String) -> Result<PathBuf, SandboxError> {
    let material = crate::tls::generate()?;
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).map(|_| path)
    };
    let ca = write("ca.crt", &material.ca_cert_pem).map_err(io("writing ca.crt"))?;
    let cert = write("server.crt", &material.server_cert_pem).map_err(io("writing server.crt"))?;
    let key = write("server.key", &material.server_key_pem).map_err(io("writing server.key"))?;
    ini.push_str(&format!(
        "client_tls_sslmode = require\nclient_tls_cert_file = {}\nclient_tls_key_file = {}\n",
        cert.display(),
        key.display()
    ));
    Ok(ca)
}

/// pgbouncer refuses to run as root: hands `dir` to `postgres` and has `cmd` switch to it.
fn run_as_postgres(dir: &Path, cmd: &mut Command) -> Result<(), SandboxError> {
    let status = Command::new("chown")
        .args(["-R", "postgres"])
        .arg(dir)
        .status()
        .map_err(io("chown"))?;
    if !status.success() {
        return Err(SandboxError::Helper(
            "chown of the pgbouncer dir failed".into(),
        ));
    }
    let mut perms = std::fs::metadata(dir).map_err(io("stat"))?.permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(dir, perms).map_err(io("chmod"))?;
    cmd.args(["-u", "postgres"]);
    Ok(())
}

impl PgBouncer {
    /// Starts pgbouncer on a free port of 127.0.0.1: `pool_mode = transaction`, two server
    /// connections per pool, clients accepted without a password (`auth_type = any`); every
    /// database name a client asks for goes to `upstream`. With `client_tls`, clients must
    /// use TLS (a certificate signed by a CA made here: [`PgBouncer::ca_cert_path`]).
    pub fn start(upstream: &Upstream, client_tls: bool) -> Result<PgBouncer, SandboxError> {
        let dir = tempfile::Builder::new()
            .prefix("qsorm-pgbouncer-")
            .tempdir()
            .map_err(io("creating the pgbouncer dir"))?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(io("finding a free port"))?
            .port();
        let mut ini = config(upstream, port, dir.path());
        let mut ca_cert = None;
        if client_tls {
            ca_cert = Some(write_client_tls(dir.path(), &mut ini)?);
        }
        let ini_path = dir.path().join("pgbouncer.ini");
        std::fs::write(&ini_path, ini).map_err(io("writing pgbouncer.ini"))?;
        let mut cmd = Command::new(binary()?);
        if nix::unistd::geteuid().is_root() {
            run_as_postgres(dir.path(), &mut cmd)?;
        }
        let child = cmd
            .arg(&ini_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(io("starting pgbouncer"))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut bouncer = PgBouncer {
            child,
            port,
            ca_cert,
            dir,
        };
        bouncer.wait_listening(deadline)?;
        Ok(bouncer)
    }

    /// Waits until pgbouncer accepts connections, failing with its log past `deadline` or
    /// when it exits.
    fn wait_listening(&mut self, deadline: Instant) -> Result<(), SandboxError> {
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline {
                return Err(SandboxError::Helper(format!(
                    "pgbouncer did not listen within 10 s: {}",
                    self.log()
                )));
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(SandboxError::Helper(format!(
                    "pgbouncer exited ({status}): {}",
                    self.log()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The CA of the client-side certificate, when started with `client_tls`.
    pub fn ca_cert_path(&self) -> Option<&Path> {
        self.ca_cert.as_deref()
    }

    /// pgbouncer's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pgbouncer.log")).unwrap_or_default()
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
