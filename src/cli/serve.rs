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
    /// Memory for layers whose vector tiles are cut in process, in MiB (0: PostGIS cuts every
    /// tile; layers that do not fit are cut by PostGIS).
    #[arg(long, env = "QALA_TILE_MEMORY_MB", default_value_t = 512)]
    pub tile_memory_mb: u64,
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
    // issue 16: limits under abuse
    /// Writes (features, attachments, applications) a minute per account and per address, a third
    /// of it at once; 0: unlimited (e.g. a benchmark submitting as one account).
    #[arg(long, env = "QALA_WRITE_RATE_PER_MINUTE", default_value_t = 3000)]
    pub write_rate_per_minute: u32,
    // issue 16: readiness
    /// `/readyz` fails when fewer MiB than this are free on the data directory's file system.
    #[arg(long, env = "QALA_MIN_FREE_DISK_MB", default_value_t = 512)]
    pub min_free_disk_mb: u64,
    // issue 13: notify
    #[command(flatten)]
    pub notify: NotifyArgs,
    // issue 15: EDS (trust anchors, CRLs, OCSP)
    #[command(flatten)]
    pub eds: super::eds::EdsArgs,
    // issue 15: adapters (the state systems)
    #[command(flatten)]
    pub state: StateArgs,
    // issue 16: HTTPS (--tls-cert, --tls-key, --http-redirect-bind)
    #[command(flatten)]
    pub tls: super::tls::TlsArgs,
    // issue 16: security monitoring (--security-forward, thresholds)
    #[command(flatten)]
    pub security: super::report::SecurityArgs,
    // issue 16: backups (--backup-every, --backup-keep)
    #[command(flatten)]
    pub backups: super::backup::ScheduleArgs,
}

/// The state systems (ИС АР, ГБД ФЛ, ГБД ЮЛ, ГБД РН, БМГ, ALSECO; SMS is `--sms-gateway-url`).
#[derive(Debug, clap::Args)]
pub struct StateArgs {
    /// The base URL of the state systems: each at `<URL>/<code>` (`ar`, `fl`, `ul`, `rn`, `bmg`,
    /// `alseco`), as `qala-state-simulator` serves them. Without it (or an override) a system is
    /// not configured and its calls answer "does not answer".
    #[arg(long, env = "QALA_STATE_SYSTEMS_URL")]
    pub state_systems_url: Option<String>,
    /// One system elsewhere: `CODE=URL` (`bmg=https://bmg.example.kz/api`); repeatable.
    #[arg(long, env = "QALA_STATE_SYSTEM_URLS", value_delimiter = ',')]
    pub state_system_url: Vec<String>,
    /// The longest wait for one answer of a state system, in milliseconds.
    #[arg(long, env = "QALA_STATE_TIMEOUT_MS", default_value_t = 5000)]
    pub state_timeout_ms: u64,
    /// The secret that keys the hashes of IINs, BINs and phones in the calls' journal (a random
    /// one per start without it, so hashes then match only within one run).
    #[arg(long, env = "QALA_STATE_JOURNAL_KEY", hide_env_values = true)]
    pub state_journal_key: Option<String>,
}

impl StateArgs {
    fn adapters(
        &self,
        pool: sqlx::PgPool,
        sms_gateway_url: Option<&str>,
    ) -> Result<qala::adapters::Adapters> {
        use qala::adapters::{AdapterSettings, Adapters, CallPolicy, journal::CallJournal};
        let policy = CallPolicy {
            timeout: std::time::Duration::from_millis(self.state_timeout_ms.clamp(100, 120_000)),
            ..Default::default()
        };
        let settings = AdapterSettings::from_flags(
            self.state_systems_url.as_deref(),
            &self.state_system_url,
            sms_gateway_url,
            policy,
        )?;
        let journal = CallJournal::database(pool, self.state_journal_key.as_deref().map(str::as_bytes));
        Ok(Adapters::new(&settings, qala::auth::limits::AuthClock::real(), journal))
    }
}

