//! Drawing a map image for WMS GetMap and the UTM 43N WMTS tiles: the features of each vector
//! layer inside the box (grown by a margin for labels and wide lines) in the requested CRS
//! through [`crate::print::store::features_in_frame`] with the caller's feature scope, the
//! rasters through [`crate::rasters::RasterService::read`], drawn by [`crate::render`] at the
//! style zoom of the box's ground resolution, in a blocking thread behind the render gate.
//! Nothing here knows HTTP: the caller resolved the layers through the access policy.

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};
use sqlx::PgPool;

use super::crs::MapCrs;
use super::params::MapFormat;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::layers::catalog::LayerDef;
use crate::policy::FeatureScope;
use crate::print::issue::{RawLayer, decode_layers};
use crate::print::limits::RenderGate;
use crate::print::store::{self, PrintCrs};
use crate::print::style::{PrintStyle, Rgba};
use crate::rasters::{RasterDef, RasterService};
use crate::render::{self, ImageFormat, RenderRequest, RgbaImage};

/// The margin read around the box, in pixels (labels, wide lines and circles at the edges).
pub const MARGIN_PX: f64 = 64.0;

/// What drawing a map needs from the server.
#[derive(Debug, Clone)]
pub struct MapContext {
    pub pool: PgPool,
    pub gate: RenderGate,
    pub styles_dir: PathBuf,
    pub fonts_dir: PathBuf,
    /// Layers read at once for one image.
    pub connections: usize,
    pub rasters: RasterService,
}

/// A layer of a map, already through the access policy.
#[derive(Debug, Clone)]
pub enum MapLayer {
    Vector(Arc<LayerDef>, FeatureScope),
    Raster(Box<RasterDef>),
}

impl MapLayer {
    pub fn id(&self) -> &str {
        match self {
            MapLayer::Vector(l, _) => &l.id,
            MapLayer::Raster(r) => &r.id,
        }
    }

    /// Readable by anyone (a public cache may keep an image of it).
    pub fn public(&self) -> bool {
        match self {
            MapLayer::Vector(l, s) => l.access.public && *s == FeatureScope::All,
            MapLayer::Raster(r) => r.access.public,
        }
    }
}

/// One image to draw.
#[derive(Debug, Clone, Copy)]
pub struct Drawing {
    pub crs: MapCrs,
    /// PostGIS order (x east, y north).
    pub bbox: [f64; 4],
    pub width: u32,
    pub height: u32,
    pub format: MapFormat,
    /// `None`: transparent (PNG and WebP); JPEG is always on the colour (white when `None`).
    pub background: Option<[u8; 3]>,
    /// The language of the labels.
    pub lang: Lang,
}

/// The print CRS a map CRS reads its features in (`features_in_frame` uses only its SRID).
pub fn print_crs(crs: &MapCrs) -> PrintCrs {
    PrintCrs {
        srid: crs.srid,
        geographic: if crs.srid == 28413 { 4284 } else { 4326 },
        title: crs.title,
        area: [-180.0, -90.0, 180.0, 90.0],
    }
}

/// The style zoom of a drawing (MapLibre's, from its ground resolution).
pub fn style_zoom(d: &Drawing) -> f64 {
    if d.crs.srid == 3857 {
        render::style_zoom_mercator((d.bbox[2] - d.bbox[0]) / f64::from(d.width))
    } else {
        let ground = super::params::ground_resolution(&d.crs, d.bbox, d.width);
        render::style_zoom(ground, super::params::center_lat(&d.crs, d.bbox))
    }
}

fn format_of(f: MapFormat) -> ImageFormat {
    match f {
        MapFormat::Png => ImageFormat::Png,
        MapFormat::Jpeg => ImageFormat::Jpeg,
        MapFormat::Webp => ImageFormat::Webp,
    }
}

