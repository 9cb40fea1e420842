//! `qala serve`: the HTTP server over the database, with its settings.

use anyhow::Result;
use qala::config::Settings;
use qala::db::Database;
use qala::layers::{Catalog, sync};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[arg(long, env = "QALA_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Memory for cached tiles, in MiB (0 turns the cache off).
    #[arg(long, env = "QALA_TILE_CACHE_MB", default_value_t = 256)]
    pub tile_cache_mb: u64,
    /// Cache-Control of public tiles.
    #[arg(long, env = "QALA_TILE_CACHE_CONTROL", default_value = "public, max-age=60")]
    pub cache_control: String,
    /// Origins allowed by CORS, comma-separated, or `*`.
    #[arg(long, env = "QALA_CORS_ORIGINS", default_value = "*")]
    pub cors_origins: String,
    /// Directory of MapLibre styles.
    #[arg(long, env = "QALA_STYLES_DIR", default_value = "./styles")]
    pub styles_dir: std::path::PathBuf,
    /// Directory of TrueType fonts for label glyphs.
    #[arg(long, env = "QALA_FONTS_DIR", default_value = "/usr/share/fonts/truetype/dejavu")]
    pub fonts_dir: std::path::PathBuf,
    /// Largest accepted attachment, in MiB.
    #[arg(long, env = "QALA_MAX_UPLOAD_MB", default_value_t = 50)]
    pub max_upload_mb: usize,
    /// The address clients reach Qala at (`https://gis.example.kz`): every absolute URL Qala
    /// writes starts with it (QR codes, Location, TileJSON, styles). Default: http://BIND.
    #[arg(long, env = "QALA_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Proxies whose X-Forwarded-For is believed, comma-separated addresses or networks
    /// (`127.0.0.1,10.0.0.0/8`). Default: none (the socket's peer is the client).
    #[arg(long, env = "QALA_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// Connections to the database.
    #[arg(long, env = "QALA_DB_CONNECTIONS", default_value_t = 16)]
    pub db_connections: u32,
    /// PostgreSQL statement_timeout of request queries, in seconds.
    #[arg(long, env = "QALA_STATEMENT_TIMEOUT_S", default_value_t = 30)]
    pub statement_timeout_s: u64,
    /// Longest time a request may take to be answered, in seconds (408 beyond).
    #[arg(long, env = "QALA_REQUEST_TIMEOUT_S", default_value_t = 60)]
    pub request_timeout_s: u64,
    /// A connection idle (no request, no traffic) this long is closed, in seconds.
    #[arg(long, env = "QALA_IDLE_TIMEOUT_S", default_value_t = 60)]
    pub idle_timeout_s: u64,
}

/// Opens the database, syncs the catalog and serves until Ctrl-C or SIGTERM.
pub async fn run(settings: &Settings, args: ServeArgs) -> Result<()> {
    let ServeArgs {
        bind,
        tile_cache_mb,
        cache_control,
        cors_origins,
        styles_dir,
        fonts_dir,
        max_upload_mb,
        public_url,
        trusted_proxies,
        db_connections,
        statement_timeout_s,
        request_timeout_s,
        idle_timeout_s,
    } = args;

    let public_url = qala::http::state::public_url_of(public_url.as_deref(), &bind)?;
    let trusted_proxies = qala::http::state::parse_networks(&trusted_proxies)?;
    let layers = super::load_catalog(settings)?;
    let pool = qala::db::PoolSettings {
        max_connections: db_connections,
        statement_timeout: Some(std::time::Duration::from_secs(statement_timeout_s)),
        ..qala::db::PoolSettings::server()
    };
    let db = Database::open_with(settings.database_url.as_deref(), &settings.data_dir, &pool).await?;
    sync::sync(&db.pool, &layers).await?;
    let http = qala::http::HttpSettings {
        tile_cache_bytes: tile_cache_mb << 20,
        cache_control,
        cors_origins: cors_origins.split(',').map(|s| s.trim().to_string()).collect(),
        styles_dir,
        fonts_dir,
        attachments_dir: settings.data_dir.join("attachments"),
        max_upload_bytes: max_upload_mb << 20,
        public_url,
        trusted_proxies,
        request_timeout: std::time::Duration::from_secs(request_timeout_s),
        idle_timeout: std::time::Duration::from_secs(idle_timeout_s),
        rate_limits: qala::http::limits::RateLimitSettings::server(),
        ..Default::default()
    };
    let state = qala::http::AppState::with_settings(db.pool.clone(), Catalog::new(layers), http);
    let result = qala::http::serve(state, &bind).await;
    db.close().await?;
    result
}
