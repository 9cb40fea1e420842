//! What is measured at scrape time, once per `/metrics` or status request: the tile cache's
//! counters, the database pool, the notification outbox (one cheap query under its own statement
//! timeout), the data directory's disk, the last verified backup's age and the process.

use std::path::Path;
use std::time::Duration;

use prometheus::proto::MetricFamily;
use prometheus::{Gauge, IntCounter, IntGauge, Opts, Registry};
use serde::Serialize;
use sqlx::PgPool;

use super::Ops;
use crate::tiles::CacheFigures;
use crate::tiles::memory::MemoryFigures;

/// The longest the outbox query may take (the scrape answers without it beyond).
pub const OUTBOX_TIMEOUT: Duration = Duration::from_secs(2);

/// The database pool's connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PoolFigures {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// Notifications waiting and given up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct OutboxFigures {
    /// Waiting to be sent or being sent.
    pub pending: i64,
    /// Given up after their attempts.
    pub failed: i64,
    /// Age of the oldest waiting notification, in seconds (0 when none waits).
    pub oldest_pending_age_seconds: f64,
}

/// Space of the file system holding the data directory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DiskFigures {
    /// Free for an unprivileged process.
    pub free_bytes: u64,
    pub total_bytes: u64,
}

/// The process.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProcessFigures {
    pub version: &'static str,
    pub uptime_seconds: f64,
    pub resident_memory_bytes: Option<f64>,
    pub open_fds: Option<f64>,
}

/// Everything measured at one scrape. `None` means it could not be measured now.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub tiles: CacheFigures,
    /// Issue 18: the layers held for tiles cut in process.
    pub tile_memory: MemoryFigures,
    pub pool: PoolFigures,
    pub outbox: Option<OutboxFigures>,
    pub disk: Option<DiskFigures>,
    pub backup_last_verified_age_seconds: Option<f64>,
    pub process: ProcessFigures,
}

/// The space of the file system holding `dir`.
pub fn disk_of(dir: &Path) -> std::io::Result<DiskFigures> {
    let s = rustix::fs::statvfs(dir)?;
    Ok(DiskFigures {
        free_bytes: s.f_bavail.saturating_mul(s.f_frsize),
        total_bytes: s.f_blocks.saturating_mul(s.f_frsize),
    })
}

/// The pool's connections now.
pub fn pool_of(pool: &PgPool) -> PoolFigures {
    PoolFigures {
        size: pool.size(),
        idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
        max: pool.options().get_max_connections(),
    }
}

/// The outbox's counts, in one read-only transaction bounded by `statement_timeout`.
pub async fn outbox_of(pool: &PgPool) -> Result<OutboxFigures, sqlx::Error> {
    let query = async {
        let mut tx = pool.begin().await?;
        let ms = OUTBOX_TIMEOUT.as_millis().to_string();
        sqlx::query("SELECT set_config('statement_timeout', $1, true)").bind(ms).execute(&mut *tx).await?;
        let row: (i64, i64, f64) = sqlx::query_as(include_str!("sql/outbox.sql")).fetch_one(&mut *tx).await?;
        tx.rollback().await?;
        Ok::<_, sqlx::Error>(OutboxFigures {
            pending: row.0,
            failed: row.1,
            oldest_pending_age_seconds: row.2,
        })
    };
    tokio::time::timeout(OUTBOX_TIMEOUT + Duration::from_secs(1), query)
        .await
        .unwrap_or(Err(sqlx::Error::PoolTimedOut))
}

impl Ops {
    /// Measures everything now (the outbox query is the only database work).
    pub async fn figures(&self, pool: &PgPool, tiles: CacheFigures, tile_memory: MemoryFigures) -> Figures {
        let settings = self.settings();
        let outbox =
            outbox_of(pool).await.map_err(|e| tracing::warn!(error = %e, "metrics: outbox not read")).ok();
        let process = self.requests().registry().gather();
        let gauge = |name: &str| {
            process
                .iter()
                .find(|f| f.name() == name)
                .and_then(|f| f.get_metric().first().map(|m| m.get_gauge().get_value()))
        };
        Figures {
            tiles,
            tile_memory,
            pool: pool_of(pool),
            outbox,
            disk: disk_of(&settings.data_dir).ok(),
            backup_last_verified_age_seconds: self.backup_age_seconds(),
            process: ProcessFigures {
                version: env!("CARGO_PKG_VERSION"),
                uptime_seconds: self.uptime_seconds(),
                resident_memory_bytes: gauge("process_resident_memory_bytes"),
                open_fds: gauge("process_open_fds"),
            },
        }
    }

