//! `GET /api/applications/{id}` (the card, as the caller may see it; opening personal data is
//! journalled), `GET /api/applications` (the caller's own, or its organisation's) and the delivery
//! log of its notifications.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::actions::parse_id;
use super::{api_error, ctx};
use crate::applications::lifecycle::drafts;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::Lang;
use crate::policy::applications::View;

/// The card of application `id` for `caller`, with its `ETag`; a view of personal data by anyone
/// but the applicant is journalled.
pub(super) async fn card_response(
    state: &AppState,
    caller: &Caller,
    id: i64,
    lang: Lang,
) -> Result<Response, ApiError> {
    let catalog = state.catalog();
    let cx = ctx(state, &catalog);
    let (row, service, view) = drafts::read(&cx, caller, id).await.map_err(|e| api_error(lang, e))?;
    if view.personal() && view != View::Applicant {
        crate::auth::journal::record(
            &state.pool,
            "application.read_personal",
            Some(caller.login()),
            None,
            Some(&format!("application:{id}")),
            "ok",
            json!({"view": format!("{view:?}").to_lowercase()}),
        )
        .await;
    }
    let mut card =
        crate::applications::card::card(&row, &service, view, &state.apps.calendar(), cx.now, lang);
    // What the caller may do now, each with the engine's reason when not.
    let offers: Vec<Value> = crate::applications::lifecycle::actions::offers_for(&cx, caller, &row, &service)
        .into_iter()
        .map(|o| {
            let mut v = json!(o);
            if let Some(r) = &o.refusal {
                v["reason"] = json!(r.msg.text(lang));
            }
            if o.action == "forward" {
                v["to"] = json!(
                    o.to.iter()
                        .map(|s| json!({"stage": s,
                    "title": service.workflow.stage(s).map(|d| d.title.get(lang))}))
                        .collect::<Vec<_>>()
                );
            }
            v
        })
        .collect();
    card["actions"] = json!(offers);
    let mut r = Json(card).into_response();
    if let Ok(v) = HeaderValue::from_str(&crate::features::conditional::etag(row.version)) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(r)
}

/// One application.
#[utoipa::path(get, path = "/api/applications/{id}", tag = "applications", operation_id = "get_application",
    params(("id" = i64, Path, minimum = 1, description = "Application id")),
    responses((status = 200, description = "The card as the caller may see it: the public its status, published fields and site; the applicant and the staff who work it the whole form, files and history (a view of personal data by staff is journalled)",
            body = Object, headers(("ETag" = String, description = "`\"v<version>\"`, the `If-Match` of the next change"))),
        (status = 404, description = "No such application, one the caller may not see, or a draft of another applicant", body = crate::error::ErrorBody)))]
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, lang)?;
    card_response(&state, &caller, id, lang).await
}

/// Parameters of the list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only applications in this status (draft, in_progress, returned, approved, refused,
    /// withdrawn).
    #[param(pattern = r"^[^\u0000]*$")]
    pub status: Option<String>,
    /// Only applications of this service.
    #[param(pattern = r"^[^\u0000]*$")]
    pub service: Option<String>,
    /// Only applications whose id is below this (the next page: `next_before`).
    #[param(minimum = 1, maximum = 9007199254740991.0)]
    pub before: Option<i64>,
    /// Most applications, 1-500 (default 50; beyond the bounds, the nearest one).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Language of the services' titles (`kk`, `ru`, `en`).
    #[allow(dead_code)]
    pub lang: Option<String>,
    /// A reviewer's queue instead of the caller's list: `new`, `pool`, `mine`, `in_review`,
    /// `returned`, `done` (`status` and `service` do not apply to it).
    #[param(pattern = r"^(new|pool|mine|in_review|returned|done)$")]
    pub queue: Option<String>,
}

/// The caller's applications (an applicant's own; staff: those of its organisation), newest
/// first, keyset-paged by id.
#[utoipa::path(get, path = "/api/applications", tag = "applications", operation_id = "list_applications", params(ListQuery),
    responses((status = 200, description = "`applications` (id, number, service and its title, status, dates), newest first, and `next_before`, the `before` of the next page (null on the last)", body = Object),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, description = "Only a signed-in caller has applications", body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Some(p) = caller.principal() else { return Err(ApiError::unauthorized(lang)) };
    let Query(q) = q.map_err(|e| ApiError::bad_request(lang, e.body_text()))?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    if let Some(queue) = q.queue.as_deref() {
        return queue_page(&state, &caller, &p.login, queue, q.before, limit, lang).await;
    }
    let org = if crate::policy::applications::caller_keys(&caller).is_empty() { None } else { p.org.clone() };
    let filter = crate::applications::store::ListFilter {
        login: &p.login,
        org: org.as_deref(),
        all: caller.is_admin(),
        status: q.status.as_deref(),
        service: q.service.as_deref(),
        before: q.before,
        limit,
    };
    let rows = crate::applications::store::list(&state.pool, &filter)
        .await
        .map_err(|e| ApiError::from_query(lang, e))?;
    let next = (rows.len() as i64 == limit).then(|| rows.last().map(|r| r.id)).flatten();
    let items: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            let title = state.apps.service(&r.service_id).map(|s| s.title.get(lang).to_string());
            let mut v = json!(r);
            v["service_title"] = json!(title);
            v
        })
        .collect();
    Ok(Json(json!({"applications": items, "next_before": next})))
}

