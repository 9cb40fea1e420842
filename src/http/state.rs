//! The server's settings and the state every handler shares.

use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sqlx::PgPool;

use super::limits::{RateLimitSettings, RateLimits};
use crate::layers::Catalog;

/// HTTP settings of the server.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Memory for cached tiles, in bytes (0: no cache).
    pub tile_cache_bytes: u64,
    // issue 18: tiles cut in process
    /// Memory for the features of layers whose tiles are cut in process, in bytes (0: every tile
    /// is cut by PostGIS). Layers that do not fit are cut by PostGIS.
    pub tile_memory_bytes: u64,
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
    /// The address clients reach the server at (`https://gis.almaty.kz`, no trailing slash): every
    /// absolute URL Qala writes (QR codes of documents, `Location`, TileJSON, styles, OGC links)
    /// starts with it. Never taken from `Host` or `X-Forwarded-*`.
    pub public_url: String,
    /// Proxies whose `X-Forwarded-For` is believed (addresses or CIDR networks). A request from
    /// any other peer is attributed to the peer itself.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Requests per client address and per account on the expensive routes.
    pub rate_limits: RateLimitSettings,
    /// Longest time a request may take to produce its response head (408 beyond).
    pub request_timeout: Duration,
    /// Longest wait for the next piece of a request body (408 beyond).
    pub body_read_timeout: Duration,
    /// Longest time a client may take to send a request's headers, and to start the next request
    /// on a kept-alive connection; the connection is closed beyond.
    pub header_read_timeout: Duration,
    /// A connection without a request in flight and without traffic for this long is closed.
    pub idle_timeout: Duration,
    /// Most connections served at once; more wait in the listen queue.
    pub max_connections: usize,
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
            tile_memory_bytes: 512 << 20,
            cache_control: "public, max-age=60".into(),
            cors_origins: vec!["*".into()],
            styles_dir: "styles".into(),
            fonts_dir: "/usr/share/fonts/truetype/dejavu".into(),
            attachments_dir: "var/attachments".into(),
            max_upload_bytes: 50 << 20,
            public_url: "http://localhost".into(),
            trusted_proxies: Vec::new(),
            rate_limits: RateLimitSettings::default(),
            request_timeout: Duration::from_secs(60),
            body_read_timeout: Duration::from_secs(20),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 4096,
            max_upload_request_bytes: 100 << 20,
            max_upload_files: 10,
            render: crate::print::limits::RenderGate::default(),
            print_connections: 2,
        }
    }
}

impl HttpSettings {
    /// Whether `peer` is a configured trusted proxy.
    pub fn is_trusted_proxy(&self, peer: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|n| n.contains(&peer))
    }
}

/// State shared by every handler: one pointer, so the clone every middleware and `State`
/// extractor makes is a single reference count, not one per cache and pool.
#[derive(Debug, Clone)]
pub struct AppState(Arc<SharedState>);

impl std::ops::Deref for AppState {
    type Target = SharedState;
    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// What [`AppState`] points to.
#[derive(Debug, Clone)]
pub struct SharedState {
    pub pool: PgPool,
    catalog: Arc<RwLock<Arc<Catalog>>>,
    pub tiles: crate::tiles::TileService,
    pub terrain: crate::tiles::terrain::TerrainService,
    pub fonts: crate::tiles::fonts::Fonts,
    pub auth: crate::auth::AuthService,
    pub settings: Arc<HttpSettings>,
    pub limits: RateLimits,
    /// Services, the working-day calendar and the clock of applications.
    pub apps: Arc<crate::applications::registry::Registry>,
    // issue 15: adapters
    /// The clients of the state systems (ИС АР, ГБД ФЛ/ЮЛ/РН, БМГ, SMS, ALSECO).
    pub adapters: crate::adapters::Adapters,
    /// The bounds of the SMS sign-in by IIN.
    pub sms_login: Arc<crate::auth::sms_login::SmsSettings>,
    // issue 15: EDS
    /// The EDS verifier (NCA roots, revocation); `None` when EDS is not set up (503 on its routes).
    pub eds_verifier: Option<crate::eds::Verifier>,
    // issue 16: security monitoring
    /// What requests tell the security monitoring (credentials' addresses, refusals).
    pub security: crate::security::Watch,
    // issue 16: metrics
    /// Request metrics, readiness and the operations figures' settings.
    pub ops: crate::metrics::Ops,
    // issue 16: maintenance windows
    /// The maintenance windows not over (cached; read-only during one).
    pub maintenance: crate::maintenance::Schedule,
    // issue 16: backups
    /// The backups of Qala's own cluster; `None` with an external database (503 on their routes).
    pub backups: Option<Arc<crate::backup::Backups>>,
    // issue 17: rasters
    /// Registered rasters and the hillshade (files under the data directory).
    rasters: crate::rasters::RasterService,
}

impl AppState {
    /// State with the default settings.
    pub fn new(pool: PgPool, catalog: Catalog) -> AppState {
        Self::with_settings(pool, catalog, HttpSettings::default())
    }

