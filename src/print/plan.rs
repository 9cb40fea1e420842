//! A print request (`POST /api/print`) checked against the limits and the caller's access
//! (pure): centre or bounding box, scale, paper, CRS and its area, layers, title, language.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use super::issue::printable_layers;
use super::layout::{self, Orientation, PageLayout, Paper};
use super::store::{self, PrintCrs};
use super::style::PrintStyle;
use super::texts::DocLang;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::layers::catalog::LayerDef;

/// A print request (`POST /api/print`). What its schema cannot say is answered 400: `center` or
/// `bbox` (one of them), a centre inside the area of the CRS, a fitted scale within the bounds,
/// layers the caller may print.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrintRequest {
    /// Centre of the frame, `[longitude, latitude]` (WGS84).
    #[schema(value_type = Option<Vec<f64>>, min_items = 2, max_items = 2)]
    pub center: Option<[f64; 2]>,
    /// Or the area to show, `[west, south, east, north]` (WGS84): centred, and when no scale is
    /// given, the smallest whole hundred scale that fits it.
    #[schema(value_type = Option<Vec<f64>>, min_items = 4, max_items = 4)]
    pub bbox: Option<[f64; 4]>,
    /// The scale's denominator, 500 … 500,000.
    #[schema(minimum = 500, maximum = 500000)]
    pub scale: Option<f64>,
    #[serde(default = "default_paper")]
    pub paper: Paper,
    #[serde(default)]
    pub orientation: Orientation,
    /// Layer ids; every layer the caller may read when absent.
    #[schema(min_items = 1)]
    pub layers: Option<Vec<String>>,
    /// Rasters drawn under the layers, in order (orthophotos, topographic surveys, `hillshade`):
    /// ids from `GET /api/rasters`; one the caller may not read is refused like an unknown one.
    #[schema(max_items = 8)]
    pub rasters: Option<Vec<String>>,
    /// At most 200 characters, no control characters.
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub title: Option<String>,
    pub lang: Option<DocLang>,
    /// `EPSG:3857` (default), `EPSG:32643` or `EPSG:28413`.
    #[schema(pattern = "^EPSG:(3857|32643|28413)$")]
    pub crs: Option<String>,
}

fn default_paper() -> Paper {
    Paper::A4
}

/// A request checked against the limits, ready to render.
#[derive(Debug)]
pub(crate) struct PrintPlan {
    pub(crate) center: (f64, f64),
    pub(crate) scale: f64,
    pub(crate) paper: Paper,
    pub(crate) orientation: Orientation,
    pub(crate) layers: Vec<Arc<LayerDef>>,
    pub(crate) title: String,
    pub(crate) lang: DocLang,
    pub(crate) crs: PrintCrs,
    /// Raster ids to draw under the layers, in order (not yet checked against the caller).
    pub(crate) rasters: Vec<String>,
}

/// The most rasters one print draws.
pub const MAX_PRINT_RASTERS: usize = 8;

