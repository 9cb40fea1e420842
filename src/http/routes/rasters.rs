//! `GET /api/rasters`: the rasters the caller may read (orthophotos, topographic surveys and the
//! hillshade of the DEMs), with their tile URL templates, for the web map's base layers.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::layers::catalog::Translated;
use crate::rasters::RasterKind;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/rasters", get(list_rasters))
}

/// A raster the caller may read.
#[derive(Debug, Serialize, ToSchema)]
pub struct RasterSummary {
    pub id: String,
    /// Title in the caller's language.
    pub title: String,
    pub titles: Translated,
    pub kind: RasterKind,
    /// `[min_lon, min_lat, max_lon, max_lat]`, WGS84.
    pub bounds: [f64; 4],
    pub min_zoom: u8,
    /// Beyond it maps over-zoom the tiles.
    pub max_zoom: u8,
    /// Ground size of a pixel, metres.
    pub resolution_m: f64,
    /// `true` when anonymous visitors may read it.
    pub public: bool,
    /// PNG tiles, relative to the server: `/tiles/ID/{z}/{x}/{y}.png`.
    pub tiles: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RasterList {
    pub rasters: Vec<RasterSummary>,
}

/// Rasters the caller may read; the hillshade first when a DEM is registered.
#[utoipa::path(get, path = "/api/rasters", tag = "layers",
    params(("lang" = Option<String>, Query, description = "kk, ru or en")),
    responses((status = 200, body = RasterList), (status = 500, body = crate::error::ErrorBody)))]
pub async fn list_rasters(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
) -> Result<Json<RasterList>, ApiError> {
    let rasters = state.rasters().readable(&caller).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(Json(RasterList {
        rasters: rasters
            .into_iter()
            .map(|r| RasterSummary {
                title: r.title.get(lang).to_string(),
                tiles: format!("/tiles/{}/{{z}}/{{x}}/{{y}}.png", r.id),
                titles: r.title,
                kind: r.kind,
                bounds: r.bounds_4326,
                min_zoom: r.min_zoom,
                max_zoom: r.max_zoom,
                resolution_m: r.resolution_m,
                public: r.access.public,
                id: r.id,
            })
            .collect(),
    }))
}