    pub fn with_settings(pool: PgPool, catalog: Catalog, settings: HttpSettings) -> AppState {
        AppState(Arc::new(SharedState {
            tiles: {
                // issue 18: the layers to hold in memory (loaded once the change stream is heard)
                let t = crate::tiles::TileService::with_memory(
                    pool.clone(),
                    settings.tile_cache_bytes,
                    settings.tile_memory_bytes,
                );
                if let Some(m) = t.memory() {
                    m.set_layers(catalog.all().cloned().collect());
                }
                t
            },
            terrain: crate::tiles::terrain::TerrainService::new(pool.clone()),
            fonts: crate::tiles::fonts::Fonts::load(&settings.fonts_dir),
            auth: crate::auth::AuthService::new(pool.clone()),
            maintenance: crate::maintenance::Schedule::new(pool.clone(), crate::maintenance::DEFAULT_TTL),
            limits: RateLimits::new(&settings.rate_limits),
            // issue 17: rasters (the data directory holds `attachments/`, see `qala serve`)
            rasters: crate::rasters::RasterService::new(
                pool.clone(),
                settings.attachments_dir.parent().unwrap_or(std::path::Path::new(".")),
            ),
            pool,
            catalog: Arc::new(RwLock::new(Arc::new(catalog))),
            settings: Arc::new(settings),
            apps: Arc::new(crate::applications::registry::Registry::default()),
            adapters: crate::adapters::Adapters::default(),
            sms_login: Arc::default(),
            eds_verifier: None,
            security: crate::security::Watch::default(),
            ops: crate::metrics::Ops::default(),
            backups: None,
        }))
    }

    /// The same state with another public URL (a server that learns its port after the state
    /// was built, as tests do).
    pub fn with_public_url(mut self, url: impl Into<String>) -> AppState {
        let mut settings = (*self.settings).clone();
        settings.public_url = url.into();
        Arc::make_mut(&mut self.0).settings = Arc::new(settings);
        self
    }

    /// The same state with other settings (the caches and services stay).
    pub fn with_settings_of(mut self, settings: HttpSettings) -> AppState {
        Arc::make_mut(&mut self.0).settings = Arc::new(settings);
        self
    }

    /// The same state with another authentication service (tests: limits and a manual clock).
    pub fn with_auth(mut self, auth: crate::auth::AuthService) -> AppState {
        Arc::make_mut(&mut self.0).auth = auth;
        self
    }

    /// The same state with the services and calendar of `apps`.
    pub fn with_applications(mut self, apps: Arc<crate::applications::registry::Registry>) -> AppState {
        Arc::make_mut(&mut self.0).apps = apps;
        self
    }

    // issue 15: adapters
    /// The same state with these state systems' clients.
    pub fn with_adapters(mut self, adapters: crate::adapters::Adapters) -> AppState {
        Arc::make_mut(&mut self.0).adapters = adapters;
        self
    }

    // issue 16: backups
    /// The same state with the backups of the own cluster (`qala serve` without `--database-url`).
    pub fn with_backups(mut self, backups: Option<crate::backup::Backups>) -> AppState {
        Arc::make_mut(&mut self.0).backups = backups.map(Arc::new);
        self
    }

