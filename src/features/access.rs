//! The access policy as the feature routes apply it: a readable layer (404 like an unknown one
//! otherwise), a visible feature, a writable layer (401 for anonymous callers, 403 for readers,
//! journalled), and the feature id of a path. Shared by the OGC routes, attachments, exports,
//! `/api/layers` and passports.

use std::sync::Arc;

use axum::http::Method;
use serde_json::json;

use super::store;
use crate::auth::policy::{self, Access, FeatureScope};
use crate::auth::{Caller, journal};
use crate::error::ApiError;
use crate::http::AppState;
use crate::i18n::{Lang, Msg};
use crate::layers::catalog::LayerDef;

/// The readable layer `id`, its access and the caller's feature scope; 404 when not readable.
pub fn readable(
    state: &AppState,
    caller: &Caller,
    id: &str,
    lang: Lang,
) -> Result<(Arc<LayerDef>, Access, FeatureScope), ApiError> {
    let catalog = state.catalog();
    let layer =
        catalog.readable(caller, id).cloned().ok_or_else(|| ApiError::not_found(Msg::LayerNotFound, lang))?;
    let access = policy::layer_access(caller, &layer);
    let scope = policy::feature_scope(caller, &layer);
    Ok((layer, access, scope))
}

/// A readable layer and one of its live features inside the caller's scope (404 otherwise, as for
/// a feature that does not exist): the layer, the caller's access and scope.
pub async fn visible_feature(
    state: &AppState,
    caller: &Caller,
    id: &str,
    fid: i64,
    lang: Lang,
) -> Result<(Arc<LayerDef>, Access, FeatureScope), ApiError> {
    let (layer, access, scope) = readable(state, caller, id, lang)?;
    let visible = store::is_visible(&state.pool, &layer.id, fid, &scope, false)
        .await
        .map_err(|e| ApiError::database(lang, e))?;
    if !visible {
        return Err(ApiError::not_found(Msg::NotFound, lang));
    }
    Ok((layer, access, scope))
}

/// The layer, if the caller may write it: 404 when it may not even read it, 401 for anonymous
/// callers and 403 for users who may only read (journalled).
pub async fn writable(
    state: &AppState,
    caller: &Caller,
    id: &str,
    method: &Method,
    lang: Lang,
) -> Result<(Arc<LayerDef>, FeatureScope), ApiError> {
    let target = format!("{method} /ogc/collections/{id}");
    let (layer, access, scope) = match readable(state, caller, id, lang) {
        Ok(r) => r,
        Err(e) => {
            journal_refusal(&state.pool, caller, &target, "layer not readable").await;
            return Err(e);
        }
    };
    if access < Access::Write {
        journal_refusal(&state.pool, caller, &target, "read only").await;
        return Err(write_refused(caller, lang));
    }
    Ok((layer, scope))
}

/// The answer to a write the policy refuses on a readable layer: 401 for anonymous callers (log
/// in first), 403 for users who may only read.
pub fn write_refused(caller: &Caller, lang: Lang) -> ApiError {
    if caller.principal().is_none() { ApiError::unauthorized(lang) } else { ApiError::forbidden(lang) }
}

/// Journals a refused write.
pub async fn journal_refusal(pool: &sqlx::PgPool, caller: &Caller, target: &str, reason: &str) {
    journal::record(
        pool,
        "refusal",
        Some(caller.login()),
        None,
        Some(target),
        "refused",
        json!({"reason": reason}),
    )
    .await;
}

/// The feature id of a path: a number, or 404 (no feature has another id).
pub fn parse_fid(fid: &str, lang: Lang) -> Result<i64, ApiError> {
    fid.parse().map_err(|_| ApiError::not_found(Msg::NotFound, lang))
}
