//! `/styles` and `/styles/{id}.json` (the caller's style, [`crate::tiles::styles`]), `/fonts`
//! and the glyph ranges of `/fonts/{fontstack}/{range}.pbf`.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, PublicUrl, ReqLang};
use crate::i18n::Msg;
use crate::tiles::styles::{LabelLang, style_for, style_ids};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/styles", get(list))
        .route("/styles/{file}", get(style))
        .route("/fonts", get(fonts))
        .route("/fonts/{fontstack}/{range}", get(glyphs))
}

async fn list(State(state): State<AppState>, public: PublicUrl) -> Json<Value> {
    let base = public.0.clone();
    let styles: Vec<Value> = style_ids(&state.settings.styles_dir)
        .into_iter()
        .map(|id| json!({"id": id, "url": format!("{base}/styles/{id}.json")}))
        .collect();
    Json(json!({ "styles": styles }))
}

#[derive(serde::Deserialize)]
struct StyleQuery {
    lang: Option<String>,
}

async fn style(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    public: PublicUrl,
    Path(file): Path<String>,
    axum::extract::Query(q): axum::extract::Query<StyleQuery>,
) -> Result<Json<Value>, ApiError> {
    let id = file.strip_suffix(".json").ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    if !style_ids(&state.settings.styles_dir).iter().any(|s| s == id) {
        return Err(ApiError::not_found(Msg::NotFound, lang));
    }
    let text = std::fs::read_to_string(state.settings.styles_dir.join(format!("{id}.json")))
        .map_err(|e| ApiError::internal(lang, e))?;
    let base = public.0.clone();
    style_for(&text, &caller, &state.catalog(), &base, LabelLang::from_tag(q.lang.as_deref(), lang))
        .map(Json)
        .ok_or_else(|| ApiError::internal(lang, format!("style {id} is not valid JSON with layers")))
}

async fn fonts(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "fontstacks": state.fonts.names() }))
}

async fn glyphs(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path((fontstack, range)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let start = range
        .strip_suffix(".pbf")
        .and_then(|r| r.split_once('-'))
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        .filter(|(a, b)| a.is_multiple_of(256) && *b == a + 255)
        .map(|(a, _)| a)
        .ok_or_else(|| {
            ApiError::bad_request(lang, format!("`{range}` is not a glyph range like 0-255.pbf"))
        })?;
    let bytes =
        state.fonts.range(&fontstack, start).await.ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-protobuf"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    Ok((h, bytes).into_response())
}
