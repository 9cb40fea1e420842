//! The `qala` command: server, database, catalog, ingest, KATO and demo data.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use qala::config::Settings;
use qala::db::{Database, cluster};
use qala::i18n::{Msg, cli_lang};
use qala::layers::{Catalog, catalog, demo, ingest, kato, sync};

#[derive(Debug, Parser)]
#[command(name = "qala", version, about = "GIS tile and geodata server for city governments")]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        #[arg(long, env = "QALA_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Memory for cached tiles, in MiB (0 turns the cache off).
        #[arg(long, env = "QALA_TILE_CACHE_MB", default_value_t = 256)]
        tile_cache_mb: u64,
        /// Cache-Control of public tiles.
        #[arg(long, env = "QALA_TILE_CACHE_CONTROL", default_value = "public, max-age=60")]
        cache_control: String,
        /// Origins allowed by CORS, comma-separated, or `*`.
        #[arg(long, env = "QALA_CORS_ORIGINS", default_value = "*")]
        cors_origins: String,
        /// Directory of MapLibre styles.
        #[arg(long, env = "QALA_STYLES_DIR", default_value = "./styles")]
        styles_dir: std::path::PathBuf,
        /// Directory of TrueType fonts for label glyphs.
        #[arg(long, env = "QALA_FONTS_DIR", default_value = "/usr/share/fonts/truetype/dejavu")]
        fonts_dir: std::path::PathBuf,
        /// Largest accepted attachment, in MiB.
        #[arg(long, env = "QALA_MAX_UPLOAD_MB", default_value_t = 50)]
        max_upload_mb: usize,
    },
    /// Users: `qala user add LOGIN --role admin` bootstraps the first administrator.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Qala's own PostgreSQL cluster (used when DATABASE_URL is not set).
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// The layer catalog (files in the layers directory).
    Layers {
        #[command(subcommand)]
        action: LayersAction,
    },
    /// Import a vector file (GeoJSON, Shapefile, GeoPackage, KML, CSV) into a layer.
    Ingest {
        file: PathBuf,
        #[arg(long)]
        layer: String,
        /// CRS of the source: EPSG code (EPSG:28413), WKT or PROJ string.
        #[arg(long)]
        srs: Option<String>,
        /// Attribute encoding of the source (e.g. cp1251) when the file does not declare it.
        #[arg(long)]
        encoding: Option<String>,
        /// Map a source field to a layer attribute: `--map src=dst` (repeatable).
        #[arg(long = "map", value_parser = parse_mapping)]
        map: Vec<(String, String)>,
        /// Source field identifying a feature: a re-import updates instead of duplicating.
        #[arg(long)]
        key: Option<String>,
        /// Layer of a multi-layer source (GeoPackage).
        #[arg(long)]
        source_layer: Option<String>,
        /// Where to write the JSON report (default: <data-dir>/reports/ingest-<layer>-<time>.json).
        #[arg(long)]
        report: Option<PathBuf>,
        /// Name recorded as the author of the changes.
        #[arg(long, default_value = "qala:ingest")]
        actor: String,
    },
    /// The KATO classifier.
    Kato {
        #[command(subcommand)]
        action: KatoAction,
    },
    /// Vector tiles: warm a server's cache, export MBTiles.
    Tiles {
        #[command(subcommand)]
        action: TilesAction,
    },
    /// DEMs (elevation rasters) for terrain tiles and the 3D view.
    Dem {
        #[command(subcommand)]
        action: DemAction,
    },
    /// Build and load the synthetic Almaty demo layers (deterministic).
    DemoData {
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
enum UserAction {
    /// Create a user (or reset its password and roles when it exists).
    Add {
        login: String,
        /// The password (else QALA_USER_PASSWORD).
        #[arg(long, env = "QALA_USER_PASSWORD", hide_env_values = true)]
        password: String,
        /// Role (repeatable): viewer, editor, reviewer, applicant, org_admin, admin.
        #[arg(long = "role", default_value = "viewer")]
        roles: Vec<String>,
        #[arg(long, default_value = "")]
        full_name: String,
        /// Organisation id (created when missing).
        #[arg(long)]
        org: Option<String>,
        /// Department id within the organisation (created when missing).
        #[arg(long)]
        dept: Option<String>,
        #[arg(long, default_value = "ru")]
        lang: String,
    },
    /// List users.
    List,
}

#[derive(Debug, Subcommand)]
enum DbAction {
    /// Create (if needed) and start the cluster; it keeps running.
    Start,
    /// Stop the cluster.
    Stop,
    /// Print whether the cluster runs, and where.
    Status,
    /// Print the connection URL of the running cluster.
    Url,
}

#[derive(Debug, Subcommand)]
enum LayersAction {
    /// List the layers of the catalog (validates every file).
    List,
    /// Print one layer's definition as JSON.
    Show { id: String },
    /// Write the catalog into the database.
    Sync,
}

/// Which tiles: a zoom range and an area (a bbox, a KATO unit's boundary, or the layer's extent).
#[derive(Debug, clap::Args)]
struct TileArea {
    /// Zoom levels, e.g. 8-14.
    #[arg(long, value_parser = qala::tiles::seed::parse_zooms)]
    zooms: (u8, u8),
    /// min_lon,min_lat,max_lon,max_lat (WGS84).
    #[arg(long, value_parser = qala::tiles::seed::parse_bbox, conflicts_with = "kato")]
    bbox: Option<[f64; 4]>,
    /// The bbox of this KATO unit's boundary.
    #[arg(long)]
    kato: Option<String>,
}

#[derive(Debug, Subcommand)]
enum TilesAction {
    /// Request every tile of a layer from a running server, so that its cache holds them.
    Seed {
        #[arg(long)]
        layer: String,
        #[command(flatten)]
        area: TileArea,
        /// The server to warm.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server: String,
    },
    /// Render tiles of one or more layers from the database into a file for offline use.
    Export {
        /// Layers, comma-separated (a composite).
        #[arg(long)]
        layer: String,
        #[command(flatten)]
        area: TileArea,
        /// Output format.
        #[arg(long, default_value = "mbtiles", value_parser = ["mbtiles"])]
        format: String,
        #[arg(long)]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum DemAction {
    /// Register a DEM (any raster GDAL reads; copied into <data-dir>/dem as EPSG:4326 GeoTIFF).
    Add {
        /// Id of the DEM in URLs: /terrain/<id>.json.
        id: String,
        file: PathBuf,
        /// Attribution shown on the map.
        #[arg(long, default_value = "")]
        attribution: String,
        /// Title, as JSON `{"kk": ..., "ru": ..., "en": ...}`.
        #[arg(long, default_value = "{}")]
        title: String,
    },
    /// List the registered DEMs.
    List,
    /// Remove a DEM.
    Remove { id: String },
}

#[derive(Debug, Subcommand)]
enum KatoAction {
    /// Import a KATO file (open-data CSV, stat.gov.kz layout, or a names file).
    Import { file: PathBuf },
    /// Attach boundaries from a polygon file to KATO units and re-assign features' codes.
    Boundaries {
        file: PathBuf,
        /// Field holding the nine-digit KATO code.
        #[arg(long, default_value = "kato")]
        code_field: String,
        /// Mark these boundaries as synthetic.
        #[arg(long)]
        synthetic: bool,
    },
}

fn parse_mapping(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.to_string(), b.to_string())),
        _ => Err(format!("`{s}` is not of the form source_field=attribute")),
    }
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("QALA_LOG")
                .unwrap_or_else(|_| "warn,qala=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn user_command(settings: &Settings, action: UserAction) -> Result<()> {
    use qala::auth::{password, policy::ROLES, store};
    let (db, _) = open_synced(settings).await?;
    match action {
        UserAction::Add { login, password: pw, roles, full_name, org, dept, lang } => {
            let login = login.trim().to_lowercase();
            if let Some(r) = roles.iter().find(|r| !ROLES.contains(&r.as_str())) {
                bail!("`{r}` is not a role ({})", ROLES.join(", "));
            }
            password::check_rule(&pw, &login).map_err(|e| anyhow::anyhow!("password {e}"))?;
            if let Some(o) = &org {
                store::upsert_org(&db.pool, o, o).await?;
                if let Some(d) = &dept {
                    store::upsert_dept(&db.pool, d, o, d).await?;
                }
            } else if dept.is_some() {
                bail!("--dept needs --org");
            }
            let hash = password::hash(&pw)?;
            let input = store::UserInput {
                login: Some(login.clone()),
                full_name: Some(full_name),
                org,
                dept,
                lang: Some(lang),
                roles: Some(roles),
                ..Default::default()
            };
            let user = match store::user_by_login(&db.pool, &login).await? {
                Some(_) => store::update_user(&db.pool, &login, Some(&hash), &input)
                    .await?
                    .context("user vanished")?,
                None => store::insert_user(&db.pool, &login, &hash, &input).await?,
            };
            qala::auth::journal::record(
                &db.pool,
                "admin",
                Some("qala:cli"),
                None,
                Some(&login),
                "ok",
                serde_json::json!({"action": "user add", "roles": user.roles}),
            )
            .await;
            println!("user {} ({})", user.login, user.roles.join(", "));
        }
        UserAction::List => {
            for u in store::users(&db.pool, None).await? {
                println!("{:<24} {:<8} {:<30} {}", u.login, u.status, u.roles.join(","), u.full_name);
            }
        }
    }
    db.close().await
}

