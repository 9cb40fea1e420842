//! The worker that sends the outbox.
//!
//! Each round takes due rows with `FOR UPDATE SKIP LOCKED` (so several workers, or servers, never
//! take the same row) and leases them (`status = 'sending'`, `locked_until`), sends them at once,
//! and for each records a delivery row and ends the lease in one transaction: `sent`, a retry
//! after an exponential backoff ([`backoff`]), or `failed` after [`WorkerSettings::max_attempts`]
//! attempts or a permanent error. Every time decision reads the injected [`Clock`].
//!
//! No notification is lost: a row leased by a worker that died (SIGKILL, power cut) is taken again
//! once its lease ends, its lost attempt logged as failed. None is delivered twice: a worker that
//! died after sending and before recording sends the same id again, which the receiver dedupes
//! (see [`super::send`]). The lease is longer than a send's timeout, so a live worker never
//! loses its lease while sending.
//!
//! A channel with [`WorkerSettings::alert_after`] transient failures in a row is flagged as
//! failing (`notification_channels`, read by `GET /api/admin/notifications/health`) and journalled
//! once (`notify.channel_failing`); its next success clears the flag (`notify.channel_recovered`).
//!
//! [`Worker::run`] wakes on `NOTIFY qala_notifications` (a trigger on the outbox), when the next
//! row falls due, and at least every [`WorkerSettings::poll`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::postgres::PgListener;

use super::send::{EmailSender, SendError, SmsGateway};
use super::templates::Templates;
use crate::i18n::Lang;

/// The channel the outbox trigger notifies.
pub const WAKE_CHANNEL: &str = "qala_notifications";

/// The worker's time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told (tests).
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> ManualClock {
        ManualClock(Mutex::new(at))
    }
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += chrono::Duration::from_std(by).unwrap_or_default();
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// How the worker sends and retries.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// How long a taken row is held; longer than a send's timeout.
    pub lease: Duration,
    /// Attempts before a notification is given up (`failed`).
    pub max_attempts: i32,
    /// The wait after the first failed attempt; it doubles after each next one.
    pub backoff_base: Duration,
    /// The longest wait between attempts.
    pub backoff_max: Duration,
    /// The longest sleep between rounds without a wake-up.
    pub poll: Duration,
    /// Rows taken in one round.
    pub batch: i64,
    /// Consecutive transient failures of a channel that flag it as failing.
    pub alert_after: i32,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            lease: Duration::from_secs(60),
            max_attempts: 6,
            backoff_base: Duration::from_secs(30),
            backoff_max: Duration::from_secs(3600),
            poll: Duration::from_secs(30),
            batch: 20,
            alert_after: 5,
        }
    }
}

/// The wait after failed attempt number `attempt` (1, 2, ...): base × 2^(attempt-1), at most max.
///
/// ```
/// # use std::time::Duration;
/// # use qala::notify::worker::{backoff, WorkerSettings};
/// let s = WorkerSettings { backoff_base: Duration::from_secs(30), backoff_max: Duration::from_secs(100), ..Default::default() };
/// assert_eq!(backoff(&s, 1), Duration::from_secs(30));
/// assert_eq!(backoff(&s, 2), Duration::from_secs(60));
/// assert_eq!(backoff(&s, 3), Duration::from_secs(100));
/// ```
pub fn backoff(s: &WorkerSettings, attempt: i32) -> Duration {
    let factor = 1u32.checked_shl(u32::try_from(attempt.max(1) - 1).unwrap_or(31)).unwrap_or(u32::MAX);
    s.backoff_base.checked_mul(factor).unwrap_or(s.backoff_max).min(s.backoff_max)
}

/// The channels' adapters; a channel without one is not sent (its rows wait).
#[derive(Debug, Clone, Default)]
pub struct Senders {
    pub email: Option<EmailSender>,
    pub sms: Option<SmsGateway>,
}

