//! Rivers, canals, streams and water bodies (`fixtures/demo/hydro.toml`): smooth meandering courses
//! and wobbly ellipses in metres, and the `hydro_lines` and `hydro_areas` layers made of them.

use geo::{AffineOps, AffineTransform, Coord, Distance, Euclidean, Line, LineString, Point, Polygon, Rect};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rstar::{AABB, RTree};

use super::frame::{c, ll_m, m_to_ll};
use super::names::{self, WaterBody, name_attrs};
use super::{Ctx, DemoFeature, DemoLayer, obj};

/// A smooth curve through `ctrl` (Catmull-Rom), sampled about every `step` metres.
fn spline(ctrl: &[Coord<f64>], step: f64) -> Vec<Coord<f64>> {
    let n = ctrl.len();
    let mut out = Vec::new();
    for i in 0..n.saturating_sub(1) {
        let p0 = ctrl[i.saturating_sub(1)];
        let (p1, p2) = (ctrl[i], ctrl[i + 1]);
        let p3 = ctrl[(i + 2).min(n - 1)];
        let k = (Euclidean.distance(p1, p2) / step).ceil().max(1.0) as usize;
        for j in 0..k {
            let t = j as f64 / k as f64;
            let (t2, t3) = (t * t, t * t * t);
            let f = |a: f64, b: f64, c2: f64, d: f64| {
                0.5 * (2.0 * b
                    + (c2 - a) * t
                    + (2.0 * a - 5.0 * b + 4.0 * c2 - d) * t2
                    + (3.0 * b - a - 3.0 * c2 + d) * t3)
            };
            out.push(c(f(p0.x, p1.x, p2.x, p3.x), f(p0.y, p1.y, p2.y, p3.y)));
        }
    }
    if let Some(&last) = ctrl.last() {
        out.push(last);
    }
    out
}

/// Moves each point of `line` sideways by a sum of two sines of the distance along it.
fn meander(line: &[Coord<f64>], amp: f64, rng: &mut ChaCha8Rng) -> LineString<f64> {
    let (ph1, ph2) = (rng.random_range(0.0..6.3), rng.random_range(0.0..6.3));
    let (l1, l2) = (rng.random_range(700.0..1_100.0), rng.random_range(250.0..400.0));
    let mut s = 0.0;
    let n = line.len();
    (0..n)
        .map(|i| {
            if i > 0 {
                s += Euclidean.distance(line[i - 1], line[i]);
            }
            // The unit normal (to the left) of the line's direction through this point.
            let d = line[(i + 1).min(n - 1)] - line[i.saturating_sub(1)];
            let len = Euclidean.distance(d, c(0.0, 0.0)).max(1e-9);
            let off = amp * (s / l1 * std::f64::consts::TAU + ph1).sin()
                + 0.4 * amp * (s / l2 * std::f64::consts::TAU + ph2).sin();
            line[i] + c(-d.y, d.x) * (off / len)
        })
        .collect()
}

/// The transform that puts a shape drawn around (0, 0) at a water body's place and turn.
fn placed(w: &WaterBody) -> AffineTransform {
    let centre = ll_m(w.centre[0], w.centre[1]);
    AffineTransform::rotate(w.turn, c(0.0, 0.0)).translated(centre.x, centre.y)
}

/// Metric outline of a water body: a wobbly ellipse.
fn water_ring(w: &WaterBody, rng: &mut ChaCha8Rng) -> Polygon<f64> {
    let (ph1, ph2) = (rng.random_range(0.0..6.3), rng.random_range(0.0..6.3));
    let [ax, ay] = w.axes;
    let ring: LineString<f64> = (0..64)
        .map(|i| {
            let t = i as f64 / 64.0 * std::f64::consts::TAU;
            let r = 1.0 + 0.08 * (3.0 * t + ph1).sin() + 0.05 * (5.0 * t + ph2).sin();
            c(ax * r * t.cos(), ay * r * t.sin())
        })
        .collect();
    Polygon::new(ring, vec![]).affine_transform(&placed(w))
}

