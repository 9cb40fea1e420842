//! Every error leaves the server as the JSON error body, in the caller's language.
//!
//! Handlers answer with [`ApiError`]; what answers before them (axum's extractor rejections: a
//! body over the size limit, a malformed JSON body, a wrong `Content-Type`; tower's timeouts and
//! body limits; a method a route does not have) writes plain text or nothing. [`json_errors`]
//! rewrites those into `{"error": {"code", "message"}}` with the status kept, and gives every 503
//! a `Retry-After`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::extract::ReqLang;
use crate::error::{ApiError, ErrorBody, ErrorContent};
use crate::i18n::Lang;
use crate::i18n::Msg;

/// Seconds a client should wait before retrying when the database or a bounded resource is busy.
pub const RETRY_AFTER_UNAVAILABLE_S: u32 = 5;

/// The message key for an error status without a body of ours.
fn msg_of(status: StatusCode) -> Msg {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => Msg::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Msg::UnsupportedMediaType,
        StatusCode::METHOD_NOT_ALLOWED => Msg::MethodNotAllowed,
        StatusCode::REQUEST_TIMEOUT => Msg::RequestTimeout,
        StatusCode::NOT_FOUND => Msg::NotFound,
        StatusCode::NOT_ACCEPTABLE => Msg::NotAcceptable,
        StatusCode::SERVICE_UNAVAILABLE => Msg::DatabaseUnavailable,
        s if s.is_server_error() => Msg::Internal,
        _ => Msg::BadRequest,
    }
}

fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json") || ct.contains("+json"))
}

fn is_plain_or_empty(resp: &Response) -> bool {
    match resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(ct) => ct.starts_with("text/plain"),
    }
}

/// Middleware: plain-text and empty error responses become the JSON error body.
pub async fn json_errors(
    ReqLang(lang): ReqLang,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let head = req.method() == axum::http::Method::HEAD;
    let mut resp = next.run(req).await;
    let status = resp.status();
    if status.is_client_error() || status.is_server_error() {
        if !is_json(&resp) && is_plain_or_empty(&resp) && !head {
            let (parts, body) = resp.into_parts();
            // The rejection's own text says what was wrong (in English); it is kept as detail,
            // bounded. Only axum's and tower's texts reach here: handlers answer with ApiError.
            let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
            let text = String::from_utf8_lossy(&text).trim().chars().take(300).collect::<String>();
            let mut err = ApiError::new(status, msg_of(status), lang);
            if !text.is_empty() && !status.is_server_error() {
                err = err.with_detail(text);
            }
            let mut fresh = err.into_response();
            for (name, value) in parts.headers.iter() {
                if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                    fresh.headers_mut().insert(name.clone(), value.clone());
                }
            }
            resp = fresh;
        }
        if status == StatusCode::SERVICE_UNAVAILABLE && !resp.headers().contains_key(header::RETRY_AFTER) {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_UNAVAILABLE_S));
        }
    }
    resp
}

/// Every [`ApiError`] as the JSON error body, with its status and extra headers.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut message = self.msg.text(self.lang).to_string();
        if let Some(d) = &self.detail {
            message = format!("{message}: {d}");
        }
        let extra = self.extra.map(|e| *e).unwrap_or_default();
        let body =
            ErrorBody { error: ErrorContent { code: self.msg.code(), message, details: extra.details } };
        let mut response = (self.status, axum::Json(body)).into_response();
        for (name, value) in extra.headers {
            if let Ok(v) = axum::http::HeaderValue::from_str(&value) {
                response.headers_mut().append(name, v);
            }
        }
        response
    }
}

impl ApiError {
    /// A body that could not be taken: its status kept (413 too large, 415 not JSON, 400/422
    /// malformed), with axum's reason as detail.
    pub fn rejection(lang: Lang, e: impl Rejection) -> Self {
        let (status, msg) = match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => (StatusCode::PAYLOAD_TOO_LARGE, Msg::PayloadTooLarge),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, Msg::UnsupportedMediaType)
            }
            // axum says 422 for JSON of the wrong shape; Qala says 400 for every malformed body.
            _ => (StatusCode::BAD_REQUEST, Msg::BadRequest),
        };
        Self::new(status, msg, lang).with_detail(e.body_text())
    }
}

/// A request body axum could not take (JSON, multipart, bytes): its status and reason.
pub trait Rejection {
    fn status(&self) -> StatusCode;
    fn body_text(&self) -> String;
}

macro_rules! rejection {
    ($($t:ty),*) => {$(
        impl Rejection for $t {
            fn status(&self) -> StatusCode {
                <$t>::status(self)
            }
            fn body_text(&self) -> String {
                <$t>::body_text(self)
            }
        }
    )*};
}

rejection!(
    axum::extract::rejection::JsonRejection,
    axum::extract::rejection::BytesRejection,
    axum::extract::rejection::QueryRejection,
    axum::extract::multipart::MultipartError,
    axum::extract::multipart::MultipartRejection
);
