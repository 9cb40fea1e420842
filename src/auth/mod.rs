//! Who is calling and what they may do: users, sessions, API tokens, HTTP Basic, the access
//! policy, the admin API and the event journal.
//!
//! - [`policy`]: the single access decision (pure);
//! - [`password`]: Argon2id hashing;
//! - [`store`]: the SQL of users, sessions, tokens and grants;
//! - [`routes`]: `/api/auth/*` (login, logout, me, tokens); [`admin`]: `/api/admin/*`;
//! - [`journal`]: the event journal (SEC-1).
//!
//! A request is authenticated by, in this order: `Authorization: Bearer <token>`,
//! `Authorization: Basic` (QGIS, GDAL), the `qala_session` cookie; none of them means anonymous.
//! Wrong credentials in a header are a 401, never a silent fallback to anonymous. A write through a
//! session must carry the session's CSRF token in `X-CSRF-Token`.

pub mod admin;
pub mod journal;
pub mod password;
pub mod policy;
pub mod routes;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use base64::Engine;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

pub use policy::{Access, Caller, Principal};

use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "qala_session";
/// Header that carries the CSRF token of a session on writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lives without being used.
pub const SESSION_IDLE: Duration = Duration::from_secs(12 * 3600);
/// Failed logins after which each further attempt is slowed down.
pub const SLOW_DOWN_AFTER: i32 = 3;
/// Failed logins after which the account is locked for [`LOCKOUT`].
pub const LOCK_AFTER: i32 = 5;
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// The hex SHA-256 of a secret (session cookies and tokens are stored only this way).
pub fn sha256_hex(s: &str) -> String {
    crate::layers::sync::hex(&Sha256::digest(s.as_bytes()))
}

/// A new random secret: 32 bytes, URL-safe base64, with a prefix that says what it is.
pub fn new_secret(prefix: &str) -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b))
}

/// Resolves credentials to principals, with a short cache so that QGIS's Basic requests do not pay
/// Argon2 each time. Any change to users or grants clears the cache.
#[derive(Debug, Clone)]
pub struct AuthService {
    pool: PgPool,
    cache: moka::future::Cache<String, Arc<Principal>>,
}

/// Credentials found in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    None,
    Bearer(String),
    Basic {
        login: String,
        password: String,
    },
    Session(String),
    /// An `Authorization` header that is neither Bearer nor well-formed Basic.
    Malformed,
}

impl Credentials {
    /// Reads the `Authorization` header, then the session cookie (pure).
    pub fn from_headers(headers: &HeaderMap) -> Credentials {
        if let Some(auth) = headers.get(header::AUTHORIZATION) {
            let Ok(auth) = auth.to_str() else { return Credentials::Malformed };
            let (scheme, rest) = auth.split_once(' ').unwrap_or((auth, ""));
            if scheme.eq_ignore_ascii_case("bearer") && !rest.trim().is_empty() {
                return Credentials::Bearer(rest.trim().to_string());
            }
            if scheme.eq_ignore_ascii_case("basic") {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(rest.trim())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok());
                return match decoded.as_deref().and_then(|d| d.split_once(':')) {
                    Some((l, p)) => {
                        Credentials::Basic { login: l.trim().to_lowercase(), password: p.to_string() }
                    }
                    None => Credentials::Malformed,
                };
            }
            return Credentials::Malformed;
        }
        match session_cookie(headers) {
            Some(token) => Credentials::Session(token),
            None => Credentials::None,
        }
    }
}

/// The value of the session cookie, if the request has one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// The client address as the HTTP layer established it (`X-Forwarded-For` only from trusted
/// proxies; see `http::extract::client_addr`).
pub fn client_ip(parts: &Parts) -> Option<String> {
    parts.extensions.get::<crate::http::ClientAddr>().and_then(|c| c.0).map(|ip| ip.to_string())
}

/// The client address of a request (see [`client_ip`]), as an extractor.
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}

/// Why credentials were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginRefusal {
    BadCredentials,
    Locked { retry_after_s: i64 },
    Blocked,
}

impl LoginRefusal {
    pub fn into_api_error(self, lang: Lang) -> ApiError {
        match self {
            LoginRefusal::BadCredentials => {
                ApiError::unauthorized(lang).with_detail(Msg::BadCredentials.text(lang).to_string())
            }
            LoginRefusal::Locked { retry_after_s } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, Msg::AccountLocked, lang)
                    .with_header(header::RETRY_AFTER, retry_after_s.max(1).to_string())
            }
            LoginRefusal::Blocked => ApiError::new(StatusCode::FORBIDDEN, Msg::AccountBlocked, lang),
        }
    }
}

