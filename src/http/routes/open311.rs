//! `/open311/v2`: Open311 GeoReport v2 over the applications (see `applications::open311` for
//! what each answer holds). The format is the path's suffix (`.json`, `.xml`; any other is 404);
//! errors are Open311's `[{"code", "description"}]` (`<errors><error>` in XML), described in the
//! caller's language. Reads are public and show only what the services publish, whoever calls;
//! `POST requests` is form-urlencoded, at most 64 KiB, and needs an API key (403 without a live
//! one).

use std::collections::HashMap;

use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::applications::ctx;
use crate::applications::lifecycle::LifecycleError;
use crate::applications::lifecycle::actions::{self, Request};
use crate::applications::lifecycle::drafts::{self, NewDraftInput};
use crate::applications::open311::{self as o311, Format, input, services, store};
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::policy::AuthMethod;
use crate::policy::Caller;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/open311/v2/{file}",
            get(top).post(post_requests).layer(DefaultBodyLimit::max(input::MAX_BODY)),
        )
        .route("/open311/v2/services/{file}", get(service_definition))
        .route("/open311/v2/requests/{file}", get(one_request))
        .route("/open311/v2/tokens/{file}", get(token))
}

/// `value` in `format` with `status`.
fn answer(format: Format, status: StatusCode, root: &str, value: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, format.content_type())], format.write(root, value)).into_response()
}

/// An Open311 error: `msg` in `lang`, with `detail` when there is one.
fn fail(format: Format, status: StatusCode, lang: Lang, msg: Msg, detail: Option<String>) -> Response {
    let mut text = msg.text(lang).to_string();
    if let Some(d) = detail.filter(|d| !d.is_empty()) {
        text = format!("{text}: {}", d.chars().take(2000).collect::<String>());
    }
    answer(format, status, "errors", &o311::errors(status.as_u16(), &text))
}

fn internal(format: Format, lang: Lang, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "open311");
    fail(format, StatusCode::INTERNAL_SERVER_ERROR, lang, Msg::Internal, None)
}

/// The answer to a path with another suffix than `.json` or `.xml`.
fn unknown_format(lang: Lang) -> Response {
    fail(Format::Json, StatusCode::NOT_FOUND, lang, Msg::NotFound, None)
}

/// `discovery`, `services` and `GET requests`.
async fn top(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(file): Path<String>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let Some((name, format)) = Format::split(&file) else { return unknown_format(lang) };
    match name {
        "discovery" => {
            answer(format, StatusCode::OK, "discovery", &o311::discovery(&state.settings.public_url))
        }
        "services" => {
            let list: Vec<Value> = state
                .apps
                .services()
                .values()
                .filter(|s| services::is_public(s))
                .map(|s| services::service_entry(s, lang))
                .collect();
            answer(format, StatusCode::OK, "services", &Value::Array(list))
        }
        "requests" => match query {
            Ok(Query(q)) => list_requests(&state, lang, format, &q).await,
            Err(e) => fail(format, StatusCode::BAD_REQUEST, lang, Msg::BadRequest, Some(e.body_text())),
        },
        _ => fail(format, StatusCode::NOT_FOUND, lang, Msg::NotFound, None),
    }
}

/// `services/{code}`: the definition of a public service.
async fn service_definition(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(file): Path<String>,
) -> Response {
    let Some((code, format)) = Format::split(&file) else { return unknown_format(lang) };
    match state.apps.service(code).filter(|s| services::is_public(s)) {
        Some(s) => answer(format, StatusCode::OK, "service_definition", &services::definition(&s, lang)),
        None => fail(format, StatusCode::NOT_FOUND, lang, Msg::ServiceNotFound, None),
    }
}

fn parse_time(name: &str, v: Option<&String>) -> Result<Option<DateTime<Utc>>, String> {
    v.filter(|v| !v.is_empty())
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| format!("{name} is not an ISO 8601 date and time"))
        })
        .transpose()
}

/// The ids of a comma list, at most [`o311::MAX_REQUESTS`].
fn parse_ids(list: &str) -> Result<Vec<i64>, String> {
    let ids: Vec<i64> = list
        .split(',')
        .map(|s| s.trim().parse::<i64>().ok().filter(|n| *n > 0))
        .collect::<Option<_>>()
        .ok_or_else(|| "service_request_id is not a list of ids".to_string())?;
    if ids.len() > o311::MAX_REQUESTS as usize {
        return Err(format!("more than {} ids", o311::MAX_REQUESTS));
    }
    Ok(ids)
}

