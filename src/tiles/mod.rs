//! Vector tiles: MVT cut by PostGIS from the layers' features, generalised by zoom, cached in
//! memory, invalidated precisely when features change.
//!
//! - [`coords`]: tile math (pure);
//! - [`TileService`]: renders a tile of one or more layers through the byte-bounded cache, which
//!   merges concurrent requests for the same tile into one query;
//! - [`invalidate`]: listens for `qala_features` notifications (sent by triggers, so edits from
//!   QGIS count too) and evicts exactly the cached tiles that touch the changed extents;
//! - [`routes`]: `/tiles`, TileJSON, `/tiles/{layers}/{z}/{x}/{y}.mvt`;
//! - [`styles`] and [`fonts`]: MapLibre styles for the caller and glyphs for labels;
//! - [`seed`]: warming a server's cache and exporting MBTiles.
//! - [`terrain`]: terrain-RGB tiles from registered DEMs, for the 3D view.
//!
//! The cache key is the list of layers actually rendered (after the access policy removed the
//! ones the caller may not read) and the tile, so a cached tile only ever holds layers its reader
//! may read, whoever asked first.

pub mod coords;
pub mod fonts;
pub mod invalidate;
// issue 18: tiles cut in process
pub mod memory;
// issue 17: raster tiles (images of the print renderer through this cache)
pub mod raster_tiles;
pub mod seed;
pub mod styles;
pub mod terrain;
pub mod tilejson;

use std::sync::Arc;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::layers::catalog::{GeometryType, LayerDef};
use crate::policy::FeatureScope;
use coords::TileCoord;

/// A rendered tile: MVT or image bytes (empty when no layer has features there), its strong ETag
/// (computed once, when the tile is made) and its compressed variants, each made at most once, on
/// the first request that accepts it, and kept with the tile in the cache.
#[derive(Debug)]
pub struct Tile {
    pub bytes: Bytes,
    pub etag: String,
    gzip: std::sync::OnceLock<Bytes>,
    brotli: std::sync::OnceLock<Bytes>,
}

/// A content coding a tile can be sent in (HTTP `Content-Encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    /// The `Content-Encoding` token (`None` for identity).
    pub fn token(self) -> Option<&'static str> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some("gzip"),
            Coding::Brotli => Some("br"),
        }
    }
}

impl Tile {
    /// A tile of `bytes`, with its ETag: the first 128 bits of their SHA-256, quoted.
    pub fn new(bytes: Vec<u8>) -> Tile {
        let digest = Sha256::digest(&bytes);
        let etag = format!("\"{}\"", hex::encode(&digest[..16]));
        Tile { bytes: Bytes::from(bytes), etag, gzip: Default::default(), brotli: Default::default() }
    }

    /// The bytes in `coding`, compressed on the first call and shared (not copied) after. Images
    /// (PNG, JPEG, WebP) are already compressed: callers send them as they are.
    ///
    /// ```
    /// use qala::tiles::{Coding, Tile};
    /// let tile = Tile::new(vec![7; 4096]);
    /// let gz = tile.encoded(Coding::Gzip);
    /// assert!(gz.len() < 100);
    /// // The second call hands out the same buffer.
    /// assert_eq!(gz.as_ptr(), tile.encoded(Coding::Gzip).as_ptr());
    /// assert_eq!(tile.encoded(Coding::Identity), &tile.bytes);
    /// ```
    pub fn encoded(&self, coding: Coding) -> &Bytes {
        match coding {
            Coding::Identity => &self.bytes,
            Coding::Gzip => self.gzip.get_or_init(|| {
                use std::io::Write;
                let mut enc = flate2::write::GzEncoder::new(
                    Vec::with_capacity(self.bytes.len() / 2),
                    flate2::Compression::new(6),
                );
                // Writing to a Vec cannot fail.
                let _ = enc.write_all(&self.bytes);
                Bytes::from(enc.finish().unwrap_or_default())
            }),
            Coding::Brotli => self.brotli.get_or_init(|| {
                let mut out = Vec::with_capacity(self.bytes.len() / 2);
                let params = brotli::enc::BrotliEncoderParams { quality: 6, lgwin: 22, ..Default::default() };
                let mut input = &self.bytes[..];
                // Reading a slice and writing a Vec cannot fail.
                let _ = brotli::BrotliCompress(&mut input, &mut out, &params);
                Bytes::from(out)
            }),
        }
    }
}

/// Cache key: the layers rendered, in request order, the tile and what it is (MVT or an image).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TileKey {
    pub layers: Arc<[String]>,
    pub coord: TileCoord,
    pub variant: TileVariant,
}

