//! `GET /wms`: OGC WMS 1.3.0 (GetCapabilities, GetMap, GetFeatureInfo, GetLegendGraphic) over
//! the layers and rasters the caller may read ([`crate::ogc_maps`] checks the parameters and
//! writes the XML; this file resolves layers through the one access policy and answers).
//!
//! - Access: a layer the caller may not read is `LayerNotDefined`, exactly like an unknown one;
//!   capabilities list only readable layers (vector layers the style draws, grouped by theme,
//!   then the rasters and the hillshade). Credentials come as for every route (Basic for QGIS
//!   and GDAL); images of restricted layers are `private`.
//! - Language: `LANGUAGE=kk|ru|en`, else `?lang=` or `Accept-Language` (titles, abstracts,
//!   exception texts, labels drawn).
//! - Errors: the `ServiceExceptionReport` (`text/xml`) with the status of its code (400, 501;
//!   500/503 with `NoApplicableCode` for the server's own trouble, `Retry-After` kept);
//!   `EXCEPTIONS=BLANK` answers GetMap errors with an empty image of the requested size.
//! - Vector layers are drawn in the style's order above the rasters (in the order requested).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, PublicUrl, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::ogc_maps::draw::{self, Drawing, MapContext, MapLayer};
use crate::ogc_maps::error::{WMS_EXCEPTION_TYPE, wms_report};
use crate::ogc_maps::params::{self, ExceptionsMode, InfoRequest, MapRequest};
use crate::ogc_maps::wms_caps::{self, CapsGroup, CapsLayer, WmsService};
use crate::ogc_maps::{ExceptionCode, Kvp, MAP_CRS, OgcError, info, store};

mod legend;

pub fn router() -> Router<AppState> {
    Router::new().route("/wms", get(wms))
}

/// What the drawing of maps needs from the state (WMTS uses it too).
pub fn map_context(state: &AppState) -> MapContext {
    MapContext {
        pool: state.pool.clone(),
        gate: state.settings.render.clone(),
        styles_dir: state.settings.styles_dir.clone(),
        fonts_dir: state.settings.fonts_dir.clone(),
        connections: state.settings.print_connections,
        rasters: state.rasters().clone(),
    }
}

/// An answer that went wrong: an OGC exception, or the server's own error.
#[derive(Debug)]
pub enum Failure {
    Ogc(OgcError),
    Api(ApiError),
}

impl From<OgcError> for Failure {
    fn from(e: OgcError) -> Self {
        Failure::Ogc(e)
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl Failure {
    /// The report, its status and extra headers; `report` writes the XML of one dialect.
    pub fn respond(self, lang: Lang, report: fn(&OgcError, Lang) -> String, content_type: &str) -> Response {
        let (status, e, headers) = match self {
            Failure::Ogc(e) => {
                (StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST), e, Vec::new())
            }
            Failure::Api(a) => {
                let headers = a.extra.map(|x| x.headers).unwrap_or_default();
                let e = OgcError::new(ExceptionCode::NoApplicableCode, a.msg, "")
                    .detail(a.detail.unwrap_or_default());
                (a.status, e, headers)
            }
        };
        let mut res = (status, report(&e, lang)).into_response();
        let h = res.headers_mut();
        if let Ok(v) = HeaderValue::from_str(content_type) {
            h.insert(header::CONTENT_TYPE, v);
        }
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        for (k, v) in headers {
            if let Ok(v) = HeaderValue::from_str(&v) {
                h.insert(k, v);
            }
        }
        res
    }
}

/// The query's parameters (malformed percent-encoding is an `InvalidParameterValue`).
pub fn kvp_of(uri: &Uri) -> Result<Kvp, OgcError> {
    let q = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|e| OgcError::invalid("", format!("the query string: {e}")))?;
    Kvp::from_pairs(q.0)
}

