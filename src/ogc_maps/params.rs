//! The parameters of WMS 1.3.0 GetMap, GetFeatureInfo and GetLegendGraphic checked (pure), with
//! the limits of a request. Layer names are checked against the catalog by the route (an unknown
//! layer and one the caller may not read are the same `LayerNotDefined`).

use super::crs::{MapCrs, map_crs};
use super::error::{ExceptionCode, OgcError};
use super::kvp::Kvp;
use crate::i18n::Msg;

/// The widest and tallest image, pixels.
pub const MAX_SIDE: u32 = 4096;
/// The most pixels of one image (4096 x 3072: 48 MiB of RGBA while drawing).
pub const MAX_PIXELS: u64 = 4096 * 3072;
/// The most layers one GetMap draws.
pub const MAX_LAYERS: usize = 32;
/// The most features one GetFeatureInfo answers with.
pub const MAX_FEATURE_COUNT: u32 = 50;
/// The largest legend image, pixels a side.
pub const MAX_LEGEND_SIDE: u32 = 2048;

/// An image format of GetMap, GetLegendGraphic and GetTile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapFormat {
    Png,
    Jpeg,
    Webp,
}

impl MapFormat {
    pub const ALL: [MapFormat; 3] = [MapFormat::Png, MapFormat::Jpeg, MapFormat::Webp];

    /// From a media type; `image/png; mode=8bit` (QGIS, GDAL) is PNG.
    pub fn parse(s: &str) -> Option<MapFormat> {
        let base = s.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match base.as_str() {
            "image/png" | "png" | "image/png8" => Some(MapFormat::Png),
            "image/jpeg" | "image/jpg" | "jpeg" | "jpg" => Some(MapFormat::Jpeg),
            "image/webp" | "webp" => Some(MapFormat::Webp),
            _ => None,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            MapFormat::Png => "image/png",
            MapFormat::Jpeg => "image/jpeg",
            MapFormat::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            MapFormat::Png => "png",
            MapFormat::Jpeg => "jpg",
            MapFormat::Webp => "webp",
        }
    }

    /// From a file extension of REST tiles.
    pub fn from_extension(ext: &str) -> Option<MapFormat> {
        match ext {
            "png" => Some(MapFormat::Png),
            "jpg" | "jpeg" => Some(MapFormat::Jpeg),
            "webp" => Some(MapFormat::Webp),
            _ => None,
        }
    }
}

/// How GetMap reports an exception (`EXCEPTIONS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionsMode {
    /// The XML report (default).
    Xml,
    /// An image with the message written on it: not offered (answered as [`ExceptionsMode::Xml`]).
    InImage,
    /// An image of the requested size, blank (transparent or `BGCOLOR`).
    Blank,
}

/// A GetMap request checked.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRequest {
    /// Layer names as sent, in drawing order (bottom first).
    pub layers: Vec<String>,
    pub crs: MapCrs,
    /// Min x, min y, max x, max y in PostGIS order (easting or longitude first).
    pub bbox: [f64; 4],
    pub width: u32,
    pub height: u32,
    pub format: MapFormat,
    pub transparent: bool,
    /// `BGCOLOR`, red, green, blue (white by default).
    pub bgcolor: [u8; 3],
    pub exceptions: ExceptionsMode,
}

/// The `VERSION` of GetMap and its kin: 1.3.0 (a client that sends none gets 1.3.0).
pub fn check_version(k: &Kvp) -> Result<(), OgcError> {
    match k.get("VERSION").map(str::trim) {
        None | Some("1.3.0") => Ok(()),
        Some(v) => Err(OgcError::invalid("VERSION", format!("{v} (this service speaks WMS 1.3.0)"))),
    }
}

/// `EXCEPTIONS`, read first so that later errors can be reported the way the client asked.
pub fn exceptions_mode(k: &Kvp) -> ExceptionsMode {
    match k.get("EXCEPTIONS").map(|s| s.trim().to_ascii_uppercase()).as_deref() {
        Some("INIMAGE" | "APPLICATION/VND.OGC.SE_INIMAGE") => ExceptionsMode::InImage,
        Some("BLANK" | "APPLICATION/VND.OGC.SE_BLANK") => ExceptionsMode::Blank,
        _ => ExceptionsMode::Xml,
    }
}

