//! `/api/print` (maps to scale), `/api/print/options`, object passports, `/verify/{code}` and
//! `/api/documents/{code}` (records and revocation). Every layer and feature in a document has
//! passed the one access policy ([`crate::layers::Catalog::readable`], `feature_scope`).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::layout::{self, Orientation, PageLayout, Paper};
use super::map::{Frame, LayerData};
use super::store::{self, PrintCrs};
use super::style::PrintStyle;
use super::texts::DocLang;
use crate::auth::Caller;
use crate::auth::policy::feature_scope;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::layers::catalog::LayerDef;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/print", post(print))
        .route("/api/print/options", get(options))
        .route("/api/layers/{id}/items/{fid}/passport.pdf", get(passport))
        .route("/api/documents/{code}", get(document_json))
        .route("/api/documents/{code}/revoke", post(revoke))
        .route("/verify/{code}", get(verify_page).post(verify_upload))
}

/// The style printed maps are drawn with: the web map's.
const STYLE_FILE: &str = "qala.json";

/// A print request (`POST /api/print`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintRequest {
    /// Centre of the frame, `[longitude, latitude]` (WGS84).
    pub center: Option<[f64; 2]>,
    /// Or the area to show, `[west, south, east, north]` (WGS84): centred, and when no scale is
    /// given, the smallest whole hundred scale that fits it.
    pub bbox: Option<[f64; 4]>,
    /// The scale's denominator, 500 … 500,000.
    pub scale: Option<f64>,
    #[serde(default = "default_paper")]
    pub paper: Paper,
    #[serde(default)]
    pub orientation: Orientation,
    /// Layer ids; every layer the caller may read when absent.
    pub layers: Option<Vec<String>>,
    pub title: Option<String>,
    pub lang: Option<DocLang>,
    /// `EPSG:3857` (default), `EPSG:32643` or `EPSG:28413`.
    pub crs: Option<String>,
}

fn default_paper() -> Paper {
    Paper::A4
}

pub(crate) fn load_style(state: &AppState, lang: DocLang) -> Result<PrintStyle, ApiError> {
    let path = state.settings.styles_dir.join(STYLE_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| ApiError::internal(lang.primary(), format!("{}: {e}", path.display())))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::internal(lang.primary(), format!("{}: {e}", path.display())))?;
    let name_field = match lang.primary() {
        Lang::Kk => "name_kk",
        Lang::Ru => "name_ru",
        Lang::En => "name_en",
    };
    Ok(PrintStyle::parse(&v, name_field))
}

#[utoipa::path(get, path = "/api/print/options", tag = "print",
    responses((status = 200, description = "Papers with their frame sizes (mm), scales, CRSs, languages and the layers the caller may print")))]
pub async fn options(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
) -> Result<Response, ApiError> {
    let style = load_style(&state, DocLang::from_lang(lang))?;
    let catalog = state.catalog();
    let layers: Vec<Value> = printable_layers(&style, catalog.readable_all(&caller).cloned().collect())
        .iter()
        .map(|l| json!({"id": l.id, "title": l.title.get(lang)}))
        .collect();
    let papers: Vec<Value> = Paper::ALL
        .iter()
        .map(|p| {
            let (w, h) = p.portrait_mm();
            let frame = |o| {
                let (fw, fh) = PageLayout::new(*p, o).frame_mm();
                json!([(fw * 10.0).round() / 10.0, (fh * 10.0).round() / 10.0])
            };
            json!({"id": p.name(), "width_mm": w, "height_mm": h,
                   "frame_mm": {"portrait": frame(Orientation::Portrait), "landscape": frame(Orientation::Landscape)}})
        })
        .collect();
    let crs: Vec<Value> = store::PRINT_CRS
        .iter()
        .map(|c| json!({"id": format!("EPSG:{}", c.srid), "title": c.title}))
        .collect();
    let mut res = axum::Json(json!({
        "papers": papers, "scales": layout::SCALES, "min_scale": layout::MIN_SCALE, "max_scale": layout::MAX_SCALE,
        "crs": crs, "languages": ["kk", "ru", "en", "kk+ru"], "layers": layers,
    }))
    .into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    Ok(res)
}

/// Readable layers the style draws, in the style's drawing order.
pub(crate) fn printable_layers(style: &PrintStyle, readable: Vec<Arc<LayerDef>>) -> Vec<Arc<LayerDef>> {
    let mut out: Vec<Arc<LayerDef>> = Vec::new();
    for sl in &style.layers {
        if let Some(l) = readable.iter().find(|l| l.id == sl.source_layer)
            && !out.iter().any(|o| o.id == l.id)
        {
            out.push(Arc::clone(l));
        }
    }
    out
}