impl AuthService {
    pub fn new(pool: PgPool) -> AuthService {
        AuthService {
            pool,
            cache: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(60))
                .build(),
        }
    }

    /// Forgets every resolved credential (after a change to users, roles or grants).
    pub fn invalidate_all(&self) {
        self.cache.invalidate_all();
    }

    /// Checks a login and password, with slow-down and lockout; journals the outcome.
    pub async fn check_password(
        &self,
        login: &str,
        password: &str,
        ip: Option<&str>,
    ) -> Result<Result<store::UserRow, LoginRefusal>, sqlx::Error> {
        let user = store::user_by_login(&self.pool, login).await?;
        let now = chrono::Utc::now();
        if let Some(u) = &user
            && let Some(until) = u.locked_until
            && until > now
        {
            journal::record(
                &self.pool,
                "login",
                Some(login),
                ip,
                None,
                "refused",
                serde_json::json!({"reason": "locked"}),
            )
            .await;
            return Ok(Err(LoginRefusal::Locked { retry_after_s: (until - now).num_seconds() }));
        }
        let phc = user.as_ref().map_or(password::dummy_hash().to_string(), |u| u.password_hash.clone());
        let pw = password.to_string();
        let ok = tokio::task::spawn_blocking(move || password::verify(&phc, &pw)).await.unwrap_or(false);
        match user {
            Some(u) if ok && u.status == "active" => {
                store::login_succeeded(&self.pool, u.id).await?;
                Ok(Ok(u))
            }
            Some(_) if ok => {
                journal::record(
                    &self.pool,
                    "login",
                    Some(login),
                    ip,
                    None,
                    "refused",
                    serde_json::json!({"reason": "blocked"}),
                )
                .await;
                Ok(Err(LoginRefusal::Blocked))
            }
            Some(u) => {
                let failures = store::login_failed(&self.pool, u.id, LOCK_AFTER, LOCKOUT).await?;
                journal::record(
                    &self.pool,
                    "login",
                    Some(login),
                    ip,
                    None,
                    "failed",
                    serde_json::json!({"reason": "bad password", "failures": failures}),
                )
                .await;
                if failures > SLOW_DOWN_AFTER {
                    // Each failure past the threshold costs the guesser half a second more.
                    let ms = 500 * u64::try_from(failures - SLOW_DOWN_AFTER).unwrap_or(0).min(8);
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                if failures >= LOCK_AFTER {
                    return Ok(Err(LoginRefusal::Locked { retry_after_s: LOCKOUT.as_secs() as i64 }));
                }
                Ok(Err(LoginRefusal::BadCredentials))
            }
            None => {
                journal::record(
                    &self.pool,
                    "login",
                    Some(login),
                    ip,
                    None,
                    "failed",
                    serde_json::json!({"reason": "unknown login"}),
                )
                .await;
                Ok(Err(LoginRefusal::BadCredentials))
            }
        }
    }

    /// The caller of a request with these credentials.
    pub async fn resolve(
        &self,
        creds: &Credentials,
        ip: Option<&str>,
        lang: Lang,
    ) -> Result<Caller, ApiError> {
        let key = match creds {
            Credentials::None => return Ok(Caller::Anonymous),
            Credentials::Malformed => return Err(ApiError::unauthorized(lang)),
            Credentials::Bearer(t) => format!("bearer:{}", sha256_hex(t)),
            Credentials::Session(t) => format!("session:{}", sha256_hex(t)),
            Credentials::Basic { login, password } => {
                format!("basic:{}", sha256_hex(&format!("{login}\n{password}")))
            }
        };
        if let Some(p) = self.cache.get(&key).await {
            return Ok(Caller::User(Box::new((*p).clone())));
        }
        let db = |e| ApiError::database(lang, e);
        let principal = match creds {
            Credentials::Bearer(t) => store::principal_by_token(&self.pool, &sha256_hex(t))
                .await
                .map_err(db)?
                .ok_or_else(|| ApiError::unauthorized(lang).with_detail("the token is unknown or expired"))?,
            Credentials::Session(t) => {
                match store::principal_by_session(&self.pool, &sha256_hex(t)).await.map_err(db)? {
                    Some(p) => p,
                    // An expired or unknown cookie is not an attack: the caller is simply logged out.
                    None => return Ok(Caller::Anonymous),
                }
            }
            Credentials::Basic { login, password } => {
                match self.check_password(login, password, ip).await.map_err(db)? {
                    Ok(u) => {
                        store::principal_of(&self.pool, &u, policy::AuthMethod::Basic).await.map_err(db)?
                    }
                    Err(refusal) => return Err(refusal.into_api_error(lang)),
                }
            }
            Credentials::None | Credentials::Malformed => return Ok(Caller::Anonymous),
        };
        self.cache.insert(key, Arc::new(principal.clone())).await;
        Ok(Caller::User(Box::new(principal)))
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
        let ip = client_ip(parts);
        let caller = state.auth.resolve(&creds, ip.as_deref(), lang).await?;
        if let Caller::User(p) = &caller
            && let policy::AuthMethod::Session { csrf, .. } = &p.method
            && is_write(&parts.method)
        {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if sent != csrf {
                journal::record(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_from_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(Credentials::from_headers(&h), Credentials::None);
        h.insert(header::COOKIE, "a=1; qala_session=abc; b=2".parse().unwrap());
        assert_eq!(Credentials::from_headers(&h), Credentials::Session("abc".into()));
        h.insert(header::AUTHORIZATION, "Basic QWRtaW46c2VjcmV0OnBhcnQ=".parse().unwrap());
        assert_eq!(
            Credentials::from_headers(&h),
            Credentials::Basic { login: "admin".into(), password: "secret:part".into() }
        );
        h.insert(header::AUTHORIZATION, "Bearer qala_x".parse().unwrap());
        assert_eq!(Credentials::from_headers(&h), Credentials::Bearer("qala_x".into()));
        h.insert(header::AUTHORIZATION, "Digest x".parse().unwrap());
        assert_eq!(Credentials::from_headers(&h), Credentials::Malformed);
    }

    #[test]
    fn secrets_are_random_and_prefixed() {
        let a = new_secret("qala_");
        assert!(a.starts_with("qala_") && a.len() > 40);
        assert_ne!(a, new_secret("qala_"));
    }
}
