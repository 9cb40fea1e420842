//! Cutting one feature into one tile, as the tile SQL and `ST_AsMVTGeom` do: simplification to a
//! quarter pixel for features wider than 16 pixels (Douglas-Peucker keeping collapsed shells,
//! dropping collapsed holes, as `ST_Simplify(g, px/4, true)`), transformation to tile units (4096
//! a tile, y down), snapping to whole units, clipping to the 64-unit buffer (polygons as wagyu
//! does: x bounds first, the points the clip adds cut toward zero), dropping degenerate parts and
//! slivers, and MVT winding (exteriors of positive area in y-down coordinates, holes negative).
//! Pure: no IO.

use geo::{
    BooleanOps, Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon, Rect,
    Simplify,
};

/// Tile units across a tile.
pub const EXTENT: f64 = 4096.0;
/// Tile units of buffer around a tile.
pub const BUFFER: f64 = 64.0;

/// Where a tile lies: its Web Mercator bounds and pixel size (metres).
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub xmin: f64,
    pub ymax: f64,
    /// Tile units per metre.
    pub scale: f64,
    /// One screen pixel (1/256 of the tile), metres.
    pub pixel_m: f64,
}

impl Frame {
    /// The frame of a tile with `bounds` `[xmin, ymin, xmax, ymax]` (metres).
    pub fn new(bounds: [f64; 4]) -> Frame {
        let width = bounds[2] - bounds[0];
        Frame { xmin: bounds[0], ymax: bounds[3], scale: EXTENT / width, pixel_m: width / 256.0 }
    }

    /// The tile and its buffer in metres, `[xmin, ymin, xmax, ymax]` (`ST_TileEnvelope(margin =>
    /// 64/4096)`).
    pub fn buffered_bounds(&self) -> [f64; 4] {
        let width = EXTENT / self.scale;
        let m = width * BUFFER / EXTENT;
        [self.xmin - m, self.ymax - width - m, self.xmin + width + m, self.ymax + m]
    }

    fn tile_coord(&self, c: Coord<f64>) -> Coord<f64> {
        Coord { x: (c.x - self.xmin) * self.scale, y: (self.ymax - c.y) * self.scale }
    }
}

/// The feature's geometry in tile units (whole numbers), `None` when nothing of it is left in the
/// tile. `web_size` (metres) decides whether it is simplified first.
pub fn cut(geom: &Geometry<f64>, web_size: f64, frame: &Frame) -> Option<Geometry<f64>> {
    let simplify = web_size > 16.0 * frame.pixel_m;
    let eps = frame.pixel_m / 4.0;
    match geom {
        Geometry::Point(p) => points(&[*p], frame),
        Geometry::MultiPoint(mp) => points(&mp.0, frame),
        Geometry::LineString(l) => lines(std::slice::from_ref(l), simplify, eps, frame),
        Geometry::MultiLineString(ml) => lines(&ml.0, simplify, eps, frame),
        Geometry::Polygon(p) => polygons(std::slice::from_ref(p), simplify, eps, frame),
        Geometry::MultiPolygon(mp) => polygons(&mp.0, simplify, eps, frame),
        Geometry::Rect(r) => polygons(&[r.to_polygon()], simplify, eps, frame),
        Geometry::Triangle(t) => polygons(&[t.to_polygon()], simplify, eps, frame),
        Geometry::Line(l) => lines(&[LineString::from(*l)], simplify, eps, frame),
        // Layers hold one kind of geometry; collections are not drawn.
        Geometry::GeometryCollection(_) => None,
    }
}

fn snap(c: Coord<f64>) -> Coord<f64> {
    Coord { x: c.x.round_ties_even(), y: c.y.round_ties_even() }
}

fn points(ps: &[Point<f64>], frame: &Frame) -> Option<Geometry<f64>> {
    let (lo, hi) = (-BUFFER - 0.5, EXTENT + BUFFER + 0.5);
    let kept: Vec<Point<f64>> = ps
        .iter()
        .map(|p| frame.tile_coord(p.0))
        .filter(|c| c.x >= lo && c.x <= hi && c.y >= lo && c.y <= hi)
        .map(|c| Point(snap(c)))
        .collect();
    match kept.len() {
        0 => None,
        1 => Some(Geometry::Point(kept[0])),
        _ => Some(Geometry::MultiPoint(MultiPoint(kept))),
    }
}

fn clip_rect() -> Rect<f64> {
    Rect::new(Coord { x: -BUFFER, y: -BUFFER }, Coord { x: EXTENT + BUFFER, y: EXTENT + BUFFER })
}

/// The clip box and one unit more on each side.
fn wider_rect() -> Rect<f64> {
    let (lo, hi) = (-BUFFER - 1.0, EXTENT + BUFFER + 1.0);
    Rect::new(Coord { x: lo, y: lo }, Coord { x: hi, y: hi })
}

