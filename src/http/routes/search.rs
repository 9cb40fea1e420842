//! `GET /api/search`: the parameters checked, the caller's layers chosen, the search of
//! [`crate::layers::search`] run.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::layers::search::{self, SearchParams, SearchResults};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/search", get(search))
}

/// Addresses, named features and KATO units resembling `q`, best first; only layers the caller
/// may read are searched.
#[utoipa::path(get, path = "/api/search", tag = "layers", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 400, body = crate::error::ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SearchResults>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::rejection(lang, e))?;
    let q = p.q.trim();
    if q.chars().count() < 2 {
        return Err(ApiError::bad_request(lang, "`q` must have at least 2 characters"));
    }
    if q.contains('\0') {
        return Err(ApiError::bad_request(lang, "`q` must not contain NUL characters"));
    }
    if q.chars().count() > 200 {
        return Err(ApiError::bad_request(lang, "`q` must have at most 200 characters"));
    }
    let limit = p.limit.unwrap_or(10);
    if !(1..=search::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            lang,
            format!("`limit` must be between 1 and {}", search::MAX_LIMIT),
        ));
    }
    let catalog = state.catalog();
    // Layers whose features are visible per department or per user are searched only by those
    // who see all of them: the search SQL has no per-feature filter.
    let layers: Vec<_> = catalog
        .readable_all(&caller)
        .filter(|l| crate::policy::feature_scope(&caller, l) == crate::policy::FeatureScope::All)
        .cloned()
        .collect();
    let results =
        search::run(&state.pool, &layers, q, lang, limit).await.map_err(|e| ApiError::database(lang, e))?;
    Ok(Json(SearchResults { results }))
}
