//! Maintenance windows (ADM-2, issue 16): announced at least three working days ahead, at most
//! eight hours long, never overlapping; during one the server is read-only. This domain knows
//! nothing of HTTP: `rules.rs` (the rules, pure), `store.rs` (the SQL, NOTIFY `qala_maintenance`)
//! and here the [`Schedule`]: the windows not over, cached in the process for a few seconds and
//! reloaded at once when any server announces or cancels one ([`listen`]), so that several servers
//! over one database agree. Which time it is comes from the caller (the applications' injected
//! clock), never from here.

pub mod rules;
pub mod store;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::PgPool;

pub use rules::{Refusal, Texts, Window};

/// How long the windows are kept before they are read again.
pub const DEFAULT_TTL: Duration = Duration::from_secs(5);

/// The windows not over, cached.
#[derive(Debug, Clone)]
pub struct Schedule(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    pool: PgPool,
    ttl: Duration,
    cached: Mutex<Option<(Instant, Arc<Vec<Window>>)>>,
    loading: tokio::sync::Mutex<()>,
}

impl Schedule {
    /// A schedule read from `pool`, kept `ttl`.
    pub fn new(pool: PgPool, ttl: Duration) -> Schedule {
        Schedule(Arc::new(Inner {
            pool,
            ttl,
            cached: Mutex::new(None),
            loading: tokio::sync::Mutex::new(()),
        }))
    }

    fn fresh(&self) -> Option<Arc<Vec<Window>>> {
        let guard = self.0.cached.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().filter(|(at, _)| at.elapsed() < self.0.ttl).map(|(_, w)| Arc::clone(w))
    }

    /// The windows not over at `now` (from the cache when it is fresh). When the database cannot
    /// be read, the last windows known (or none): maintenance never blocks a server by itself.
    pub async fn windows(&self, now: DateTime<Utc>) -> Arc<Vec<Window>> {
        if let Some(w) = self.fresh() {
            return w;
        }
        let _one = self.0.loading.lock().await;
        if let Some(w) = self.fresh() {
            return w;
        }
        match store::active(&self.0.pool, now).await {
            Ok(list) => {
                let list = Arc::new(list);
                *self.0.cached.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((Instant::now(), Arc::clone(&list)));
                list
            }
            Err(e) => {
                tracing::warn!(error = %e, "maintenance windows could not be read; keeping the last known");
                let guard = self.0.cached.lock().unwrap_or_else(|p| p.into_inner());
                guard.as_ref().map(|(_, w)| Arc::clone(w)).unwrap_or_default()
            }
        }
    }

    /// The window under way at `now`, if any.
    pub async fn current(&self, now: DateTime<Utc>) -> Option<Window> {
        rules::current(&self.windows(now).await, now).cloned()
    }

    /// Forgets the cached windows: the next request reads them again.
    pub fn invalidate(&self) {
        *self.0.cached.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// Listens on [`store::CHANNEL`] and forgets the cached windows on every notification (and on a
/// reconnection, which may have lost some) until the pool is closed. Returns once listening.
pub async fn listen(pool: PgPool, schedule: Schedule) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let after_gap = schedule.clone();
    crate::db::listen::spawn(
        pool,
        store::CHANNEL,
        move |_| schedule.invalidate(),
        move || after_gap.invalidate(),
    )
    .await
}
