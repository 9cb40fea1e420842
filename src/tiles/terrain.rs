//! Terrain tiles: elevation from a registered DEM as terrain-RGB PNG tiles (the Mapbox encoding
//! MapLibre's `raster-dem` source reads), for the 3D view of the web map.
//!
//! A DEM is registered once (`qala dem add`, or the demo for the Almaty DEM): GDAL copies it into
//! the data directory as a GeoTIFF in EPSG:4326 (warping it with `gdalwarp` when it is in another
//! CRS), and the `dems` table records its extent and cell size. A tile reads just the window of
//! the DEM under it through GDAL (in `spawn_blocking`) and samples it bilinearly at each of its
//! 256 x 256 pixel centres. DEMs are open reference data here (GEBCO, national relief): every
//! registered DEM is public, like the base map.
//!
//! Encoding (metres, 0.1 m steps): `height = -10000 + (R * 65536 + G * 256 + B) * 0.1`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use serde::Serialize;
use sqlx::PgPool;

use super::coords::{self, TileCoord};

/// Width and height of a terrain tile, in pixels.
pub const TILE_PX: u32 = 256;

/// Encodes a height in metres as terrain-RGB (clamped to the encodable range, -10,000 m to
/// 1,667,721.5 m, in 0.1 m steps).
///
/// ```
/// use qala::tiles::terrain::{decode_elevation, encode_elevation};
/// assert_eq!(encode_elevation(0.0), [1, 134, 160]);
/// assert!((decode_elevation(encode_elevation(4973.4)) - 4973.4).abs() < 0.051);
/// ```
pub fn encode_elevation(height_m: f64) -> [u8; 3] {
    let v = ((height_m + 10_000.0) * 10.0).round().clamp(0.0, 16_777_215.0) as u32;
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

/// The height in metres of a terrain-RGB pixel.
pub fn decode_elevation(rgb: [u8; 3]) -> f64 {
    -10_000.0 + f64::from(u32::from(rgb[0]) * 65_536 + u32::from(rgb[1]) * 256 + u32::from(rgb[2])) * 0.1
}

/// The zoom from which a DEM of `cell_deg` degrees at latitude `lat` has no more detail to give:
/// where a tile pixel becomes smaller than half a cell (MapLibre over-zooms beyond it).
///
/// ```
/// // 15 arc-seconds (about 460 m) at Almaty's latitude
/// assert_eq!(qala::tiles::terrain::max_zoom_for(15.0 / 3600.0, 43.2), 10);
/// ```
pub fn max_zoom_for(cell_deg: f64, lat: f64) -> u8 {
    let cell_m = cell_deg * 111_320.0 * lat.to_radians().cos();
    let world_px_m = (2.0 * coords::HALF_WORLD) / f64::from(TILE_PX) * lat.to_radians().cos();
    let z = (world_px_m / (cell_m / 2.0)).log2().ceil();
    z.clamp(0.0, 15.0) as u8
}

/// A registered DEM.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Dem {
    pub id: String,
    pub title: sqlx::types::Json<serde_json::Value>,
    pub attribution: String,
    /// The GeoTIFF (EPSG:4326) Qala reads.
    #[serde(skip)]
    pub file: String,
    /// Where it was registered from.
    pub source: String,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub bounds: Vec<f64>,
    /// Cell size in degrees.
    pub cell_deg: f64,
    pub min_m: f64,
    pub max_m: f64,
    /// When it was last registered (the hillshade's version follows it).
    pub registered_at: chrono::DateTime<chrono::Utc>,
}

impl Dem {
    pub fn max_zoom(&self) -> u8 {
        max_zoom_for(self.cell_deg, (self.bounds[1] + self.bounds[3]) / 2.0)
    }

    fn bbox(&self) -> [f64; 4] {
        [self.bounds[0], self.bounds[1], self.bounds[2], self.bounds[3]]
    }
}

/// Every registered DEM, by id.
pub async fn list(pool: &PgPool) -> sqlx::Result<Vec<Dem>> {
    sqlx::query_as(include_str!("sql/dem_list.sql")).fetch_all(pool).await
}

/// What GDAL says of a DEM file: extent, cell size, heights, and whether it is in EPSG:4326.
#[derive(Debug)]
struct RasterFacts {
    bounds: [f64; 4],
    cell_deg: f64,
    min_m: f64,
    max_m: f64,
}

fn is_wgs84_lonlat(ds: &gdal::Dataset) -> bool {
    ds.spatial_ref()
        .ok()
        .and_then(|s| s.auth_code().ok().map(|c| (c, s.auth_name())))
        .is_some_and(|(code, name)| code == 4326 && name.as_deref() == Some("EPSG"))
}

