//! `/api/auth`: log in (session cookie + CSRF token), log out, who am I, API tokens.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{Caller, journal, sha256_hex, store};
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::Msg;
use crate::policy::AuthMethod;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
        .route("/api/auth/tokens", get(list_tokens).post(create_token))
        .route("/api/auth/tokens/{id}", delete(delete_token))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub login: String,
    pub password: String,
}

/// What the web map needs to know of the logged-in user.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub login: String,
    pub full_name: String,
    pub roles: Vec<String>,
    pub org: Option<String>,
    pub dept: Option<String>,
    pub lang: String,
    /// The CSRF token to send as `X-CSRF-Token` with writes (sessions only).
    pub csrf: Option<String>,
}

fn cookie(token: &str, max_age_s: u64) -> String {
    format!(
        "{}={token}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age={max_age_s}",
        crate::auth::SESSION_COOKIE
    )
}

/// Logs in with a login and password: sets the session cookie and returns the CSRF token.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody),
              (status = 403, description = "The account is blocked", body = crate::error::ErrorBody),
              (status = 429, description = "Locked after repeated failures from this address, or too many attempts (`Retry-After`)", body = crate::error::ErrorBody),
              (status = 503, description = "Too many password checks at once (`Retry-After`)", body = crate::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    crate::http::caller::ClientIp(ip): crate::http::caller::ClientIp,
    headers: HeaderMap,
    body: Result<Json<LoginBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::rejection(lang, e))?;
    let login = body.login.trim().to_lowercase();
    let user =
        state.auth.check_password(&login, &body.password, ip).await.map_err(|r| r.into_api_error(lang))?;
    start_session(&state, lang, user, ip, &headers, json!({"method": "password"})).await
}

/// Opens a session for `user`, who has just proved who they are (password, EDS, SMS code):
/// stores it, journals the login with `details` (which say how; never a secret or personal data)
/// and answers [`Me`] with the session cookie and its CSRF token.
pub async fn start_session(
    state: &AppState,
    lang: crate::i18n::Lang,
    user: store::UserRow,
    ip: Option<std::net::IpAddr>,
    headers: &HeaderMap,
    details: serde_json::Value,
) -> Result<Response, ApiError> {
    let ip = ip.map(|i| i.to_string());
    let token = crate::auth::new_secret("");
    let csrf = crate::auth::new_secret("");
    let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    store::create_session(&state.pool, user.id, &sha256_hex(&token), &csrf, ip.as_deref(), ua)
        .await
        .map_err(|e| ApiError::database(lang, e))?;
    journal::record(&state.pool, "login", Some(&user.login), ip.as_deref(), None, "ok", details).await;
    let me = Me {
        login: user.login,
        full_name: user.full_name,
        roles: user.roles,
        org: user.org_id,
        dept: user.dept_id,
        lang: user.lang,
        csrf: Some(csrf),
    };
    let mut resp = Json(me).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie(&token, crate::auth::SESSION_IDLE.as_secs())) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// Ends the caller's session (the cookie is cleared).
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    if let Caller::User(p) = &caller
        && let AuthMethod::Session { token_sha256, .. } = &p.method
    {
        let _ = store::delete_session(&state.pool, token_sha256).await;
        state.auth.invalidate_all();
        journal::record(&state.pool, "logout", Some(&p.login), None, None, "ok", json!({})).await;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie("", 0)) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// The logged-in user; 401 for anonymous callers.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
) -> Result<Json<Me>, ApiError> {
    let p = caller.principal().ok_or_else(|| ApiError::unauthorized(lang))?;
    let u = store::user_by_login(&state.pool, &p.login)
        .await
        .map_err(|e| ApiError::database(lang, e))?
        .ok_or_else(|| ApiError::unauthorized(lang))?;
    let csrf = match &p.method {
        AuthMethod::Session { csrf, .. } => Some(csrf.clone()),
        _ => None,
    };
    Ok(Json(Me {
        login: u.login,
        full_name: u.full_name,
        roles: u.roles,
        org: u.org_id,
        dept: u.dept_id,
        lang: u.lang,
        csrf,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// Not blank, no NUL characters.
    #[schema(pattern = r"^[^\u0000]*\S[^\u0000]*$")]
    pub name: String,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Creates an API token for the caller; the secret is shown only in this answer.
#[utoipa::path(post, path = "/api/auth/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, description = "`{token, id, name, expires_at}`"), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    body: Result<Json<NewToken>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let p = caller.principal().ok_or_else(|| ApiError::unauthorized(lang))?;
    let Json(body) = body.map_err(|e| ApiError::rejection(lang, e))?;
    if body.name.trim().is_empty() {
        return Err(ApiError::bad_request(lang, "`name` must not be empty"));
    }
    let secret = crate::auth::new_secret("qala_");
    let row = store::insert_token(&state.pool, p.id, &sha256_hex(&secret), body.name.trim(), body.expires_at)
        .await
        .map_err(|e| ApiError::from_query(lang, e))?;
    journal::record(&state.pool, "token", Some(&p.login), None, Some(&row.name), "ok", json!({"id": row.id}))
        .await;
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": secret, "id": row.id, "name": row.name, "expires_at": row.expires_at})),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/auth/tokens", tag = "auth", responses((status = 200, body = [store::TokenRow])))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
) -> Result<Json<Vec<store::TokenRow>>, ApiError> {
    let p = caller.principal().ok_or_else(|| ApiError::unauthorized(lang))?;
    store::tokens(&state.pool, p.id).await.map(Json).map_err(|e| ApiError::database(lang, e))
}

#[utoipa::path(delete, path = "/api/auth/tokens/{id}", tag = "auth", responses((status = 204), (status = 404)))]
pub async fn delete_token(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let p = caller.principal().ok_or_else(|| ApiError::unauthorized(lang))?;
    if store::delete_token(&state.pool, p.id, id).await.map_err(|e| ApiError::database(lang, e))? {
        state.auth.invalidate_all();
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(Msg::NotFound, lang))
    }
}
