//! The access policy applied to one request for a layer or a feature: a readable layer (404 like
//! an unknown one otherwise), a visible feature, a writable layer (401 for anonymous callers, 403
//! for readers, journalled), and the feature id of a path. Shared by the OGC routes, attachments,
//! exports, `/api/layers` and passports. Knows nothing of HTTP: it takes the catalog, the pool and
//! the caller, and answers with the layer or the error to send.

use std::sync::Arc;

use serde_json::json;
use sqlx::PgPool;

use super::{Access, FeatureScope};
use crate::auth::{Caller, journal};
use crate::error::ApiError;
use crate::features::store;
use crate::i18n::{Lang, Msg};
use crate::layers::Catalog;
use crate::layers::catalog::LayerDef;

/// The readable layer `id`, its access and the caller's feature scope; 404 when not readable.
pub fn readable(
    catalog: &Catalog,
    caller: &Caller,
    id: &str,
    lang: Lang,
) -> Result<(Arc<LayerDef>, Access, FeatureScope), ApiError> {
    let layer =
        catalog.readable(caller, id).cloned().ok_or_else(|| ApiError::not_found(Msg::LayerNotFound, lang))?;
    let access = super::layer_access(caller, &layer);
    let scope = super::feature_scope(caller, &layer);
    Ok((layer, access, scope))
}

/// A readable layer and one of its live features inside the caller's scope (404 otherwise, as for
/// a feature that does not exist): the layer, the caller's access and scope.
pub async fn visible_feature(
    catalog: &Catalog,
    pool: &PgPool,
    caller: &Caller,
    id: &str,
    fid: i64,
    lang: Lang,
) -> Result<(Arc<LayerDef>, Access, FeatureScope), ApiError> {
    let (layer, access, scope) = readable(catalog, caller, id, lang)?;
    let visible = store::is_visible(pool, &layer.id, fid, &scope, false)
        .await
        .map_err(|e| ApiError::database(lang, e))?;
    if !visible {
        return Err(ApiError::not_found(Msg::NotFound, lang));
    }
    Ok((layer, access, scope))
}

/// The layer, if the caller may write it: 404 when it may not even read it, 401 for anonymous
/// callers and 403 for users who may only read (journalled with `action`, e.g. `PUT`, as the
/// target's verb).
pub async fn writable(
    catalog: &Catalog,
    pool: &PgPool,
    caller: &Caller,
    id: &str,
    action: &str,
    lang: Lang,
) -> Result<(Arc<LayerDef>, FeatureScope), ApiError> {
    let target = format!("{action} /ogc/collections/{id}");
    let (layer, access, scope) = match readable(catalog, caller, id, lang) {
        Ok(r) => r,
        Err(e) => {
            journal_refusal(pool, caller, &target, "layer not readable").await;
            return Err(e);
        }
    };
    if access < Access::Write {
        journal_refusal(pool, caller, &target, "read only").await;
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
pub async fn journal_refusal(pool: &PgPool, caller: &Caller, target: &str, reason: &str) {
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

/// The feature id of a path: an integer, or 404 (no feature has another id), whose detail says
/// the id is not an integer. The one rule for `/ogc`, `/api/layers` and passports.
///
/// ```
/// use qala::i18n::Lang;
/// assert_eq!(qala::policy::parse_fid("42", Lang::En).unwrap(), 42);
/// assert!(qala::policy::parse_fid("abc", Lang::En).is_err());
/// ```
pub fn parse_fid(fid: &str, lang: Lang) -> Result<i64, ApiError> {
    fid.parse().map_err(|_| {
        ApiError::not_found(Msg::NotFound, lang)
            .with_detail(format!("`{fid}` is not a feature id (an integer)"))
    })
}
