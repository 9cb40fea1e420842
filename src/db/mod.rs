//! Database access: which server to use, the connection pool and migrations.
//!
//! With `DATABASE_URL`, Qala uses that server. Without it, Qala starts its own cluster
//! ([`cluster::Cluster`]) in the data directory and stops it again when the process that started
//! it ends (unless it was started by `qala db start`).

pub mod cluster;
pub mod leader;
pub mod listen;

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use sqlx::ConnectOptions;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// The database in use, and the cluster to stop when this value is dropped.
#[derive(Debug)]
pub struct Database {
    pub pool: PgPool,
    pub url: String,
    owned: Option<cluster::Cluster>,
}

impl Database {
    /// Connects to `database_url`, or to Qala's own cluster in `data_dir` (started if needed), and
    /// runs the migrations.
    pub async fn open(database_url: Option<&str>, data_dir: &Path) -> Result<Database> {
        Self::open_with(database_url, data_dir, &PoolSettings::default()).await
    }

    /// [`Database::open`] with the pool's settings (the server's are stricter than the commands').
    pub async fn open_with(
        database_url: Option<&str>,
        data_dir: &Path,
        pool: &PoolSettings,
    ) -> Result<Database> {
        let (url, owned) = match database_url {
            Some(u) => (u.to_string(), None),
            None => {
                let cluster = cluster::Cluster::new(data_dir)?;
                let c = cluster.clone();
                let (port, started) = tokio::task::spawn_blocking(move || c.start()).await??;
                (cluster.url(port), started.then_some(cluster))
            }
        };
        let pool = connect_with(&url, pool).await?;
        migrate(&pool).await?;
        Ok(Database { pool, url, owned })
    }

    /// Keeps the cluster running after this process ends (used by `qala db start`).
    pub fn detach(&mut self) {
        self.owned = None;
    }

    /// Closes the pool and stops the cluster if this process started it.
    pub async fn close(mut self) -> Result<()> {
        self.pool.close().await;
        if let Some(c) = self.owned.take() {
            tokio::task::spawn_blocking(move || c.stop()).await??;
        }
        Ok(())
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some(c) = self.owned.take()
            && let Err(e) = c.stop()
        {
            tracing::warn!(error = %e, "could not stop the database cluster");
        }
    }
}

/// How a pool behaves.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Most connections open at once.
    pub max_connections: u32,
    /// Longest wait for a connection (a request then answers 503).
    pub acquire_timeout: Duration,
    /// PostgreSQL's `statement_timeout` on every connection (`None`: none, for bulk loads).
    pub statement_timeout: Option<Duration>,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(30),
            statement_timeout: None,
        }
    }
}

impl PoolSettings {
    /// The server's pool: requests wait at most 5 s for a connection and 30 s for a statement.
    pub fn server() -> PoolSettings {
        PoolSettings {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Some(Duration::from_secs(30)),
        }
    }
}

/// A pool on `url` with `max` connections.
pub async fn connect(url: &str, max: u32) -> Result<PgPool> {
    connect_with(url, &PoolSettings { max_connections: max, ..PoolSettings::default() }).await
}

/// A pool on `url` with `settings`. Connections are checked before use, so a pool outlives a
/// database restart: broken connections are dropped and new ones opened when it is back.
pub async fn connect_with(url: &str, settings: &PoolSettings) -> Result<PgPool> {
    let mut opts: PgConnectOptions =
        url.parse().with_context(|| "DATABASE_URL is not a valid PostgreSQL URL")?;
    if let Some(t) = settings.statement_timeout {
        opts = opts.options([("statement_timeout", format!("{}ms", t.as_millis()))]);
    }
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .test_before_acquire(true)
        // Bulk loads run long statements on purpose: slow statements are debug detail, not warnings.
        .connect_with(
            opts.application_name("qala")
                .log_slow_statements(log::LevelFilter::Debug, Duration::from_secs(5)),
        )
        .await
        .with_context(|| format!("cannot connect to {}", redact(url)))
}

/// Applies the migrations in `migrations/` (embedded at build time).
pub async fn migrate(pool: &PgPool) -> Result<()> {
    sqlx::migrate!("./migrations").run(pool).await.context("database migration failed")
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match url.parse::<url_like::Url>() {
        Ok(u) => u.0,
        Err(()) => "(database url)".into(),
    }
}

mod url_like {
    /// A URL whose password part is replaced by `***`.
    pub struct Url(pub String);
    impl std::str::FromStr for Url {
        type Err = ();
        fn from_str(s: &str) -> Result<Self, ()> {
            let (scheme, rest) = s.split_once("://").ok_or(())?;
            let Some((cred, host)) = rest.split_once('@') else {
                return Ok(Url(s.to_string()));
            };
            let user = cred.split(':').next().unwrap_or("");
            let hidden = if cred.contains(':') { format!("{user}:***") } else { user.to_string() };
            Ok(Url(format!("{scheme}://{hidden}@{host}")))
        }
    }
}
