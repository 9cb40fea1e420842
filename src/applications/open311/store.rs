//! The SQL of Open311: API keys (made, listed and revoked by `qala open311 keys`, looked up by
//! `POST requests`), the public rows of `GET requests`, and discarding the draft of a
//! `POST requests` whose submission failed.

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

/// An API key as listed: never the key, only the start of its SHA-256 to name it by.
#[derive(Debug, Clone, FromRow)]
pub struct KeyInfo {
    /// The first 12 hex digits of the key's SHA-256.
    pub fingerprint: String,
    pub login: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Why a key was not made or revoked.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("no active user `{0}`: keys act as an existing user")]
    NoSuchUser(String),
    #[error("no live key has a fingerprint starting with `{0}`")]
    NoSuchKey(String),
    #[error("`{0}` names more than one key: give more of the fingerprint")]
    Ambiguous(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Makes a new API key acting as `login` (an active user); the key, shown once: only its SHA-256
/// is stored.
pub async fn create_key(pool: &PgPool, login: &str) -> Result<String, KeyError> {
    let key = crate::auth::new_secret("o311_");
    let done = sqlx::query(
        "INSERT INTO open311_keys (key_sha256, login) SELECT $1, login FROM users WHERE login = $2 AND status = 'active'",
    )
    .bind(crate::auth::sha256_hex(&key))
    .bind(login)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(KeyError::NoSuchUser(login.to_string()));
    }
    Ok(key)
}

/// Every key, newest first.
pub async fn list_keys(pool: &PgPool) -> sqlx::Result<Vec<KeyInfo>> {
    sqlx::query_as(
        "SELECT left(key_sha256, 12) AS fingerprint, login, created_at, revoked_at FROM open311_keys ORDER BY created_at DESC, key_sha256",
    )
    .fetch_all(pool)
    .await
}

/// Revokes the one live key whose fingerprint starts with `prefix` (at least 6 hex digits); its
/// login.
pub async fn revoke_key(pool: &PgPool, prefix: &str) -> Result<String, KeyError> {
    let prefix = prefix.trim().to_lowercase();
    if prefix.len() < 6 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(KeyError::NoSuchKey(prefix));
    }
    let mut tx = pool.begin().await?;
    let logins: Vec<String> = sqlx::query_scalar(
        "UPDATE open311_keys SET revoked_at = now() WHERE key_sha256 LIKE $1 || '%' AND revoked_at IS NULL RETURNING login",
    )
    .bind(&prefix)
    .fetch_all(&mut *tx)
    .await?;
    match logins.as_slice() {
        [login] => {
            let login = login.clone();
            tx.commit().await?;
            Ok(login)
        }
        [] => Err(KeyError::NoSuchKey(prefix)),
        _ => Err(KeyError::Ambiguous(prefix)),
    }
}
