//! Jobs that run on one server at a time when several `qala serve` share one database: a
//! PostgreSQL session advisory lock, tried (never waited for) on a connection of the pool held
//! for the job's whole run.
//!
//! [`run_exclusive`] is what a periodic job uses: every server ticks, and the one that takes the
//! lock runs the pass while the others skip it. The lock excludes *concurrent* runs only; a job
//! that must happen once per period (a nightly backup) records its last run inside the pass and
//! checks it there, since two servers ticking at different moments may each take the lock in turn.
//!
//! The lock lives as long as the connection's session: a job that panics or is cancelled drops
//! its [`Lock`], whose connection is then closed rather than returned to the pool, so the lock
//! never outlives the job (PostgreSQL releases it when the session ends, also when the process
//! dies).

use sha2::{Digest, Sha256};
use sqlx::PgPool;
use sqlx::pool::PoolConnection;
use sqlx::postgres::Postgres;

/// The advisory-lock key of a job name: the first 8 bytes of SHA-256("qala:" + name), so names
/// from different helpers do not collide and keys are the same in every process and version.
pub fn key(name: &str) -> i64 {
    let digest = Sha256::new().chain_update(b"qala:").chain_update(name.as_bytes()).finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(b)
}

/// A held lock. [`Lock::release`] unlocks and returns the connection to the pool; dropping it
/// without releasing closes the connection, which ends the session and so the lock.
#[derive(Debug)]
pub struct Lock {
    conn: Option<PoolConnection<Postgres>>,
    key: i64,
}

impl Lock {
    /// The job's key.
    pub fn key(&self) -> i64 {
        self.key
    }

    /// Unlocks. If the unlock fails the connection is closed (which unlocks too).
    pub async fn release(mut self) {
        if let Some(mut conn) = self.conn.take() {
            let r: sqlx::Result<bool> = sqlx::query_scalar("SELECT pg_advisory_unlock($1)")
                .bind(self.key)
                .fetch_one(&mut *conn)
                .await;
            if !matches!(r, Ok(true)) {
                tracing::warn!(key = self.key, result = ?r, "advisory unlock failed; closing the connection");
                conn.close_on_drop();
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.as_mut() {
            conn.close_on_drop();
        }
    }
}

/// Takes the lock of `name` if no other session holds it: `None` when another server has it.
pub async fn try_lock(pool: &PgPool, name: &str) -> sqlx::Result<Option<Lock>> {
    let key = key(name);
    let mut conn = pool.acquire().await?;
    let got: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(key).fetch_one(&mut *conn).await?;
    Ok(got.then_some(Lock { conn: Some(conn), key }))
}

/// Runs `job` if this process takes the lock of `name`: `Ok(Some(output))` when it ran,
/// `Ok(None)` when another session holds the lock (the job is not started), `Err` when the
/// database could not be asked. The lock is held until `job` completes.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool) -> sqlx::Result<()> {
/// if qala::db::leader::run_exclusive(&pool, "backup", async { /* one pass */ }).await?.is_none() {
///     // another server is running it
/// }
/// # Ok(()) }
/// ```
pub async fn run_exclusive<F, T>(pool: &PgPool, name: &str, job: F) -> sqlx::Result<Option<T>>
where
    F: std::future::Future<Output = T>,
{
    let Some(lock) = try_lock(pool, name).await? else {
        tracing::debug!(job = name, "another server holds the job's lock; skipped");
        return Ok(None);
    };
    let out = job.await;
    lock.release().await;
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_stable_and_distinct() {
        assert_eq!(super::key("alerts"), super::key("alerts"));
        assert_ne!(super::key("alerts"), super::key("backup"));
    }
}
