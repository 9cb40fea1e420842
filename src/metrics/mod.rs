//! Operations (issue 16, OPS-1): the Prometheus registry and its collectors, the figures of the
//! operations page, and readiness. Nothing here knows HTTP: the HTTP layer (`http::metrics`) feeds
//! [`requests::RequestMetrics`] with route templates and statuses, and asks [`Ops`] for the text
//! exposition, the figures and the readiness checks.
//!
//! - [`requests`]: requests by route template, method and status, latency histogram, in flight;
//! - [`figures`]: what is read at scrape time (tile cache, pool, outbox, disk, backup, process);
//! - [`ready`]: readiness checks (database, migrations, disk, shutdown).

pub mod figures;
pub mod ready;
pub mod requests;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

pub use figures::Figures;
pub use ready::{Check, Readiness};
pub use requests::RequestMetrics;

/// The age of the last verified backup in seconds, `None` when unknown (no backup yet, or not
/// configured). The backup domain provides it; the server wires it with [`Ops::set_backup_age`].
pub type BackupAge = Arc<dyn Fn() -> Option<f64> + Send + Sync>;

/// What operations need to know about the server's place on disk.
#[derive(Debug, Clone)]
pub struct OpsSettings {
    /// The data directory whose file system's free space is measured and checked.
    pub data_dir: PathBuf,
    /// Readiness fails when fewer bytes than this are free there.
    pub min_free_disk_bytes: u64,
}

impl Default for OpsSettings {
    fn default() -> Self {
        OpsSettings { data_dir: PathBuf::from("."), min_free_disk_bytes: 512 << 20 }
    }
}

/// The operations handle a server shares (one pointer; cloning is cheap).
#[derive(Clone)]
pub struct Ops(Arc<Inner>);

struct Inner {
    requests: RequestMetrics,
    started: Instant,
    settings: RwLock<OpsSettings>,
    backup_age: RwLock<Option<BackupAge>>,
    shutting_down: AtomicBool,
}

impl std::fmt::Debug for Ops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ops").field("settings", &self.settings()).finish_non_exhaustive()
    }
}

impl Default for Ops {
    fn default() -> Self {
        Ops::new(OpsSettings::default())
    }
}

impl Ops {
    pub fn new(settings: OpsSettings) -> Ops {
        Ops(Arc::new(Inner {
            requests: RequestMetrics::new(),
            started: Instant::now(),
            settings: RwLock::new(settings),
            backup_age: RwLock::new(None),
            shutting_down: AtomicBool::new(false),
        }))
    }

    /// The request counters the HTTP layer feeds.
    pub fn requests(&self) -> &RequestMetrics {
        &self.0.requests
    }

    /// Seconds since this handle (the server's state) was made.
    pub fn uptime_seconds(&self) -> f64 {
        self.0.started.elapsed().as_secs_f64()
    }

    pub fn settings(&self) -> OpsSettings {
        self.0.settings.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces the settings (the server sets its data directory and disk threshold at start).
    pub fn configure(&self, settings: OpsSettings) {
        *self.0.settings.write().unwrap_or_else(|p| p.into_inner()) = settings;
    }

    /// Sets where the last verified backup's age comes from (`qala::backup::last_verified`).
    pub fn set_backup_age(&self, provider: BackupAge) {
        *self.0.backup_age.write().unwrap_or_else(|p| p.into_inner()) = Some(provider);
    }

    /// The last verified backup's age in seconds, `None` when unknown or not wired.
    pub fn backup_age_seconds(&self) -> Option<f64> {
        let provider = self.0.backup_age.read().unwrap_or_else(|p| p.into_inner()).clone();
        provider.and_then(|f| f()).filter(|a| a.is_finite())
    }

    /// From now on readiness fails (`shutdown`): the balancer stops sending new requests while the
    /// ones in flight finish.
    pub fn begin_shutdown(&self) {
        self.0.shutting_down.store(true, Ordering::SeqCst);
    }

    pub fn is_shutting_down(&self) -> bool {
        self.0.shutting_down.load(Ordering::SeqCst)
    }
}

/// Marks `ops` as shutting down at the first Ctrl-C or SIGTERM (the server's own shutdown waits
/// for the same signals), so `/readyz` fails while the requests in flight finish.
pub async fn shutdown_watch(ops: Ops) {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
    ops.begin_shutdown();
}
