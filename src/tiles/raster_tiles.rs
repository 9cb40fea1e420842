//! Raster tiles (issue 17): images of one layer or a composite drawn by the print renderer
//! ([`crate::render`]) from the web map's style, through the same cache as vector tiles.
//!
//! - Sizes: `{y}.png` is 256 pixels (CSS 256, style zoom z - 1, as a 256-pixel raster tile at
//!   zoom z shows the ground MapLibre shows at z - 1); `{y}@2x.png` is the same tile at pixel
//!   ratio 2 (512 pixels); `/tiles/{layers}/512/{z}/{x}/{y}.png` is a 512 CSS pixel tile (style
//!   zoom z, the ground of a vector tile), `@2x` there is 1024 pixels. PNG, JPEG and WebP.
//! - Features are read from the tile grown by [`BUFFER_CSS_PX`] CSS pixels on every side, so
//!   lines, outlines and circles crossing an edge are drawn on both sides of it and tiles join
//!   without seams. Labels are placed only where their box (with its halo) lies wholly inside the
//!   tile: no label is cut at a tile's edge; one crossing an edge is left out of both tiles.
//! - Cache: key = the layers rendered (after the access policy, with the caller's feature scope,
//!   as vector tiles) + the tile + [`RasterSpec`] (format, CSS size, ratio, language of the
//!   labels). An edit evicts every tile whose buffered area it touches
//!   ([`super::TileService::invalidate`] with [`RasterSpec::buffer_fraction`]).
//! - A composite may name rasters too (`/tiles/ortho,buildings/...`): the rasters the caller may
//!   read are drawn first, in request order, under the layers ([`raster_backdrop`]).
//! - Drawing runs in `spawn_blocking` behind the print [`RenderGate`] (bounded; 503 with
//!   `Retry-After` when no turn comes in time). An empty tile is a transparent image (white for
//!   JPEG): PNG clients such as QGIS want an image, never a 204.

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};
use sqlx::PgPool;

use super::coords::TileCoord;
use super::{Tile, TileKey, TileService, TileVariant};
use crate::error::{ApiError, ErrorExtra};
use crate::i18n::Lang;
use crate::layers::catalog::LayerDef;
use crate::policy::FeatureScope;
use crate::print::issue::{RawLayer, decode_layers};
use crate::print::limits::RenderGate;
use crate::print::store;
use crate::rasters::{RasterDef, RasterService};
use crate::render::{self, ImageFormat, RenderRequest, RgbaImage};

/// The buffer read around a tile, in CSS pixels (wide lines, circles, halos).
pub const BUFFER_CSS_PX: f64 = 64.0;

/// What image a raster tile is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RasterSpec {
    pub format: ImageFormat,
    /// 256 or 512 CSS pixels.
    pub css_size: u16,
    /// Pixels per CSS pixel: 1 or 2 (`@2x`).
    pub ratio: u8,
    /// The language of the labels.
    pub lang: Lang,
}

impl std::hash::Hash for RasterSpec {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (self.format, self.css_size, self.ratio, self.lang as u8).hash(h);
    }
}

impl RasterSpec {
    /// The image's width and height in pixels.
    pub fn pixels(&self) -> u32 {
        u32::from(self.css_size) * u32::from(self.ratio)
    }

    /// [`BUFFER_CSS_PX`] as a fraction of the tile's width.
    pub fn buffer_fraction(&self) -> f64 {
        BUFFER_CSS_PX / f64::from(self.css_size)
    }

    /// The style zoom of the tile: its CSS pixel's size in Web Mercator metres, as MapLibre.
    pub fn style_zoom(&self, coord: TileCoord) -> f64 {
        render::style_zoom_mercator(coord.size_m() / f64::from(self.css_size))
    }
}

/// What the last segment of a tile's path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileName {
    /// `.mvt` or `.pbf`.
    Vector,
    /// `.png`, `.jpg`/`.jpeg` or `.webp`, `@2x` before it for ratio 2.
    Image { format: ImageFormat, ratio: u8 },
}

