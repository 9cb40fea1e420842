//! `/tiles` (catalog), `/tiles/{layers}.json` (TileJSON 3.0) and
//! `/tiles/{layers}/{z}/{x}/{y}.mvt` (also `.pbf`), where `{layers}` is one layer id or several
//! joined by commas (a composite tile). Refused or unknown layers are left out of a composite; a
//! tile with no readable layer is a 404, as for an unknown layer.
//!
//! Issue 17: the same path with `.png`, `.jpg` or `.webp` is a raster tile of 256 pixels,
//! `{y}@2x.png` the same at pixel ratio 2 (512 pixels), and `/tiles/{layers}/512/{z}/{x}/{y}.png`
//! a tile of 512 CSS pixels (see [`crate::tiles::raster_tiles`]). Any other suffix is a 404 naming
//! the formats served.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, PublicUrl, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::layers::catalog::LayerDef;
use crate::rasters::RasterDef;
use crate::tiles::Coding;
use crate::tiles::coords::TileCoord;
use crate::tiles::raster_tiles::{
    RasterContext, RasterSpec, TileName, parse_tile_name, raster_backdrop, raster_tile,
};
use crate::tiles::tilejson::vector_layers;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tiles", get(catalog))
        .route("/tiles/{source}", get(tilejson))
        .route("/tiles/{source}/{z}/{x}/{y}", get(tile))
        .route("/tiles/{source}/512/{z}/{x}/{y}", get(tile_512))
}

/// What raster tiles need from the state (WMTS uses it too).
pub fn raster_context(state: &AppState) -> RasterContext {
    RasterContext {
        pool: state.pool.clone(),
        tiles: state.tiles.clone(),
        gate: state.settings.render.clone(),
        styles_dir: state.settings.styles_dir.clone(),
        fonts_dir: state.settings.fonts_dir.clone(),
        connections: state.settings.print_connections,
    }
}

/// The MIME type of Mapbox vector tiles.
pub const MVT_TYPE: &str = "application/vnd.mapbox-vector-tile";

/// The readable layers of a `a,b,c` source; 404 when none is.
fn readable_layers(
    state: &AppState,
    caller: &Caller,
    source: &str,
    lang: Lang,
) -> Result<Vec<Arc<LayerDef>>, ApiError> {
    let catalog = state.catalog();
    let mut layers: Vec<Arc<LayerDef>> = Vec::new();
    for id in source.split(',') {
        if let Some(l) = catalog.readable(caller, id.trim())
            && !layers.iter().any(|x| x.id == l.id)
        {
            layers.push(Arc::clone(l));
        }
    }
    if layers.is_empty() { Err(ApiError::not_found(Msg::LayerNotFound, lang)) } else { Ok(layers) }
}

/// The tile sources the caller may read.
async fn catalog(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    public: PublicUrl,
) -> Json<Value> {
    let base = public.0.clone();
    let catalog = state.catalog();
    let layers: Vec<Value> = catalog
        .readable_all(&caller)
        .map(|l| {
            json!({
                "id": l.id, "title": l.title.get(lang), "theme": l.theme, "geometry": l.geometry,
                "minzoom": l.min_zoom, "maxzoom": l.max_zoom,
                "tilejson": format!("{base}/tiles/{}.json", l.id),
                "tiles": format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", l.id),
                // issue 17: the same layer as PNG tiles (256 px; `@2x`, `/512/`, .jpg, .webp too)
                "raster_tiles": format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.png", l.id),
            })
        })
        .collect();
    Json(json!({ "tiles": layers }))
}