/// What a cached tile holds (issue 17: raster tiles share the cache and its invalidation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TileVariant {
    #[default]
    Mvt,
    Raster(raster_tiles::RasterSpec),
}

impl TileVariant {
    /// The buffer around the tile its content reaches into, as a fraction of the tile's width: an
    /// edit there evicts the tile.
    pub fn buffer_fraction(&self) -> f64 {
        match self {
            TileVariant::Mvt => BUFFER_FRACTION,
            TileVariant::Raster(spec) => spec.buffer_fraction(),
        }
    }
}

/// Renders and caches tiles.
#[derive(Debug, Clone)]
pub struct TileService {
    pool: PgPool,
    cache: Option<moka::future::Cache<TileKey, Arc<Tile>>>,
    // issue 16: metrics
    counts: Arc<CacheCounts>,
    // issue 18: layers cut in process (None: every tile by PostGIS)
    memory: Option<memory::MemoryTiles>,
}

/// Tiles answered from the cache and rendered, and bytes handed out (issue 16: metrics).
#[derive(Debug, Default)]
struct CacheCounts {
    hits: std::sync::atomic::AtomicU64,
    misses: std::sync::atomic::AtomicU64,
    bytes_served: std::sync::atomic::AtomicU64,
}

/// The tile cache's figures at one moment (`/metrics`, the operations page).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CacheFigures {
    /// Tiles answered from the cache (including requests that waited for the same tile).
    pub hits: u64,
    /// Tiles rendered because they were not cached (every tile when the cache is off).
    pub misses: u64,
    /// Bytes of MVT handed to requests (before HTTP compression).
    pub bytes_served: u64,
    pub entries: u64,
    /// The cache's weighed size in bytes, and its bound (0: no cache).
    pub bytes: u64,
    pub capacity_bytes: u64,
}

impl TileService {
    /// A service with a cache of at most `cache_bytes` (0: no cache).
    pub fn new(pool: PgPool, cache_bytes: u64) -> TileService {
        let cache = (cache_bytes > 0).then(|| {
            moka::future::Cache::builder()
                .max_capacity(cache_bytes)
                .weigher(|k: &TileKey, v: &Arc<Tile>| {
                    // A vector tile may come to hold a gzip and a Brotli copy (together about its
                    // own size): weighed as if it did, so the bound holds.
                    let copies = if k.variant == TileVariant::Mvt { v.bytes.len() } else { 0 };
                    let size = v.bytes.len()
                        + copies
                        + v.etag.len()
                        + 64
                        + k.layers.iter().map(String::len).sum::<usize>();
                    u32::try_from(size).unwrap_or(u32::MAX)
                })
                .support_invalidation_closures()
                .build()
        });
        TileService { pool, cache, counts: Arc::default(), memory: None }
    }

    /// A service with a cache of at most `cache_bytes` that cuts the tiles of the layers fitting
    /// in `memory_bytes` in process (0: none; see [`memory`]).
    pub fn with_memory(pool: PgPool, cache_bytes: u64, memory_bytes: u64) -> TileService {
        let mut s = TileService::new(pool.clone(), cache_bytes);
        s.memory = (memory_bytes > 0).then(|| memory::MemoryTiles::new(pool, memory_bytes));
        s
    }

    /// The in-process tiles (their figures, the layers they hold), when a budget is set.
    pub fn memory(&self) -> Option<&memory::MemoryTiles> {
        self.memory.as_ref()
    }

    /// The in-process layers' figures (all zero when the budget is off), for `/metrics`.
    pub fn memory_figures(&self) -> memory::MemoryFigures {
        self.memory.as_ref().map(|m| m.figures()).unwrap_or_default()
    }

    /// The cache's counters and size now.
    pub fn cache_figures(&self) -> CacheFigures {
        use std::sync::atomic::Ordering::Relaxed;
        let (entries, bytes, capacity_bytes) = match &self.cache {
            Some(c) => (c.entry_count(), c.weighted_size(), c.policy().max_capacity().unwrap_or(0)),
            None => (0, 0, 0),
        };
        CacheFigures {
            hits: self.counts.hits.load(Relaxed),
            misses: self.counts.misses.load(Relaxed),
            bytes_served: self.counts.bytes_served.load(Relaxed),
            entries,
            bytes,
            capacity_bytes,
        }
    }

    /// The tile of `layers` (already filtered by the access policy) at `coord`, all features.
    pub async fn tile(
        &self,
        layers: &[Arc<LayerDef>],
        coord: TileCoord,
    ) -> Result<Arc<Tile>, Arc<sqlx::Error>> {
        let scoped: Vec<(Arc<LayerDef>, FeatureScope)> =
            layers.iter().map(|l| (Arc::clone(l), FeatureScope::All)).collect();
        self.tile_scoped(&scoped, coord).await
    }