fn facts(path: &Path) -> Result<RasterFacts> {
    let ds = gdal::Dataset::open(path).with_context(|| format!("GDAL cannot open {}", path.display()))?;
    if ds.raster_count() < 1 {
        bail!("{} has no raster band", path.display());
    }
    let gt = ds.geo_transform().context("the DEM has no geotransform")?;
    if gt[2] != 0.0 || gt[4] != 0.0 {
        bail!("the DEM is rotated; warp it first");
    }
    let (w, h) = ds.raster_size();
    let band = ds.rasterband(1)?;
    let stats = band.compute_raster_min_max(false).context("cannot read the DEM's heights")?;
    let (x0, y0) = (gt[0], gt[3]);
    let (x1, y1) = (x0 + gt[1] * w as f64, y0 + gt[5] * h as f64);
    Ok(RasterFacts {
        bounds: [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)],
        cell_deg: gt[1].abs().min(gt[5].abs()),
        min_m: stats.min,
        max_m: stats.max,
    })
}

/// Registers the DEM in `source` as `id`: copies it into `dem_dir` as an EPSG:4326 GeoTIFF
/// (warping with `gdalwarp` when it is in another CRS) and records it. Registering an id again
/// replaces it.
pub async fn register(
    pool: &PgPool,
    dem_dir: &Path,
    id: &str,
    source: &Path,
    title: serde_json::Value,
    attribution: &str,
) -> Result<Dem> {
    if !crate::layers::catalog::is_valid_id(id) {
        bail!("`{id}` is not a valid id: lower-case letters, digits and _, starting with a letter");
    }
    let source = source.canonicalize().with_context(|| format!("{} does not exist", source.display()))?;
    std::fs::create_dir_all(dem_dir).with_context(|| format!("cannot create {}", dem_dir.display()))?;
    let target: PathBuf = dem_dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dem_dir.display()))?
        .join(format!("{id}.tif"));
    let (src, dst) = (source.clone(), target.clone());
    let facts = tokio::task::spawn_blocking(move || -> Result<RasterFacts> {
        let ds = gdal::Dataset::open(&src).with_context(|| format!("GDAL cannot open {}", src.display()))?;
        let tmp = dst.with_extension("tmp.tif");
        if is_wgs84_lonlat(&ds) {
            let driver = gdal::DriverManager::get_driver_by_name("GTiff")?;
            let mut options = gdal::raster::RasterCreationOptions::new();
            options.add_name_value("COMPRESS", "DEFLATE")?;
            ds.create_copy(&driver, &tmp, &options).context("cannot copy the DEM")?;
        } else {
            drop(ds);
            let out = std::process::Command::new("gdalwarp")
                .args([
                    "-q",
                    "-overwrite",
                    "-t_srs",
                    "EPSG:4326",
                    "-r",
                    "bilinear",
                    "-co",
                    "COMPRESS=DEFLATE",
                ])
                .arg(&src)
                .arg(&tmp)
                .output()
                .context("cannot run gdalwarp (Debian package gdal-bin)")?;
            if !out.status.success() {
                bail!("gdalwarp failed: {}", String::from_utf8_lossy(&out.stderr).trim());
            }
        }
        std::fs::rename(&tmp, &dst)?;
        facts(&dst)
    })
    .await??;
    let dem: Dem = sqlx::query_as(include_str!("sql/dem_upsert.sql"))
        .bind(id)
        .bind(sqlx::types::Json(title))
        .bind(attribution)
        .bind(target.to_string_lossy().as_ref())
        .bind(source.to_string_lossy().as_ref())
        .bind(facts.bounds.to_vec())
        .bind(facts.cell_deg)
        .bind(facts.min_m)
        .bind(facts.max_m)
        .fetch_one(pool)
        .await?;
    notify_hillshade(pool).await?;
    Ok(dem)
}

/// Tells the rasters' listeners that the DEMs changed (the hillshade raster is drawn from them).
async fn notify_hillshade(pool: &PgPool) -> Result<()> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(crate::rasters::CHANNEL)
        .bind(crate::rasters::HILLSHADE_ID)
        .execute(pool)
        .await?;
    Ok(())
}

/// Removes a DEM's registration and its copy; `false` when there was none.
pub async fn remove(pool: &PgPool, id: &str) -> Result<bool> {
    let file: Option<String> = sqlx::query_scalar("DELETE FROM dems WHERE id = $1 RETURNING file")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    if let Some(f) = &file {
        let _ = std::fs::remove_file(f);
        notify_hillshade(pool).await?;
    }
    Ok(file.is_some())
}

