//! The SQL of features read and written one at a time: the item, its writes (Part 4), its
//! history, restore. Every write runs in a transaction that first names the author
//! (`qala.actor`, `qala.dept`): the triggers then write the history row in the same transaction.

use serde_json::Value;
use sqlx::{PgExecutor, PgPool, Postgres, Transaction};

use super::crs::Crs;
use crate::auth::{Caller, journal};
use crate::policy::FeatureScope;

/// A stored state of a feature: its GeoJSON text, version and when it was last changed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Stored {
    pub json: String,
    pub version: i32,
    pub modified: chrono::DateTime<chrono::Utc>,
}

/// One live feature (on a pool, or on the connection of a write transaction).
pub async fn item<'e>(
    db: impl PgExecutor<'e>,
    layer: &str,
    fid: i64,
    scope: &FeatureScope,
    crs: &Crs,
) -> Result<Option<Stored>, sqlx::Error> {
    let sql = format!(
        "SELECT json_build_object('type', 'Feature', 'id', f.id, 'geometry', ST_AsGeoJSON({geom}, {prec})::json,
                'properties', f.attrs)::text AS json, f.version, f.updated_at AS modified
         FROM \"features_{layer}\" f WHERE f.deleted_at IS NULL AND {scope} AND f.id = $2",
        geom = crs.from_wgs84_sql("f.geom"),
        prec = crs.precision(),
        scope = scope.sql(1),
    );
    sqlx::query_as(&sql).bind(scope.param()).bind(fid).fetch_optional(db).await
}

/// The version and last change of a live feature in the caller's scope, locked for the
/// transaction.
pub async fn lock_version(
    tx: &mut Transaction<'_, Postgres>,
    layer: &str,
    fid: i64,
    scope: &FeatureScope,
) -> Result<Option<(i32, chrono::DateTime<chrono::Utc>)>, sqlx::Error> {
    let sql = format!(
        "SELECT f.version, f.updated_at FROM \"features_{layer}\" f
         WHERE f.deleted_at IS NULL AND {} AND f.id = $2 FOR UPDATE",
        scope.sql(1)
    );
    sqlx::query_as(&sql).bind(scope.param()).bind(fid).fetch_optional(&mut **tx).await
}

/// Opens a write transaction in the caller's name.
pub async fn begin(pool: &PgPool, caller: &Caller) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let dept = caller.principal().and_then(|p| p.dept.clone()).unwrap_or_default();
    sqlx::query("SELECT set_config('qala.actor', $1, true), set_config('qala.dept', $2, true)")
        .bind(caller.login())
        .bind(dept)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// What a geometry is, as PostGIS sees it after conversion to WGS84.
#[derive(Debug, sqlx::FromRow)]
pub struct GeometryCheck {
    pub valid: Option<bool>,
    pub reason: Option<String>,
    pub geom_type: Option<String>,
    pub inside: Option<bool>,
    pub wkb: Option<Vec<u8>>,
}

/// Reads a GeoJSON geometry in `crs` and checks it: validity, type, inside `extent` (WGS84). Its
/// shape and dimensions are checked before (`geojson::check`); a height that a layer accepts is
/// dropped here (features are stored in 2D).
pub async fn check_geometry<'e>(
    db: impl PgExecutor<'e>,
    geojson: &str,
    crs: &Crs,
    extent: [f64; 4],
) -> Result<GeometryCheck, sqlx::Error> {
    let g = crs.to_wgs84_sql("ST_Force2D(ST_GeomFromGeoJSON($1))");
    let sql = format!(
        "SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason, GeometryType(g) AS geom_type,
                ST_CoveredBy(g, ST_MakeEnvelope($2, $3, $4, $5, 4326)) AS inside, ST_AsBinary(g) AS wkb
         FROM (SELECT {g} AS g) s"
    );
    sqlx::query_as(&sql)
        .bind(geojson)
        .bind(extent[0])
        .bind(extent[1])
        .bind(extent[2])
        .bind(extent[3])
        .fetch_one(db)
        .await
}

pub async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    layer: &str,
    wkb: &[u8],
    attrs: &Value,
) -> Result<(i64, i32), sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO features (layer_id, geom, attrs) VALUES ($1, ST_SetSRID(ST_GeomFromWKB($2), 4326), $3)
         RETURNING id, version",
    )
    .bind(layer)
    .bind(wkb)
    .bind(attrs)
    .fetch_one(&mut **tx)
    .await
}

/// Replaces geometry (when given) and attributes; returns the new version.
pub async fn update(
    tx: &mut Transaction<'_, Postgres>,
    layer: &str,
    fid: i64,
    wkb: Option<&[u8]>,
    attrs: &Value,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "UPDATE \"features_{layer}\" SET geom = coalesce(ST_SetSRID(ST_GeomFromWKB($2), 4326), geom), attrs = $3
         WHERE id = $1 RETURNING version"
    ))
    .bind(fid)
    .bind(wkb)
    .bind(attrs)
    .fetch_one(&mut **tx)
    .await
}