/// Whether the style draws vector layer `l` at zoom `z` (and the layer is shown from there).
pub fn drawn_at(style: &PrintStyle, l: &LayerDef, z: f64) -> bool {
    z + 1.0 >= f64::from(l.min_zoom) && style.for_layer(&l.id, z).next().is_some()
}

/// Draws `layers` (rasters first, under the vector layers, which follow the style's order) and
/// encodes the image.
pub async fn draw_map(ctx: &MapContext, layers: &[MapLayer], d: Drawing) -> Result<Vec<u8>, ApiError> {
    let lang = d.lang;
    let style = crate::print::issue::cached_style(&ctx.styles_dir, lang)?;
    let z = style_zoom(&d);
    let px = (d.bbox[2] - d.bbox[0]) / f64::from(d.width);
    let py = (d.bbox[3] - d.bbox[1]) / f64::from(d.height);
    let pad = px.max(py) * MARGIN_PX;
    let mut query_box = [d.bbox[0] - pad, d.bbox[1] - pad, d.bbox[2] + pad, d.bbox[3] + pad];
    if d.crs.geographic {
        // Web Mercator (the index) ends at 85.05 degrees.
        query_box = [
            query_box[0].max(-180.0),
            query_box[1].max(-85.0),
            query_box[2].min(180.0),
            query_box[3].min(85.0),
        ];
    }
    let tolerance = px.min(py) / 4.0;
    let crs = print_crs(&d.crs);
    let fetches: Vec<_> = layers
        .iter()
        .filter_map(|l| match l {
            MapLayer::Vector(l, scope) if drawn_at(&style, l, z) => Some((Arc::clone(l), scope.clone())),
            _ => None,
        })
        .map(|(l, scope)| {
            let pool = ctx.pool.clone();
            let title = l.title.get(lang).to_string();
            async move {
                if query_box[0] >= query_box[2] || query_box[1] >= query_box[3] {
                    return Ok(RawLayer { id: l.id.clone(), title, features: Vec::new() });
                }
                store::features_in_frame(&pool, &l, &scope, crs, query_box, tolerance)
                    .await
                    .map(|features| RawLayer { id: l.id.clone(), title, features })
            }
        })
        .collect();
    let raw: Vec<RawLayer> = futures_util::stream::iter(fetches)
        .buffered(ctx.connections.max(1))
        .try_collect()
        .await
        .map_err(|e| ApiError::database(lang, e))?;
    let mut backdrops = Vec::new();
    for l in layers {
        if let MapLayer::Raster(r) = l {
            let img = ctx
                .rasters
                .read(&r.id, d.crs.srid, d.bbox, d.width, d.height)
                .await
                .map_err(|e| ApiError::internal(lang, format!("raster {}: {e:#}", r.id)))?;
            if let Some(p) = img
                && let Some(i) = RgbaImage::new(p.width(), p.height(), render::to_rgba(&p))
            {
                backdrops.push(i);
            }
        }
    }
    let turn = ctx.gate.enter(lang).await?;
    let background = match (d.background, d.format) {
        (Some(c), _) => Some(c),
        (None, MapFormat::Jpeg) => Some([255, 255, 255]),
        (None, _) => None,
    }
    .map(|[r, g, b]| Rgba {
        r: f32::from(r) / 255.0,
        g: f32::from(g) / 255.0,
        b: f32::from(b) / 255.0,
        a: 1.0,
    });
    let fonts_dir = ctx.fonts_dir.clone();
    let bytes = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        let data = decode_layers(raw);
        let req = RenderRequest {
            style: &style,
            zoom: z,
            bbox: d.bbox,
            width: d.width,
            height: d.height,
            ratio: 1.0,
            layers: &data,
            backdrops: &backdrops,
            background,
            fonts_dir: &fonts_dir,
        };
        render::encode(&render::render(&req)?, format_of(d.format))
    })
    .await
    .map_err(|e| ApiError::internal(lang, e))?
    .map_err(|e| ApiError::internal(lang, e))?;
    drop(turn);
    Ok(bytes)
}