/// The public requests of `query`, as entries.
async fn entries(state: &AppState, lang: Lang, query: store::Query) -> sqlx::Result<Vec<Value>> {
    let rows = store::requests(&state.pool, &query).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(service) =
            state.apps.service_at(&state.pool, &row.service_id, row.service_version as u32).await?
        else {
            continue;
        };
        if services::is_public(&service) {
            out.push(o311::request_entry(&row, &service, lang));
        }
    }
    Ok(out)
}

fn public_ids(state: &AppState) -> Vec<String> {
    state.apps.services().values().filter(|s| services::is_public(s)).map(|s| s.id.clone()).collect()
}

/// `GET requests`: by ids, or by service, dates (the last 90 days by default) and status.
async fn list_requests(
    state: &AppState,
    lang: Lang,
    format: Format,
    q: &HashMap<String, String>,
) -> Response {
    let bad = |d: String| fail(format, StatusCode::BAD_REQUEST, lang, Msg::BadRequest, Some(d));
    let mut query =
        store::Query { services: public_ids(state), limit: o311::MAX_REQUESTS, ..Default::default() };
    if let Some(list) = q.get("service_request_id").filter(|l| !l.is_empty()) {
        // By the specification, the other parameters are then ignored.
        match parse_ids(list) {
            Ok(ids) => query.ids = Some(ids),
            Err(e) => return bad(e),
        }
    } else {
        if let Some(code) = q.get("service_code").filter(|c| !c.is_empty()) {
            query.services.retain(|s| s == code);
        }
        let (start, end) = match (
            parse_time("start_date", q.get("start_date")),
            parse_time("end_date", q.get("end_date")),
        ) {
            (Ok(s), Ok(e)) => (s, e),
            (Err(e), _) | (_, Err(e)) => return bad(e),
        };
        query.start = start.or_else(|| {
            (end.is_none()).then(|| state.apps.now() - chrono::Duration::days(o311::DEFAULT_DAYS))
        });
        query.end = end;
        if let Some(s) = q.get("status").filter(|s| !s.is_empty()) {
            match o311::statuses_of(s) {
                Some(st) => query.statuses = Some(st),
                None => return bad("status is open or closed".into()),
            }
        }
    }
    match entries(state, lang, query).await {
        Ok(list) => answer(format, StatusCode::OK, "service_requests", &Value::Array(list)),
        Err(e) => internal(format, lang, e),
    }
}

/// The one public request `id`, if any.
async fn find(state: &AppState, lang: Lang, id: &str) -> sqlx::Result<Option<Value>> {
    let Some(id) = id.parse::<i64>().ok().filter(|n| *n > 0) else { return Ok(None) };
    let query =
        store::Query { services: public_ids(state), ids: Some(vec![id]), limit: 1, ..Default::default() };
    Ok(entries(state, lang, query).await?.into_iter().next())
}

/// `requests/{id}`: one request, as a list of one.
async fn one_request(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(file): Path<String>,
) -> Response {
    let Some((id, format)) = Format::split(&file) else { return unknown_format(lang) };
    match find(&state, lang, id).await {
        Ok(Some(e)) => answer(format, StatusCode::OK, "service_requests", &Value::Array(vec![e])),
        Ok(None) => fail(format, StatusCode::NOT_FOUND, lang, Msg::ApplicationNotFound, None),
        Err(e) => internal(format, lang, e),
    }
}

/// `tokens/{token}`: a token is the id `POST requests` answered with.
async fn token(State(state): State<AppState>, ReqLang(lang): ReqLang, Path(file): Path<String>) -> Response {
    let Some((tok, format)) = Format::split(&file) else { return unknown_format(lang) };
    match find(&state, lang, tok).await {
        Ok(Some(e)) => {
            let id = e["service_request_id"].as_i64().unwrap_or_default();
            answer(format, StatusCode::OK, "service_requests", &o311::token(id))
        }
        Ok(None) => fail(format, StatusCode::NOT_FOUND, lang, Msg::NotFound, None),
        Err(e) => internal(format, lang, e),
    }
}

/// A lifecycle error as an Open311 error: the form's problems are a 400 naming each field.
fn lifecycle_error(format: Format, lang: Lang, e: LifecycleError) -> Response {
    match e {
        LifecycleError::Invalid(errors) => {
            let d = errors.iter().map(|e| format!("{}: {}", e.path, e.message(lang))).collect::<Vec<_>>();
            fail(format, StatusCode::BAD_REQUEST, lang, Msg::InvalidApplication, Some(d.join("; ")))
        }
        LifecycleError::Refused(r) => fail(format, StatusCode::BAD_REQUEST, lang, r.msg, r.detail),
        LifecycleError::ServiceNotFound => {
            fail(format, StatusCode::NOT_FOUND, lang, Msg::ServiceNotFound, None)
        }
        LifecycleError::NotFound => fail(format, StatusCode::NOT_FOUND, lang, Msg::ApplicationNotFound, None),
        LifecycleError::Unauthenticated => fail(format, StatusCode::FORBIDDEN, lang, Msg::Forbidden, None),
        LifecycleError::Changed { .. } => fail(format, StatusCode::CONFLICT, lang, Msg::Conflict, None),
        LifecycleError::Db(e) => internal(format, lang, e),
    }
}