/// The dam closing the north end of a water body.
fn dam_ring(w: &WaterBody) -> Polygon<f64> {
    let [ax, ay] = w.axes;
    let (y0, y1, half) = (ay * 1.14 + 10.0, ay * 1.14 + 40.0, ax * 0.7);
    Rect::new(c(-half, y0), c(half, y1)).to_polygon().affine_transform(&placed(w))
}

/// A water body or a dam, in metres.
pub(super) struct Body {
    /// Index into the water bodies of `hydro.toml`.
    pub index: usize,
    /// `reservoir`, `lake`, `pond` or `dam`.
    pub kind: &'static str,
    pub shape: Polygon<f64>,
}

/// Watercourses and water bodies, in metres, with their names; used by several layers.
pub(super) struct Hydro {
    /// (index into the watercourses of `hydro.toml`, full metric course).
    pub courses: Vec<(usize, LineString<f64>)>,
    /// The segments of all courses, indexed.
    pub segments: RTree<Line<f64>>,
    pub bodies: Vec<Body>,
}

impl Hydro {
    pub fn new(rng: &mut ChaCha8Rng) -> Hydro {
        let data = &names::data().hydro;
        let courses: Vec<(usize, LineString<f64>)> = data
            .watercourse
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let ctrl: Vec<Coord<f64>> = w.course.iter().map(|&[x, y]| ll_m(x, y)).collect();
                (i, meander(&spline(&ctrl, 50.0), w.meander, rng))
            })
            .collect();
        let mut bodies: Vec<Body> = data
            .water_body
            .iter()
            .enumerate()
            .map(|(index, w)| Body { index, kind: w.kind.as_str(), shape: water_ring(w, rng) })
            .collect();
        for (index, w) in data.water_body.iter().enumerate().filter(|(_, w)| w.dam.is_some()) {
            bodies.push(Body { index, kind: "dam", shape: dam_ring(w) });
        }
        let segments = RTree::bulk_load(courses.iter().flat_map(|(_, c)| c.lines()).collect());
        Hydro { courses, segments, bodies }
    }

    /// Whether a watercourse passes within `d` metres of `p`.
    pub fn near_watercourse(&self, p: Coord<f64>, d: f64) -> bool {
        let envelope = AABB::from_corners(Point::new(p.x - d, p.y - d), Point::new(p.x + d, p.y + d));
        self.segments
            .locate_in_envelope_intersecting(&envelope)
            .any(|l| Euclidean.distance(&Point::from(p), l) < d)
    }

    pub fn lines_layer(&self, ctx: &Ctx) -> DemoLayer {
        let data = &names::data().hydro;
        let mut features = Vec::new();
        for (i, course) in &self.courses {
            let w = &data.watercourse[*i];
            for part in ctx.city.clip_line(course, 100.0) {
                let mut attrs = obj(name_attrs(&w.name));
                attrs.insert("kind".into(), w.kind.clone().into());
                features.push(DemoFeature {
                    key: format!("hyl-{:03}", features.len() + 1),
                    geometry: geo::Geometry::LineString(m_to_ll(&part)),
                    attrs,
                });
            }
        }
        DemoLayer { layer_id: "hydro_lines", features }
    }

    pub fn areas_layer(&self, ctx: &Ctx) -> DemoLayer {
        let data = &names::data().hydro;
        let mut features = Vec::new();
        for body in &self.bodies {
            let w = &data.water_body[body.index];
            let name = match (body.kind, &w.dam) {
                ("dam", Some(dam)) => dam,
                _ => &w.name,
            };
            if let Some(geometry) = ctx.city.clip_polygon(&body.shape) {
                let mut attrs = obj(name_attrs(name));
                attrs.insert("kind".into(), body.kind.into());
                features.push(DemoFeature { key: format!("hya-{:03}", features.len() + 1), geometry, attrs });
            }
        }
        DemoLayer { layer_id: "hydro_areas", features }
    }
}