    /// The tile of `layers`, each limited to the features the caller sees (`FeatureScope`). The
    /// cache key carries the scope, so one department's features never reach another.
    pub async fn tile_scoped(
        &self,
        layers: &[(Arc<LayerDef>, FeatureScope)],
        coord: TileCoord,
    ) -> Result<Arc<Tile>, Arc<sqlx::Error>> {
        let key = TileKey {
            layers: layers.iter().map(|(l, s)| format!("{}{}", l.id, s.cache_suffix())).collect(),
            coord,
            variant: TileVariant::Mvt,
        };
        use std::sync::atomic::Ordering::Relaxed;
        let (tile, fresh) = match &self.cache {
            Some(cache) => {
                let entry = cache
                    .entry(key)
                    .or_try_insert_with(render(&self.pool, self.memory.as_ref(), layers, coord))
                    .await?;
                let fresh = entry.is_fresh();
                (entry.into_value(), fresh)
            }
            None => (render(&self.pool, self.memory.as_ref(), layers, coord).await.map_err(Arc::new)?, true),
        };
        let counter = if fresh { &self.counts.misses } else { &self.counts.hits };
        counter.fetch_add(1, Relaxed);
        self.counts.bytes_served.fetch_add(tile.bytes.len() as u64, Relaxed);
        Ok(tile)
    }

    /// The tile under `key` from the cache, or made by `render` (once for concurrent requests of
    /// the same key) and cached: issue 17's raster tiles, counted with the others.
    pub async fn cached<E, F>(&self, key: TileKey, render: F) -> Result<Arc<Tile>, Arc<E>>
    where
        E: Send + Sync + 'static,
        F: std::future::Future<Output = Result<Arc<Tile>, E>>,
    {
        use std::sync::atomic::Ordering::Relaxed;
        let (tile, fresh) = match &self.cache {
            Some(cache) => {
                let entry = cache.entry(key).or_try_insert_with(render).await?;
                let fresh = entry.is_fresh();
                (entry.into_value(), fresh)
            }
            None => (render.await.map_err(Arc::new)?, true),
        };
        let counter = if fresh { &self.counts.misses } else { &self.counts.hits };
        counter.fetch_add(1, Relaxed);
        self.counts.bytes_served.fetch_add(tile.bytes.len() as u64, Relaxed);
        Ok(tile)
    }

    /// Whether the tile under `key` is in the cache (evicted tiles are not).
    pub async fn is_key_cached(&self, key: &TileKey) -> bool {
        match &self.cache {
            Some(cache) => cache.get(key).await.is_some(),
            None => false,
        }
    }

    /// Whether the tile of `layers` at `coord` is in the cache (evicted tiles are not).
    pub async fn is_cached(&self, layers: &[Arc<LayerDef>], coord: TileCoord) -> bool {
        let key = TileKey {
            layers: layers.iter().map(|l| l.id.clone()).collect(),
            coord,
            variant: TileVariant::Mvt,
        };
        match &self.cache {
            Some(cache) => cache.get(&key).await.is_some(),
            None => false,
        }
    }

    /// Evicts the cached tiles of `layer` that touch `bbox` (WGS84), at every zoom. Tiles carry a
    /// buffer, so a tile is also evicted when the change touches only its buffer.
    pub fn invalidate(&self, layer: &str, bbox: [f64; 4]) {
        let Some(cache) = &self.cache else { return };
        let layer = layer.to_string();
        let scoped = format!("{layer}@");
        let result = cache.invalidate_entries_if(move |k, _| {
            k.layers.iter().any(|l| *l == layer || l.starts_with(&scoped))
                && coords::touches_with_buffer(&k.coord, bbox, k.variant.buffer_fraction())
        });
        if let Err(e) = result {
            tracing::error!(error = %e, "tile cache invalidation failed; clearing the cache");
            cache.invalidate_all();
        }
    }

    /// Drops every cached tile (e.g. after the catalog changed).
    pub fn invalidate_all(&self) {
        if let Some(cache) = &self.cache {
            cache.invalidate_all();
        }
    }
}

