//! `qala tiles`: seeding a server's cache and exporting MBTiles.

use anyhow::{Context, Result};
use clap::Subcommand;
use qala::config::Settings;
use qala::layers::{Catalog, kato};
use std::path::PathBuf;

/// Which tiles: a zoom range and an area (a bbox, a KATO unit's boundary, or the layer's extent).
#[derive(Debug, clap::Args)]
pub struct TileArea {
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
pub enum TilesAction {
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
    /// Compare a layer's tiles cut in process (issue 18) with PostGIS's over a list of tiles
    /// (lines ending in z/x/y, e.g. a wrk path list): features, attributes, geometry within a pixel.
    CompareMemory {
        #[arg(long)]
        layer: String,
        /// The file of tiles, one a line.
        #[arg(long)]
        list: PathBuf,
    },
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

pub async fn run(settings: &Settings, action: TilesAction) -> Result<()> {
    let (db, layers) = super::open_synced(settings).await?;
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
            TilesAction::CompareMemory { layer, list } => {
                let def = catalog.get(&layer).cloned().with_context(|| format!("no layer `{layer}`"))?;
                let text = std::fs::read_to_string(&list).with_context(|| format!("cannot read {}", list.display()))?;
                let tiles: Vec<_> = text.lines().filter_map(qala::tiles::memory::check::parse_tile).collect();
                anyhow::ensure!(tiles.len() <= 1_000_000, "at most 1,000,000 tiles a run");
                let r = qala::tiles::memory::check::check_layer(&db.pool, &def, &tiles).await?;
                for (t, d) in &r.differences {
                    println!("{}/{}/{}: {d}", t.z, t.x, t.y);
                }
                println!(
                    "{layer}: {} features, {:.1} MB in memory ({:.0} bytes a feature), loaded in {:.1} s; {} tiles, {} differ, {} features compared; cut in memory {:.1} ms a tile, by PostGIS {:.1} ms",
                    r.features_loaded,
                    r.bytes as f64 / 1e6,
                    r.bytes as f64 / r.features_loaded.max(1) as f64,
                    r.load_time.as_secs_f64(),
                    r.tiles,
                    r.tiles_differing,
                    r.features_compared,
                    r.memory_time.as_secs_f64() * 1e3 / r.tiles.max(1) as f64,
                    r.postgis_time.as_secs_f64() * 1e3 / r.tiles.max(1) as f64
                );
                anyhow::ensure!(r.tiles_differing == 0, "{} tiles differ", r.tiles_differing);
            }
        }
        Ok::<(), anyhow::Error>(())
    }
    .await;
    db.close().await?;
    result
}
