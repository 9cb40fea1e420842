//! GetLegendGraphic: the legend of one readable layer as an image. The image comes from
//! [`legend_image`], the one place to swap for the print legend's renderer.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Failure, resolve};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::AppState;
use crate::i18n::Lang;
use crate::layers::catalog::{GeometryType, LayerDef};
use crate::ogc_maps::draw::{MapLayer, style_for};
use crate::ogc_maps::params::{LegendRequest, MapFormat};
use crate::print::map::{LayerData, PrintFeature};
use crate::print::style::PrintStyle;
use crate::render::{self, ImageFormat, RenderRequest};

/// The style zoom of a legend: from `SCALE` (OGC's 0.28 mm pixel at Almaty's latitude), else 16.
pub fn legend_zoom(scale: Option<f64>) -> f64 {
    scale.map_or(16.0, |s| render::style_zoom(s * 0.000_28, 43.25))
}

pub(super) async fn answer(
    state: &AppState,
    caller: &Caller,
    req: LegendRequest,
    lang: Lang,
) -> Result<Response, Failure> {
    let layer = resolve(state, caller, "LAYER", &req.layer).await?;
    let style = style_for(&state.settings.styles_dir, lang)?;
    let z = legend_zoom(req.scale);
    let fonts = state.settings.fonts_dir.clone();
    let turn = state.settings.render.enter(lang).await?;
    let public = caller.principal().is_none() && layer.public();
    let format = req.format;
    let bytes = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        let image = legend_image(&style, &layer, z, lang, req.width, req.height, &fonts)?;
        render::encode(&image, image_format(format))
    })
    .await
    .map_err(|e| ApiError::internal(lang, e))?
    .map_err(|e| ApiError::internal(lang, e))?;
    drop(turn);
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.mime()));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public { "public, max-age=60" } else { "private, no-store" }),
    );
    Ok(res)
}

fn image_format(f: MapFormat) -> ImageFormat {
    match f {
        MapFormat::Png => ImageFormat::Png,
        MapFormat::Jpeg => ImageFormat::Jpeg,
        MapFormat::Webp => ImageFormat::Webp,
    }
}

/// The legend image of a layer at style zoom `z` (CPU work: in a blocking thread). Until the
/// print legend's renderer serves images, a swatch: the layer's kind of geometry drawn with its
/// style in a `width` x `height` box (20 x 20 by default); a raster's is empty.
pub fn legend_image(
    style: &PrintStyle,
    layer: &MapLayer,
    z: f64,
    _lang: Lang,
    width: Option<u32>,
    height: Option<u32>,
    fonts_dir: &std::path::Path,
) -> anyhow::Result<tiny_skia::Pixmap> {
    let (w, h) = (width.unwrap_or(20), height.unwrap_or(20));
    let data: Vec<LayerData> = match layer {
        MapLayer::Vector(l, _) => vec![swatch(l, f64::from(w), f64::from(h))],
        MapLayer::Raster(_) => Vec::new(),
    };
    render::render(&RenderRequest {
        style,
        zoom: z,
        bbox: [0.0, 0.0, f64::from(w), f64::from(h)],
        width: w,
        height: h,
        ratio: 1.0,
        layers: &data,
        backdrops: &[],
        background: None,
        fonts_dir,
    })
}

/// A sample feature of the layer's kind filling most of a `w` x `h` box.
fn swatch(l: &LayerDef, w: f64, h: f64) -> LayerData {
    let (m, n) = (w * 0.15, h * 0.15);
    let geom = match l.geometry {
        GeometryType::Polygon => geo::Geometry::Polygon(geo::Polygon::new(
            vec![(m, n), (w - m, n), (w - m, h - n), (m, h - n), (m, n)].into(),
            vec![],
        )),
        GeometryType::Line => geo::Geometry::LineString(vec![(m, h / 2.0), (w - m, h / 2.0)].into()),
        GeometryType::Point => geo::Geometry::Point(geo::Point::new(w / 2.0, h / 2.0)),
    };
    LayerData {
        id: l.id.clone(),
        title: l.id.clone(),
        features: vec![PrintFeature { id: 0, props: Default::default(), geom }],
    }
}