/// TileJSON 3.0 of one layer or a composite.
async fn tilejson(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    public: PublicUrl,
    Path(source): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let Some(source) = source.strip_suffix(".json") else {
        return Err(ApiError::not_found(Msg::NotFound, lang));
    };
    let layers = readable_layers(&state, &caller, source, lang)?;
    let ids: Vec<&str> = layers.iter().map(|l| l.id.as_str()).collect();
    let bounds = crate::tiles::layers_extent(&state.pool, &ids)
        .await
        .map_err(|e| ApiError::database(lang, e))?
        .unwrap_or([-180.0, -85.051_128_78, 180.0, 85.051_128_78]);
    let minzoom = layers.iter().map(|l| l.min_zoom).min().unwrap_or(0);
    let maxzoom = layers.iter().map(|l| l.max_zoom).max().unwrap_or(22).min(crate::tiles::coords::MAX_ZOOM);
    let layer_fields = vector_layers(&layers, lang);
    let attribution: Vec<String> =
        layers.iter().map(|l| format!("{} ({})", l.metadata.owner, l.metadata.licence)).collect();
    let joined = ids.join(",");
    Ok(Json(json!({
        "tilejson": "3.0.0",
        "name": joined,
        "description": layers.iter().map(|l| l.title.get(lang)).collect::<Vec<_>>().join(", "),
        "attribution": attribution.join("; "),
        "scheme": "xyz",
        "tiles": [format!("{}/tiles/{joined}/{{z}}/{{x}}/{{y}}.mvt", public.0.clone())],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0, minzoom.max(10)],
        "vector_layers": layer_fields,
    })))
}

/// One tile of 512 CSS pixels: an image only.
async fn tile_512(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path((source, z, x, y)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    match parse_tile_name(&y) {
        Some((row, TileName::Image { format, ratio })) => {
            let coord = coord(&z, &x, row, lang)?;
            let spec = RasterSpec { format, css_size: 512, ratio, lang };
            image_tile(&state, &caller, &headers, &source, coord, spec).await
        }
        _ => Err(ApiError::not_found(Msg::TileFormatUnknown, lang)),
    }
}

fn coord(z: &str, x: &str, y: &str, lang: Lang) -> Result<TileCoord, ApiError> {
    let parse = |s: &str| s.parse::<u32>().ok();
    match (z.parse::<u8>().ok(), parse(x), parse(y)) {
        (Some(z), Some(x), Some(y)) => TileCoord::new(z, x, y),
        _ => None,
    }
    .ok_or_else(|| {
        ApiError::bad_request(
            lang,
            format!("{z}/{x}/{y} is not a tile (z 0-{}, x and y 0 to 2^z-1)", crate::tiles::coords::MAX_ZOOM),
        )
    })
}

/// A raster tile: always an image (transparent where nothing is drawn), 304 when the caller's
/// copy is current.
async fn image_tile(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    source: &str,
    coord: TileCoord,
    spec: RasterSpec,
) -> Result<Response, ApiError> {
    let lang = spec.lang;
    // Layers and rasters, each as the caller may read it; rasters are drawn first (request order).
    let catalog = state.catalog();
    let (mut layers, mut rasters): (Vec<Arc<LayerDef>>, Vec<RasterDef>) = (Vec::new(), Vec::new());
    for id in source.split(',').map(str::trim) {
        if let Some(l) = catalog.readable(caller, id) {
            if !layers.iter().any(|x| x.id == l.id) {
                layers.push(Arc::clone(l));
            }
        } else if catalog.get(id).is_none()
            && let Some(r) =
                state.rasters().get_readable(caller, id).await.map_err(|e| ApiError::internal(lang, e))?
            && !rasters.iter().any(|x| x.id == r.id)
        {
            rasters.push(r);
        }
    }
    if layers.is_empty() && rasters.is_empty() {
        return Err(ApiError::not_found(Msg::LayerNotFound, lang));
    }
    let scoped: Vec<_> =
        layers.iter().map(|l| (Arc::clone(l), crate::policy::feature_scope(caller, l))).collect();
    let backdrops: Vec<_> = rasters.iter().map(|r| raster_backdrop(state.rasters(), r)).collect();
    let tile = raster_tile(&raster_context(state), &scoped, &backdrops, coord, spec).await?;
    let mut h = tile_headers(state, caller, &layers, &tile.etag);
    if rasters.iter().any(|r| !r.access.public) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=0, must-revalidate"));
    }
    if etag_matches(headers, &tile.etag) {
        return Ok((StatusCode::NOT_MODIFIED, h).into_response());
    }
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(spec.format.mime()));
    Ok((StatusCode::OK, h, tile.bytes.clone()).into_response())
}

