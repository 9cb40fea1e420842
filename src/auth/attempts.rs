//! Failed logins per (login, client address) pair, counted and locked atomically in the database
//! (table `login_attempts`, migration 0010).
//!
//! The rule: an attempt first *reserves* a place in its pair's count ([`reserve`], one
//! `INSERT … ON CONFLICT DO UPDATE … RETURNING`), before Argon2 runs. A pair whose failures and
//! reserved attempts reach [`super::LOCK_AFTER`] gets no reservation, so however many attempts
//! arrive at once, at most `LOCK_AFTER` wrong passwords are verified per pair before the lock. A
//! wrong password turns its reservation into a failure ([`failed`]), and the `LOCK_AFTER`-th
//! failure locks the pair for [`super::LOCKOUT`]; a right one gives its reservation back
//! ([`succeeded`]) without clearing the count, so that a login between guesses does not buy more
//! guesses. The count starts again from zero when a lock ends or after `LOCKOUT` without a
//! failure. Times come from the service's clock, so tests need not wait.
//!
//! Counting per pair means an attacker's guesses lock the attacker's address out of the account,
//! not the account's owner at another address. Attacks spread over many addresses are slowed by
//! the per-account rate limit ([`super::limits`]), which addresses the account has logged in from
//! before do not pay.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// An attempt that may go on to check the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    /// Failures of the pair before this attempt.
    pub failures: i32,
    /// Whether the account has logged in from this address in the last 90 days.
    pub known_address: bool,
}

/// Reserved attempts older than this are forgotten (a process that stopped mid-check).
const STALE_PENDING_S: f64 = 120.0;

/// Whether the pair's count starts again: its lock ended, or no failure for the lockout's length.
const FRESH: &str = "(a.locked_until <= $3
     OR (a.locked_until IS NULL AND (a.last_failure IS NULL OR a.last_failure <= $3 - make_interval(secs => $6))))";

/// Reserves an attempt of `login` from `ip`; `None` when the pair is locked or full.
pub async fn reserve(
    pool: &PgPool,
    login: &str,
    ip: &str,
    now: DateTime<Utc>,
    lock_after: i32,
    lockout: std::time::Duration,
) -> Result<Option<Reservation>, sqlx::Error> {
    let row: Option<(i32, Option<DateTime<Utc>>)> = sqlx::query_as(&format!(
        "INSERT INTO login_attempts AS a (login, ip, failures, pending, touched_at) VALUES ($1, $2, 0, 1, $3)
         ON CONFLICT (login, ip) DO UPDATE SET
             failures = CASE WHEN {FRESH} THEN 0 ELSE a.failures END,
             locked_until = CASE WHEN a.locked_until <= $3 THEN NULL ELSE a.locked_until END,
             pending = CASE WHEN a.touched_at < $3 - make_interval(secs => $5) THEN 0 ELSE a.pending END + 1,
             touched_at = $3
         WHERE (a.locked_until IS NULL OR a.locked_until <= $3)
           AND CASE WHEN {FRESH} THEN 0 ELSE a.failures END
             + CASE WHEN a.touched_at < $3 - make_interval(secs => $5) THEN 0 ELSE a.pending END < $4
         RETURNING failures, last_success"
    ))
    .bind(login)
    .bind(ip)
    .bind(now)
    .bind(lock_after)
    .bind(STALE_PENDING_S)
    .bind(lockout.as_secs_f64())
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(failures, last_success)| Reservation {
        failures,
        known_address: last_success.is_some_and(|t| t > now - chrono::Duration::days(90)),
    }))
}

/// How long the pair stays locked, when it is (at least a second while other attempts are in
/// flight and the pair is full).
pub async fn locked_for(
    pool: &PgPool,
    login: &str,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<std::time::Duration, sqlx::Error> {
    let until: Option<Option<DateTime<Utc>>> =
        sqlx::query_scalar("SELECT locked_until FROM login_attempts WHERE login = $1 AND ip = $2")
            .bind(login)
            .bind(ip)
            .fetch_optional(pool)
            .await?;
    let left = until.flatten().map(|t| (t - now).to_std().unwrap_or_default()).unwrap_or_default();
    Ok(left.max(std::time::Duration::from_secs(1)))
}

/// A wrong password: the reservation becomes a failure; the `lock_after`-th locks the pair.
/// Returns the pair's failures.
pub async fn failed(
    pool: &PgPool,
    login: &str,
    ip: &str,
    now: DateTime<Utc>,
    lock_after: i32,
    lockout: std::time::Duration,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE login_attempts SET pending = greatest(pending - 1, 0), failures = failures + 1,
             locked_until = CASE WHEN failures + 1 >= $4 THEN $3 + make_interval(secs => $5) ELSE locked_until END,
             last_failure = $3, touched_at = $3
         WHERE login = $1 AND ip = $2 RETURNING failures",
    )
    .bind(login)
    .bind(ip)
    .bind(now)
    .bind(lock_after)
    .bind(lockout.as_secs_f64())
    .fetch_optional(pool)
    .await
    .map(|f| f.unwrap_or(1))
}

/// The right password: the reservation is given back and the address is remembered; the count
/// stays (see the module's rule).
pub async fn succeeded(pool: &PgPool, login: &str, ip: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE login_attempts SET pending = greatest(pending - 1, 0), last_success = $3, touched_at = $3
         WHERE login = $1 AND ip = $2",
    )
    .bind(login)
    .bind(ip)
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ())
}

/// The attempt ended before its password was checked (busy, rate limited): the reservation is
/// given back without counting.
pub async fn release(pool: &PgPool, login: &str, ip: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE login_attempts SET pending = greatest(pending - 1, 0) WHERE login = $1 AND ip = $2")
        .bind(login)
        .bind(ip)
        .execute(pool)
        .await
        .map(|_| ())
}

/// Lifts every lockout of `login` (an administrator's unblock).
pub async fn clear(pool: &PgPool, login: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_attempts WHERE login = $1").bind(login).execute(pool).await.map(|_| ())
}

/// Forgets pairs untouched for a day that hold no lock, no attempt in flight and no recent login.
pub async fn prune(pool: &PgPool, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    sqlx::query(
        "DELETE FROM login_attempts WHERE touched_at < $1 - interval '1 day' AND pending = 0
             AND (locked_until IS NULL OR locked_until < $1)
             AND (last_success IS NULL OR last_success < $1 - interval '90 days')",
    )
    .bind(now)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
}
