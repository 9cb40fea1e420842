//! Document records: `/api/documents/{code}` (JSON), `/api/documents/{code}/revoke` and the
//! public verification page `/verify/{code}` with its upload form.
//!
//! A record is public (its code is printed on the document), but it does not name staff: the
//! issuer is shown by its organisation and department (`issued_by`), never by login. Logins
//! (`issuer`, `revoked_by`) are shown only to those [`may_see_staff`] allows: administrators,
//! the organisation's administrators and the issuer itself.
//!
//! A file is verified by streaming it through SHA-256 (multipart field `file`, or the raw body),
//! up to the upload limit, holding one chunk at a time; nothing is stored.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::policy::may_see_staff;
use crate::print::store::{self, DocumentRecord};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/documents/{code}", get(document_json))
        .route("/api/documents/{code}/revoke", post(revoke))
        // The upload is counted against the upload limit as it streams, not buffered.
        .route("/verify/{code}", get(verify_page).post(verify_upload).layer(DefaultBodyLimit::disable()))
}

/// A record as JSON with its `status` (`valid` or `revoked`), `issued_by` (the issuer's
/// organisation · department, `null` when it has none) and `anonymous` (issued without logging
/// in); the logins only when `staff` is true.
pub fn record_json(doc: &DocumentRecord, staff: bool) -> Value {
    let status = if doc.revoked_at.is_some() { "revoked" } else { "valid" };
    let mut v = json!({
        "code": doc.code, "kind": doc.kind, "status": status, "sha256": doc.sha256,
        "size_bytes": doc.size_bytes, "title": doc.title, "subject": doc.subject,
        "issued_by": doc.issuer_unit, "anonymous": doc.issuer.is_none(), "issued_at": doc.issued_at,
        "revoked_at": doc.revoked_at, "revoke_reason": doc.revoke_reason,
    });
    if staff {
        v["issuer"] = json!(doc.issuer);
        v["issuer_org"] = json!(doc.issuer_org);
        v["revoked_by"] = json!(doc.revoked_by);
    }
    v
}

fn record_response(doc: &DocumentRecord, caller: &Caller) -> Response {
    let mut res =
        axum::Json(record_json(doc, may_see_staff(caller, doc.issuer.as_deref(), doc.issuer_org.as_deref())))
            .into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    res
}

#[utoipa::path(get, path = "/api/documents/{code}", tag = "print",
    params(("code" = String, Path, description = "Document code, XXXX-XXXX-XXXX")),
    responses((status = 200, description = "The record of an issued document with its status (valid, revoked) and issuing organisation; staff logins only for administrators, the organisation's administrators and the issuer"),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn document_json(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let doc = document_by_code(&state, &code, lang)
        .await?
        .ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    Ok(record_response(&doc, &caller))
}

/// The record of `raw` (a code as typed), if one was issued.
async fn document_by_code(
    state: &AppState,
    raw: &str,
    lang: Lang,
) -> Result<Option<DocumentRecord>, ApiError> {
    match crate::print::normalise_code(raw) {
        Some(code) => store::document(&state.pool, &code).await.map_err(|e| ApiError::database(lang, e)),
        None => Ok(None),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RevokeBody {
    /// 1 to 1000 characters besides surrounding spaces; no control characters but tabs and line
    /// feeds.
    #[schema(
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u0008\u000b-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    reason: String,
}

/// The longest revocation reason, in characters.
const MAX_REASON: usize = 1000;

#[utoipa::path(post, path = "/api/documents/{code}/revoke", tag = "print",
    params(("code" = String, Path, description = "Document code")),
    request_body(content = RevokeBody, content_type = "application/json"),
    responses((status = 200, description = "The revoked record"), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(code): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    if caller.principal().is_none() {
        return Err(ApiError::unauthorized(lang));
    }
    if !caller.is_admin() {
        return Err(ApiError::forbidden(lang));
    }
    let body = body.map_err(|e| super::print::body_rejection(lang, e))?;
    let b: RevokeBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(lang, format!("expected {{\"reason\": \"…\"}}: {e}")))?;
    let reason = b.reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(ApiError::bad_request(lang, format!("`reason` must have 1 to {MAX_REASON} characters")));
    }
    if reason.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ApiError::bad_request(lang, "`reason` contains control characters"));
    }
    let code = crate::print::normalise_code(&code).ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    let doc = store::revoke_document(&state.pool, &code, caller.login(), reason)
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
        json!({"op": "revoke", "reason": reason}),
    )
    .await;
    Ok(record_response(&doc, &caller))
}

async fn verify_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let doc = document_by_code(&state, &code, lang).await?;
    let signed = match &doc {
        Some(d) => public_signatures(&state, &d.code, lang).await?,
        None => Vec::new(),
    };
    Ok(render_verify(lang, &code, doc.as_ref(), None, &signed))
}