fn load_catalog(settings: &Settings) -> Result<Vec<catalog::LayerDef>> {
    catalog::load_dir(&settings.layers_dir).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        anyhow::anyhow!("the layer catalog has errors:\n{}", lines.join("\n"))
    })
}

/// Opens the database and syncs the catalog into it.
async fn open_synced(settings: &Settings) -> Result<(Database, Vec<catalog::LayerDef>)> {
    let layers = load_catalog(settings)?;
    let db = Database::open(settings.database_url.as_deref(), &settings.data_dir).await?;
    sync::sync(&db.pool, &layers).await?;
    Ok((db, layers))
}

async fn run(cli: Cli) -> Result<()> {
    let settings = cli.settings;
    match cli.command {
        Command::Serve {
            bind,
            tile_cache_mb,
            cache_control,
            cors_origins,
            styles_dir,
            fonts_dir,
            max_upload_mb,
        } => {
            let (db, layers) = open_synced(&settings).await?;
            let http = qala::http::HttpSettings {
                tile_cache_bytes: tile_cache_mb << 20,
                cache_control,
                cors_origins: cors_origins.split(',').map(|s| s.trim().to_string()).collect(),
                styles_dir,
                fonts_dir,
                attachments_dir: settings.data_dir.join("attachments"),
                max_upload_bytes: max_upload_mb << 20,
                // issue 12: upload totals, the render gate, connections per print
                ..Default::default()
            };
            let state = qala::http::AppState::with_settings(db.pool.clone(), Catalog::new(layers), http);
            let result = qala::http::serve(state, &bind).await;
            db.close().await?;
            result
        }
        Command::Db { action } => db_command(&settings, action),
        Command::User { action } => user_command(&settings, action).await,
        Command::Layers { action } => layers_command(&settings, action).await,
        Command::Ingest { file, layer, srs, encoding, map, key, source_layer, report, actor } => {
            let (db, layers) = open_synced(&settings).await?;
            let catalog = Catalog::new(layers);
            let def = catalog
                .get(&layer)
                .with_context(|| format!("no layer `{layer}` in {}", settings.layers_dir.display()))?;
            let opts =
                ingest::IngestOptions { path: file, srs, encoding, map, key, source_layer, progress: true };
            let result = ingest::ingest(&db.pool, def, &opts, &actor).await;
            db.close().await?;
            let r = result?;
            let report_path = report.unwrap_or_else(|| {
                settings
                    .data_dir
                    .join("reports")
                    .join(format!("ingest-{layer}-{}.json", chrono::Utc::now().format("%Y%m%dT%H%M%S")))
            });
            if let Some(dir) = report_path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&report_path, serde_json::to_string_pretty(&r)?)
                .with_context(|| format!("cannot write the report {}", report_path.display()))?;
            let lang = cli_lang();
            let s = &r.summary;
            for rej in s.rejected.iter().take(20) {
                eprintln!("row {}: {}", rej.row, rej.reason);
            }
            if s.rejected.len() > 20 {
                eprintln!("... {} more in the report", s.rejected.len() - 20);
            }
            println!(
                "{}: {} {}, {} {} ({} new, {} updated, {} unchanged), {} {}, {} {} in {:.1} s; report: {}",
                r.layer,
                Msg::IngestRead.text(lang),
                s.read,
                Msg::IngestLoaded.text(lang),
                s.loaded,
                s.inserted,
                s.updated,
                s.unchanged,
                Msg::IngestRepaired.text(lang),
                s.repaired,
                Msg::IngestRejected.text(lang),
                s.rejected.len(),
                r.seconds,
                report_path.display()
            );
            Ok(())
        }
        Command::Kato { action } => {
            let (db, _) = open_synced(&settings).await?;
            let result = kato_command(&db, action).await;
            db.close().await?;
            result
        }
        Command::Tiles { action } => tiles_command(&settings, action).await,
        Command::Dem { action } => {
            let db = Database::open(settings.database_url.as_deref(), &settings.data_dir).await?;
            let result = dem_command(&db, &settings, action).await;
            db.close().await?;
            result
        }
        Command::DemoData { seed } => {
            let (db, layers) = open_synced(&settings).await?;
            let catalog = Catalog::new(layers);
            let result = async {
                let s = demo::load(&db.pool, &catalog, &settings.open_data_dir, seed, true).await?;
                let dem =
                    demo::register_dem(&db.pool, &settings.open_data_dir, &settings.data_dir.join("dem"))
                        .await?;
                anyhow::Ok((s, dem))
            }
            .await;
            db.close().await?;
            let (s, dem) = result?;
            match dem {
                Some(d) => println!(
                    "DEM `{}`: {:.0}-{:.0} m, terrain tiles at /terrain/{}.json",
                    d.id, d.min_m, d.max_m, d.id
                ),
                None => {
                    println!("no DEM in {}: the 3D view has no terrain", settings.open_data_dir.display())
                }
            }
            println!(
                "KATO units: {}, boundaries: {} (city: {})",
                s.kato_units, s.boundaries, s.city_boundary
            );
            for (id, l) in &s.layers {
                println!(
                    "  {id}: {} loaded ({} new, {} updated, {} unchanged), {} rejected",
                    l.loaded,
                    l.inserted,
                    l.updated,
                    l.unchanged,
                    l.rejected.len()
                );
            }
            Ok(())
        }
    }
}

