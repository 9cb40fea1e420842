//! The HTTP rules of OGC API - Features Part 4 writes (pure): which media types a body may have,
//! the validators an item carries (`ETag`, `Last-Modified`), the preconditions a write is held to
//! (`If-Match`, `If-Unmodified-Since`, and whether the layer requires `If-Match`) and
//! `Prefer: return=minimal|representation`.
//!
//! Order of the checks on a write: the caller's right to write (404, 401, 403), the body's
//! `Content-Type` (400 without one, 415 for one not accepted), the body itself (400), then the
//! preconditions against the locked row (428, 412).
//!
//! ```
//! use axum::http::HeaderMap;
//! use qala::features::conditional::{prefer_return, Return, last_modified};
//! let mut h = HeaderMap::new();
//! h.insert("prefer", "handling=lenient, return=minimal".parse().unwrap());
//! assert_eq!(prefer_return(&h), Return::Minimal);
//! let t = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00.75Z").unwrap().to_utc();
//! assert_eq!(last_modified(t), "Sun, 22 Nov 2026 10:00:00 GMT");
//! ```

use axum::http::{HeaderMap, StatusCode, header};
use chrono::{DateTime, Utc};

use crate::error::ApiError;
use crate::i18n::{Lang, Msg};

/// GeoJSON, the media type of features.
pub const GEOJSON: &str = "application/geo+json";
/// What a POST (create) or PUT (replace) body may be.
pub const ACCEPT_POST: &[&str] = &["application/geo+json", "application/json"];
/// What a PATCH body may be: a JSON merge-patch (RFC 7396) of the feature, whichever type it says.
pub const ACCEPT_PATCH: &[&str] =
    &["application/merge-patch+json", "application/geo+json", "application/json"];

/// Checks the `Content-Type` of a body against the media types `accepted` (parameters such as
/// `charset=utf-8` are allowed; another charset is not): 400 without one, 415 otherwise.
pub fn check_content_type(headers: &HeaderMap, accepted: &[&str], lang: Lang) -> Result<(), ApiError> {
    let Some(raw) = headers.get(header::CONTENT_TYPE) else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, Msg::ContentTypeRequired, lang)
            .with_detail(accepted.join(", ")));
    };
    let refused = || {
        ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, Msg::UnsupportedMediaType, lang)
            .with_detail(accepted.join(", "))
    };
    let m: mime::Mime = raw.to_str().ok().and_then(|v| v.parse().ok()).ok_or_else(refused)?;
    let essence = m.essence_str().to_ascii_lowercase();
    let charset_ok = m.get_param(mime::CHARSET).is_none_or(|c| c.as_str().eq_ignore_ascii_case("utf-8"));
    if accepted.contains(&essence.as_str()) && charset_ok { Ok(()) } else { Err(refused()) }
}

/// The strong ETag of a version: `"v<version>"`.
pub fn etag(version: i32) -> String {
    format!("\"v{version}\"")
}

/// An HTTP-date (IMF-fixdate) of a moment, to the second.
pub fn last_modified(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The validators of a stored feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validators {
    pub version: i32,
    pub modified: DateTime<Utc>,
}

/// Holds a write to its preconditions against the current state: `If-Match` (strong comparison,
/// `*` for any) when sent; otherwise `If-Unmodified-Since` (an HTTP-date; an unreadable one is
/// ignored, as RFC 9110 says). A layer that requires `If-Match` answers 428 without it; a stale
/// precondition is 412 with the current `ETag` and `Last-Modified`.
pub fn check_preconditions(
    headers: &HeaderMap,
    current: Validators,
    require_if_match: bool,
    lang: Lang,
) -> Result<(), ApiError> {
    let tag = etag(current.version);
    let failed = || {
        ApiError::new(StatusCode::PRECONDITION_FAILED, Msg::PreconditionFailed, lang)
            .with_header(header::ETAG, tag.clone())
            .with_header(header::LAST_MODIFIED, last_modified(current.modified))
    };
    if let Some(v) = headers.get(header::IF_MATCH) {
        let v = v.to_str().unwrap_or_default();
        return if v.split(',').any(|t| t.trim() == tag || t.trim() == "*") { Ok(()) } else { Err(failed()) };
    }
    let since = headers
        .get(header::IF_UNMODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v.trim()).ok());
    if let Some(since) = since
        && current.modified.timestamp() > since.timestamp()
    {
        return Err(failed());
    }
    if require_if_match {
        return Err(ApiError::new(StatusCode::PRECONDITION_REQUIRED, Msg::PreconditionRequired, lang));
    }
    Ok(())
}