/// The current attributes of a feature (for merge-patch).
pub async fn attrs(tx: &mut Transaction<'_, Postgres>, layer: &str, fid: i64) -> Result<Value, sqlx::Error> {
    sqlx::query_scalar(&format!("SELECT attrs FROM \"features_{layer}\" WHERE id = $1"))
        .bind(fid)
        .fetch_one(&mut **tx)
        .await
}

/// Soft-deletes a feature (history keeps it; it can be restored).
pub async fn delete(tx: &mut Transaction<'_, Postgres>, layer: &str, fid: i64) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("UPDATE \"features_{layer}\" SET deleted_at = now() WHERE id = $1"))
        .bind(fid)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Journals an edit in the same transaction.
pub async fn journal_edit(
    tx: &mut Transaction<'_, Postgres>,
    caller: &Caller,
    op: &str,
    layer: &str,
    fid: i64,
    version: i32,
) -> Result<(), sqlx::Error> {
    journal::record_in(
        &mut **tx,
        "edit",
        Some(caller.login()),
        None,
        Some(&format!("{layer}/{fid}")),
        "ok",
        serde_json::json!({"op": op, "version": version}),
    )
    .await
}

/// The history of a feature, newest first, in the caller's scope (judged on the feature now).
pub async fn history(
    pool: &PgPool,
    layer: &str,
    fid: i64,
    scope: &FeatureScope,
) -> Result<Vec<Value>, sqlx::Error> {
    let sql = format!(
        "SELECT json_build_object('version', h.version, 'op', h.op, 'changed_by', h.changed_by,
                'changed_at', h.changed_at, 'properties_before', h.attrs_before, 'properties_after', h.attrs_after,
                'geometry_before', ST_AsGeoJSON(h.geom_before, 8)::json, 'geometry_after', ST_AsGeoJSON(h.geom_after, 8)::json)
         FROM feature_history h
         WHERE h.layer_id = $2 AND h.feature_id = $3
           AND EXISTS (SELECT 1 FROM \"features_{layer}\" f WHERE f.id = $3 AND {})
         ORDER BY h.id DESC",
        scope.sql(1)
    );
    sqlx::query_scalar(&sql).bind(scope.param()).bind(layer).bind(fid).fetch_all(pool).await
}

/// The feature as it was at `at` (its last change at or before then), with the moment of that
/// change. `None` when it did not exist yet or was deleted at that moment.
pub async fn as_of(
    pool: &PgPool,
    layer: &str,
    fid: i64,
    scope: &FeatureScope,
    at: chrono::DateTime<chrono::Utc>,
    crs: &Crs,
) -> Result<Option<Stored>, sqlx::Error> {
    let sql = format!(
        "SELECT json_build_object('type', 'Feature', 'id', h.feature_id, 'geometry', ST_AsGeoJSON({geom}, {prec})::json,
                'properties', h.attrs_after)::text, h.version, h.changed_at, h.op
         FROM feature_history h
         WHERE h.layer_id = $2 AND h.feature_id = $3 AND h.changed_at <= $4
           AND EXISTS (SELECT 1 FROM \"features_{layer}\" f WHERE f.id = $3 AND {scope})
         ORDER BY h.changed_at DESC, h.id DESC LIMIT 1",
        geom = crs.from_wgs84_sql("h.geom_after"),
        prec = crs.precision(),
        scope = scope.sql(1),
    );
    type Row = (String, i32, chrono::DateTime<chrono::Utc>, String);
    let row: Option<Row> =
        sqlx::query_as(&sql).bind(scope.param()).bind(layer).bind(fid).bind(at).fetch_optional(pool).await?;
    Ok(row.filter(|(_, _, _, op)| op != "delete").map(|(json, version, modified, _)| Stored {
        json,
        version,
        modified,
    }))
}

/// Restores version `version` of a feature as a new version (undeleting it if needed); returns
/// the new version, or `None` when that version has no state to restore (a deletion).
pub async fn restore(
    tx: &mut Transaction<'_, Postgres>,
    layer: &str,
    fid: i64,
    version: i32,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "UPDATE \"features_{layer}\" f SET geom = h.geom_after, attrs = h.attrs_after, deleted_at = NULL
         FROM (SELECT geom_after, attrs_after FROM feature_history
               WHERE layer_id = $1 AND feature_id = $2 AND version = $3 AND geom_after IS NOT NULL
               ORDER BY id DESC LIMIT 1) h
         WHERE f.id = $2 RETURNING f.version"
    ))
    .bind(layer)
    .bind(fid)
    .bind(version)
    .fetch_optional(&mut **tx)
    .await
}

/// Whether a feature exists in the caller's scope: live only, or also deleted (for restore).
pub async fn is_visible(
    pool: &PgPool,
    layer: &str,
    fid: i64,
    scope: &FeatureScope,
    include_deleted: bool,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM \"features_{layer}\" f WHERE f.id = $2 AND {} AND ($3 OR f.deleted_at IS NULL))",
        scope.sql(1)
    );
    sqlx::query_scalar(&sql).bind(scope.param()).bind(fid).bind(include_deleted).fetch_one(pool).await
}
