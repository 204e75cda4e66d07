//! Test infrastructure for failure paths: servers that fail on purpose (a closed port, a
//! server without TLS, a foreign root certificate), a terminal to run a command in, and timed
//! runs of a command. Shared by the tests of the tools (`entity-gen`, `migrate`).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::SandboxError;

/// The longest a failing command may take: generous for a loaded CI machine, far below
/// the 30 s pool timeout the tools used to wait for.
pub const FAIL_FAST: Duration = Duration::from_secs(10);

/// A local port nothing listens on (bound, then released).
pub fn closed_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A server that answers the TLS request with `N`, like a PostgreSQL with `ssl = off`
/// (it serves for the life of the process); returns its port.
pub fn server_without_tls() -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
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
    Ok(port)
}

/// Writes, in `dir`, the root certificate (PEM) of a CA that did not sign the sandbox's
/// certificate, and returns its path.
pub fn foreign_root(dir: &Path) -> Result<PathBuf, SandboxError> {
    let material = crate::tls::generate()?;
    let path = dir.join("foreign-root.crt");
    std::fs::write(&path, material.ca_cert_pem)
        .map_err(|e| SandboxError::io(path.display().to_string(), e))?;
    Ok(path)
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

/// Runs `cmd` to completion, timing it.
pub fn timed(mut cmd: Command) -> std::io::Result<Timed> {
    let started = Instant::now();
    let out = cmd.output()?;
    Ok(Timed {
        out,
        took: started.elapsed(),
    })
}

/// `program args` run inside a pseudo-terminal (util-linux `script`), with exactly `env`
/// (plus PATH and HOME): stdin and stderr are terminals there. stdout and stderr come back
/// merged in `stdout`.
pub fn at_terminal(program: &str, args: &[&str], env: &[(&str, &str)]) -> std::io::Result<Output> {
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
}