/// A request checked against the limits, ready to render.
#[derive(Debug)]
struct PrintPlan {
    center: (f64, f64),
    scale: f64,
    paper: Paper,
    orientation: Orientation,
    layers: Vec<Arc<LayerDef>>,
    title: String,
    lang: DocLang,
    crs: PrintCrs,
}

fn plan(
    req: PrintRequest,
    caller: &Caller,
    catalog: &crate::layers::Catalog,
    style: &PrintStyle,
    lang: Lang,
) -> Result<PrintPlan, ApiError> {
    let doc_lang = req.lang.unwrap_or(DocLang::from_lang(lang));
    let elang = doc_lang.primary();
    let bad = |m: String| ApiError::bad_request(elang, m);
    let layout = PageLayout::new(req.paper, req.orientation);
    let (fw, fh) = layout.frame_mm();
    let (center, fitted) = match (req.center, req.bbox) {
        (Some(_), Some(_)) => return Err(bad("give either `center` or `bbox`, not both".into())),
        (None, None) => {
            return Err(bad(
                "`center` ([longitude, latitude]) or `bbox` ([west, south, east, north]) is required".into(),
            ));
        }
        (Some([lon, lat]), None) => ((lon, lat), None),
        (None, Some([w, s, e, n])) => {
            if !(w < e && s < n) {
                return Err(bad(format!(
                    "`bbox` must be [west, south, east, north] with west < east and south < north, got {:?}",
                    [w, s, e, n]
                )));
            }
            let lat = (s + n) / 2.0;
            let ground_w = (e - w) * 111_320.0 * lat.to_radians().cos();
            let ground_h = (n - s) * 110_574.0;
            let fit = (ground_w / (fw / 1000.0)).max(ground_h / (fh / 1000.0));
            (((w + e) / 2.0, lat), Some((fit / 100.0).ceil() * 100.0))
        }
    };
    if !(-180.0..=180.0).contains(&center.0) || !(-85.0..=85.0).contains(&center.1) {
        return Err(bad(format!("the centre {:?} is not a WGS84 longitude, latitude", [center.0, center.1])));
    }
    let scale = req.scale.or(fitted).unwrap_or(0.0);
    if !(layout::MIN_SCALE..=layout::MAX_SCALE).contains(&scale) || !scale.is_finite() {
        return Err(bad(format!(
            "`scale` {} is outside 1:{} … 1:{}",
            scale,
            layout::MIN_SCALE,
            layout::MAX_SCALE
        )));
    }
    let crs_name = req.crs.as_deref().unwrap_or("EPSG:3857");
    let crs = store::print_crs(crs_name).ok_or_else(|| {
        bad(format!(
            "`crs` {crs_name} is not offered; use one of {}",
            store::PRINT_CRS.iter().map(|c| format!("EPSG:{}", c.srid)).collect::<Vec<_>>().join(", ")
        ))
    })?;
    let readable: Vec<Arc<LayerDef>> = catalog.readable_all(caller).cloned().collect();
    let printable = printable_layers(style, readable);
    let layers = match req.layers {
        // As the web map opens: layers whose every style layer is hidden by default are left out.
        None => printable
            .into_iter()
            .filter(|l| style.layers.iter().any(|sl| sl.source_layer == l.id && !sl.hidden_by_default()))
            .collect(),
        Some(ids) => {
            if ids.is_empty() {
                return Err(bad("`layers` is empty".into()));
            }
            // A layer the caller may not read is reported exactly like one that does not exist.
            let unknown: Vec<&String> =
                ids.iter().filter(|id| !printable.iter().any(|l| &l.id == *id)).collect();
            if !unknown.is_empty() {
                return Err(ApiError::bad_request(
                    elang,
                    format!(
                        "unknown layers: {}",
                        unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                )
                .with_details(json!(
                    unknown
                        .iter()
                        .map(|id| json!({"field": "layers", "value": id, "problem": "unknown layer"}))
                        .collect::<Vec<_>>()
                )));
            }
            // Drawn in the style's order whatever the order asked.
            printable.into_iter().filter(|l| ids.contains(&l.id)).collect()
        }
    };
    let title =
        req.title.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).unwrap_or_else(|| match doc_lang {
            DocLang::Kk => "Алматы қаласының картасы".into(),
            DocLang::Ru => "Карта города Алматы".into(),
            DocLang::En => "Map of Almaty".into(),
            DocLang::KkRu => "Алматы қаласының картасы / Карта города Алматы".into(),
        });
    if title.chars().count() > 200 {
        return Err(bad("`title` is longer than 200 characters".into()));
    }
    Ok(PrintPlan {
        center,
        scale,
        paper: req.paper,
        orientation: req.orientation,
        layers,
        title,
        lang: doc_lang,
        crs,
    })
}

