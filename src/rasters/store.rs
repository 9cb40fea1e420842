//! The `rasters` table (migration 0032): list, record (add or replace) and remove, each change
//! notified on [`super::CHANNEL`] in the same statement.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{RasterDef, RasterKind};
use crate::layers::catalog::{AccessDef, Translated};

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    title_kk: String,
    title_ru: String,
    title_en: String,
    kind: String,
    public: bool,
    roles: Vec<String>,
    orgs: Vec<String>,
    file: String,
    source_name: String,
    source_sha256: String,
    source_crs: String,
    bounds_4326: Vec<f64>,
    bounds_3857: Vec<f64>,
    resolution_m: f64,
    bands: i32,
    min_zoom: i16,
    max_zoom: i16,
    nodata: Option<f64>,
    created_by: String,
    created_at: DateTime<Utc>,
}

fn four(v: &[f64]) -> [f64; 4] {
    [v[0], v[1], v[2], v[3]]
}

impl From<Row> for RasterDef {
    fn from(r: Row) -> RasterDef {
        RasterDef {
            title: Translated { kk: r.title_kk, ru: r.title_ru, en: r.title_en },
            kind: RasterKind::parse(&r.kind).unwrap_or(RasterKind::Other),
            access: AccessDef { public: r.public, roles: r.roles, orgs: r.orgs, ..Default::default() },
            file: r.file,
            source_name: r.source_name,
            source_sha256: r.source_sha256,
            source_crs: r.source_crs,
            bounds_4326: four(&r.bounds_4326),
            bounds_3857: four(&r.bounds_3857),
            resolution_m: r.resolution_m,
            bands: r.bands.clamp(1, 4) as u8,
            min_zoom: r.min_zoom.clamp(0, 24) as u8,
            max_zoom: r.max_zoom.clamp(0, 24) as u8,
            nodata: r.nodata,
            created_by: r.created_by,
            created_at: r.created_at,
            id: r.id,
        }
    }
}

/// Every registered raster (not the hillshade), by id.
pub async fn list(pool: &PgPool) -> sqlx::Result<Vec<RasterDef>> {
    let rows: Vec<Row> = sqlx::query_as(include_str!("sql/list.sql")).fetch_all(pool).await?;
    Ok(rows.into_iter().map(RasterDef::from).collect())
}

/// Records `def` (its `created_at` is set now); with `replace` an existing id is overwritten.
/// `false` when the id exists and `replace` is not set.
pub async fn save(pool: &PgPool, def: &RasterDef, replace: bool) -> Result<bool> {
    let saved: Option<String> = sqlx::query_scalar(include_str!("sql/upsert.sql"))
        .bind(&def.id)
        .bind(&def.title.kk)
        .bind(&def.title.ru)
        .bind(&def.title.en)
        .bind(def.kind.as_str())
        .bind(def.access.public)
        .bind(&def.access.roles)
        .bind(&def.access.orgs)
        .bind(&def.file)
        .bind(&def.source_name)
        .bind(&def.source_sha256)
        .bind(&def.source_crs)
        .bind(def.bounds_4326.to_vec())
        .bind(def.bounds_3857.to_vec())
        .bind(def.resolution_m)
        .bind(i32::from(def.bands))
        .bind(i16::from(def.min_zoom))
        .bind(i16::from(def.max_zoom))
        .bind(def.nodata)
        .bind(replace)
        .bind(&def.created_by)
        .fetch_optional(pool)
        .await
        .context("cannot record the raster")?;
    Ok(saved.is_some())
}

/// Removes a raster's registration; its file (relative to the data directory), or `None` when
/// there was no such raster.
pub async fn remove(pool: &PgPool, id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(include_str!("sql/remove.sql")).bind(id).fetch_optional(pool).await?)
}

/// Whether a raster `id` is registered.
pub async fn exists(pool: &PgPool, id: &str) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM rasters WHERE id = $1)")
        .bind(id)
        .fetch_one(pool)
        .await?)
}
