//! Map images (pure): the print renderer ([`crate::print::map`]) drawn onto a tiny-skia pixmap
//! ([`crate::print::raster::RasterSurface`]) for raster tiles, WMS GetMap and WMTS, and the
//! pixmap encoded as PNG, JPEG or WebP. The style is evaluated at the zoom of the image's ground
//! resolution ([`style_zoom`]), the way a print of the same scale evaluates it, so a tile, a WMS
//! image and a GeoPDF of the same place look the same.
//!
//! Features are given in the image's CRS (any projected or geographic CRS: the bbox's x runs
//! east and y north, mapped linearly onto the pixels); the caller fetched them (the access policy
//! applied) with [`crate::print::store::features_in_frame`].

use std::path::Path;

use image::ImageEncoder;
use tiny_skia::Pixmap;

use crate::print::layout::{Box2, PT_PER_MM};
use crate::print::map::{self, Finish, Frame, LayerData};
use crate::print::raster::RasterSurface;
use crate::print::style::{PrintStyle, Rgba};
pub use crate::print::surface::RgbaImage;

/// The widest or tallest image rendered, in pixels (WMS may ask less).
pub const MAX_SIDE: u32 = 8192;

/// One image to draw.
#[derive(Debug, Clone, Copy)]
pub struct RenderRequest<'a> {
    pub style: &'a PrintStyle,
    /// The style zoom ([`style_zoom`]).
    pub zoom: f64,
    /// min x (west), min y (south), max x, max y in the CRS of the features.
    pub bbox: [f64; 4],
    /// Size in pixels.
    pub width: u32,
    pub height: u32,
    /// Pixels per CSS pixel (1, or 2 for `@2x`): line widths, radii and text sizes scale by it.
    pub ratio: f64,
    /// The layers to draw (in the style's order, whatever their order here).
    pub layers: &'a [LayerData],
    /// Images covering exactly the bbox, drawn first in order (orthophotos, hillshade).
    pub backdrops: &'a [RgbaImage],
    /// Painted under everything; `None`: transparent.
    pub background: Option<Rgba>,
    /// DejaVu Sans (`HttpSettings::fonts_dir`).
    pub fonts_dir: &'a Path,
}

/// Draws the request (CPU work: call it from a blocking thread). Labels are placed only where
/// they fit whole inside the image.
pub fn render(req: &RenderRequest<'_>) -> anyhow::Result<Pixmap> {
    anyhow::ensure!(
        (1..=MAX_SIDE).contains(&req.width) && (1..=MAX_SIDE).contains(&req.height),
        "an image is 1 to {MAX_SIDE} pixels a side, not {}x{}",
        req.width,
        req.height
    );
    let [x0, y0, x1, y1] = req.bbox;
    anyhow::ensure!(
        x1 > x0 && y1 > y0 && req.bbox.iter().all(|v| v.is_finite()),
        "empty bbox {:?}",
        req.bbox
    );
    anyhow::ensure!(req.ratio > 0.0 && req.ratio <= 4.0, "pixel ratio {} out of 0-4", req.ratio);
    let mut surface = RasterSurface::new(req.width, req.height, req.ratio, req.fonts_dir)?;
    let frame = Frame {
        page: Box2 { x0: 0.0, y0: 0.0, x1: f64::from(req.width), y1: f64::from(req.height) },
        crs: req.bbox,
    };
    let finish = Finish { background: req.background, backdrops: req.backdrops, border: false };
    map::draw_with(&mut surface, req.style, req.zoom, &frame, req.layers, &finish);
    Ok(surface.into_pixmap())
}

/// Metres on the ground per CSS pixel at zoom 0 of MapLibre's 512-pixel tiles, at the equator.
const M_PER_PX_Z0: f64 = 2.0 * std::f64::consts::PI * 6_378_137.0 / 512.0;

