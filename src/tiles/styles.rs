//! MapLibre styles from `styles/*.json`, served at `/styles/{id}.json` for the caller: style layers
//! whose `source-layer` the caller may not read are removed, the tile URL lists exactly the layers
//! that remain, `{base}` becomes this server's address and `{name_field}` the name attribute of
//! the requested language. Glyphs come from [`super::fonts`] at `/fonts/{fontstack}/{range}.pbf`.

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
use crate::i18n::{Lang, Msg};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/styles", get(list))
        .route("/styles/{file}", get(style))
        .route("/fonts", get(fonts))
        .route("/fonts/{fontstack}/{range}", get(glyphs))
}

fn style_ids(state: &AppState) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(&state.settings.styles_dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| {
                    e.file_name().to_str().and_then(|n| n.strip_suffix(".json")).map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

async fn list(State(state): State<AppState>, public: PublicUrl) -> Json<Value> {
    let base = public.0.clone();
    let styles: Vec<Value> = style_ids(&state)
        .into_iter()
        .map(|id| json!({"id": id, "url": format!("{base}/styles/{id}.json")}))
        .collect();
    Json(json!({ "styles": styles }))
}

/// Replaces `{name_field}` in every string of `v`.
pub(crate) fn localise(v: &mut Value, name_field: &str) {
    match v {
        Value::String(s) if s == "{name_field}" => *s = name_field.to_string(),
        Value::Array(a) => a.iter_mut().for_each(|x| localise(x, name_field)),
        Value::Object(o) => o.values_mut().for_each(|x| localise(x, name_field)),
        _ => {}
    }
}

/// The style `id` as the caller may see it.
pub fn style_for(
    text: &str,
    caller: &Caller,
    catalog: &crate::layers::Catalog,
    base: &str,
    labels: LabelLang,
) -> Option<Value> {
    let mut style: Value = serde_json::from_str(text).ok()?;
    let layers = style.get_mut("layers")?.as_array_mut()?;
    layers.retain(|l| match l.get("source-layer").and_then(Value::as_str) {
        Some(src) => catalog.readable(caller, src).is_some(),
        None => true,
    });
    let mut used: Vec<String> = Vec::new();
    for l in layers.iter() {
        if let Some(src) = l.get("source-layer").and_then(Value::as_str)
            && !used.iter().any(|u| u == src)
        {
            used.push(src.to_string());
        }
    }
    localise(&mut style, labels.name_field());
    let mut text = style.to_string();
    text = text.replace("{base}", base).replace("{layers}", &used.join(","));
    serde_json::from_str(&text).ok()
}

/// The language of map labels: one of the interface languages, or Kazakh in the Latin alphabet
/// (`?lang=kk-Latn`), whose labels the tiles carry as `name_kk_latn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelLang {
    Interface(Lang),
    KazakhLatin,
}

impl LabelLang {
    /// From the `lang` query parameter (`kk-Latn` is recognised) and the negotiated language.
    pub fn from_tag(tag: Option<&str>, negotiated: Lang) -> LabelLang {
        match tag {
            Some(t) if crate::i18n::is_kazakh_latin(t) => LabelLang::KazakhLatin,
            _ => LabelLang::Interface(negotiated),
        }
    }

    /// The attribute that holds names in this language.
    pub fn name_field(self) -> &'static str {
        match self {
            LabelLang::Interface(Lang::Kk) => "name_kk",
            LabelLang::Interface(Lang::Ru) => "name_ru",
            LabelLang::Interface(Lang::En) => "name_en",
            LabelLang::KazakhLatin => "name_kk_latn",
        }
    }
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
    if !style_ids(&state).iter().any(|s| s == id) {
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
