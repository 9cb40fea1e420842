//! Exports of a layer's features, with the filters of the items API (bbox, datetime, property
//! filters, CQL2, sortby, crs), served at `GET /ogc/collections/{id}/export?format=csv|xlsx|geojson|gpkg`.
//!
//! Every format goes through a temporary file ([`spool`]), never a whole layer in memory, and a
//! slow client never holds a database connection: one query reads the rows from the database's
//! cursor as fast as it sends them (one snapshot), they are written to the file as they come, and
//! the connection goes back to the pool when the query ends, whatever the client's pace.
//! - CSV and GeoJSON: the response follows the file as it grows, so it starts at once. Its status
//!   is decided by the query's first answer (a filter the data cannot evaluate, such as a division
//!   by zero, is a 400); a failure after the first rows breaks the transfer off.
//! - XLSX ([`xlsx`], constant memory; over-long texts cut and listed on a `notes` sheet) and
//!   GeoPackage ([`gpkg`], GDAL): rows are written into the file in a blocking thread; the file is
//!   sent, with its length, once complete.
//!
//! CSV and XLSX headers are the attribute labels in the caller's language; GeoJSON and GeoPackage
//! keep the attribute names (machine-readable). Only the features the caller may read are exported.

mod gpkg;
pub mod spool;
pub mod xlsx;

use std::sync::Arc;

use futures_util::StreamExt;
use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};

use super::query::ItemsQuery;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::layers::catalog::LayerDef;
use crate::policy::FeatureScope;

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

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::GeoJson => "application/geo+json",
            Format::Gpkg => "application/geopackage+sqlite3",
        }
    }

    pub fn extension(self) -> &'static str {
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

/// One exported row: id, attributes, KATO, version, last change, and the geometry in the form
/// its format needs (WKT for CSV and XLSX, GeoJSON, WKB for GeoPackage; the others are NULL).
#[derive(Debug, sqlx::FromRow)]
struct Row {
    id: i64,
    attrs: Value,
    kato: Option<String>,
    version: i32,
    updated_at: chrono::DateTime<chrono::Utc>,
    wkt: Option<String>,
    geojson: Option<String>,
    wkb: Option<Vec<u8>>,
}

