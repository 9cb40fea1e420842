//! Syncs service files into the `services` table: each (id, version) is stored once and never
//! changed, so an application keeps the exact service it was submitted under. A file whose content
//! changed without a new `version` is refused, naming the file; a file removed from `services/`
//! stops being current (its applications keep their version).

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::service::{ServiceDef, ServiceError};

/// What a sync changed.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct SyncSummary {
    /// New versions (a new service, or a new version of one).
    pub added: Vec<String>,
    pub unchanged: Vec<String>,
    /// Services no longer offered.
    pub retired: Vec<String>,
}

/// Why a sync failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// A stored version differs from its file.
    #[error("{0}")]
    Changed(ServiceError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The digest a stored version is compared by: of its definition as stored.
fn digest(def: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(def.to_string().as_bytes()))
}

/// Writes `services` into the database in one transaction.
pub async fn sync(pool: &PgPool, services: &[ServiceDef]) -> Result<SyncSummary, SyncError> {
    let mut tx = pool.begin().await?;
    // One sync at a time (two servers starting together).
    sqlx::query("SELECT pg_advisory_xact_lock(7213)").execute(&mut *tx).await?;
    let mut summary = SyncSummary::default();
    for s in services {
        let definition = serde_json::to_value(s).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        let sha = digest(&definition);
        let stored: Option<String> =
            sqlx::query_scalar("SELECT file_sha256 FROM services WHERE id = $1 AND version = $2")
                .bind(&s.id)
                .bind(s.version as i32)
                .fetch_optional(&mut *tx)
                .await?;
        match stored {
            Some(old) if old != sha => {
                return Err(SyncError::Changed(ServiceError {
                    file: format!("{}.toml", s.id),
                    field: "version".into(),
                    reason: format!(
                        "version {} is already stored with other content: give the changed file version {}",
                        s.version,
                        s.version + 1
                    ),
                }));
            }
            Some(_) => summary.unchanged.push(s.id.clone()),
            None => {
                sqlx::query(include_str!("sql/insert_service.sql"))
                    .bind(&s.id)
                    .bind(s.version as i32)
                    .bind(&s.provider)
                    .bind(&s.category)
                    .bind(&definition)
                    .bind(&sha)
                    .execute(&mut *tx)
                    .await?;
                summary.added.push(format!("{} v{}", s.id, s.version));
            }
        }
        for sql in [
            "UPDATE services SET current = false WHERE id = $1 AND current AND version <> $2",
            "UPDATE services SET current = true WHERE id = $1 AND NOT current AND version = $2",
        ] {
            sqlx::query(sql).bind(&s.id).bind(s.version as i32).execute(&mut *tx).await?;
        }
    }
    let ids: Vec<String> = services.iter().map(|s| s.id.clone()).collect();
    summary.retired = sqlx::query_scalar(
        "UPDATE services SET current = false WHERE current AND NOT (id = ANY($1)) RETURNING id",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(summary)
}

/// Service `id` at `version` as stored, if it was ever synced.
pub async fn stored_version(pool: &PgPool, id: &str, version: u32) -> sqlx::Result<Option<ServiceDef>> {
    let def: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT definition FROM services WHERE id = $1 AND version = $2")
            .bind(id)
            .bind(version as i32)
            .fetch_optional(pool)
            .await?;
    def.map(|d| serde_json::from_value(d).map_err(|e| sqlx::Error::Decode(Box::new(e)))).transpose()
}
