//! Qala's own PostgreSQL/PostGIS cluster, used when no `DATABASE_URL` is given.
//!
//! The cluster lives in `<data-dir>/pg`, listens on 127.0.0.1 only, on a port picked free at start
//! (unix sockets are off, so long paths do not matter), with trust authentication for the
//! `postgres` user. When Qala runs as root, `initdb` and `pg_ctl` run as the `postgres` system user
//! (PostgreSQL refuses to run as root) and the directory is handed to that user.
//!
//! Continuous WAL archiving (SEC-2): at every start the cluster's `qala_archive.conf` (included by
//! `postgresql.conf`) sets `wal_level = replica`, `archive_mode = on`, `archive_timeout`
//! (`QALA_ARCHIVE_TIMEOUT_S`, default 60 s, so a quiet server loses at most that much) and an
//! `archive_command` copying each finished segment into `<data-dir>/backups/wal/`: never over an
//! existing different file (an identical one is success, as after a crash between copy and
//! acknowledgement), through a temporary name, fsync'd, then renamed. Segments are kept only once
//! a base backup has been taken (`backups/wal/ARCHIVING` exists): WAL without a base backup cannot
//! be replayed, and a cluster that is never backed up (the tests') would only fill its disk.
//! A copy being recovered ([`Cluster::prepare_recovery`]) archives nothing.
//!
//! All functions here block (they run programs and wait); call them before the async server starts
//! or inside `spawn_blocking`.

use std::fs::{self, File};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Name of the database Qala creates in its own cluster.
pub const DATABASE: &str = "qala";

/// What `status` finds in a data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// No cluster has been created in this directory yet.
    NotInitialised,
    Stopped,
    Running {
        pid: u32,
        port: u16,
    },
}

/// A private cluster in a data directory.
#[derive(Debug, Clone)]
pub struct Cluster {
    pg_dir: PathBuf,
    lock_path: PathBuf,
    bin_dir: PathBuf,
}

/// The archive of WAL segments of the cluster in `data_dir`.
pub fn wal_archive_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backups").join("wal")
}

/// The file whose presence in the WAL archive turns archiving on (written by the first backup).
pub const ARCHIVING_MARKER: &str = "ARCHIVING";

/// Where a recovery stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveryTarget {
    /// Replay every archived segment.
    End,
    /// Stop before the first commit after this instant.
    Time(chrono::DateTime<chrono::Utc>),
    /// Stop at a restore point made by `pg_create_restore_point`.
    Name(String),
}

impl Cluster {
    /// A cluster in `<data_dir>/pg`. The PostgreSQL programs come from `QALA_PG_BIN`, `pg_config
    /// --bindir` or `/usr/lib/postgresql/15/bin`, the first that holds `pg_ctl`.
    pub fn new(data_dir: &Path) -> Result<Cluster> {
        fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
        let data_dir = data_dir
            .canonicalize()
            .with_context(|| format!("cannot resolve data directory {}", data_dir.display()))?;
        Ok(Cluster {
            pg_dir: data_dir.join("pg"),
            lock_path: data_dir.join("pg.lock"),
            bin_dir: find_bin_dir()?,
        })
    }

    pub fn pg_dir(&self) -> &Path {
        &self.pg_dir
    }

    /// The data directory the cluster lives in (canonical).
    pub fn data_dir(&self) -> &Path {
        self.pg_dir.parent().unwrap_or(&self.pg_dir)
    }

    /// A PostgreSQL program of the cluster's version (`pg_basebackup`, `psql`...).
    pub fn program(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }

