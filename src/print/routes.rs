//! `/api/print` (maps to scale), `/api/print/options` and object passports; the records and
//! verification are in [`super::records`]. Every layer and feature in a document has passed the
//! one access policy ([`crate::layers::Catalog::readable`], `feature_scope`).
//!
//! Bounds (issue 12): a print or passport renders only with a turn of the
//! [`super::limits::RenderGate`] (503 with `Retry-After` when none comes in time); its layers are
//! read at most `print_connections` at a time, so one print cannot take the whole pool; decoding
//! geometries, drawing and hashing run in blocking threads.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::layout::{self, Orientation, PageLayout, Paper};
use super::map::{Frame, LayerData};
use super::store::{self, Issuer, NewDocument, PrintCrs, RawFeature};
use super::style::PrintStyle;
use super::texts::DocLang;
use crate::auth::Caller;
use crate::auth::policy::feature_scope;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::layers::catalog::LayerDef;

// The records' routes live in `records`; the OpenAPI document names them here.
pub use super::records::{__path_document_json, __path_revoke, document_json, revoke};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/print", post(print))
        .route("/api/print/options", get(options))
        .route("/api/layers/{id}/items/{fid}/passport.pdf", get(passport))
        .merge(super::records::router())
}

/// The style printed maps are drawn with: the web map's.
const STYLE_FILE: &str = "qala.json";

/// The style in `lang`, and the SHA-256 of its file (what a passport's content key names).
pub(crate) fn load_style(state: &AppState, lang: DocLang) -> Result<(PrintStyle, String), ApiError> {
    let path = state.settings.styles_dir.join(STYLE_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| ApiError::internal(lang.primary(), format!("{}: {e}", path.display())))?;
    let digest = crate::layers::sync::hex(&Sha256::digest(text.as_bytes()));
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::internal(lang.primary(), format!("{}: {e}", path.display())))?;
    let name_field = match lang.primary() {
        Lang::Kk => "name_kk",
        Lang::Ru => "name_ru",
        Lang::En => "name_en",
    };
    Ok((PrintStyle::parse(&v, name_field), digest))
}

#[utoipa::path(get, path = "/api/print/options", tag = "print",
    responses((status = 200, description = "Papers with their frame sizes (mm), scales, CRSs, languages and the layers the caller may print")))]
pub async fn options(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
) -> Result<Response, ApiError> {
    let (style, _) = load_style(&state, DocLang::from_lang(lang))?;
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

/// A rendered document: the PDF and its SHA-256 (hex), hashed in the rendering thread.
#[derive(Debug)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub sha256: String,
}

impl Rendered {
    /// Hashes a finished PDF (CPU work: in a blocking thread).
    pub fn of(pdf: Vec<u8>) -> Rendered {
        let sha256 = crate::layers::sync::hex(&Sha256::digest(&pdf));
        Rendered { pdf, sha256 }
    }
}

/// A recorded document.
#[derive(Debug)]
pub struct Issued {
    pub code: String,
    pub pdf: Vec<u8>,
    pub sha256: String,
}

/// The rejection of a request body as the JSON error every route answers with (413 beyond the
/// body limit, 400 otherwise).
pub(crate) fn body_rejection(lang: Lang, e: BytesRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Msg::PayloadTooLarge, lang)
    } else {
        ApiError::bad_request(lang, e.body_text())
    }
}

#[utoipa::path(post, path = "/api/print", tag = "print",
    request_body(content = crate::print::plan::PrintRequest, content_type = "application/json"),
    responses((status = 200, description = "A vector GeoPDF; headers Qala-Document, Qala-Map-Frame, Qala-Map-Extent", content_type = "application/pdf"),
        (status = 400, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody),
        (status = 503, description = "Busy rendering other documents (Retry-After), or the database is unavailable", body = crate::error::ErrorBody)))]
