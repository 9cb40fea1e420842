//! `/api/me/notifications`: the signed-in user's in-app notifications (the web front end's bell),
//! from [`crate::applications::inbox`].

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/me/notifications", get(list)).route("/api/me/notifications/read", post(read))
}

/// Parameters of the list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Most notifications, 1-100 (default 30; beyond the bounds, the nearest one).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// The caller's unread count and newest notifications.
#[utoipa::path(get, path = "/api/me/notifications", tag = "applications", operation_id = "my_notifications", params(ListQuery),
    responses((status = 200, description = "`unread` (a count) and `items` (id, application_id, number, event, text in the caller's language, at, read, link), newest first", body = Object),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, description = "Only a signed-in caller has notifications", body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Some(p) = caller.principal() else { return Err(ApiError::unauthorized(lang)) };
    let Query(q) = q.map_err(|e| ApiError::bad_request(lang, e.body_text()))?;
    let (unread, items) =
        crate::applications::inbox::list(&state.pool, &state.apps, &p.login, q.limit.unwrap_or(30), lang)
            .await
            .map_err(|e| ApiError::from_query(lang, e))?;
    Ok(Json(json!({"unread": unread, "items": items})))
}

/// What to mark as read.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadBody {
    /// Every notification up to this id.
    #[schema(value_type = i64, minimum = 1, maximum = 9007199254740991_i64)]
    #[serde(deserialize_with = "whole_number")]
    pub up_to: i64,
}

/// An integer as JSON writes it, `25` or `25.0` (both are JSON Schema integers).
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    n.as_i64()
        .or_else(|| {
            n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15).map(|f| f as i64)
        })
        .ok_or_else(|| serde::de::Error::custom("up_to: a whole number"))
}

/// Marks the caller's notifications up to an id as read.
#[utoipa::path(post, path = "/api/me/notifications/read", tag = "applications", operation_id = "read_my_notifications",
    request_body = ReadBody,
    responses((status = 200, description = "`marked`: how many became read", body = Object),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    body: Result<Json<ReadBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Some(p) = caller.principal() else { return Err(ApiError::unauthorized(lang)) };
    let Json(b) = body.map_err(|e| ApiError::rejection(lang, e))?;
    let marked = crate::applications::inbox::mark_read(&state.pool, &p.login, b.up_to)
        .await
        .map_err(|e| ApiError::from_query(lang, e))?;
    Ok(Json(json!({ "marked": marked })))
}
