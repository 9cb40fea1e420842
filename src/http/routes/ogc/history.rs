//! The history of a feature under `/ogc/collections/{id}/items/{fid}`: its versions
//! (`/history`), the item as it was at a moment (`?at=`, read by the item route through
//! [`parse_at`] and `store::as_of`) and restoring an old version as a new one (`/restore`, also
//! after a deletion). Access follows the feature, as for the item itself.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::features::{conditional, store};
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::policy::{parse_fid, readable, writable};

/// `?at=`: an RFC 3339 date-time, years 1 to 9999.
pub fn parse_at(v: &str, lang: Lang) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    use chrono::Datelike;
    chrono::DateTime::parse_from_rfc3339(v)
        .ok()
        .filter(|t| crate::layers::schema::YEARS.contains(&t.year()))
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok_or_else(|| {
            ApiError::new(axum::http::StatusCode::BAD_REQUEST, Msg::InvalidDateTime, lang)
                .with_detail(format!("at: `{v}` is not an RFC 3339 date-time"))
        })
}

/// The versions of a feature, newest first (404 when it has none in the caller's scope).
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path((id, fid)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (layer, _, scope) = readable(&state.catalog(), &caller, &id, lang)?;
    let fid = parse_fid(&fid, lang)?;
    let versions = store::history(&state.pool, &layer.id, fid, &scope)
        .await
        .map_err(|e| ApiError::from_query(lang, e))?;
    if versions.is_empty() {
        return Err(ApiError::not_found(Msg::NotFound, lang));
    }
    Ok(Json(json!({"id": fid, "versions": versions})))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RestoreBody {
    version: i32,
}

/// Restores an old version of a feature as its newest version (also undoes a deletion).
pub async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path((id, fid)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let db = |e| ApiError::from_query(lang, e);
    let (layer, scope) = writable(&state.catalog(), &state.pool, &caller, &id, "POST", lang).await?;
    let fid = parse_fid(&fid, lang)?;
    let body: RestoreBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(lang, format!("the body must be {{\"version\": n}}: {e}")))?;
    if !store::is_visible(&state.pool, &layer.id, fid, &scope, true).await.map_err(db)? {
        return Err(ApiError::not_found(Msg::NotFound, lang));
    }
    let mut tx = store::begin(&state.pool, &caller).await.map_err(db)?;
    let version =
        store::restore(&mut tx, &layer.id, fid, body.version).await.map_err(db)?.ok_or_else(|| {
            ApiError::not_found(Msg::NotFound, lang)
                .with_detail(format!("version {} has no state to restore", body.version))
        })?;
    store::journal_edit(&mut tx, &caller, &format!("restore v{}", body.version), &layer.id, fid, version)
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok((
        [(axum::http::header::ETAG, conditional::etag(version))],
        Json(json!({"id": fid, "version": version})),
    )
        .into_response())
}
