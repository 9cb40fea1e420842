//! The server's backup schedule: every minute the attachments are mirrored; the one server holding
//! the `backup` leader lock takes a base backup when the last one is older than the period,
//! verifies it and applies the retention; and an admins' alert is raised (journal
//! `backup.stale`, an error in the log) when the last verified backup is older than the period
//! plus a margin. The decisions are pure functions of the times ([`due`], [`stale`]).

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::Backups;

/// How often and how many.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// A base backup this often; `None`: no automatic backups (attachments are still mirrored).
    pub every: Option<Duration>,
    /// Base backups kept.
    pub keep: usize,
    /// The pass's period (mirroring, the schedule check).
    pub tick: Duration,
}

/// A period as `--backup-every` takes it: `7d`, `12h`, `30m`, `90s` or `0` (off).
pub fn parse_every(s: &str) -> Result<Option<Duration>, String> {
    let s = s.trim();
    if s == "0" {
        return Ok(None);
    }
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n.parse().map_err(|_| format!("`{s}` is not a period like 7d, 12h, 30m or 0"))?;
    let secs = match unit {
        "d" => 86_400,
        "h" => 3600,
        "m" => 60,
        "s" | "" => 1,
        _ => return Err(format!("`{s}`: the unit is d, h, m or s")),
    };
    match n.checked_mul(secs) {
        Some(0) => Ok(None),
        Some(t) if t <= 366 * 86_400 => Ok(Some(Duration::from_secs(t))),
        _ => Err(format!("`{s}` is longer than a year")),
    }
}

/// A new backup is due when none was taken or the last is `every` old.
pub fn due(last: Option<DateTime<Utc>>, now: DateTime<Utc>, every: Duration) -> bool {
    last.is_none_or(|l| now.signed_duration_since(l).to_std().unwrap_or_default() >= every)
}

/// The margin past the period before the alert: a tenth of it, at least an hour, at most a day.
pub fn margin(every: Duration) -> Duration {
    (every / 10).clamp(Duration::from_secs(3600), Duration::from_secs(86_400))
}

/// The last verified backup is too old (or there is none since `since`, the schedule's start).
pub fn stale(
    last_verified: Option<DateTime<Utc>>,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    every: Duration,
) -> bool {
    let limit = every + margin(every);
    let from = last_verified.unwrap_or(since);
    now.signed_duration_since(from).to_std().unwrap_or_default() > limit
}

/// Runs the schedule until the task is dropped.
pub async fn run(b: Backups, pool: PgPool, s: Schedule) {
    let since = Utc::now();
    let mut alerted = false;
    let mut tick = tokio::time::interval(s.tick.max(Duration::from_secs(1)));
    loop {
        tick.tick().await;
        let (dd, layout) = (b.data_dir.clone(), b.layout.clone());
        match tokio::task::spawn_blocking(move || super::files::mirror_attachments(&dd, &layout)).await {
            Ok(Ok(m)) if m.copied > 0 => {
                tracing::info!(copied = m.copied, "attachments mirrored into the backups")
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "mirroring attachments failed; the next pass retries"),
            _ => {}
        }
        let Some(every) = s.every else { continue };
        let pass = async {
            // Holding the lock, no backup runs anywhere: one still `running` was interrupted.
            super::fail_interrupted(&b, &pool).await;
            let last = super::store::last_done(&pool).await.ok().flatten();
            if due(last, Utc::now(), every) {
                match super::take_and_verify(&b, &pool, None, &|p| tracing::info!(step = p, "backup")).await {
                    Ok(m) => tracing::info!(id = m.id, "scheduled backup taken"),
                    Err(e) => tracing::error!(error = %format!("{e:#}"), "the scheduled backup failed"),
                }
                if let Err(e) = super::prune(&b, &pool, s.keep).await {
                    tracing::warn!(error = %e, "backup retention failed");
                }
            }
            let verified = super::store::last_verified(&pool).await.ok().flatten();
            let is_stale = stale(verified, since, Utc::now(), every);
            if is_stale && !alerted {
                tracing::error!(last_verified = ?verified, "ALERT: no verified backup within the schedule");
                crate::auth::journal::record(
                    &pool,
                    "backup.stale",
                    None,
                    None,
                    None,
                    "failed",
                    serde_json::json!({"last_verified": verified, "every_s": every.as_secs()}),
                )
                .await;
            }
            is_stale
        };
        match crate::db::leader::run_exclusive(&pool, "backup", pass).await {
            Ok(Some(is_stale)) => alerted = is_stale,
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "backup schedule: the database did not answer"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn periods_parse() {
        assert_eq!(parse_every("7d"), Ok(Some(Duration::from_secs(604_800))));
        assert_eq!(parse_every("12h"), Ok(Some(Duration::from_secs(43_200))));
        assert_eq!(parse_every("0"), Ok(None));
        assert!(parse_every("7w").is_err());
        assert!(parse_every("99999d").is_err());
    }

    #[test]
    fn weekly_backups_fall_due_after_a_week() {
        let week = Duration::from_secs(7 * 86_400);
        assert!(due(None, t("2026-12-03T00:00:00Z"), week));
        assert!(!due(Some(t("2026-12-01T00:00:00Z")), t("2026-12-07T23:59:59Z"), week));
        assert!(due(Some(t("2026-12-01T00:00:00Z")), t("2026-12-08T00:00:00Z"), week));
    }

    #[test]
    fn the_alert_waits_for_the_period_and_its_margin() {
        let week = Duration::from_secs(7 * 86_400);
        assert_eq!(margin(week), Duration::from_secs(60_480));
        let since = t("2026-11-01T00:00:00Z");
        let v = Some(t("2026-12-01T00:00:00Z"));
        assert!(!stale(v, since, t("2026-12-08T16:00:00Z"), week));
        assert!(stale(v, since, t("2026-12-08T17:00:00Z"), week));
        // No verified backup yet: counted from the schedule's start.
        assert!(!stale(None, t("2026-12-08T00:00:00Z"), t("2026-12-09T00:00:00Z"), week));
        assert!(stale(None, since, t("2026-12-09T00:00:00Z"), week));
        assert_eq!(margin(Duration::from_secs(600)), Duration::from_secs(3600));
    }
}
