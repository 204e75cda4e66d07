//! Creating, configuring, starting and stopping a PostgreSQL cluster with initdb and pg_ctl.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::binaries::PgBinaries;
use crate::os_user::{ServerUser, write_file};
use crate::{SUPERUSER, SandboxError};

/// Longest unix socket path (sun_path is 108 bytes including the NUL).
const MAX_SOCKET_PATH: usize = 107;
const START_ATTEMPTS: usize = 5;

/// Where the files of one sandbox live. `dir` holds everything; `dir/data` is PGDATA.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) dir: PathBuf,
    pub(crate) data: PathBuf,
    pub(crate) socket_dir: PathBuf,
    pub(crate) log: PathBuf,
    pub(crate) ca_cert: PathBuf,
    pub(crate) server_cert: PathBuf,
    pub(crate) server_key: PathBuf,
    /// The app role's password (persistent clusters), mode 0600.
    pub(crate) app_password: PathBuf,
    /// Pid of the process that started the running server (persistent clusters).
    pub(crate) owner_pid: PathBuf,
    /// Serializes concurrent `persistent()` starts.
    pub(crate) lock: PathBuf,
    /// Held shared by every process using a persistent server; the last one to leave stops it.
    pub(crate) users: PathBuf,
}

impl Layout {
    pub(crate) fn new(dir: &Path) -> Self {
        let socket_dir = if dir.as_os_str().len() + "/.s.PGSQL.65535".len() <= MAX_SOCKET_PATH {
            dir.to_path_buf()
        } else {
            std::env::temp_dir().join(format!("qsorm-sock-{:016x}", crate::paths::fnv1a(dir)))
        };
        Layout {
            dir: dir.to_path_buf(),
            data: dir.join("data"),
            socket_dir,
            log: dir.join("server.log"),
            ca_cert: dir.join("ca.crt"),
            server_cert: dir.join("server.crt"),
            server_key: dir.join("server.key"),
            app_password: dir.join("app_password"),
            owner_pid: dir.join("owner.pid"),
            lock: dir.join(".lock"),
            users: dir.join("users.lock"),
        }
    }

    /// True when initdb completed here.
    pub(crate) fn is_initialized(&self) -> bool {
        self.data.join("PG_VERSION").is_file() && self.data.join("qsorm.conf").is_file()
    }
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

fn run(cmd: &mut Command) -> Result<Output, SandboxError> {
    let what = describe(cmd);
    let out = cmd
        .output()
        .map_err(|e| SandboxError::io(format!("running {what}"), e))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(SandboxError::Command {
            command: what,
            status: out.status.to_string(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        })
    }
}

/// initdb (C.UTF-8 locale, or `--no-locale` where that locale is missing), then our
/// pg_hba.conf and an `include 'qsorm.conf'` line in postgresql.conf.
pub(crate) fn initdb(
    bins: &PgBinaries,
    user: &ServerUser,
    layout: &Layout,
) -> Result<(), SandboxError> {
    let attempt = |locale: &str| {
        let mut cmd = user.command(&bins.initdb());
        cmd.arg("-D")
            .arg(&layout.data)
            .args(["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", locale])
            .arg("--no-sync");
        run(&mut cmd)
    };
    match attempt("--locale=C.UTF-8") {
        Ok(_) => {}
        Err(SandboxError::Command { output, .. }) if output.contains("locale") => {
            tracing::debug!("initdb with C.UTF-8 failed, retrying with --no-locale: {output}");
            attempt("--no-locale")?;
        }
        Err(e) => return Err(e),
    }
    let conf = layout.data.join("postgresql.conf");
    let mut text = fs::read_to_string(&conf)
        .map_err(|e| SandboxError::io(format!("reading {}", conf.display()), e))?;
    text.push_str("\n# qsorm sandbox settings (rewritten at every start)\ninclude 'qsorm.conf'\n");
    write_file(user, &conf, text.as_bytes(), 0o600)?;
    // A placeholder so that `is_initialized` only holds once all of the above is done.
    write_file(user, &layout.data.join("qsorm.conf"), b"", 0o600)
}

/// Client authentication, rewritten at every start. Members of `qsorm_cleartext` log in the
/// way Query Service asks for: a cleartext password, and only over TLS.
const HBA: &str = "# qsorm sandbox\n\
                   local all all trust\n\
                   host all postgres 127.0.0.1/32 trust\n\
                   hostssl all +qsorm_cleartext 127.0.0.1/32 password\n\
                   hostnossl all +qsorm_cleartext 127.0.0.1/32 reject\n\
                   host all all 127.0.0.1/32 scram-sha-256\n";

fn conf_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn write_settings(
    user: &ServerUser,
    layout: &Layout,
    port: u16,
    tls: bool,
    preload: bool,
) -> Result<(), SandboxError> {
    let path = |p: &Path| conf_quote(&p.to_string_lossy());
    let mut s = format!(
        "listen_addresses = '127.0.0.1'\n\
         port = {port}\n\
         unix_socket_directories = {}\n\
         max_connections = 200\n\
         fsync = off\n\
         synchronous_commit = off\n\
         full_page_writes = off\n\
         password_encryption = 'scram-sha-256'\n",
        path(&layout.socket_dir)
    );
    if tls {
        s.push_str(&format!(
            "ssl = on\nssl_cert_file = {}\nssl_key_file = {}\n",
            path(&layout.server_cert),
            path(&layout.server_key)
        ));
    } else {
        s.push_str("ssl = off\n");
    }
    if preload {
        s.push_str(
            "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = all\n",
        );
    }
    write_file(
        user,
        &layout.data.join("pg_hba.conf"),
        HBA.as_bytes(),
        0o600,
    )?;
    write_file(user, &layout.data.join("qsorm.conf"), s.as_bytes(), 0o600)
}

/// A port that was free a moment ago.
fn free_port() -> Result<u16, SandboxError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| SandboxError::io("binding 127.0.0.1:0 to find a free port", e))?;
    let port = listener
        .local_addr()
        .map_err(|e| SandboxError::io("reading the free port", e))?
        .port();
    Ok(port)
}

