//! `/terrain` (the registered DEMs), `/terrain/{id}.json` (TileJSON 3.0 with `encoding: mapbox`, for
//! MapLibre's `raster-dem` source) and `/terrain/{id}/{z}/{x}/{y}.png` (terrain-RGB tiles).
//! DEMs are public reference data (see [`crate::tiles::terrain`]); unknown DEMs and tiles outside a DEM are 404.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::http::{AppState, PublicUrl, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::tiles::coords::TileCoord;
use crate::tiles::terrain::Dem;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/terrain", get(list))
        .route("/terrain/{file}", get(tilejson))
        .route("/terrain/{id}/{z}/{x}/{y}", get(tile))
}

async fn dem(state: &AppState, id: &str, lang: Lang) -> Result<Dem, ApiError> {
    state
        .terrain
        .dem(id)
        .await
        .map_err(|e| ApiError::database(lang, e))?
        .ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))
}

fn tilejson_of(d: &Dem, base: &str) -> Value {
    let b = &d.bounds;
    json!({
        "tilejson": "3.0.0",
        "name": d.id,
        "description": d.title.0,
        "attribution": d.attribution,
        "scheme": "xyz",
        "tiles": [format!("{base}/terrain/{}/{{z}}/{{x}}/{{y}}.png", d.id)],
        "encoding": "mapbox",
        "tileSize": crate::tiles::terrain::TILE_PX,
        "minzoom": 0,
        "maxzoom": d.max_zoom(),
        "bounds": [b[0], b[1], b[2], b[3]],
        "center": [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0, 10],
        "elevation_m": [d.min_m, d.max_m],
    })
}

/// The registered DEMs with their TileJSON URLs.
async fn list(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    public: PublicUrl,
) -> Result<Json<Value>, ApiError> {
    let base = public.0.clone();
    let dems = state.terrain.dems().await.map_err(|e| ApiError::database(lang, e))?;
    let items: Vec<Value> = dems
        .iter()
        .map(|d| {
            json!({"id": d.id, "title": d.title.0, "attribution": d.attribution,
                        "tilejson": format!("{base}/terrain/{}.json", d.id)})
        })
        .collect();
    Ok(Json(json!({ "dems": items })))
}

async fn tilejson(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    public: PublicUrl,
    Path(file): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = file.strip_suffix(".json").ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    let d = dem(&state, id, lang).await?;
    Ok(Json(tilejson_of(&d, &public.0.clone())))
}

async fn tile(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path((id, z, x, y)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let y = y.strip_suffix(".png").ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    let coord = match (z.parse::<u8>(), x.parse::<u32>(), y.parse::<u32>()) {
        (Ok(z), Ok(x), Ok(y)) => TileCoord::new(z, x, y),
        _ => None,
    }
    .ok_or_else(|| ApiError::bad_request(lang, format!("{z}/{x}/{y} is not a tile (x and y 0 to 2^z-1)")))?;
    let d = Arc::new(dem(&state, &id, lang).await?);
    let png = state
        .terrain
        .tile(d, coord)
        .await
        .map_err(|e| ApiError::internal(lang, e))?
        .ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&png)[..16]));
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if fresh {
        return Ok((StatusCode::NOT_MODIFIED, h).into_response());
    }
    Ok((StatusCode::OK, h, png).into_response())
}
