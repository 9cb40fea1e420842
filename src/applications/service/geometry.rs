//! The geometry rule of a service (`[geometry]`) and the pure checks of a submitted site: its type,
//! number of parts and vertices, geodesic area and length, and whether it lies inside a given city
//! boundary. Validity (self-intersections) and the city boundary in the database are PostGIS's
//! part when applications are stored.
//!
//! ```toml
//! [geometry]
//! kind = "polygon"        # none, point, line, polygon, multi_point, multi_line, multi_polygon, layer_feature
//! max_area_m2 = 5000      # polygons: geodesic area on WGS84
//! inside_almaty = true    # the default
//! ```
//! A `layer_feature` site is picked from a layer (`layer = "buildings"`), not drawn.

use geo::orient::{Direction, Orient};
use geo::{Contains, CoordsIter, GeodesicArea, Geometry, Length, MultiPolygon};

/// The geodesic area of a site in m², whichever way its rings wind: the rings are oriented first
/// (exterior counter-clockwise), as a clockwise ring would otherwise measure the rest of the earth.
fn areal_m2(g: &Geometry<f64>) -> f64 {
    match g {
        Geometry::Polygon(p) => p.orient(Direction::Default).geodesic_area_unsigned(),
        Geometry::MultiPolygon(m) => m.orient(Direction::Default).geodesic_area_unsigned(),
        other => other.geodesic_area_unsigned(),
    }
}
use serde::{Deserialize, Serialize};

use super::values::FieldError;
use crate::i18n::Msg;

/// Most vertices of a drawn site.
pub const MAX_VERTICES: usize = 10_000;
/// Most parts of a multi-geometry when the service declares no `max_parts`.
pub const DEFAULT_MAX_PARTS: u32 = 50;

/// What a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeometryKind {
    /// The service has no site.
    None,
    Point,
    Line,
    Polygon,
    MultiPoint,
    MultiLine,
    MultiPolygon,
    /// A feature picked from the layer `layer` (a building, a land plot).
    LayerFeature,
}

impl GeometryKind {
    /// The kind's name in service files and error limits.
    pub fn as_str(self) -> &'static str {
        match self {
            GeometryKind::None => "none",
            GeometryKind::Point => "point",
            GeometryKind::Line => "line",
            GeometryKind::Polygon => "polygon",
            GeometryKind::MultiPoint => "multi_point",
            GeometryKind::MultiLine => "multi_line",
            GeometryKind::MultiPolygon => "multi_polygon",
            GeometryKind::LayerFeature => "layer_feature",
        }
    }

    fn is_areal(self) -> bool {
        matches!(self, GeometryKind::Polygon | GeometryKind::MultiPolygon)
    }

    fn is_linear(self) -> bool {
        matches!(self, GeometryKind::Line | GeometryKind::MultiLine)
    }

    fn is_multi(self) -> bool {
        matches!(self, GeometryKind::MultiPoint | GeometryKind::MultiLine | GeometryKind::MultiPolygon)
    }
}

/// The geometry rule of a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeometryRule {
    pub kind: GeometryKind,
    /// Whether a site must be given (default: yes, unless `kind = "none"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// The site must lie inside the city (default: yes).
    #[serde(default = "yes")]
    pub inside_almaty: bool,
    /// Largest area of a polygon site, m² (geodesic, WGS84).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_area_m2: Option<f64>,
    /// Longest line site, m (geodesic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length_m: Option<f64>,
    /// Most parts of a multi-geometry (default [`DEFAULT_MAX_PARTS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_parts: Option<u32>,
    /// The layer a `layer_feature` is picked from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

fn yes() -> bool {
    true
}

impl Default for GeometryRule {
    fn default() -> Self {
        GeometryRule {
            kind: GeometryKind::None,
            required: None,
            inside_almaty: true,
            max_area_m2: None,
            max_length_m: None,
            max_parts: None,
            layer: None,
        }
    }
}

impl GeometryRule {
    /// Whether a site must be given.
    pub fn is_required(&self) -> bool {
        self.required.unwrap_or(self.kind != GeometryKind::None)
    }

