//! GetLegendGraphic: the legend of one readable layer as an image, drawn by the print legend's
//! renderer (the same entries and swatches as a printed map's legend), at the style zoom of
//! `SCALE`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Failure, resolve};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::AppState;
use crate::i18n::Lang;
use crate::ogc_maps::draw::MapLayer;
use crate::ogc_maps::params::{LegendRequest, MapFormat};
use crate::print::issue::cached_style;
use crate::print::legend::{self, Shown};
use crate::print::legend_image::{self, LegendImage};
use crate::print::style::PrintStyle;
use crate::print::texts::DocLang;
use crate::render::{self, ImageFormat};

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
    let style = cached_style(&state.settings.styles_dir, lang)?;
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

/// The legend image of a layer at style zoom `z` (CPU work: in a blocking thread): the print
/// legend's entries for every class the style draws at that zoom
/// ([`crate::print::legend_image`]), sized to its content (`WIDTH` and `HEIGHT` are accepted
/// and bounded, not applied); a raster's is its title.
pub fn legend_image(
    style: &PrintStyle,
    layer: &MapLayer,
    z: f64,
    lang: Lang,
    _width: Option<u32>,
    _height: Option<u32>,
    fonts_dir: &std::path::Path,
) -> anyhow::Result<tiny_skia::Pixmap> {
    match layer {
        MapLayer::Vector(l, _) => legend_image::legend_image(&LegendImage {
            style,
            zoom: z,
            layers: &[(l.as_ref(), Shown::All)],
            lang: DocLang::from_lang(lang),
            ratio: 1.0,
            fonts_dir,
            background: None,
        }),
        MapLayer::Raster(r) => {
            legend_image::draw_groups(&[legend::raster_group(r.title.get(lang))], 1.0, fonts_dir, None)
        }
    }
}
