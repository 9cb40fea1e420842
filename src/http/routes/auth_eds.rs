//! `/api/auth/eds`: sign-in with an NCA EDS certificate (AUTH-1). The browser takes a one-time
//! challenge, has NCALayer sign it with the user's AUTH key as an attached CMS, and sends the CMS
//! back. The signature, the chain up to the configured NCA roots, the validity now, the key usage
//! (AUTH) and the revocation are checked in process ([`crate::eds::Verifier`]); the first sign-in
//! of an IIN makes the account ([`crate::auth::citizens`]).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{citizens, eds_login, journal};
use crate::eds::KeyPurpose;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};

/// The largest CMS accepted for a sign-in (a challenge, a certificate chain): base64 of 64 KiB.
pub const MAX_LOGIN_CMS_BASE64: usize = 96 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/auth/eds/challenge", post(challenge)).route("/api/auth/eds/login", post(login))
}

/// A challenge to sign.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChallengeBody {
    /// The bytes to sign, base64 (NCALayer: `data`, with `signingParams.decode = true`).
    pub challenge: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A signed challenge.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EdsLoginBody {
    /// The CMS NCALayer made (base64 DER, attached: the challenge inside).
    #[schema(max_length = 98304)]
    pub cms: String,
}

/// A one-time challenge for the EDS sign-in, valid five minutes.
#[utoipa::path(post, path = "/api/auth/eds/challenge", tag = "auth",
    responses((status = 200, body = ChallengeBody), (status = 503, body = crate::error::ErrorBody)))]
pub async fn challenge(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
) -> Result<Json<ChallengeBody>, ApiError> {
    let now = state.auth.clock().now_utc();
    let c = eds_login::issue(&state.pool, &state.settings.public_url, now)
        .await
        .map_err(|e| ApiError::database(lang, e))?;
    Ok(Json(ChallengeBody {
        challenge: base64::engine::general_purpose::STANDARD.encode(&c.bytes),
        expires_at: c.expires_at,
    }))
}

/// Signs in with a signed challenge: sets the session cookie and returns the user, like the
/// password sign-in. The first sign-in of an IIN makes an applicant's account.
#[utoipa::path(post, path = "/api/auth/eds/login", tag = "auth", request_body = EdsLoginBody,
    responses((status = 200, body = crate::http::routes::auth::Me),
        (status = 401, description = "The challenge is unknown, used or expired, or the signature, chain, validity, key usage or revocation status does not hold (`code` says which)", body = crate::error::ErrorBody),
        (status = 403, description = "The account is blocked", body = crate::error::ErrorBody),
        (status = 422, description = "Not a CMS, or a certificate without an IIN", body = crate::error::ErrorBody),
        (status = 503, body = crate::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    crate::http::caller::ClientIp(ip): crate::http::caller::ClientIp,
    headers: HeaderMap,
    body: Result<Json<EdsLoginBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::rejection(lang, e))?;
    let ip_s = ip.map(|i| i.to_string());
    let refuse = |reason: &str, err: ApiError| {
        let (pool, ip_s, reason) = (state.pool.clone(), ip_s.clone(), reason.to_string());
        async move {
            journal::record(
                &pool,
                "login",
                None,
                ip_s.as_deref(),
                None,
                "refused",
                json!({"method": "eds", "reason": reason}),
            )
            .await;
            err
        }
    };
    let cms = decode_cms(&body.cms, MAX_LOGIN_CMS_BASE64, lang)?;
    let now = state.auth.clock().now_utc();
    let verdict = match state.eds(lang)?.verify(&cms, None, KeyPurpose::Auth, now).await {
        Ok(v) => v,
        Err(e) => {
            return Err(
                refuse("unreadable", ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.msg(), lang)).await
            );
        }
    };
    let Some(signer) = verdict.signers.first() else {
        return Err(refuse(
            "no signer",
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Msg::EdsNotValid, lang),
        )
        .await);
    };
    if let Some(r) = signer.refusal.filter(|_| !verdict.valid) {
        let detail = json!({"method": "eds", "certificate_serial": signer.certificate_serial});
        let err = ApiError::new(StatusCode::UNAUTHORIZED, r.msg(), lang).with_details(detail);
        return Err(refuse(r.code(), err).await);
    }
    if !verdict.valid || verdict.signers.len() != 1 {
        return Err(refuse("invalid", ApiError::new(StatusCode::UNAUTHORIZED, Msg::EdsNotValid, lang)).await);
    }
    let content = verdict.content.as_deref().unwrap_or_default();
    let fresh = eds_login::take(&state.pool, content, now).await.map_err(|e| ApiError::database(lang, e))?;
    if !fresh {
        return Err(refuse(
            "challenge",
            ApiError::new(StatusCode::UNAUTHORIZED, Msg::EdsChallengeUnknown, lang),
        )
        .await);
    }
    let Some(iin) = signer.identity.iin.as_deref() else {
        return Err(
            refuse("no iin", ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Msg::EdsNoIin, lang)).await
        );
    };
    let name = full_name(&signer.identity);
    let proven =
        citizens::Proven { iin, full_name: &name, bin: signer.identity.bin.as_deref(), lang: lang_tag(lang) };
    let (user, created) =
        citizens::account_for(&state.pool, &proven).await.map_err(|e| ApiError::database(lang, e))?;
    if user.status != "active" {
        let err = ApiError::new(StatusCode::FORBIDDEN, Msg::AccountBlocked, lang);
        return Err(refuse("blocked", err).await);
    }
    let details = json!({
        "method": "eds", "certificate_serial": signer.certificate_serial, "algorithm": signer.algorithm,
        "organisation_bin": signer.identity.bin, "account_created": created,
    });
    crate::http::routes::auth::start_session(&state, lang, user, ip, &headers, details).await
}

/// The DER of a base64 CMS of at most `max` base64 characters (413 beyond).
pub fn decode_cms(b64: &str, max: usize, lang: Lang) -> Result<Vec<u8>, ApiError> {
    if b64.len() > max {
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Msg::EdsTooLarge, lang));
    }
    let clean: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(clean.as_bytes())
        .map_err(|_| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Msg::EdsNotValid, lang))
}

/// "Surname Given Patronymic" from a certificate's subject, or its common name.
pub fn full_name(id: &crate::eds::Identity) -> String {
    let parts: Vec<&str> = [&id.surname, &id.given_name, &id.patronymic]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() >= 2 { parts.join(" ") } else { id.common_name.clone().unwrap_or_default() }
}

fn lang_tag(lang: Lang) -> &'static str {
    match lang {
        Lang::Kk => "kk",
        Lang::Ru => "ru",
        Lang::En => "en",
    }
}
