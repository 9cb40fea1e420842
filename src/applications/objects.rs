//! Vector objects on an application: what the staff draw on its map or upload (a detailed plan
//! from CAD, a network), each with who may see it ([`ObjectAccess`]). Geometries arrive as GeoJSON
//! or as a file GDAL reads (DXF, KML, GPKG, GeoJSON, zipped Shapefile), in WGS84 or in a CRS the
//! caller names (SK-42 and UTM drawings have none inside). Bounded: [`MAX_FEATURES`] per request,
//! [`MAX_FILE`] bytes per file.
//!
//! [`read_file`] is the GDAL part (blocking: call it on a blocking thread); [`insert`], [`list`],
//! [`change_access`] and [`remove`] the SQL.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::{FromRow, PgPool};

pub use crate::policy::applications::ObjectAccess;

/// Most features one request adds.
pub const MAX_FEATURES: usize = 5_000;
/// Largest uploaded file, in bytes.
pub const MAX_FILE: usize = 20 * 1024 * 1024;
/// Most characters of the GeoJSON of all geometries of one request.
pub const MAX_GEOJSON: usize = 40 * 1024 * 1024;
/// How far from the application's site an object may lie, in metres.
pub const MAX_DISTANCE_M: f64 = 20_000.0;
/// File types GDAL is asked to read, by extension.
pub const FILE_TYPES: &[&str] = &["dxf", "kml", "gpkg", "geojson", "json", "zip", "gml"];

/// What an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// A detailed plan (from CAD, usually).
    Plan,
    /// A utility network.
    Network,
    Other,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Plan => "plan",
            ObjectKind::Network => "network",
            ObjectKind::Other => "other",
        }
    }
}

/// One geometry to add: GeoJSON geometry text and the properties it came with.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGeometry {
    pub geojson: String,
    pub props: Map<String, Value>,
}

/// Why input cannot be used (said to the caller as a 422): the message, and a detail without
/// words (limits, counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub crate::i18n::Msg, pub String);

fn unreadable(detail: impl Into<String>) -> InputError {
    InputError(crate::i18n::Msg::ObjectsUnreadable, detail.into())
}

fn too_many() -> InputError {
    InputError(crate::i18n::Msg::ObjectsTooMany, format!("{MAX_FEATURES}, {} MB", MAX_GEOJSON / 1024 / 1024))
}

/// The geometries of a GeoJSON geometry, Feature or FeatureCollection.
///
/// ```
/// use qala::applications::objects::from_geojson;
/// let fc = serde_json::json!({"type": "FeatureCollection", "features": [
///     {"type": "Feature", "properties": {"layer": "A"}, "geometry": {"type": "Point", "coordinates": [76.9, 43.2]}}]});
/// let g = from_geojson(&fc).unwrap();
/// assert_eq!(g.len(), 1);
/// assert_eq!(g[0].props["layer"], "A");
/// assert!(from_geojson(&serde_json::json!({"type": "Feature"})).is_err());
/// ```
pub fn from_geojson(v: &Value) -> Result<Vec<NewGeometry>, InputError> {
    let bad = |s: &str| unreadable(s);
    let one = |f: &Value| -> Result<NewGeometry, InputError> {
        let g =
            f.get("geometry").filter(|g| g.is_object()).ok_or_else(|| bad("a feature without a geometry"))?;
        let props = f.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
        Ok(NewGeometry { geojson: g.to_string(), props })
    };
    let out = match v.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => {
            let fs =
                v.get("features").and_then(Value::as_array).ok_or_else(|| bad("`features` is not a list"))?;
            if fs.len() > MAX_FEATURES {
                return Err(too_many());
            }
            fs.iter().map(one).collect::<Result<Vec<_>, _>>()?
        }
        Some("Feature") => vec![one(v)?],
        Some(
            "Point" | "LineString" | "Polygon" | "MultiPoint" | "MultiLineString" | "MultiPolygon"
            | "GeometryCollection",
        ) => vec![NewGeometry { geojson: v.to_string(), props: Map::new() }],
        _ => return Err(bad("not GeoJSON: a geometry, a Feature or a FeatureCollection")),
    };
    if out.is_empty() {
        return Err(bad("no features"));
    }
    if out.iter().map(|g| g.geojson.len()).sum::<usize>() > MAX_GEOJSON {
        return Err(too_many());
    }
    Ok(out)
}

