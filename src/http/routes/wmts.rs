//! OGC WMTS 1.0 at `/wmts`: KVP (`SERVICE=WMTS&REQUEST=GetCapabilities|GetTile`) and REST
//! (`/wmts/1.0.0/WMTSCapabilities.xml`,
//! `/wmts/1.0.0/{layer}/{style}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.{png|jpg|webp}`).
//!
//! - `GoogleMapsCompatible` tiles are the raster tiles of `/tiles/{layer}/{z}/{x}/{y}.png`
//!   ([`crate::tiles::raster_tiles::raster_tile`], the same cache and invalidation); a raster
//!   (orthophoto, hillshade) is drawn there as the tile's backdrop, cached as `raster:{id}#{version}`.
//! - `UTM43N` tiles (see [`crate::ogc_maps::wmts`]) are drawn for each tile's box through
//!   [`crate::ogc_maps::draw::draw_map`]; the tile cache is keyed by Web Mercator tiles, so these
//!   are not cached (an `ETag` lets clients revalidate).
//! - Access: the capabilities name only what the caller may read (as WMS); any other layer is
//!   `InvalidParameterValue` on `LAYER`, like an unknown one.
//! - Exceptions: OWS 1.1 `ExceptionReport` with WMTS's statuses (400; 404 for a REST path whose
//!   layer, style or matrix set does not exist; 501 `OperationNotSupported`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use super::wms::{self, Failure, describe, kvp_of, language, xml_response};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, PublicUrl, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::ogc_maps::draw::{Drawing, MapLayer, draw_map};
use crate::ogc_maps::error::ows_report;
use crate::ogc_maps::params::MapFormat;
use crate::ogc_maps::wmts::{self, GOOGLE, TileParts, TileRequest};
use crate::ogc_maps::wmts_caps::{WmtsLayer, WmtsService, wmts_capabilities};
use crate::ogc_maps::{ExceptionCode, OgcError, map_crs, store};
use crate::tiles::coords::TileCoord;
use crate::tiles::raster_tiles::{RasterSpec, raster_backdrop, raster_tile};

/// The media type of OWS exception reports.
const OWS_EXCEPTION_TYPE: &str = "application/xml";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/wmts", get(kvp))
        .route("/wmts/1.0.0/WMTSCapabilities.xml", get(rest_capabilities))
        .route("/wmts/1.0.0/{layer}/{style}/{set}/{matrix}/{row}/{col}", get(rest_tile))
}

fn respond(e: Failure, lang: Lang) -> Response {
    e.respond(lang, ows_report, OWS_EXCEPTION_TYPE)
}

async fn kvp(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(negotiated): ReqLang,
    public: PublicUrl,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let mut lang = negotiated;
    let result: Result<Response, Failure> = async {
        let k = kvp_of(&uri)?;
        lang = language(&k, negotiated).0;
        let service = k.required("SERVICE")?;
        if !service.eq_ignore_ascii_case("WMTS") {
            return Err(OgcError::invalid("SERVICE", service.to_string()).into());
        }
        let request = k.required("REQUEST")?.to_string();
        match request.to_ascii_lowercase().as_str() {
            "getcapabilities" => capabilities(&state, &caller, &public, lang).await,
            "gettile" => {
                let req = wmts::get_tile_kvp(&k)?;
                tile(&state, &caller, &headers, req, lang).await
            }
            _ => Err(OgcError::new(
                ExceptionCode::OperationNotSupported,
                Msg::OgcOperationNotSupported,
                "REQUEST",
            )
            .detail(request)
            .into()),
        }
    }
    .await;
    result.unwrap_or_else(|e| respond(e, lang))
}

async fn rest_capabilities(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    public: PublicUrl,
) -> Response {
    capabilities(&state, &caller, &public, lang).await.unwrap_or_else(|e| respond(e, lang))
}

async fn rest_tile(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path((layer, style, set, matrix, row, col)): Path<(String, String, String, String, String, String)>,
) -> Response {
    let result: Result<Response, Failure> = async {
        let Some((col, ext)) = col.rsplit_once('.') else {
            return Err(OgcError::invalid("FORMAT", col.clone()).into());
        };
        let parts = TileParts {
            layer: &layer,
            style: &style,
            set: &set,
            matrix: &matrix,
            row: &row,
            col,
            format: ext,
        };
        let req = wmts::tile_request(parts)?;
        tile(&state, &caller, &headers, req, lang).await
    }
    .await;
    result.unwrap_or_else(|e| {
        // A REST path whose layer, style or matrix set names nothing is a resource not found.
        let missing = matches!(&e, Failure::Ogc(o) if o.code == ExceptionCode::InvalidParameterValue
            && matches!(o.locator.as_deref(), Some("LAYER" | "STYLE" | "TILEMATRIXSET")));
        let mut res = respond(e, lang);
        if missing {
            *res.status_mut() = StatusCode::NOT_FOUND;
        }
        res
    })
}