/// `[min_lon, min_lat, max_lon, max_lat]` of the live features of `layers`; `None` when empty.
pub async fn layers_extent(pool: &PgPool, layers: &[&str]) -> Result<Option<[f64; 4]>, sqlx::Error> {
    let r: (Option<f64>, Option<f64>, Option<f64>, Option<f64>) =
        sqlx::query_as(include_str!("sql/layers_extent.sql")).bind(layers).fetch_one(pool).await?;
    Ok(match r {
        (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
        _ => None,
    })
}

/// Below this zoom the sub-pixel filter goes through the (geom_web, web_size) index; from it on,
/// where few features are below a pixel, the plain geom_web index is faster (z13-z16: 200 against
/// 125 tiles/s in `make bench-tiles`).
pub const SIZE_INDEX_BELOW_ZOOM: u8 = 13;

/// From this zoom on a point layer's tiles hold every point (one per pixel); below it, a tile
/// keeps the points whose rank (`qala_point_rank`, 0-255, migration 0018) is under
/// [`point_rank_below`], halving at each zoom out, as tippecanoe's drop rate does.
pub const POINT_THINNING_BELOW_ZOOM: u8 = 14;

/// The rank a point must be under to be drawn at zoom `z`: 256 (all) from
/// [`POINT_THINNING_BELOW_ZOOM`] on, half as many per zoom below, at least 1 in 256.
///
/// ```
/// use qala::tiles::point_rank_below;
/// assert_eq!(point_rank_below(16), 256);
/// assert_eq!(point_rank_below(13), 128);
/// assert_eq!(point_rank_below(10), 16);
/// assert_eq!(point_rank_below(0), 1);
/// ```
pub fn point_rank_below(z: u8) -> u32 {
    let drop = POINT_THINNING_BELOW_ZOOM.saturating_sub(z).min(8);
    256 >> drop
}

/// The thinning condition of a point tile at zoom `z`: none from [`POINT_THINNING_BELOW_ZOOM`]
/// on (no hash computed per row where every point is kept).
fn point_rank_filter(z: u8) -> String {
    match point_rank_below(z) {
        256 => "true".to_string(),
        n => format!("qala_point_rank(f.id) < {n}"),
    }
}

/// The tile buffer as a fraction of the tile's width (64 of 4096 units).
pub const BUFFER_FRACTION: f64 = 64.0 / 4096.0;

/// The SQL that adds `name_kk_latn` (Kazakh names in the Latin alphabet, for the `kk-Latn` style)
/// to a layer's tile attributes: only for layers with `name_kk` and no Latin name of their own.
fn latin_names(layer: &LayerDef) -> &'static str {
    if layer.attribute("name_kk").is_some() && layer.attribute("name_kk_latn").is_none() {
        " || jsonb_strip_nulls(jsonb_build_object('name_kk_latn', qala_kk_latin(f.attrs->>'name_kk')))"
    } else {
        ""
    }
}

async fn render(
    pool: &PgPool,
    memory: Option<&memory::MemoryTiles>,
    layers: &[(Arc<LayerDef>, FeatureScope)],
    coord: TileCoord,
) -> Result<Arc<Tile>, sqlx::Error> {
    let mut bytes = Vec::new();
    for (layer, scope) in layers {
        if coord.z < layer.min_zoom || coord.z > layer.max_zoom {
            continue;
        }
        // issue 18: a layer held in memory is cut here; the others by PostGIS.
        if let Some(mem) = memory
            && let Some(layer_bytes) = memory::cut_layer(mem, layer, scope, coord).await
        {
            bytes.extend_from_slice(&layer_bytes);
            continue;
        }
        let template = match layer.geometry {
            GeometryType::Point => include_str!("sql/tile_points.sql"),
            GeometryType::Line | GeometryType::Polygon => include_str!("sql/tile_areas.sql"),
        };
        // The partition is named directly (planning then needs no pruning); layer ids are
        // validated identifiers (catalog.rs), and the name is quoted all the same.
        let size_filter =
            if coord.z < SIZE_INDEX_BELOW_ZOOM { "f.web_size >= $5" } else { "f.web_size + 0 >= $5" };
        let sql = template
            .replace("{table}", &format!("\"features_{}\"", layer.id))
            .replace("{size_filter}", size_filter)
            .replace("{latin_names}", latin_names(layer))
            .replace("{point_rank}", &point_rank_filter(coord.z))
            .replace("{scope}", &scope.sql(7));
        let mvt: Option<Vec<u8>> = sqlx::query_scalar(&sql)
            .bind(&layer.id)
            .bind(i32::from(coord.z))
            .bind(coord.x as i32)
            .bind(coord.y as i32)
            .bind(coord.pixel_m())
            .bind(layer.tile_attributes_hidden_at(coord.z))
            .bind(scope.param())
            .fetch_one(pool)
            .await?;
        // MVT layers are independent messages: a composite tile is their concatenation.
        bytes.extend_from_slice(mvt.as_deref().unwrap_or_default());
    }
    Ok(Arc::new(Tile::new(bytes)))
}