/// The features of a vector file GDAL reads (every layer), geometries as GeoJSON in the file's
/// own CRS, and the file's CRS as an EPSG code when it says one. Blocking.
pub fn read_file(path: &Path) -> Result<(Vec<NewGeometry>, Option<i32>), InputError> {
    use gdal::vector::LayerAccess;
    let ds = gdal::Dataset::open_ex(
        path,
        gdal::DatasetOptions { open_flags: gdal::GdalOpenFlags::GDAL_OF_VECTOR, ..Default::default() },
    )
    .map_err(|_| unreadable("GDAL"))?;
    let mut out = Vec::new();
    let mut srid = None;
    let mut size = 0usize;
    for mut layer in ds.layers() {
        if srid.is_none() {
            srid = layer.spatial_ref().and_then(|s| s.auth_code().ok());
        }
        let name = layer.name();
        for f in layer.features() {
            let Some(g) = f.geometry().filter(|g| !g.is_empty()) else { continue };
            let mut g = g.clone();
            g.flatten_to_2d();
            let json = g.json().map_err(|e| unreadable(e.to_string()))?;
            size += json.len();
            if out.len() >= MAX_FEATURES || size > MAX_GEOJSON {
                return Err(too_many());
            }
            let mut props = Map::new();
            props.insert("source_layer".into(), Value::String(name.clone()));
            for (k, v) in f.fields() {
                if let Some(v) = v {
                    let s = match v {
                        gdal::vector::FieldValue::StringValue(s) => s,
                        other => format!("{other:?}"),
                    };
                    if s.len() <= 1000 {
                        props.insert(k, Value::String(s));
                    }
                }
            }
            out.push(NewGeometry { geojson: json, props });
        }
    }
    if out.is_empty() {
        return Err(unreadable("0"));
    }
    Ok((out, srid))
}

/// What a new batch of objects is.
#[derive(Debug, Clone)]
pub struct NewObjects<'a> {
    pub application: i64,
    pub kind: ObjectKind,
    pub title: &'a str,
    pub access: ObjectAccess,
    pub by: &'a str,
    /// The SRID the geometries are in.
    pub srid: i32,
}

/// Adds the geometries in one transaction: the new ids, or `Ok(Err(n))` when only `n` of them
/// would land (the others fall off the earth or farther than [`MAX_DISTANCE_M`] from the site) and
/// nothing is kept; an error PostGIS gives (a geometry it cannot read, an unknown CRS).
pub async fn insert(
    pool: &PgPool,
    o: &NewObjects<'_>,
    geoms: &[NewGeometry],
) -> Result<Result<Vec<i64>, usize>, sqlx::Error> {
    let texts: Vec<&str> = geoms.iter().map(|g| g.geojson.as_str()).collect();
    let props: Vec<Value> = geoms.iter().map(|g| Value::Object(g.props.clone())).collect();
    let mut tx = pool.begin().await?;
    let ids: Vec<i64> = sqlx::query_scalar(include_str!("sql/objects_insert.sql"))
        .bind(o.application)
        .bind(o.kind.as_str())
        .bind(o.title)
        .bind(o.access.as_str())
        .bind(o.by)
        .bind(&texts)
        .bind(&props)
        .bind(o.srid)
        .bind(MAX_DISTANCE_M)
        .fetch_all(&mut *tx)
        .await?;
    if ids.len() != geoms.len() {
        tx.rollback().await?;
        return Ok(Err(ids.len()));
    }
    tx.commit().await?;
    Ok(Ok(ids))
}

/// An object as it is read.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Object {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub access: String,
    pub props: sqlx::types::Json<Value>,
    pub geometry: sqlx::types::Json<Value>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// The objects of an application whose access is one of `accesses`.
pub async fn list(pool: &PgPool, application: i64, accesses: &[ObjectAccess]) -> sqlx::Result<Vec<Object>> {
    let a: Vec<&str> = accesses.iter().map(|a| a.as_str()).collect();
    sqlx::query_as(include_str!("sql/objects_list.sql")).bind(application).bind(&a).fetch_all(pool).await
}

/// Changes who may see an object; whether it existed.
pub async fn change_access(
    pool: &PgPool,
    application: i64,
    id: i64,
    access: ObjectAccess,
) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE application_objects SET access = $3 WHERE application_id = $1 AND id = $2")
        .bind(application)
        .bind(id)
        .bind(access.as_str())
        .execute(pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Removes an object; whether it existed.
pub async fn remove(pool: &PgPool, application: i64, id: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM application_objects WHERE application_id = $1 AND id = $2")
        .bind(application)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(r.rows_affected() == 1)
}
