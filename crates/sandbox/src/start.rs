//! Starting a sandbox: in a temp dir, or in a persistent dir (reused across runs).

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::admin::block_on;
use crate::binaries::PgBinaries;
use crate::cluster::{self, Layout};
use crate::os_user::{ServerUser, create_dir, write_file};
use crate::watchdog::Watchdog;
use crate::{APP_PASSWORD_LEN, Sandbox, SandboxError, SandboxOptions, password, paths, tls};

/// Whether another process is using the persistent server (holds the users lock shared).
/// Call it before [`attach`]: a process's own shared lock would count too.
pub(crate) fn other_users(layout: &Layout) -> bool {
    let Ok(file) = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&layout.users)
    else {
        return true;
    };
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        // Held by others, or locks unsupported: assume the server is in use.
        Err(_) => true,
    }
}

/// Marks this process as a user of the persistent server until the file is dropped.
pub(crate) fn attach(layout: &Layout) -> Result<File, SandboxError> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&layout.users)
        .map_err(|e| SandboxError::io(format!("opening {}", layout.users.display()), e))?;
    file.lock_shared()
        .map_err(|e| SandboxError::io(format!("locking {}", layout.users.display()), e))?;
    Ok(file)
}

/// Exclusive lock on the cluster's lock file (released when the file is dropped).
pub(crate) fn lock(layout: &Layout) -> Result<File, SandboxError> {
    let ctx = |what: &str| format!("{what} {}", layout.lock.display());
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&layout.lock)
        .map_err(|e| SandboxError::io(ctx("opening"), e))?;
    file.lock()
        .map_err(|e| SandboxError::io(ctx("locking"), e))?;
    Ok(file)
}

impl Sandbox {
    /// Start a new cluster. Dropping the handle stops it (`pg_ctl stop -m fast`) and removes
    /// its temp dir; a watchdog does the same if this process dies first.
    ///
    /// With [`SandboxOptions::persistent_dir`] the cluster lives there instead: initdb runs
    /// only the first time (app password and certificates are kept too), a server left over
    /// by a crashed run is stopped first, and concurrent starts are serialized by a file lock.
    /// If a live process of ours already runs the server there, this handle just connects
    /// to it: the process that started it owns it and stops it when it drops its handle
    /// (no reference counting).
    pub fn start(opts: SandboxOptions) -> Result<Sandbox, SandboxError> {
        let bins = PgBinaries::locate()?;
        let user = ServerUser::detect()?;
        Self::start_with(bins, user, opts)
    }

    /// A cluster for tools, kept in `<target dir>/qsorm-sandbox/pg<major>-u<uid>-<key>`
    /// (target dir: `CARGO_TARGET_DIR`, else the ancestor of the executable named `target`,
    /// else the temp dir; the key tells workspace checkouts apart). TLS on. The server is
    /// started now and stopped on drop; the data is kept, so the next run skips initdb.
    /// See [`Sandbox::start`] for concurrent use.
    pub fn persistent() -> Result<Sandbox, SandboxError> {
        let bins = PgBinaries::locate()?;
        let user = ServerUser::detect()?;
        let dir = paths::persistent_dir(&user, bins.major)?;
        Self::start_with(
            bins,
            user,
            SandboxOptions {
                tls: true,
                persistent_dir: Some(dir),
            },
        )
    }

    fn start_with(
        bins: PgBinaries,
        user: ServerUser,
        opts: SandboxOptions,
    ) -> Result<Sandbox, SandboxError> {
        let t0 = Instant::now();
        let pg_stat_statements = bins.has_pg_stat_statements();
        let mut sandbox = Sandbox {
            bins,
            user,
            layout: Layout::new(Path::new("/")), // replaced below
            port: 0,
            tls: opts.tls,
            app_password: String::new(),
            started_in: Duration::ZERO,
            pg_stat_statements,
            owns_server: false,
            users_lock: None,
            stopped: std::sync::atomic::AtomicBool::new(false),
            persistent: opts.persistent_dir.is_some(),
            watchdog: None,
            extra_socket_dir: None,
            temp_dir: None,
        };
        let how = match opts.persistent_dir {
            None => sandbox.start_temp()?,
            Some(dir) => sandbox.start_persistent(absolute(dir)?)?,
        };
        sandbox.started_in = t0.elapsed();
        tracing::info!(
            port = sandbox.port,
            dir = %sandbox.layout.dir.display(),
            tls = sandbox.tls,
            "PostgreSQL sandbox ready ({how}) in {:.2?}",
            sandbox.started_in
        );
        Ok(sandbox)
    }

