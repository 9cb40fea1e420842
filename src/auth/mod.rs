//! Who is calling: users, sessions, API tokens, HTTP Basic, passwords, lockouts and the event
//! journal. What a caller may do is decided by [`crate::policy`].
//!
//! - [`password`]: Argon2id hashing;
//! - [`service`]: credentials to principals, the password check (lockout, rate limits);
//! - [`limits`]: the bounded hashing queue, rate limits, the clock of these decisions;
//! - [`attempts`]: failed logins per (login, address) pair, counted atomically in the database;
//! - [`store`]: the SQL of users, sessions, tokens and grants;
//! - [`journal`]: the event journal (SEC-1);
//! - [`citizens`]: accounts found or made by IIN at sign-in with EDS or SMS;
//! - [`eds_login`]: the one-time challenges of the EDS sign-in.
//!
//! A request is authenticated by, in this order: `Authorization: Bearer <token>`,
//! `Authorization: Basic` (QGIS, GDAL), the `qala_session` cookie; none of them means anonymous.
//! Wrong credentials in a header are a 401, never a silent fallback to anonymous. A write through a
//! session must carry the session's CSRF token in `X-CSRF-Token` (compared in constant time).
//! The HTTP layer finds the credentials and the client's address (`http::caller`) and hands them
//! to [`AuthService::resolve`].

pub mod attempts;
pub mod citizens;
pub mod eds_login;
// issue 15: SMS login by IIN
pub mod iin;
pub mod journal;
pub mod limits;
pub mod password;
pub mod service;
pub mod sms_login;
pub mod store;

use std::time::Duration;

use axum::http::{HeaderMap, header};
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub use crate::policy::{Access, Caller, Principal};
pub use service::{AuthService, LoginRefusal};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "qala_session";
/// Header that carries the CSRF token of a session on writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lives without being used.
pub const SESSION_IDLE: Duration = Duration::from_secs(12 * 3600);
/// Failed logins from one address on one login after which each further attempt is slowed down.
pub const SLOW_DOWN_AFTER: i32 = 3;
/// Failed logins from one address on one login after which that address is locked out of that
/// login for [`LOCKOUT`] (see [`attempts`]).
pub const LOCK_AFTER: i32 = 5;
/// How long a lockout lasts.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// The hex SHA-256 of a secret (session cookies and tokens are stored only this way).
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A new random secret: 32 bytes, URL-safe base64, with a prefix that says what it is.
pub fn new_secret(prefix: &str) -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b))
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

/// Whether the CSRF token sent matches the session's, compared in constant time.
pub fn csrf_matches(sent: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
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
    fn csrf_tokens_match_exactly() {
        let t = new_secret("");
        assert!(csrf_matches(&t, &t));
        assert!(!csrf_matches(&t[..t.len() - 1], &t), "a prefix is not the token");
        assert!(!csrf_matches(&format!("{t}x"), &t));
        assert!(!csrf_matches("", ""), "a session always has a token");
    }

    #[test]
    fn secrets_are_random_and_prefixed() {
        let a = new_secret("qala_");
        assert!(a.starts_with("qala_") && a.len() > 40);
        assert_ne!(a, new_secret("qala_"));
    }
}
