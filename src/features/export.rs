//! Exports of a layer's features, with the filters of the items API (bbox, datetime, property
//! filters, CQL2, sortby, crs): `GET /ogc/collections/{id}/export?format=csv|xlsx|geojson|gpkg`.
//!
//! CSV and GeoJSON are streamed row by row as the database returns them, so a large export starts
//! at once and holds little memory; XLSX and GeoPackage are files by nature and are written whole
//! (the GeoPackage by GDAL in a blocking thread) before they are sent. CSV and XLSX headers are the
//! attribute labels in the caller's language; GeoJSON and GeoPackage keep the attribute names
//! (machine-readable). Only the features the caller may read are exported.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;
use serde_json::{Value, json};

use super::query::ItemsQuery;
use super::routes::readable;
use crate::auth::{Caller, journal};
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::Lang;
use crate::layers::catalog::{AttrType, LayerDef};

pub fn router() -> Router<AppState> {
    Router::new().route("/ogc/collections/{id}/export", get(export))
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    GeoJson,
    Gpkg,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "csv" => Format::Csv,
            "xlsx" => Format::Xlsx,
            "geojson" | "json" => Format::GeoJson,
            "gpkg" => Format::Gpkg,
            _ => return None,
        })
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::GeoJson => "application/geo+json",
            Format::Gpkg => "application/geopackage+sqlite3",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::GeoJson => "geojson",
            Format::Gpkg => "gpkg",
        }
    }
}

/// Column headers of CSV and XLSX in `lang`: id, the attribute labels, KATO, version, last
/// change, geometry (WKT).
pub fn headers(layer: &LayerDef, lang: Lang) -> Vec<String> {
    let fixed = |kk: &str, ru: &str, en: &str| match lang {
        Lang::Kk => kk.to_string(),
        Lang::Ru => ru.to_string(),
        Lang::En => en.to_string(),
    };
    let mut h = vec!["id".to_string()];
    h.extend(layer.attributes.iter().map(|a| a.label.get(lang).to_string()));
    h.push(fixed("ӘАОЖ", "КАТО", "KATO"));
    h.push(fixed("Нұсқа", "Версия", "Version"));
    h.push(fixed("Өзгертілді", "Изменено", "Updated"));
    h.push("WKT".to_string());
    h
}

/// One exported row: id, attributes, KATO, version, last change, geometry as WKT and GeoJSON.
#[derive(Debug, sqlx::FromRow)]
struct Row {
    id: i64,
    attrs: Value,
    kato: Option<String>,
    version: i32,
    updated_at: chrono::DateTime<chrono::Utc>,
    wkt: String,
    geojson: String,
    wkb: Vec<u8>,
}

