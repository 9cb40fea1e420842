//! The commands of the `qala` binary, one file each, and what they share.

// issue 16: backups and restore
pub mod backup;
pub mod db;
pub mod dem;
pub mod demo;
pub mod eds;
pub mod ingest;
pub mod kato;
pub mod layers;
pub mod open311;
// issue 17: GeoTIFF rasters
pub mod raster;
// issue 16: the usage report and the security monitoring's flags
pub mod report;
pub mod serve;
pub mod services;
pub mod tiles;
// issue 16: HTTPS flags of serve
pub mod tls;
pub mod user;

use anyhow::Result;
use qala::config::Settings;
use qala::db::Database;
use qala::layers::{catalog, sync};

pub fn load_catalog(settings: &Settings) -> Result<Vec<catalog::LayerDef>> {
    catalog::load_dir(&settings.layers_dir).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        anyhow::anyhow!("the layer catalog has errors:\n{}", lines.join("\n"))
    })
}

/// Opens the database and syncs the catalog into it.
pub async fn open_synced(settings: &Settings) -> Result<(Database, Vec<catalog::LayerDef>)> {
    let layers = load_catalog(settings)?;
    let db = Database::open(settings.database_url.as_deref(), &settings.data_dir).await?;
    sync::sync(&db.pool, &layers).await?;
    Ok((db, layers))
}