/// Splits `12.png`, `12@2x.webp`, `12.mvt` into the row and what is asked; `None` for any other
/// suffix.
///
/// ```
/// use qala::tiles::raster_tiles::{TileName, parse_tile_name};
/// use qala::render::ImageFormat;
/// assert_eq!(parse_tile_name("7@2x.png"), Some(("7", TileName::Image { format: ImageFormat::Png, ratio: 2 })));
/// assert_eq!(parse_tile_name("7.pbf"), Some(("7", TileName::Vector)));
/// assert_eq!(parse_tile_name("7.gif"), None);
/// ```
pub fn parse_tile_name(seg: &str) -> Option<(&str, TileName)> {
    let (stem, ext) = seg.rsplit_once('.')?;
    if ext == "mvt" || ext == "pbf" {
        return Some((stem, TileName::Vector));
    }
    let format = ImageFormat::from_extension(ext).filter(|_| ext.bytes().all(|b| b.is_ascii_lowercase()))?;
    match stem.strip_suffix("@2x") {
        Some(row) => Some((row, TileName::Image { format, ratio: 2 })),
        None => Some((stem, TileName::Image { format, ratio: 1 })),
    }
}

/// What rendering raster tiles needs from the server (no HTTP).
#[derive(Debug, Clone)]
pub struct RasterContext {
    pub pool: PgPool,
    pub tiles: TileService,
    pub gate: RenderGate,
    pub styles_dir: PathBuf,
    pub fonts_dir: PathBuf,
    /// Layers read at once for one tile.
    pub connections: usize,
}

/// An image drawn under the layers of a tile: given the tile's Web Mercator bbox and its size
/// in pixels, the image covering exactly it (issue 17: orthophotos and hillshade).
pub type Backdrop = Arc<
    dyn Fn([f64; 4], u32) -> futures_util::future::BoxFuture<'static, anyhow::Result<RgbaImage>>
        + Send
        + Sync,
>;

/// Raster `def` (issue 17: orthophotos, surveys, hillshade) as a backdrop read through `rasters`,
/// and the name its tiles are cached under: `raster:{id}` and its version (the time it was
/// registered), so that a replaced raster is drawn anew. No access check: the caller asked
/// [`RasterService::get_readable`].
pub fn raster_backdrop(rasters: &RasterService, def: &RasterDef) -> (String, Backdrop) {
    let (rasters, id) = (rasters.clone(), def.id.clone());
    let name = format!("raster:{}#{}", def.id, def.created_at.timestamp_millis());
    let backdrop: Backdrop = Arc::new(move |bbox: [f64; 4], side: u32| {
        let (rasters, id) = (rasters.clone(), id.clone());
        Box::pin(async move {
            let data = match rasters.read(&id, 3857, bbox, side, side).await? {
                Some(p) => render::to_rgba(&p),
                None => vec![0; side as usize * side as usize * 4],
            };
            RgbaImage::new(side, side, data).ok_or_else(|| anyhow::anyhow!("raster {id}: not {side}x{side}"))
        })
    });
    (name, backdrop)
}

/// The raster tile of `layers` (already filtered by the access policy, each with the caller's
/// feature scope) at `coord`, from the cache or drawn. `backdrops` (named for the cache key,
/// e.g. `raster:hillshade`) are drawn first, in order.
pub async fn raster_tile(
    ctx: &RasterContext,
    layers: &[(Arc<LayerDef>, FeatureScope)],
    backdrops: &[(String, Backdrop)],
    coord: TileCoord,
    spec: RasterSpec,
) -> Result<Arc<Tile>, ApiError> {
    let names: Arc<[String]> = backdrops
        .iter()
        .map(|(n, _)| n.clone())
        .chain(layers.iter().map(|(l, s)| format!("{}{}", l.id, s.cache_suffix())))
        .collect();
    let key = TileKey { layers: names, coord, variant: TileVariant::Raster(spec) };
    ctx.tiles.cached(key, draw(ctx, layers, backdrops, coord, spec)).await.map_err(|e| copy(&e))
}

/// An error again (the cache hands out one error to every waiting request).
fn copy(e: &ApiError) -> ApiError {
    let extra = e
        .extra
        .as_ref()
        .map(|x| Box::new(ErrorExtra { details: x.details.clone(), headers: x.headers.clone() }));
    ApiError { status: e.status, msg: e.msg, lang: e.lang, detail: e.detail.clone(), extra }
}

