//! The SQL of the map services (the only IO of this module besides `draw.rs`): layers' extents,
//! boxes in each CRS for the capabilities, and the features near a point for GetFeatureInfo.

use serde_json::Value;
use sqlx::PgPool;

use crate::layers::catalog::LayerDef;
use crate::policy::FeatureScope;

/// A layer's extent (WGS84): the planner's estimate, else the live features' extent, else the
/// extent the layer's file allows; at least [`MIN_EXTENT_DEG`] a side (a single point is a box).
pub async fn layer_extent(pool: &PgPool, layer: &LayerDef) -> sqlx::Result<[f64; 4]> {
    raw_extent(pool, layer).await.map(grow)
}

/// The smallest side of an extent, degrees (about 100 m).
pub const MIN_EXTENT_DEG: f64 = 0.001;

/// An extent grown to [`MIN_EXTENT_DEG`] a side around its middle.
pub fn grow(b: [f64; 4]) -> [f64; 4] {
    let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
    let (hw, hh) =
        (((b[2] - b[0]) / 2.0).max(MIN_EXTENT_DEG / 2.0), ((b[3] - b[1]) / 2.0).max(MIN_EXTENT_DEG / 2.0));
    [cx - hw, cy - hh, cx + hw, cy + hh]
}

async fn raw_extent(pool: &PgPool, layer: &LayerDef) -> sqlx::Result<[f64; 4]> {
    type Corners = (Option<f64>, Option<f64>, Option<f64>, Option<f64>);
    let est: Result<Corners, _> = sqlx::query_as(include_str!("sql/extent.sql"))
        .bind(format!("features_{}", layer.id))
        .fetch_one(pool)
        .await;
    if let Ok((Some(a), Some(b), Some(c), Some(d))) = est
        && a <= c
        && b <= d
    {
        return Ok([a, b, c, d]);
    }
    Ok(crate::tiles::layers_extent(pool, &[layer.id.as_str()])
        .await?
        .unwrap_or_else(|| layer.allowed_extent()))
}

/// Each WGS84 box in each CRS of `srids`: `out[i]` lists (SRID, box in PostGIS order).
pub async fn boxes_in(
    pool: &PgPool,
    boxes: &[[f64; 4]],
    srids: &[i32],
) -> sqlx::Result<Vec<Vec<(u32, [f64; 4])>>> {
    let col = |k: usize| boxes.iter().map(|b| b[k]).collect::<Vec<f64>>();
    let rows: Vec<(i32, i32, f64, f64, f64, f64)> = sqlx::query_as(include_str!("sql/boxes.sql"))
        .bind(col(0))
        .bind(col(1))
        .bind(col(2))
        .bind(col(3))
        .bind(srids)
        .fetch_all(pool)
        .await?;
    let mut out = vec![Vec::new(); boxes.len()];
    for (i, srid, a, b, c, d) in rows {
        if let Some(v) = usize::try_from(i - 1).ok().and_then(|i| out.get_mut(i)) {
            v.push((srid as u32, [a, b, c, d]));
        }
    }
    Ok(out)
}

/// A feature found at a point.
#[derive(Debug, Clone)]
pub struct FoundFeature {
    pub id: i64,
    pub attrs: Value,
    /// GeoJSON geometry (WGS84), as text.
    pub geometry: String,
}

/// The features of `layer` visible to `scope` within `distance` of (x, y) in CRS `srid`,
/// nearest first, at most `limit`.
pub async fn features_at(
    pool: &PgPool,
    layer: &LayerDef,
    scope: &FeatureScope,
    srid: u32,
    point: (f64, f64),
    distance: f64,
    limit: u32,
) -> sqlx::Result<Vec<FoundFeature>> {
    let sql = include_str!("sql/feature_info.sql")
        .replace("{table}", &format!("\"features_{}\"", layer.id))
        .replace("{scope}", &scope.sql(5));
    let rows: Vec<(i64, Value, Option<String>)> = sqlx::query_as(&sql)
        .bind(srid as i32)
        .bind(point.0)
        .bind(point.1)
        .bind(distance)
        .bind(scope.param())
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, attrs, g)| FoundFeature { id, attrs, geometry: g.unwrap_or("null".into()) })
        .collect())
}