/// A rendered document.
#[derive(Debug)]
pub struct Issued {
    pub code: String,
    pub pdf: Vec<u8>,
    pub sha256: String,
}

#[utoipa::path(post, path = "/api/print", tag = "print",
    request_body(content = String, description = "JSON: center [lon, lat] or bbox [w, s, e, n]; scale 500..500000; paper A4|A3|A2|A1; orientation portrait|landscape; layers [ids]; title; lang kk|ru|en|kk+ru; crs EPSG:3857|EPSG:32643|EPSG:28413", content_type = "application/json"),
    responses((status = 200, description = "A vector GeoPDF; headers Qala-Document, Qala-Map-Frame, Qala-Map-Extent", content_type = "application/pdf"),
        (status = 400, body = crate::error::ErrorBody)))]
pub async fn print(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: PrintRequest = {
        let de = &mut serde_json::Deserializer::from_slice(&body);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            ApiError::bad_request(
                lang,
                format!(
                    "the print request is not valid JSON of the expected shape at `{path}`: {}",
                    e.inner()
                ),
            )
        })?
    };
    let style = load_style(&state, req.lang.unwrap_or(DocLang::from_lang(lang)))?;
    let catalog = state.catalog();
    let p = plan(req, &caller, &catalog, &style, lang)?;
    let elang = p.lang.primary();
    let layout = PageLayout::new(p.paper, p.orientation);
    let placed = store::place_frame(&state.pool, p.crs, p.center, p.scale, layout.frame, layout.frame_mm())
        .await
        .map_err(|e| ApiError::database(elang, e))?;
    let z = layout::style_zoom(p.scale, p.center.1);
    // A twentieth of a millimetre on paper, in CRS units.
    let tolerance = 0.000_05 * p.scale * placed.k;
    let data = layer_data(&state, &caller, &style, &p.layers, z, p.crs, placed.crs_box, tolerance, p.lang)
        .await
        .map_err(|e| ApiError::database(elang, e))?;
    let legend: Vec<super::page::LegendGroup> = p
        .layers
        .iter()
        .filter(|l| data.iter().any(|d| d.id == l.id))
        .map(|l| super::page::legend(&style, z, l, p.lang))
        .collect();
    let code = super::new_code();
    let verify_url = format!("{}/verify/{code}", crate::tiles::routes::base_url(&headers));
    let issued = chrono::Utc::now();
    let attribution = style.credit();
    let fonts_dir = state.settings.fonts_dir.clone();
    let crs_text = format!("EPSG:{} · {}", p.crs.srid, p.crs.title);
    let frame = Frame { page: layout.frame, crs: placed.crs_box };
    let issuer = caller.principal().map(|pr| pr.login.clone());
    let info = super::geopdf::DocInfo {
        title: p.title.clone(),
        subject: format!("{} {}, {}", p.paper.name(), layout::format_scale(p.scale), crs_text),
        author: issuer.clone().unwrap_or_else(|| "Qala".into()),
        keywords: code.clone(),
    };
    let (title, doc_lang, scale, north) = (p.title.clone(), p.lang, p.scale, placed.north_deg);
    let georef = placed.georef.clone();
    let code2 = code.clone();
    let pdf = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        let fonts = super::font::Fonts::load(&fonts_dir)?;
        let mut canvas = super::canvas::Canvas::new(fonts);
        super::map::draw(&mut canvas, &style, z, &frame, &data);
        let issued_text = issued.format("%Y-%m-%d %H:%M UTC").to_string();
        let furniture = super::page::Furniture {
            title: &title,
            lang: doc_lang,
            scale,
            crs: &crs_text,
            issued: &issued_text,
            code: &code2,
            verify_url: &verify_url,
            attribution: &attribution,
            north_deg: north,
            legend: &legend,
        };
        super::page::draw(&mut canvas, &layout, &furniture)?;
        super::geopdf::write(canvas, layout.page_w, layout.page_h, &[georef], &info)
    })
    .await
    .map_err(|e| ApiError::internal(elang, e))?
    .map_err(|e| ApiError::internal(elang, e))?;
    let subject = json!({
        "paper": p.paper.name(), "orientation": match p.orientation { Orientation::Portrait => "portrait", Orientation::Landscape => "landscape" },
        "scale": p.scale, "crs": format!("EPSG:{}", p.crs.srid), "center": [p.center.0, p.center.1],
        "extent": placed.crs_box, "layers": p.layers.iter().map(|l| l.id.clone()).collect::<Vec<_>>(), "lang": p.lang.tag(),
    });
    let issued = issue(&state, &caller, code, pdf, "print", &p.title, &subject, elang).await?;
    let (fw, fh) = layout.frame_mm();
    let frame_hdr = format!(
        "x={:.3};y={:.3};width={:.3};height={:.3};unit=mm;origin=top-left",
        layout.frame.x0 / layout::PT_PER_MM,
        (layout.page_h - layout.frame.y1) / layout::PT_PER_MM,
        fw,
        fh
    );
    let extent_hdr = placed.crs_box.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>().join(",");
    Ok(pdf_response(
        &issued,
        "attachment",
        &[
            ("qala-map-frame", frame_hdr),
            ("qala-map-extent", extent_hdr),
            ("qala-scale-factor", format!("{:.9}", placed.k)),
        ],
    ))
}