fn db_command(settings: &Settings, action: DbAction) -> Result<()> {
    if settings.database_url.is_some() && !matches!(action, DbAction::Url) {
        bail!("DATABASE_URL is set: Qala uses that server and does not manage a cluster");
    }
    if let (Some(url), DbAction::Url) = (&settings.database_url, &action) {
        println!("{url}");
        return Ok(());
    }
    let c = cluster::Cluster::new(&settings.data_dir)?;
    match action {
        DbAction::Start => {
            let (port, started) = c.start()?;
            let what = if started { "started" } else { "already running" };
            println!("{what}: {} ({})", c.url(port), c.pg_dir().display());
        }
        DbAction::Stop => {
            if c.stop()? {
                println!("stopped");
            } else {
                println!("not running");
            }
        }
        DbAction::Status => match c.status()? {
            cluster::Status::NotInitialised => {
                println!("not initialised ({})", c.pg_dir().display())
            }
            cluster::Status::Stopped => println!("stopped ({})", c.pg_dir().display()),
            cluster::Status::Running { pid, port } => {
                println!("running: pid {pid}, {} ({})", c.url(port), c.pg_dir().display())
            }
        },
        DbAction::Url => match c.status()? {
            cluster::Status::Running { port, .. } => println!("{}", c.url(port)),
            _ => bail!("the cluster is not running: `qala db start`"),
        },
    }
    Ok(())
}

