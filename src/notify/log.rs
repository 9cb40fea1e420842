//! What was sent: the delivery log of a subject (for an application's card) and the channels'
//! health (for the admins' alert).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

/// One attempt to deliver a notification.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Attempt {
    #[serde(skip)]
    pub outbox_id: i64,
    /// 1, 2, ...
    pub attempt: i32,
    pub at: DateTime<Utc>,
    /// `sent` or `failed`.
    pub outcome: String,
    /// Why it failed.
    pub detail: Option<String>,
}

/// A notification about a subject, with its attempts.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct NotificationLog {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub event: String,
    /// `email` or `sms`.
    pub channel: String,
    pub recipient: String,
    pub lang: String,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    /// When the next attempt is due (while pending).
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    #[sqlx(skip)]
    pub deliveries: Vec<Attempt>,
}

/// The notifications about `(subject_kind, subject_id)`, oldest first, each with its attempts.
/// The caller decides who may read it (recipients are personal data).
pub async fn deliveries(
    pool: &PgPool,
    subject_kind: &str,
    subject_id: i64,
) -> sqlx::Result<Vec<NotificationLog>> {
    let mut list: Vec<NotificationLog> = sqlx::query_as(include_str!("sql/subject_outbox.sql"))
        .bind(subject_kind)
        .bind(subject_id)
        .fetch_all(pool)
        .await?;
    let ids: Vec<i64> = list.iter().map(|n| n.id).collect();
    let attempts: Vec<Attempt> =
        sqlx::query_as(include_str!("sql/subject_deliveries.sql")).bind(&ids).fetch_all(pool).await?;
    for a in attempts {
        if let Some(n) = list.iter_mut().find(|n| n.id == a.outbox_id) {
            n.deliveries.push(a);
        }
    }
    Ok(list)
}

/// One channel's health.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ChannelHealth {
    /// `email` or `sms`.
    pub channel: String,
    /// Failed attempts since its last success.
    pub consecutive_failures: i32,
    /// Flagged after that many failures in a row; cleared by the next success.
    pub failing: bool,
    pub failing_since: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// Notifications waiting to be sent.
    pub waiting: i64,
    /// Notifications given up.
    pub failed: i64,
}

/// The health of every channel.
pub async fn health(pool: &PgPool) -> sqlx::Result<Vec<ChannelHealth>> {
    sqlx::query_as(include_str!("sql/health.sql")).fetch_all(pool).await
}
