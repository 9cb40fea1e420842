//! The event journal (SEC-1): logins and failures, refusals, admin changes and edits, each with
//! who, when, from where, on what and the outcome. Admins search it at `/api/admin/journal`.
//!
//! Recording never fails the request it describes: a journal that cannot be written is logged.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgPool, Postgres};

/// Records one event. Errors are logged, not returned.
pub async fn record(
    pool: &PgPool,
    kind: &str,
    actor: Option<&str>,
    ip: Option<&str>,
    target: Option<&str>,
    outcome: &str,
    detail: serde_json::Value,
) {
    if let Err(e) = record_in(pool, kind, actor, ip, target, outcome, detail).await {
        tracing::error!(error = %e, kind, "the event journal could not be written");
    }
}

/// Records one event inside a transaction (edits: the entry commits with the change).
pub async fn record_in<'e>(
    exec: impl sqlx::Executor<'e, Database = Postgres>,
    kind: &str,
    actor: Option<&str>,
    ip: Option<&str>,
    target: Option<&str>,
    outcome: &str,
    detail: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO events (kind, actor, ip, target, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(kind)
    .bind(actor)
    .bind(ip)
    .bind(target)
    .bind(outcome)
    .bind(detail)
    .execute(exec)
    .await
    .map(|_| ())
}

/// A journal entry.
#[derive(Debug, Serialize, FromRow, utoipa::ToSchema)]
pub struct Event {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub actor: Option<String>,
    pub ip: Option<String>,
    pub target: Option<String>,
    pub outcome: String,
    pub detail: serde_json::Value,
}

/// Filters of a journal search; every one is optional.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// `login`, `logout`, `csrf`, `refusal`, `admin`, `edit`, `attachment`, `export`.
    #[param(pattern = r"^[^\u0000]*$")]
    pub kind: Option<String>,
    #[param(pattern = r"^[^\u0000]*$")]
    pub actor: Option<String>,
    /// `ok`, `refused` or `failed`.
    #[param(pattern = r"^[^\u0000]*$")]
    pub outcome: Option<String>,
    /// Events at or after this moment (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Events before this moment.
    pub to: Option<DateTime<Utc>>,
    /// Text to find in the target or the detail.
    #[param(pattern = r"^[^\u0000]*$")]
    pub q: Option<String>,
    /// At most this many, newest first (1-1000, default 100).
    pub limit: Option<i64>,
    pub lang: Option<String>,
}

pub async fn search(pool: &PgPool, q: &EventQuery) -> Result<Vec<Event>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, at, kind, actor, ip, target, outcome, detail FROM events
         WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR actor = $2)
           AND ($3::text IS NULL OR outcome = $3) AND ($4::timestamptz IS NULL OR at >= $4)
           AND ($5::timestamptz IS NULL OR at < $5)
           AND ($6::text IS NULL OR target ILIKE '%' || $6 || '%' OR detail::text ILIKE '%' || $6 || '%')
         ORDER BY at DESC, id DESC LIMIT $7",
    )
    .bind(&q.kind)
    .bind(&q.actor)
    .bind(&q.outcome)
    .bind(q.from)
    .bind(q.to)
    .bind(&q.q)
    .bind(q.limit.unwrap_or(100).clamp(1, 1000))
    .fetch_all(pool)
    .await
}