pub async fn print(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| body_rejection(lang, e))?;
    let req: super::plan::PrintRequest = {
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
    let (style, _) = load_style(&state, req.lang.unwrap_or(DocLang::from_lang(lang)))?;
    let catalog = state.catalog();
    let p = super::plan::plan(req, &caller, &catalog, &style, lang)?;
    let elang = p.lang.primary();
    let turn = state.settings.render.enter(elang).await?;
    let layout = PageLayout::new(p.paper, p.orientation);
    let placed = store::place_frame(&state.pool, p.crs, p.center, p.scale, layout.frame, layout.frame_mm())
        .await
        .map_err(|e| ApiError::database(elang, e))?;
    let z = layout::style_zoom(p.scale, p.center.1);
    // A twentieth of a millimetre on paper, in CRS units.
    let tolerance = 0.000_05 * p.scale * placed.k;
    let raw = layer_data(&state, &caller, &style, &p.layers, z, p.crs, placed.crs_box, tolerance, p.lang)
        .await
        .map_err(|e| ApiError::database(elang, e))?;
    let issuer = store::issuer(&state.pool, caller.principal().map(|pr| pr.login.as_str()))
        .await
        .map_err(|e| ApiError::database(elang, e))?;
    let legend: Vec<super::page::LegendGroup> = p
        .layers
        .iter()
        .filter(|l| raw.iter().any(|d| d.id == l.id))
        .map(|l| super::page::legend(&style, z, l, p.lang))
        .collect();
    let code = super::new_code();
    let verify_url = format!("{}/verify/{code}", state.settings.public_url);
    let issued = chrono::Utc::now();
    let attribution = style.credit();
    let fonts_dir = state.settings.fonts_dir.clone();
    let crs_text = format!("EPSG:{} · {}", p.crs.srid, p.crs.title);
    let frame = Frame { page: layout.frame, crs: placed.crs_box };
    let info = super::geopdf::DocInfo {
        title: p.title.clone(),
        subject: format!("{} {}, {}", p.paper.name(), layout::format_scale(p.scale), crs_text),
        author: super::passport::issued_by_text(&issuer, p.lang),
        keywords: code.clone(),
        issued,
    };
    let (title, doc_lang, scale, north) = (p.title.clone(), p.lang, p.scale, placed.north_deg);
    let georef = placed.georef.clone();
    let code2 = code.clone();
    let rendered = tokio::task::spawn_blocking(move || -> anyhow::Result<Rendered> {
        let data = decode_layers(raw);
        let fonts = super::font::Fonts::load(&fonts_dir)?;
        let mut canvas = super::canvas::Canvas::new(fonts);
        super::map::draw(&mut canvas, &style, z, &frame, &data);
        drop(data);
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
        super::geopdf::write(canvas, layout.page_w, layout.page_h, &[georef], &info).map(Rendered::of)
    })
    .await
    .map_err(|e| ApiError::internal(elang, e))?
    .map_err(|e| ApiError::internal(elang, e))?;
    drop(turn);
    let subject = json!({
        "paper": p.paper.name(), "orientation": match p.orientation { Orientation::Portrait => "portrait", Orientation::Landscape => "landscape" },
        "scale": p.scale, "crs": format!("EPSG:{}", p.crs.srid), "center": [p.center.0, p.center.1],
        "extent": placed.crs_box, "layers": p.layers.iter().map(|l| l.id.clone()).collect::<Vec<_>>(), "lang": p.lang.tag(),
    });
    let doc = NewDocument {
        code: &code,
        kind: "print",
        sha256: &rendered.sha256,
        size: rendered.pdf.len(),
        title: &p.title,
        subject: &subject,
        issuer: &issuer,
        issued_at: issued,
        content_key: None,
    };
    store::record_document(&state.pool, &doc).await.map_err(|e| ApiError::database(elang, e))?;
    journal_issue(&state, &issuer, &code, "print", &p.title, &subject, &rendered, "issue").await;
    let (fw, fh) = layout.frame_mm();
    let frame_hdr = format!(
        "x={:.3};y={:.3};width={:.3};height={:.3};unit=mm;origin=top-left",
        layout.frame.x0 / layout::PT_PER_MM,
        (layout.page_h - layout.frame.y1) / layout::PT_PER_MM,
        fw,
        fh
    );
    let extent_hdr = placed.crs_box.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>().join(",");
    let issued = Issued { code, pdf: rendered.pdf, sha256: rendered.sha256 };
    Ok(pdf_response(
        issued,
        "attachment",
        &[
            ("qala-map-frame", frame_hdr),
            ("qala-map-extent", extent_hdr),
            ("qala-scale-factor", format!("{:.9}", placed.k)),
        ],
    ))
}

