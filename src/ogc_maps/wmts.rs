//! WMTS 1.0 (pure): the two tile matrix sets and GetTile requests in KVP and REST form.
//!
//! - `GoogleMapsCompatible`: EPSG:3857, OGC's well-known scale set (256-pixel tiles, the origin at
//!   (-20037508.34, 20037508.34), z0 at 559 082 264.03), levels 0 to [`GOOGLE_MAX_LEVEL`]: the
//!   raster tiles `/tiles/{layer}/{z}/{x}/{y}` (row = y, col = x), the same cache.
//! - `UTM43N`: EPSG:32643 (easting, northing), defined here for the Almaty region: the top-left
//!   corner at E 150 000, N 5 200 000, level 0 one 256-pixel tile of 4096 m a pixel (1 048 576 m
//!   a side, about 71-84 E, 37.5-47 N: the city and the whole Almaty region), each level halving
//!   the pixel down to level [`UTM_MAX_LEVEL`] (0.0625 m); scale denominators at OGC's 0.28 mm
//!   pixel (level 0: 1:14 628 571). Rendered through `crate::render` for each tile's box.

use super::crs::{MERC_MAX, MapCrs, map_crs};
use super::error::{ExceptionCode, OgcError};
use super::kvp::Kvp;
use super::params::MapFormat;
use crate::i18n::Msg;

/// The highest level of GoogleMapsCompatible.
pub const GOOGLE_MAX_LEVEL: u8 = 20;
/// The highest level of UTM43N.
pub const UTM_MAX_LEVEL: u8 = 16;
/// OGC's standardised rendering pixel, metres.
pub const PIXEL_M: f64 = 0.000_28;
/// The tile size of both sets, pixels.
pub const TILE_PX: u32 = 256;

/// A tile matrix set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileMatrixSet {
    pub id: &'static str,
    pub crs: &'static str,
    /// `ows:SupportedCRS`.
    pub urn: &'static str,
    pub well_known: Option<&'static str>,
    /// Top-left corner (x = easting, y = northing).
    pub top_left: (f64, f64),
    /// Metres a pixel at level 0.
    pub res0: f64,
    pub max_level: u8,
}

pub const GOOGLE: TileMatrixSet = TileMatrixSet {
    id: "GoogleMapsCompatible",
    crs: "EPSG:3857",
    urn: "urn:ogc:def:crs:EPSG::3857",
    well_known: Some("urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible"),
    top_left: (-MERC_MAX, MERC_MAX),
    res0: 2.0 * MERC_MAX / 256.0,
    max_level: GOOGLE_MAX_LEVEL,
};

pub const UTM43N: TileMatrixSet = TileMatrixSet {
    id: "UTM43N",
    crs: "EPSG:32643",
    urn: "urn:ogc:def:crs:EPSG::32643",
    well_known: None,
    top_left: (150_000.0, 5_200_000.0),
    res0: 4096.0,
    max_level: UTM_MAX_LEVEL,
};

pub const SETS: [TileMatrixSet; 2] = [GOOGLE, UTM43N];

impl TileMatrixSet {
    pub fn by_id(id: &str) -> Option<TileMatrixSet> {
        SETS.iter().copied().find(|s| s.id.eq_ignore_ascii_case(id.trim()))
    }

    pub fn map_crs(&self) -> MapCrs {
        map_crs(self.crs).unwrap_or(super::crs::MAP_CRS[0])
    }

    /// Metres a pixel at `level`.
    pub fn resolution(&self, level: u8) -> f64 {
        self.res0 / f64::from(1u32 << level)
    }

    pub fn scale_denominator(&self, level: u8) -> f64 {
        self.resolution(level) / PIXEL_M
    }

    /// Tiles a row (and rows) at `level`.
    pub fn matrix_size(&self, level: u8) -> u32 {
        1u32 << level
    }

    /// The box of a tile, PostGIS order.
    pub fn tile_bbox(&self, level: u8, row: u32, col: u32) -> [f64; 4] {
        let side = self.resolution(level) * f64::from(TILE_PX);
        let x0 = self.top_left.0 + f64::from(col) * side;
        let y1 = self.top_left.1 - f64::from(row) * side;
        [x0, y1 - side, x0 + side, y1]
    }
}

/// A GetTile request checked (the layer's existence and access are the route's).
#[derive(Debug, Clone, PartialEq)]
pub struct TileRequest {
    pub layer: String,
    pub set: TileMatrixSet,
    pub level: u8,
    pub row: u32,
    pub col: u32,
    pub format: MapFormat,
}

/// The parts of a GetTile, as sent in either form.
#[derive(Debug, Clone, Copy)]
pub struct TileParts<'a> {
    pub layer: &'a str,
    pub style: &'a str,
    pub set: &'a str,
    pub matrix: &'a str,
    pub row: &'a str,
    pub col: &'a str,
    pub format: &'a str,
}