fn select_sql(layer: &LayerDef, q: &ItemsQuery, scope_sql: &str) -> String {
    let g = q.crs.from_wgs84_sql("f.geom");
    format!(
        "SELECT f.id, f.attrs, f.kato::text AS kato, f.version, f.updated_at, ST_AsText({g}, {p}) AS wkt,
                ST_AsGeoJSON({g}, {p}) AS geojson, ST_AsBinary(ST_Multi({g})) AS wkb
         FROM \"features_{layer}\" f WHERE f.deleted_at IS NULL AND {scope_sql}{where_} ORDER BY {order}",
        p = q.crs.precision(),
        layer = layer.id,
        where_ = q.where_sql(),
        order = q.order_by(),
    )
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn csv_line(fields: &[String]) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(fields);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn row_fields(layer: &LayerDef, r: &Row) -> Vec<String> {
    let mut f = vec![r.id.to_string()];
    f.extend(layer.attributes.iter().map(|a| cell(r.attrs.get(&a.name))));
    f.push(r.kato.clone().unwrap_or_default());
    f.push(r.version.to_string());
    f.push(r.updated_at.to_rfc3339());
    f.push(r.wkt.clone());
    f
}

async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    Query(mut pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let (layer, _, scope) = readable(&state, &caller, &id, lang)?;
    let format = match pairs.iter().position(|(k, _)| k == "format") {
        Some(i) => {
            let (_, v) = pairs.remove(i);
            Format::parse(&v).ok_or_else(|| {
                ApiError::bad_request(lang, format!("format: `{v}` is not one of csv, xlsx, geojson, gpkg"))
            })?
        }
        None => return Err(ApiError::bad_request(lang, "`format` is required: csv, xlsx, geojson or gpkg")),
    };
    let mut q = ItemsQuery::parse(&pairs, &layer, false).map_err(|e| ApiError::bad_request(lang, e))?;
    if format == Format::Gpkg {
        // GeoPackage stores x = easting whatever the CRS's axis order.
        q.crs.flip = false;
    }
    journal::record(
        &state.pool,
        "export",
        Some(caller.login()),
        None,
        Some(&layer.id),
        "ok",
        json!({"format": format.extension(), "query": pairs}),
    )
    .await;
    let sql = select_sql(&layer, &q, &scope.sql(1));
    let file_name =
        format!("{}-{}.{}", layer.id, chrono::Utc::now().format("%Y%m%d-%H%M%S"), format.extension());
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if !layer.access.public {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    let scope_param = scope.param();
    match format {
        Format::Csv | Format::GeoJson => {
            // Rows flow from the database through a channel into the response body.
            let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(64);
            let pool = state.pool.clone();
            let layer2 = layer.clone();
            let head = headers(&layer, lang);
            tokio::spawn(async move {
                let query = sqlx::query_as::<_, Row>(&sql).bind(scope_param);
                let mut rows = super::query::bind_all(query, &q.params.binds).fetch(&pool);
                let start = match format {
                    Format::Csv => format!("\u{feff}{}", csv_line(&head)),
                    _ => "{\"type\":\"FeatureCollection\",\"features\":[\n".to_string(),
                };
                if tx.send(Ok(start)).await.is_err() {
                    return;
                }
                let mut first = true;
                while let Some(r) = rows.next().await {
                    let chunk = match r {
                        Ok(r) if format == Format::Csv => csv_line(&row_fields(&layer2, &r)),
                        Ok(r) => {
                            let f = format!(
                                "{}{{\"type\":\"Feature\",\"id\":{},\"geometry\":{},\"properties\":{}}}",
                                if first { "" } else { ",\n" },
                                r.id,
                                r.geojson,
                                r.attrs
                            );
                            first = false;
                            f
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "export failed midway");
                            let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                            return;
                        }
                    };
                    if tx.send(Ok(chunk)).await.is_err() {
                        return;
                    }
                }
                if format == Format::GeoJson {
                    let _ = tx.send(Ok("\n]}\n".to_string())).await;
                }
            });
            let stream =
                futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
            Ok((h, Body::from_stream(stream)).into_response())
        }
        Format::Xlsx | Format::Gpkg => {
            let query = sqlx::query_as::<_, Row>(&sql).bind(scope_param);
            let rows = super::query::bind_all(query, &q.params.binds)
                .fetch_all(&state.pool)
                .await
                .map_err(|e| ApiError::database(lang, e))?;
            let layer2 = layer.clone();
            let srid = q.crs.srid;
            let head = headers(&layer, lang);
            let bytes = tokio::task::spawn_blocking(move || match format {
                Format::Xlsx => xlsx(&layer2, &head, &rows),
                _ => gpkg(&layer2, &rows, srid),
            })
            .await
            .map_err(|e| ApiError::internal(lang, e))?
            .map_err(|e| ApiError::internal(lang, e))?;
            Ok((h, bytes).into_response())
        }
    }
}

/// Excel keeps at most this many characters in a cell.
const XLSX_CELL_MAX: usize = 32_767;

fn xlsx(layer: &LayerDef, head: &[String], rows: &[Row]) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(layer.id.chars().take(31).collect::<String>())?;
    let bold = XFormat::new().set_bold();
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = (i + 1) as u32;
        ws.write_number(row, 0, r.id as f64)?;
        for (j, a) in layer.attributes.iter().enumerate() {
            let col = (j + 1) as u16;
            match (a.kind, r.attrs.get(&a.name)) {
                (_, None | Some(Value::Null)) => {}
                (AttrType::Integer | AttrType::Number, Some(Value::Number(n))) => {
                    ws.write_number(row, col, n.as_f64().unwrap_or_default())?;
                }
                (AttrType::Boolean, Some(Value::Bool(b))) => {
                    ws.write_boolean(row, col, *b)?;
                }
                (_, v) => {
                    ws.write_string(row, col, cell(v))?;
                }
            }
        }
        let n = layer.attributes.len() as u16;
        ws.write_string(row, n + 1, r.kato.clone().unwrap_or_default())?;
        ws.write_number(row, n + 2, f64::from(r.version))?;
        ws.write_string(row, n + 3, r.updated_at.to_rfc3339())?;
        if r.wkt.len() <= XLSX_CELL_MAX {
            ws.write_string(row, n + 4, &r.wkt)?;
        }
    }
    ws.autofilter(0, 0, rows.len() as u32, (head.len() - 1) as u16)?;
    ws.set_freeze_panes(1, 0)?;
    Ok(wb.save_to_buffer()?)
}

