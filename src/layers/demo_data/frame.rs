//! The local metric frame of the generator and the city outline in it (geometry through `geo`).
//!
//! Positions are computed in metres east and north of an origin near the centre of Almaty
//! (longitudes scaled by cos 43.25°, an affine map of lon/lat), and the street grid is that frame
//! turned by [`GRID_ANGLE_DEG`]; both are [`AffineTransform`]s. [`City`] holds the outline in
//! metres for the questions the generator asks many thousand times: is a point inside
//! (an interval tree), is a block inside, outside or across the boundary (an R-tree of the
//! boundary's edges, then `geo`'s intersection tests), which parts of a line lie inside (cut at
//! the crossings `geo` finds with the edges near it) or of a polygon (a boolean operation).

use std::sync::LazyLock;

use geo::indexed::IntervalTreeMultiPolygon;
use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{
    AffineOps, AffineTransform, Area, BooleanOps, BoundingRect, Contains, Coord, Distance, Euclidean,
    Geometry, InterpolatePoint, Intersects, Length, Line, LineLocatePoint, LineString, LinesIter,
    MultiPolygon, Orient, Point, Polygon, Rect, orient::Direction,
};
use rstar::{AABB, RTree};

/// Origin of the local frame, near the crossing of Abylai Khan and Tole Bi.
pub(super) const LON0: f64 = 76.93;
pub(super) const LAT0: f64 = 43.25;
/// Metres per degree of latitude at 43° N.
pub(super) const M_PER_DEG_LAT: f64 = 111_132.0;
/// Metres per degree of longitude at 43.25° N: 111 320 m × cos 43.25°.
pub(super) const M_PER_DEG_LON: f64 = 81_082.26;
/// The street grid is turned this many degrees anticlockwise from the meridian.
pub(super) const GRID_ANGLE_DEG: f64 = -2.0;

/// The transforms between lon/lat, metres and grid coordinates.
struct Frame {
    ll_to_m: AffineTransform,
    m_to_ll: AffineTransform,
    grid_to_m: AffineTransform,
    m_to_grid: AffineTransform,
}

static FRAME: LazyLock<Frame> = LazyLock::new(|| {
    let ll_to_m = AffineTransform::translate(-LON0, -LAT0).scaled(M_PER_DEG_LON, M_PER_DEG_LAT, c(0.0, 0.0));
    let grid_to_m = AffineTransform::rotate(GRID_ANGLE_DEG, c(0.0, 0.0));
    // Scales and a rotation: both are invertible.
    let m_to_ll = ll_to_m.inverse().unwrap_or_default();
    let m_to_grid = grid_to_m.inverse().unwrap_or_default();
    Frame { ll_to_m, m_to_ll, grid_to_m, m_to_grid }
});

pub(super) fn c(x: f64, y: f64) -> Coord<f64> {
    Coord { x, y }
}

/// Lon/lat to metres east and north of the origin.
pub(super) fn to_m(p: Coord<f64>) -> Coord<f64> {
    FRAME.ll_to_m.apply(p)
}

/// Metres east and north of the origin to lon/lat.
pub(super) fn to_ll(p: Coord<f64>) -> Coord<f64> {
    FRAME.m_to_ll.apply(p)
}

/// Metric position of a lon/lat pair.
pub(super) fn ll_m(lon: f64, lat: f64) -> Coord<f64> {
    to_m(c(lon, lat))
}

/// Grid coordinates (u along the grid's "east", v along its "north") to metres.
pub(super) fn grid_to_m(u: f64, v: f64) -> Coord<f64> {
    FRAME.grid_to_m.apply(c(u, v))
}

/// Metres to grid coordinates.
pub(super) fn m_to_grid(p: Coord<f64>) -> (f64, f64) {
    FRAME.m_to_grid.apply(p).x_y()
}

/// The metric polygon of a rectangle in grid coordinates (corners `lo`, `hi`).
pub(super) fn grid_rect_m(lo: (f64, f64), hi: (f64, f64)) -> Polygon<f64> {
    Rect::new(c(lo.0, lo.1), c(hi.0, hi.1)).to_polygon().affine_transform(&FRAME.grid_to_m)
}

/// A metric geometry in lon/lat.
pub(super) fn m_to_ll<G: AffineOps<f64>>(g: &G) -> G {
    g.affine_transform(&FRAME.m_to_ll)
}

/// A lon/lat polygon from a metric one, its exterior anticlockwise.
pub(super) fn polygon_ll(p: &Polygon<f64>) -> Polygon<f64> {
    m_to_ll(p).orient(Direction::Default)
}

/// Area of a metric polygon's lon/lat image in square metres of the local frame.
fn frame_area_m2(p: &Polygon<f64>) -> f64 {
    p.unsigned_area() * M_PER_DEG_LON * M_PER_DEG_LAT
}

/// Where a shape lies with respect to the city.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    Inside,
    Outside,
    Across,
}