    /// The same state with other bounds of the SMS sign-in.
    pub fn with_sms_login(mut self, settings: crate::auth::sms_login::SmsSettings) -> AppState {
        Arc::make_mut(&mut self.0).sms_login = Arc::new(settings);
        self
    }

    /// The same state with an EDS verifier.
    pub fn with_eds(mut self, eds: crate::eds::Verifier) -> AppState {
        Arc::make_mut(&mut self.0).eds_verifier = Some(eds);
        self
    }

    /// The same state with an EDS verifier, if there is one.
    pub fn with_eds_if(self, eds: Option<crate::eds::Verifier>) -> AppState {
        match eds {
            Some(v) => self.with_eds(v),
            None => self,
        }
    }

    /// The EDS verifier, or 503 when the server has none.
    pub fn eds(&self, lang: crate::i18n::Lang) -> Result<&crate::eds::Verifier, crate::error::ApiError> {
        self.eds_verifier.as_ref().ok_or_else(|| {
            crate::error::ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                crate::i18n::Msg::EdsNotConfigured,
                lang,
            )
        })
    }

    // issue 17: rasters
    /// The registered rasters and the hillshade.
    pub fn rasters(&self) -> &crate::rasters::RasterService {
        &self.rasters
    }

    /// The same state with another raster service (its files in another data directory).
    pub fn with_rasters(mut self, rasters: crate::rasters::RasterService) -> AppState {
        Arc::make_mut(&mut self.0).rasters = rasters;
        self
    }

    /// A snapshot of the catalog (cheap; the lock is not held afterwards).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog
            .read()
            .map(|c| Arc::clone(&c))
            .unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
    }

    /// What issuing a print or a passport needs, from this state.
    pub fn print_context(&self) -> crate::print::issue::PrintContext {
        crate::print::issue::PrintContext {
            pool: self.pool.clone(),
            catalog: self.catalog(),
            render: self.settings.render.clone(),
            styles_dir: self.settings.styles_dir.clone(),
            fonts_dir: self.settings.fonts_dir.clone(),
            attachments_dir: self.settings.attachments_dir.clone(),
            public_url: self.settings.public_url.clone(),
            print_connections: self.settings.print_connections,
            rasters: self.rasters.clone(),
        }
    }

    /// Replaces the catalog (after `layers sync`); cached tiles are dropped.
    pub fn set_catalog(&self, catalog: Catalog) {
        let mut guard = self.catalog.write().unwrap_or_else(|p| p.into_inner());
        *guard = Arc::new(catalog);
        // issue 18: layers whose data changed are loaded again
        if let Some(m) = self.tiles.memory() {
            m.set_layers(guard.all().cloned().collect());
        }
        self.tiles.invalidate_all();
    }
}

/// The public URL from `--public-url`, or `http://<bind>` without it; refused when it is not an
/// absolute http(s) URL. The trailing slash is dropped.
///
/// ```
/// # use qala::http::state::public_url_of;
/// assert_eq!(public_url_of(Some("https://gis.almaty.kz/"), "0.0.0.0:8080").unwrap(), "https://gis.almaty.kz");
/// assert_eq!(public_url_of(None, "127.0.0.1:8080").unwrap(), "http://127.0.0.1:8080");
/// assert!(public_url_of(Some("gis.almaty.kz"), "127.0.0.1:8080").is_err());
/// ```
pub fn public_url_of(given: Option<&str>, bind: &str) -> anyhow::Result<String> {
    let url = match given.map(str::trim).filter(|s| !s.is_empty()) {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => format!("http://{bind}"),
    };
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['?', '#', ' ']) => Ok(url),
        _ => anyhow::bail!(
            "--public-url must be an absolute http(s) URL such as https://gis.example.kz, not `{url}`"
        ),
    }
}

/// Addresses and networks, comma-separated (`127.0.0.1, 10.0.0.0/8, ::1`).
pub fn parse_networks(text: &str) -> anyhow::Result<Vec<ipnet::IpNet>> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| anyhow::anyhow!("`{s}` is not an address or a network (10.0.0.0/8)"))
        })
        .collect()
}