/// Whether every coordinate lies inside the clip box (no clipping needed).
fn inside(ls: &[LineString<f64>]) -> bool {
    let (lo, hi) = (-BUFFER, EXTENT + BUFFER);
    ls.iter().flat_map(|l| l.0.iter()).all(|c| c.x >= lo && c.x <= hi && c.y >= lo && c.y <= hi)
}

/// In tile units, snapped to whole units without consecutive repeats (as `ST_AsMVTGeom` does
/// before it clips).
fn transform(l: &LineString<f64>, frame: &Frame) -> LineString<f64> {
    LineString(without_repeats(l.0.iter().map(|c| snap(frame.tile_coord(*c)))))
}

/// Snapped coordinates without consecutive repeats.
fn snapped(l: &LineString<f64>) -> LineString<f64> {
    LineString(without_repeats(l.0.iter().map(|c| snap(*c))))
}

/// The points of `coords` without consecutive repeats.
fn without_repeats(coords: impl Iterator<Item = Coord<f64>>) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(coords.size_hint().0);
    for c in coords {
        if out.last() != Some(&c) {
            out.push(c);
        }
    }
    out
}

/// A point cut to whole units toward zero, as a C++ cast to `int32` does (wagyu).
fn toward_zero(c: Coord<f64>) -> Coord<f64> {
    Coord { x: c.x.trunc(), y: c.y.trunc() }
}

fn lines(ls: &[LineString<f64>], simplify: bool, eps: f64, frame: &Frame) -> Option<Geometry<f64>> {
    let tiled: Vec<LineString<f64>> = ls
        .iter()
        .map(|l| if simplify { transform(&l.simplify(eps), frame) } else { transform(l, frame) })
        .collect();
    let clipped = if inside(&tiled) {
        MultiLineString(tiled)
    } else {
        clip_rect().to_polygon().clip(&MultiLineString(tiled), false)
    };
    let parts: Vec<LineString<f64>> = clipped.0.iter().map(snapped).filter(|c| c.0.len() >= 2).collect();
    match parts.len() {
        0 => None,
        1 => parts.into_iter().next().map(Geometry::LineString),
        _ => Some(Geometry::MultiLineString(MultiLineString(parts))),
    }
}

/// `ST_Simplify(p, eps, true)` of one polygon: the shell is kept even when it would collapse,
/// collapsed holes are dropped.
fn simplify_polygon(p: &Polygon<f64>, eps: f64) -> Polygon<f64> {
    let shell = p.exterior().simplify(eps);
    let shell = if shell.0.len() < 4 { p.exterior().clone() } else { shell };
    let holes = p.interiors().iter().map(|h| h.simplify(eps)).filter(|h| h.0.len() >= 4).collect();
    Polygon::new(shell, holes)
}

/// Twice the signed area of a closed ring, positive when clockwise on a y-down screen.
fn signed_area2(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum()
}

/// A clipped ring of whole units (points the boolean operation adds where cut rings cross are cut
/// toward zero, as `clip_ring` cuts), closed, with the sign of its area as `exterior` asks; `None`
/// when degenerate.
fn ring(l: &LineString<f64>, exterior: bool) -> Option<LineString<f64>> {
    let mut c = without_repeats(l.0.iter().map(|p| toward_zero(*p)));
    if c.first() != c.last() {
        let first = c[0];
        c.push(first);
    }
    if c.len() < 4 {
        return None;
    }
    let a = signed_area2(&c);
    // Wagyu snap-rounds: an edge passing through the unit square around another vertex is bent
    // through that vertex, which collapses every ring of half a unit (and some thin longer
    // slivers, which are kept here).
    if a.abs() <= 1.0 {
        return None;
    }
    if (a > 0.0) != exterior {
        c.reverse();
    }
    Some(LineString(c))
}