/// A page of queue `queue` for `caller`, rows as the list gives them.
async fn queue_page(
    state: &AppState,
    caller: &Caller,
    login: &str,
    queue: &str,
    before: Option<i64>,
    limit: i64,
    lang: Lang,
) -> Result<Json<Value>, ApiError> {
    use crate::applications::queues;
    if !queues::QUEUES.contains(&queue) {
        return Err(ApiError::bad_request(lang, format!("queue: one of {}", queues::QUEUES.join(", "))));
    }
    let keys = crate::policy::applications::caller_keys(caller);
    let scope = queues::Scope { login, keys: &keys, all: caller.is_admin() };
    let rows = queues::list(&state.pool, &scope, queue, before, limit)
        .await
        .map_err(|e| ApiError::from_query(lang, e))?;
    let next = (rows.len() as i64 == limit).then(|| rows.last().map(|r| r.id)).flatten();
    let items: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            let service = state.apps.service(&r.service_id);
            let stage_titles: Vec<Value> = r
                .stages
                .iter()
                .map(|s| json!(service.as_ref().and_then(|d| d.workflow.stage(s)).map(|d| d.title.get(lang))))
                .collect();
            let mut v = json!(r);
            v["service_title"] = json!(service.as_ref().map(|s| s.title.get(lang)));
            v["stage_titles"] = json!(stage_titles);
            v
        })
        .collect();
    Ok(Json(json!({"applications": items, "next_before": next})))
}

/// How many applications each of the caller's queues holds.
#[utoipa::path(get, path = "/api/applications/queues", tag = "applications", operation_id = "application_queues",
    responses((status = 200, description = "`queues`: the counts of `new`, `pool`, `mine`, `in_review`, `returned` and `done` for the caller (its organisation's and department's applications, its own stages; all for administrators); list one with `GET /api/applications?queue=`", body = Object),
        (status = 401, description = "Only a signed-in caller has queues", body = crate::error::ErrorBody)))]
pub async fn queues(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
) -> Result<Json<Value>, ApiError> {
    let Some(p) = caller.principal() else { return Err(ApiError::unauthorized(lang)) };
    let keys = crate::policy::applications::caller_keys(&caller);
    let scope = crate::applications::queues::Scope { login: &p.login, keys: &keys, all: caller.is_admin() };
    let counts = crate::applications::queues::counts(&state.pool, &scope)
        .await
        .map_err(|e| ApiError::from_query(lang, e))?;
    Ok(Json(json!({ "queues": counts })))
}

/// The notifications of an application and every attempt to deliver them.
#[utoipa::path(get, path = "/api/applications/{id}/deliveries", tag = "applications", operation_id = "application_deliveries",
    params(("id" = i64, Path, minimum = 1, description = "Application id")),
    responses((status = 200, description = "`deliveries`: each notification of the application (e-mail, SMS) with its delivery attempts", body = Object),
        (status = 404, description = "No such application, or the caller may not see its personal data", body = crate::error::ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id, lang)?;
    let catalog = state.catalog();
    let cx = ctx(&state, &catalog);
    let (_, _, view) = drafts::read(&cx, &caller, id).await.map_err(|e| api_error(lang, e))?;
    if !view.personal() {
        return Err(ApiError::not_found(crate::i18n::Msg::ApplicationNotFound, lang));
    }
    let log = crate::notify::deliveries(&state.pool, "application", id)
        .await
        .map_err(|e| ApiError::from_query(lang, e))?;
    Ok(Json(json!({ "deliveries": log })))
}

/// Parameters of the executors' list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExecutorsQuery {
    /// A task stage of the application's service (one with a role), e.g. `intake`.
    pub stage: String,
    /// Language of the answer's texts (`kk`, `ru`, `en`).
    #[allow(dead_code)]
    pub lang: Option<String>,
}

/// Who may work a stage of the application now, with each one's load: what a manager assigns
/// from. For the staff who see the application.
#[utoipa::path(get, path = "/api/applications/{id}/executors", tag = "applications", operation_id = "application_executors",
    params(("id" = i64, Path, minimum = 1, description = "Application id"), ExecutorsQuery),
    responses((status = 200, description = "`executors`: the active users of the stage's organisation, department and role, each with its open tasks", body = Object),
        (status = 400, description = "`stage` is not a task stage of the application's service", body = crate::error::ErrorBody),
        (status = 403, description = "Only the staff who work the application and administrators", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn executors(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    q: Result<Query<ExecutorsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id, lang)?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(lang, e.body_text()))?;
    let catalog = state.catalog();
    let cx = ctx(&state, &catalog);
    let (row, service, view) = drafts::read(&cx, &caller, id).await.map_err(|e| api_error(lang, e))?;
    if !matches!(view, View::Staff | View::Admin) {
        return Err(ApiError::forbidden(lang));
    }
    let stage = service.workflow.stage(&q.stage).filter(|s| s.role.is_some()).ok_or_else(|| {
        ApiError::bad_request(
            lang,
            format!(
                "stage: `{}` is not a task stage of the service",
                q.stage.chars().take(40).collect::<String>()
            ),
        )
    })?;
    let org = stage.org.clone().unwrap_or(row.org.clone());
    let role = stage.role.clone().unwrap_or_default();
    let list = crate::applications::store::executors(&state.pool, &org, stage.dept.as_deref(), &role)
        .await
        .map_err(|e| ApiError::from_query(lang, e))?;
    Ok(Json(json!({"stage": q.stage, "org": org, "dept": stage.dept, "role": role, "executors": list})))
}