async fn layers_command(settings: &Settings, action: LayersAction) -> Result<()> {
    match action {
        LayersAction::List => {
            for l in load_catalog(settings)? {
                let access = if l.access.public { "public" } else { "restricted" };
                let synthetic = if l.metadata.synthetic { " synthetic" } else { "" };
                println!(
                    "{:<18} {:<8} {:<14} z{}-{} {access}{synthetic}  {}",
                    l.id,
                    l.geometry.as_str(),
                    l.theme,
                    l.min_zoom,
                    l.max_zoom,
                    l.title.ru
                );
            }
        }
        LayersAction::Show { id } => {
            let layers = load_catalog(settings)?;
            let l = layers.iter().find(|l| l.id == id).with_context(|| format!("no layer `{id}`"))?;
            println!("{}", serde_json::to_string_pretty(l)?);
        }
        LayersAction::Sync => {
            let (db, layers) = (
                Database::open(settings.database_url.as_deref(), &settings.data_dir).await?,
                load_catalog(settings)?,
            );
            let s = sync::sync(&db.pool, &layers).await;
            db.close().await?;
            let s = s?;
            println!(
                "added: {:?}, changed: {:?}, unchanged: {}, retired: {:?}",
                s.added,
                s.changed,
                s.unchanged.len(),
                s.retired
            );
        }
    }
    Ok(())
}

/// The bbox of the area: given, a KATO unit's boundary, or the extent of the layers' features.
async fn area_bbox(pool: &sqlx::PgPool, area: &TileArea, layers: &[&str]) -> Result<[f64; 4]> {
    if let Some(b) = area.bbox {
        return Ok(b);
    }
    if let Some(code) = &area.kato {
        let (_, bbox, _) =
            kato::store::unit(pool, code).await?.with_context(|| format!("no KATO unit {code}"))?;
        return bbox.with_context(|| format!("KATO unit {code} has no boundary"));
    }
    qala::tiles::layers_extent(pool, layers).await?.context("the layers have no features: give --bbox")
}