/// A data layer as read for a print, before its geometries are decoded.
#[derive(Debug, Clone)]
pub struct RawLayer {
    pub id: String,
    pub title: String,
    pub features: Vec<RawFeature>,
}

/// Layers ready to draw (CPU work: in a blocking thread).
pub(crate) fn decode_layers(raw: Vec<RawLayer>) -> Vec<LayerData> {
    raw.into_iter()
        .map(|l| LayerData { id: l.id, title: l.title, features: store::decode_features(l.features) })
        .collect()
}

/// The features of the layers the style draws at zoom `z`, inside a frame, as the caller may see
/// them (the one policy's feature scope): at most `print_connections` layers are read at once,
/// in the style's order.
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
) -> sqlx::Result<Vec<RawLayer>> {
    let at_once = state.settings.print_connections.max(1);
    let fetches: Vec<_> = layers
        .iter()
        .filter(|l| style.for_layer(&l.id, z).next().is_some())
        .map(|l| {
            let scope = feature_scope(caller, l);
            let (pool, l) = (state.pool.clone(), Arc::clone(l));
            let title = lang.pick(&l.title);
            async move {
                store::features_in_frame(&pool, &l, &scope, crs, crs_box, tolerance)
                    .await
                    .map(|features| RawLayer { id: l.id.clone(), title, features })
            }
        })
        .collect();
    futures_util::stream::iter(fetches).buffered(at_once).try_collect().await
}

/// Journals the issue (or the copy, for a passport served again from its record) of a document.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn journal_issue(
    state: &AppState,
    issuer: &Issuer,
    code: &str,
    kind: &str,
    title: &str,
    subject: &Value,
    doc: &Rendered,
    op: &str,
) {
    crate::auth::journal::record(
        &state.pool,
        "document",
        issuer.login.as_deref(),
        None,
        Some(code),
        "ok",
        json!({"op": op, "kind": kind, "title": title, "sha256": doc.sha256, "size": doc.pdf.len(), "subject": subject}),
    )
    .await;
}

pub(crate) fn pdf_response(doc: Issued, disposition: &str, extra: &[(&'static str, String)]) -> Response {
    let headers: Vec<(&str, String)> =
        [("qala-document", doc.code.clone()), ("qala-sha256", doc.sha256.clone())].into_iter().collect();
    let name = format!("{disposition}; filename=\"qala-{}.pdf\"", doc.code);
    let mut res = (StatusCode::OK, doc.pdf).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(v) = HeaderValue::from_str(&name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    for (k, v) in headers.iter().chain(extra) {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(*k, v);
        }
    }
    res
}

#[utoipa::path(get, path = "/api/layers/{id}/items/{fid}/passport.pdf", tag = "print",
    params(("id" = String, Path, description = "Layer id"), ("fid" = i64, Path, description = "Feature id")),
    responses((status = 200, description = "The object's passport (PDF); the same content gets the same record and code", content_type = "application/pdf"),
        (status = 404, body = crate::error::ErrorBody),
        (status = 503, description = "Busy rendering other documents (Retry-After), or the database is unavailable", body = crate::error::ErrorBody)))]
pub async fn passport(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path((id, fid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let fid = crate::layers::routes::parse_fid(&fid, lang)?;
    let (layer, _, scope) = crate::features::routes::visible_feature(&state, &caller, &id, fid, lang).await?;
    let doc = super::passport::render(&state, &caller, lang, &layer, &scope, fid).await?;
    Ok(pdf_response(doc, "inline", &[]))
}