/// `ETag` and `Cache-Control` of a tile: public caching only for public layers read anonymously.
fn tile_headers(state: &AppState, caller: &Caller, layers: &[Arc<LayerDef>], etag: &str) -> HeaderMap {
    let public = layers.iter().all(|l| l.access.public) && caller.principal().is_none();
    let cache_control = if public {
        state.settings.cache_control.clone()
    } else {
        "private, max-age=0, must-revalidate".to_string()
    };
    let mut h = HeaderMap::new();
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&cache_control) {
        h.insert(header::CACHE_CONTROL, v);
    }
    h
}

fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// One tile. 204 when empty, 304 when the caller's copy is current.
async fn tile(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path((source, z, x, y)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let y = match parse_tile_name(&y) {
        Some((row, TileName::Vector)) => row,
        Some((row, TileName::Image { format, ratio })) => {
            let coord = coord(&z, &x, row, lang)?;
            let spec = RasterSpec { format, css_size: 256, ratio, lang };
            return image_tile(&state, &caller, &headers, &source, coord, spec).await;
        }
        None => return Err(ApiError::not_found(Msg::TileFormatUnknown, lang)),
    };
    let coord = coord(&z, &x, y, lang)?;
    let layers = readable_layers(&state, &caller, &source, lang)?;
    let scoped: Vec<_> =
        layers.iter().map(|l| (Arc::clone(l), crate::policy::feature_scope(&caller, l))).collect();
    let tile = state.tiles.tile_scoped(&scoped, coord).await.map_err(|e| ApiError::database_ref(lang, &e))?;

    let mut h = tile_headers(&state, &caller, &layers, &tile.etag);
    if etag_matches(&headers, &tile.etag) {
        return Ok((StatusCode::NOT_MODIFIED, h).into_response());
    }
    if tile.bytes.is_empty() {
        return Ok((StatusCode::NO_CONTENT, h).into_response());
    }
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(MVT_TYPE));
    // The compressed variant is made once per cached tile and shared; the compression layer
    // leaves a response with a Content-Encoding alone.
    let coding = accepted_coding(&headers);
    if let Some(token) = coding.token() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
    }
    Ok((StatusCode::OK, h, tile.encoded(coding).clone()).into_response())
}

/// The best coding the client accepts (`Accept-Encoding`, RFC 9110 12.5.3): Brotli, then gzip,
/// else none. A coding with `q=0` is refused; `*` accepts both.
///
/// ```text
/// "gzip, deflate, br, zstd" -> Brotli; "gzip;q=1, br;q=0" -> Gzip; "" -> Identity
/// ```
fn accepted_coding(headers: &HeaderMap) -> Coding {
    let (mut br, mut gzip, mut any) = (None, None, None);
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()))
                .next()
                .unwrap_or(1.0);
            let slot = match name.to_ascii_lowercase().as_str() {
                "br" => &mut br,
                "gzip" | "x-gzip" => &mut gzip,
                "*" => &mut any,
                _ => continue,
            };
            *slot = Some(q > 0.0);
        }
    }
    if br.or(any).unwrap_or(false) {
        Coding::Brotli
    } else if gzip.or(any).unwrap_or(false) {
        Coding::Gzip
    } else {
        Coding::Identity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coding(v: &str) -> Coding {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        accepted_coding(&h)
    }

    #[test]
    fn accept_encoding_picks_the_best_accepted_coding() {
        assert_eq!(coding("gzip, deflate, br, zstd"), Coding::Brotli);
        assert_eq!(coding("gzip"), Coding::Gzip);
        assert_eq!(coding("GZIP;q=0.5"), Coding::Gzip);
        assert_eq!(coding("gzip;q=1, br;q=0"), Coding::Gzip);
        assert_eq!(coding("br;q=0, gzip;q=0"), Coding::Identity);
        assert_eq!(coding("*"), Coding::Brotli);
        assert_eq!(coding("*, br;q=0"), Coding::Gzip);
        assert_eq!(coding("identity"), Coding::Identity);
        assert_eq!(coding(""), Coding::Identity);
        assert_eq!(accepted_coding(&HeaderMap::new()), Coding::Identity);
    }
}
