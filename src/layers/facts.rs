//! What the catalog says about a layer beyond its file: its feature count, extent and last
//! change, the datasets loaded into it, and one feature as GeoJSON (the SQL of `/api/layers`).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;

/// Live features of a layer, their extent (lon/lat) and the last change.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerStats {
    pub feature_count: i64,
    /// `[west, south, east, north]` in degrees; none for an empty layer.
    pub bbox: Option<[f64; 4]>,
    pub last_updated: Option<DateTime<Utc>>,
}

type StatsRow = (i64, Option<f64>, Option<f64>, Option<f64>, Option<f64>, Option<DateTime<Utc>>);

/// The statistics of layer `id`.
pub async fn layer_stats(pool: &PgPool, id: &str) -> sqlx::Result<LayerStats> {
    let row: StatsRow = sqlx::query_as(include_str!("sql/layer_stats.sql")).bind(id).fetch_one(pool).await?;
    let bbox = match row {
        (_, Some(a), Some(b), Some(c), Some(d), _) => Some([a, b, c, d]),
        _ => None,
    };
    Ok(LayerStats { feature_count: row.0, bbox, last_updated: row.5 })
}

/// The datasets loaded into layer `id` (source, date, counts), oldest first.
pub async fn layer_datasets(pool: &PgPool, id: &str) -> sqlx::Result<Vec<Value>> {
    let rows: Vec<(Value,)> =
        sqlx::query_as(include_str!("sql/layer_datasets.sql")).bind(id).fetch_all(pool).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Feature `fid` of layer `id` as GeoJSON (attributes, KATO unit, version, last change), when it
/// is live. The caller's scope is checked before (`policy::visible_feature`).
pub async fn feature_json(pool: &PgPool, id: &str, fid: i64) -> sqlx::Result<Option<Value>> {
    sqlx::query_scalar(include_str!("sql/feature_get.sql")).bind(id).bind(fid).fetch_optional(pool).await
}