/// The features of the layers the style draws at zoom `z`, inside a frame, as the caller may see
/// them (the one policy's feature scope), fetched concurrently.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn layer_data(
    state: &AppState,
    caller: &Caller,
    style: &PrintStyle,
    layers: &[Arc<LayerDef>],
    z: f64,
    crs: PrintCrs,
    crs_box: [f64; 4],
    tolerance: f64,
    lang: DocLang,
) -> sqlx::Result<Vec<LayerData>> {
    let mut fetches = Vec::new();
    for l in layers.iter().filter(|l| style.for_layer(&l.id, z).next().is_some()) {
        let scope = feature_scope(caller, l);
        let (pool, l) = (state.pool.clone(), Arc::clone(l));
        let title = lang.pick(&l.title);
        fetches.push(async move {
            store::features_in_frame(&pool, &l, &scope, crs, crs_box, tolerance)
                .await
                .map(|features| LayerData { id: l.id.clone(), title, features })
        });
    }
    futures_util::future::try_join_all(fetches).await
}

/// Hashes, records and journals a document.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn issue(
    state: &AppState,
    caller: &Caller,
    code: String,
    pdf: Vec<u8>,
    kind: &str,
    title: &str,
    subject: &Value,
    lang: Lang,
) -> Result<Issued, ApiError> {
    let sha256 = crate::layers::sync::hex(&Sha256::digest(&pdf));
    let issuer = caller.principal().map(|p| p.login.as_str());
    store::record_document(&state.pool, &code, kind, &sha256, pdf.len(), title, subject, issuer)
        .await
        .map_err(|e| ApiError::database(lang, e))?;
    crate::auth::journal::record(
        &state.pool,
        "document",
        issuer,
        None,
        Some(&code),
        "ok",
        json!({"op": "issue", "kind": kind, "title": title, "sha256": sha256, "size": pdf.len(), "subject": subject}),
    )
    .await;
    Ok(Issued { code, pdf, sha256 })
}