/// `LANGUAGE` when it names one of ours, else the negotiated language; and whether it was given.
pub fn language(k: &Kvp, negotiated: Lang) -> (Lang, bool) {
    match k.get("LANGUAGE").and_then(Lang::parse) {
        Some(l) => (l, true),
        None => (negotiated, false),
    }
}

async fn wms(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(negotiated): ReqLang,
    public: PublicUrl,
    uri: Uri,
) -> Response {
    let mut lang = negotiated;
    let mut blank: Option<MapRequest> = None;
    let result = async {
        let k = kvp_of(&uri)?;
        let (l, chosen) = language(&k, negotiated);
        lang = l;
        let service = k.required("SERVICE")?;
        if !service.eq_ignore_ascii_case("WMS") {
            return Err(OgcError::invalid("SERVICE", service.to_string()).into());
        }
        let request = k.required("REQUEST")?.to_string();
        match request.to_ascii_lowercase().as_str() {
            "getcapabilities" => capabilities(&state, &caller, &public, &k, lang, chosen).await,
            "getmap" => {
                let req = params::get_map(&k)?;
                if req.exceptions == ExceptionsMode::Blank {
                    blank = Some(req.clone());
                }
                get_map(&state, &caller, req, lang).await
            }
            "getfeatureinfo" => feature_info(&state, &caller, params::get_feature_info(&k)?, lang).await,
            "getlegendgraphic" => {
                legend::answer(&state, &caller, params::get_legend_graphic(&k)?, lang).await
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
    match result {
        Ok(r) => r,
        Err(e) => match (blank, &e) {
            (Some(req), Failure::Ogc(_)) => blank_image(&state, req, lang)
                .await
                .unwrap_or_else(|e| Failure::Api(e).respond(lang, wms_report, WMS_EXCEPTION_TYPE)),
            _ => e.respond(lang, wms_report, WMS_EXCEPTION_TYPE),
        },
    }
}

/// A layer name resolved: a readable vector layer, else a readable raster; `LayerNotDefined`
/// otherwise (unknown and unreadable alike).
pub async fn resolve(state: &AppState, caller: &Caller, key: &str, name: &str) -> Result<MapLayer, Failure> {
    if let Some(l) = state.catalog().readable(caller, name) {
        return Ok(MapLayer::Vector(Arc::clone(l), crate::policy::feature_scope(caller, l)));
    }
    let raster = state
        .rasters()
        .get_readable(caller, name)
        .await
        .map_err(|e| ApiError::internal(Lang::default(), format!("{e:#}")))?;
    raster.map(|r| MapLayer::Raster(Box::new(r))).ok_or_else(|| OgcError::layer_not_defined(key, name).into())
}

fn image_response(bytes: Vec<u8>, mime: &'static str, public: bool, state: &AppState) -> Response {
    let cache = if public { state.settings.cache_control.clone() } else { "private, no-store".to_string() };
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&cache) {
        h.insert(header::CACHE_CONTROL, v);
    }
    h.insert(header::VARY, HeaderValue::from_static("Authorization, Cookie, Accept-Language"));
    res
}

async fn get_map(
    state: &AppState,
    caller: &Caller,
    req: MapRequest,
    lang: Lang,
) -> Result<Response, Failure> {
    let mut layers = Vec::with_capacity(req.layers.len());
    for name in &req.layers {
        layers.push(resolve(state, caller, "LAYERS", name).await?);
    }
    let d = Drawing {
        crs: req.crs,
        bbox: req.bbox,
        width: req.width,
        height: req.height,
        format: req.format,
        background: (!req.transparent).then_some(req.bgcolor),
        lang,
    };
    let bytes = draw::draw_map(&map_context(state), &layers, d).await?;
    let public = caller.principal().is_none() && layers.iter().all(MapLayer::public);
    Ok(image_response(bytes, req.format.mime(), public, state))
}

/// `EXCEPTIONS=BLANK`: an image of the requested size with nothing drawn.
async fn blank_image(state: &AppState, req: MapRequest, lang: Lang) -> Result<Response, ApiError> {
    let d = Drawing {
        crs: req.crs,
        bbox: req.bbox,
        width: req.width,
        height: req.height,
        format: req.format,
        background: (!req.transparent).then_some(req.bgcolor),
        lang,
    };
    let bytes = draw::draw_map(&map_context(state), &[], d).await?;
    Ok(image_response(bytes, req.format.mime(), true, state))
}

/// How many pixels around the point GetFeatureInfo looks.
pub const INFO_RADIUS_PX: f64 = 5.0;

async fn feature_info(
    state: &AppState,
    caller: &Caller,
    req: InfoRequest,
    lang: Lang,
) -> Result<Response, Failure> {
    for name in &req.map.layers {
        resolve(state, caller, "LAYERS", name).await?;
    }
    let mut layers = Vec::new();
    for name in &req.query_layers {
        match resolve(state, caller, "QUERY_LAYERS", name).await? {
            MapLayer::Vector(l, scope) => layers.push((l, scope)),
            MapLayer::Raster(_) => {
                return Err(OgcError::new(
                    ExceptionCode::LayerNotQueryable,
                    Msg::OgcLayerNotQueryable,
                    "QUERY_LAYERS",
                )
                .detail(name.clone())
                .into());
            }
        }
    }
    let m = &req.map;
    let (px, py) =
        ((m.bbox[2] - m.bbox[0]) / f64::from(m.width), (m.bbox[3] - m.bbox[1]) / f64::from(m.height));
    let point = (m.bbox[0] + (f64::from(req.i) + 0.5) * px, m.bbox[3] - (f64::from(req.j) + 0.5) * py);
    let radius = INFO_RADIUS_PX * px.max(py);
    let mut hits = Vec::with_capacity(layers.len());
    for (l, scope) in &layers {
        let features =
            store::features_at(&state.pool, l, scope, m.crs.srid, point, radius, req.feature_count)
                .await
                .map_err(|e| ApiError::database(lang, e))?;
        hits.push(info::LayerHits { layer: l.as_ref(), features });
    }
    let body = info::render(&hits, req.info_format, lang);
    let mime = match req.info_format {
        params::InfoFormat::Html => "text/html; charset=utf-8",
        params::InfoFormat::Text => "text/plain; charset=utf-8",
        f => f.mime(),
    };
    let mut res = (StatusCode::OK, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(res)
}

/// The layer's largest scale denominator from its smallest zoom (MapLibre's 512-pixel zoom at
/// Almaty's latitude, OGC's 0.28 mm pixel); `None` when it is shown at every zoom.
pub fn max_scale(min_zoom: u8) -> Option<f64> {
    (min_zoom > 0).then(|| {
        let m_per_px = 2.0 * std::f64::consts::PI * 6_378_137.0 / 512.0 * 43.25_f64.to_radians().cos();
        m_per_px / f64::from(1u32 << min_zoom.min(30)) / 0.000_28
    })
}

/// A readable layer or raster as the capabilities describe it, before its boxes per CRS.
#[derive(Debug)]
pub struct Described {
    pub caps: CapsLayer,
    pub group: String,
}

/// What the caller may read, described in `lang`: vector layers the style draws (by theme), then
/// the rasters.
pub async fn describe(state: &AppState, caller: &Caller, lang: Lang) -> Result<Vec<Described>, Failure> {
    let style = crate::print::issue::cached_style(&state.settings.styles_dir, lang)?;
    let catalog = state.catalog();
    let readable: Vec<_> = catalog.readable_all(caller).cloned().collect();
    let mut out = Vec::new();
    for l in crate::print::issue::printable_layers(&style, readable) {
        let wgs84 = store::layer_extent(&state.pool, &l).await.map_err(|e| ApiError::database(lang, e))?;
        out.push(Described {
            group: l.theme.clone(),
            caps: CapsLayer {
                name: l.id.clone(),
                title: l.title.get(lang).to_string(),
                abstract_text: l.metadata.description.clone(),
                wgs84,
                bboxes: Vec::new(),
                queryable: true,
                max_scale: max_scale(l.min_zoom),
                attribution: Some(format!("{} ({})", l.metadata.owner, l.metadata.licence)),
            },
        });
    }
    let rasters =
        state.rasters().readable(caller).await.map_err(|e| ApiError::internal(lang, format!("{e:#}")))?;
    for r in rasters {
        out.push(Described {
            group: "rasters".into(),
            caps: CapsLayer {
                name: r.id.clone(),
                title: r.title.get(lang).to_string(),
                abstract_text: r.kind.as_str().to_string(),
                wgs84: r.bounds_4326,
                bboxes: Vec::new(),
                queryable: false,
                max_scale: max_scale(r.min_zoom),
                attribution: None,
            },
        });
    }
    Ok(out)
}

async fn capabilities(
    state: &AppState,
    caller: &Caller,
    public: &PublicUrl,
    k: &Kvp,
    lang: Lang,
    chosen: bool,
) -> Result<Response, Failure> {
    if let Some(f) = k.get("FORMAT").map(str::trim).filter(|f| !f.is_empty())
        && !matches!(f.to_ascii_lowercase().as_str(), "text/xml" | "application/xml")
    {
        return Err(OgcError::new(ExceptionCode::InvalidFormat, Msg::OgcInvalidFormat, "FORMAT")
            .detail(f)
            .into());
    }
    let described = describe(state, caller, lang).await?;
    let srids: Vec<i32> = vec![3857, 32643, 28413];
    let wgs: Vec<[f64; 4]> = described.iter().map(|d| d.caps.wgs84).collect();
    let boxes = store::boxes_in(&state.pool, &wgs, &srids).await.map_err(|e| ApiError::database(lang, e))?;
    let mut groups: Vec<CapsGroup> = Vec::new();
    for (d, b) in described.into_iter().zip(boxes) {
        let mut caps = d.caps;
        for c in MAP_CRS {
            let xy = if c.srid == 4326 {
                Some(caps.wgs84)
            } else {
                b.iter().find(|(s, _)| *s == c.srid).map(|x| x.1)
            };
            // Within the area requests may ask for.
            if let Some(xy) = xy {
                let a = c.area;
                let clipped = [xy[0].max(a[0]), xy[1].max(a[1]), xy[2].min(a[2]), xy[3].min(a[3])];
                if clipped[0] < clipped[2] && clipped[1] < clipped[3] {
                    caps.bboxes.push((c, clipped));
                }
            }
        }
        match groups.iter_mut().find(|g| g.title == d.group) {
            Some(g) => g.layers.push(caps),
            None => groups.push(CapsGroup { title: d.group, layers: vec![caps] }),
        }
    }
    let url = public.join("/wms");
    let url_params = if chosen { format!("LANGUAGE={}&", lang.tag()) } else { String::new() };
    let svc = WmsService {
        url: &url,
        url_params: &url_params,
        title: Msg::OgcServiceTitle.text(lang),
        abstract_text: Msg::OgcServiceAbstract.text(lang),
        lang: lang.tag(),
    };
    let (doc, seq) = wms_caps::wms_capabilities(&svc, &groups);
    if let Some(u) = k.get("UPDATESEQUENCE").map(str::trim)
        && u == seq
    {
        return Err(OgcError::new(
            ExceptionCode::CurrentUpdateSequence,
            Msg::OgcCurrentUpdateSequence,
            "UPDATESEQUENCE",
        )
        .into());
    }
    Ok(xml_response(doc, "text/xml; charset=utf-8"))
}

/// An XML document that depends on the caller: never shared by caches.
pub fn xml_response(doc: String, content_type: &'static str) -> Response {
    let mut res = (StatusCode::OK, doc).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    h.insert(
        HeaderName::from_static("vary"),
        HeaderValue::from_static("Authorization, Cookie, Accept-Language"),
    );
    res
}
