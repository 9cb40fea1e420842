//! `GET /api/applications/table` (the monitoring table; `format=csv|xlsx` exports exactly its
//! filter), `GET /api/applications/analytics` and `GET /api/applications/analytics/districts`
//! (GeoJSON). Staff see the applications of the organisations and departments they work for,
//! admins all; others get 403.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

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

/// The parameters of the table (read from the raw query by [`TableQuery::parse`]; this type only
/// documents them). List filters take one value or several, comma-separated.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct TableParams {
    /// Applications whose number starts with this.
    #[param(max_length = 100, pattern = r"^[^\u0000]*$")]
    number: Option<String>,
    /// Service ids.
    #[param(max_length = 500, pattern = r"^([A-Za-z0-9_.@:-]{1,100}(,[A-Za-z0-9_.@:-]{1,100}){0,99})?$")]
    service: Option<String>,
    /// Statuses (in_progress, returned, approved, refused, withdrawn).
    #[param(max_length = 500, pattern = r"^([A-Za-z0-9_.@:-]{1,100}(,[A-Za-z0-9_.@:-]{1,100}){0,99})?$")]
    status: Option<String>,
    /// Stages the applications are at.
    #[param(max_length = 500, pattern = r"^([A-Za-z0-9_.@:-]{1,100}(,[A-Za-z0-9_.@:-]{1,100}){0,99})?$")]
    stage: Option<String>,
    /// Logins of executors holding a stage.
    #[param(max_length = 500, pattern = r"^([A-Za-z0-9_.@:-]{1,100}(,[A-Za-z0-9_.@:-]{1,100}){0,99})?$")]
    executor: Option<String>,
    /// KATO codes of districts.
    #[param(max_length = 500, pattern = r"^([A-Za-z0-9_.@:-]{1,100}(,[A-Za-z0-9_.@:-]{1,100}){0,99})?$")]
    district: Option<String>,
    /// Organisations working the applications.
    #[param(max_length = 500, pattern = r"^([A-Za-z0-9_.@:-]{1,100}(,[A-Za-z0-9_.@:-]{1,100}){0,99})?$")]
    org: Option<String>,
    /// The applicant's login.
    #[param(max_length = 100, pattern = r"^[^\u0000]*$")]
    applicant: Option<String>,
    /// Submitted from this day (Almaty) or instant on.
    #[param(schema_with = day_or_instant)]
    submitted_from: Option<String>,
    /// Submitted up to this day (inclusive) or instant (exclusive).
    #[param(schema_with = day_or_instant)]
    submitted_to: Option<String>,
    /// Due from this day or instant on.
    #[param(schema_with = day_or_instant)]
    due_from: Option<String>,
    /// Due up to this day (inclusive) or instant (exclusive).
    #[param(schema_with = day_or_instant)]
    due_to: Option<String>,
    /// Only applications past (true) or within (false) their term.
    overdue: Option<bool>,
    /// The column to sort by, `-` in front for descending (default `-submitted_at`).
    sort: Option<String>,
    /// Rows of a page, 1-500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page (with the same sort).
    cursor: Option<String>,
    /// `json` (a page, the default), `csv` or `xlsx` (every row of the filter, up to the export's
    /// bound).
    #[param(pattern = "^(json|csv|xlsx)$")]
    format: Option<String>,
    /// Language of titles and of the exports' headings (`kk`, `ru`, `en`).
    lang: Option<String>,
}

/// The parameters of the analytics.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PeriodParams {
    /// Applications submitted from this day (Almaty) or instant on.
    #[param(schema_with = day_or_instant)]
    from: Option<String>,
    /// Applications submitted up to this day (inclusive) or instant (exclusive).
    #[param(schema_with = day_or_instant)]
    to: Option<String>,
    /// Language of titles (`kk`, `ru`, `en`).
    lang: Option<String>,
}

/// A day `YYYY-MM-DD` or an RFC 3339 instant.
fn day_or_instant() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type};
    let string =
        |f| ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(f)));
    let what = "A day YYYY-MM-DD (Almaty; a `to` includes it) or an RFC 3339 instant (a `to` excludes it)";
    let one = OneOfBuilder::new().description(Some(what));
    Schema::OneOf(one.item(string(KnownFormat::Date)).item(string(KnownFormat::DateTime)).build())
}

/// A row of a page: the table's row and its service's title in the caller's language.
#[derive(serde::Serialize)]
struct PageRow<'a> {
    #[serde(flatten)]
    row: &'a monitoring::TableRow,
    service_title: Option<&'a str>,
}

/// A page and the cursor of the next one.
#[derive(serde::Serialize)]
struct Page<'a> {
    rows: Vec<PageRow<'a>>,
    next_cursor: Option<String>,
}

/// A page of the table, or an export of all of it.
#[utoipa::path(get, path = "/api/applications/table", tag = "applications", operation_id = "applications_table", params(TableParams),
    responses((status = 200, description = "A page: `rows` (id, number, service and its title, status, stages, executors, organisation, district, applicant, submission, term, closing, overdue) and `next_cursor` (null on the last page); or the export of every row of the filter (`Qala-Rows` their number, `Qala-Rows-Left-Out: true` beyond the export's bound)",
            content((Object = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            headers(("Qala-Rows" = i64, description = "Exports: the rows written"), ("Qala-Rows-Left-Out" = String, description = "Exports: `true` when rows beyond the bound were left out"))),
        (status = 400, description = "A parameter that cannot be used (unknown, out of range, not a date, a cursor not of this table): `detail` names it", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "Only staff (the applications of the organisations and departments they work for) and administrators (all)", body = crate::error::ErrorBody)))]
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
            // Serialised straight from the rows (no JSON tree built and copied per page: that was
            // a third of the server's time on a page of 50 in `make bench-apps`).
            let services = state.apps.services();
            let rows: Vec<PageRow<'_>> = rows
                .iter()
                .map(|r| PageRow {
                    row: r,
                    service_title: services.get(&r.service_id).map(|s| s.title.get(lang)),
                })
                .collect();
            Ok(Json(Page { rows, next_cursor: next }).into_response())
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
#[utoipa::path(get, path = "/api/applications/analytics", tag = "applications", operation_id = "applications_analytics", params(PeriodParams),
    responses((status = 200, description = "Counts by status and service, compliance with terms, stage times and the backlog, of the applications the caller's table holds", body = Object),
        (status = 400, description = "An unknown parameter, or `from`/`to` not a date or an instant", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "Only staff and administrators", body = crate::error::ErrorBody)))]
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
#[utoipa::path(get, path = "/api/applications/analytics/districts", tag = "applications", operation_id = "applications_by_district", params(PeriodParams),
    responses((status = 200, description = "A FeatureCollection of the districts with their counts", body = Object, content_type = "application/geo+json"),
        (status = 400, description = "An unknown parameter, or `from`/`to` not a date or an instant", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "Only staff and administrators", body = crate::error::ErrorBody)))]
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
