//! `/api/auth/sms`: sign-in by IIN with a code sent by SMS to the phone БМГ has for it
//! (`auth::sms_login`). `start` sends the code; `verify` checks it and opens a session exactly like
//! the password login ([`super::auth::start_session`]).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::sms_login::{Refusal, SmsLogin};
use crate::error::ApiError;
use crate::http::caller::ClientIp;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/auth/sms/start", post(start)).route("/api/auth/sms/verify", post(verify))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsStart {
    /// The IIN: 12 digits with a valid check digit.
    #[schema(max_length = 32)]
    pub iin: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsVerify {
    #[schema(max_length = 32)]
    pub iin: String,
    /// The 6 digits received by SMS.
    #[schema(max_length = 32)]
    pub code: String,
}

/// A code sent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SmsStarted {
    /// The phone the code went to, mostly hidden: `+7 7** *** 45 67`.
    pub phone_hint: String,
    /// Seconds the code is valid.
    pub expires_in: u64,
    /// Seconds before another code may be asked for.
    pub resend_in: u64,
}

fn refusal(lang: Lang, r: Refusal) -> ApiError {
    let retry = |d: std::time::Duration| d.as_secs_f64().ceil().max(1.0).to_string();
    match r {
        Refusal::IinInvalid(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Msg::InvalidIin, lang),
        Refusal::CodeFormat => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Msg::SmsCodeFormat, lang),
        Refusal::NoPhone => ApiError::new(StatusCode::NOT_FOUND, Msg::SmsNoPhone, lang),
        Refusal::TooSoon { retry_after } => {
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, Msg::SmsResendTooSoon, lang)
                .with_header(header::RETRY_AFTER, retry(retry_after))
        }
        Refusal::TooMany { retry_after } => {
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, Msg::SmsTooMany, lang)
                .with_header(header::RETRY_AFTER, retry(retry_after))
        }
        Refusal::Unavailable(e) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.system().unavailable_msg(), lang)
                .with_header(header::RETRY_AFTER, e.retry_after_secs().to_string())
                .with_details(json!({"system": e.system().code()}))
        }
        Refusal::Wrong { attempts_left } => ApiError::new(StatusCode::UNAUTHORIZED, Msg::SmsCodeWrong, lang)
            .with_details(json!({"attempts_left": attempts_left})),
        Refusal::Expired => ApiError::new(StatusCode::UNAUTHORIZED, Msg::SmsCodeExpired, lang),
        Refusal::Blocked => ApiError::new(StatusCode::FORBIDDEN, Msg::AccountBlocked, lang),
        Refusal::Database(e) => ApiError::database(lang, e),
    }
}

fn service(state: &AppState) -> SmsLogin<'_> {
    SmsLogin {
        pool: &state.pool,
        adapters: &state.adapters,
        clock: state.auth.clock(),
        settings: &state.sms_login,
    }
}

/// Sends a sign-in code by SMS to the phone the mobile citizens base (БМГ) has for the IIN.
#[utoipa::path(post, path = "/api/auth/sms/start", tag = "auth", request_body = SmsStart,
    responses((status = 200, body = SmsStarted),
        (status = 400, body = crate::error::ErrorBody),
        (status = 404, description = "No phone is registered for this IIN (`sms_no_phone`)", body = crate::error::ErrorBody),
        (status = 422, description = "Not a valid IIN (`invalid_iin`)", body = crate::error::ErrorBody),
        (status = 429, description = "A code was sent less than a minute ago, or too many codes for this IIN, phone or address (`Retry-After`)", body = crate::error::ErrorBody),
        (status = 503, description = "БМГ or the SMS gateway does not answer (`state_system_unavailable`, `Retry-After`)", body = crate::error::ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    ClientIp(ip): ClientIp,
    body: Result<Json<SmsStart>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<SmsStarted>, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::rejection(lang, e))?;
    let s = service(&state).start(&body.iin, lang, ip).await.map_err(|r| refusal(lang, r))?;
    Ok(Json(SmsStarted { phone_hint: s.phone_hint, expires_in: s.expires_in, resend_in: s.resend_in }))
}

/// Checks the code and signs in: the session cookie and its CSRF token, as the password login.
/// The first sign-in of an IIN makes its account (applicant).
#[utoipa::path(post, path = "/api/auth/sms/verify", tag = "auth", request_body = SmsVerify,
    responses((status = 200, body = super::auth::Me),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, description = "A wrong code (`sms_code_wrong`, with `attempts_left`) or no valid code (`sms_code_expired`)", body = crate::error::ErrorBody),
        (status = 403, description = "The account is blocked", body = crate::error::ErrorBody),
        (status = 422, description = "Not a valid IIN, or not 6 digits", body = crate::error::ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Result<Json<SmsVerify>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::rejection(lang, e))?;
    let (user, created) =
        service(&state).verify(&body.iin, &body.code, lang, ip).await.map_err(|r| refusal(lang, r))?;
    let iin = crate::auth::iin::mask(body.iin.trim());
    let details = json!({"method": "sms", "iin": iin, "created": created});
    super::auth::start_session(&state, lang, user, ip, &headers, details).await
}
