//! `GET /ogc/collections/{id}/export?format=csv|xlsx|geojson|gpkg`: the parameters checked, the
//! export journalled and run by [`crate::features::export`], its file sent.

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::auth::{Caller, journal};
use crate::error::ApiError;
use crate::features::export::{self, Exported, Format};
use crate::features::query::ItemsQuery;
use crate::http::{AppState, ReqLang};

pub fn router() -> Router<AppState> {
    Router::new().route("/ogc/collections/{id}/export", get(export))
}

async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(mut pairs) = query.map_err(|e| ApiError::bad_request(lang, e.body_text()))?;
    let (layer, _, scope) = crate::policy::readable(&state.catalog(), &caller, &id, lang)?;
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
    match export::run(&state.pool, layer, &q, &scope, format, lang).await? {
        Exported::Growing(file) => Ok((h, Body::from_stream(file.into_stream())).into_response()),
        Exported::Complete { file, len, report } => {
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            if let Some(r) = report.filter(|r| r.cut_cells > 0 || r.rows_left_out > 0) {
                h.insert("qala-truncated-cells", HeaderValue::from(r.cut_cells));
                h.insert("qala-rows-left-out", HeaderValue::from(r.rows_left_out));
            }
            Ok((StatusCode::OK, h, Body::from_stream(file.into_stream())).into_response())
        }
    }
}
