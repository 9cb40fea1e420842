//! The `qala` command: server, database, catalog, ingest, KATO and demo data. Each command lives
//! in its own file under `src/cli/`.

mod cli;

/// mimalloc instead of glibc's malloc: cutting tiles in process makes and drops many small
/// geometry and tag buffers per tile, and glibc's free lists (`unlink_chunk`,
/// `malloc_consolidate`) took 40 % of a cold tile's time in perf (issue 18).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Result;
use clap::{Parser, Subcommand};

use qala::config::Settings;

#[derive(Debug, Parser)]
#[command(name = "qala", version, about = "GIS tile and geodata server for city governments")]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start: the size of `serve`'s settings does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve(cli::serve::ServeArgs),
    /// Users: `qala user add LOGIN --role admin` bootstraps the first administrator.
    User {
        #[command(subcommand)]
        action: cli::user::UserAction,
    },
    /// Qala's own PostgreSQL cluster (used when DATABASE_URL is not set).
    Db {
        #[command(subcommand)]
        action: cli::db::DbAction,
    },
    /// The layer catalog (files in the layers directory).
    Layers {
        #[command(subcommand)]
        action: cli::layers::LayersAction,
    },
    /// Services (`services/*.toml`): check, sync, list.
    Services {
        #[command(subcommand)]
        action: cli::services::ServicesAction,
    },
    /// Open311 GeoReport v2: the API keys of its clients.
    Open311 {
        #[command(subcommand)]
        action: cli::open311::Open311Action,
    },
    /// Import a vector file (GeoJSON, Shapefile, GeoPackage, KML, CSV) into a layer.
    Ingest(cli::ingest::IngestArgs),
    /// The KATO classifier.
    Kato {
        #[command(subcommand)]
        action: cli::kato::KatoAction,
    },
    /// Vector tiles: warm a server's cache, export MBTiles.
    Tiles {
        #[command(subcommand)]
        action: cli::tiles::TilesAction,
    },
    /// DEMs (elevation rasters) for terrain tiles and the 3D view.
    Dem {
        #[command(subcommand)]
        action: cli::dem::DemAction,
    },
    /// Rasters (orthophotos, topographic surveys): `add FILE --id ..`, `list`, `remove ID`.
    Raster {
        #[command(subcommand)]
        action: cli::raster::RasterAction,
    },
    /// EDS (NCA CMS signatures): `qala eds verify --cms FILE`, `qala eds roots`.
    Eds {
        #[command(subcommand)]
        action: cli::eds::EdsAction,
    },
    /// A base backup of Qala's own cluster now (verified); `list`, `verify ID`.
    Backup(cli::backup::BackupArgs),
    /// Build a new data directory from the backups (point-in-time recovery).
    Restore(cli::backup::RestoreArgs),
    /// Reports: `qala report usage --quarter 2026-Q4 --format xlsx --out FILE`.
    Report {
        #[command(subcommand)]
        action: cli::report::ReportAction,
    },
    /// Build and load the synthetic Almaty demo layers (deterministic).
    DemoData {
        #[arg(long, default_value_t = qala::layers::demo::DEFAULT_SEED)]
        seed: u64,
    },
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

async fn run(cli: Cli) -> Result<()> {
    let settings = &cli.settings;
    match cli.command {
        Command::Serve(args) => cli::serve::run(settings, args).await,
        Command::Db { action } => cli::db::run(settings, action),
        Command::User { action } => cli::user::run(settings, action).await,
        Command::Layers { action } => cli::layers::run(settings, action).await,
        Command::Services { action } => cli::services::run(settings, action).await,
        Command::Open311 { action } => cli::open311::run(settings, action).await,
        Command::Ingest(args) => cli::ingest::run(settings, args).await,
        Command::Kato { action } => cli::kato::run(settings, action).await,
        Command::Tiles { action } => cli::tiles::run(settings, action).await,
        Command::Dem { action } => cli::dem::run(settings, action).await,
        Command::Raster { action } => cli::raster::run(settings, action).await,
        Command::Eds { action } => match cli::eds::run(settings, action).await? {
            0 => Ok(()),
            code => std::process::exit(code.into()),
        },
        Command::Backup(args) => cli::backup::run(settings, args).await,
        Command::Restore(args) => cli::backup::restore(settings, args).await,
        Command::Report { action } => cli::report::run(settings, action).await,
        Command::DemoData { seed } => cli::demo::run(settings, seed).await,
    }
}
