//! `GET /api/admin/status` (issue 16): the operations page's figures as JSON, the same as
//! `/metrics` says in Prometheus text (readiness checks, requests by route with their latency, the
//! tile cache, the database pool, the notification outbox, disk, the last verified backup's age,
//! the process). For admins and `monitoring` accounts, like `/metrics`.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::caller::ClientIp;
use crate::http::{AppState, ReqLang};
use crate::metrics::requests::RouteSummary;
use crate::metrics::{Figures, Readiness};

/// Most routes listed (the busiest first); the totals count them all.
pub const MAX_ROUTES: usize = 50;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/admin/status", get(status))
}

/// The requests so far.
#[derive(Debug, Serialize)]
pub struct RequestFigures {
    pub total: u64,
    pub client_errors: u64,
    pub server_errors: u64,
    pub in_flight: i64,
    /// The busiest routes (at most [`MAX_ROUTES`]).
    pub routes: Vec<RouteSummary>,
}

/// The operations page's figures.
#[derive(Debug, Serialize)]
pub struct Status {
    pub readiness: Readiness,
    pub requests: RequestFigures,
    #[serde(flatten)]
    pub figures: Figures,
    pub min_free_disk_bytes: u64,
}

/// The server's figures now.
#[utoipa::path(get, path = "/api/admin/status", tag = "admin",
    responses((status = 200, description = "Readiness, requests, tile cache, pool, outbox, disk, backup age, process", body = serde_json::Value),
    (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    ip: ClientIp,
    caller: Caller,
) -> Result<impl IntoResponse, ApiError> {
    crate::http::metrics::allowed(&state, &caller, ip, lang, "/api/admin/status").await?;
    let (readiness, figures) = tokio::join!(
        state.ops.readiness(&state.pool),
        state.ops.figures(&state.pool, state.tiles.cache_figures(), state.tiles.memory_figures())
    );
    let mut routes = state.ops.requests().summary();
    let sum = |f: fn(&RouteSummary) -> u64| routes.iter().map(f).sum::<u64>();
    let requests = RequestFigures {
        total: sum(|r| r.requests),
        client_errors: sum(|r| r.client_errors),
        server_errors: sum(|r| r.server_errors),
        in_flight: state.ops.requests().in_flight(),
        routes: Vec::new(),
    };
    routes.truncate(MAX_ROUTES);
    let body = Status {
        readiness,
        requests: RequestFigures { routes, ..requests },
        figures,
        min_free_disk_bytes: state.ops.settings().min_free_disk_bytes,
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)))
}