    /// The Prometheus text exposition: the request series, the process collector and `figures`.
    pub fn exposition(&self, figures: &Figures) -> String {
        let mut families = self.requests().registry().gather();
        families.extend(figures.families());
        prometheus::TextEncoder::new().encode_to_string(&families).unwrap_or_else(|e| {
            tracing::error!(error = %e, "metrics: encoding failed");
            String::new()
        })
    }
}

#[allow(clippy::expect_used)] // names and help texts are constants: making and registering them cannot fail
impl Figures {
    /// The figures as metric families, made for this scrape only (a figure that could not be
    /// measured is absent, except the backup age, which is `-1` when unknown).
    pub fn families(&self) -> Vec<MetricFamily> {
        let r = Registry::new();
        let gauge = |name: &str, help: &str, v: f64| {
            let g = Gauge::new(name, help).expect("valid gauge");
            g.set(v);
            r.register(Box::new(g)).expect("registered once");
        };
        let counter = |name: &str, help: &str, v: u64| {
            let c = IntCounter::new(name, help).expect("valid counter");
            c.inc_by(v);
            r.register(Box::new(c)).expect("registered once");
        };
        let t = &self.tiles;
        counter("qala_tile_cache_hits_total", "Tiles answered from the cache", t.hits);
        counter("qala_tile_cache_misses_total", "Tiles rendered because they were not cached", t.misses);
        counter(
            "qala_tile_bytes_served_total",
            "Bytes of vector tiles served (before compression)",
            t.bytes_served,
        );
        gauge("qala_tile_cache_entries", "Tiles in the cache", t.entries as f64);
        gauge("qala_tile_cache_bytes", "Bytes of tiles in the cache", t.bytes as f64);
        gauge(
            "qala_tile_cache_capacity_bytes",
            "Bound of the tile cache in bytes (0: no cache)",
            t.capacity_bytes as f64,
        );
        let m = &self.tile_memory;
        gauge(
            "qala_tile_memory_budget_bytes",
            "Budget of the in-process tile layers (0: off)",
            m.budget_bytes as f64,
        );
        gauge("qala_tile_memory_bytes", "Bytes held by the in-process tile layers", m.bytes as f64);
        gauge(
            "qala_tile_memory_layers_loaded",
            "Layers whose tiles are cut in process",
            m.layers_loaded as f64,
        );
        gauge("qala_tile_memory_features", "Features held for tiles cut in process", m.features as f64);
        counter(
            "qala_tile_memory_layer_tiles_total",
            "Layer tiles cut in process (a composite counts once per layer)",
            m.layer_tiles_memory,
        );
        counter("qala_tile_postgis_layer_tiles_total", "Layer tiles cut by PostGIS", m.layer_tiles_sql);
        counter(
            "qala_tile_memory_changes_applied_total",
            "Feature change notifications applied to the in-process layers",
            m.notifications_applied,
        );
        gauge("qala_db_pool_connections", "Open database connections", f64::from(self.pool.size));
        gauge("qala_db_pool_idle_connections", "Idle database connections", f64::from(self.pool.idle));
        gauge("qala_db_pool_max_connections", "Most database connections", f64::from(self.pool.max));
        if let Some(o) = &self.outbox {
            gauge("qala_outbox_pending", "Notifications waiting to be sent", o.pending as f64);
            gauge("qala_outbox_failed", "Notifications given up after their attempts", o.failed as f64);
            gauge(
                "qala_outbox_oldest_pending_age_seconds",
                "Age of the oldest waiting notification",
                o.oldest_pending_age_seconds,
            );
        }
        if let Some(d) = &self.disk {
            gauge(
                "qala_disk_free_bytes",
                "Free bytes on the data directory's file system",
                d.free_bytes as f64,
            );
            gauge("qala_disk_total_bytes", "Size of the data directory's file system", d.total_bytes as f64);
        }
        gauge(
            "qala_backup_last_verified_age_seconds",
            "Age of the last verified backup (-1: unknown)",
            self.backup_last_verified_age_seconds.unwrap_or(-1.0),
        );
        gauge("qala_uptime_seconds", "Seconds since the server started", self.process.uptime_seconds);
        let info = IntGauge::with_opts(
            Opts::new("qala_build_info", "The running version").const_label("version", self.process.version),
        )
        .expect("valid gauge");
        info.set(1);
        r.register(Box::new(info)).expect("registered once");
        r.gather()
    }
}