/// Renders one terrain tile of `dem` as PNG; `None` when the tile is outside the DEM.
///
/// Blocking (GDAL): call it in `spawn_blocking`.
pub fn render(dem: &Dem, coord: TileCoord) -> Result<Option<Vec<u8>>> {
    if !coords::touches(&coord, dem.bbox()) {
        return Ok(None);
    }
    let ds = gdal::Dataset::open(&dem.file).with_context(|| format!("cannot open {}", dem.file))?;
    let gt = ds.geo_transform()?;
    let (w, h) = ds.raster_size();
    let band = ds.rasterband(1)?;
    let nodata = band.no_data_value();
    // Lon/lat of every pixel centre; the window of cells that covers them (one cell of margin for
    // bilinear sampling), clamped to the raster.
    let [minx, _, maxx, maxy] = coord.bounds_3857();
    let px = (maxx - minx) / f64::from(TILE_PX);
    let n = TILE_PX as usize;
    let lons: Vec<f64> = (0..n).map(|i| coords::from_3857(minx + (i as f64 + 0.5) * px, 0.0).0).collect();
    let lats: Vec<f64> = (0..n).map(|j| coords::from_3857(0.0, maxy - (j as f64 + 0.5) * px).1).collect();
    let col_of = |lon: f64| (lon - gt[0]) / gt[1] - 0.5;
    let row_of = |lat: f64| (lat - gt[3]) / gt[5] - 0.5;
    let clamp_col = |c: f64| c.clamp(0.0, (w - 1) as f64);
    let clamp_row = |r: f64| r.clamp(0.0, (h - 1) as f64);
    let (c0, c1) = {
        let (a, b) = (clamp_col(col_of(lons[0])), clamp_col(col_of(lons[n - 1])));
        (a.min(b).floor() as usize, (a.max(b).ceil() as usize).min(w - 1))
    };
    let (r0, r1) = {
        let (a, b) = (clamp_row(row_of(lats[0])), clamp_row(row_of(lats[n - 1])));
        (a.min(b).floor() as usize, (a.max(b).ceil() as usize).min(h - 1))
    };
    let (ww, wh) = (c1 - c0 + 1, r1 - r0 + 1);
    // A large window (a low zoom over a big DEM) is read reduced by GDAL, at most 1024 cells a side.
    let (bw, bh) = (ww.min(1024), wh.min(1024));
    let buf = band.read_as::<f64>(
        (c0 as isize, r0 as isize),
        (ww, wh),
        (bw, bh),
        Some(gdal::raster::ResampleAlg::Average),
    )?;
    let data = buf.data();
    let (sx, sy) = (ww as f64 / bw as f64, wh as f64 / bh as f64);
    let cell = |x: usize, y: usize| {
        let v = data[y * bw + x];
        if nodata.is_some_and(|nd| v == nd) || v.is_nan() { 0.0 } else { v }
    };
    let mut img = image::RgbImage::new(TILE_PX, TILE_PX);
    for (j, &lat) in lats.iter().enumerate() {
        let fy = ((clamp_row(row_of(lat)) - r0 as f64 + 0.5) / sy - 0.5).clamp(0.0, (bh - 1) as f64);
        let (y0, ty) = (fy.floor() as usize, fy.fract());
        let y1 = (y0 + 1).min(bh - 1);
        for (i, &lon) in lons.iter().enumerate() {
            let fx = ((clamp_col(col_of(lon)) - c0 as f64 + 0.5) / sx - 0.5).clamp(0.0, (bw - 1) as f64);
            let (x0, tx) = (fx.floor() as usize, fx.fract());
            let x1 = (x0 + 1).min(bw - 1);
            let top = cell(x0, y0) * (1.0 - tx) + cell(x1, y0) * tx;
            let bottom = cell(x0, y1) * (1.0 - tx) + cell(x1, y1) * tx;
            let height = top * (1.0 - ty) + bottom * ty;
            img.put_pixel(i as u32, j as u32, image::Rgb(encode_elevation(height)));
        }
    }
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    Ok(Some(png))
}

/// Registered DEMs and their rendered tiles, cached in memory (tiles never change while a DEM is
/// registered; registering again clears them).
#[derive(Debug, Clone)]
pub struct TerrainService {
    pool: PgPool,
    tiles: moka::future::Cache<(String, u8, u32, u32), Option<Bytes>>,
}

impl TerrainService {
    pub fn new(pool: PgPool) -> TerrainService {
        TerrainService {
            pool,
            tiles: moka::future::Cache::builder()
                .weigher(|_, v: &Option<Bytes>| {
                    v.as_ref().map_or(1, |b| b.len().try_into().unwrap_or(u32::MAX))
                })
                .max_capacity(64 << 20)
                .build(),
        }
    }

    pub async fn dems(&self) -> sqlx::Result<Vec<Dem>> {
        list(&self.pool).await
    }

    pub async fn dem(&self, id: &str) -> sqlx::Result<Option<Dem>> {
        Ok(self.dems().await?.into_iter().find(|d| d.id == id))
    }

    /// The PNG of a tile, `None` outside the DEM.
    pub async fn tile(&self, dem: Arc<Dem>, coord: TileCoord) -> Result<Option<Bytes>, Arc<anyhow::Error>> {
        let key = (dem.id.clone(), coord.z, coord.x, coord.y);
        self.tiles
            .try_get_with(key, async move {
                tokio::task::spawn_blocking(move || render(&dem, coord).map(|o| o.map(Bytes::from)))
                    .await
                    .map_err(anyhow::Error::from)?
            })
            .await
    }

    pub fn clear(&self) {
        self.tiles.invalidate_all();
    }
}
