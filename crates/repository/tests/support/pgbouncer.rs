//! A pgbouncer in transaction-pooling mode in front of the sandbox (Debian package
//! `pgbouncer`, installed by .ci/run).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use qsorm_sandbox::Sandbox;

/// A running pgbouncer; killed on drop.
pub struct PgBouncer {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

fn binary() -> PathBuf {
    for candidate in ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"] {
        if std::path::Path::new(candidate).is_file() {
            return candidate.into();
        }
    }
    which("pgbouncer").unwrap_or_else(|| {
        panic!("pgbouncer not found: install it (`apt-get install -y pgbouncer`; .ci/run does)")
    })
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| PathBuf::from(d).join(name))
        .find(|p| p.is_file())
}

impl PgBouncer {
    /// Starts pgbouncer on a free port, forwarding every database to the sandbox as its
    /// superuser, with `pool_mode = transaction` and two server connections per pool.
    pub fn start(sb: &Sandbox) -> PgBouncer {
        let dir = tempfile::Builder::new()
            .prefix("qsorm-pgbouncer-")
            .tempdir()
            .expect("dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let ini = dir.path().join("pgbouncer.ini");
        std::fs::write(
            &ini,
            format!(
                "[databases]\n* = host=127.0.0.1 port={} user={}\n\n[pgbouncer]\n\
                 listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
                 auth_type = any\npool_mode = transaction\ndefault_pool_size = 2\n\
                 max_client_conn = 100\nserver_tls_sslmode = disable\n\
                 ignore_startup_parameters = extra_float_digits,options\n\
                 logfile = {dir}/pgbouncer.log\npidfile = {dir}/pgbouncer.pid\n",
                sb.port(),
                sb.superuser(),
                dir = dir.path().display()
            ),
        )
        .expect("ini");
        let mut cmd = Command::new(binary());
        if nix::unistd::geteuid().is_root() {
            // pgbouncer refuses to run as root: hand the directory to `postgres` and switch.
            let status = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(status.success());
            let mut perms = std::fs::metadata(dir.path()).expect("meta").permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
            std::fs::set_permissions(dir.path(), perms).expect("chmod");
            cmd.args(["-u", "postgres"]);
        }
        let child = cmd
            .arg(&ini)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pgbouncer starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "pgbouncer did not listen: {}",
                log(&dir)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        PgBouncer {
            child,
            port,
            _dir: dir,
        }
    }
}

fn log(dir: &tempfile::TempDir) -> String {
    std::fs::read_to_string(dir.path().join("pgbouncer.log")).unwrap_or_default()
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
