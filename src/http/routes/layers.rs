//! `GET /api/layers` and `GET /api/layers/{id}`: the catalog as the caller may see it.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::Msg;
use crate::layers::catalog::{AttributeDef, GeometryType, MetadataDef, Translated};
use crate::layers::facts;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/layers", get(list_layers))
        .route("/api/layers/{id}", get(get_layer))
        .route("/api/layers/{id}/features/{fid}", get(get_feature))
}

/// A layer as listed in the catalog.
#[derive(Debug, Serialize, ToSchema)]
pub struct LayerSummary {
    pub id: String,
    /// Title in the caller's language.
    pub title: String,
    pub titles: Translated,
    pub theme: String,
    pub geometry: GeometryType,
    pub min_zoom: u8,
    pub max_zoom: u8,
    pub style: Option<String>,
    /// `true` when anonymous visitors may read the layer.
    pub public: bool,
    pub synthetic: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LayerList {
    pub layers: Vec<LayerSummary>,
}

/// A layer with its schema, metadata and what is stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct LayerDetail {
    #[serde(flatten)]
    pub summary: LayerSummary,
    pub attributes: Vec<AttributeDef>,
    pub metadata: MetadataDef,
    /// Number of features (not deleted).
    pub feature_count: i64,
    /// `[min_lon, min_lat, max_lon, max_lat]` of the features, WGS84; absent when empty.
    pub bbox: Option<[f64; 4]>,
    pub last_updated: Option<chrono::DateTime<chrono::Utc>>,
    /// The most recent imports into this layer.
    pub datasets: Vec<serde_json::Value>,
}

/// Count, bbox corners and last change of a layer, as `layer_stats.sql` returns them.
fn summary(l: &crate::layers::catalog::LayerDef, lang: crate::i18n::Lang) -> LayerSummary {
    LayerSummary {
        id: l.id.clone(),
        title: l.title.get(lang).to_string(),
        titles: l.title.clone(),
        theme: l.theme.clone(),
        geometry: l.geometry,
        min_zoom: l.min_zoom,
        max_zoom: l.max_zoom,
        style: l.style.clone(),
        public: l.access.public,
        synthetic: l.metadata.synthetic,
    }
}

/// Layers the caller may read.
#[utoipa::path(get, path = "/api/layers", tag = "layers",
    params(("lang" = Option<String>, Query, description = "kk, ru or en")),
    responses((status = 200, body = LayerList)))]
pub async fn list_layers(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
) -> Json<LayerList> {
    let catalog = state.catalog();
    Json(LayerList { layers: catalog.readable_all(&caller).map(|l| summary(l, lang)).collect() })
}

/// One layer with schema and metadata; 404 when unknown or not readable by the caller.
#[utoipa::path(get, path = "/api/layers/{id}", tag = "layers",
    params(("id" = String, Path, description = "Layer id"), ("lang" = Option<String>, Query, description = "kk, ru or en")),
    responses((status = 200, body = LayerDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_layer(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
) -> Result<Json<LayerDetail>, ApiError> {
    let layer = state
        .catalog()
        .readable(&caller, &id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(Msg::LayerNotFound, lang))?;
    let db = |e| ApiError::database(lang, e);
    let stats = facts::layer_stats(&state.pool, &layer.id).await.map_err(db)?;
    let datasets = facts::layer_datasets(&state.pool, &layer.id).await.map_err(db)?;
    Ok(Json(LayerDetail {
        summary: summary(&layer, lang),
        attributes: layer.attributes.clone(),
        metadata: layer.metadata.clone(),
        feature_count: stats.feature_count,
        bbox: stats.bbox,
        last_updated: stats.last_updated,
        datasets,
    }))
}

/// One feature as GeoJSON (all its attributes, its KATO unit, version, last change), for the
/// web map's object card; 404 when the layer is not readable or the feature does not exist.
#[utoipa::path(get, path = "/api/layers/{id}/features/{fid}", tag = "layers",
    params(("id" = String, Path, description = "Layer id"), ("fid" = i64, Path, description = "Feature id")),
    responses((status = 200, description = "GeoJSON Feature"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_feature(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path((id, fid)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let fid = crate::policy::parse_fid(&fid, lang)?;
    let (layer, _, _) =
        crate::policy::visible_feature(&state.catalog(), &state.pool, &caller, &id, fid, lang).await?;
    let feature =
        facts::feature_json(&state.pool, &layer.id, fid).await.map_err(|e| ApiError::database(lang, e))?;
    feature.map(Json).ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))
}
