//! The HTTP layer: shared state, the router of every domain, what a handler learns about a request
//! (language, client address, public URL), errors as JSON, rate limits, OpenAPI, serving.
//!
//! [`app`] builds the whole router from a state, so tests call it without opening a socket;
//! [`serve`] puts it on a socket with time and number bounds on every connection.
//!
//! - [`state`]: `HttpSettings`, `AppState`;
//! - [`extract`]: `ReqLang`, `ClientAddr` (trusted proxies only), `PublicUrl` (configuration only);
//! - [`errors`]: every error response is the JSON error body;
//! - [`limits`]: rate limits per client address and per account;
//! - [`serve`]: the accept loop, header/idle/request timeouts, connection limits.

pub mod caller;
pub mod errors;
pub mod extract;
pub mod limits;
// issue 16: request metrics, /metrics, /readyz
pub mod metrics;
// issue 16: read-only during maintenance windows
pub mod maintenance;
pub mod openapi;
pub mod routes;
pub mod serve;
pub mod state;
pub mod tls;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use tower_http::trace::TraceLayer;

pub use extract::{ClientAddr, PublicUrl, ReqLang, client_addr};
pub use openapi::openapi;
pub use serve::{ServeOptions, serve, serve_listener, serve_with};
pub use state::{AppState, HttpSettings};

use crate::error::ApiError;

fn cors(settings: &HttpSettings) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, Any, CorsLayer};
    let layer = CorsLayer::new()
        .allow_methods([
            axum::http::Method::GET,
            axum::http::Method::HEAD,
            axum::http::Method::OPTIONS,
            axum::http::Method::POST,
            axum::http::Method::PUT,
            axum::http::Method::PATCH,
            axum::http::Method::DELETE,
        ])
        .allow_headers(Any)
        .expose_headers([
            axum::http::header::ETAG,
            axum::http::header::LOCATION,
            axum::http::header::ALLOW,
            axum::http::HeaderName::from_static("content-crs"),
            axum::http::header::CONTENT_DISPOSITION,
            axum::http::HeaderName::from_static("qala-document"),
            axum::http::HeaderName::from_static("qala-sha256"),
            axum::http::HeaderName::from_static("qala-map-frame"),
            axum::http::HeaderName::from_static("qala-map-extent"),
            axum::http::HeaderName::from_static("qala-scale-factor"),
            axum::http::HeaderName::from_static("qala-truncated-cells"),
            axum::http::HeaderName::from_static("qala-rows-left-out"),
            axum::http::HeaderName::from_static("preference-applied"),
            axum::http::HeaderName::from_static("accept-post"),
            axum::http::HeaderName::from_static("accept-patch"),
            axum::http::header::LAST_MODIFIED,
            axum::http::header::RETRY_AFTER,
        ]);
    if settings.cors_origins.iter().any(|o| o == "*") {
        layer.allow_origin(Any)
    } else {
        let origins: Vec<axum::http::HeaderValue> =
            settings.cors_origins.iter().filter_map(|o| o.parse().ok()).collect();
        layer.allow_origin(AllowOrigin::list(origins))
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let tiles =
        routes::tiles::router().layer(tower_http::compression::CompressionLayer::new().gzip(true).br(true));
    let routes: Router<AppState> = Router::new()
        .merge(tiles)
        .merge(routes::styles::router())
        .merge(routes::terrain::router())
        .merge(
            routes::web::router().layer(tower_http::compression::CompressionLayer::new().gzip(true).br(true)),
        )
        .route("/healthz", get(healthz))
        .route("/api/openapi.json", get(|| async { Json(openapi()) }))
        .merge(routes::layers::router())
        .merge(routes::rasters::router())
        .merge(routes::kato::router())
        .merge(routes::search::router())
        .merge(routes::ogc::router())
        .merge(routes::attachments::router())
        .merge(routes::export::router())
        .merge(routes::print::router())
        // issue 17: OGC WMS
        .merge(routes::wms::router())
        .merge(routes::wmts::router())
        .merge(routes::auth::router())
        .merge(routes::auth_eds::router())
        .merge(routes::auth_sms::router())
        .merge(routes::signatures::router())
        .merge(routes::admin::router())
        // issue 16: backups
        .merge(routes::backups::router())
        // issue 13: notify
        .merge(routes::notify::router())
        .merge(routes::inbox::router())
        .merge(routes::applications::router())
        .merge(routes::open311::router())
        // issue 16: metrics, readiness, the operations page's figures
        .merge(metrics::router())
        .merge(routes::status::router())
        // issue 16: maintenance windows
        .merge(routes::maintenance::router())
        // issue 16: security incidents
        .merge(routes::incidents::router())
        .merge(routes::reports::router())
        .fallback(routes::web::fallback)
        // issue 16: a body limit for every route that has not its own
        .layer(axum::extract::DefaultBodyLimit::max(limits::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), limits::rate_limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), maintenance::read_only))
        // issue 16: credentials' addresses and refusals for the security monitoring
        .layer(axum::middleware::from_fn_with_state(state.clone(), routes::incidents::watch))
        .layer(axum::middleware::from_fn(errors::json_errors))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(state.settings.body_read_timeout))
        // issue 16: requests by route template, status and latency
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track));
    let cors = cors(&state.settings);
    let context = axum::middleware::from_fn_with_state(state.clone(), extract::request_context);
    let plain: Router = routes.with_state(state);
    let with_cors = plain.clone().layer(cors);
    // tower-http answers every OPTIONS as a CORS preflight; a plain OPTIONS (no
    // Access-Control-Request-Method) goes to the routes, which answer with their `Allow` header
    // (OGC API - Features Part 4).
    let split = tower::service_fn(move |req: axum::extract::Request| {
        use tower::ServiceExt;
        let preflight = req.method() == axum::http::Method::OPTIONS
            && req.headers().contains_key(axum::http::header::ACCESS_CONTROL_REQUEST_METHOD);
        if req.method() == axum::http::Method::OPTIONS && !preflight {
            plain.clone().oneshot(req)
        } else {
            with_cors.clone().oneshot(req)
        }
    });
    Router::new()
        .fallback_service(split)
        .layer(axum::middleware::from_fn(no_browser_challenge))
        .layer(context)
        .layer(TraceLayer::new_for_http())
}

/// A 401 asks for HTTP Basic credentials (`WWW-Authenticate`) so that QGIS and GDAL offer their
/// password dialogs; a browser would pop up its own box over the web map instead. Requests from
/// the web map (`X-Requested-With`) and the login routes get the 401 without the challenge.
async fn no_browser_challenge(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let from_script =
        req.headers().contains_key("x-requested-with") || req.uri().path().starts_with("/api/auth/");
    let mut resp = next.run(req).await;
    if from_script {
        resp.headers_mut().remove(axum::http::header::WWW_AUTHENTICATE);
    }
    resp
}

/// Liveness and database reachability: 200 when the database answers within three seconds,
/// 503 (with `Retry-After`) when it does not.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "Server and database are up"),
    (status = 503, description = "The database is unreachable", body = crate::error::ErrorBody)))]
async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
    ReqLang(lang): ReqLang,
) -> impl IntoResponse {
    let check = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.pool);
    match tokio::time::timeout(std::time::Duration::from_secs(3), check).await {
        Ok(Ok(_)) => {
            (StatusCode::OK, Json(serde_json::json!({"status": "ok", "database": "ok"}))).into_response()
        }
        Ok(Err(e)) => ApiError::database(lang, e).into_response(),
        Err(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, crate::i18n::Msg::DatabaseUnavailable, lang)
            .into_response(),
    }
}