impl Senders {
    fn channels(&self) -> Vec<String> {
        let mut c = Vec::new();
        if self.email.is_some() {
            c.push("email".to_string());
        }
        if self.sms.is_some() {
            c.push("sms".to_string());
        }
        c
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub taken: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

#[derive(Debug, sqlx::FromRow)]
struct Leased {
    id: i64,
    event: String,
    channel: String,
    recipient: String,
    lang: String,
    data: Value,
    attempts: i32,
    was: String,
}

enum Outcome {
    Sent,
    Retry,
    Failed,
}

/// Sends the outbox.
#[derive(Debug, Clone)]
pub struct Worker {
    pool: PgPool,
    templates: Arc<Templates>,
    senders: Arc<Senders>,
    settings: WorkerSettings,
    clock: Arc<dyn Clock>,
}

impl Worker {
    pub fn new(
        pool: PgPool,
        templates: Arc<Templates>,
        senders: Senders,
        settings: WorkerSettings,
        clock: Arc<dyn Clock>,
    ) -> Worker {
        Worker { pool, templates, senders: Arc::new(senders), settings, clock }
    }

    /// One round: takes the due rows and sends them; returns what happened.
    pub async fn run_once(&self) -> sqlx::Result<Round> {
        let channels = self.senders.channels();
        if channels.is_empty() {
            return Ok(Round::default());
        }
        let now = self.clock.now();
        let rows: Vec<Leased> = sqlx::query_as(include_str!("sql/claim.sql"))
            .bind(now)
            .bind(self.settings.batch)
            .bind(self.settings.lease.as_secs_f64())
            .bind(&channels)
            .fetch_all(&self.pool)
            .await?;
        let mut round = Round { taken: rows.len(), ..Round::default() };
        let results = futures_util::future::join_all(rows.into_iter().map(|r| self.deliver(r))).await;
        for r in results {
            match r? {
                Outcome::Sent => round.sent += 1,
                Outcome::Retry => round.retried += 1,
                Outcome::Failed => round.failed += 1,
            }
        }
        Ok(round)
    }

    async fn deliver(&self, row: Leased) -> sqlx::Result<Outcome> {
        if row.was == "sending" {
            // Its previous worker stopped while holding it: that attempt's fate is unknown.
            sqlx::query(include_str!("sql/delivery.sql"))
                .bind(row.id)
                .bind(row.attempts - 1)
                .bind(self.clock.now())
                .bind("failed")
                .bind("the worker stopped during this attempt; its lease ran out")
                .execute(&self.pool)
                .await?;
        }
        let result = if row.attempts > self.settings.max_attempts {
            Err(SendError { permanent: true, reason: "no attempts left".into() })
        } else {
            self.send(&row).await
        };
        self.finish(&row, result).await
    }

    async fn send(&self, row: &Leased) -> Result<(), SendError> {
        let lang = Lang::parse(&row.lang).unwrap_or_default();
        let unknown = || SendError { permanent: true, reason: format!("no template for `{}`", row.event) };
        match (row.channel.as_str(), &self.senders.email, &self.senders.sms) {
            ("email", Some(mail), _) => {
                let email = self.templates.email(&row.event, lang, &row.data).ok_or_else(unknown)?;
                mail.send(row.id, &row.recipient, lang.tag(), &email).await
            }
            ("sms", _, Some(sms)) => {
                let text = self.templates.sms(&row.event, lang, &row.data).ok_or_else(unknown)?;
                sms.send(row.id, &row.recipient, &text).await
            }
            (c, _, _) => {
                Err(SendError { permanent: false, reason: format!("the channel `{c}` is not configured") })
            }
        }
    }

    async fn finish(&self, row: &Leased, result: Result<(), SendError>) -> sqlx::Result<Outcome> {
        let now = self.clock.now();
        let mut tx = self.pool.begin().await?;
        let (outcome, status, next, error) = match &result {
            Ok(()) => (Outcome::Sent, "sent", None, None),
            Err(e) if e.permanent || row.attempts >= self.settings.max_attempts => {
                (Outcome::Failed, "failed", None, Some(e.reason.as_str()))
            }
            Err(e) => {
                let wait =
                    chrono::Duration::from_std(backoff(&self.settings, row.attempts)).unwrap_or_default();
                (Outcome::Retry, "pending", Some(now + wait), Some(e.reason.as_str()))
            }
        };
        sqlx::query(include_str!("sql/delivery.sql"))
            .bind(row.id)
            .bind(row.attempts)
            .bind(now)
            .bind(if result.is_ok() { "sent" } else { "failed" })
            .bind(error)
            .execute(&mut *tx)
            .await?;
        sqlx::query(include_str!("sql/finish.sql"))
            .bind(row.id)
            .bind(row.attempts)
            .bind(status)
            .bind(next)
            .bind(result.is_ok().then_some(now))
            .bind(error)
            .execute(&mut *tx)
            .await?;
        match &result {
            Ok(()) => {
                let was_failing: Option<bool> = sqlx::query_scalar(include_str!("sql/channel_ok.sql"))
                    .bind(&row.channel)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                if was_failing == Some(true) {
                    let detail = json!({"channel": row.channel});
                    crate::auth::journal::record_in(
                        &mut *tx,
                        "notify.channel_recovered",
                        None,
                        None,
                        Some(&row.channel),
                        "ok",
                        detail,
                    )
                    .await?;
                }
            }
            Err(e) if !e.permanent => {
                let raised: Option<(bool, i32)> = sqlx::query_as(include_str!("sql/channel_failed.sql"))
                    .bind(&row.channel)
                    .bind(&e.reason)
                    .bind(self.settings.alert_after)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                if let Some((true, count)) = raised {
                    tracing::error!(
                        channel = row.channel,
                        count,
                        error = e.reason,
                        "a notification channel keeps failing"
                    );
                    let detail = json!({"channel": row.channel, "consecutive_failures": count, "last_error": e.reason});
                    crate::auth::journal::record_in(
                        &mut *tx,
                        "notify.channel_failing",
                        None,
                        None,
                        Some(&row.channel),
                        "failed",
                        detail,
                    )
                    .await?;
                }
            }
            Err(_) => {}
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Sends until `shutdown` completes: a round whenever the outbox trigger notifies, the next
    /// row falls due, or [`WorkerSettings::poll`] has passed.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut listener: Option<PgListener> = None;
        loop {
            if listener.is_none() {
                listener = self.listen().await;
            }
            // Drain what is due now.
            loop {
                let round = tokio::select! {
                    r = self.run_once() => r,
                    _ = &mut shutdown => return,
                };
                match round {
                    Ok(r) if r.taken > 0 => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "the notification worker could not take its rows");
                        break;
                    }
                }
            }
            let wait = self.until_next_due().await;
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(wait) => {}
                r = wake(&mut listener) => {
                    if let Err(e) = r {
                        tracing::warn!(error = %e, "notification wake-ups lost; listening again");
                        listener = None;
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        }
    }

    async fn listen(&self) -> Option<PgListener> {
        let mut l = PgListener::connect_with(&self.pool).await.ok()?;
        l.listen(WAKE_CHANNEL).await.ok()?;
        Some(l)
    }

    /// How long to sleep: until the next row falls due, at most `poll`.
    async fn until_next_due(&self) -> Duration {
        let next: Option<DateTime<Utc>> = sqlx::query_scalar(include_str!("sql/next_due.sql"))
            .bind(self.senders.channels())
            .fetch_one(&self.pool)
            .await
            .unwrap_or(None);
        let poll = self.settings.poll;
        match next {
            Some(t) => (t - self.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(poll)
                .max(Duration::from_millis(50)),
            None => poll,
        }
    }
}

/// Waits for a notification on the listener (forever without one).
async fn wake(listener: &mut Option<PgListener>) -> sqlx::Result<()> {
    match listener {
        Some(l) => l.recv().await.map(|_| ()),
        None => std::future::pending().await,
    }
}