fn parse_bool(k: &Kvp, key: &str) -> Result<bool, OgcError> {
    match k.get(key).map(|s| s.trim().to_ascii_uppercase()).as_deref() {
        None | Some("") | Some("FALSE") => Ok(false),
        Some("TRUE") => Ok(true),
        Some(v) => Err(OgcError::invalid(key, format!("{key}={v} (TRUE or FALSE)"))),
    }
}

fn parse_color(k: &Kvp) -> Result<[u8; 3], OgcError> {
    let Some(v) = k.get("BGCOLOR").map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok([255, 255, 255]);
    };
    let hex =
        v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")).or_else(|| v.strip_prefix('#')).unwrap_or("");
    let n = (hex.len() == 6).then(|| u32::from_str_radix(hex, 16).ok()).flatten();
    match n {
        Some(n) => Ok([(n >> 16) as u8, (n >> 8) as u8, n as u8]),
        None => Err(OgcError::invalid("BGCOLOR", format!("BGCOLOR={v} (0xRRGGBB)"))),
    }
}

fn parse_size(k: &Kvp, key: &str, max: u32) -> Result<u32, OgcError> {
    let v = k.required(key)?;
    let n: u32 =
        v.parse().map_err(|_| OgcError::invalid(key, format!("{key}={v} (a whole number of pixels)")))?;
    if n == 0 {
        return Err(OgcError::invalid(key, format!("{key}=0")));
    }
    if n > max {
        return Err(OgcError::new(ExceptionCode::InvalidParameterValue, Msg::OgcImageTooLarge, key)
            .detail(format!("{key}={n} > {max}")));
    }
    Ok(n)
}

/// `WIDTH` and `HEIGHT` within [`MAX_SIDE`] and [`MAX_PIXELS`].
fn image_size(k: &Kvp) -> Result<(u32, u32), OgcError> {
    let (w, h) = (parse_size(k, "WIDTH", MAX_SIDE)?, parse_size(k, "HEIGHT", MAX_SIDE)?);
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(OgcError::new(ExceptionCode::InvalidParameterValue, Msg::OgcImageTooLarge, "WIDTH")
            .detail(format!("{w} x {h} > {MAX_PIXELS} pixels")));
    }
    Ok((w, h))
}

/// `CRS` and `BBOX` (in the CRS's axis order) as a CRS and a box in PostGIS order.
fn crs_and_bbox(k: &Kvp) -> Result<(MapCrs, [f64; 4]), OgcError> {
    let name = k.required("CRS")?;
    let crs = map_crs(name).ok_or_else(|| {
        OgcError::new(ExceptionCode::InvalidCrs, Msg::OgcInvalidCrs, "CRS").detail(name.to_string())
    })?;
    let raw = k.required("BBOX")?;
    let nums: Vec<f64> =
        raw.split(',').map(|s| s.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| {
            OgcError::invalid(
                "BBOX",
                format!("BBOX={raw} (four numbers: minx,miny,maxx,maxy in the CRS's axis order)"),
            )
        })?;
    if nums.len() != 4 || nums.iter().any(|n| !n.is_finite()) {
        return Err(OgcError::invalid("BBOX", format!("BBOX={raw} (four numbers)")));
    }
    let b = crs.bbox_to_xy([nums[0], nums[1], nums[2], nums[3]]);
    if b[0] >= b[2] || b[1] >= b[3] {
        return Err(OgcError::new(ExceptionCode::InvalidParameterValue, Msg::OgcBboxInvalid, "BBOX")
            .detail(format!("BBOX={raw} ({})", crs.name)));
    }
    if !crs.contains(b) {
        return Err(OgcError::new(ExceptionCode::InvalidParameterValue, Msg::OgcBboxOutside, "BBOX")
            .detail(format!("BBOX={raw} ({})", crs.name)));
    }
    Ok((crs, b))
}

/// Names of a comma-separated list, trimmed, at most `max`.
fn names(k: &Kvp, key: &str, max: usize) -> Result<Vec<String>, OgcError> {
    let v = k.required(key)?;
    let list: Vec<String> = v.split(',').map(|s| s.trim().to_string()).collect();
    if list.iter().any(String::is_empty) {
        return Err(OgcError::invalid(key, format!("{key}={v} (an empty name)")));
    }
    if list.len() > max {
        return Err(OgcError::invalid(key, format!("more than {max} layers")));
    }
    Ok(list)
}

