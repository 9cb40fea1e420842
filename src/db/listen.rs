//! LISTEN on a channel for as long as the pool lives, for caches kept fresh by notifications
//! (cached tiles, cached credentials) when several servers share one database.
//!
//! Notifications sent while a server was not listening are lost, so after every gap (a lost
//! connection, PostgreSQL restarted) `on_gap` runs once listening has started again, and the
//! cache it clears cannot miss a change: anything committed after the new LISTEN is notified,
//! anything before it is dropped from the cache. A lost connection is replaced by a new listener
//! (tried every second while PostgreSQL is away).

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;

/// How long to wait between attempts to listen again.
const RETRY: Duration = Duration::from_secs(1);

/// Listens on `channel`: `on_notification` with each payload, `on_gap` after any interruption.
/// Returns once listening has started, so that changes made after it returns are seen; the task
/// ends when the pool is closed.
pub async fn spawn<F, G>(
    pool: PgPool,
    channel: &'static str,
    mut on_notification: F,
    mut on_gap: G,
) -> anyhow::Result<tokio::task::JoinHandle<()>>
where
    F: FnMut(&str) + Send + 'static,
    G: FnMut() + Send + 'static,
{
    let mut listener = connect(&pool, channel).await?;
    Ok(tokio::spawn(async move {
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => on_notification(n.payload()),
                // sqlx reconnected and listened again before returning this.
                Ok(None) => {
                    tracing::warn!(channel, "notifications reconnected; clearing what they keep fresh");
                    on_gap();
                }
                Err(_) if pool.is_closed() => break,
                Err(e) => {
                    tracing::error!(channel, error = %e, "notifications failed; listening again");
                    on_gap();
                    listener = loop {
                        tokio::time::sleep(RETRY).await;
                        if pool.is_closed() {
                            return;
                        }
                        match connect(&pool, channel).await {
                            Ok(l) => break l,
                            Err(e) => tracing::debug!(channel, error = %e, "cannot listen yet"),
                        }
                    };
                    tracing::warn!(channel, "listening again; clearing what the notifications keep fresh");
                    on_gap();
                }
            }
        }
    }))
}

async fn connect(pool: &PgPool, channel: &str) -> anyhow::Result<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(channel).await?;
    Ok(listener)
}
