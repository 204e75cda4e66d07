//! Servers and settings that fail on purpose (closed port, no TLS, a foreign root
//! certificate, a wrong password), a terminal to run a command in, and timed runs.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use qsorm_connect::Password;
use qsorm_sandbox::Sandbox;

/// The longest a failing command may take: generous for a loaded CI machine, far below
/// the 30 s pool timeout it used to wait for.
pub const FAIL_FAST: Duration = Duration::from_secs(10);

/// A local port nothing listens on.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

/// A server that answers the TLS request with `N`, like a PostgreSQL with `ssl = off`
/// (it serves for the life of the test process).
pub fn server_without_tls() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut request = [0u8; 8];
                if stream.read_exact(&mut request).is_ok() {
                    let _ = stream.write_all(b"N");
                    let mut rest = Vec::new();
                    let _ = stream.read_to_end(&mut rest);
                }
            });
        }
    });
    port
}

/// A root certificate (PEM file in `dir`) of a CA that did not sign the sandbox's
/// certificate.
pub fn foreign_root(dir: &Path) -> PathBuf {
    let material = qsorm_sandbox::tls::generate().expect("a CA");
    let path = dir.join("foreign-root.crt");
    std::fs::write(&path, material.ca_cert_pem).expect("write root");
    path
}

/// The app role's URL for `db` with another password, or another root certificate.
pub fn app_url_with(sb: &Sandbox, db: &str, password: Option<&str>, root: Option<&Path>) -> String {
    let mut config = qsorm_connect::cli::sandbox_connection(sb, db, None)
        .expect("config")
        .config();
    if let Some(pw) = password {
        config.password = Some(Password::exact(pw));
    }
    if let Some(root) = root {
        config.sslrootcert = Some(root.to_path_buf());
    }
    config.url_with_password()
}

/// A finished run and how long it took.
pub struct Timed {
    /// The process output.
    pub out: Output,
    /// Wall-clock time.
    pub took: Duration,
}

impl Timed {
    /// stderr as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
}

/// Runs `cmd`, timing it.
pub fn timed(mut cmd: Command) -> Timed {
    let started = Instant::now();
    let out = cmd.output().expect("the command runs");
    Timed {
        out,
        took: started.elapsed(),
    }
}

/// `program args` run inside a pseudo-terminal (util-linux `script`), with exactly `env`
/// (plus PATH and HOME): stdin and stderr are terminals there. stdout and stderr come back
/// merged in `stdout`.
pub fn at_terminal(program: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let line = std::iter::once(program)
        .chain(args.iter().copied())
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = Command::new("script");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .args(["-q", "-e", "-c", &line, "/dev/null"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output()
        .expect("util-linux `script` runs (it gives the command a terminal)")
}
