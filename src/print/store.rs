//! The SQL of printing: where a frame lies in its CRS, the features inside it, document records
//! and the data of a passport.

use geo::Geometry;
use serde_json::Value;
use sqlx::PgPool;

use super::geopdf::GeoRef;
use super::layout::Box2;
use super::map::PrintFeature;
use crate::auth::policy::FeatureScope;
use crate::layers::catalog::{GeometryType, LayerDef};

/// A CRS a map can be printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrintCrs {
    pub srid: u32,
    /// The geographic CRS of its datum (the `/GPTS` of the GeoPDF are on it).
    pub geographic: u32,
    pub title: &'static str,
}

/// The CRSs offered: Web Mercator (as the web map), UTM zone 43N (Almaty, true scale), and the
/// local Pulkovo 1942 Gauss-Krüger zone 13 of older city plans.
pub const PRINT_CRS: [PrintCrs; 3] = [
    PrintCrs { srid: 3857, geographic: 4326, title: "WGS 84 / Pseudo-Mercator" },
    PrintCrs { srid: 32643, geographic: 4326, title: "WGS 84 / UTM zone 43N" },
    PrintCrs { srid: 28413, geographic: 4284, title: "Pulkovo 1942 / Gauss-Kruger zone 13" },
];

pub fn print_crs(name: &str) -> Option<PrintCrs> {
    let code = name.trim().strip_prefix("EPSG:").or_else(|| name.trim().strip_prefix("epsg:"))?;
    PRINT_CRS.iter().copied().find(|c| c.srid.to_string() == code)
}

/// A map frame placed on the earth.
#[derive(Debug, Clone)]
pub struct FrameOnEarth {
    /// min x, min y, max x, max y in the CRS.
    pub crs_box: [f64; 4],
    /// Scale factor of the CRS at the centre (projected / ground length).
    pub k: f64,
    /// Grid azimuth of true north, degrees clockwise.
    pub north_deg: f64,
    pub georef: GeoRef,
}

/// Places a frame of `frame_mm` (width, height on paper) centred on (lon, lat) at 1:`scale` in
/// `crs`: the scale is true at the centre (the frame covers `frame_mm / 1000 × scale` metres on
/// the ground there), and the four corners become the GeoPDF's control points.
pub async fn place_frame(
    pool: &PgPool,
    crs: PrintCrs,
    center: (f64, f64),
    scale: f64,
    frame: Box2,
    frame_mm: (f64, f64),
) -> sqlx::Result<FrameOnEarth> {
    let (cx, cy, k, north, wkt): (f64, f64, f64, f64, Option<String>) =
        sqlx::query_as(include_str!("sql/frame.sql"))
            .bind(crs.srid as i32)
            .bind(center.0)
            .bind(center.1)
            .fetch_one(pool)
            .await?;
    let (hw, hh) = (frame_mm.0 / 2000.0 * scale * k, frame_mm.1 / 2000.0 * scale * k);
    let crs_box = [cx - hw, cy - hh, cx + hw, cy + hh];
    // Corners: lower left, upper left, upper right, lower right.
    let xs = [crs_box[0], crs_box[0], crs_box[2], crs_box[2]];
    let ys = [crs_box[1], crs_box[3], crs_box[3], crs_box[1]];
    let geo: Vec<(f64, f64)> = sqlx::query_as(include_str!("sql/to_geographic.sql"))
        .bind(crs.srid as i32)
        .bind(crs.geographic as i32)
        .bind(&xs[..])
        .bind(&ys[..])
        .fetch_all(pool)
        .await?;
    // On the 1e-5 degree grid, moved towards the centre (f32 prints these exactly).
    let (clon, clat) =
        (geo.iter().map(|p| p.0).sum::<f64>() / 4.0, geo.iter().map(|p| p.1).sum::<f64>() / 4.0);
    let snap = |v: f64, towards: f64| {
        let s = v * 1e5;
        (if towards > v { s.ceil() } else { s.floor() }) / 1e5
    };
    let lons: Vec<f64> = geo.iter().map(|p| snap(p.0, clon)).collect();
    let lats: Vec<f64> = geo.iter().map(|p| snap(p.1, clat)).collect();
    let back: Vec<(f64, f64)> = sqlx::query_as(include_str!("sql/from_geographic.sql"))
        .bind(crs.srid as i32)
        .bind(crs.geographic as i32)
        .bind(&lons)
        .bind(&lats)
        .fetch_all(pool)
        .await?;
    let mut gpts = [(0.0, 0.0); 4];
    let mut lpts = [(0.0, 0.0); 4];
    for i in 0..4 {
        gpts[i] = (lats[i], lons[i]);
        lpts[i] = ((back[i].0 - crs_box[0]) / (2.0 * hw), (back[i].1 - crs_box[1]) / (2.0 * hh));
    }
    let north_deg = if north > 180.0 { north - 360.0 } else { north };
    Ok(FrameOnEarth {
        crs_box,
        k,
        north_deg,
        georef: GeoRef { epsg: crs.srid, wkt: wkt.unwrap_or_default(), frame, gpts, lpts },
    })
}