/// Notifications: where e-mail and SMS go (a channel without its setting is not sent; its
/// notifications wait in the outbox).
#[derive(Debug, clap::Args)]
pub struct NotifyArgs {
    /// The SMTP server e-mail is sent through (`smtp://127.0.0.1:2525`; plain SMTP).
    #[arg(long, env = "QALA_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of e-mail.
    #[arg(long, env = "QALA_MAIL_FROM", default_value = "Qala <noreply@qala.localhost>")]
    pub mail_from: String,
    /// The SMS gateway (`http://127.0.0.1:9025/messages`): JSON POST {id, to, text}.
    #[arg(long, env = "QALA_SMS_GATEWAY_URL")]
    pub sms_gateway_url: Option<String>,
    /// Directory of notification templates (`<event>.toml`), checked at start.
    #[arg(long, env = "QALA_NOTIFY_TEMPLATES_DIR", default_value = "./notifications")]
    pub notify_templates_dir: std::path::PathBuf,
    /// How long a worker holds a notification it is sending, in seconds; one whose worker died
    /// is sent again after it.
    #[arg(long, env = "QALA_NOTIFY_LEASE_S", default_value_t = 60)]
    pub notify_lease_s: u64,
    /// Attempts before a notification is given up.
    #[arg(long, env = "QALA_NOTIFY_MAX_ATTEMPTS", default_value_t = 6)]
    pub notify_max_attempts: i32,
    /// The wait after a first failed attempt, in seconds; it doubles after each next one.
    #[arg(long, env = "QALA_NOTIFY_BACKOFF_S", default_value_t = 30)]
    pub notify_backoff_s: u64,
    /// The longest sleep of the worker between rounds without a wake-up, in seconds.
    #[arg(long, env = "QALA_NOTIFY_POLL_S", default_value_t = 30)]
    pub notify_poll_s: u64,
    /// Consecutive failures of a channel that raise the admins' alert.
    #[arg(long, env = "QALA_NOTIFY_ALERT_AFTER", default_value_t = 5)]
    pub notify_alert_after: i32,
}

impl NotifyArgs {
    /// The templates (checked) and the worker's settings and senders; errors name the setting.
    fn worker(&self, pool: sqlx::PgPool) -> Result<qala::notify::worker::Worker> {
        use qala::notify::{send, templates::Templates, worker};
        let templates = Templates::load_dir(&self.notify_templates_dir).map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
            anyhow::anyhow!(
                "the notification templates in {} have errors:\n{}",
                self.notify_templates_dir.display(),
                lines.join("\n")
            )
        })?;
        let lease = std::time::Duration::from_secs(self.notify_lease_s.max(2));
        // A send ends well before its lease does.
        let timeout = (lease / 2).min(std::time::Duration::from_secs(30));
        let senders = worker::Senders {
            email: self
                .smtp_url
                .as_deref()
                .map(|u| send::EmailSender::new(u, &self.mail_from, timeout))
                .transpose()?,
            sms: self.sms_gateway_url.as_deref().map(|u| send::SmsGateway::new(u, timeout)).transpose()?,
        };
        let settings = worker::WorkerSettings {
            lease,
            max_attempts: self.notify_max_attempts.max(1),
            backoff_base: std::time::Duration::from_secs(self.notify_backoff_s.max(1)),
            poll: std::time::Duration::from_secs(self.notify_poll_s.max(1)),
            alert_after: self.notify_alert_after.max(1),
            ..Default::default()
        };
        Ok(worker::Worker::new(
            pool,
            std::sync::Arc::new(templates),
            senders,
            settings,
            std::sync::Arc::new(worker::SystemClock),
        ))
    }
}

