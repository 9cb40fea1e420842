//! Rasters: orthophotos and scanned topographic surveys registered by the operator, and the
//! hillshade of the registered DEMs, read as premultiplied RGBA images for raster tiles, WMS,
//! WMTS and printed maps (issue 17).
//!
//! - [`store`]: the `rasters` table (migration 0032) and the change notifications on
//!   [`CHANNEL`];
//! - [`ingest`]: `qala raster add`: a GeoTIFF or COG in any CRS GDAL knows, warped once to
//!   EPSG:3857 into `<data-dir>/rasters/ID.tif` as a COG with internal overviews;
//! - [`read`]: the window under a bbox in 3857, 4326 or any EPSG CRS, from the right overview;
//! - [`hillshade`]: Horn's hillshade of the DEMs (`tiles::terrain`), the raster `hillshade`;
//! - [`RasterService`]: what the HTTP side holds: the definitions (cached, kept fresh by
//!   [`CHANNEL`]), who may read which ([`crate::policy::may_read_raster`]) and bounded reads.
//!
//! Nothing here knows HTTP.

pub mod hillshade;
pub mod ingest;
pub mod read;
pub mod store;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::layers::catalog::{AccessDef, Translated};
use crate::policy::Caller;

/// The channel on which adding, replacing or removing a raster is notified; the payload is the
/// raster's id. Caches of its tiles drop them.
pub const CHANNEL: &str = "qala_rasters";

/// The id of the hillshade raster (present when a DEM is registered).
pub const HILLSHADE_ID: &str = "hillshade";

/// Largest image [`RasterService::read`] makes, in pixels a side.
pub const MAX_READ_PX: u32 = 4096;

/// Reads running at once (each holds a blocking thread).
pub const CONCURRENT_READS: usize = 8;

/// What a raster shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RasterKind {
    Orthophoto,
    /// A scanned topographic survey.
    Survey,
    Other,
    /// The hillshade of the DEMs (not registered; computed).
    Hillshade,
}

impl RasterKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RasterKind::Orthophoto => "orthophoto",
            RasterKind::Survey => "survey",
            RasterKind::Other => "other",
            RasterKind::Hillshade => "hillshade",
        }
    }

    /// A kind a registered raster may have (`hillshade` is not one).
    pub fn parse(s: &str) -> Option<RasterKind> {
        match s {
            "orthophoto" => Some(RasterKind::Orthophoto),
            "survey" => Some(RasterKind::Survey),
            "other" => Some(RasterKind::Other),
            _ => None,
        }
    }
}

/// A raster as the server knows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RasterDef {
    pub id: String,
    pub title: Translated,
    pub kind: RasterKind,
    /// Who may read it (`features` is not used).
    pub access: AccessDef,
    /// Qala's EPSG:3857 GeoTIFF, relative to the data directory (empty for the hillshade).
    pub file: String,
    /// The file name it was registered from, and its SHA-256 (hex).
    pub source_name: String,
    pub source_sha256: String,
    /// The source's CRS as given: `EPSG:28413`, or its WKT.
    pub source_crs: String,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub bounds_4326: [f64; 4],
    /// `[xmin, ymin, xmax, ymax]` in EPSG:3857 metres.
    pub bounds_3857: [f64; 4],
    /// Ground size of a pixel, in metres (at the raster's centre).
    pub resolution_m: f64,
    pub bands: u8,
    pub min_zoom: u8,
    /// Where a tile pixel is half a source pixel; beyond it maps over-zoom.
    pub max_zoom: u8,
    pub nodata: Option<f64>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl RasterDef {
    /// Whether `[xmin, ymin, xmax, ymax]` (EPSG:3857) touches the raster.
    pub fn touches_3857(&self, b: [f64; 4]) -> bool {
        let r = self.bounds_3857;
        b[0] < r[2] && b[2] > r[0] && b[1] < r[3] && b[3] > r[1]
    }
}

/// The zoom from which a raster of `pixel_3857` metres (EPSG:3857 units) has no more detail to
/// give: where a 256 px tile's pixel is half a source pixel (as `terrain::max_zoom_for`).
///
/// ```
/// // 1 m on the ground at Almaty's latitude is about 1.37 m of EPSG:3857
/// assert_eq!(qala::rasters::max_zoom_for(1.37), 18);
/// ```
pub fn max_zoom_for(pixel_3857: f64) -> u8 {
    let tile0_px = 2.0 * crate::tiles::coords::HALF_WORLD / 256.0;
    let z = (tile0_px / (pixel_3857 / 2.0)).log2().ceil();
    if z.is_finite() { z.clamp(0.0, f64::from(crate::tiles::coords::MAX_ZOOM)) as u8 } else { 0 }
}

/// The zoom below which a raster of this 3857 extent is smaller than a few pixels (maps do not
/// ask for it there): where its larger side spans about an eighth of a 256 px tile.
pub fn min_zoom_for(bounds_3857: [f64; 4], max_zoom: u8) -> u8 {
    let side = (bounds_3857[2] - bounds_3857[0]).max(bounds_3857[3] - bounds_3857[1]).max(1.0);
    let z = (2.0 * crate::tiles::coords::HALF_WORLD / side).log2().floor() - 3.0;
    (z.clamp(0.0, 24.0) as u8).min(max_zoom)
}

