//! `qala demo-data`: the synthetic Almaty layers, KATO and the DEM.

use anyhow::Result;
use qala::config::Settings;
use qala::layers::{Catalog, demo};

/// Loads the demo data with `seed` and prints what was loaded.
pub async fn run(settings: &Settings, seed: u64) -> Result<()> {
    let (db, layers) = super::open_synced(settings).await?;
    let catalog = Catalog::new(layers);
    let result = async {
        let s = demo::load(&db.pool, &catalog, &settings.open_data_dir, seed, true).await?;
        let dem =
            demo::register_dem(&db.pool, &settings.open_data_dir, &settings.data_dir.join("dem")).await?;
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
    println!("KATO units: {}, boundaries: {} (city: {})", s.kato_units, s.boundaries, s.city_boundary);
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
