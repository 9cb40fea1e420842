//! Maintenance windows (ADM-2): `GET /api/maintenance` (anyone, signed in or not: the window under
//! way and those to come, the message in the caller's language and all three), and for system
//! administrators `GET /api/admin/maintenance` (every window, cancelled ones too),
//! `POST /api/admin/maintenance` (announce: start, end, message in kk/ru/en; the rules are
//! `maintenance::rules`) and `DELETE /api/admin/maintenance/{id}` (cancel one, or end the one under
//! way). Changes are journalled and NOTIFY every server.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Caller, journal};
use crate::error::ApiError;
use crate::http::{AppState, ClientAddr, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::maintenance::{Refusal, Texts, Window, rules, store};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/maintenance", get(public_list))
        .route("/api/admin/maintenance", get(admin_list).post(announce))
        .route("/api/admin/maintenance/{id}", delete(cancel))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
}

/// Only a system administrator manages windows.
fn admin(caller: &Caller, lang: Lang) -> Result<(), ApiError> {
    crate::http::caller::require(caller.is_admin(), caller, lang)
}

fn db(lang: Lang) -> impl Fn(sqlx::Error) -> ApiError {
    move |e| ApiError::database(lang, e)
}

fn view(w: &Window, now: DateTime<Utc>, lang: Lang) -> Value {
    json!({
        "id": w.id,
        "starts_at": w.starts_at,
        "ends_at": w.ends_at,
        "current": w.is_current(now),
        "text": w.message.get(lang),
        "message": w.message,
    })
}

/// The window under way (if any) and those to come.
#[utoipa::path(get, path = "/api/maintenance", tag = "maintenance",
    responses((status = 200, description = "`read_only`, the window under way (`current`) and the `windows` not over, each with its `text` in the caller's language and its `message` in kk, ru and en")))]
pub async fn public_list(State(state): State<AppState>, ReqLang(lang): ReqLang) -> Json<Value> {
    let now = state.apps.now();
    let windows = state.maintenance.windows(now).await;
    let upcoming = rules::upcoming(&windows, now);
    let current = rules::current(&upcoming, now).map(|w| view(w, now, lang));
    Json(json!({
        "now": now,
        "read_only": current.is_some(),
        "current": current,
        "windows": upcoming.iter().map(|w| view(w, now, lang)).collect::<Vec<_>>(),
    }))
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    limit: Option<i64>,
}

/// Every window, latest first (cancelled ones with who and when).
#[utoipa::path(get, path = "/api/admin/maintenance", tag = "admin", params(("limit" = Option<i64>, Query, description = "1 to 500, 100 by default")),
    responses((status = 200, description = "`now`, `earliest_start`, `max_hours` and the `windows`"), (status = 401), (status = 403)))]
pub async fn admin_list(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    admin(&caller, lang)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let all = store::all(&state.pool, limit).await.map_err(db(lang))?;
    let now = state.apps.now();
    Ok(Json(json!({
        "now": now,
        "earliest_start": rules::earliest_start(&state.apps.calendar(), now),
        "max_hours": rules::MAX_LENGTH_HOURS,
        "windows": all,
    })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Announce {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    message: Texts,
}

fn refused(r: Refusal, lang: Lang) -> ApiError {
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    match r {
        Refusal::EndsBeforeStart => ApiError::new(unprocessable, Msg::MaintenanceEndsBeforeStart, lang),
        Refusal::TooSoon { earliest } => ApiError::new(unprocessable, Msg::MaintenanceTooSoon, lang)
            .with_details(json!({"earliest_start": earliest, "working_days": rules::NOTICE_WORKING_DAYS})),
        Refusal::TooLong => ApiError::new(unprocessable, Msg::MaintenanceTooLong, lang)
            .with_details(json!({"max_hours": rules::MAX_LENGTH_HOURS})),
        Refusal::Overlaps { id } => ApiError::new(StatusCode::CONFLICT, Msg::MaintenanceOverlap, lang)
            .with_details(json!({"window": id})),
        Refusal::Message { lang: missing } => {
            ApiError::new(unprocessable, Msg::MaintenanceMessageMissing, lang)
                .with_details(json!({"field": format!("message.{}", missing.tag())}))
        }
    }
}

/// Announces a window.
#[utoipa::path(post, path = "/api/admin/maintenance", tag = "admin", request_body = Announce,
    responses((status = 201, body = Window), (status = 400, body = crate::error::ErrorBody),
        (status = 401), (status = 403),
        (status = 409, description = "It overlaps another window", body = crate::error::ErrorBody),
        (status = 422, description = "Less than three working days ahead, longer than eight hours, ending before it starts, or a message missing", body = crate::error::ErrorBody)))]
pub async fn announce(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    ClientAddr(addr): ClientAddr,
    body: Result<Json<Announce>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    admin(&caller, lang)?;
    let Json(a) = body.map_err(|e| ApiError::rejection(lang, e))?;
    let now = state.apps.now();
    let ip = addr.map(|a| a.to_string());
    let (tx, existing) = store::begin(&state.pool, now).await.map_err(db(lang))?;
    if let Err(r) = rules::check(&state.apps.calendar(), now, a.starts_at, a.ends_at, &a.message, &existing) {
        drop(tx);
        let detail = json!({"starts_at": a.starts_at, "ends_at": a.ends_at, "refusal": format!("{r:?}")});
        journal::record(
            &state.pool,
            "maintenance announce",
            Some(caller.login()),
            ip.as_deref(),
            None,
            "refused",
            detail,
        )
        .await;
        return Err(refused(r, lang));
    }
    let id = match store::insert(tx, a.starts_at, a.ends_at, &a.message, now, caller.login()).await {
        Ok(id) => id,
        Err(sqlx::Error::Database(d)) if d.constraint() == Some(store::NO_OVERLAP) => {
            return Err(refused(Refusal::Overlaps { id: 0 }, lang));
        }
        Err(e) => return Err(ApiError::database(lang, e)),
    };
    state.maintenance.invalidate();
    let target = id.to_string();
    let detail = json!({"starts_at": a.starts_at, "ends_at": a.ends_at});
    journal::record(
        &state.pool,
        "maintenance announce",
        Some(caller.login()),
        ip.as_deref(),
        Some(&target),
        "ok",
        detail,
    )
    .await;
    let w = Window { id, starts_at: a.starts_at, ends_at: a.ends_at, message: a.message };
    Ok((StatusCode::CREATED, Json(view(&w, now, lang))))
}

/// Cancels a window to come, or ends the one under way now.
#[utoipa::path(delete, path = "/api/admin/maintenance/{id}", tag = "admin",
    responses((status = 204), (status = 401), (status = 403), (status = 404, body = crate::error::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    admin(&caller, lang)?;
    let now = state.apps.now();
    if !store::cancel(&state.pool, id, now, caller.login()).await.map_err(db(lang))? {
        return Err(ApiError::not_found(Msg::MaintenanceNotFound, lang));
    }
    state.maintenance.invalidate();
    let ip = addr.map(|a| a.to_string());
    journal::record(
        &state.pool,
        "maintenance cancel",
        Some(caller.login()),
        ip.as_deref(),
        Some(&id.to_string()),
        "ok",
        json!({}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
