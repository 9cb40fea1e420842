//! Qala's own PostgreSQL/PostGIS cluster, used when no `DATABASE_URL` is given.
//!
//! The cluster lives in `<data-dir>/pg`, listens on 127.0.0.1 only, on a port picked free at start
//! (unix sockets are off, so long paths do not matter), with trust authentication for the
//! `postgres` user. When Qala runs as root, `initdb` and `pg_ctl` run as the `postgres` system user
//! (PostgreSQL refuses to run as root) and the directory is handed to that user.
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

fn running_as_root() -> bool {
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
