//! `/api/documents/{code}/content` and `/api/documents/{code}/signatures`: the bytes of a document
//! its parties sign, and their EDS signatures (HC-1: a housing certificate is an agreement the
//! applicant and the akimat both sign). Who may read and sign follows from the application the
//! document belongs to: its applicant, its staff and administrators; anyone else gets 404.
//! Each signature is checked when it arrives and again each time it is listed.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::applications::{api_error, ctx};
use crate::applications::lifecycle::drafts;
use crate::auth::{Caller, journal};
use crate::eds::{KeyPurpose, Verifier};
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::signatures::SigningParty;
use crate::signatures::rules::{self, Required, SignRefusal, Signer};
use crate::signatures::store::{self, Content, NewSignature, StoredSignature};

/// The largest signature accepted: base64 of 1 MiB of CMS.
pub const MAX_SIGNATURE_BASE64: usize = 1_400_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/documents/{code}/content", get(content))
        .route("/api/documents/{code}/signatures", get(list).post(sign))
}

/// A detached signature of a document.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignBody {
    /// The CMS (base64 DER, detached) over the bytes of `/api/documents/{code}/content`, made
    /// with a SIGN key.
    #[schema(max_length = 1400000)]
    pub cms: String,
}

/// The content, with its application's applicant and provider, for a caller who sees that
/// application whole (404 otherwise).
async fn readable(
    state: &AppState,
    caller: &Caller,
    code: &str,
    lang: Lang,
) -> Result<(Content, String, String), ApiError> {
    let not_found = || ApiError::not_found(Msg::DocumentUnknown, lang);
    if code.len() > 32 {
        return Err(not_found());
    }
    let c = store::content(&state.pool, code)
        .await
        .map_err(|e| ApiError::database(lang, e))?
        .ok_or_else(not_found)?;
    let id = c.application_id.ok_or_else(not_found)?;
    let catalog = state.catalog();
    let cx = ctx(state, &catalog);
    let (row, service, view) = drafts::read(&cx, caller, id).await.map_err(|e| match e {
        crate::applications::lifecycle::LifecycleError::NotFound => not_found(),
        e => api_error(lang, e),
    })?;
    if !view.personal() {
        return Err(not_found());
    }
    Ok((c, row.applicant, service.provider.clone()))
}

/// The bytes of a document to be signed (PDF).
#[utoipa::path(get, path = "/api/documents/{code}/content", tag = "documents",
    params(("code" = String, Path, description = "The document's code")),
    responses((status = 200, description = "The document's bytes, exactly as they are signed", content_type = "application/pdf"),
        (status = 404, description = "No such document to be signed, or the caller may not read it", body = crate::error::ErrorBody)))]
pub async fn content(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let (c, ..) = readable(&state, &caller, &code, lang).await?;
    let mut res = (StatusCode::OK, c.bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(res)
}

/// Who must sign, who has, whether each signature still checks, and whether the caller may sign.
#[utoipa::path(get, path = "/api/documents/{code}/signatures", tag = "documents",
    params(("code" = String, Path, description = "The document's code")),
    responses((status = 200, description = "`required` (party, signed), `signatures` (signer, certificate, times, `valid`), `can_sign`, `complete`"),
        (status = 404, description = "No such document to be signed, or the caller may not read it", body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (c, applicant, provider) = readable(&state, &caller, &code, lang).await?;
    let sigs = store::signatures(&state.pool, &code).await.map_err(|e| ApiError::database(lang, e))?;
    let mut listed = Vec::new();
    for s in &sigs {
        let (valid, refusal) = still_valid(state.eds(lang)?, s, &c.bytes).await;
        listed.push(signature_json(s, valid, refusal, lang));
    }
    let signed = |p: SigningParty| sigs.iter().any(|s| s.party == p.tag());
    let mine = caller_party(&caller, &applicant, &provider, &c.required);
    Ok(Json(json!({
        "code": code,
        "required": c.required.iter().map(|r| json!({"party": r.party, "signed": signed(r.party)})).collect::<Vec<_>>(),
        "signatures": listed,
        "can_sign": mine.is_some_and(|p| !signed(p)),
        "complete": c.required.iter().all(|r| signed(r.party)),
        "content_url": format!("/api/documents/{code}/content"),
    })))
}

/// The party the caller would sign for, judged by account alone (the certificate decides later).
fn caller_party(
    caller: &Caller,
    applicant: &str,
    provider: &str,
    required: &[Required],
) -> Option<SigningParty> {
    let p = caller.principal()?;
    required.iter().map(|r| r.party).find(|party| match party {
        SigningParty::Applicant => p.login == applicant,
        SigningParty::Provider => p.org.as_deref() == Some(provider),
    })
}

/// Signs a document for the caller's party with a detached CMS.
#[utoipa::path(post, path = "/api/documents/{code}/signatures", tag = "documents", request_body = SignBody,
    params(("code" = String, Path, description = "The document's code")),
    responses((status = 201, description = "The signature as recorded, with its verdict"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "The certificate is not the caller's party's (another IIN or BIN), or the caller signs for no party", body = crate::error::ErrorBody),
        (status = 404, description = "No such document to be signed, or the caller may not read it", body = crate::error::ErrorBody),
        (status = 409, description = "The caller's party has signed already", body = crate::error::ErrorBody),
        (status = 422, description = "Not a CMS, a signature over other bytes, or a certificate that does not hold (chain, validity, SIGN key usage, revocation; `code` says which)", body = crate::error::ErrorBody)))]