/// The style zoom of an image whose CSS pixel covers `ground_m_per_css_px` metres on the ground
/// at latitude `lat` (degrees): the MapLibre zoom with that resolution there. A print at 1:S is
/// `S × 0.75 / PT_PER_MM / 1000` metres a CSS pixel, and gets the zoom
/// [`crate::print::layout::style_zoom`] gives it.
///
/// ```
/// use qala::render::style_zoom;
/// let print = qala::print::layout::style_zoom(2000.0, 43.24);
/// assert!((style_zoom(qala::render::print_m_per_css_px(2000.0), 43.24) - print).abs() < 1e-9);
/// ```
pub fn style_zoom(ground_m_per_css_px: f64, lat: f64) -> f64 {
    (M_PER_PX_Z0 * lat.to_radians().cos() / ground_m_per_css_px).log2()
}

/// The style zoom of an image in Web Mercator whose CSS pixel covers `m_per_css_px` metres of
/// EPSG:3857 (the latitude cancels out): a 256-pixel tile at zoom z is at style zoom z - 1.
///
/// ```
/// let t = qala::tiles::coords::TileCoord::new(15, 0, 0).unwrap();
/// assert!((qala::render::style_zoom_mercator(t.pixel_m()) - 14.0).abs() < 1e-9);
/// ```
pub fn style_zoom_mercator(m_per_css_px: f64) -> f64 {
    (M_PER_PX_Z0 / m_per_css_px).log2()
}

/// Ground metres per CSS pixel of a print at 1:`scale` (1 CSS px = 0.75 pt).
pub fn print_m_per_css_px(scale: f64) -> f64 {
    scale * 0.75 / PT_PER_MM / 1000.0
}

/// An image format served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ImageFormat {
    Png,
    Jpeg,
    Webp,
}

impl ImageFormat {
    pub const ALL: [ImageFormat; 3] = [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Webp];

    /// From a file extension without the dot: `png`, `jpg`/`jpeg`, `webp`.
    pub fn from_extension(ext: &str) -> Option<ImageFormat> {
        match ext.to_ascii_lowercase().as_str() {
            "png" => Some(ImageFormat::Png),
            "jpg" | "jpeg" => Some(ImageFormat::Jpeg),
            "webp" => Some(ImageFormat::Webp),
            _ => None,
        }
    }

    /// From a MIME type (parameters such as `; mode=8bit` ignored).
    pub fn from_mime(mime: &str) -> Option<ImageFormat> {
        let base = mime.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match base.as_str() {
            "image/png" => Some(ImageFormat::Png),
            "image/jpeg" | "image/jpg" => Some(ImageFormat::Jpeg),
            "image/webp" => Some(ImageFormat::Webp),
            _ => None,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Webp => "webp",
        }
    }
}

/// The pixmap's pixels as straight RGBA.
pub fn to_rgba(p: &Pixmap) -> Vec<u8> {
    let mut out = Vec::with_capacity(p.data().len());
    for px in p.pixels() {
        let c = px.demultiply();
        out.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
    }
    out
}