/// Opens the database, syncs the catalog and serves until Ctrl-C or SIGTERM.
pub async fn run(settings: &Settings, args: ServeArgs) -> Result<()> {
    let ServeArgs {
        bind,
        tile_cache_mb,
        tile_memory_mb,
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
        write_rate_per_minute,
        min_free_disk_mb,
        notify,
        eds,
        state: state_systems,
        tls,
        security,
        backups,
    } = args;

    let serve_options = tls.options();
    // issue 16: with TLS and no --public-url, clients reach https://BIND.
    let public_url = public_url.or_else(|| serve_options.tls.as_ref().map(|_| format!("https://{bind}")));
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
    let apps = super::services::registry(settings, &db, &layers).await?;
    // issue 13: notify. With a channel configured, the templates are checked before serving and
    // the worker stops with the server; without one, notifications wait in the outbox.
    let (stop_worker, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = if notify.smtp_url.is_some() || notify.sms_gateway_url.is_some() {
        let worker = notify.worker(db.pool.clone())?;
        Some(tokio::spawn(worker.run(async move {
            let _ = stopped.await;
        })))
    } else {
        println!("Notifications: no --smtp-url or --sms-gateway-url; they wait in the outbox");
        None
    };
    let http = qala::http::HttpSettings {
        tile_cache_bytes: tile_cache_mb << 20,
        tile_memory_bytes: tile_memory_mb.min(1 << 20) << 20,
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
        rate_limits: qala::http::limits::RateLimitSettings::server().with_writes(write_rate_per_minute),
        ..Default::default()
    };
    // Deadline alerts: a pass every minute on the registry's clock, stopped with the server.
    let alerts = {
        let (pool, apps, url) = (db.pool.clone(), apps.clone(), http.public_url.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                // issue 16: one server at a time runs the pass (the others skip this minute's).
                let pass = qala::db::leader::run_exclusive(&pool, qala::applications::alerts::LOCK, async {
                    qala::applications::alerts::run_once(&pool, &apps, &url, apps.now()).await
                });
                if let Ok(Some(Err(e))) | Err(e) = pass.await {
                    tracing::warn!(error = %e, "deadline alerts: the pass failed; the next one retries");
                }
            }
        })
    };
    // Roots named on the command line must load; the default (the open data's NCA test CAs) may be
    // absent, and then EDS sign-in and signing answer 503 until roots are configured.
    let eds_config = eds.config(&settings.open_data_dir);
    let eds = if eds.roots.is_empty() && !eds_config.roots.iter().all(|p| p.exists()) {
        tracing::warn!(roots = ?eds_config.roots, "EDS: no trust anchors (--eds-roots); EDS sign-in and signing are off");
        None
    } else {
        let v = qala::eds::Verifier::new(eds_config).map_err(|e| anyhow::anyhow!("EDS: {e}"))?;
        tracing::info!(anchors = v.roots().len(), "EDS trust anchors loaded");
        Some(v)
    };
    let state = qala::http::AppState::with_settings(db.pool.clone(), Catalog::new(layers), http)
        .with_applications(apps)
        .with_eds_if(eds)
        .with_adapters(state_systems.adapters(db.pool.clone(), notify.sms_gateway_url.as_deref())?);
    // issue 16: backups of the own cluster, scheduled (one server at a time), and their admin API.
    let (backups, backup_task) = backups.spawn(settings, &db.pool)?.unzip();
    let state = state.with_backups(backups);
    // issue 16: readiness measures the data directory and fails from the first shutdown signal on.
    state.ops.configure(qala::metrics::OpsSettings {
        data_dir: settings.data_dir.clone(),
        min_free_disk_bytes: min_free_disk_mb.saturating_mul(1 << 20),
    });
    let shutdown_watch = tokio::spawn(qala::metrics::shutdown_watch(state.ops.clone()));
    // issue 16: the last verified backup's age, from the manifests on disk (none there: unknown).
    let backup_dir = settings.data_dir.clone();
    state.ops.set_backup_age(std::sync::Arc::new(move || {
        qala::backup::last_verified_on_disk(&backup_dir)
            .map(|t| (chrono::Utc::now() - t).num_milliseconds() as f64 / 1000.0)
    }));
    // issue 16: every server reloads the maintenance windows when any announces or cancels one.
    let maintenance = qala::maintenance::listen(db.pool.clone(), state.maintenance.clone()).await?;
    // issue 16: the security monitoring's pass and forwarding (one server at a time per cursor).
    let security = security.spawn(db.pool.clone())?;
    let result = qala::http::serve_with(state, &bind, serve_options).await;
    security.abort();
    if let Some(t) = backup_task {
        t.abort();
    }
    maintenance.abort();
    alerts.abort();
    shutdown_watch.abort();
    let _ = stop_worker.send(());
    if let Some(worker) = worker {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), worker).await;
    }
    db.close().await?;
    result
}