/// The caller an API key acts as.
async fn key_caller(state: &AppState, key: Option<&str>) -> sqlx::Result<Option<Caller>> {
    let Some(key) = key else { return Ok(None) };
    let Some(login) = store::key_login(&state.pool, key).await? else { return Ok(None) };
    let Some(user) = crate::auth::store::user_by_login(&state.pool, &login).await? else { return Ok(None) };
    let p = crate::auth::store::principal_of(&state.pool, &user, AuthMethod::Token).await?;
    Ok(Some(Caller::User(Box::new(p))))
}

/// `POST requests`: a draft from the body, submitted at once; its id.
async fn post_requests(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(file): Path<String>,
    body: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let format = match Format::split(&file) {
        Some(("requests", f)) => f,
        Some((_, f)) => return fail(f, StatusCode::NOT_FOUND, lang, Msg::NotFound, None),
        None => return unknown_format(lang),
    };
    let bad = |msg: Msg, d: String| fail(format, StatusCode::BAD_REQUEST, lang, msg, Some(d));
    let Form(pairs) = match body {
        Ok(b) => b,
        Err(e) => {
            let status = if e.status().is_client_error() { e.status() } else { StatusCode::BAD_REQUEST };
            let msg =
                if status == StatusCode::PAYLOAD_TOO_LARGE { Msg::PayloadTooLarge } else { Msg::BadRequest };
            return fail(format, status, lang, msg, Some(e.body_text()));
        }
    };
    let req = match input::parse(pairs) {
        Ok(r) => r,
        Err(e) => return bad(Msg::BadRequest, e),
    };
    let caller = match key_caller(&state, req.api_key.as_deref()).await {
        Ok(Some(c)) => c,
        Ok(None) => return fail(format, StatusCode::FORBIDDEN, lang, Msg::Forbidden, Some("api_key".into())),
        Err(e) => return internal(format, lang, e),
    };
    let Some(code) = req.service_code.as_deref() else { return bad(Msg::BadRequest, "service_code".into()) };
    let Some(service) = state.apps.service(code).filter(|s| services::is_public(s)) else {
        return fail(format, StatusCode::NOT_FOUND, lang, Msg::ServiceNotFound, None);
    };
    let geometry = match input::point(&req) {
        Ok(None) if req.address_string.is_none() => {
            return bad(Msg::BadRequest, "lat and long (or address_string) are required".into());
        }
        Ok(g) => g,
        Err(e) => return bad(Msg::BadRequest, e),
    };
    let form = match input::form(&service, &req) {
        Ok(f) => f,
        Err(unknown) => {
            return bad(
                Msg::FieldUnknown,
                unknown.iter().map(|c| format!("attribute[{c}]")).collect::<Vec<_>>().join(", "),
            );
        }
    };
    let user_lang = caller.principal().and_then(|p| p.lang.as_deref()).and_then(Lang::parse).unwrap_or(lang);
    let catalog = state.catalog();
    let cx = ctx(&state, &catalog);
    let draft = NewDraftInput { service: service.id.clone(), form, geometry, site_feature: None };
    let id = match drafts::create(&cx, &caller, user_lang, draft).await {
        Ok(id) => id,
        Err(e) => return lifecycle_error(format, lang, e),
    };
    let submitted = async {
        let mut conn = state.pool.acquire().await?;
        let row =
            crate::applications::store::load(&mut conn, id, false).await?.ok_or(LifecycleError::NotFound)?;
        drop(conn);
        actions::act(&cx, &caller, id, row.version, Request::Submit).await?;
        let mut conn = state.pool.acquire().await?;
        Ok::<_, LifecycleError>(
            crate::applications::store::load(&mut conn, id, false).await?.and_then(|r| r.number),
        )
    }
    .await;
    match submitted {
        Ok(number) => {
            answer(format, StatusCode::OK, "service_requests", &o311::posted(id, number.as_deref()))
        }
        Err(e) => {
            if let Err(d) = store::discard_draft(&state.pool, id).await {
                tracing::warn!(id, error = %d, "open311: the refused draft stays");
            }
            lifecycle_error(format, lang, e)
        }
    }
}