/// Encodes a pixmap: PNG (RGBA, fast compression), JPEG (quality 85, transparent pixels
/// flattened on white: render with a background for another colour) or WebP (lossless).
pub fn encode(p: &Pixmap, format: ImageFormat) -> anyhow::Result<Vec<u8>> {
    let (w, h) = (p.width(), p.height());
    let mut out = Vec::new();
    match format {
        ImageFormat::Png => {
            let enc = image::codecs::png::PngEncoder::new_with_quality(
                &mut out,
                image::codecs::png::CompressionType::Fast,
                image::codecs::png::FilterType::Adaptive,
            );
            enc.write_image(&to_rgba(p), w, h, image::ExtendedColorType::Rgba8)?;
        }
        ImageFormat::Jpeg => {
            // Premultiplied over white: c + (1 - a) × 255.
            let mut rgb = Vec::with_capacity((w * h * 3) as usize);
            for px in p.pixels() {
                let white = 255 - px.alpha();
                rgb.extend_from_slice(&[px.red() + white, px.green() + white, px.blue() + white]);
            }
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).write_image(
                &rgb,
                w,
                h,
                image::ExtendedColorType::Rgb8,
            )?;
        }
        ImageFormat::Webp => {
            image::codecs::webp::WebPEncoder::new_lossless(&mut out).write_image(
                &to_rgba(p),
                w,
                h,
                image::ExtendedColorType::Rgba8,
            )?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::map::PrintFeature;
    use serde_json::json;

    fn style() -> PrintStyle {
        let v = json!({"version": 8, "sources": {}, "layers": [
            {"id": "b", "type": "fill", "source": "q", "source-layer": "blocks", "paint": {"fill-color": "#ff0000"}},
            {"id": "p", "type": "circle", "source": "q", "source-layer": "pts",
             "paint": {"circle-radius": 4, "circle-color": "#0000ff"}}
        ]});
        PrintStyle::parse(&v, "name_kk")
    }

    fn layers() -> Vec<LayerData> {
        let poly = geo::Geometry::Polygon(geo::Polygon::new(
            vec![(100.0, 100.0), (150.0, 100.0), (150.0, 150.0), (100.0, 150.0), (100.0, 100.0)].into(),
            vec![],
        ));
        let pt = geo::Geometry::Point(geo::Point::new(25.0, 175.0));
        vec![
            LayerData {
                id: "blocks".into(),
                title: "Blocks".into(),
                features: vec![PrintFeature { id: 1, props: Default::default(), geom: poly }],
            },
            LayerData {
                id: "pts".into(),
                title: "Points".into(),
                features: vec![PrintFeature { id: 2, props: Default::default(), geom: pt }],
            },
        ]
    }

    fn pixel(p: &Pixmap, x: u32, y: u32) -> [u8; 4] {
        p.pixel(x, y)
            .map(|c| c.demultiply())
            .map(|c| [c.red(), c.green(), c.blue(), c.alpha()])
            .unwrap_or_default()
    }

    #[test]
    fn renders_the_bbox_onto_the_pixels_at_a_pixel_ratio() {
        let (style, layers) = (style(), layers());
        for ratio in [1.0, 2.0] {
            let side = (200.0 * ratio) as u32;
            let req = RenderRequest {
                style: &style,
                zoom: 15.0,
                bbox: [0.0, 0.0, 200.0, 200.0],
                width: side,
                height: side,
                ratio,
                layers: &layers,
                backdrops: &[],
                background: None,
                fonts_dir: Path::new("/usr/share/fonts/truetype/dejavu"),
            };
            let p = render(&req).expect("render");
            let at = |x: f64, y: f64| pixel(&p, (x * ratio) as u32, (y * ratio) as u32);
            // The square 100-150 east and north: image rows 50-100 from the top.
            assert_eq!(at(125.0, 75.0), [255, 0, 0, 255]);
            assert_eq!(at(125.0, 125.0), [0, 0, 0, 0]);
            // A 4 CSS px circle at (25, 175): row 25 from the top, 3 px off its centre is inside.
            assert_eq!(at(27.5, 25.5), [0, 0, 255, 255], "ratio {ratio}");
            assert_eq!(at(31.0, 25.0)[3], 0, "ratio {ratio}");
            for f in ImageFormat::ALL {
                let bytes = encode(&p, f).expect("encode");
                let img = image::load_from_memory(&bytes).expect("decode");
                assert_eq!((img.width(), img.height()), (side, side));
                assert_eq!(image::guess_format(&bytes).ok().map(|g| g.to_mime_type()), Some(f.mime()));
            }
        }
        assert!(
            render(&RenderRequest {
                style: &style,
                zoom: 15.0,
                bbox: [0.0, 0.0, 0.0, 1.0],
                width: 10,
                height: 10,
                ratio: 1.0,
                layers: &layers,
                backdrops: &[],
                background: None,
                fonts_dir: Path::new("/usr/share/fonts/truetype/dejavu"),
            })
            .is_err()
        );
    }

    #[test]
    fn formats_and_zooms() {
        assert_eq!(ImageFormat::from_extension("JPG"), Some(ImageFormat::Jpeg));
        assert_eq!(ImageFormat::from_mime("image/png; mode=8bit"), Some(ImageFormat::Png));
        assert_eq!(ImageFormat::from_extension("gif"), None);
        assert_eq!(ImageFormat::Webp.mime(), "image/webp");
        // A 256 px tile at z16 is style zoom 15; 512 px at z16 is 16.
        let t = crate::tiles::coords::TileCoord { z: 16, x: 0, y: 0 };
        assert!((style_zoom_mercator(t.pixel_m()) - 15.0).abs() < 1e-9);
        assert!((style_zoom_mercator(t.size_m() / 512.0) - 16.0).abs() < 1e-9);
    }
}
