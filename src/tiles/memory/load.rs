//! Reading a layer's features from PostGIS into store entries: the whole layer, or the features
//! in one region (after a change notification), and the cheap size estimate taken before a load.

use geozero::ToGeo;
use sqlx::PgPool;

use super::index::{AttrValue, Feature, bbox_of};
use super::values::{access_of, attrs_of, is_public};
use crate::layers::catalog::LayerDef;

/// Whether the tile SQL adds `name_kk_latn` for this layer (see `tiles::latin_names`).
pub fn adds_latin(layer: &LayerDef) -> bool {
    layer.attribute("name_kk").is_some() && layer.attribute("name_kk_latn").is_none()
}

fn table(layer: &LayerDef) -> String {
    format!("\"features_{}\"", layer.id)
}

type Row = (i64, Vec<u8>, f64, i32, String, Option<String>, Option<String>, String);

fn feature((id, wkb, web_size, rank, attrs, latin, owner_dept, created_by): Row) -> Option<Feature> {
    let geom: geo::Geometry<f64> = geozero::wkb::Wkb(wkb).to_geo().ok()?;
    let bbox = bbox_of(&geom)?;
    let json: serde_json::Value = serde_json::from_str(&attrs).unwrap_or(serde_json::Value::Null);
    Some(Feature {
        id,
        geom,
        bbox,
        web_size,
        rank: u8::try_from(rank.clamp(0, 255)).unwrap_or(255),
        attrs: attrs_of(&json),
        latin: latin.map(|s| AttrValue::Str(s.into())),
        owner_dept: owner_dept.map(Into::into),
        created_by: created_by.into(),
        public: is_public(&json),
        access: access_of(&json),
    })
}

/// Every live feature of `layer`.
pub async fn layer(pool: &PgPool, layer: &LayerDef) -> Result<Vec<Feature>, sqlx::Error> {
    let sql =
        include_str!("sql/layer_features.sql").replace("{table}", &table(layer)).replace("{region}", "true");
    let rows: Vec<Row> = sqlx::query_as(&sql).bind(adds_latin(layer)).fetch_all(pool).await?;
    Ok(rows.into_iter().filter_map(feature).collect())
}

/// The live features of `layer` whose box meets `region` (`[xmin, ymin, xmax, ymax]`, metres).
pub async fn region(pool: &PgPool, layer: &LayerDef, region: [f64; 4]) -> Result<Vec<Feature>, sqlx::Error> {
    let sql = include_str!("sql/layer_features.sql")
        .replace("{table}", &table(layer))
        .replace("{region}", "f.geom_web && ST_MakeEnvelope($2, $3, $4, $5, 3857)");
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .bind(adds_latin(layer))
        .bind(region[0])
        .bind(region[1])
        .bind(region[2])
        .bind(region[3])
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().filter_map(feature).collect())
}

/// The bytes `layer` would take in memory, estimated from counts (see `index::Feature::bytes`).
pub async fn estimate(pool: &PgPool, layer: &LayerDef) -> Result<u64, sqlx::Error> {
    let sql = include_str!("sql/layer_size.sql").replace("{table}", &table(layer));
    let (n, points, text): (i64, i64, i64) = sqlx::query_as(&sql).fetch_one(pool).await?;
    let per_feature = std::mem::size_of::<Feature>() as i64 + 64 + 96 + 32;
    Ok(u64::try_from(n * per_feature + points * 16 + text).unwrap_or(0))
}
