//! `GET /api/applications/table` (the monitoring table; `format=csv|xlsx` exports exactly its
//! filter), `GET /api/applications/analytics` and `GET /api/applications/analytics/districts`
//! (GeoJSON). Staff see the applications of the organisations and departments they work for,
//! admins all; others get 403.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::applications::monitoring::{self, TableQuery, TableScope, export};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};

/// The table scope of a caller: admins all, staff their keys; 401/403 for others.
fn scope(caller: &Caller, lang: Lang) -> Result<TableScope, ApiError> {
    if caller.principal().is_none() {
        return Err(ApiError::unauthorized(lang));
    }
    if caller.is_admin() {
        return Ok(TableScope::All);
    }
    let keys = crate::policy::applications::caller_keys(caller);
    if keys.is_empty() { Err(ApiError::forbidden(lang)) } else { Ok(TableScope::Keys(keys)) }
}

fn pairs(raw: &Option<String>, lang: Lang) -> Result<Vec<(String, String)>, ApiError> {
    let raw = raw.as_deref().unwrap_or("");
    if raw.len() > 8192 {
        return Err(ApiError::bad_request(lang, "the query is longer than 8192 bytes"));
    }
    let uri: axum::http::Uri = format!("/?{raw}")
        .parse()
        .map_err(|_| ApiError::bad_request(lang, "the query is not a URL query"))?;
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|q| q.0)
        .map_err(|e| ApiError::bad_request(lang, e.body_text()))
}

fn parse(raw: &Option<String>, lang: Lang) -> Result<(TableQuery, Option<String>), ApiError> {
    let pairs = pairs(raw, lang)?;
    let format = pairs.iter().find(|(k, _)| k == "format").map(|(_, v)| v.clone());
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let q = TableQuery::parse(&refs).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, Msg::BadRequest, lang)
            .with_detail(format!("{}: {}", e.param, e.reason))
    })?;
    Ok((q, format))
}

/// A page of the table, or an export of all of it.
pub async fn table(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let scope = scope(&caller, lang)?;
    let (q, format) = parse(&raw, lang)?;
    let now = state.apps.now();
    let db = |e| ApiError::from_query(lang, e);
    match format.as_deref() {
        None | Some("json") => {
            let (rows, next) = monitoring::page(&state.pool, &q, &scope, now).await.map_err(db)?;
            let items: Vec<Value> = rows
                .iter()
                .map(|r| {
                    let mut v = json!(r);
                    v["service_title"] =
                        json!(state.apps.service(&r.service_id).map(|s| s.title.get(lang).to_string()));
                    v
                })
                .collect();
            Ok(Json(json!({"rows": items, "next_cursor": next})).into_response())
        }
        Some(f @ ("csv" | "xlsx")) => {
            let (rows, more) =
                monitoring::all(&state.pool, &q, &scope, now, export::MAX_ROWS).await.map_err(db)?;
            let (bytes, ct) = if f == "csv" {
                (export::csv(&rows, lang), "text/csv; charset=utf-8")
            } else {
                (
                    export::xlsx(&rows, lang),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            };
            let bytes = bytes.map_err(|e| ApiError::internal(lang, e))?;
            crate::auth::journal::record(
                &state.pool,
                "applications.export",
                Some(caller.login()),
                None,
                None,
                "ok",
                json!({"format": f, "rows": rows.len(), "query": raw}),
            )
            .await;
            let mut r = bytes.into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            let name = format!("attachment; filename=\"applications.{f}\"");
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&name).unwrap_or(HeaderValue::from_static("attachment")),
            );
            h.insert("qala-rows", rows.len().into());
            if more {
                h.insert("qala-rows-left-out", HeaderValue::from_static("true"));
            }
            Ok(r)
        }
        Some(other) => Err(ApiError::bad_request(
            lang,
            format!("format: `{}` is not json, csv or xlsx", other.chars().take(20).collect::<String>()),
        )),
    }
}

/// A period: from (inclusive) and to (exclusive), each optional.
type Period = (Option<chrono::DateTime<chrono::Utc>>, Option<chrono::DateTime<chrono::Utc>>);

/// The period of an analytics query (`from`, `to`: dates or RFC 3339 times).
fn period(raw: &Option<String>, lang: Lang) -> Result<Period, ApiError> {
    let pairs = pairs(raw, lang)?;
    let mut params = Vec::new();
    for (k, v) in &pairs {
        match k.as_str() {
            "from" => params.push(("submitted_from", v.as_str())),
            "to" => params.push(("submitted_to", v.as_str())),
            "lang" => {}
            _ => return Err(ApiError::bad_request(lang, format!("{k}: unknown parameter (from, to)"))),
        }
    }
    let q = TableQuery::parse(&params).map_err(|e| {
        ApiError::bad_request(lang, format!("{}: {}", e.param.replace("submitted_", ""), e.reason))
    })?;
    Ok((q.filters.submitted_from, q.filters.submitted_to))
}

/// Counts, compliance and backlog.
pub async fn analytics(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    RawQuery(raw): RawQuery,
) -> Result<Json<crate::applications::analytics::Summary>, ApiError> {
    let scope = scope(&caller, lang)?;
    let (from, to) = period(&raw, lang)?;
    let s = crate::applications::analytics::summary(&state.pool, &scope, from, to, state.apps.now())
        .await
        .map_err(|e| ApiError::from_query(lang, e))?;
    Ok(Json(s))
}

/// Counts by district, as GeoJSON.
pub async fn districts(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let scope = scope(&caller, lang)?;
    let (from, to) = period(&raw, lang)?;
    let v =
        crate::applications::analytics::districts_geojson(&state.pool, &scope, from, to, state.apps.now())
            .await
            .map_err(|e| ApiError::from_query(lang, e))?;
    let mut r = Json(v).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/geo+json"));
    Ok(r)
}
