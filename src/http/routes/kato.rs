//! `GET /api/kato/{code}` (unit, parent chain, children, bbox) and `GET /api/kato?q=` (search).

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::Msg;
use crate::layers::kato::is_code;
use crate::layers::kato::store::{self, Unit};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/kato", get(search_units)).route("/api/kato/{code}", get(get_unit))
}

/// A unit with its place in the hierarchy.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDetail {
    #[serde(flatten)]
    pub unit: Unit,
    /// Name in the caller's language (Russian when no translation is known).
    pub name: String,
    /// Parent chain, nearest first (district, city, ...).
    pub parents: Vec<Unit>,
    pub children: Vec<Unit>,
    /// `[min_lon, min_lat, max_lon, max_lat]` of the unit's boundary, when one is attached.
    pub bbox: Option<[f64; 4]>,
    /// The attached boundary is synthetic (generated), not surveyed.
    pub boundary_synthetic: Option<bool>,
}

fn name_in(u: &Unit, lang: crate::i18n::Lang) -> String {
    use crate::i18n::Lang::*;
    match lang {
        Kk => u.name_kk.clone(),
        En => u.name_en.clone(),
        Ru => None,
    }
    .unwrap_or_else(|| u.name_ru.clone())
}

/// One KATO unit.
#[utoipa::path(get, path = "/api/kato/{code}", tag = "kato",
    params(("code" = String, Path, pattern = r"^[0-9]{9}$", description = "Nine-digit KATO code")),
    responses((status = 200, body = UnitDetail), (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_unit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(code): Path<String>,
) -> Result<Json<UnitDetail>, ApiError> {
    if !is_code(&code) {
        return Err(ApiError::bad_request(lang, format!("`{code}` is not a nine-digit KATO code")));
    }
    let db = |e| ApiError::database(lang, e);
    let (unit, bbox, boundary_synthetic) = store::unit(&state.pool, &code)
        .await
        .map_err(db)?
        .ok_or_else(|| ApiError::not_found(Msg::KatoNotFound, lang))?;
    let parents = store::ancestors(&state.pool, &code).await.map_err(db)?;
    let children = store::children(&state.pool, &code).await.map_err(db)?;
    Ok(Json(UnitDetail { name: name_in(&unit, lang), unit, parents, children, bbox, boundary_synthetic }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Text to look for in Russian, Kazakh or English names; typos are tolerated (at least 2
    /// characters besides surrounding spaces).
    #[param(
        min_length = 2,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub q: String,
    /// At most this many results (1-100, default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Only this unit and its descendants, e.g. `750000000` for Almaty.
    #[param(pattern = r"^[0-9]{9}$")]
    pub within: Option<String>,
    /// Language of `name` in the results: kk, ru or en.
    pub lang: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    #[serde(flatten)]
    pub unit: Unit,
    pub name: String,
    /// Similarity 0-1.
    pub score: f32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    pub results: Vec<SearchHit>,
}

/// Search KATO units by name.
#[utoipa::path(get, path = "/api/kato", tag = "kato", params(SearchParams),
    responses((status = 200, body = SearchResult), (status = 400, body = crate::error::ErrorBody)))]
pub async fn search_units(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SearchResult>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::rejection(lang, e))?;
    let q = p.q.trim();
    if q.chars().count() < 2 {
        return Err(ApiError::bad_request(lang, "`q` needs at least 2 characters"));
    }
    if q.chars().count() > 200 || q.contains('\0') {
        return Err(ApiError::bad_request(lang, "`q` must have at most 200 characters and no NUL"));
    }
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::bad_request(lang, "`limit` must be between 1 and 100"));
    }
    if let Some(w) = &p.within
        && !is_code(w)
    {
        return Err(ApiError::bad_request(lang, format!("`within`: `{w}` is not a nine-digit KATO code")));
    }
    let hits = store::search(&state.pool, q, p.within.as_deref(), limit)
        .await
        .map_err(|e| ApiError::database(lang, e))?;
    Ok(Json(SearchResult {
        results: hits
            .into_iter()
            .map(|(unit, score)| SearchHit { name: name_in(&unit, lang), unit, score })
            .collect(),
    }))
}
