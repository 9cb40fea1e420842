//! `qala raster`: orthophotos and scanned topographic surveys shown under the vector layers
//! (`add`, `list`, `remove`); the work is in `qala::rasters::ingest`.

use anyhow::Result;
use clap::{ArgGroup, Subcommand};
use qala::config::Settings;
use qala::db::Database;
use qala::layers::catalog::{AccessDef, Translated};
use qala::rasters::{RasterKind, ingest};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum RasterAction {
    /// Register a GeoTIFF or COG in any CRS (warped once to an EPSG:3857 COG with overviews in
    /// <data-dir>/rasters/ID.tif). At most 8 GiB and 1.6 billion pixels, 8-bit, 1-4 bands.
    #[command(group(ArgGroup::new("access").required(true).multiple(true).args(["public", "roles", "orgs"])))]
    Add {
        file: PathBuf,
        /// Id in URLs (`/tiles/ID/{z}/{x}/{y}.png`): lower-case letters, digits and _.
        #[arg(long)]
        id: String,
        #[arg(long)]
        title_kk: String,
        #[arg(long)]
        title_ru: String,
        #[arg(long)]
        title_en: String,
        /// orthophoto, survey (a scanned topographic survey) or other.
        #[arg(long, value_parser = ["orthophoto", "survey", "other"])]
        kind: String,
        /// Readable by anyone.
        #[arg(long, conflicts_with_all = ["roles", "orgs"])]
        public: bool,
        /// Readable by these roles (comma-separated).
        #[arg(long, value_delimiter = ',')]
        roles: Vec<String>,
        /// Readable by members of these organisations (comma-separated).
        #[arg(long, value_delimiter = ',')]
        orgs: Vec<String>,
        /// Replace the raster with this id.
        #[arg(long)]
        replace: bool,
        /// No progress bars.
        #[arg(long)]
        quiet: bool,
    },
    /// List the registered rasters.
    List,
    /// Remove a raster and its file.
    Remove { id: String },
}

pub async fn run(settings: &Settings, action: RasterAction) -> Result<()> {
    let db = Database::open(settings.database_url.as_deref(), &settings.data_dir).await?;
    let result = run_on(&db, settings, action).await;
    db.close().await?;
    result
}

async fn run_on(db: &Database, settings: &Settings, action: RasterAction) -> Result<()> {
    let lang = qala::i18n::cli_lang();
    match action {
        RasterAction::Add {
            file,
            id,
            title_kk,
            title_ru,
            title_en,
            kind,
            public,
            roles,
            orgs,
            replace,
            quiet,
        } => {
            let spec = ingest::Spec {
                id,
                title: Translated { kk: title_kk, ru: title_ru, en: title_en },
                kind: RasterKind::parse(&kind).unwrap_or(RasterKind::Other),
                access: AccessDef { public, roles, orgs, ..Default::default() },
                replace,
                created_by: format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into())),
            };
            let show = !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
            let r = ingest::add(&db.pool, &settings.data_dir, &file, spec, lang, show).await?;
            println!(
                "registered `{}` ({}): {} band(s), {:.2} m a pixel, EPSG:4326 bounds {:?}, zoom {}-{}, from {} ({})",
                r.id,
                r.kind.as_str(),
                r.bands,
                r.resolution_m,
                r.bounds_4326,
                r.min_zoom,
                r.max_zoom,
                r.source_name,
                r.source_crs.lines().next().unwrap_or_default()
            );
        }
        RasterAction::List => {
            for r in qala::rasters::store::list(&db.pool).await? {
                let access = if r.access.public {
                    "public".to_string()
                } else {
                    format!("roles={} orgs={}", r.access.roles.join(","), r.access.orgs.join(","))
                };
                println!(
                    "{}\t{}\t{}\t{:.2} m\tz{}-{}\t{}\t{}",
                    r.id,
                    r.kind.as_str(),
                    access,
                    r.resolution_m,
                    r.min_zoom,
                    r.max_zoom,
                    r.source_name,
                    r.title.get(lang)
                );
            }
        }
        RasterAction::Remove { id } => {
            ingest::remove(&db.pool, &settings.data_dir, &id, lang).await?;
            println!("removed `{id}`");
        }
    }
    Ok(())
}
