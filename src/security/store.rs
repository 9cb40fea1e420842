//! Incidents as security admins see them (with the journal events behind them) and their state:
//! open → acknowledged → closed (or open → closed), each change with who, when and a comment,
//! kept in the row's `history`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::{FromRow, PgPool};

use crate::auth::journal::Event;

/// Longest comment on a state change, in characters.
pub const MAX_COMMENT: usize = 2000;
/// Most incidents in one list.
pub const MAX_LIST: i64 = 500;

/// An incident.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Incident {
    pub id: i64,
    /// `password_guessing`, `repeated_refusals`, `new_address`, `admin_rights`, `mass_export`.
    pub rule: String,
    /// What it is about: `ip:…`, `login:…`, `user:…`, `session:…`, `token:…`.
    pub subject: String,
    pub window_start: DateTime<Utc>,
    /// `low`, `medium`, `high`.
    pub severity: String,
    /// `open`, `acknowledged`, `closed`.
    pub state: String,
    /// Ids of the journal events behind it.
    pub evidence: Vec<i64>,
    #[schema(value_type = Object)]
    pub detail: Value,
    pub raised_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub acted_by: Option<String>,
    pub acted_at: Option<DateTime<Utc>>,
    pub comment: Option<String>,
    /// Every state change: `{state, by, at, comment}`.
    #[schema(value_type = Vec<Object>)]
    pub history: Value,
}

/// An incident with its evidence as journal entries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentView {
    #[serde(flatten)]
    pub incident: Incident,
    pub events: Vec<Event>,
}

/// Filters of the list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IncidentQuery {
    /// `open`, `acknowledged` or `closed`.
    #[param(pattern = r"^(open|acknowledged|closed)$")]
    pub state: Option<String>,
    /// Raised at or after this moment (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// At most this many, newest first (1-500, default 100).
    pub limit: Option<i64>,
    pub lang: Option<String>,
}

/// A state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Acknowledge,
    Close,
}

/// Why a state change was not made.
#[derive(Debug)]
pub enum ActError {
    NotFound,
    /// The incident is closed already.
    Closed,
    Db(sqlx::Error),
}

impl From<sqlx::Error> for ActError {
    fn from(e: sqlx::Error) -> Self {
        ActError::Db(e)
    }
}

const COLUMNS: &str =
    "id, rule, subject, window_start, severity, state, evidence, detail, raised_at, last_seen,
    acted_by, acted_at, comment, history";

/// Whether `s` is a state.
pub fn is_state(s: &str) -> bool {
    matches!(s, "open" | "acknowledged" | "closed")
}

/// Incidents by the filters, newest first, each with its evidence events.
pub async fn list(pool: &PgPool, q: &IncidentQuery) -> sqlx::Result<Vec<IncidentView>> {
    let rows: Vec<Incident> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM incidents
         WHERE ($1::text IS NULL OR state = $1) AND ($2::timestamptz IS NULL OR raised_at >= $2)
         ORDER BY raised_at DESC, id DESC LIMIT $3"
    ))
    .bind(&q.state)
    .bind(q.since)
    .bind(q.limit.unwrap_or(100).clamp(1, MAX_LIST))
    .fetch_all(pool)
    .await?;
    let ids: Vec<i64> = rows.iter().flat_map(|r| r.evidence.iter().copied()).collect();
    let events: Vec<Event> = sqlx::query_as(
        "SELECT id, at, kind, actor, ip, target, outcome, detail FROM events WHERE id = ANY($1) ORDER BY id",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let by_id: std::collections::HashMap<i64, &Event> = events.iter().map(|e| (e.id, e)).collect();
    Ok(rows
        .into_iter()
        .map(|incident| {
            let events = incident
                .evidence
                .iter()
                .filter_map(|id| by_id.get(id))
                .map(|e| Event {
                    id: e.id,
                    at: e.at,
                    kind: e.kind.clone(),
                    actor: e.actor.clone(),
                    ip: e.ip.clone(),
                    target: e.target.clone(),
                    outcome: e.outcome.clone(),
                    detail: e.detail.clone(),
                })
                .collect();
            IncidentView { incident, events }
        })
        .collect())
}

/// One incident.
pub async fn get(pool: &PgPool, id: i64) -> sqlx::Result<Option<Incident>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM incidents WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Acknowledges or closes incident `id` as `by` at `now`; a closed incident stays closed, and
/// acknowledging an acknowledged one only adds its comment to the history.
pub async fn act(
    pool: &PgPool,
    id: i64,
    action: Action,
    by: &str,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<Incident, ActError> {
    let mut tx = pool.begin().await?;
    let state: Option<String> = sqlx::query_scalar("SELECT state FROM incidents WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    match state.as_deref() {
        None => return Err(ActError::NotFound),
        Some("closed") => return Err(ActError::Closed),
        _ => {}
    }
    let new_state = match action {
        Action::Acknowledge => "acknowledged",
        Action::Close => "closed",
    };
    let entry = json!([{"state": new_state, "by": by, "at": now, "comment": comment}]);
    let row: Incident = sqlx::query_as(&format!(
        "UPDATE incidents SET state = $2, acted_by = $3, acted_at = $4, comment = $5, history = history || $6
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(new_state)
    .bind(by)
    .bind(now)
    .bind(comment)
    .bind(entry)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row)
}
