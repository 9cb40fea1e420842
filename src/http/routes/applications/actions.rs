//! `POST /api/applications` (a draft), `PATCH /api/applications/{id}` (change it) and
//! `POST /api/applications/{id}/actions` (submit and every workflow action), each held to
//! `If-Match` but the first; they answer with the card and its new `ETag`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

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

/// Starts a draft: 201 with `Location` and the card.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    body: Result<Json<NewDraftInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    if caller.principal().is_none() {
        return Err(ApiError::unauthorized(lang));
    }
    let Json(input) = body.map_err(|e| ApiError::rejection(lang, e))?;
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
pub async fn change(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<DraftChange>, JsonRejection>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, lang)?;
    if caller.principal().is_none() {
        return Err(ApiError::unauthorized(lang));
    }
    let version = if_match(&headers, lang)?;
    let Json(change) = body.map_err(|e| ApiError::rejection(lang, e))?;
    let catalog = state.catalog();
    let cx = ctx(&state, &catalog);
    drafts::change(&cx, &caller, id, version, change).await.map_err(|e| api_error(lang, e))?;
    super::read::card_response(&state, &caller, id, lang).await
}

/// Applies an action: `{"action": "claim", "stage": "intake"}`.
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<Request>, JsonRejection>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, lang)?;
    if caller.principal().is_none() {
        return Err(ApiError::unauthorized(lang));
    }
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
