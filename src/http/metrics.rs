//! Operations over HTTP (issue 16): the request-metrics middleware ([`track`]), `GET /metrics`
//! (Prometheus text, for admins and `monitoring` accounts) and `GET /readyz` (readiness, public,
//! no personal data). `/healthz` (liveness) is in `http/mod.rs`; the figures as JSON are
//! `routes/status.rs`. What is measured lives in `crate::metrics`.

use axum::extract::{MatchedPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::caller::ClientIp;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::policy::{OpsRefusal, may_read_operations};

/// Seconds a balancer is asked to wait before asking `/readyz` again after a 503.
pub const READY_RETRY_AFTER_S: u32 = 5;

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics)).route("/readyz", get(readyz))
}

/// Middleware: counts every request by its route template (`MatchedPath`; `other` when no route
/// matched), method and status, with its time to the response head and the requests in flight.
/// It sits inside the router's own layers, so it sees the statuses the client gets (rate limits'
/// 429, JSON errors) but not the connection's timeouts.
pub async fn track(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let flight = state.ops.requests().start(route.as_deref(), req.method().as_str());
    let resp = next.run(req).await;
    flight.finish(resp.status().as_u16());
    resp
}

/// The caller may read the operations figures, or the refusal in its language (a signed-in
/// caller's refusal is journalled).
pub async fn allowed(
    state: &AppState,
    caller: &Caller,
    ip: ClientIp,
    lang: Lang,
    target: &str,
) -> Result<(), ApiError> {
    match may_read_operations(caller) {
        Ok(()) => Ok(()),
        Err(OpsRefusal::Anonymous) => Err(ApiError::unauthorized(lang)),
        Err(OpsRefusal::NotAllowed) => {
            crate::auth::journal::record(
                &state.pool,
                "refusal",
                Some(caller.login()),
                ip.0.map(|a| a.to_string()).as_deref(),
                Some(target),
                "refused",
                json!({"reason": "operations figures: not admin or monitoring"}),
            )
            .await;
            Err(ApiError::new(StatusCode::FORBIDDEN, Msg::OpsForbidden, lang))
        }
    }
}

/// Prometheus metrics in the text format (version 0.0.4).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Metrics in the Prometheus text format", content_type = "text/plain; version=0.0.4"),
    (status = 401, description = "No credentials", body = crate::error::ErrorBody),
    (status = 403, description = "Neither admin nor monitoring", body = crate::error::ErrorBody)))]
pub(crate) async fn metrics(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    ip: ClientIp,
    caller: Caller,
) -> Result<Response, ApiError> {
    allowed(&state, &caller, ip, lang, "/metrics").await?;
    let figures =
        state.ops.figures(&state.pool, state.tiles.cache_figures(), state.tiles.memory_figures()).await;
    let text = state.ops.exposition(&figures);
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response())
}

/// Readiness: 200 when every check passes, else 503 with `Retry-After`; the body names each
/// check with its state (`ok`, `fail`) and a short detail.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Ready: every check passed", body = serde_json::Value),
    (status = 503, description = "Not ready: the failing checks are named", body = serde_json::Value,
        headers(("Retry-After" = u32, description = "Seconds to wait before asking again")))))]
pub(crate) async fn readyz(State(state): State<AppState>, ReqLang(lang): ReqLang) -> Response {
    let r = state.ops.readiness(&state.pool).await;
    let (status, msg) = if r.ready {
        (StatusCode::OK, Msg::OpsReady)
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Msg::OpsNotReady)
    };
    let body = json!({
        "status": msg.code(),
        "message": msg.text(lang),
        "checks": r.checks,
    });
    let mut resp = (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response();
    if !r.ready {
        resp.headers_mut().insert(header::RETRY_AFTER, READY_RETRY_AFTER_S.into());
    }
    resp
}