async fn draw(
    ctx: &RasterContext,
    layers: &[(Arc<LayerDef>, FeatureScope)],
    backdrops: &[(String, Backdrop)],
    coord: TileCoord,
    spec: RasterSpec,
) -> Result<Arc<Tile>, ApiError> {
    let lang = spec.lang;
    let style = crate::print::issue::cached_style(&ctx.styles_dir, lang)?;
    let z = spec.style_zoom(coord);
    let [x0, y0, x1, y1] = coord.bounds_3857();
    let pad = coord.size_m() * spec.buffer_fraction();
    let buffered = [x0 - pad, y0 - pad, x1 + pad, y1 + pad];
    // A quarter of a pixel, in metres.
    let tolerance = coord.size_m() / f64::from(spec.pixels()) / 4.0;
    let crs = store::PRINT_CRS[0];
    let fetches: Vec<_> = layers
        .iter()
        .filter(|(l, _)| coord.z >= l.min_zoom && style.for_layer(&l.id, z).next().is_some())
        .map(|(l, scope)| {
            let (pool, l, scope) = (ctx.pool.clone(), Arc::clone(l), scope.clone());
            async move {
                store::features_in_frame(&pool, &l, &scope, crs, buffered, tolerance)
                    .await
                    .map(|features| RawLayer { id: l.id.clone(), title: l.id.clone(), features })
            }
        })
        .collect();
    let raw: Vec<RawLayer> = futures_util::stream::iter(fetches)
        .buffered(ctx.connections.max(1))
        .try_collect()
        .await
        .map_err(|e| ApiError::database(lang, e))?;
    let side = spec.pixels();
    let mut images = Vec::with_capacity(backdrops.len());
    for (name, b) in backdrops {
        let img = b([x0, y0, x1, y1], side)
            .await
            .map_err(|e| ApiError::internal(lang, format!("{name}: {e:#}")))?;
        images.push(img);
    }
    // A turn of the gate only for the CPU work: tiles waiting on PostGIS do not hold the cores'
    // turns (as WMS images do not).
    let turn = ctx.gate.enter(lang).await?;
    let fonts_dir = ctx.fonts_dir.clone();
    let bytes = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        let data = decode_layers(raw);
        let req = RenderRequest {
            style: &style,
            zoom: z,
            bbox: [x0, y0, x1, y1],
            width: side,
            height: side,
            ratio: f64::from(spec.ratio),
            layers: &data,
            backdrops: &images,
            background: None,
            fonts_dir: &fonts_dir,
        };
        render::encode(&render::render(&req)?, spec.format)
    })
    .await
    .map_err(|e| ApiError::internal(lang, e))?
    .map_err(|e| ApiError::internal(lang, e))?;
    drop(turn);
    Ok(Arc::new(Tile::new(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sizes_and_zooms() {
        assert_eq!(
            parse_tile_name("3.jpg"),
            Some(("3", TileName::Image { format: ImageFormat::Jpeg, ratio: 1 }))
        );
        assert_eq!(
            parse_tile_name("3@2x.webp"),
            Some(("3", TileName::Image { format: ImageFormat::Webp, ratio: 2 }))
        );
        assert_eq!(parse_tile_name("3.PNG"), None);
        assert_eq!(parse_tile_name("3"), None);
        let spec = RasterSpec { format: ImageFormat::Png, css_size: 256, ratio: 2, lang: Lang::Kk };
        assert_eq!(spec.pixels(), 512);
        assert!((spec.buffer_fraction() - 0.25).abs() < 1e-12);
        let t = TileCoord { z: 16, x: 0, y: 0 };
        assert!((spec.style_zoom(t) - 15.0).abs() < 1e-9);
        let big = RasterSpec { css_size: 512, ..spec };
        assert!((big.style_zoom(t) - 16.0).abs() < 1e-9);
        // Different variants are different cache entries.
        use std::hash::{BuildHasher, RandomState};
        let h = RandomState::new();
        assert_ne!(h.hash_one(spec), h.hash_one(big));
        assert_ne!(h.hash_one(spec), h.hash_one(RasterSpec { lang: Lang::Ru, ..spec }));
    }
}