/// The city outline: as given (lon/lat), and in metres indexed for the questions the generator
/// asks many thousand times: an interval tree for points, an R-tree of the boundary's edges for
/// shapes (only a shape that a boundary edge comes near needs an exact answer).
pub(super) struct City<'a> {
    ll: &'a MultiPolygon<f64>,
    index: IntervalTreeMultiPolygon<f64>,
    edges: RTree<Line<f64>>,
    /// Metric bounds (an empty outline has empty bounds at the origin).
    pub bounds: Rect<f64>,
}

impl<'a> City<'a> {
    pub fn new(ll: &'a MultiPolygon<f64>) -> Self {
        let m = ll.affine_transform(&FRAME.ll_to_m);
        let bounds = m.bounding_rect().unwrap_or(Rect::new(c(0.0, 0.0), c(0.0, 0.0)));
        let edges = RTree::bulk_load(m.lines_iter().collect());
        City { ll, index: IntervalTreeMultiPolygon::new(&m), edges, bounds }
    }

    /// Whether the metric point `p` is inside the city.
    pub fn contains(&self, p: Coord<f64>) -> bool {
        self.index.contains(&p)
    }

    /// The boundary edges whose boxes meet `area`.
    pub fn edges_in(&self, area: Rect<f64>) -> Vec<Line<f64>> {
        let envelope = AABB::from_corners(Point::from(area.min()), Point::from(area.max()));
        self.edges.locate_in_envelope_intersecting(&envelope).copied().collect()
    }

    /// Where a metric polygon lies: wholly inside, wholly outside, or across the boundary.
    pub fn place(&self, p: &Polygon<f64>) -> Place {
        match p.bounding_rect() {
            Some(area) => self.place_among(p, &self.edges_in(area)),
            None => Place::Outside,
        }
    }

    /// [`Self::place`], given (at least) the boundary edges near `p`.
    pub fn place_among(&self, p: &Polygon<f64>, edges: &[Line<f64>]) -> Place {
        if edges.iter().any(|e| e.intersects(p)) {
            Place::Across
        } else if p.exterior().0.first().is_some_and(|&v| self.contains(v)) {
            Place::Inside
        } else {
            Place::Outside
        }
    }

    /// The parts of a metric polyline inside the city, each at least `min_len` metres long, in
    /// the order and direction of the line.
    ///
    /// Each segment is cut where it crosses the boundary edges the R-tree finds near it, and the
    /// pieces whose middle is inside are kept, joined where they meet. (A boolean operation
    /// would give the same parts, but it reworks the whole outline for every line: thousands of
    /// street segments against an outline of thousands of vertices.)
    pub fn clip_line(&self, line: &LineString<f64>, min_len: f64) -> Vec<LineString<f64>> {
        let mut parts: Vec<LineString<f64>> = Vec::new();
        let mut current: Vec<Coord<f64>> = Vec::new();
        let mut flush = |current: &mut Vec<Coord<f64>>| {
            let part = LineString::new(std::mem::take(current));
            if part.0.len() >= 2 && Euclidean.length(&part) >= min_len {
                parts.push(part);
            }
        };
        for segment in line.lines() {
            let (a, b) = (Point::from(segment.start), Point::from(segment.end));
            let mut cuts = vec![0.0, 1.0];
            let envelope = AABB::from_corners(a, b);
            for edge in self.edges.locate_in_envelope_intersecting(&envelope) {
                let crossing = match line_intersection(segment, *edge) {
                    Some(LineIntersection::SinglePoint { intersection, .. }) => [intersection, intersection],
                    Some(LineIntersection::Collinear { intersection }) => {
                        [intersection.start, intersection.end]
                    }
                    None => continue,
                };
                cuts.extend(crossing.iter().filter_map(|&p| segment.line_locate_point(&Point::from(p))));
            }
            cuts.sort_by(f64::total_cmp);
            let at = |t: f64| Euclidean.point_at_ratio_between(a, b, t).0;
            for w in cuts.windows(2) {
                if w[1] - w[0] < 1e-12 {
                    continue;
                }
                if !self.contains(at((w[0] + w[1]) / 2.0)) {
                    flush(&mut current);
                    continue;
                }
                let start = at(w[0]);
                if current.last().is_some_and(|&end| Euclidean.distance(end, start) > 1e-6) {
                    flush(&mut current);
                }
                if current.is_empty() {
                    current.push(start);
                }
                current.push(at(w[1]));
            }
        }
        flush(&mut current);
        parts
    }

    /// The part of a metric polygon inside the city, in lon/lat; `None` when outside. Slivers
    /// under a square metre are dropped.
    pub fn clip_polygon(&self, p: &Polygon<f64>) -> Option<Geometry<f64>> {
        match self.place(p) {
            Place::Outside => None,
            Place::Inside => Some(Geometry::Polygon(polygon_ll(p))),
            Place::Across => {
                let mut mp = polygon_ll(p).intersection(self.ll);
                mp.0.retain(|p| frame_area_m2(p) > 1.0);
                match mp.0.len() {
                    0 => None,
                    1 => mp.0.pop().map(Geometry::Polygon),
                    _ => Some(Geometry::MultiPolygon(mp)),
                }
            }
        }
    }
}