pub(crate) fn pdf_response(doc: &Issued, disposition: &str, extra: &[(&'static str, String)]) -> Response {
    let mut res = (StatusCode::OK, doc.pdf.clone()).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(v) = HeaderValue::from_str(&format!("{disposition}; filename=\"qala-{}.pdf\"", doc.code)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    for (k, v) in
        [("qala-document", doc.code.clone()), ("qala-sha256", doc.sha256.clone())].iter().chain(extra)
    {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(*k, v);
        }
    }
    res
}

#[utoipa::path(get, path = "/api/layers/{id}/items/{fid}/passport.pdf", tag = "print",
    params(("id" = String, Path, description = "Layer id"), ("fid" = i64, Path, description = "Feature id")),
    responses((status = 200, description = "The object's passport (PDF)", content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn passport(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path((id, fid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let fid = crate::layers::routes::parse_fid(&fid, lang)?;
    let (layer, _, scope) = crate::features::routes::visible_feature(&state, &caller, &id, fid, lang).await?;
    let doc = super::passport::render(&state, &caller, lang, &headers, &layer, &scope, fid).await?;
    Ok(pdf_response(&doc, "inline", &[]))
}

#[utoipa::path(get, path = "/api/documents/{code}", tag = "print",
    params(("code" = String, Path, description = "Document code, XXXX-XXXX-XXXX")),
    responses((status = 200, description = "The record of an issued document with its status (valid, revoked)"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn document_json(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let doc = document_by_code(&state, &code, lang)
        .await?
        .ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    Ok(record_json(&doc))
}

/// The record of `raw` (a code as typed), if one was issued.
async fn document_by_code(
    state: &AppState,
    raw: &str,
    lang: Lang,
) -> Result<Option<store::DocumentRecord>, ApiError> {
    match super::normalise_code(raw) {
        Some(code) => store::document(&state.pool, &code).await.map_err(|e| ApiError::database(lang, e)),
        None => Ok(None),
    }
}

/// A record as JSON, with its `status` (`valid` or `revoked`).
fn record_json(doc: &store::DocumentRecord) -> Response {
    let status = if doc.revoked_at.is_some() { "revoked" } else { "valid" };
    let mut v = serde_json::to_value(doc).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("status".into(), json!(status));
    }
    axum::Json(v).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeBody {
    reason: String,
}

#[utoipa::path(post, path = "/api/documents/{code}/revoke", tag = "print",
    params(("code" = String, Path, description = "Document code")),
    request_body(content = String, description = "JSON {\"reason\": \"...\"}", content_type = "application/json"),
    responses((status = 200, description = "The revoked record"), (status = 403, body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    if caller.principal().is_none() {
        return Err(ApiError::unauthorized(lang));
    }
    if !caller.is_admin() {
        return Err(ApiError::forbidden(lang));
    }
    let b: RevokeBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(lang, format!("expected {{\"reason\": \"…\"}}: {e}")))?;
    let code = super::normalise_code(&code).ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    let doc = store::revoke_document(&state.pool, &code, caller.login(), &b.reason)
        .await
        .map_err(|e| ApiError::database(lang, e))?
        .ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    crate::auth::journal::record(
        &state.pool,
        "document",
        Some(caller.login()),
        None,
        Some(&code),
        "ok",
        json!({"op": "revoke", "reason": b.reason}),
    )
    .await;
    Ok(record_json(&doc))
}

async fn verify_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let doc = document_by_code(&state, &code, lang).await?;
    Ok(render_verify(lang, &code, doc.as_ref(), None))
}

/// The verification page: 404 when no document has the code.
fn render_verify(
    lang: Lang,
    raw: &str,
    doc: Option<&store::DocumentRecord>,
    compared: Option<(super::verify::Comparison, &str)>,
) -> Response {
    let status = if doc.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    let code = doc.map_or(raw, |d| d.code.as_str());
    let mut res = (status, Html(super::verify::page(lang, code, doc, compared))).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `POST /verify/{code}`: a file (multipart field `file`, or the raw body) compared with the
/// record by SHA-256. Nothing is stored.
async fn verify_upload(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(code): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let limit = state.settings.max_upload_bytes;
    let mut hasher = Sha256::new();
    let mut size = 0usize;
    if is_multipart {
        let mut mp = Multipart::from_request(req, &state).await.map_err(|e| ApiError::rejection(lang, e))?;
        let mut found = false;
        while let Some(mut field) = mp.next_field().await.map_err(|e| ApiError::rejection(lang, e))? {
            if field.name() != Some("file") {
                continue;
            }
            found = true;
            while let Some(chunk) = field.chunk().await.map_err(|e| ApiError::rejection(lang, e))? {
                size += chunk.len();
                if size > limit {
                    return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Msg::PayloadTooLarge, lang));
                }
                hasher.update(&chunk);
            }
        }
        if !found {
            return Err(ApiError::bad_request(lang, "the form has no `file` field"));
        }
    } else {
        let body = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Msg::PayloadTooLarge, lang))?;
        size = body.len();
        hasher.update(&body);
    }
    if size == 0 {
        return Err(ApiError::bad_request(lang, "the uploaded file is empty"));
    }
    let sha = crate::layers::sync::hex(&hasher.finalize());
    let doc = document_by_code(&state, &code, lang).await?;
    let cmp = match &doc {
        Some(d) if d.sha256 == sha => super::verify::Comparison::Matches,
        _ => super::verify::Comparison::Differs,
    };
    Ok(render_verify(lang, &code, doc.as_ref(), Some((cmp, &sha))))
}