fn select_sql(layer: &LayerDef, q: &ItemsQuery, scope_sql: &str, format: Format) -> String {
    let g = q.crs.from_wgs84_sql("f.geom");
    let p = q.crs.precision();
    let (wkt, geojson, wkb) = match format {
        Format::Csv | Format::Xlsx => (format!("ST_AsText({g}, {p})"), "NULL".into(), "NULL".into()),
        Format::GeoJson => ("NULL".into(), format!("ST_AsGeoJSON({g}, {p})"), "NULL".into()),
        Format::Gpkg => ("NULL".into(), "NULL".into(), format!("ST_AsBinary(ST_Multi({g}))")),
    };
    format!(
        "SELECT f.id, f.attrs, f.kato::text AS kato, f.version, f.updated_at, {wkt}::text AS wkt,
                {geojson}::text AS geojson, {wkb}::bytea AS wkb
         FROM \"features_{layer}\" f WHERE f.deleted_at IS NULL AND {scope_sql}{where_} ORDER BY {order}",
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
    f.push(r.wkt.clone().unwrap_or_default());
    f
}

/// A query error as the caller's mistake when the data cannot be evaluated as the filter asks
/// (division by zero, an impossible date or number, a comparison of a text with a number, an
/// invalid pattern): 400 naming the kind, never PostgreSQL's text. Anything else is the server's.
fn query_error(lang: Lang, e: sqlx::Error) -> ApiError {
    let code = match &e {
        sqlx::Error::Database(d) => d.code().map(|c| c.to_string()),
        _ => None,
    };
    let what = match code.as_deref() {
        Some("22012") => "a division by zero",
        Some("22007" | "22008") => "an invalid date or time",
        Some("22003") => "a number out of range",
        Some("22P02") => "a value that is not of the type compared with",
        Some("2201B") => "an invalid pattern",
        Some("42883" | "42804") => "an operation on values of types it does not apply to",
        Some(c) if c.starts_with("22") => "a value the filter cannot use",
        _ => return ApiError::database(lang, e),
    };
    tracing::info!(error = %e, "export filter refused by the database");
    ApiError::bad_request(lang, format!("the filter cannot be evaluated on this layer's data: {what}"))
}

/// Reads the rows from the database's cursor into `tx` as fast as it sends them, until the end,
/// an error, or the receiver is gone. `first` learns of the query's first answer.
async fn read_rows(
    pool: sqlx::PgPool,
    sql: String,
    scope: Option<String>,
    binds: Vec<super::cql::Bind>,
    tx: mpsc::Sender<Row>,
    first: oneshot::Sender<Result<(), sqlx::Error>>,
) -> Result<(), sqlx::Error> {
    let query = sqlx::query_as::<_, Row>(&sql).bind(scope);
    let mut rows = super::query::bind_all(query, &binds).fetch(&pool);
    let mut first = Some(first);
    while let Some(r) = rows.next().await {
        match r {
            Ok(row) => {
                if let Some(f) = first.take() {
                    let _ = f.send(Ok(()));
                }
                if tx.send(row).await.is_err() {
                    return Ok(());
                }
            }
            Err(e) => {
                if let Some(f) = first.take() {
                    let _ = f.send(Err(e));
                    return Ok(());
                }
                return Err(e);
            }
        }
    }
    if let Some(f) = first.take() {
        let _ = f.send(Ok(()));
    }
    Ok(())
}

/// An export under way or done.
#[derive(Debug)]
pub enum Exported {
    /// CSV and GeoJSON: the file as it is written (the query has answered).
    Growing(spool::SpoolReader),
    /// XLSX and GeoPackage: the complete file, its length in bytes and, for XLSX, what was cut.
    Complete { file: spool::SpoolReader, len: u64, report: Option<xlsx::Report> },
}

/// Runs the export of `layer`'s features selected by `q` within `scope`: the rows are read from
/// the database's cursor into a temporary file (the connection is returned when the query ends,
/// whatever the client's pace). A filter the data cannot evaluate is a 400.
pub async fn run(
    pool: &PgPool,
    layer: Arc<LayerDef>,
    q: &ItemsQuery,
    scope: &FeatureScope,
    format: Format,
    lang: Lang,
) -> Result<Exported, ApiError> {
    let sql = select_sql(&layer, q, &scope.sql(1), format);
    let (tx, rx) = mpsc::channel::<Row>(256);
    let (first_tx, first_rx) = oneshot::channel();
    let reader =
        tokio::spawn(read_rows(pool.clone(), sql, scope.param(), q.params.binds.clone(), tx, first_tx));
    let failed = |e: &dyn std::fmt::Display| ApiError::internal(lang, e);
    match format {
        Format::Csv | Format::GeoJson => {
            let (writer, file) = spool::spool().map_err(|e| failed(&e))?;
            let head = headers(&layer, lang);
            tokio::spawn(write_text(writer, rx, format, layer.clone(), head, reader));
            // The status follows the query's first answer; later failures break the body off.
            match first_rx.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(query_error(lang, e)),
                Err(e) => return Err(failed(&e)),
            }
            Ok(Exported::Growing(file))
        }
        Format::Xlsx | Format::Gpkg => {
            let (layer2, srid, head) = (layer.clone(), q.crs.srid, headers(&layer, lang));
            let written = tokio::task::spawn_blocking(move || match format {
                Format::Xlsx => xlsx::write(&layer2, &head, lang, rx).map(|(f, r)| (f, Some(r))),
                _ => gpkg::write(&layer2, srid, rx).map(|f| (f, None)),
            });
            // The database's answer first: a refused filter is the caller's mistake.
            match reader.await.map_err(|e| failed(&e))? {
                Ok(()) => {}
                Err(e) => return Err(query_error(lang, e)),
            }
            if let Ok(Err(e)) = first_rx.await {
                return Err(query_error(lang, e));
            }
            let (file, report) = written.await.map_err(|e| failed(&e))?.map_err(|e| failed(&e))?;
            let (file, len) = spool::complete(file).map_err(|e| failed(&e))?;
            Ok(Exported::Complete { file, len, report })
        }
    }
}

/// Encodes CSV or GeoJSON rows into the spool as they come; stops when the client is gone.
async fn write_text(
    mut w: spool::SpoolWriter,
    mut rows: mpsc::Receiver<Row>,
    format: Format,
    layer: std::sync::Arc<LayerDef>,
    head: Vec<String>,
    reader: tokio::task::JoinHandle<Result<(), sqlx::Error>>,
) {
    let start = match format {
        Format::Csv => format!("\u{feff}{}", csv_line(&head)),
        _ => "{\"type\":\"FeatureCollection\",\"features\":[\n".to_string(),
    };
    let mut result = w.write(start.as_bytes()).await;
    let mut first = true;
    while result.is_ok() {
        let Some(r) = rows.recv().await else { break };
        if w.abandoned() {
            // Dropping the receiver stops the database read.
            return;
        }
        let chunk = match format {
            Format::Csv => csv_line(&row_fields(&layer, &r)),
            _ => {
                let f = format!(
                    "{}{{\"type\":\"Feature\",\"id\":{},\"geometry\":{},\"properties\":{}}}",
                    if first { "" } else { ",\n" },
                    r.id,
                    r.geojson.as_deref().unwrap_or("null"),
                    r.attrs
                );
                first = false;
                f
            }
        };
        result = w.write(chunk.as_bytes()).await;
    }
    drop(rows);
    match (result, reader.await) {
        (Ok(()), Ok(Ok(()))) => {
            let end = if format == Format::GeoJson { "\n]}\n" } else { "" };
            let finished = match w.write(end.as_bytes()).await {
                Ok(()) => w.finish().await,
                Err(e) => Err(e),
            };
            if let Err(e) = finished {
                tracing::error!(error = %e, "export spool failed");
            }
        }
        (Err(e), _) => {
            tracing::error!(error = %e, "export spool failed");
            w.fail("export failed");
        }
        (_, Ok(Err(e))) => {
            tracing::error!(error = %e, "export failed midway");
            w.fail("export failed");
        }
        (_, Err(e)) => {
            tracing::error!(error = %e, "export reader failed");
            w.fail("export failed");
        }
    }
}