    /// Temp dir, watchdog (stop + rm), certificates, initdb, start, setup.
    fn start_temp(&mut self) -> Result<&'static str, SandboxError> {
        let temp = tempfile::Builder::new()
            .prefix("qsorm-sandbox-")
            .tempdir()
            .map_err(|e| SandboxError::io("creating a temp dir for the sandbox", e))?;
        self.user.check_traversable(temp.path())?;
        self.user.chown(temp.path())?;
        self.layout = Layout::new(temp.path());
        self.temp_dir = Some(temp);
        let mut remove = vec![self.layout.dir.clone()];
        if self.layout.socket_dir != self.layout.dir {
            create_dir(&self.user, &self.layout.socket_dir, 0o700)?;
            self.extra_socket_dir = Some(self.layout.socket_dir.clone());
            remove.push(self.layout.socket_dir.clone());
        }
        // From here on, an early return drops `self`, which cleans up.
        self.watchdog = Some(Watchdog::spawn(
            &self.bins,
            &self.user,
            &self.layout.data,
            &remove,
        )?);
        if self.tls {
            self.write_tls()?;
        }
        cluster::initdb(&self.bins, &self.user, &self.layout)?;
        self.app_password = password::generate(APP_PASSWORD_LEN)?;
        self.run_server()?;
        Ok("initdb + start")
    }

    fn start_persistent(&mut self, dir: PathBuf) -> Result<&'static str, SandboxError> {
        self.user.check_traversable(&dir)?;
        let created = !dir.exists();
        create_dir(&self.user, &dir, 0o755)?;
        self.layout = Layout::new(&dir);
        let layout = self.layout.clone();
        let _lock = lock(&layout)?;
        self.check_data_owner(&layout, &dir)?;
        if layout.socket_dir != layout.dir {
            create_dir(&self.user, &layout.socket_dir, 0o700)?;
        }

        let initialized = self.prepare_persistent(&layout, created)?;

        if self.reuse_running(&layout)? {
            return Ok("reused a server started by another handle");
        }
        self.watchdog = Some(Watchdog::spawn(&self.bins, &self.user, &layout.data, &[])?);
        self.run_server()?;
        write_file(
            &self.user,
            &layout.owner_pid,
            std::process::id().to_string().as_bytes(),
            0o644,
        )?;
        self.users_lock = Some(attach(&layout)?);
        Ok(if initialized {
            "start"
        } else {
            "initdb + start"
        })
    }

    /// Refuses a data directory that belongs to another uid than the server's.
    fn check_data_owner(&self, layout: &Layout, dir: &Path) -> Result<(), SandboxError> {
        if let Ok(meta) = fs::metadata(&layout.data)
            && meta.uid() != self.user.uid()
        {
            return Err(SandboxError::Cluster(format!(
                "{} belongs to uid {}, but the server would run as uid {}: remove {} or use \
                 another directory",
                layout.data.display(),
                meta.uid(),
                self.user.uid(),
                dir.display()
            )));
        }
        Ok(())
    }

    /// Runs initdb unless the cluster is complete, then reads (or makes) the app password and
    /// the certificates; returns whether the cluster was already initialized.
    fn prepare_persistent(&mut self, layout: &Layout, created: bool) -> Result<bool, SandboxError> {
        let initialized = layout.is_initialized();
        if !initialized {
            if layout.data.exists() {
                tracing::info!(
                    "removing the incomplete cluster in {}",
                    layout.data.display()
                );
                fs::remove_dir_all(&layout.data).map_err(|e| {
                    SandboxError::io(format!("removing {}", layout.data.display()), e)
                })?;
            }
            cluster::initdb(&self.bins, &self.user, layout)?;
        }
        self.app_password = match fs::read_to_string(&layout.app_password) {
            Ok(p) if !created && initialized && !p.trim().is_empty() => p.trim().to_owned(),
            _ => {
                let p = password::generate(APP_PASSWORD_LEN)?;
                write_file(&self.user, &layout.app_password, p.as_bytes(), 0o600)?;
                p
            }
        };
        if self.tls
            && ![&layout.ca_cert, &layout.server_cert, &layout.server_key]
                .iter()
                .all(|p| p.is_file())
        {
            self.write_tls()?;
        }
        Ok(initialized)
    }

    /// A server already running in the cluster: joined (returns `true`) when its owner or
    /// another user is alive, else stopped as a leftover of a crashed run.
    fn reuse_running(&mut self, layout: &Layout) -> Result<bool, SandboxError> {
        if let Some(running) = cluster::running_server(&layout.data) {
            let owner_alive = fs::read_to_string(&layout.owner_pid)
                .ok()
                .and_then(|s| s.trim().parse::<i32>().ok())
                .is_some_and(cluster::process_alive);
            if owner_alive || other_users(layout) {
                self.port = running.port;
                block_on(self.probe())??;
                self.users_lock = Some(attach(layout)?);
                return Ok(true);
            }
            tracing::info!(
                "stopping a server left running in {}",
                layout.data.display()
            );
            if cluster::stop(&self.bins, &self.user, &layout.data, "fast").is_err() {
                cluster::stop(&self.bins, &self.user, &layout.data, "immediate")?;
            }
        }
        Ok(false)
    }

    /// pg_ctl start, then the app role and pg_stat_statements.
    fn run_server(&mut self) -> Result<(), SandboxError> {
        self.port = cluster::start(
            &self.bins,
            &self.user,
            &self.layout,
            self.tls,
            self.pg_stat_statements,
        )?;
        self.owns_server = true;
        block_on(self.setup())?
    }

    fn write_tls(&self) -> Result<(), SandboxError> {
        let material = tls::generate()?;
        let l = &self.layout;
        write_file(
            &self.user,
            &l.ca_cert,
            material.ca_cert_pem.as_bytes(),
            0o644,
        )?;
        write_file(
            &self.user,
            &l.server_cert,
            material.server_cert_pem.as_bytes(),
            0o644,
        )?;
        write_file(
            &self.user,
            &l.server_key,
            material.server_key_pem.as_bytes(),
            0o600,
        )
    }
}

fn absolute(dir: PathBuf) -> Result<PathBuf, SandboxError> {
    if dir.is_absolute() {
        return Ok(dir);
    }
    let cwd = std::env::current_dir()
        .map_err(|e| SandboxError::io("reading the current directory", e))?;
    Ok(cwd.join(dir))
}