/// The features of `layer` inside the frame, visible to the caller's `scope`.
pub async fn features_in_frame(
    pool: &PgPool,
    layer: &LayerDef,
    scope: &FeatureScope,
    crs: PrintCrs,
    crs_box: [f64; 4],
    tolerance: f64,
) -> sqlx::Result<Vec<PrintFeature>> {
    let size_filter = if layer.geometry == GeometryType::Point { "TRUE" } else { "f.web_size >= $8" };
    let sql = include_str!("sql/features_in_frame.sql")
        .replace("{table}", &format!("\"features_{}\"", layer.id))
        .replace("{scope}", &scope.sql(7))
        .replace("{size_filter}", size_filter)
        .replace("{geom}", if crs.srid == 3857 { "f.geom_web" } else { "ST_Transform(f.geom, $1)" });
    let rows: Vec<(i64, Value, Option<Vec<u8>>)> = sqlx::query_as(&sql)
        .bind(crs.srid as i32)
        .bind(crs_box[0])
        .bind(crs_box[1])
        .bind(crs_box[2])
        .bind(crs_box[3])
        .bind(tolerance)
        .bind(scope.param())
        .bind(tolerance * 2.0)
        .fetch_all(pool)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, attrs, wkb) in rows {
        let Some(wkb) = wkb else { continue };
        let geom: Option<Geometry<f64>> = geozero::wkb::Wkb(wkb).to_geo().ok();
        let Some(geom) = geom else { continue };
        let props = match attrs {
            Value::Object(m) => m,
            _ => Default::default(),
        };
        out.push(PrintFeature { id, props, geom });
    }
    Ok(out)
}

use geozero::ToGeo;

/// A document's record.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct DocumentRecord {
    pub code: String,
    pub kind: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub title: String,
    pub subject: Value,
    pub issuer: Option<String>,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub async fn record_document(
    pool: &PgPool,
    code: &str,
    kind: &str,
    sha256: &str,
    size: usize,
    title: &str,
    subject: &Value,
    issuer: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(include_str!("sql/document_insert.sql"))
        .bind(code)
        .bind(kind)
        .bind(sha256)
        .bind(size as i64)
        .bind(title)
        .bind(subject)
        .bind(issuer)
        .execute(pool)
        .await
        .map(|_| ())
}

pub async fn document(pool: &PgPool, code: &str) -> sqlx::Result<Option<DocumentRecord>> {
    sqlx::query_as(include_str!("sql/document_get.sql")).bind(code).fetch_optional(pool).await
}

/// Revokes a document (once: a second revocation keeps the first's time, author and reason);
/// the record after it, `None` when no document has the code.
pub async fn revoke_document(
    pool: &PgPool,
    code: &str,
    by: &str,
    reason: &str,
) -> sqlx::Result<Option<DocumentRecord>> {
    sqlx::query_as(include_str!("sql/document_revoke.sql"))
        .bind(code)
        .bind(by)
        .bind(reason)
        .fetch_optional(pool)
        .await
}

/// What a passport shows of a feature.
#[derive(Debug, Clone)]
pub struct PassportFeature {
    pub attrs: Value,
    pub version: i32,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub updated_by: String,
    pub kato: Option<String>,
    pub kato_names: [Option<String>; 3],
    /// WGS84 extent.
    pub bbox: [f64; 4],
    pub area_m2: Option<f64>,
    pub length_m: Option<f64>,
    pub point: (f64, f64),
}

type PassportRow = (
    Value,
    i32,
    chrono::DateTime<chrono::Utc>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    f64,
    f64,
    f64,
    f64,
    Option<f64>,
    Option<f64>,
    f64,
    f64,
);

pub async fn passport_feature(pool: &PgPool, layer: &str, fid: i64) -> sqlx::Result<Option<PassportFeature>> {
    let row: Option<PassportRow> = sqlx::query_as(include_str!("sql/passport_feature.sql"))
        .bind(layer)
        .bind(fid)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| PassportFeature {
        attrs: r.0,
        version: r.1,
        updated_at: r.2,
        updated_by: r.3,
        kato: r.4,
        kato_names: [r.5, r.6, r.7],
        bbox: [r.8, r.9, r.10, r.11],
        area_m2: r.12,
        length_m: r.13,
        point: (r.14, r.15),
    }))
}

/// The image attachments of a feature: sha256, file name, media type.
pub async fn passport_photos(
    pool: &PgPool,
    layer: &str,
    fid: i64,
) -> sqlx::Result<Vec<(String, String, String)>> {
    sqlx::query_as(include_str!("sql/passport_photos.sql")).bind(layer).bind(fid).fetch_all(pool).await
}
