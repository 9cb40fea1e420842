//! The `backups` table (migration 0028): the database's copy of the manifests, for the admin API
//! and the metrics. The manifests on disk stay the reference (`qala restore` reads only them).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use super::manifest::Manifest;

/// A backup as the admin API lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct BackupRow {
    pub id: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    pub requested_by: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub wal_start_lsn: Option<String>,
    pub wal_end_lsn: Option<String>,
    pub size_bytes: Option<i64>,
    pub error: Option<String>,
    pub verified_at: Option<DateTime<Utc>>,
    /// `ok` or `failed`.
    pub verify_result: Option<String>,
    pub verification: Option<serde_json::Value>,
}

pub async fn insert(pool: &PgPool, m: &Manifest, requested_by: Option<&str>) -> sqlx::Result<()> {
    sqlx::query(include_str!("sql/insert.sql"))
        .bind(&m.id)
        .bind(requested_by)
        .bind(m.started_at)
        .execute(pool)
        .await
        .map(|_| ())
}

pub async fn finish(pool: &PgPool, m: &Manifest) -> sqlx::Result<()> {
    sqlx::query(include_str!("sql/finish.sql"))
        .bind(&m.id)
        .bind(&m.state)
        .bind(m.finished_at)
        .bind(&m.wal_start_lsn)
        .bind(&m.wal_end_lsn)
        .bind(i64::try_from(m.size_bytes).unwrap_or(i64::MAX))
        .bind(&m.error)
        .execute(pool)
        .await
        .map(|_| ())
}

pub async fn verified(pool: &PgPool, m: &Manifest) -> sqlx::Result<()> {
    let Some(v) = &m.verification else { return Ok(()) };
    sqlx::query(include_str!("sql/verified.sql"))
        .bind(&m.id)
        .bind(v.verified_at)
        .bind(if v.ok { "ok" } else { "failed" })
        .bind(&v.detail)
        .execute(pool)
        .await
        .map(|_| ())
}

/// The latest 200 backups, newest first.
pub async fn list(pool: &PgPool) -> sqlx::Result<Vec<BackupRow>> {
    sqlx::query_as(include_str!("sql/list.sql")).fetch_all(pool).await
}

pub async fn last_verified(pool: &PgPool) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar(include_str!("sql/last_verified.sql")).fetch_one(pool).await
}

pub async fn last_done(pool: &PgPool) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar(include_str!("sql/last_done.sql")).fetch_one(pool).await
}

pub async fn delete(pool: &PgPool, id: &str) -> sqlx::Result<()> {
    sqlx::query(include_str!("sql/delete.sql")).bind(id).execute(pool).await.map(|_| ())
}

/// Marks `running` rows not in `alive` as failed (their process ended mid-backup).
pub async fn fail_interrupted(pool: &PgPool, alive: &[String]) -> sqlx::Result<()> {
    sqlx::query(include_str!("sql/running.sql")).bind(alive).execute(pool).await.map(|_| ())
}