    /// Hands `path` (recursively) to the cluster's owner when Qala runs as root; no-op otherwise.
    pub fn hand_to_owner(&self, path: &Path) -> Result<()> {
        if !running_as_root() {
            return Ok(());
        }
        let out = Command::new("chown").args(["-R", "postgres:postgres"]).arg(path).output()?;
        if !out.status.success() {
            bail!("chown {} failed: {}", path.display(), String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(())
    }

    /// Makes the copy in `pg_dir` (a restored base backup) recover from `archive` up to `target`
    /// and then promote, archiving nothing itself: writes its `qala_archive.conf` and
    /// `recovery.signal`. [`Cluster::start_plain`] then runs the recovery.
    pub fn prepare_recovery(&self, archive: &Path, target: &RecoveryTarget) -> Result<()> {
        let a = shell_safe(archive).context("the WAL archive's path cannot be used in a command")?;
        let mut conf = format!(
            "# Written by qala for a recovery (src/db/cluster.rs); rewritten at the next start.\n\
             archive_mode = off\nrestore_command = 'cp \"{a}/%f\" \"%p\"'\n"
        );
        match target {
            RecoveryTarget::End => {}
            RecoveryTarget::Time(t) => {
                conf.push_str(&format!(
                    "recovery_target_time = '{}'\nrecovery_target_action = 'promote'\n",
                    t.format("%Y-%m-%d %H:%M:%S%.6f+00")
                ));
            }
            RecoveryTarget::Name(n) => {
                if !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                    bail!("restore point name {n:?} is not plain");
                }
                conf.push_str(&format!("recovery_target_name = '{n}'\nrecovery_target_action = 'promote'\n"));
            }
        }
        self.ensure_include()?;
        write_owned(&self.pg_dir.join("qala_archive.conf"), &conf)?;
        write_owned(&self.pg_dir.join("recovery.signal"), "")?;
        Ok(())
    }

    /// Starts the server on `port` as it is (no database created, no settings changed: a copy in
    /// recovery is read-only) and waits until it accepts connections.
    pub fn start_plain(&self, port: u16) -> Result<()> {
        let _lock = self.lock()?;
        self.pg_ctl_start(port)
    }

    /// Waits until the server on `port` has left recovery (promoted), at most `timeout`. Fails
    /// when the server ends (a recovery that did not reach its target stops PostgreSQL), naming
    /// the last lines of its log.
    pub fn wait_promoted(&self, port: u16, timeout: std::time::Duration) -> Result<()> {
        let start = std::time::Instant::now();
        let psql = self.program("psql");
        loop {
            let out = Command::new(&psql)
                .args(["-X", "-q", "-t", "-A", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres"])
                .args(["-p", &port.to_string(), "-c", "SELECT pg_is_in_recovery()"])
                .output()
                .context("cannot run psql")?;
            if out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "f" {
                return Ok(());
            }
            if !matches!(self.status()?, Status::Running { .. }) || start.elapsed() > timeout {
                bail!("the recovery did not complete: {}", self.log_tail(8));
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// The last `n` lines of the server's log.
    pub fn log_tail(&self, n: usize) -> String {
        let log = fs::read_to_string(self.pg_dir.join("postgresql.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(n).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
    }

    /// Writes `qala_archive.conf` (continuous archiving into `<data-dir>/backups/wal`) and makes
    /// sure `postgresql.conf` includes it. Takes effect at the server's next start.
    fn write_archive_conf(&self) -> Result<()> {
        let wal = wal_archive_dir(self.data_dir());
        fs::create_dir_all(&wal).with_context(|| format!("cannot create {}", wal.display()))?;
        if running_as_root() {
            let (uid, gid) = postgres_user_ids()?;
            std::os::unix::fs::chown(&wal, Some(uid), Some(gid))
                .with_context(|| format!("cannot hand {} to the postgres user", wal.display()))?;
        }
        let timeout: u32 = std::env::var("QALA_ARCHIVE_TIMEOUT_S")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(60)
            .clamp(1, 86_400);
        let conf = match shell_safe(&wal) {
            Some(w) => format!(
                "# Written by qala at each start (src/db/cluster.rs): continuous WAL archiving.\n\
                 wal_level = replica\narchive_mode = on\narchive_timeout = {timeout}\n\
                 archive_command = 'W=\"{w}\"; [ -e \"$W/{ARCHIVING_MARKER}\" ] || exit 0; \
                 if [ -f \"$W/%f\" ]; then cmp -s \"%p\" \"$W/%f\"; exit $?; fi; \
                 cp \"%p\" \"$W/%f.tmp\" && sync \"$W/%f.tmp\" && mv \"$W/%f.tmp\" \"$W/%f\" && sync \"$W\"'\n"
            ),
            None => {
                tracing::warn!(dir = %wal.display(), "WAL archiving is off: the data directory's path has shell characters");
                "wal_level = replica\n".to_string()
            }
        };
        self.ensure_include()?;
        write_owned(&self.pg_dir.join("qala_archive.conf"), &conf)
    }

    /// `postgresql.conf` ends with `include_if_exists = 'qala_archive.conf'`.
    fn ensure_include(&self) -> Result<()> {
        let main = self.pg_dir.join("postgresql.conf");
        let text = fs::read_to_string(&main).with_context(|| format!("cannot read {}", main.display()))?;
        if !text.contains("include_if_exists = 'qala_archive.conf'") {
            let mut f = File::options().append(true).open(&main)?;
            std::io::Write::write_all(&mut f, b"\ninclude_if_exists = 'qala_archive.conf'\n")?;
        }
        Ok(())
    }

    /// Connection URL of the Qala database on a running cluster.
    pub fn url(&self, port: u16) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/{DATABASE}")
    }

    /// Reads the state of the cluster. A `postmaster.pid` whose process is gone (or is not a
    /// PostgreSQL server) is stale and is removed.
    pub fn status(&self) -> Result<Status> {
        if !self.pg_dir.join("PG_VERSION").exists() {
            return Ok(Status::NotInitialised);
        }
        let pid_file = self.pg_dir.join("postmaster.pid");
        let Ok(text) = fs::read_to_string(&pid_file) else {
            return Ok(Status::Stopped);
        };
        let lines: Vec<&str> = text.lines().collect();
        let pid: Option<u32> = lines.first().and_then(|l| l.trim().parse().ok());
        let port: Option<u16> = lines.get(3).and_then(|l| l.trim().parse().ok());
        match (pid, port) {
            (Some(pid), Some(port)) if is_postgres_process(pid) => Ok(Status::Running { pid, port }),
            _ => {
                tracing::warn!(file = %pid_file.display(), "removing stale PostgreSQL pid file");
                fs::remove_file(&pid_file)
                    .with_context(|| format!("cannot remove stale {}", pid_file.display()))?;
                Ok(Status::Stopped)
            }
        }
    }

    /// Creates the cluster if needed, starts it if stopped, and makes sure the Qala database
    /// exists. Returns the port and whether this call started the server.
    pub fn start(&self) -> Result<(u16, bool)> {
        let _lock = self.lock()?;
        let started = match self.status()? {
            Status::Running { port, .. } => return Ok((port, false)),
            Status::NotInitialised => {
                self.init()?;
                true
            }
            Status::Stopped => true,
        };
        self.write_archive_conf()?;
        let mut last_err = None;
        // The cluster keeps its port across restarts, so that a running server finds it again
        // (its pool reconnects to the same address); a new port only when another program took it.
        let remembered = self.remembered_port().filter(|p| port_is_free(*p));
        for attempt in 0..3 {
            let port = match (attempt, remembered) {
                (0, Some(p)) => p,
                _ => free_port()?,
            };
            match self.pg_ctl_start(port) {
                Ok(()) => {
                    self.create_database(port)?;
                    self.remember_port(port)?;
                    return Ok((port, started));
                }
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.unwrap_or_else(|| anyhow::anyhow!("PostgreSQL did not start")))
    }

    /// The port the cluster last ran on (`<data-dir>/pg.port`).
    pub fn remembered_port(&self) -> Option<u16> {
        fs::read_to_string(self.port_path()).ok().and_then(|t| t.trim().parse().ok())
    }

    fn port_path(&self) -> PathBuf {
        self.lock_path.with_file_name("pg.port")
    }

    fn remember_port(&self, port: u16) -> Result<()> {
        fs::write(self.port_path(), format!("{port}\n"))
            .with_context(|| format!("cannot write {}", self.port_path().display()))
    }

    /// Stops the server (fast shutdown). Returns false when it was not running.
    pub fn stop(&self) -> Result<bool> {
        let _lock = self.lock()?;
        if !matches!(self.status()?, Status::Running { .. }) {
            return Ok(false);
        }
        let pg_ctl = self.bin_dir.join("pg_ctl");
        let out = self
            .as_owner(&pg_ctl)
            .args(["stop", "-m", "fast", "-w", "-t", "60", "-D"])
            .arg(&self.pg_dir)
            .output()
            .context("cannot run pg_ctl stop")?;
        if !out.status.success() {
            bail!("pg_ctl stop failed: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(true)
    }

    /// An exclusive lock so that two processes (e.g. parallel tests) never init or start at once.
    fn lock(&self) -> Result<File> {
        let f = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock_path)
            .with_context(|| format!("cannot open lock file {}", self.lock_path.display()))?;
        f.lock().context("cannot lock the cluster lock file")?;
        Ok(f)
    }

    fn init(&self) -> Result<()> {
        fs::create_dir_all(&self.pg_dir)
            .with_context(|| format!("cannot create {}", self.pg_dir.display()))?;
        if running_as_root() {
            let (uid, gid) = postgres_user_ids()?;
            std::os::unix::fs::chown(&self.pg_dir, Some(uid), Some(gid))
                .with_context(|| format!("cannot hand {} to the postgres user", self.pg_dir.display()))?;
        }
        let initdb = self.bin_dir.join("initdb");
        let out = self
            .as_owner(&initdb)
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "-D"])
            .arg(&self.pg_dir)
            .output()
            .context("cannot run initdb")?;
        if !out.status.success() {
            bail!(
                "initdb failed in {} (the postgres user needs access to every parent directory): {}",
                self.pg_dir.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    fn pg_ctl_start(&self, port: u16) -> Result<()> {
        let pg_ctl = self.bin_dir.join("pg_ctl");
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' \
             -c max_connections=300 -c shared_buffers=256MB -c max_wal_size=2GB -c work_mem=32MB"
        );
        let out = self
            .as_owner(&pg_ctl)
            .args(["start", "-w", "-t", "60", "-D"])
            .arg(&self.pg_dir)
            .arg("-l")
            .arg(self.pg_dir.join("postgresql.log"))
            .args(["-o", &options])
            .output()
            .context("cannot run pg_ctl start")?;
        if !out.status.success() {
            let log = fs::read_to_string(self.pg_dir.join("postgresql.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            bail!(
                "PostgreSQL did not start on port {port}: {} {}",
                String::from_utf8_lossy(&out.stderr).trim(),
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            );
        }
        Ok(())
    }

    fn create_database(&self, port: u16) -> Result<()> {
        let psql = self.bin_dir.join("psql");
        let run = |sql: &str, db: &str| -> Result<String> {
            let out = Command::new(&psql)
                .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres"])
                .args(["-p", &port.to_string(), "-d", db, "-c", sql])
                .output()
                .context("cannot run psql")?;
            if !out.status.success() {
                bail!("psql failed: {}", String::from_utf8_lossy(&out.stderr).trim());
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        };
        // Any later start, also by hand with pg_ctl, listens on the same port.
        run(&format!("ALTER SYSTEM SET port = {port}"), "postgres")?;
        let exists = run(&format!("SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"), "postgres")?;
        if exists != "1" {
            run(&format!("CREATE DATABASE {DATABASE}"), "postgres")?;
        }
        Ok(())
    }

    /// A command that runs as the owner of the cluster (`postgres` when we are root).
    fn as_owner(&self, program: &Path) -> Command {
        if running_as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c.current_dir("/");
            c
        } else {
            Command::new(program)
        }
    }
}

fn find_bin_dir() -> Result<PathBuf> {
    let mut candidates = Vec::new();
    if let Ok(p) = std::env::var("QALA_PG_BIN") {
        candidates.push(PathBuf::from(p));
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        candidates.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    candidates.push(PathBuf::from("/usr/lib/postgresql/15/bin"));
    candidates
        .into_iter()
        .find(|d| d.join("pg_ctl").exists() && d.join("initdb").exists())
        .context("PostgreSQL 15 server programs not found: run `make setup` (postgresql-15, postgresql-15-postgis-3) or set QALA_PG_BIN")
}

/// `path` as text that can stand between double quotes in a shell command inside a single-quoted
/// PostgreSQL setting; `None` when it holds a character that would need escaping.
fn shell_safe(path: &Path) -> Option<String> {
    let s = path.to_str()?;
    (!s.chars().any(|c| matches!(c, '"' | '\'' | '$' | '`' | '\\' | '\n' | '%'))).then(|| s.to_string())
}

/// Writes `text` into `path`, owned by the cluster's owner.
fn write_owned(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    if running_as_root() {
        let (uid, gid) = postgres_user_ids()?;
        std::os::unix::fs::chown(path, Some(uid), Some(gid))?;
    }
    Ok(())
}

/// A free port of 127.0.0.1 (for a copy being recovered or checked).
pub fn free_local_port() -> Result<u16> {
    free_port()
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").context("cannot find a free port")?;
    Ok(l.local_addr()?.port())
}

/// True when `pid` is alive and is a PostgreSQL server process.
fn is_postgres_process(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim().starts_with("postgres"))
}

/// True when this process runs as root (PostgreSQL then runs as `postgres`).
pub fn running_as_root() -> bool {
    fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(2))
            .is_some_and(|euid| euid == "0")
    })
}

fn postgres_user_ids() -> Result<(u32, u32)> {
    let passwd = fs::read_to_string("/etc/passwd").context("cannot read /etc/passwd")?;
    passwd
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.first() == Some(&"postgres"))
                .then(|| Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?)))?
        })
        .context("there is no `postgres` system user: install postgresql-15 (make setup)")
}
