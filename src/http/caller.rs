//! Who calls: the [`Caller`] of a request as an extractor (credentials from the headers, resolved
//! by the auth service; the CSRF token checked on writes through a session) and the client's
//! address as auth sees it ([`client_addr`], [`ClientIp`]).

use std::net::IpAddr;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};

use super::{AppState, ReqLang};
use crate::auth::{CSRF_HEADER, Caller, Credentials, csrf_matches};
use crate::error::ApiError;
use crate::i18n::Msg;

/// A policy decision as an answer: `Ok` when `allowed`, else 401 for an anonymous caller (who may
/// still sign in) and 403 for a signed-in one.
pub fn require(allowed: bool, caller: &Caller, lang: crate::i18n::Lang) -> Result<(), ApiError> {
    match (allowed, caller.principal()) {
        (true, _) => Ok(()),
        (false, None) => Err(ApiError::unauthorized(lang)),
        (false, Some(_)) => Err(ApiError::forbidden(lang)),
    }
}

/// The client's address as the HTTP layer established it (`X-Forwarded-For` only from trusted
/// proxies; see `http::extract::client_addr`). Every use of the address in auth (rate limits,
/// lockouts, journal, sessions) goes through this function.
pub fn client_addr(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<super::ClientAddr>().and_then(|c| c.0)
}

/// The client address of a request (see [`client_addr`]), as an extractor.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_addr(parts)))
    }
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let ReqLang(lang) = match ReqLang::from_request_parts(parts, state).await {
            Ok(l) => l,
            Err(never) => match never {},
        };
        let creds = Credentials::from_headers(&parts.headers);
        let ip = client_addr(parts);
        let caller = state.auth.resolve(&creds, ip, lang).await?;
        if let Caller::User(p) = &caller
            && let crate::policy::AuthMethod::Session { csrf, .. } = &p.method
            && is_write(&parts.method)
        {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !csrf_matches(sent, csrf) {
                let ip = ip.map(|i| i.to_string());
                crate::auth::journal::record(
                    &state.pool,
                    "csrf",
                    Some(&p.login),
                    ip.as_deref(),
                    Some(parts.uri.path()),
                    "refused",
                    serde_json::json!({}),
                )
                .await;
                return Err(ApiError::new(StatusCode::FORBIDDEN, Msg::CsrfFailed, lang));
            }
        }
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}