/// Checks a GetTile: style `default` (or empty), a known set, a matrix of it, the row and column
/// inside the matrix (`TileOutOfRange` otherwise), a known format.
pub fn tile_request(p: TileParts<'_>) -> Result<TileRequest, OgcError> {
    if !p.style.is_empty() && !p.style.eq_ignore_ascii_case("default") {
        return Err(OgcError::new(ExceptionCode::InvalidParameterValue, Msg::OgcStyleNotDefined, "STYLE")
            .detail(p.style.to_string()));
    }
    let set =
        TileMatrixSet::by_id(p.set).ok_or_else(|| OgcError::invalid("TILEMATRIXSET", p.set.to_string()))?;
    let level = p
        .matrix
        .trim()
        .rsplit(':')
        .next()
        .and_then(|m| m.parse::<u8>().ok())
        .filter(|l| *l <= set.max_level)
        .ok_or_else(|| OgcError::invalid("TILEMATRIX", format!("{} (0 to {})", p.matrix, set.max_level)))?;
    let size = set.matrix_size(level);
    let index = |key: &str, v: &str| -> Result<u32, OgcError> {
        match v.trim().parse::<i64>() {
            Ok(n) if (0..i64::from(size)).contains(&n) => Ok(n as u32),
            Ok(_) => Err(OgcError::new(ExceptionCode::TileOutOfRange, Msg::OgcTileOutOfRange, key)
                .detail(format!("{key}={v} (0 to {})", size - 1))),
            Err(_) => Err(OgcError::invalid(key, format!("{key}={v}"))),
        }
    };
    let row = index("TILEROW", p.row)?;
    let col = index("TILECOL", p.col)?;
    let format =
        MapFormat::parse(p.format).or_else(|| MapFormat::from_extension(p.format)).ok_or_else(|| {
            OgcError::new(ExceptionCode::InvalidParameterValue, Msg::OgcInvalidFormat, "FORMAT")
                .detail(p.format.to_string())
        })?;
    Ok(TileRequest { layer: p.layer.to_string(), set, level, row, col, format })
}

/// A KVP GetTile.
pub fn get_tile_kvp(k: &Kvp) -> Result<TileRequest, OgcError> {
    if let Some(v) = k.get("VERSION").map(str::trim)
        && v != "1.0.0"
    {
        return Err(OgcError::invalid("VERSION", format!("{v} (this service speaks WMTS 1.0.0)")));
    }
    tile_request(TileParts {
        layer: k.required("LAYER")?,
        style: k.required("STYLE")?,
        set: k.required("TILEMATRIXSET")?,
        matrix: k.required("TILEMATRIX")?,
        row: k.required("TILEROW")?,
        col: k.required("TILECOL")?,
        format: k.required("FORMAT")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(set: &'a str, matrix: &'a str, row: &'a str, col: &'a str) -> TileParts<'a> {
        TileParts { layer: "a", style: "default", set, matrix, row, col, format: "image/png" }
    }

    #[test]
    fn google_matches_xyz_tiles() {
        assert!((GOOGLE.scale_denominator(0) - 559_082_264.028_717_8).abs() < 1e-3);
        let b = GOOGLE.tile_bbox(1, 0, 1);
        assert!((b[0] - 0.0).abs() < 1e-6 && (b[3] - MERC_MAX).abs() < 1e-6 && (b[1] - 0.0).abs() < 1e-6);
        let t = tile_request(parts("GoogleMapsCompatible", "13", "2950", "5846")).unwrap();
        assert_eq!((t.level, t.row, t.col), (13, 2950, 5846));
        assert!(tile_request(parts("googlemapscompatible", "EPSG:3857:3", "0", "7")).is_ok());
    }

    #[test]
    fn utm_covers_almaty() {
        // Almaty's centre, about E 655 000, N 4 790 000 in zone 43.
        let l = 10;
        let res = UTM43N.resolution(l);
        let col = ((655_000.0 - UTM43N.top_left.0) / (res * 256.0)).floor() as u32;
        let row = ((UTM43N.top_left.1 - 4_790_000.0) / (res * 256.0)).floor() as u32;
        assert!(col < UTM43N.matrix_size(l) && row < UTM43N.matrix_size(l));
        let b = UTM43N.tile_bbox(l, row, col);
        assert!(b[0] <= 655_000.0 && 655_000.0 < b[2] && b[1] < 4_790_000.0 && 4_790_000.0 <= b[3]);
        assert_eq!(UTM43N.resolution(UTM_MAX_LEVEL), 0.0625);
        assert!((UTM43N.scale_denominator(0) - 14_628_571.43).abs() < 0.01);
    }

    #[test]
    fn out_of_range_and_bad_values() {
        let e = tile_request(parts("UTM43N", "2", "4", "0")).unwrap_err();
        assert_eq!((e.code, e.locator.as_deref()), (ExceptionCode::TileOutOfRange, Some("TILEROW")));
        let e = tile_request(parts("UTM43N", "2", "0", "-1")).unwrap_err();
        assert_eq!((e.code, e.locator.as_deref()), (ExceptionCode::TileOutOfRange, Some("TILECOL")));
        let e = tile_request(parts("UTM43N", "17", "0", "0")).unwrap_err();
        assert_eq!(
            (e.code, e.locator.as_deref()),
            (ExceptionCode::InvalidParameterValue, Some("TILEMATRIX"))
        );
        let e = tile_request(parts("WorldCRS84Quad", "1", "0", "0")).unwrap_err();
        assert_eq!(e.locator.as_deref(), Some("TILEMATRIXSET"));
        let e =
            tile_request(TileParts { format: "image/gif", ..parts("UTM43N", "1", "0", "0") }).unwrap_err();
        assert_eq!(e.locator.as_deref(), Some("FORMAT"));
        let e = tile_request(TileParts { style: "red", ..parts("UTM43N", "1", "0", "0") }).unwrap_err();
        assert_eq!(e.locator.as_deref(), Some("STYLE"));
        let e = tile_request(parts("UTM43N", "1", "x", "0")).unwrap_err();
        assert_eq!(e.code, ExceptionCode::InvalidParameterValue);
    }
}
