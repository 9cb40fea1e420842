//! `/api/services` and `/api/applications`: the catalogue of services, drafts, submission and
//! every workflow action, the card, files; `/api/admin/calendar`: the working-day calendar. Each
//! handler calls `crate::applications::lifecycle` and maps its result; access is decided there,
//! by `policy::applications`.

pub(crate) mod actions;
pub(crate) mod calendar;
pub(crate) mod document;
pub(crate) mod files;
pub(crate) mod monitoring;
pub(crate) mod objects;
pub(crate) mod read;
pub(crate) mod services;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post, put};

use crate::applications::lifecycle::{Ctx, LifecycleError};
use crate::applications::workflow::engine::RefusalKind;
use crate::error::ApiError;
use crate::http::AppState;
use crate::i18n::{Lang, Msg};
use crate::layers::Catalog;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/services", get(services::list))
        .route("/api/services/{id}", get(services::one))
        .route("/api/applications", post(actions::create).get(read::list))
        .route("/api/applications/table", get(monitoring::table))
        .route("/api/applications/queues", get(read::queues))
        .route("/api/applications/analytics", get(monitoring::analytics))
        .route("/api/applications/analytics/districts", get(monitoring::districts))
        .route("/api/applications/{id}", get(read::one).patch(actions::change))
        .route("/api/applications/{id}/actions", post(actions::act))
        .route(
            "/api/applications/{id}/documents/{doc}",
            put(files::upload).layer(axum::extract::DefaultBodyLimit::max(files::MAX_BODY)),
        )
        .route("/api/applications/{id}/files/{sha}", get(files::download))
        .route(
            "/api/applications/{id}/objects",
            get(objects::list)
                .post(objects::add)
                .layer(axum::extract::DefaultBodyLimit::max(objects::MAX_BODY)),
        )
        .route(
            "/api/applications/{id}/objects/{object}",
            axum::routing::patch(objects::change).delete(objects::remove),
        )
        .route("/api/applications/{id}/deliveries", get(read::deliveries))
        .route("/api/applications/{id}/executors", get(read::executors))
        .route("/api/applications/{id}/document.pdf", get(document::pdf))
        .route("/api/admin/calendar", get(calendar::list))
        .route("/api/admin/calendar/{date}", put(calendar::set).delete(calendar::remove))
}

/// The lifecycle's context for a request.
pub(crate) fn ctx<'a>(state: &'a AppState, catalog: &'a Catalog) -> Ctx<'a> {
    Ctx {
        pool: &state.pool,
        registry: &state.apps,
        catalog,
        public_url: &state.settings.public_url,
        now: state.apps.now(),
    }
}

/// The version `If-Match` names (`"v<version>"`): 428 without one, 412 for one not of this form.
pub(crate) fn if_match(headers: &HeaderMap, lang: Lang) -> Result<i32, ApiError> {
    let raw = headers
        .get(header::IF_MATCH)
        .ok_or_else(|| ApiError::new(StatusCode::PRECONDITION_REQUIRED, Msg::PreconditionRequired, lang))?;
    raw.to_str()
        .ok()
        .and_then(|v| v.trim().trim_start_matches("W/").trim_matches('"').strip_prefix('v'))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| ApiError::new(StatusCode::PRECONDITION_FAILED, Msg::ApplicationChanged, lang))
}

/// The API error of a lifecycle error, in the caller's language.
pub(crate) fn api_error(lang: Lang, e: LifecycleError) -> ApiError {
    match e {
        LifecycleError::NotFound => ApiError::not_found(Msg::ApplicationNotFound, lang),
        LifecycleError::ServiceNotFound => ApiError::not_found(Msg::ServiceNotFound, lang),
        LifecycleError::Unauthenticated => ApiError::unauthorized(lang),
        LifecycleError::Invalid(errors) => {
            let details: Vec<_> = errors.iter().map(|e| e.to_json(lang)).collect();
            let names: Vec<_> = errors.iter().map(|e| e.path.clone()).collect();
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Msg::InvalidApplication, lang)
                .with_detail(names.join(", "))
                .with_details(serde_json::Value::Array(details))
        }
        LifecycleError::Refused(r) => {
            let status = match r.kind {
                RefusalKind::Conflict => StatusCode::CONFLICT,
                RefusalKind::Forbidden => StatusCode::FORBIDDEN,
                RefusalKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let e = ApiError::new(status, r.msg, lang);
            match r.detail {
                Some(d) => e.with_detail(d),
                None => e,
            }
        }
        LifecycleError::Changed { version } => {
            ApiError::new(StatusCode::PRECONDITION_FAILED, Msg::ApplicationChanged, lang)
                .with_header(header::ETAG, crate::features::conditional::etag(version))
        }
        LifecycleError::Db(e) => ApiError::from_query(lang, e),
    }
}
