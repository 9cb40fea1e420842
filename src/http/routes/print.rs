//! `/api/print` (maps to scale), `/api/print/options` and object passports; the records and
//! verification are in [`super::records`]; the work is [`crate::print::issue`]. Every layer and feature in a document has passed the
//! one access policy ([`crate::layers::Catalog::readable`], `feature_scope`).
//!
//! Bounds (issue 12): a print or passport renders only with a turn of the
//! [`crate::print::limits::RenderGate`] (503 with `Retry-After` when none comes in time); its layers are
//! read at most `print_connections` at a time, so one print cannot take the whole pool; decoding
//! geometries, drawing and hashing run in blocking threads.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::print::issue::{Issued, load_style, printable_layers};
use crate::print::layout::{self, Orientation, PageLayout, Paper};
use crate::print::store;
use crate::print::texts::DocLang;
use crate::print::{self, plan::PrintRequest};

// The records' routes live in `records`; the OpenAPI document names them here.
pub use super::records::{__path_document_json, __path_revoke, document_json, revoke};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/print", post(print))
        .route("/api/print/options", get(options))
        .route("/api/layers/{id}/items/{fid}/passport.pdf", get(passport))
        .merge(super::records::router())
}

#[utoipa::path(get, path = "/api/print/options", tag = "print",
    responses((status = 200, description = "Papers with their frame sizes (mm), scales, CRSs, languages and the layers the caller may print")))]
pub async fn options(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
) -> Result<Response, ApiError> {
    let (style, _) = load_style(&state.settings.styles_dir, DocLang::from_lang(lang))?;
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
    let printed = print::issue::print_map(&state.print_context(), &caller, req, lang).await?;
    Ok(pdf_response(
        printed.document,
        "attachment",
        &[
            ("qala-map-frame", printed.frame_header),
            ("qala-map-extent", printed.extent_header),
            ("qala-scale-factor", format!("{:.9}", printed.scale_factor)),
        ],
    ))
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
    let fid = crate::policy::parse_fid(&fid, lang)?;
    let (layer, _, scope) =
        crate::policy::visible_feature(&state.catalog(), &state.pool, &caller, &id, fid, lang).await?;
    let doc = print::passport::render(&state.print_context(), &caller, lang, &layer, &scope, fid).await?;
    Ok(pdf_response(doc, "inline", &[]))
}
