//! `POST /api/applications` (a draft), `PATCH /api/applications/{id}` (change it) and
//! `POST /api/applications/{id}/actions` (submit and every workflow action), each held to
//! `If-Match` but the first; they answer with the card and its new `ETag`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use super::{api_error, ctx, if_match};
use crate::applications::lifecycle::actions::Request;
use crate::applications::lifecycle::drafts::{self, DraftChange, NewDraftInput};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::Lang;

/// The id in a path: 404 when it is not one.
pub(super) fn parse_id(id: &str, lang: Lang) -> Result<i64, ApiError> {
    id.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::not_found(crate::i18n::Msg::ApplicationNotFound, lang)
            .with_detail(id.chars().take(40).collect::<String>())
    })
}

/// A draft's body as `T`. JSON Schema, which the API's document speaks, counts `7.0` as the
/// integer 7, so the picked feature's id may come so and is taken as the integer it is; anything
/// else that is not `T` is a 400 naming where.
fn draft_body<T: serde::de::DeserializeOwned>(
    lang: Lang,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<T, ApiError> {
    let Json(mut body) = body.map_err(|e| ApiError::rejection(lang, e))?;
    if let Some(id) = body.pointer_mut("/site_feature/id")
        && let Some(f) = id.as_f64().filter(|f| id.is_f64() && f.fract() == 0.0 && f.abs() < 2f64.powi(53))
    {
        *id = Value::from(f as i64);
    }
    serde_path_to_error::deserialize(body).map_err(|e| {
        ApiError::bad_request(
            lang,
            format!("the body is not of the expected shape at `{}`: {}", e.path(), e.inner()),
        )
    })
}

/// Starts a draft: 201 with `Location` and the card.
#[utoipa::path(post, path = "/api/applications", tag = "applications", operation_id = "create_application",
    request_body(content = NewDraftInput, content_type = "application/json"),
    responses((status = 201, description = "The draft's card (the caller is its applicant)", body = Object,
            headers(("Location" = String, description = "The application's URL"), ("ETag" = String, description = "`\"v<version>\"`"))),
        (status = 400, description = "The body is not JSON of this shape", body = crate::error::ErrorBody),
        (status = 401, description = "Only a signed-in caller applies", body = crate::error::ErrorBody),
        (status = 404, description = "No such service", body = crate::error::ErrorBody),
        (status = 422, description = "The form or the site breaks the service's rules: `details` has one `{field, code, message}` per problem", body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    if caller.principal().is_none() {
        return Err(ApiError::unauthorized(lang));
    }
    let input: NewDraftInput = draft_body(lang, body)?;
    let catalog = state.catalog();
    let cx = ctx(&state, &catalog);
    let id = drafts::create(&cx, &caller, lang, input).await.map_err(|e| api_error(lang, e))?;
    let mut r = super::read::card_response(&state, &caller, id, lang).await?;
    *r.status_mut() = StatusCode::CREATED;
    if let Ok(v) = format!("{}/api/applications/{id}", state.settings.public_url).parse() {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// Changes a draft (or a returned application's flagged fields).
#[utoipa::path(patch, path = "/api/applications/{id}", tag = "applications", operation_id = "change_application",
    params(("id" = i64, Path, minimum = 1, description = "Application id"), ("If-Match" = String, Header, pattern = r#"^(W/)?"v[0-9]{1,9}"$"#, description = "`\"v<version>\"`: the `ETag` of the card the change is made on")),
    request_body(content = DraftChange, content_type = "application/json"),
    responses((status = 200, description = "The card after the change", body = Object, headers(("ETag" = String, description = "`\"v<version>\"`"))),
        (status = 400, description = "The body is not JSON of this shape", body = crate::error::ErrorBody),
        (status = 401, description = "Only a signed-in caller", body = crate::error::ErrorBody),
        (status = 403, description = "Only its applicant changes an application", body = crate::error::ErrorBody),
        (status = 404, description = "No such application, or the caller may not see it", body = crate::error::ErrorBody),
        (status = 409, description = "The application is neither a draft nor returned for corrections", body = crate::error::ErrorBody),
        (status = 412, description = "`If-Match` is not the stored version (the current `ETag` is sent), or not a version at all", body = crate::error::ErrorBody),
        (status = 422, description = "The form or the site breaks the service's rules, or a returned application's change touches fields not flagged: `details` has one `{field, code, message}` per problem", body = crate::error::ErrorBody),
        (status = 428, description = "`If-Match` is missing", body = crate::error::ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    if caller.principal().is_none() {
        return Err(ApiError::unauthorized(lang));
    }
    let id = parse_id(&id, lang)?;
    let version = if_match(&headers, lang)?;
    let change: DraftChange = draft_body(lang, body)?;
    let catalog = state.catalog();
    let cx = ctx(&state, &catalog);
    drafts::change(&cx, &caller, id, version, change).await.map_err(|e| api_error(lang, e))?;
    super::read::card_response(&state, &caller, id, lang).await
}

/// Applies an action: `{"action": "claim", "stage": "intake"}`.
#[utoipa::path(post, path = "/api/applications/{id}/actions", tag = "applications", operation_id = "act_on_application",
    params(("id" = i64, Path, minimum = 1, description = "Application id"), ("If-Match" = String, Header, pattern = r#"^(W/)?"v[0-9]{1,9}"$"#, description = "`\"v<version>\"`: the `ETag` of the card the change is made on")),
    request_body(content = Request, content_type = "application/json",
        description = "`submit` a draft, `claim`, `release`, `assign`, `save`, `comment`, `return_for_corrections`, `resubmit`, `return_to_previous`, `forward`, `approve`, `refuse`, `not_competent`, `withdraw`"),
    responses((status = 200, description = "The card after the action (its history holds the events)", body = Object, headers(("ETag" = String, description = "`\"v<version>\"`"))),
        (status = 400, description = "The body is not JSON of this shape", body = crate::error::ErrorBody),
        (status = 401, description = "Only a signed-in caller", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's view, role, organisation or department does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such application, or the caller may not see it", body = crate::error::ErrorBody),
        (status = 409, description = "Not possible in the application's status or stage, or someone else holds the stage", body = crate::error::ErrorBody),
        (status = 412, description = "`If-Match` is not the stored version (the current `ETag` is sent), or not a version at all", body = crate::error::ErrorBody),
        (status = 422, description = "The form, files or site break the service's rules on submission, an unknown stage, refusal code or assignee, or values the stage does not take: `details` has one `{field, code, message}` per problem", body = crate::error::ErrorBody),
        (status = 428, description = "`If-Match` is missing", body = crate::error::ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<Request>, JsonRejection>,
) -> Result<Response, ApiError> {
    if caller.principal().is_none() {
        return Err(ApiError::unauthorized(lang));
    }
    let id = parse_id(&id, lang)?;
    let version = if_match(&headers, lang)?;
    let Json(request) = body.map_err(|e| ApiError::rejection(lang, e))?;
    let catalog = state.catalog();
    let cx = ctx(&state, &catalog);
    let events = crate::applications::lifecycle::actions::act(&cx, &caller, id, version, request)
        .await
        .map_err(|e| api_error(lang, e))?;
    // The card after the action; the events it produced are in its history. The tiles of the
    // applications layer are evicted by the features' trigger.
    tracing::debug!(id, events = events.len(), "application action");
    super::read::card_response(&state, &caller, id, lang).await
}