fn file_len(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The last `lines` lines of `path` written after byte `from`.
pub(crate) fn log_tail(path: &Path, from: u64, lines: usize) -> String {
    let mut text = String::new();
    if let Ok(mut f) = fs::File::open(path) {
        let _ = f.seek(SeekFrom::Start(from));
        let mut bytes = Vec::new();
        let _ = f.read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Write the settings and `pg_ctl start` on a free port; retry on another port when the
/// chosen one was taken in between. Returns the port.
pub(crate) fn start(
    bins: &PgBinaries,
    user: &ServerUser,
    layout: &Layout,
    tls: bool,
    preload: bool,
) -> Result<u16, SandboxError> {
    for attempt in 1..=START_ATTEMPTS {
        let port = free_port()?;
        write_settings(user, layout, port, tls, preload)?;
        let (reason, tail) = match pg_ctl_start(bins, user, layout)? {
            None => return Ok(port),
            Some(failure) => failure,
        };
        let port_taken = tail.contains("Address already in use") || tail.contains("could not bind");
        if port_taken && attempt < START_ATTEMPTS {
            tracing::debug!(
                port,
                "port taken, retrying PostgreSQL start on another port"
            );
            continue;
        }
        return Err(SandboxError::StartFailed {
            data_dir: layout.data.clone(),
            log: layout.log.clone(),
            reason: reason.trim().to_owned(),
            log_tail: tail,
        });
    }
    unreachable!("the last attempt returns")
}

/// `pg_ctl start` with the settings already written; `None` when it started, else what
/// pg_ctl said and the tail of the server log.
fn pg_ctl_start(
    bins: &PgBinaries,
    user: &ServerUser,
    layout: &Layout,
) -> Result<Option<(String, String)>, SandboxError> {
    let log_start = file_len(&layout.log);
    let mut cmd = user.command(&bins.pg_ctl());
    cmd.arg("-D")
        .arg(&layout.data)
        .arg("-l")
        .arg(&layout.log)
        .args(["-w", "-t", "60", "start"]);
    match run(&mut cmd) {
        Ok(_) => Ok(None),
        Err(SandboxError::Command { output, .. }) => {
            Ok(Some((output, log_tail(&layout.log, log_start, 30))))
        }
        Err(e) => Err(e),
    }
}

/// `pg_ctl start` again with the settings of the last start (same port, same data): for a
/// server stopped by [`stop`]. Fails, without retrying elsewhere, if the port was taken.
pub(crate) fn start_again(
    bins: &PgBinaries,
    user: &ServerUser,
    layout: &Layout,
) -> Result<(), SandboxError> {
    match pg_ctl_start(bins, user, layout)? {
        None => Ok(()),
        Some((reason, log_tail)) => Err(SandboxError::StartFailed {
            data_dir: layout.data.clone(),
            log: layout.log.clone(),
            reason: reason.trim().to_owned(),
            log_tail,
        }),
    }
}

/// `pg_ctl stop -m <mode>` (fast: roll back and disconnect sessions; immediate: no shutdown
/// checkpoint).
pub(crate) fn stop(
    bins: &PgBinaries,
    user: &ServerUser,
    data: &Path,
    mode: &str,
) -> Result<(), SandboxError> {
    let mut cmd = user.command(&bins.pg_ctl());
    cmd.arg("-D")
        .arg(data)
        .args(["-m", mode, "-w", "-t", "60", "stop"]);
    run(&mut cmd).map(drop)
}

/// A server recorded in `postmaster.pid` whose process is alive.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunningServer {
    pub(crate) port: u16,
}

/// Read `postmaster.pid` (line 1: pid, line 4: port) and check that the pid is alive.
pub(crate) fn running_server(data: &Path) -> Option<RunningServer> {
    let text = fs::read_to_string(data.join("postmaster.pid")).ok()?;
    let mut lines = text.lines();
    let pid: i32 = lines.next()?.trim().parse().ok()?;
    let port: u16 = lines.nth(2)?.trim().parse().ok()?;
    process_alive(pid).then_some(RunningServer { port })
}

/// True when a process with this pid exists and is not a zombie (an exited postmaster
/// stays a zombie until whoever inherited it reaps it).
pub(crate) fn process_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    let exists = match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) => true,
        Err(e) => e == nix::errno::Errno::EPERM,
    };
    // /proc/<pid>/stat: "pid (comm) S ..."; the comm may contain spaces and parentheses.
    let zombie = fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let (_, rest) = stat.rsplit_once(')')?;
            rest.trim_start().chars().next()
        })
        .is_some_and(|state| matches!(state, 'Z' | 'X'));
    exists && !zombie
}