/// `STYLES`: empty, or one entry per layer, each empty or `default`.
fn check_styles(k: &Kvp, layers: usize) -> Result<(), OgcError> {
    let Some(v) = k.get("STYLES") else { return Ok(()) };
    if v.trim().is_empty() {
        return Ok(());
    }
    let styles: Vec<&str> = v.split(',').map(str::trim).collect();
    if let Some(s) = styles.iter().find(|s| !s.is_empty() && !s.eq_ignore_ascii_case("default")) {
        return Err(OgcError::new(ExceptionCode::StyleNotDefined, Msg::OgcStyleNotDefined, "STYLES")
            .detail(s.to_string()));
    }
    if styles.len() != layers {
        return Err(OgcError::invalid("STYLES", format!("{} styles for {layers} layers", styles.len())));
    }
    Ok(())
}

fn format(k: &Kvp, key: &str) -> Result<MapFormat, OgcError> {
    let f = k.required(key)?;
    MapFormat::parse(f).ok_or_else(|| {
        OgcError::new(ExceptionCode::InvalidFormat, Msg::OgcInvalidFormat, key).detail(f.to_string())
    })
}

/// A GetMap request checked (the layers' existence is the route's).
pub fn get_map(k: &Kvp) -> Result<MapRequest, OgcError> {
    check_version(k)?;
    let layers = names(k, "LAYERS", MAX_LAYERS)?;
    check_styles(k, layers.len())?;
    let (crs, bbox) = crs_and_bbox(k)?;
    let (width, height) = image_size(k)?;
    let format = format(k, "FORMAT")?;
    Ok(MapRequest {
        layers,
        crs,
        bbox,
        width,
        height,
        format,
        transparent: parse_bool(k, "TRANSPARENT")?,
        bgcolor: parse_color(k)?,
        exceptions: exceptions_mode(k),
    })
}

/// The formats of GetFeatureInfo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoFormat {
    Json,
    GeoJson,
    Html,
    Text,
}

impl InfoFormat {
    pub const ALL: [InfoFormat; 4] =
        [InfoFormat::Json, InfoFormat::GeoJson, InfoFormat::Html, InfoFormat::Text];

    pub fn parse(s: &str) -> Option<InfoFormat> {
        // A `+` sent unencoded arrives as a space.
        match s.split(';').next().unwrap_or("").trim().to_ascii_lowercase().replace(' ', "+").as_str() {
            "application/json" => Some(InfoFormat::Json),
            "application/geo+json" | "application/vnd.geo+json" => Some(InfoFormat::GeoJson),
            "text/html" => Some(InfoFormat::Html),
            "text/plain" => Some(InfoFormat::Text),
            _ => None,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            InfoFormat::Json => "application/json",
            InfoFormat::GeoJson => "application/geo+json",
            InfoFormat::Html => "text/html",
            InfoFormat::Text => "text/plain",
        }
    }
}

/// A GetFeatureInfo request checked.
#[derive(Debug, Clone, PartialEq)]
pub struct InfoRequest {
    /// The map the point is on (its `FORMAT` is optional here and defaults to PNG).
    pub map: MapRequest,
    pub query_layers: Vec<String>,
    pub info_format: InfoFormat,
    /// Pixel column and row from the top left.
    pub i: u32,
    pub j: u32,
    pub feature_count: u32,
}