pub async fn sign(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(code): Path<String>,
    body: Result<Json<SignBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let p = caller.principal().ok_or_else(|| ApiError::unauthorized(lang))?.clone();
    let Json(body) = body.map_err(|e| ApiError::rejection(lang, e))?;
    let (c, ..) = readable(&state, &caller, &code, lang).await?;
    let cms = super::auth_eds::decode_cms(&body.cms, MAX_SIGNATURE_BASE64, lang)?;
    let now = state.apps.now();
    let verdict = state
        .eds(lang)?
        .verify(&cms, Some(&c.bytes), KeyPurpose::Sign, now)
        .await
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.msg(), lang))?;
    let signer = match (verdict.valid, verdict.signers.as_slice()) {
        (true, [one]) => one,
        (_, [one, ..]) if one.refusal.is_some() => {
            let r = one.refusal.unwrap_or(crate::eds::Refusal::BadSignature);
            journal_sign(&state, &p.login, &code, "refused", json!({"reason": r.code()})).await;
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, r.msg(), lang));
        }
        _ => return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Msg::EdsNotValid, lang)),
    };
    let account_iin = crate::auth::store::user_by_login(&state.pool, &p.login)
        .await
        .map_err(|e| ApiError::database(lang, e))?
        .and_then(|u| u.iin);
    let who = Signer {
        login: &p.login,
        org: p.org.as_deref(),
        account_iin: account_iin.as_deref(),
        cert_iin: signer.identity.iin.as_deref(),
        cert_bin: signer.identity.bin.as_deref(),
    };
    let party = match rules::party_for(&c.required, &who) {
        Ok(party) => party,
        Err(SignRefusal::NothingToSign) => return Err(ApiError::not_found(Msg::DocumentUnknown, lang)),
        Err(SignRefusal::NotTheParty) => {
            let detail = json!({"reason": "not_the_party", "certificate_serial": signer.certificate_serial});
            journal_sign(&state, &p.login, &code, "refused", detail).await;
            return Err(ApiError::new(StatusCode::FORBIDDEN, Msg::SignatureNotYourParty, lang));
        }
    };
    let name = super::auth_eds::full_name(&signer.identity);
    let report = serde_json::to_value(signer).unwrap_or(Value::Null);
    let report = strip_certificate(report);
    let new = NewSignature {
        code: &code,
        party: party.tag(),
        signer_login: &p.login,
        signer_iin: signer.identity.iin.as_deref(),
        signer_bin: signer.identity.bin.as_deref(),
        signer_name: &name,
        organisation: signer.identity.organisation.as_deref(),
        certificate_serial: &signer.certificate_serial,
        certificate_issuer: &signer.issuer,
        algorithm: &signer.algorithm,
        cms: &cms,
        signing_time: signer.signing_time,
        received_at: now,
        verdict: report,
    };
    let stored = store::insert(&state.pool, &new).await.map_err(|e| ApiError::database(lang, e))?;
    let Some(stored) = stored else {
        return Err(ApiError::new(StatusCode::CONFLICT, Msg::SignatureAlreadyMade, lang));
    };
    let detail = json!({"party": party.tag(), "certificate_serial": signer.certificate_serial, "algorithm": signer.algorithm});
    journal_sign(&state, &p.login, &code, "ok", detail).await;
    Ok((StatusCode::CREATED, Json(signature_json(&stored, true, None, lang))).into_response())
}

/// Journals a signing: who, which document, the outcome and how (never an IIN).
async fn journal_sign(state: &AppState, login: &str, code: &str, outcome: &str, detail: Value) {
    journal::record(&state.pool, "document_sign", Some(login), None, Some(code), outcome, detail).await;
}

/// The verifier's report without the certificate's bytes (kept in the CMS anyway).
fn strip_certificate(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("certificate_der");
    }
    v
}

/// Whether a stored signature still checks over `content`, judged at the time it was received.
pub async fn still_valid(
    eds: &Verifier,
    s: &StoredSignature,
    content: &[u8],
) -> (bool, Option<crate::eds::Refusal>) {
    match eds.verify(&s.cms, Some(content), KeyPurpose::Sign, s.received_at).await {
        Ok(v) => (v.valid, v.signers.first().and_then(|x| x.refusal)),
        Err(_) => (false, Some(crate::eds::Refusal::BadSignature)),
    }
}

/// A signature as JSON for those who see the application whole.
fn signature_json(
    s: &StoredSignature,
    valid: bool,
    refusal: Option<crate::eds::Refusal>,
    lang: Lang,
) -> Value {
    json!({
        "party": s.party, "signer_name": s.signer_name, "iin": s.signer_iin, "bin": s.signer_bin,
        "organisation": s.organisation, "certificate_serial": s.certificate_serial,
        "certificate_issuer": s.certificate_issuer, "algorithm": s.algorithm,
        "signing_time": s.signing_time, "received_at": s.received_at, "valid": valid,
        "refusal": refusal.map(|r| json!({"code": r.code(), "message": r.msg().text(lang)})),
    })
}
