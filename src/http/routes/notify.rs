//! `/api/admin/notifications`: the health of the notification channels, for system admins. A
//! channel that keeps failing is flagged there (and journalled as `notify.channel_failing`).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::notify::log::ChannelHealth;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/admin/notifications/health", get(health))
}

/// The channels' health; `alert` is true when any channel is flagged as failing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationsHealth {
    pub alert: bool,
    pub channels: Vec<ChannelHealth>,
}

#[utoipa::path(get, path = "/api/admin/notifications/health", tag = "admin",
    responses((status = 200, body = NotificationsHealth), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn health(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
) -> Result<Json<NotificationsHealth>, ApiError> {
    if caller.principal().is_none() {
        return Err(ApiError::unauthorized(lang));
    }
    if !caller.is_admin() {
        return Err(ApiError::forbidden(lang));
    }
    let channels = crate::notify::health(&state.pool).await.map_err(|e| ApiError::from_query(lang, e))?;
    Ok(Json(NotificationsHealth { alert: channels.iter().any(|c| c.failing), channels }))
}
