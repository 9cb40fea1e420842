//! Syncs the layer catalog from files into the `layers` table. Layers are data: a new file needs no
//! migration, and a removed file retires its layer (its features stay, hidden) instead of deleting it.

use anyhow::{Context, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::catalog::LayerDef;

/// What a sync changed.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct SyncSummary {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub unchanged: Vec<String>,
    pub retired: Vec<String>,
}

/// Writes `layers` into the database in one transaction.
pub async fn sync(pool: &PgPool, layers: &[LayerDef]) -> Result<SyncSummary> {
    let mut tx = pool.begin().await?;
    let mut summary = SyncSummary::default();
    for l in layers {
        let definition = serde_json::to_value(l)?;
        let sha = hex::encode(Sha256::digest(definition.to_string().as_bytes()));
        let row: Option<(bool,)> = sqlx::query_as(include_str!("sql/sync_layer.sql"))
            .bind(&l.id)
            .bind(&l.title.kk)
            .bind(&l.title.ru)
            .bind(&l.title.en)
            .bind(&l.theme)
            .bind(l.geometry.as_str())
            .bind(&definition)
            .bind(&sha)
            .fetch_optional(&mut *tx)
            .await
            .with_context(|| format!("cannot sync layer {}", l.id))?;
        sqlx::query("SELECT qala_ensure_layer_partition($1)")
            .bind(&l.id)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("cannot create the storage of layer {}", l.id))?;
        match row {
            Some((true,)) => summary.added.push(l.id.clone()),
            Some((false,)) => summary.changed.push(l.id.clone()),
            None => summary.unchanged.push(l.id.clone()),
        }
    }
    let ids: Vec<String> = layers.iter().map(|l| l.id.clone()).collect();
    let retired: Vec<(String,)> =
        sqlx::query_as("UPDATE layers SET active = false WHERE active AND NOT (id = ANY($1)) RETURNING id")
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await?;
    summary.retired = retired.into_iter().map(|r| r.0).collect();
    tx.commit().await?;
    Ok(summary)
}