/// The signatures of a document as the public page shows them, each checked again.
async fn public_signatures(
    state: &AppState,
    code: &str,
    lang: Lang,
) -> Result<Vec<crate::print::verify::PublicSignature>, ApiError> {
    use crate::signatures::store;
    let Some(content) = store::content(&state.pool, code).await.map_err(|e| ApiError::database(lang, e))?
    else {
        return Ok(Vec::new());
    };
    let sigs = store::signatures(&state.pool, code).await.map_err(|e| ApiError::database(lang, e))?;
    let mut out = Vec::with_capacity(sigs.len());
    for s in sigs {
        let (valid, _) = match state.eds_verifier.as_ref() {
            Some(eds) => super::signatures::still_valid(eds, &s, &content.bytes).await,
            None => (false, None),
        };
        let who = if s.party == "provider" {
            let org = s.organisation.clone().unwrap_or_default();
            format!("{}, {} (BIN {})", s.signer_name, org, s.signer_bin.clone().unwrap_or_default())
        } else {
            format!("IIN {}", crate::signatures::rules::mask_iin(s.signer_iin.as_deref().unwrap_or("")))
        };
        out.push(crate::print::verify::PublicSignature {
            party: s.party.clone(),
            who,
            certificate_serial: s.certificate_serial.clone(),
            certificate_issuer: s.certificate_issuer.clone(),
            algorithm: s.algorithm.clone(),
            received_at: s.received_at,
            valid,
        });
    }
    Ok(out)
}

/// The verification page: 404 when no document has the code.
fn render_verify(
    lang: Lang,
    raw: &str,
    doc: Option<&DocumentRecord>,
    compared: Option<(crate::print::verify::Comparison, &str)>,
    signatures: &[crate::print::verify::PublicSignature],
) -> Response {
    let status = if doc.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    let code = doc.map_or(raw, |d| d.code.as_str());
    let mut res =
        (status, Html(crate::print::verify::page(lang, code, doc, compared, signatures))).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// SHA-256 and size of a stream of chunks, refused beyond `limit` bytes.
#[derive(Debug)]
struct Counted {
    hasher: Sha256,
    size: usize,
    limit: usize,
}

impl Counted {
    fn add(&mut self, chunk: &[u8], lang: Lang) -> Result<(), ApiError> {
        self.size += chunk.len();
        if self.size > self.limit {
            return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Msg::PayloadTooLarge, lang)
                .with_detail(format!("the limit is {} bytes", self.limit)));
        }
        self.hasher.update(chunk);
        Ok(())
    }
}

/// `POST /verify/{code}`: a file (multipart field `file`, or the raw body) compared with the
/// record by SHA-256, streamed up to the upload limit. Nothing is stored.
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
    let mut file = Counted { hasher: Sha256::new(), size: 0, limit };
    if is_multipart {
        let mut mp = Multipart::from_request(req, &state)
            .await
            .map_err(|e| ApiError::bad_request(lang, e.body_text()))?;
        // Other fields are read and counted too (never kept), so the whole form is bounded.
        let mut other = Counted { hasher: Sha256::new(), size: 0, limit };
        let mut found = false;
        while let Some(mut field) = mp.next_field().await.map_err(|e| multipart_error(lang, e))? {
            let is_file = field.name() == Some("file") && !found;
            found |= is_file;
            let target = if is_file { &mut file } else { &mut other };
            while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(lang, e))? {
                target.add(&chunk, lang)?;
            }
        }
        if !found {
            return Err(ApiError::bad_request(lang, "the form has no `file` field"));
        }
    } else {
        let mut body = req.into_body().into_data_stream();
        while let Some(chunk) = body.next().await {
            let chunk =
                chunk.map_err(|e| ApiError::bad_request(lang, format!("the upload broke off: {e}")))?;
            file.add(&chunk, lang)?;
        }
    }
    if file.size == 0 {
        return Err(ApiError::bad_request(lang, "the uploaded file is empty"));
    }
    let sha = hex::encode(file.hasher.finalize());
    let doc = document_by_code(&state, &code, lang).await?;
    let cmp = match &doc {
        Some(d) if d.sha256 == sha => crate::print::verify::Comparison::Matches,
        _ => crate::print::verify::Comparison::Differs,
    };
    let signed = match &doc {
        Some(d) => public_signatures(&state, &d.code, lang).await?,
        None => Vec::new(),
    };
    Ok(render_verify(lang, &code, doc.as_ref(), Some((cmp, &sha)), &signed))
}

/// A broken multipart body: 413 when a size limit stopped it, 400 otherwise.
pub(crate) fn multipart_error(lang: Lang, e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Msg::PayloadTooLarge, lang)
    } else {
        ApiError::bad_request(lang, e.body_text())
    }
}
