//! The web map's routes: the front end built from `web/` (TypeScript, `npm run build` ->
//! `web/dist`), embedded into the binary and served at `/`, and `/api/web/config`, what it needs
//! to start (base maps, terrain, theme names, the initial view), from [`crate::web`].
//!
//! Release builds carry `web/dist` inside the binary (rust-embed); debug builds read it from disk,
//! so a rebuilt front end shows without recompiling. Hashed assets under `/assets/` are cached for
//! a year; `index.html` is revalidated every time.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::layers::catalog::Translated;
use crate::web::{self, OPEN_DATA_ATTRIBUTION, source_attribution, theme_titles};

#[derive(rust_embed::RustEmbed)]
#[folder = "web/dist"]
#[allow_missing = true]
struct Assets;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        // The applications screens (the same front end routes them in the browser).
        .route("/app", get(index))
        .route("/app/{*rest}", get(index))
        .route("/api/web/config", get(config))
        .route("/assets/{*path}", get(asset))
}

/// What the web map needs to start, for the caller: base maps, terrain, themes, initial view.
async fn config(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
) -> Result<Json<Value>, ApiError> {
    let catalog = state.catalog();
    let readable: Vec<_> = catalog.readable_all(&caller).collect();
    let mut themes: Vec<String> = readable.iter().map(|l| l.theme.clone()).collect();
    themes.sort();
    themes.dedup();
    let ids: Vec<&str> = readable.iter().map(|l| l.id.as_str()).collect();
    let bounds =
        crate::tiles::layers_extent(&state.pool, &ids).await.map_err(|e| ApiError::database(lang, e))?;
    let style_path = state.settings.styles_dir.join("qala.json");
    let style: Value =
        std::fs::read_to_string(&style_path).ok().and_then(|t| serde_json::from_str(&t).ok()).ok_or_else(
            || ApiError::internal(lang, format!("{} is missing or not JSON", style_path.display())),
        )?;
    let extra = match std::fs::read_to_string(state.settings.styles_dir.join("basemaps.toml")) {
        Ok(text) => web::basemaps::parse(&text)
            .map_err(|e| ApiError::internal(lang, format!("basemaps.toml: {e}")))?,
        Err(_) => Vec::new(),
    };
    let own = Translated {
        kk: "Qala базалық картасы".into(),
        ru: "Базовая карта Qala".into(),
        en: "Qala base map".into(),
    };
    let mut maps = vec![json!({"id": "qala", "kind": "style", "title": own, "url": "/styles/qala.json",
                               "attribution": source_attribution(&style, "qala")})];
    maps.extend(extra.into_iter().map(|b| json!(b)));
    let terrain: Vec<Value> = state
        .terrain
        .dems()
        .await
        .map_err(|e| ApiError::database(lang, e))?
        .into_iter()
        .map(|d| {
            json!({"id": d.id, "title": d.title.0, "tilejson": format!("/terrain/{}.json", d.id),
                        "attribution": d.attribution})
        })
        .collect();
    Ok(Json(json!({
        "title": {"kk": "Qala: Алматы қаласының картасы", "ru": "Qala: карта города Алматы", "en": "Qala: map of Almaty"},
        "center": style.get("center").cloned().unwrap_or(json!([76.93, 43.25])),
        "zoom": style.get("zoom").cloned().unwrap_or(json!(11)),
        "bounds": bounds,
        "style": "/styles/qala.json",
        "basemaps": maps,
        "terrain": terrain,
        "themes": theme_titles(&themes),
        "languages": ["kk", "kk-Latn", "ru", "en"],
        "attribution": {"kk": OPEN_DATA_ATTRIBUTION[0], "ru": OPEN_DATA_ATTRIBUTION[1], "en": OPEN_DATA_ATTRIBUTION[2]},
    })))
}

fn asset_response(path: &str) -> Option<Response> {
    let file = Assets::get(path)?;
    let mut h = HeaderMap::new();
    let mime = file.metadata.mimetype();
    if let Ok(v) = HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    let cache = if path.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    Some((StatusCode::OK, h, file.data.into_owned()).into_response())
}

/// A hashed file of the front end (`/assets/...`); compressed by the router's layer.
async fn asset(axum::extract::Path(path): axum::extract::Path<String>, ReqLang(lang): ReqLang) -> Response {
    if path.split('/').any(|s| s == "..") {
        return ApiError::not_found(Msg::NotFound, lang).into_response();
    }
    asset_response(&format!("assets/{path}"))
        .unwrap_or_else(|| ApiError::not_found(Msg::NotFound, lang).into_response())
}

/// The web map, or a plain list of layers when the front end was not built.
async fn index(State(state): State<AppState>, caller: Caller, ReqLang(lang): ReqLang) -> Response {
    if let Some(r) = asset_response("index.html") {
        return r;
    }
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let items: String = state
        .catalog()
        .readable_all(&caller)
        .map(|l| {
            format!("<li><a href=\"/api/layers/{id}\">{t}</a></li>", id = l.id, t = esc(l.title.get(lang)))
        })
        .collect();
    let tag = match lang {
        Lang::Kk => "kk",
        Lang::Ru => "ru",
        Lang::En => "en",
    };
    axum::response::Html(format!(
        "<!doctype html><html lang=\"{tag}\"><meta charset=\"utf-8\"><title>Qala</title><h1>Qala</h1>\
         <p>The web map is not built: <code>make build</code>.</p><ul>{items}</ul></html>"
    ))
    .into_response()
}

/// Files of the front end (`/assets/...`, `/favicon.svg`), else the JSON 404 of the API.
pub async fn fallback(method: Method, uri: Uri, ReqLang(lang): ReqLang) -> Response {
    let path = uri.path().trim_start_matches('/');
    if matches!(method, Method::GET | Method::HEAD)
        && !path.is_empty()
        && !path.split('/').any(|s| s == "..")
        && let Some(r) = asset_response(path)
    {
        return r;
    }
    ApiError::not_found(Msg::NotFound, lang).into_response()
}