#[derive(Debug, Default)]
struct Cached {
    defs: Option<Arc<Vec<RasterDef>>>,
    listening: bool,
    /// Counts invalidations: a list read while one happened is not kept.
    generation: u64,
}

/// The rasters of a server: definitions, access and reads. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RasterService {
    pool: PgPool,
    data_dir: PathBuf,
    cached: Arc<RwLock<Cached>>,
    listen: Arc<tokio::sync::Mutex<()>>,
    reads: Arc<tokio::sync::Semaphore>,
}

impl RasterService {
    /// The rasters recorded in `pool`, whose files are under `data_dir`.
    pub fn new(pool: PgPool, data_dir: impl Into<PathBuf>) -> RasterService {
        RasterService {
            pool,
            data_dir: data_dir.into(),
            cached: Arc::default(),
            listen: Arc::default(),
            reads: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_READS)),
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Every raster, the hillshade first when a DEM is registered. Cached until a notification on
    /// [`CHANNEL`] (registering or removing a DEM notifies it too, for the hillshade) or
    /// [`RasterService::invalidate`]; the first call starts listening.
    pub async fn all(&self) -> anyhow::Result<Arc<Vec<RasterDef>>> {
        if let Some(defs) = self.cached.read().unwrap_or_else(|p| p.into_inner()).defs.clone() {
            return Ok(defs);
        }
        self.ensure_listening().await?;
        let generation = self.cached.read().unwrap_or_else(|p| p.into_inner()).generation;
        let mut defs = Vec::new();
        let dems = crate::tiles::terrain::list(&self.pool).await?;
        if let Some(h) = hillshade::definition(&dems) {
            defs.push(h);
        }
        defs.extend(store::list(&self.pool).await?);
        let defs = Arc::new(defs);
        let mut c = self.cached.write().unwrap_or_else(|p| p.into_inner());
        if c.listening && c.generation == generation {
            c.defs = Some(defs.clone());
        }
        Ok(defs)
    }

    async fn ensure_listening(&self) -> anyhow::Result<()> {
        let _one = self.listen.lock().await;
        if self.cached.read().unwrap_or_else(|p| p.into_inner()).listening {
            return Ok(());
        }
        let (on_change, on_gap) = (self.clone(), self.clone());
        crate::db::listen::spawn(
            self.pool.clone(),
            CHANNEL,
            move |_id| on_change.invalidate(),
            move || on_gap.invalidate(),
        )
        .await?;
        self.cached.write().unwrap_or_else(|p| p.into_inner()).listening = true;
        Ok(())
    }

    /// Forgets the cached definitions (they are read again on next use).
    pub fn invalidate(&self) {
        let mut c = self.cached.write().unwrap_or_else(|p| p.into_inner());
        c.defs = None;
        c.generation += 1;
    }

    /// The rasters `caller` may read, by id (the hillshade first).
    pub async fn readable(&self, caller: &Caller) -> anyhow::Result<Vec<RasterDef>> {
        Ok(self.all().await?.iter().filter(|r| crate::policy::may_read_raster(caller, r)).cloned().collect())
    }

    /// The raster `id` when `caller` may read it; `None` as well when there is none (a raster the
    /// caller may not read looks like one that does not exist).
    pub async fn get_readable(&self, caller: &Caller, id: &str) -> anyhow::Result<Option<RasterDef>> {
        Ok(self
            .all()
            .await?
            .iter()
            .find(|r| r.id == id && crate::policy::may_read_raster(caller, r))
            .cloned())
    }

    /// The image of raster `id` covering exactly `bbox` (`[xmin, ymin, xmax, ymax]` in the CRS
    /// `srid`, x east and y north: lon/lat for 4326) at `width` x `height` pixels, premultiplied
    /// RGBA, transparent outside the raster; `None` when the bbox misses it or there is no such
    /// raster. No access check: ask [`RasterService::get_readable`] first.
    ///
    /// Bounded: at most [`MAX_READ_PX`] a side, [`CONCURRENT_READS`] at once; reads the overview
    /// nearest the requested resolution.
    pub async fn read(
        &self,
        id: &str,
        srid: u32,
        bbox: [f64; 4],
        width: u32,
        height: u32,
    ) -> anyhow::Result<Option<tiny_skia::Pixmap>> {
        read::check_request(bbox, width, height)?;
        let defs = self.all().await?;
        let Some(def) = defs.iter().find(|r| r.id == id).cloned() else {
            return Ok(None);
        };
        let _permit = self.reads.acquire().await?;
        let req = read::Request { srid, bbox, width, height };
        if def.kind == RasterKind::Hillshade {
            let dems = crate::tiles::terrain::list(&self.pool).await?;
            return tokio::task::spawn_blocking(move || hillshade::read(&dems, &req)).await?;
        }
        let path = self.data_dir.join(&def.file);
        tokio::task::spawn_blocking(move || read::read(&def, &path, &req)).await?
    }
}
