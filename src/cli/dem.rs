//! `qala dem`: DEMs for terrain tiles.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use qala::config::Settings;
use qala::db::Database;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum DemAction {
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

pub async fn run(settings: &Settings, action: DemAction) -> Result<()> {
    let db = Database::open(settings.database_url.as_deref(), &settings.data_dir).await?;
    let result = run_on(&db, settings, action).await;
    db.close().await?;
    result
}

async fn run_on(db: &Database, settings: &Settings, action: DemAction) -> Result<()> {
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