/// What the caller prefers a successful write to return (RFC 7240).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Return {
    /// No preference: a small JSON body `{"id", "version"}`.
    Default,
    /// No body (201 or 204), only the headers.
    Minimal,
    /// The feature as stored.
    Representation,
}

impl Return {
    /// The `Preference-Applied` value, when a preference was honoured.
    pub fn applied(self) -> Option<&'static str> {
        match self {
            Return::Default => None,
            Return::Minimal => Some("return=minimal"),
            Return::Representation => Some("return=representation"),
        }
    }
}

/// The `return` preference of the `Prefer` headers.
pub fn prefer_return(headers: &HeaderMap) -> Return {
    let mut r = Return::Default;
    for v in headers.get_all("prefer").iter().filter_map(|v| v.to_str().ok()) {
        for pref in v.split(',') {
            let token = pref.split(';').next().unwrap_or("").trim();
            let Some((k, val)) = token.split_once('=') else { continue };
            if k.trim().eq_ignore_ascii_case("return") {
                match val.trim().trim_matches('"').to_ascii_lowercase().as_str() {
                    "minimal" => r = Return::Minimal,
                    "representation" => r = Return::Representation,
                    _ => {}
                }
            }
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn media_types() {
        let ok = |v: &str| check_content_type(&headers(&[("content-type", v)]), ACCEPT_POST, Lang::En);
        assert!(ok("application/geo+json").is_ok());
        assert!(ok("Application/JSON; charset=UTF-8").is_ok());
        assert_eq!(ok("text/xml").unwrap_err().status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(
            ok("application/json; charset=latin1").unwrap_err().status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        assert_eq!(ok("nonsense").unwrap_err().status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let none = check_content_type(&HeaderMap::new(), ACCEPT_POST, Lang::En).unwrap_err();
        assert_eq!(none.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn preconditions() {
        let modified = DateTime::parse_from_rfc3339("2026-11-22T10:00:00.5Z").unwrap().to_utc();
        let cur = Validators { version: 3, modified };
        let st = |h: &[(&'static str, &str)], req: bool| {
            check_preconditions(&headers(h), cur, req, Lang::En).err().map(|e| e.status.as_u16())
        };
        assert_eq!(st(&[], true), Some(428));
        assert_eq!(st(&[], false), None);
        assert_eq!(st(&[("if-match", "\"v3\"")], true), None);
        assert_eq!(st(&[("if-match", "\"v2\", \"v3\"")], true), None);
        assert_eq!(st(&[("if-match", "W/\"v3\"")], true), Some(412));
        assert_eq!(st(&[("if-match", "*")], true), None);
        let same = "Sun, 22 Nov 2026 10:00:00 GMT";
        let before = "Sun, 22 Nov 2026 09:59:59 GMT";
        assert_eq!(st(&[("if-unmodified-since", same)], false), None);
        assert_eq!(st(&[("if-unmodified-since", before)], false), Some(412));
        assert_eq!(st(&[("if-unmodified-since", same)], true), Some(428));
        assert_eq!(st(&[("if-unmodified-since", "yesterday")], false), None);
        // If-Match wins over If-Unmodified-Since (RFC 9110, 13.2.2).
        assert_eq!(st(&[("if-match", "\"v3\""), ("if-unmodified-since", before)], true), None);
    }
}
