//! The SQL of printing: where a frame lies in its CRS, the features inside it, document records
//! and the data of a passport.

use geo::Geometry;
use serde_json::Value;
use sqlx::PgPool;

use super::geopdf::GeoRef;
use super::layout::Box2;
use super::map::PrintFeature;
use crate::layers::catalog::{GeometryType, LayerDef};
use crate::policy::FeatureScope;

/// A CRS a map can be printed in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrintCrs {
    pub srid: u32,
    /// The geographic CRS of its datum (the `/GPTS` of the GeoPDF are on it).
    pub geographic: u32,
    pub title: &'static str,
    /// Where a print may be centred (west, south, east, north, WGS84 degrees): the CRS's area of
    /// use with 3 degrees to spare. Transverse Mercator zones far from their meridian are not
    /// maps to scale (and PROJ gives up on them): a centre outside is the caller's mistake.
    pub area: [f64; 4],
}

/// The CRSs offered: Web Mercator (as the web map), UTM zone 43N (Almaty, true scale), and the
/// local Pulkovo 1942 Gauss-Krüger zone 13 of older city plans.
pub const PRINT_CRS: [PrintCrs; 3] = [
    PrintCrs {
        srid: 3857,
        geographic: 4326,
        title: "WGS 84 / Pseudo-Mercator",
        area: [-180.0, -85.0, 180.0, 85.0],
    },
    PrintCrs { srid: 32643, geographic: 4326, title: "WGS 84 / UTM zone 43N", area: [69.0, 0.0, 81.0, 84.0] },
    PrintCrs {
        srid: 28413,
        geographic: 4284,
        title: "Pulkovo 1942 / Gauss-Kruger zone 13",
        area: [69.0, 32.0, 81.0, 84.0],
    },
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

/// A feature as the database sends it for a print: id, attributes, geometry as WKB in the
/// print's CRS. Turned into a [`PrintFeature`] by [`decode_features`] in a blocking thread.
#[derive(Debug, Clone)]
pub struct RawFeature {
    pub id: i64,
    pub attrs: Value,
    pub wkb: Vec<u8>,
}

/// The features of `layer` inside the frame, visible to the caller's `scope`.
pub async fn features_in_frame(
    pool: &PgPool,
    layer: &LayerDef,
    scope: &FeatureScope,
    crs: PrintCrs,
    crs_box: [f64; 4],
    tolerance: f64,
) -> sqlx::Result<Vec<RawFeature>> {
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
    Ok(rows.into_iter().filter_map(|(id, attrs, wkb)| Some(RawFeature { id, attrs, wkb: wkb? })).collect())
}

/// Features ready to draw (CPU work: call it from a blocking thread). Geometries that do not
/// decode are left out.
pub fn decode_features(raw: Vec<RawFeature>) -> Vec<PrintFeature> {
    use geozero::ToGeo;
    raw.into_iter()
        .filter_map(|r| {
            let geom: Geometry<f64> = geozero::wkb::Wkb(r.wkb).to_geo().ok()?;
            let props = match r.attrs {
                Value::Object(m) => m,
                _ => Default::default(),
            };
            Some(PrintFeature { id: r.id, props, geom })
        })
        .collect()
}

/// A document's record. `issuer` and `revoked_by` are staff logins: public views leave them out
/// (see [`super::records`]).
#[derive(Debug, Clone, sqlx::FromRow)]
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
    /// The issuer's organisation (id), for the access policy.
    pub issuer_org: Option<String>,
    /// The issuer's organisation and department as shown publicly.
    pub issuer_unit: Option<String>,
}

/// Who issues a document, as it is recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Issuer {
    /// The login; `None` for anonymous callers.
    pub login: Option<String>,
    /// The organisation's id.
    pub org: Option<String>,
    /// "Organisation · Department", as shown publicly.
    pub unit: Option<String>,
}

/// The issuer of a document for `login` (`None`: anonymous).
pub async fn issuer(pool: &PgPool, login: Option<&str>) -> sqlx::Result<Issuer> {
    let Some(login) = login else { return Ok(Issuer::default()) };
    let row: Option<(Option<String>, Option<String>)> =
        sqlx::query_as(include_str!("sql/issuer_unit.sql")).bind(login).fetch_optional(pool).await?;
    let (org, unit) = row.unwrap_or_default();
    Ok(Issuer { login: Some(login.to_string()), org, unit })
}

/// A document about to be recorded.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub code: &'a str,
    pub kind: &'a str,
    pub sha256: &'a str,
    pub size: usize,
    pub title: &'a str,
    pub subject: &'a Value,
    pub issuer: &'a Issuer,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    /// Passports: the key of their content (one live record per key).
    pub content_key: Option<&'a str>,
}

/// Records a document; `false` when a live record of the same content key exists already
/// (nothing is written then).
pub async fn record_document(pool: &PgPool, d: &NewDocument<'_>) -> sqlx::Result<bool> {
    let code: Option<String> = sqlx::query_scalar(include_str!("sql/document_insert.sql"))
        .bind(d.code)
        .bind(d.kind)
        .bind(d.sha256)
        .bind(d.size as i64)
        .bind(d.title)
        .bind(d.subject)
        .bind(d.issuer.login.as_deref())
        .bind(d.issued_at)
        .bind(d.issuer.org.as_deref())
        .bind(d.issuer.unit.as_deref())
        .bind(d.content_key)
        .fetch_optional(pool)
        .await?;
    Ok(code.is_some())
}

pub async fn document(pool: &PgPool, code: &str) -> sqlx::Result<Option<DocumentRecord>> {
    sqlx::query_as(include_str!("sql/document_get.sql")).bind(code).fetch_optional(pool).await
}

/// The live record of a document with this content key.
pub async fn document_by_content(pool: &PgPool, key: &str) -> sqlx::Result<Option<DocumentRecord>> {
    sqlx::query_as(include_str!("sql/document_by_content.sql")).bind(key).fetch_optional(pool).await
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