/// One snapped ring clipped to the buffer box as `ST_AsMVTGeom` of PostGIS 3.3.2 (wagyu 0.5)
/// clips it, found by comparing the two on thousands of rings: each bound in turn
/// (Sutherland-Hodgman), the x bounds before the y bounds, in floating point; the points it adds
/// are then cut to whole units toward zero, as a C++ cast to `int32` does. A point at x = -63.6 on
/// the bottom edge of the buffer becomes -63 (floor would give -64), and a corner point comes from
/// the edge already cut at the x bound, so it may differ by a unit from the exact intersection.
/// Rings inside the box are returned as they are; the result may hold edges running along the
/// box, which the boolean operation in `polygons` removes (wagyu's union).
fn clip_ring(l: &LineString<f64>) -> LineString<f64> {
    if inside(std::slice::from_ref(l)) {
        return l.clone();
    }
    let (lo, hi) = (-BUFFER, EXTENT + BUFFER);
    let mut out: Vec<Coord<f64>> = l.0.clone();
    for bound in 0..4 {
        let Some(&last) = out.last() else { break };
        let keeps = |c: Coord<f64>| match bound {
            0 => c.x > lo,
            1 => c.x < hi,
            2 => c.y > lo,
            _ => c.y < hi,
        };
        // Where the segment from `a` to `b` meets the bound, computed as wagyu's quick clip does.
        let meet = |a: Coord<f64>, b: Coord<f64>| match bound {
            0 | 1 => {
                let x = if bound == 0 { lo } else { hi };
                Coord { x, y: a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x) }
            }
            _ => {
                let y = if bound == 2 { lo } else { hi };
                Coord { x: a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y), y }
            }
        };
        let input = std::mem::take(&mut out);
        let mut prev = last;
        for &c in &input {
            match (keeps(prev), keeps(c)) {
                (true, true) => out.push(c),
                (false, true) => {
                    out.push(meet(prev, c));
                    out.push(c);
                }
                (true, false) => out.push(meet(prev, c)),
                (false, false) => {}
            }
            prev = c;
        }
    }
    let mut cut = without_repeats(out.into_iter().map(toward_zero));
    if cut.len() > 1 && cut.first() != cut.last() {
        cut.push(cut[0]);
    }
    if cut.len() < 4 { LineString(vec![]) } else { LineString(cut) }
}