async fn capabilities(
    state: &AppState,
    caller: &Caller,
    public: &PublicUrl,
    lang: Lang,
) -> Result<Response, Failure> {
    let described = describe(state, caller, lang).await?;
    let wgs: Vec<[f64; 4]> = described.iter().map(|d| d.caps.wgs84).collect();
    let boxes =
        store::boxes_in(&state.pool, &wgs, &[3857, 32643]).await.map_err(|e| ApiError::database(lang, e))?;
    let wms_url = public.join("/wms");
    let layers: Vec<WmtsLayer> = described
        .iter()
        .map(|d| WmtsLayer {
            id: d.caps.name.clone(),
            title: d.caps.title.clone(),
            abstract_text: d.caps.abstract_text.clone(),
            wgs84: d.caps.wgs84,
            legend_url: Some(crate::ogc_maps::wms_caps::legend_url(&wms_url, "", &d.caps.name)),
        })
        .collect();
    let url = public.join("/wmts");
    let svc = WmtsService {
        url: &url,
        title: Msg::OgcServiceTitle.text(lang),
        abstract_text: Msg::OgcServiceAbstract.text(lang),
        lang: lang.tag(),
    };
    let find = |l: &WmtsLayer, set: &wmts::TileMatrixSet| -> Option<[f64; 4]> {
        let i = layers.iter().position(|x| x.id == l.id)?;
        let srid = map_crs(set.crs)?.srid;
        boxes.get(i)?.iter().find(|(s, _)| *s == srid).map(|(_, b)| *b)
    };
    Ok(xml_response(wmts_capabilities(&svc, &layers, &find), "application/xml; charset=utf-8"))
}

/// A layer of a tile: `InvalidParameterValue` on `LAYER` when unknown or not readable.
async fn tile_layer(state: &AppState, caller: &Caller, name: &str) -> Result<MapLayer, Failure> {
    match wms::resolve(state, caller, "LAYER", name).await {
        Err(Failure::Ogc(_)) => Err(OgcError::invalid("LAYER", name.to_string()).into()),
        other => other,
    }
}

async fn tile(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    req: TileRequest,
    lang: Lang,
) -> Result<Response, Failure> {
    let layer = tile_layer(state, caller, &req.layer).await?;
    let (bytes, etag) = if req.set.id == GOOGLE.id {
        google_tile(state, &layer, &req, lang).await?
    } else {
        let bbox = req.set.tile_bbox(req.level, req.row, req.col);
        let crs = req.set.map_crs();
        let d = Drawing {
            crs,
            bbox,
            width: wmts::TILE_PX,
            height: wmts::TILE_PX,
            format: req.format,
            background: None,
            lang,
        };
        let bytes = draw_map(&wms::map_context(state), std::slice::from_ref(&layer), d).await?;
        let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&bytes)[..16]));
        (bytes::Bytes::from(bytes), etag)
    };
    let public = caller.principal().is_none() && layer.public();
    let cache = if public {
        state.settings.cache_control.clone()
    } else {
        "private, max-age=0, must-revalidate".into()
    };
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&cache) {
        h.insert(header::CACHE_CONTROL, v);
    }
    let current = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if current {
        return Ok((StatusCode::NOT_MODIFIED, h).into_response());
    }
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(req.format.mime()));
    Ok((StatusCode::OK, h, bytes).into_response())
}

fn image_format(f: MapFormat) -> crate::render::ImageFormat {
    use crate::render::ImageFormat;
    match f {
        MapFormat::Png => ImageFormat::Png,
        MapFormat::Jpeg => ImageFormat::Jpeg,
        MapFormat::Webp => ImageFormat::Webp,
    }
}

/// A GoogleMapsCompatible tile: the raster tile of the same z/x/y (level, column, row).
async fn google_tile(
    state: &AppState,
    layer: &MapLayer,
    req: &TileRequest,
    lang: Lang,
) -> Result<(bytes::Bytes, String), Failure> {
    let coord = TileCoord::new(req.level, req.col, req.row)
        .ok_or_else(|| OgcError::new(ExceptionCode::TileOutOfRange, Msg::OgcTileOutOfRange, "TILEROW"))?;
    let spec = RasterSpec { format: image_format(req.format), css_size: 256, ratio: 1, lang };
    let ctx = super::tiles::raster_context(state);
    let tile = match layer {
        MapLayer::Vector(l, scope) => {
            raster_tile(&ctx, &[(Arc::clone(l), scope.clone())], &[], coord, spec).await?
        }
        MapLayer::Raster(r) => {
            raster_tile(&ctx, &[], &[raster_backdrop(state.rasters(), r)], coord, spec).await?
        }
    };
    Ok((tile.bytes.clone(), tile.etag.clone()))
}
