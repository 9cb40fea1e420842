//! `/api/admin/calendar`: the working-day calendar (the files of `../shared/data/calendar` with
//! the administrators' edits on top), listed by year, and the edits: `PUT /{date}` sets a day
//! (holiday, day off moved, working day moved), `DELETE /{date}` removes an edit. Admins only.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::applications::calendar::{CalendarDay, DayKind, check_day};
use crate::applications::calendar_store;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::layers::catalog::Translated;

fn admin_only(caller: &Caller, lang: Lang) -> Result<(), ApiError> {
    match caller.principal() {
        None => Err(ApiError::unauthorized(lang)),
        Some(_) if !caller.is_admin() => Err(ApiError::forbidden(lang)),
        Some(_) => Ok(()),
    }
}

fn date(s: &str, lang: Lang) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        ApiError::new(StatusCode::BAD_REQUEST, Msg::InvalidCalendarDay, lang)
            .with_detail(format!("`{}` is not a date YYYY-MM-DD", s.chars().take(20).collect::<String>()))
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The year (default: this year in Almaty).
    #[param(minimum = 1, maximum = 9999)]
    pub year: Option<i32>,
    /// Language of the days' names (`kk`, `ru`, `en`).
    #[allow(dead_code)]
    pub lang: Option<String>,
}

/// The listed days of a year (default: this year) and whether files cover it.
#[utoipa::path(get, path = "/api/admin/calendar", tag = "applications", operation_id = "list_calendar", params(YearQuery),
    responses((status = 200, description = "`year`, `covered` (whether calendar files list its holidays) and `days`: each listed date with its kind (holiday, day_off_moved, working_day_moved) and names", body = Object),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "Administrators only", body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Query(q): Query<YearQuery>,
) -> Result<Json<Value>, ApiError> {
    admin_only(&caller, lang)?;
    let cal = state.apps.calendar();
    let year = q.year.unwrap_or_else(|| state.apps.now().year());
    let days: Vec<Value> = cal
        .days()
        .filter(|d| d.date.year() == year)
        .map(|d| json!({"date": d.date, "kind": d.kind, "name": d.name.get(lang), "names": d.name}))
        .collect();
    Ok(Json(json!({"year": year, "covered": cal.covers(year), "days": days})))
}

/// A day of the calendar: `kind` is holiday, day_off_moved or working_day_moved.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayInput {
    pub kind: String,
    pub name: Translated,
}

/// Sets the listing of a date.
#[utoipa::path(put, path = "/api/admin/calendar/{date}", tag = "applications", operation_id = "set_calendar_day", params(("date" = String, Path, format = Date, description = "The date, YYYY-MM-DD")),
    request_body(content = DayInput, content_type = "application/json"),
    responses((status = 204, description = "Set; terms are counted with it from now on"),
        (status = 400, description = "Not a date, or the body is not JSON of this shape", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "Administrators only", body = crate::error::ErrorBody),
        (status = 422, description = "A working day moved onto a weekday, or a day off moved onto a weekend day", body = crate::error::ErrorBody)))]
pub async fn set(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(d): Path<String>,
    body: Result<Json<DayInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    admin_only(&caller, lang)?;
    let date = date(&d, lang)?;
    let Json(input) = body.map_err(|e| ApiError::rejection(lang, e))?;
    let bad = |detail: String| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Msg::InvalidCalendarDay, lang).with_detail(detail)
    };
    let kind = DayKind::parse(&input.kind).ok_or_else(|| {
        bad(format!(
            "kind: `{}` is not holiday, day_off_moved or working_day_moved",
            input.kind.chars().take(40).collect::<String>()
        ))
    })?;
    let day = CalendarDay { date, kind, name: input.name };
    check_day(&day).map_err(bad)?;
    calendar_store::set(&state.pool, &day, caller.login())
        .await
        .map_err(|e| ApiError::from_query(lang, e))?;
    state.apps.reload_calendar(&state.pool).await.map_err(|e| ApiError::from_query(lang, e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Removes an edit; the date follows the files (or the weekday rule) again.
#[utoipa::path(delete, path = "/api/admin/calendar/{date}", tag = "applications", operation_id = "remove_calendar_day", params(("date" = String, Path, format = Date, description = "The date, YYYY-MM-DD")),
    responses((status = 204, description = "Removed; the date follows the calendar files (or the weekday rule) again"),
        (status = 400, description = "Not a date", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "Administrators only", body = crate::error::ErrorBody),
        (status = 404, description = "No administrator's edit of this date", body = crate::error::ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(d): Path<String>,
) -> Result<Response, ApiError> {
    admin_only(&caller, lang)?;
    let date = date(&d, lang)?;
    let removed = calendar_store::remove(&state.pool, date, caller.login())
        .await
        .map_err(|e| ApiError::from_query(lang, e))?;
    if !removed {
        return Err(ApiError::not_found(Msg::NotFound, lang));
    }
    state.apps.reload_calendar(&state.pool).await.map_err(|e| ApiError::from_query(lang, e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