pub(crate) fn plan(
    req: PrintRequest,
    caller: &Caller,
    catalog: &crate::layers::Catalog,
    style: &PrintStyle,
    lang: Lang,
) -> Result<PrintPlan, ApiError> {
    let doc_lang = req.lang.unwrap_or(DocLang::from_lang(lang));
    let elang = doc_lang.primary();
    let bad = |m: String| ApiError::bad_request(elang, m);
    let layout = PageLayout::new(req.paper, req.orientation);
    let (fw, fh) = layout.frame_mm();
    let (center, fitted) = match (req.center, req.bbox) {
        (Some(_), Some(_)) => return Err(bad("give either `center` or `bbox`, not both".into())),
        (None, None) => {
            return Err(bad(
                "`center` ([longitude, latitude]) or `bbox` ([west, south, east, north]) is required".into(),
            ));
        }
        (Some([lon, lat]), None) => ((lon, lat), None),
        (None, Some([w, s, e, n])) => {
            if !(w < e && s < n) {
                return Err(bad(format!(
                    "`bbox` must be [west, south, east, north] with west < east and south < north, got {:?}",
                    [w, s, e, n]
                )));
            }
            let lat = (s + n) / 2.0;
            let ground_w = (e - w) * 111_320.0 * lat.to_radians().cos();
            let ground_h = (n - s) * 110_574.0;
            let fit = (ground_w / (fw / 1000.0)).max(ground_h / (fh / 1000.0));
            (((w + e) / 2.0, lat), Some((fit / 100.0).ceil() * 100.0))
        }
    };
    if !(-180.0..=180.0).contains(&center.0) || !(-85.0..=85.0).contains(&center.1) {
        return Err(bad(format!("the centre {:?} is not a WGS84 longitude, latitude", [center.0, center.1])));
    }
    let scale = req.scale.or(fitted).unwrap_or(0.0);
    if !(layout::MIN_SCALE..=layout::MAX_SCALE).contains(&scale) || !scale.is_finite() {
        return Err(bad(format!(
            "`scale` {} is outside 1:{} … 1:{}",
            scale,
            layout::MIN_SCALE,
            layout::MAX_SCALE
        )));
    }
    let crs_name = req.crs.as_deref().unwrap_or("EPSG:3857");
    let crs = store::print_crs(crs_name).ok_or_else(|| {
        bad(format!(
            "`crs` {crs_name} is not offered; use one of {}",
            store::PRINT_CRS.iter().map(|c| format!("EPSG:{}", c.srid)).collect::<Vec<_>>().join(", ")
        ))
    })?;
    let [w, s, e, n] = crs.area;
    if !(w..=e).contains(&center.0) || !(s..=n).contains(&center.1) {
        return Err(bad(format!(
            "the centre {:?} is outside the area of EPSG:{} (longitude {w} … {e}, latitude {s} … {n})",
            [center.0, center.1],
            crs.srid
        )));
    }
    let readable: Vec<Arc<LayerDef>> = catalog.readable_all(caller).cloned().collect();
    let printable = printable_layers(style, readable);
    let layers = match req.layers {
        // As the web map opens: layers whose every style layer is hidden by default are left out.
        None => printable
            .into_iter()
            .filter(|l| style.layers.iter().any(|sl| sl.source_layer == l.id && !sl.hidden_by_default()))
            .collect(),
        Some(ids) => {
            if ids.is_empty() {
                return Err(bad("`layers` is empty".into()));
            }
            // A layer the caller may not read is reported exactly like one that does not exist.
            let unknown: Vec<&String> =
                ids.iter().filter(|id| !printable.iter().any(|l| &l.id == *id)).collect();
            if !unknown.is_empty() {
                return Err(ApiError::bad_request(
                    elang,
                    format!(
                        "unknown layers: {}",
                        unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                )
                .with_details(json!(
                    unknown
                        .iter()
                        .map(|id| json!({"field": "layers", "value": id, "problem": "unknown layer"}))
                        .collect::<Vec<_>>()
                )));
            }
            // Drawn in the style's order whatever the order asked.
            printable.into_iter().filter(|l| ids.contains(&l.id)).collect()
        }
    };
    let title =
        req.title.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).unwrap_or_else(|| match doc_lang {
            DocLang::Kk => "Алматы қаласының картасы".into(),
            DocLang::Ru => "Карта города Алматы".into(),
            DocLang::En => "Map of Almaty".into(),
            DocLang::KkRu => "Алматы қаласының картасы / Карта города Алматы".into(),
        });
    if title.chars().count() > 200 {
        return Err(bad("`title` is longer than 200 characters".into()));
    }
    if title.chars().any(char::is_control) {
        return Err(bad("`title` contains control characters".into()));
    }
    let mut rasters: Vec<String> = Vec::new();
    for id in req.rasters.unwrap_or_default() {
        if !rasters.contains(&id) {
            rasters.push(id);
        }
    }
    if rasters.len() > MAX_PRINT_RASTERS {
        return Err(bad(format!("at most {MAX_PRINT_RASTERS} `rasters` are printed, not {}", rasters.len())));
    }
    Ok(PrintPlan {
        rasters,
        center,
        scale,
        paper: req.paper,
        orientation: req.orientation,
        layers,
        title,
        lang: doc_lang,
        crs,
    })
}
