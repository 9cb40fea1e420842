//! The write routes of OGC API - Features Part 4 under `/ogc/collections/{id}/items`: POST
//! (create), PUT (replace), PATCH (merge-patch), DELETE and OPTIONS. The handlers read HTTP (the
//! caller's right to write, `Content-Type`, `Content-Crs`, `Prefer`, preconditions) and answer
//! it; the writing itself is `edit.rs`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::features::conditional::{self, ACCEPT_PATCH, ACCEPT_POST, GEOJSON, Return};
use crate::features::crs::{CRS84, Crs};
use crate::features::edit::{self, Change, Written};
use crate::http::PublicUrl;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::policy::Access;
use crate::policy::{parse_fid, readable, writable};

/// The CRS of a body's coordinates: `Content-Crs`, CRS84 without one.
fn request_crs(headers: &HeaderMap, lang: Lang) -> Result<Crs, ApiError> {
    match headers.get("content-crs").and_then(|v| v.to_str().ok()) {
        None => Ok(CRS84),
        Some(v) => Crs::from_uri(v.trim().trim_start_matches('<').trim_end_matches('>'))
            .ok_or_else(|| ApiError::bad_request(lang, format!("Content-Crs `{v}` is not supported"))),
    }
}

/// A write's body as a JSON object, after its `Content-Type` (400 without, 415 if not accepted);
/// 413 beyond the body limit.
fn json_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    accepted: &[&str],
    lang: Lang,
) -> Result<Map<String, Value>, ApiError> {
    conditional::check_content_type(headers, accepted, lang)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Msg::BodyTooLarge, lang)
        } else {
            ApiError::bad_request(lang, "the body could not be read")
        }
    })?;
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(ApiError::bad_request(lang, "the body must be a GeoJSON Feature (an object)")),
        Err(e) => Err(ApiError::bad_request(lang, format!("the body is not JSON: {e}"))),
    }
}

/// The answer to a successful create or change, as the caller's `Prefer` asks.
fn written(status: StatusCode, w: Written, prefer: Return, location: Option<String>) -> Response {
    let minimal_status = if status == StatusCode::CREATED { status } else { StatusCode::NO_CONTENT };
    let mut r = match (prefer, &w.stored) {
        (Return::Minimal, _) => minimal_status.into_response(),
        (Return::Representation, Some(s)) => {
            (status, [(header::CONTENT_TYPE, GEOJSON)], s.json.clone()).into_response()
        }
        _ => (status, axum::Json(json!({"id": w.fid, "version": w.version}))).into_response(),
    };
    let h = r.headers_mut();
    let mut set = |name: header::HeaderName, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(name, v);
        }
    };
    set(header::ETAG, &conditional::etag(w.version));
    if let Some(s) = &w.stored {
        set(header::LAST_MODIFIED, &conditional::last_modified(s.modified));
        set(header::HeaderName::from_static("content-crs"), &format!("<{}>", CRS84.uri));
    }
    if let Some(l) = location {
        set(header::LOCATION, &l);
    }
    if let Some(applied) = prefer.applied().filter(|_| prefer != Return::Representation || w.stored.is_some())
    {
        set(header::HeaderName::from_static("preference-applied"), applied);
    }
    r
}

/// POST: creates a feature (201 with `Location` and `ETag`).
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    public: PublicUrl,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (layer, _) = writable(&state.catalog(), &state.pool, &caller, &id, "POST", lang).await?;
    let body = json_body(&headers, body, ACCEPT_POST, lang)?;
    let crs = request_crs(&headers, lang)?;
    let prefer = conditional::prefer_return(&headers);
    let w = edit::create(&state.pool, &caller, &layer, &body, &crs, prefer == Return::Representation, lang)
        .await?;
    let location = format!("{}/ogc/collections/{}/items/{}", public.0, layer.id, w.fid);
    Ok(written(StatusCode::CREATED, w, prefer, Some(location)))
}

/// PUT (replace), PATCH (merge-patch) and DELETE of one item, held to `If-Match` /
/// `If-Unmodified-Since` (required `If-Match` unless the layer's file says otherwise).
pub async fn write_item(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    method: Method,
    headers: HeaderMap,
    Path((id, fid)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (layer, scope) = writable(&state.catalog(), &state.pool, &caller, &id, method.as_str(), lang).await?;
    let fid = parse_fid(&fid, lang)?;
    let change = match method {
        Method::PUT => Change::Replace(json_body(&headers, body, ACCEPT_POST, lang)?),
        Method::PATCH => Change::Update(json_body(&headers, body, ACCEPT_PATCH, lang)?),
        _ => Change::Delete,
    };
    let crs = request_crs(&headers, lang)?;
    let prefer = conditional::prefer_return(&headers);
    let require = layer.editing.require_if_match;
    let preconditions = |v| conditional::check_preconditions(&headers, v, require, lang);
    let representation = prefer == Return::Representation;
    let w = edit::change(
        &state.pool,
        &caller,
        &layer,
        &scope,
        fid,
        &change,
        &crs,
        preconditions,
        representation,
        lang,
    )
    .await?;
    if matches!(change, Change::Delete) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(written(StatusCode::OK, w, prefer, None))
}

/// 200 with `Allow` and, where writing is allowed, the media types a body may have.
fn allow(methods: &[&str], accept: &[(&'static str, &[&str])]) -> Response {
    let mut r = StatusCode::OK.into_response();
    if let Ok(v) = HeaderValue::from_str(&methods.join(", ")) {
        r.headers_mut().insert(header::ALLOW, v);
    }
    for (name, types) in accept {
        if let Ok(v) = HeaderValue::from_str(&types.join(", ")) {
            r.headers_mut().insert(header::HeaderName::from_static(name), v);
        }
    }
    r
}

/// OPTIONS of the items: what the caller may do there.
pub async fn options_items(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (_, access, _) = readable(&state.catalog(), &caller, &id, lang)?;
    Ok(if access >= Access::Write {
        allow(&["GET", "HEAD", "OPTIONS", "POST"], &[("accept-post", ACCEPT_POST)])
    } else {
        allow(&["GET", "HEAD", "OPTIONS"], &[])
    })
}

/// OPTIONS of an item: what the caller may do with it.
pub async fn options_item(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path((id, fid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (_, access, _) = readable(&state.catalog(), &caller, &id, lang)?;
    parse_fid(&fid, lang)?;
    Ok(if access >= Access::Write {
        allow(&["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"], &[("accept-patch", ACCEPT_PATCH)])
    } else {
        allow(&["GET", "HEAD", "OPTIONS"], &[])
    })
}
