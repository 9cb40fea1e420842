//! `GET /api/services`, `GET /api/services/{id}`: the services one may apply for, public.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::Msg;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only the services of this category (`utilities`, `construction`, `land`, ...).
    pub category: Option<String>,
    /// Language of `title` (`kk`, `ru`, `en`).
    pub lang: Option<String>,
}

/// The current services: id, version, titles, category, provider, fee and term.
#[utoipa::path(get, path = "/api/services", tag = "applications", operation_id = "list_services", params(ListQuery),
    responses((status = 200, description = "`services`: id, version, title (in the caller's language) and titles, category, provider, fee (KZT), term (working days), the site's geometry kind and whether its applications are published", body = Object)))]
pub async fn list(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Query(q): Query<ListQuery>,
) -> Json<Value> {
    let _ = q.lang;
    let services = state.apps.services();
    let items: Vec<Value> = services
        .values()
        .filter(|s| q.category.as_deref().is_none_or(|c| c == s.category))
        .map(|s| {
            json!({
                "id": s.id,
                "version": s.version,
                "title": s.title.get(lang),
                "titles": s.title,
                "category": s.category,
                "provider": s.provider,
                "fee_kzt": s.passport.fee_kzt,
                "days": s.deadlines.total,
                "geometry": s.geometry.kind.as_str(),
                "public": s.publish.public,
            })
        })
        .collect();
    Json(json!({ "services": items }))
}

/// One service whole: passport, form, site rule, workflow, refusal reasons.
#[utoipa::path(get, path = "/api/services/{id}", tag = "applications", operation_id = "get_service",
    params(("id" = String, Path, description = "Service id, e.g. `network_connection`")),
    responses((status = 200, description = "The service as its file declares it: passport and documents, deadlines, form fields, site rule, workflow stages, refusal reasons, output templates, publication", body = Object),
        (status = 404, description = "No such service", body = crate::error::ErrorBody)))]
pub async fn one(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let s = state.apps.service(&id).ok_or_else(|| ApiError::not_found(Msg::ServiceNotFound, lang))?;
    Ok(Json(json!(*s)))
}