async fn tiles_command(settings: &Settings, action: TilesAction) -> Result<()> {
    let (db, layers) = open_synced(settings).await?;
    let catalog = Catalog::new(layers);
    let result = async {
        match action {
            TilesAction::Seed { layer, area, server } => {
                catalog.get(&layer).with_context(|| format!("no layer `{layer}`"))?;
                let bbox = area_bbox(&db.pool, &area, &[layer.as_str()]).await?;
                let s = qala::tiles::seed::seed(&server, &layer, bbox, area.zooms, true).await?;
                println!(
                    "{layer}: {} tiles ({} empty, {:.1} MB) in {:.1} s, {:.0} tiles/s",
                    s.tiles,
                    s.empty,
                    s.bytes as f64 / 1e6,
                    s.seconds,
                    s.tiles as f64 / s.seconds.max(1e-9)
                );
            }
            TilesAction::Export { layer, area, format: _, output } => {
                let ids: Vec<&str> = layer.split(',').map(str::trim).collect();
                let defs = ids
                    .iter()
                    .map(|id| catalog.get(id).cloned().with_context(|| format!("no layer `{id}`")))
                    .collect::<Result<Vec<_>>>()?;
                let bbox = area_bbox(&db.pool, &area, &ids).await?;
                let tiles = qala::tiles::TileService::new(db.pool.clone(), 0);
                let s =
                    qala::tiles::seed::export_mbtiles(&tiles, &defs, bbox, area.zooms, &output, true).await?;
                println!(
                    "{}: {} tiles ({} empty, {:.1} MB) in {:.1} s",
                    output.display(),
                    s.tiles,
                    s.empty,
                    s.bytes as f64 / 1e6,
                    s.seconds
                );
            }
        }
        Ok::<(), anyhow::Error>(())
    }
    .await;
    db.close().await?;
    result
}

async fn dem_command(db: &Database, settings: &Settings, action: DemAction) -> Result<()> {
    use qala::tiles::terrain;
    match action {
        DemAction::Add { id, file, attribution, title } => {
            let title: serde_json::Value =
                serde_json::from_str(&title).context("--title must be JSON such as {\"ru\": \"Рельеф\"}")?;
            let d =
                terrain::register(&db.pool, &settings.data_dir.join("dem"), &id, &file, title, &attribution)
                    .await?;
            println!(
                "registered `{}`: bounds {:?}, cell {:.6}°, heights {:.0}-{:.0} m, tiles up to z{}",
                d.id,
                d.bounds,
                d.cell_deg,
                d.min_m,
                d.max_m,
                d.max_zoom()
            );
        }
        DemAction::List => {
            for d in terrain::list(&db.pool).await? {
                println!("{}\t{:?}\t{:.0}-{:.0} m\t{}", d.id, d.bounds, d.min_m, d.max_m, d.source);
            }
        }
        DemAction::Remove { id } => {
            if !terrain::remove(&db.pool, &id).await? {
                bail!("no DEM `{id}` is registered");
            }
            println!("removed `{id}`");
        }
    }
    Ok(())
}

async fn kato_command(db: &Database, action: KatoAction) -> Result<()> {
    match action {
        KatoAction::Import { file } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let parsed = kato::parse::parse(&kato::parse::decode(&bytes))
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let s = kato::store::import_units(&db.pool, parsed, &file.display().to_string()).await?;
            for r in &s.rejected {
                eprintln!("line {}: {}", r.line, r.reason);
            }
            println!(
                "{:?} layout: {} units imported, {} rejected; {} units in the classifier",
                s.layout,
                s.imported,
                s.rejected.len(),
                s.total_units
            );
        }
        KatoAction::Boundaries { file, code_field, synthetic } => {
            let polygons = demo::read_polygons(&file, &code_field)?;
            let mut attached = 0;
            for (code, mp) in polygons {
                if !kato::is_code(&code) {
                    eprintln!("skipped `{code}`: not a nine-digit KATO code");
                    continue;
                }
                if kato::store::unit(&db.pool, &code).await?.is_none() {
                    eprintln!("skipped {code}: no such KATO unit (import the classifier first)");
                    continue;
                }
                let wkb = demo::wkb(&geo::Geometry::MultiPolygon(mp))?;
                match kato::store::upsert_boundary(
                    &db.pool,
                    &code,
                    &wkb,
                    &file.display().to_string(),
                    synthetic,
                )
                .await
                {
                    Ok(()) => attached += 1,
                    Err(e) => eprintln!("skipped {code}: {e:#}"),
                }
            }
            let changed = kato::store::reassign_features(&db.pool).await?;
            println!("{attached} boundaries attached; {changed} features got a new KATO code");
        }
    }
    Ok(())
}