fn gpkg(layer: &LayerDef, rows: &[Row], srid: i32) -> anyhow::Result<Vec<u8>> {
    use gdal::vector::{
        Feature, FieldValue, Geometry, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType,
    };
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(format!("{}.gpkg", layer.id));
    {
        let driver = gdal::DriverManager::get_driver_by_name("GPKG")?;
        let mut ds = driver.create_vector_only(&path)?;
        let mut srs = gdal::spatial_ref::SpatialRef::from_epsg(srid as u32)?;
        srs.set_axis_mapping_strategy(gdal::spatial_ref::AxisMappingStrategy::TraditionalGisOrder);
        let ty = match layer.geometry {
            crate::layers::catalog::GeometryType::Point => OGRwkbGeometryType::wkbMultiPoint,
            crate::layers::catalog::GeometryType::Line => OGRwkbGeometryType::wkbMultiLineString,
            crate::layers::catalog::GeometryType::Polygon => OGRwkbGeometryType::wkbMultiPolygon,
        };
        let mut txn = ds.start_transaction()?;
        let lyr = txn.create_layer(LayerOptions { name: &layer.id, srs: Some(&srs), ty, options: None })?;
        let mut defs: Vec<(&str, OGRFieldType::Type)> = layer
            .attributes
            .iter()
            .map(|a| {
                let t = match a.kind {
                    AttrType::Integer => OGRFieldType::OFTInteger64,
                    AttrType::Number => OGRFieldType::OFTReal,
                    AttrType::Boolean => OGRFieldType::OFTInteger,
                    _ => OGRFieldType::OFTString,
                };
                (a.name.as_str(), t)
            })
            .collect();
        defs.push(("qala_id", OGRFieldType::OFTInteger64));
        defs.push(("kato", OGRFieldType::OFTString));
        defs.push(("version", OGRFieldType::OFTInteger));
        lyr.create_defn_fields(&defs)?;
        for r in rows {
            let mut f = Feature::new(lyr.defn())?;
            for (i, a) in layer.attributes.iter().enumerate() {
                let v = match (a.kind, r.attrs.get(&a.name)) {
                    (_, None | Some(Value::Null)) => None,
                    (AttrType::Integer, Some(v)) => v.as_i64().map(FieldValue::Integer64Value),
                    (AttrType::Number, Some(v)) => v.as_f64().map(FieldValue::RealValue),
                    (AttrType::Boolean, Some(v)) => {
                        v.as_bool().map(|b| FieldValue::IntegerValue(i32::from(b)))
                    }
                    (_, v) => Some(FieldValue::StringValue(cell(v))),
                };
                if let Some(v) = v {
                    f.set_field(i, &v)?;
                }
            }
            let n = layer.attributes.len();
            f.set_field_integer64(n, r.id)?;
            if let Some(k) = &r.kato {
                f.set_field_string(n + 1, k)?;
            }
            f.set_field_integer(n + 2, r.version)?;
            f.set_geometry(Geometry::from_wkb(&r.wkb)?)?;
            f.create(&lyr)?;
        }
        txn.commit()?;
    }
    Ok(std::fs::read(&path)?)
}
