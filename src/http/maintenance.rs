//! Read-only mode during a maintenance window (ADM-2): every write (a method other than GET, HEAD
//! and OPTIONS) answers 503 with `Retry-After` (seconds to the window's end) and the message in the
//! caller's language, the window's own message in its `details`. Let through: signing in and out
//! (password, EDS, SMS), the admin's maintenance routes (so a window can be ended early), and the
//! POSTs that only read existing data (a print, a verification upload). Reads, tiles and documents
//! of existing data keep working. The time is the applications' injected clock.

use axum::http::{Method, StatusCode, header};
use axum::response::IntoResponse;

use super::extract::ReqLang;
use super::state::AppState;
use crate::applications::calendar::ALMATY_OFFSET_SECONDS;
use crate::error::ApiError;
use crate::i18n::Msg;

/// Whether a request writes and so waits for the end of a window (pure).
///
/// ```
/// # use qala::http::maintenance::blocked;
/// # use axum::http::Method;
/// assert!(blocked(&Method::POST, "/ogc/collections/roads/items"));
/// assert!(!blocked(&Method::GET, "/ogc/collections/roads/items"));
/// assert!(!blocked(&Method::POST, "/api/auth/login"));
/// assert!(!blocked(&Method::DELETE, "/api/admin/maintenance/3"));
/// ```
pub fn blocked(method: &Method, path: &str) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let exempt = matches!(
        segs.as_slice(),
        ["api", "auth", "login" | "logout"]
            | ["api", "auth", "eds", "challenge" | "login"]
            | ["api", "auth", "sms", "start" | "verify"]
            | ["api", "admin", "maintenance", ..]
            | ["api", "print"]
            | ["verify", _]
    );
    !exempt
}

/// Middleware: refuses writes during a window.
pub async fn read_only(
    axum::extract::State(state): axum::extract::State<AppState>,
    ReqLang(lang): ReqLang,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if blocked(req.method(), req.uri().path()) {
        let now = state.apps.now();
        if let Some(w) = state.maintenance.current(now).await {
            let offset = chrono::TimeDelta::seconds(ALMATY_OFFSET_SECONDS.into());
            let until = (w.ends_at + offset).naive_utc();
            return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Msg::MaintenanceReadOnly, lang)
                .with_detail(format!("{} (Asia/Almaty)", until.format("%Y-%m-%d %H:%M")))
                .with_details(serde_json::json!({
                    "window": {"id": w.id, "starts_at": w.starts_at, "ends_at": w.ends_at},
                    "message": w.message.get(lang),
                }))
                .with_header(header::RETRY_AFTER, crate::maintenance::rules::retry_after(&w, now).to_string())
                .into_response();
        }
    }
    next.run(req).await
}
