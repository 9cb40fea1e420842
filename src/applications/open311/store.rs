//! The SQL of Open311: an API key's user, the public rows of `GET requests`, and discarding the
//! draft of a `POST requests` whose submission failed.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::{FromRow, PgPool};

/// What Open311 reads of an application: nothing personal but the form, of which only the
/// service's published fields are ever shown.
#[derive(Debug, Clone, FromRow)]
pub struct PublicRow {
    pub id: i64,
    pub number: Option<String>,
    pub service_id: String,
    pub service_version: i32,
    pub org: String,
    pub status: String,
    pub stages: Vec<String>,
    pub form: sqlx::types::Json<Map<String, Value>>,
    pub geometry: Option<sqlx::types::Json<Value>>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
}

/// Which requests `GET requests` lists.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// The public services' ids.
    pub services: Vec<String>,
    pub ids: Option<Vec<i64>>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub statuses: Option<Vec<String>>,
    pub limit: i64,
}

/// The submitted applications of a query, newest first.
pub async fn requests(pool: &PgPool, q: &Query) -> sqlx::Result<Vec<PublicRow>> {
    sqlx::query_as(include_str!("../sql/open311_requests.sql"))
        .bind(&q.services)
        .bind(&q.ids)
        .bind(q.start)
        .bind(q.end)
        .bind(&q.statuses)
        .bind(q.limit)
        .fetch_all(pool)
        .await
}

/// The login an API key acts as, if the key is live and its user active.
pub async fn key_login(pool: &PgPool, key: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(include_str!("../sql/open311_key.sql"))
        .bind(crate::auth::sha256_hex(key))
        .fetch_optional(pool)
        .await
}

/// Removes draft `id` (a `POST requests` whose submission was refused leaves nothing behind).
pub async fn discard_draft(pool: &PgPool, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM applications WHERE id = $1 AND status = 'draft'")
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ())
}