    /// Checks the declaration: the first problem as (field, reason).
    pub fn check(&self) -> Result<(), (String, String)> {
        let e = |f: &str, r: &str| Err((format!("geometry.{f}"), r.to_string()));
        let positive = |v: Option<f64>| v.is_none_or(|v| v.is_finite() && v > 0.0);
        if self.max_area_m2.is_some() && !self.kind.is_areal() {
            return e("max_area_m2", "applies to polygon and multi_polygon only");
        }
        if self.max_length_m.is_some() && !self.kind.is_linear() {
            return e("max_length_m", "applies to line and multi_line only");
        }
        if !positive(self.max_area_m2) {
            return e("max_area_m2", "must be a positive number");
        }
        if !positive(self.max_length_m) {
            return e("max_length_m", "must be a positive number");
        }
        if self.max_parts.is_some() && !self.kind.is_multi() {
            return e("max_parts", "applies to multi_ geometries only");
        }
        if self.max_parts.is_some_and(|p| p == 0 || p > 1000) {
            return e("max_parts", "must be 1 to 1000");
        }
        match (self.kind, &self.layer) {
            (GeometryKind::LayerFeature, None) => {
                e("layer", "a layer_feature needs the `layer` it is picked from")
            }
            (GeometryKind::LayerFeature, Some(l)) if !crate::layers::catalog::is_valid_id(l) => {
                e("layer", "is not a layer id")
            }
            (GeometryKind::LayerFeature, Some(_)) => Ok(()),
            (_, Some(_)) => e("layer", "applies to layer_feature only"),
            (GeometryKind::None, None) if self.required == Some(true) => {
                e("required", "a service without a site cannot require one")
            }
            _ => Ok(()),
        }
    }
}

/// A submitted site: none, drawn, or a feature picked from the rule's layer.
#[derive(Debug, Clone, PartialEq)]
pub enum Site {
    None,
    Drawn(Geometry<f64>),
    Feature { layer: String, id: i64 },
}

/// Checks a site against the rule (path `geometry`). `city` is the city boundary when the caller
/// has one at hand (WGS84); without it `inside_almaty` is left to the database.
pub fn check_site(rule: &GeometryRule, site: &Site, city: Option<&MultiPolygon<f64>>) -> Vec<FieldError> {
    let err = |m: Msg| vec![FieldError::new("geometry", m)];
    let g = match (rule.kind, site) {
        (_, Site::None) if rule.is_required() => return err(Msg::FieldRequired),
        (_, Site::None) => return vec![],
        (GeometryKind::None, _) => return err(Msg::GeometryNotExpected),
        (GeometryKind::LayerFeature, Site::Feature { layer, .. }) if Some(layer) == rule.layer.as_ref() => {
            return vec![];
        }
        (GeometryKind::LayerFeature, _) | (_, Site::Feature { .. }) => {
            return vec![FieldError::new("geometry", Msg::GeometryWrongType).with_limit(rule.kind.as_str())];
        }
        (_, Site::Drawn(g)) => g,
    };
    let parts = match (rule.kind, g) {
        (GeometryKind::Point, Geometry::Point(_))
        | (GeometryKind::Line, Geometry::LineString(_))
        | (GeometryKind::Polygon, Geometry::Polygon(_)) => 1,
        (GeometryKind::MultiPoint, Geometry::MultiPoint(m)) => m.0.len(),
        (GeometryKind::MultiLine, Geometry::MultiLineString(m)) => m.0.len(),
        (GeometryKind::MultiPolygon, Geometry::MultiPolygon(m)) => m.0.len(),
        (GeometryKind::MultiPoint, Geometry::Point(_))
        | (GeometryKind::MultiLine, Geometry::LineString(_))
        | (GeometryKind::MultiPolygon, Geometry::Polygon(_)) => 1,
        _ => return vec![FieldError::new("geometry", Msg::GeometryWrongType).with_limit(rule.kind.as_str())],
    };
    let max_parts = rule.max_parts.unwrap_or(DEFAULT_MAX_PARTS) as usize;
    if parts == 0 || parts > max_parts || g.coords_count() > MAX_VERTICES {
        return vec![
            FieldError::new("geometry", Msg::GeometryTooComplex)
                .with_limit(format!("{max_parts} parts, {MAX_VERTICES} vertices")),
        ];
    }
    if g.coords_iter()
        .any(|c| !(c.x.is_finite() && c.y.is_finite() && c.x.abs() <= 180.0 && c.y.abs() <= 90.0))
    {
        return err(Msg::InvalidGeometryLiteral);
    }
    let mut errors = Vec::new();
    if let Some(max) = rule.max_area_m2
        && areal_m2(g) > max
    {
        errors.push(FieldError::new("geometry", Msg::GeometryTooLarge).with_limit(format!("{max} m²")));
    }
    if let Some(max) = rule.max_length_m {
        let len = match g {
            Geometry::LineString(l) => geo::Geodesic.length(l),
            Geometry::MultiLineString(m) => geo::Geodesic.length(m),
            _ => 0.0,
        };
        if len > max {
            errors.push(FieldError::new("geometry", Msg::GeometryTooLong).with_limit(format!("{max} m")));
        }
    }
    if rule.inside_almaty
        && let Some(city) = city
        && !city.contains(g)
    {
        errors.push(FieldError::new("geometry", Msg::GeometryOutsideCity));
    }
    errors
}