/// A GetFeatureInfo request checked: the map part, `QUERY_LAYERS` among `LAYERS`, `I` and `J`
/// inside the image, `INFO_FORMAT`, `FEATURE_COUNT` (1 by default, at most [`MAX_FEATURE_COUNT`]).
pub fn get_feature_info(k: &Kvp) -> Result<InfoRequest, OgcError> {
    check_version(k)?;
    let layers = names(k, "LAYERS", MAX_LAYERS)?;
    check_styles(k, layers.len())?;
    let (crs, bbox) = crs_and_bbox(k)?;
    let (width, height) = image_size(k)?;
    let format = match k.get("FORMAT").map(str::trim) {
        None | Some("") => MapFormat::Png,
        Some(_) => format(k, "FORMAT")?,
    };
    let query_layers = names(k, "QUERY_LAYERS", MAX_LAYERS)?;
    if let Some(q) = query_layers.iter().find(|q| !layers.contains(q)) {
        return Err(OgcError::layer_not_defined("QUERY_LAYERS", q));
    }
    let f = k.required("INFO_FORMAT")?;
    let info_format = InfoFormat::parse(f).ok_or_else(|| {
        OgcError::new(ExceptionCode::InvalidFormat, Msg::OgcInvalidFormat, "INFO_FORMAT").detail(f)
    })?;
    let pixel = |key: &str, max: u32| -> Result<u32, OgcError> {
        let v = k.required(key)?;
        match v.parse::<u32>() {
            Ok(n) if n < max => Ok(n),
            _ => Err(OgcError::new(ExceptionCode::InvalidPoint, Msg::OgcInvalidPoint, key)
                .detail(format!("{key}={v} (0 to {})", max - 1))),
        }
    };
    let (i, j) = (pixel("I", width)?, pixel("J", height)?);
    let feature_count = match k.get("FEATURE_COUNT").map(str::trim) {
        None | Some("") => 1,
        Some(v) => match v.parse::<u32>() {
            Ok(n) if n >= 1 => n.min(MAX_FEATURE_COUNT),
            _ => return Err(OgcError::invalid("FEATURE_COUNT", format!("FEATURE_COUNT={v}"))),
        },
    };
    let map = MapRequest {
        layers,
        crs,
        bbox,
        width,
        height,
        format,
        transparent: parse_bool(k, "TRANSPARENT")?,
        bgcolor: parse_color(k)?,
        exceptions: ExceptionsMode::Xml,
    };
    Ok(InfoRequest { map, query_layers, info_format, i, j, feature_count })
}

/// A GetLegendGraphic request checked (SLD 1.1.0 / the WMS profile).
#[derive(Debug, Clone, PartialEq)]
pub struct LegendRequest {
    pub layer: String,
    pub format: MapFormat,
    /// The scale denominator the legend is for (only the classes shown at it), if given.
    pub scale: Option<f64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

pub fn get_legend_graphic(k: &Kvp) -> Result<LegendRequest, OgcError> {
    let layer = k.required("LAYER")?.trim().to_string();
    if let Some(s) = k.get("STYLE").map(str::trim)
        && !s.is_empty()
        && !s.eq_ignore_ascii_case("default")
    {
        return Err(OgcError::new(ExceptionCode::StyleNotDefined, Msg::OgcStyleNotDefined, "STYLE").detail(s));
    }
    let format = format(k, "FORMAT")?;
    let scale = match k.get("SCALE").map(str::trim) {
        None | Some("") => None,
        Some(v) => match v.parse::<f64>() {
            Ok(s) if s.is_finite() && s > 0.0 => Some(s),
            _ => return Err(OgcError::invalid("SCALE", format!("SCALE={v}"))),
        },
    };
    let side = |key: &str| -> Result<Option<u32>, OgcError> {
        match k.get(key).map(str::trim) {
            None | Some("") => Ok(None),
            Some(_) => parse_size(k, key, MAX_LEGEND_SIDE).map(Some),
        }
    };
    Ok(LegendRequest { layer, format, scale, width: side("WIDTH")?, height: side("HEIGHT")? })
}

/// The ground size of one pixel of a map (metres), for the style's zoom: the box's width over
/// the pixels, on the ground at the box's middle latitude.
pub fn ground_resolution(crs: &MapCrs, bbox: [f64; 4], width: u32) -> f64 {
    let per_px = (bbox[2] - bbox[0]) / f64::from(width.max(1));
    let mid_y = (bbox[1] + bbox[3]) / 2.0;
    match crs.srid {
        4326 => per_px * 111_319.490_793_273_6 * mid_y.to_radians().cos(),
        3857 => {
            let lat = (2.0 * (mid_y / 6_378_137.0).exp().atan() - std::f64::consts::FRAC_PI_2).cos();
            per_px * lat
        }
        // Transverse Mercator near its meridian: true scale within 0.1 %.
        _ => per_px,
    }
}

#[cfg(test)]
mod tests;

/// The latitude of a box's middle (degrees), for the style zoom: exact for EPSG:4326 and
/// EPSG:3857; for the transverse Mercator zones the northing over the meridian's 110.95 km a
/// degree near 43 N (a tenth of a degree off at most in Kazakhstan: nothing for a zoom).
pub fn center_lat(crs: &MapCrs, bbox: [f64; 4]) -> f64 {
    let mid_y = (bbox[1] + bbox[3]) / 2.0;
    match crs.srid {
        4326 => mid_y,
        3857 => (2.0 * (mid_y / 6_378_137.0).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees(),
        _ => mid_y / 110_950.0,
    }
}