fn polygons(ps: &[Polygon<f64>], simplify: bool, eps: f64, frame: &Frame) -> Option<Geometry<f64>> {
    let tiled: Vec<Polygon<f64>> = ps
        .iter()
        .map(|p| {
            // Only features wider than 16 pixels are simplified (a copy); the others are read
            // as they are stored.
            let simplified;
            let p = if simplify {
                simplified = simplify_polygon(p, eps);
                &simplified
            } else {
                p
            };
            Polygon::new(
                transform(p.exterior(), frame),
                p.interiors().iter().map(|h| transform(h, frame)).collect(),
            )
        })
        .collect();
    let all_inside = tiled.iter().all(|p| inside(std::slice::from_ref(p.exterior())));
    let clipped = if all_inside {
        MultiPolygon(tiled)
    } else {
        let cut: Vec<Polygon<f64>> = tiled
            .iter()
            .filter_map(|p| {
                let shell = clip_ring(p.exterior());
                let holes = p.interiors().iter().map(clip_ring).filter(|h| !h.0.is_empty()).collect();
                (!shell.0.is_empty()).then(|| Polygon::new(shell, holes))
            })
            .collect();
        // Every point is within the box now: intersecting with a box a unit wider only mends the
        // topology (edges along the box, rings the cut made touch), as wagyu's union does.
        MultiPolygon(cut).intersection(&wider_rect().to_polygon())
    };
    let parts: Vec<Polygon<f64>> = clipped
        .0
        .iter()
        .filter_map(|p| {
            let shell = ring(p.exterior(), true)?;
            Some(Polygon::new(shell, p.interiors().iter().filter_map(|h| ring(h, false)).collect()))
        })
        .collect();
    match parts.len() {
        0 => None,
        1 => parts.into_iter().next().map(Geometry::Polygon),
        _ => Some(Geometry::MultiPolygon(MultiPolygon(parts))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tile of 4096 m: one unit a metre.
    fn frame() -> Frame {
        Frame::new([0.0, 0.0, 4096.0, 4096.0])
    }

    fn square(x: f64, y: f64, s: f64) -> Polygon<f64> {
        Rect::new(Coord { x, y }, Coord { x: x + s, y: y + s }).to_polygon()
    }

    #[test]
    fn polygons_are_clipped_snapped_and_wound_as_mvt() {
        let p = Polygon::new(
            square(-1000.0, 100.0, 2000.0).exterior().clone(),
            vec![square(100.0, 200.0, 100.0).exterior().clone()],
        );
        let g = cut(&Geometry::Polygon(p), 2000.0, &frame()).unwrap();
        let Geometry::Polygon(p) = g else { panic!("{g:?}") };
        assert!(p.exterior().0.iter().all(|c| c.x >= -64.0 && c.x.fract() == 0.0));
        assert!(signed_area2(&p.exterior().0) > 0.0);
        assert_eq!(p.interiors().len(), 1);
        assert!(signed_area2(&p.interiors()[0].0) < 0.0);
    }

    #[test]
    fn outside_and_degenerate_parts_vanish() {
        assert!(cut(&Geometry::Polygon(square(5000.0, 0.0, 10.0)), 10.0, &frame()).is_none());
        assert!(cut(&Geometry::Polygon(square(10.0, 10.0, 0.2)), 0.2, &frame()).is_none());
        let mp = MultiPolygon(vec![square(10.0, 10.0, 50.0), square(9000.0, 10.0, 50.0)]);
        assert!(matches!(cut(&Geometry::MultiPolygon(mp), 9000.0, &frame()), Some(Geometry::Polygon(_))));
    }

    /// Feature 132445 of the benchmark layer `bench_buildings` on tile 12/2924/1498, Web
    /// Mercator as stored: snapped, its ring is (-63 4165, -66 4141, -73 4143, -70 4166), which
    /// crosses the bottom-left corner of the buffer. `ST_AsMVTGeom` keeps
    /// `POLYGON((-64 4157,-63 4160,-64 4160,-64 4157))`: the point the clip adds at x = -63.625
    /// on the bottom edge is cut toward zero to -63; flooring it to -64 left a zero-area ring.
    #[test]
    fn corner_sliver_matches_postgis() {
        let shell = LineString::from(vec![
            (8570581.1045464, 5371219.185582002),
            (8570574.592356186, 5371274.989608103),
            (8570557.816508925, 5371271.282605029),
            (8570564.339831086, 5371215.478601207),
            (8570581.1045464, 5371219.185582002),
        ]);
        let tile = crate::tiles::coords::TileCoord::new(12, 2924, 1498).unwrap();
        let frame = Frame::new(tile.bounds_3857());
        let g = cut(&Geometry::Polygon(Polygon::new(shell, vec![])), 59.51100689638406, &frame);
        let Some(Geometry::Polygon(p)) = &g else { panic!("{g:?}") };
        assert_eq!(signed_area2(&p.exterior().0), 3.0);
        assert!(p.interiors().is_empty());
        assert_eq!(points_of(g), vec![(-64.0, 4157.0), (-64.0, 4160.0), (-63.0, 4160.0)]);
    }

    /// Rings given in tile units (y down) on the 4096 m frame.
    fn tile_polygon(ring: &[(f64, f64)]) -> Geometry<f64> {
        let l: LineString<f64> = ring.iter().map(|&(x, y)| (x, 4096.0 - y)).collect();
        Geometry::Polygon(Polygon::new(l, vec![]))
    }

    /// The points of a polygon's closed exterior, sorted, the closing one left out.
    fn points_of(g: Option<Geometry<f64>>) -> Vec<(f64, f64)> {
        let Some(Geometry::Polygon(p)) = g else { panic!("{g:?}") };
        let mut points: Vec<(f64, f64)> = p.exterior().0.iter().map(|c| (c.x, c.y)).collect();
        assert_eq!(points.first(), points.last(), "closed");
        points.pop();
        points.sort_by(|a, b| a.partial_cmp(b).unwrap());
        points
    }

    /// What `ST_AsMVTGeom` (PostGIS 3.3.2) makes of these rings: the x bound is cut first, so
    /// the corner point (-58 4160) lies on the edge already cut at x = -64 (-58.95 cut toward
    /// zero), not where the whole edge meets y = 4160 (-59); truncation, not rounding, on the
    /// other bounds.
    #[test]
    fn clipping_cuts_x_first_and_toward_zero() {
        let g = tile_polygon(&[
            (-56.0, 4167.0),
            (-71.0, 4132.0),
            (-76.0, 4136.0),
            (-78.0, 4168.0),
            (-56.0, 4167.0),
        ]);
        assert_eq!(
            points_of(cut(&g, 50.0, &frame())),
            vec![(-64.0, 4148.0), (-64.0, 4160.0), (-58.0, 4160.0)]
        );
        let g = tile_polygon(&[(0.0, -100.0), (-10.0, 100.0), (30.0, 100.0), (30.0, -100.0), (0.0, -100.0)]);
        assert_eq!(
            points_of(cut(&g, 200.0, &frame())),
            vec![(-10.0, 100.0), (-1.0, -64.0), (30.0, -64.0), (30.0, 100.0)]
        );
    }

    #[test]
    fn lines_are_clipped_to_the_buffer_and_points_kept_within_it() {
        let l = LineString::from(vec![(2048.0, 2048.0), (8000.0, 2048.0)]);
        let Some(Geometry::LineString(c)) = cut(&Geometry::LineString(l), 6000.0, &frame()) else { panic!() };
        assert_eq!(c.0.last().map(|c| c.x), Some(4160.0));
        assert!(cut(&Geometry::Point(Point::new(4160.4, 10.0)), 0.0, &frame()).is_some());
        assert!(cut(&Geometry::Point(Point::new(4160.6, 10.0)), 0.0, &frame()).is_none());
        // y down: a point near the top of the tile is near y = 0.
        let Some(Geometry::Point(p)) = cut(&Geometry::Point(Point::new(1.0, 4095.0)), 0.0, &frame()) else {
            panic!()
        };
        assert_eq!((p.x(), p.y()), (1.0, 1.0));
    }
}
