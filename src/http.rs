//! The HTTP server: shared state, the router of every domain, request language, OpenAPI, serving.
//!
//! [`app`] builds the whole router from a state, so tests call it without opening a socket.

use std::sync::{Arc, RwLock};

use axum::extract::{FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use sqlx::PgPool;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

use crate::error::ApiError;
use crate::i18n::Lang;
use crate::layers::Catalog;

/// HTTP settings of the server.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Memory for cached tiles, in bytes (0: no cache).
    pub tile_cache_bytes: u64,
    /// `Cache-Control` of public tiles (restricted ones are always `private`).
    pub cache_control: String,
    /// Origins allowed by CORS; `*` for any.
    pub cors_origins: Vec<String>,
    /// Directory of MapLibre styles (`*.json`).
    pub styles_dir: std::path::PathBuf,
    /// Directory of TrueType fonts for label glyphs.
    pub fonts_dir: std::path::PathBuf,
    /// Where attachments are stored, content-addressed (`<data-dir>/attachments`).
    pub attachments_dir: std::path::PathBuf,
    /// Largest accepted attachment, in bytes.
    pub max_upload_bytes: usize,
    // issue 12: print, exports, attachments
    /// Most bytes of all the files of one upload request together (never less than
    /// `max_upload_bytes`).
    pub max_upload_request_bytes: usize,
    /// Most files in one upload request.
    pub max_upload_files: usize,
    /// Concurrent PDF rendering and image decoding, and how long a request waits for its turn.
    pub render: crate::print::limits::RenderGate,
    /// Database connections one print or passport uses at once to read its layers.
    pub print_connections: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            tile_cache_bytes: 256 << 20,
            cache_control: "public, max-age=60".into(),
            cors_origins: vec!["*".into()],
            styles_dir: "styles".into(),
            fonts_dir: "/usr/share/fonts/truetype/dejavu".into(),
            attachments_dir: "var/attachments".into(),
            max_upload_bytes: 50 << 20,
            // issue 12: print, exports, attachments
            max_upload_request_bytes: 100 << 20,
            max_upload_files: 10,
            render: crate::print::limits::RenderGate::default(),
            print_connections: 2,
        }
    }
}

/// State shared by every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    pub pool: PgPool,
    catalog: Arc<RwLock<Arc<Catalog>>>,
    pub tiles: crate::tiles::TileService,
    pub terrain: crate::tiles::terrain::TerrainService,
    pub fonts: crate::tiles::fonts::Fonts,
    pub auth: crate::auth::AuthService,
    pub settings: Arc<HttpSettings>,
}

impl AppState {
    /// State with the default settings.
    pub fn new(pool: PgPool, catalog: Catalog) -> AppState {
        Self::with_settings(pool, catalog, HttpSettings::default())
    }

    pub fn with_settings(pool: PgPool, catalog: Catalog, settings: HttpSettings) -> AppState {
        AppState {
            tiles: crate::tiles::TileService::new(pool.clone(), settings.tile_cache_bytes),
            terrain: crate::tiles::terrain::TerrainService::new(pool.clone()),
            fonts: crate::tiles::fonts::Fonts::load(&settings.fonts_dir),
            auth: crate::auth::AuthService::new(pool.clone()),
            pool,
            catalog: Arc::new(RwLock::new(Arc::new(catalog))),
            settings: Arc::new(settings),
        }
    }

    /// A snapshot of the catalog (cheap; the lock is not held afterwards).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog
            .read()
            .map(|c| Arc::clone(&c))
            .unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
    }

    /// Replaces the catalog (after `layers sync`); cached tiles are dropped.
    pub fn set_catalog(&self, catalog: Catalog) {
        let mut guard = self.catalog.write().unwrap_or_else(|p| p.into_inner());
        *guard = Arc::new(catalog);
        self.tiles.invalidate_all();
    }
}

/// The caller's language (`?lang=`, then `Accept-Language`).
#[derive(Debug, Clone, Copy)]
pub struct ReqLang(pub Lang);

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ReqLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = Query::<LangQuery>::try_from_uri(&parts.uri).ok().and_then(|q| q.0.lang);
        Ok(ReqLang(Lang::negotiate(q.as_deref(), &parts.headers)))
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Qala API", description = "GIS tile and geodata server for city governments"),
    paths(
        healthz,
        crate::layers::routes::list_layers,
        crate::layers::routes::get_layer,
        crate::layers::routes::get_feature,
        crate::layers::kato::routes::get_unit,
        crate::layers::kato::routes::search_units,
        crate::layers::search::search,
        crate::auth::routes::login,
        crate::auth::routes::logout,
        crate::auth::routes::me,
        crate::auth::routes::create_token,
        crate::auth::routes::list_tokens,
        crate::auth::routes::delete_token,
        crate::auth::admin::list_users,
        crate::auth::admin::get_user,
        crate::auth::admin::create_user,
        crate::auth::admin::edit_user,
        crate::auth::admin::remove_user,
        crate::auth::admin::block_user,
        crate::auth::admin::unblock_user,
        crate::auth::admin::list_orgs,
        crate::auth::admin::put_org,
        crate::auth::admin::put_dept,
        crate::auth::admin::list_grants,
        crate::auth::admin::put_grant,
        crate::auth::admin::remove_grant,
        crate::auth::admin::online,
        crate::auth::admin::journal_search,
        crate::print::routes::options,
        crate::print::routes::print,
        crate::print::routes::passport,
        crate::print::routes::document_json,
        crate::print::routes::revoke,
    ),
    tags((name = "layers", description = "Layer catalog"), (name = "auth", description = "Log in, sessions, API tokens"),
        (name = "admin", description = "Users, grants, journal"), (name = "kato", description = "KATO classifier"),
        (name = "print", description = "Maps to scale (GeoPDF), object passports, document records"))
)]
struct ApiDoc;

/// The OpenAPI 3 document of the REST API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

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
    let tiles = crate::tiles::routes::router()
        .layer(tower_http::compression::CompressionLayer::new().gzip(true).br(true));
    let routes: Router<AppState> = Router::new()
        .merge(tiles)
        .merge(crate::tiles::styles::router())
        .merge(crate::tiles::terrain_routes::router())
        .merge(
            crate::web::router().layer(tower_http::compression::CompressionLayer::new().gzip(true).br(true)),
        )
        .route("/healthz", get(healthz))
        .route("/api/openapi.json", get(|| async { Json(openapi()) }))
        .merge(crate::layers::routes::router())
        .merge(crate::layers::kato::routes::router())
        .merge(crate::layers::search::router())
        .merge(crate::features::routes::router())
        .merge(crate::features::attachments::router())
        .merge(crate::features::export::router())
        .merge(crate::print::routes::router())
        .merge(crate::auth::routes::router())
        .merge(crate::auth::admin::router())
        .fallback(crate::web::fallback);
    let cors = cors(&state.settings);
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

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "Server and database are up"),
    (status = 503, body = crate::error::ErrorBody)))]
async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
    ReqLang(lang): ReqLang,
) -> impl IntoResponse {
    match sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.pool).await {
        Ok(_) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response(),
        Err(e) => ApiError::database(lang, e).into_response(),
    }
}

/// Serves `app` on `addr` until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(state: AppState, addr: &str) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr()?;
    let _invalidation = crate::tiles::invalidate::spawn(state.pool.clone(), state.tiles.clone()).await?;
    println!("Qala is serving on http://{local}/");
    axum::serve(listener, app(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
