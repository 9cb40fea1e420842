//! Deterministic synthetic demo layers of Almaty.
//!
//! This module owns the demo *content*: the eight districts (real KATO codes and names, invented
//! Voronoi boundaries), and the generated layers `districts`, `streets`, `buildings`,
//! `hydro_lines`, `hydro_areas`, `land_fund`, `master_plan`, `utility_networks` and `poi`. It is
//! pure: no files, no database, no clock. The same city outline and seed always give the same
//! features, keys and attributes (`ChaCha8Rng` is value-stable across platforms and releases).
//! Loading the layers is `layers::demo`'s job; their schemas are the files in `layers/`.
//!
//! Everything is computed in a local metric frame around the centre of Almaty (longitudes scaled
//! by cos 43.25°), and returned in WGS84 lon/lat. Streets form a slightly rotated grid carrying
//! real street names near their real positions; buildings sit in the blocks of that grid, and
//! the other layers are placed relative to the streets, the rivers and the city outline.

use std::collections::HashMap;

use geo::{BooleanOps, Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use geozero::ToGeo;
use geozero::geojson::GeoJsonString;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};

/// One generated feature: a stable key, a WGS84 geometry and its attributes.
#[derive(Debug, Clone)]
pub struct DemoFeature {
    pub key: String,
    pub geometry: Geometry<f64>,
    pub attrs: Map<String, Value>,
}

/// The features of one layer; `layer_id` is the id of its file in `layers/`.
#[derive(Debug, Clone)]
pub struct DemoLayer {
    pub layer_id: &'static str,
    pub features: Vec<DemoFeature>,
}

/// A district of Almaty: real KATO code and names, synthetic boundary.
#[derive(Debug, Clone)]
pub struct District {
    pub kato: &'static str,
    pub name_ru: &'static str,
    pub name_kk: &'static str,
    pub name_en: &'static str,
    pub geometry: MultiPolygon<f64>,
}

// ---------------------------------------------------------------------------------------------
// Local metric frame
// ---------------------------------------------------------------------------------------------

/// Origin of the local frame, near the crossing of Abylai Khan and Tole Bi.
const LON0: f64 = 76.93;
const LAT0: f64 = 43.25;
/// Metres per degree of latitude at 43° N.
const M_PER_DEG_LAT: f64 = 111_132.0;
/// Metres per degree of longitude at 43.25° N: 111 320 m × cos 43.25°.
const M_PER_DEG_LON: f64 = 81_082.26;
/// The street grid is turned this many degrees anticlockwise from the meridian.
const GRID_ANGLE_DEG: f64 = -2.0;
/// The mountains begin south of this latitude: no buildings, no streets.
const MOUNTAIN_LAT: f64 = 43.17;

fn c(x: f64, y: f64) -> Coord<f64> {
    Coord { x, y }
}

/// Lon/lat to metres east and north of the origin.
fn to_m(p: Coord<f64>) -> Coord<f64> {
    c((p.x - LON0) * M_PER_DEG_LON, (p.y - LAT0) * M_PER_DEG_LAT)
}

/// Metres east and north of the origin to lon/lat.
fn to_ll(p: Coord<f64>) -> Coord<f64> {
    c(p.x / M_PER_DEG_LON + LON0, p.y / M_PER_DEG_LAT + LAT0)
}

/// Metric position of a lon/lat pair.
fn ll_m(lon: f64, lat: f64) -> Coord<f64> {
    to_m(c(lon, lat))
}

/// Grid coordinates (u along the grid's "east", v along its "north") to metres.
fn grid_to_m(u: f64, v: f64) -> Coord<f64> {
    let (s, k) = GRID_ANGLE_DEG.to_radians().sin_cos();
    c(u * k - v * s, u * s + v * k)
}

/// Metres to grid coordinates.
fn m_to_grid(p: Coord<f64>) -> (f64, f64) {
    let (s, k) = GRID_ANGLE_DEG.to_radians().sin_cos();
    (p.x * k + p.y * s, -p.x * s + p.y * k)
}

fn lerp(a: Coord<f64>, b: Coord<f64>, t: f64) -> Coord<f64> {
    c(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t)
}

fn dist(a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
}

fn cross(a: Coord<f64>, b: Coord<f64>) -> f64 {
    a.x * b.y - a.y * b.x
}

fn sub(a: Coord<f64>, b: Coord<f64>) -> Coord<f64> {
    c(a.x - b.x, a.y - b.y)
}

/// Distance from `p` to the segment `a`-`b`.
fn dist_to_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let ab = sub(b, a);
    let len2 = ab.x * ab.x + ab.y * ab.y;
    let t = if len2 > 0.0 { (((p.x - a.x) * ab.x + (p.y - a.y) * ab.y) / len2).clamp(0.0, 1.0) } else { 0.0 };
    dist(p, lerp(a, b, t))
}

/// Distance from `p` to a polyline.
fn dist_to_polyline(p: Coord<f64>, line: &[Coord<f64>]) -> f64 {
    line.windows(2).map(|w| dist_to_segment(p, w[0], w[1])).fold(f64::INFINITY, f64::min)
}

/// Parameter along `a`-`b` where it crosses `c0`-`c1`, if it does.
fn segment_crossing(a: Coord<f64>, b: Coord<f64>, c0: Coord<f64>, c1: Coord<f64>) -> Option<f64> {
    let r = sub(b, a);
    let s = sub(c1, c0);
    let denom = cross(r, s);
    if denom.abs() < 1e-12 {
        return None;
    }
    let ca = sub(c0, a);
    let t = cross(ca, s) / denom;
    let u = cross(ca, r) / denom;
    ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u)).then_some(t)
}

/// Area of a ring (shoelace), positive when anticlockwise.
fn ring_area(ring: &[Coord<f64>]) -> f64 {
    let n = ring.len();
    (0..n).map(|i| cross(ring[i], ring[(i + 1) % n])).sum::<f64>() / 2.0
}

/// A closed WGS84 polygon from an open metric ring.
fn polygon_ll(ring_m: &[Coord<f64>]) -> Polygon<f64> {
    let mut pts: Vec<Coord<f64>> = ring_m.iter().map(|&p| to_ll(p)).collect();
    if ring_area(&pts) < 0.0 {
        pts.reverse();
    }
    if let Some(&first) = pts.first() {
        pts.push(first);
    }
    Polygon::new(LineString::new(pts), vec![])
}

/// Keeps the part of a convex polygon where `n · p <= k` (one Sutherland-Hodgman step).
fn clip_half_plane(poly: &[Coord<f64>], n: Coord<f64>, k: f64) -> Vec<Coord<f64>> {
    let mut out = Vec::with_capacity(poly.len() + 1);
    for i in 0..poly.len() {
        let p = poly[i];
        let q = poly[(i + 1) % poly.len()];
        let dp = n.x * p.x + n.y * p.y - k;
        let dq = n.x * q.x + n.y * q.y - k;
        if dp <= 0.0 {
            out.push(p);
        }
        if (dp <= 0.0) != (dq <= 0.0) {
            out.push(lerp(p, q, dp / (dp - dq)));
        }
    }
    out
}

/// Voronoi cell of `sites[i]` among `others` (indices into `sites`), clipped to a square of
/// half-size `r` around the site.
fn voronoi_cell(
    sites: &[Coord<f64>],
    i: usize,
    others: impl Iterator<Item = usize>,
    r: f64,
) -> Vec<Coord<f64>> {
    let s = sites[i];
    let mut cell = vec![c(s.x - r, s.y - r), c(s.x + r, s.y - r), c(s.x + r, s.y + r), c(s.x - r, s.y + r)];
    for j in others {
        if j == i || cell.len() < 3 {
            continue;
        }
        let o = sites[j];
        let n = sub(o, s);
        let mid = lerp(s, o, 0.5);
        cell = clip_half_plane(&cell, n, n.x * mid.x + n.y * mid.y);
    }
    cell
}

// ---------------------------------------------------------------------------------------------
// The city outline, indexed for fast point-in-polygon and clipping
// ---------------------------------------------------------------------------------------------

/// The city's boundary edges in metres, bucketed by horizontal bands.
struct CityIndex {
    edges: Vec<(Coord<f64>, Coord<f64>)>,
    min: Coord<f64>,
    max: Coord<f64>,
    band_h: f64,
    bands: Vec<Vec<u32>>,
}

impl CityIndex {
    fn new(city: &MultiPolygon<f64>) -> Self {
        let mut edges = Vec::new();
        for poly in &city.0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                for line in ring.lines() {
                    edges.push((to_m(line.start), to_m(line.end)));
                }
            }
        }
        let mut min = c(f64::INFINITY, f64::INFINITY);
        let mut max = c(f64::NEG_INFINITY, f64::NEG_INFINITY);
        for (a, b) in &edges {
            for p in [a, b] {
                min = c(min.x.min(p.x), min.y.min(p.y));
                max = c(max.x.max(p.x), max.y.max(p.y));
            }
        }
        if edges.is_empty() {
            min = c(0.0, 0.0);
            max = c(0.0, 0.0);
        }
        let band_h = 200.0;
        let n_bands = (((max.y - min.y) / band_h).floor() as usize) + 1;
        let mut bands = vec![Vec::new(); n_bands];
        for (i, (a, b)) in edges.iter().enumerate() {
            let lo = ((a.y.min(b.y) - min.y) / band_h).floor() as usize;
            let hi = ((a.y.max(b.y) - min.y) / band_h).floor() as usize;
            for band in bands.iter_mut().take(hi + 1).skip(lo) {
                band.push(i as u32);
            }
        }
        CityIndex { edges, min, max, band_h, bands }
    }

    fn band_range(&self, y_lo: f64, y_hi: f64) -> std::ops::Range<usize> {
        let n = self.bands.len();
        let lo = ((y_lo - self.min.y) / self.band_h).floor().max(0.0) as usize;
        let hi = (((y_hi - self.min.y) / self.band_h).floor().max(-1.0) + 1.0) as usize;
        lo.min(n)..hi.min(n)
    }

    /// Whether the metric point `p` is inside the city (even-odd rule).
    fn contains(&self, p: Coord<f64>) -> bool {
        if p.x < self.min.x || p.x > self.max.x || p.y < self.min.y || p.y > self.max.y {
            return false;
        }
        let Some(band) = self.bands.get(((p.y - self.min.y) / self.band_h) as usize) else {
            return false;
        };
        let mut inside = false;
        for &e in band {
            let (a, b) = self.edges[e as usize];
            if (a.y > p.y) != (b.y > p.y) {
                let x = a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y);
                if x > p.x {
                    inside = !inside;
                }
            }
        }
        inside
    }

    /// Whether no boundary edge comes into the box: the box is then wholly inside or outside.
    fn box_clear(&self, lo: Coord<f64>, hi: Coord<f64>) -> bool {
        if hi.x < self.min.x || lo.x > self.max.x || hi.y < self.min.y || lo.y > self.max.y {
            return true;
        }
        self.band_range(lo.y, hi.y).all(|b| {
            self.bands[b].iter().all(|&e| {
                let (a, q) = self.edges[e as usize];
                a.x.max(q.x) < lo.x || a.x.min(q.x) > hi.x || a.y.max(q.y) < lo.y || a.y.min(q.y) > hi.y
            })
        })
    }

    /// Whether the whole metric rectangle (given by its corners) is inside the city.
    fn contains_ring(&self, ring: &[Coord<f64>]) -> bool {
        let (lo, hi) = bbox(ring);
        if self.box_clear(lo, hi) {
            ring.first().is_some_and(|&p| self.contains(p))
        } else {
            ring.iter().all(|&p| self.contains(p))
                && ring
                    .iter()
                    .zip(ring.iter().cycle().skip(1))
                    .all(|(&a, &b)| self.crossings(a, b).is_empty())
        }
    }

    /// Parameters along `a`-`b` where it crosses the boundary.
    fn crossings(&self, a: Coord<f64>, b: Coord<f64>) -> Vec<f64> {
        let mut ts = Vec::new();
        for band in self.band_range(a.y.min(b.y), a.y.max(b.y)) {
            for &e in &self.bands[band] {
                let (p, q) = self.edges[e as usize];
                if p.x.max(q.x) < a.x.min(b.x) || p.x.min(q.x) > a.x.max(b.x) {
                    continue;
                }
                if let Some(t) = segment_crossing(a, b, p, q) {
                    ts.push(t);
                }
            }
        }
        ts
    }

    /// The parts of a metric polyline inside the city, each at least `min_len` metres long.
    fn clip_line(&self, pts: &[Coord<f64>], min_len: f64) -> Vec<Vec<Coord<f64>>> {
        let mut out = Vec::new();
        let mut cur: Vec<Coord<f64>> = Vec::new();
        let mut flush = |cur: &mut Vec<Coord<f64>>| {
            let line = std::mem::take(cur);
            if line.len() >= 2 && line.windows(2).map(|w| dist(w[0], w[1])).sum::<f64>() >= min_len {
                out.push(line);
            }
        };
        for w in pts.windows(2) {
            let (a, b) = (w[0], w[1]);
            let mut ts = self.crossings(a, b);
            ts.push(0.0);
            ts.push(1.0);
            ts.sort_by(f64::total_cmp);
            for tw in ts.windows(2) {
                let (t0, t1) = (tw[0], tw[1]);
                if t1 - t0 < 1e-9 {
                    continue;
                }
                if self.contains(lerp(a, b, (t0 + t1) / 2.0)) {
                    let p0 = lerp(a, b, t0);
                    if cur.last().is_some_and(|&l| dist(l, p0) > 1e-6) {
                        flush(&mut cur);
                    }
                    if cur.is_empty() {
                        cur.push(p0);
                    }
                    cur.push(lerp(a, b, t1));
                } else {
                    flush(&mut cur);
                }
            }
        }
        flush(&mut cur);
        out
    }
}

fn bbox(pts: &[Coord<f64>]) -> (Coord<f64>, Coord<f64>) {
    pts.iter()
        .fold((c(f64::INFINITY, f64::INFINITY), c(f64::NEG_INFINITY, f64::NEG_INFINITY)), |(lo, hi), p| {
            (c(lo.x.min(p.x), lo.y.min(p.y)), c(hi.x.max(p.x), hi.y.max(p.y)))
        })
}

/// The part of a metric polygon (open ring) inside the city, in lon/lat; `None` when outside.
fn clip_polygon(ring_m: &[Coord<f64>], city: &MultiPolygon<f64>, idx: &CityIndex) -> Option<Geometry<f64>> {
    let (lo, hi) = bbox(ring_m);
    if idx.box_clear(lo, hi) {
        let inner = c(
            ring_m.iter().map(|p| p.x).sum::<f64>() / ring_m.len() as f64,
            ring_m.iter().map(|p| p.y).sum::<f64>() / ring_m.len() as f64,
        );
        return idx.contains(inner).then(|| Geometry::Polygon(polygon_ll(ring_m)));
    }
    let mut mp = polygon_ll(ring_m).intersection(city);
    // Drop slivers under about a square metre.
    mp.0.retain(|p| geo::Area::unsigned_area(p) > 1e-10);
    match mp.0.len() {
        0 => None,
        1 => mp.0.pop().map(Geometry::Polygon),
        _ => Some(Geometry::MultiPolygon(mp)),
    }
}

/// The simplified city outline kept in `fixtures/`, for when no real boundary is at hand.
pub fn fallback_city_outline() -> MultiPolygon<f64> {
    let text = include_str!("../../fixtures/almaty_outline.geojson");
    let mut polys = Vec::new();
    if let Ok(g) = GeoJsonString(text.to_string()).to_geo() {
        collect_polygons(g, &mut polys);
    }
    MultiPolygon::new(polys)
}

fn collect_polygons(g: Geometry<f64>, out: &mut Vec<Polygon<f64>>) {
    match g {
        Geometry::Polygon(p) => out.push(p),
        Geometry::MultiPolygon(mp) => out.extend(mp.0),
        Geometry::GeometryCollection(gc) => gc.0.into_iter().for_each(|g| collect_polygons(g, out)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Districts
// ---------------------------------------------------------------------------------------------

/// KATO code, names and the Voronoi seed (lon, lat) of each district.
#[rustfmt::skip]
const DISTRICTS: [(&str, &str, &str, &str, f64, f64); 8] = [
    ("751110000", "Алмалинский район", "Алмалы ауданы", "Almaly District", 76.91, 43.255),
    ("751210000", "Алатауский район", "Алатау ауданы", "Alatau District", 76.86, 43.30),
    ("751310000", "Ауэзовский район", "Әуезов ауданы", "Auezov District", 76.85, 43.23),
    ("751410000", "Бостандыкский район", "Бостандық ауданы", "Bostandyk District", 76.92, 43.20),
    ("751510000", "Жетысуский район", "Жетісу ауданы", "Zhetysu District", 76.93, 43.30),
    ("751710000", "Медеуский район", "Медеу ауданы", "Medeu District", 77.00, 43.22),
    ("751810000", "Наурызбайский район", "Наурызбай ауданы", "Nauryzbay District", 76.80, 43.20),
    ("751910000", "Турксибский район", "Түрксіб ауданы", "Turksib District", 77.00, 43.33),
];

/// Splits `city` into the eight districts: Voronoi cells of fixed seeds, clipped to the city.
pub fn districts(city: &MultiPolygon<f64>) -> Vec<District> {
    let sites: Vec<Coord<f64>> = DISTRICTS.iter().map(|d| ll_m(d.4, d.5)).collect();
    DISTRICTS
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let cell = voronoi_cell(&sites, i, 0..sites.len(), 200_000.0);
            District {
                kato: d.0,
                name_ru: d.1,
                name_kk: d.2,
                name_en: d.3,
                geometry: polygon_ll(&cell).intersection(city),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Generation: shared helpers
// ---------------------------------------------------------------------------------------------

/// Everything the layer generators share.
struct Ctx<'a> {
    city: &'a MultiPolygon<f64>,
    idx: CityIndex,
    seed: u64,
}

impl Ctx<'_> {
    /// A random generator of its own for each layer, so that layers do not disturb each other.
    fn rng(&self, stream: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(self.seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
}

/// The centre of the city, just west of Panfilov Park: buildings thin out and get lower from here.
fn centre_m() -> Coord<f64> {
    ll_m(76.945, 43.256)
}

fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn line_ll(pts_m: &[Coord<f64>]) -> Geometry<f64> {
    Geometry::LineString(LineString::new(pts_m.iter().map(|&p| to_ll(p)).collect()))
}

fn pick<'t, T>(rng: &mut ChaCha8Rng, items: &'t [T]) -> &'t T {
    &items[rng.random_range(0..items.len())]
}

/// Index into `weights`, drawn in proportion to them.
fn weighted(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len().saturating_sub(1)
}

/// Generates all demo layers inside `city`; the same arguments give the same layers.
pub fn generate(city: &MultiPolygon<f64>, districts: &[District], seed: u64) -> Vec<DemoLayer> {
    let ctx = Ctx { city, idx: CityIndex::new(city), seed };
    let mut layers = vec![districts_layer(districts)];
    let hydro = Hydro::new(&mut ctx.rng(3));
    let grid = Grid::new(&ctx.idx, &mut ctx.rng(1));
    let segments = street_segments(&grid, &ctx);
    layers.push(DemoLayer {
        layer_id: "streets",
        features: segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let name = &grid.names[s.street];
                DemoFeature {
                    key: format!("str-{:05}", i + 1),
                    geometry: line_ll(&s.pts),
                    attrs: obj([
                        ("name_ru", name.ru.clone().into()),
                        ("name_kk", name.kk.clone().into()),
                        ("class", name.class.as_str().into()),
                        ("lanes", name.lanes.into()),
                    ]),
                }
            })
            .collect(),
    });
    let mut buildings = place_buildings(&grid, &hydro, &ctx);
    let poi = place_poi(&mut buildings, &ctx);
    let street_name = |b: &Building| Value::from(grid.names[b.street].ru.clone());
    layers.push(DemoLayer {
        layer_id: "buildings",
        features: buildings
            .iter()
            .enumerate()
            .map(|(i, b)| DemoFeature {
                key: format!("bld-{:06}", i + 1),
                geometry: Geometry::Polygon(polygon_ll(&b.ring)),
                attrs: obj([
                    ("street", street_name(b)),
                    ("house_number", b.number.clone().into()),
                    ("floors", b.floors.into()),
                    ("use", b.use_.into()),
                    ("year_built", b.year.into()),
                ]),
            })
            .collect(),
    });
    layers.push(hydro.lines_layer(&ctx));
    layers.push(hydro.areas_layer(&ctx));
    layers.push(land_fund_layer(&hydro, &ctx));
    layers.push(master_plan_layer(&hydro, &ctx));
    layers.push(utility_layer(&segments, &grid, &ctx));
    layers.push(DemoLayer {
        layer_id: "poi",
        features: poi
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let b = &buildings[p.building];
                DemoFeature {
                    key: format!("poi-{:05}", i + 1),
                    geometry: Geometry::Point(Point::from(to_ll(b.centre))),
                    attrs: obj([
                        ("name", p.name.clone().into()),
                        ("kind", p.kind.into()),
                        ("street", street_name(b)),
                        ("house_number", b.number.clone().into()),
                        ("capacity", p.capacity.into()),
                    ]),
                }
            })
            .collect(),
    });
    layers
}

fn districts_layer(districts: &[District]) -> DemoLayer {
    DemoLayer {
        layer_id: "districts",
        features: districts
            .iter()
            .map(|d| DemoFeature {
                key: format!("dst-{}", d.kato),
                geometry: Geometry::MultiPolygon(d.geometry.clone()),
                attrs: obj([
                    ("kato", d.kato.into()),
                    ("name_ru", d.name_ru.into()),
                    ("name_kk", d.name_kk.into()),
                    ("name_en", d.name_en.into()),
                ]),
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Street grid
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Avenue,
    Street,
    Lane,
}

impl Class {
    fn as_str(self) -> &'static str {
        match self {
            Class::Avenue => "avenue",
            Class::Street => "street",
            Class::Lane => "lane",
        }
    }
}

/// West-east streets: Russian and Kazakh names, class, lanes, latitude, west and east longitude.
#[rustfmt::skip]
const NAMED_EW: [(&str, &str, Class, i64, f64, f64, f64); 13] = [
    ("проспект Аль-Фараби", "Әл-Фараби даңғылы", Class::Avenue, 8, 43.2180, 76.840, 77.010),
    ("улица Тимирязева", "Тимирязев көшесі", Class::Street, 4, 43.2255, 76.870, 76.935),
    ("улица Жандосова", "Жандосов көшесі", Class::Street, 4, 43.2300, 76.790, 76.925),
    ("улица Сатпаева", "Сәтбаев көшесі", Class::Street, 4, 43.2355, 76.830, 76.960),
    ("проспект Абая", "Абай даңғылы", Class::Avenue, 6, 43.2400, 76.780, 76.962),
    ("улица Шевченко", "Шевченко көшесі", Class::Street, 2, 43.2450, 76.880, 76.962),
    ("улица Кабанбай батыра", "Қабанбай батыр көшесі", Class::Street, 3, 43.2475, 76.880, 76.975),
    ("улица Богенбай батыра", "Бөгенбай батыр көшесі", Class::Street, 3, 43.2505, 76.900, 76.975),
    ("улица Толе би", "Төле би көшесі", Class::Street, 4, 43.2540, 76.780, 76.957),
    ("улица Жибек Жолы", "Жібек жолы көшесі", Class::Street, 2, 43.2605, 76.900, 76.960),
    ("улица Макатаева", "Мақатаев көшесі", Class::Street, 2, 43.2650, 76.880, 76.970),
    ("проспект Райымбека", "Райымбек даңғылы", Class::Avenue, 6, 43.2700, 76.770, 76.990),
    ("проспект Рыскулова", "Рысқұлов даңғылы", Class::Avenue, 6, 43.2880, 76.790, 76.990),
];

/// South-north streets: Russian and Kazakh names, class, lanes, longitude, south and north latitude.
#[rustfmt::skip]
const NAMED_NS: [(&str, &str, Class, i64, f64, f64, f64); 11] = [
    ("улица Момышулы", "Момышұлы көшесі", Class::Street, 6, 76.8420, 43.200, 43.340),
    ("улица Саина", "Саин көшесі", Class::Street, 6, 76.8560, 43.190, 43.330),
    ("улица Розыбакиева", "Розыбакиев көшесі", Class::Street, 4, 76.8890, 43.190, 43.290),
    ("проспект Гагарина", "Гагарин даңғылы", Class::Avenue, 4, 76.8975, 43.180, 43.265),
    ("улица Ауэзова", "Әуезов көшесі", Class::Street, 4, 76.9055, 43.200, 43.275),
    ("улица Байтурсынова", "Байтұрсынұлы көшесі", Class::Street, 4, 76.9285, 43.205, 43.265),
    ("улица Сейфуллина", "Сейфуллин көшесі", Class::Street, 4, 76.9345, 43.225, 43.340),
    ("улица Желтоксан", "Желтоқсан көшесі", Class::Street, 3, 76.9405, 43.225, 43.275),
    ("улица Абылай хана", "Абылай хан көшесі", Class::Street, 6, 76.9460, 43.235, 43.300),
    ("проспект Достык", "Достық даңғылы", Class::Avenue, 6, 76.9580, 43.175, 43.270),
    ("проспект Суюнбая", "Сүйінбай даңғылы", Class::Avenue, 6, 76.9680, 43.262, 43.370),
];

/// Name stems of minor streets and lanes: Russian genitive, Kazakh nominative.
#[rustfmt::skip]
const STEMS: [(&str, &str); 132] = [
    ("Гоголя", "Гоголь"), ("Айтеке би", "Әйтеке би"), ("Казыбек би", "Қазыбек би"),
    ("Курмангазы", "Құрманғазы"), ("Жамбыла", "Жамбыл"), ("Карасай батыра", "Қарасай батыр"),
    ("Маметовой", "Мәметова"), ("Муканова", "Мұқанов"), ("Панфилова", "Панфилов"),
    ("Кунаева", "Қонаев"), ("Пушкина", "Пушкин"), ("Калдаякова", "Қалдаяқов"),
    ("Валиханова", "Уәлиханов"), ("Зенкова", "Зенков"), ("Тулебаева", "Төлебаев"),
    ("Наурызбай батыра", "Наурызбай батыр"), ("Масанчи", "Масанчи"), ("Байзакова", "Байзақов"),
    ("Исаева", "Исаев"), ("Мынбаева", "Мыңбаев"), ("Бекхожина", "Бекхожин"),
    ("Жарокова", "Жароков"), ("Ходжанова", "Қожанов"), ("Утепова", "Өтепов"), ("Манаса", "Манас"),
    ("Шашкина", "Шашкин"), ("Брусиловского", "Брусиловский"), ("Навои", "Науаи"),
    ("Кожамкулова", "Қожамқұлов"), ("Чайковского", "Чайковский"), ("Мауленова", "Мәуленов"),
    ("Бегалина", "Бегалин"), ("Жумалиева", "Жұмалиев"), ("Тлендиева", "Тлендиев"),
    ("Утеген батыра", "Өтеген батыр"), ("Шаймерденова", "Шаймерденов"), ("Кастеева", "Қастеев"),
    ("Мусрепова", "Мүсірепов"), ("Майлина", "Майлин"), ("Жансугурова", "Жансүгіров"),
    ("Торайгырова", "Торайғыров"), ("Толстого", "Толстой"), ("Лермонтова", "Лермонтов"),
    ("Чехова", "Чехов"), ("Жукова", "Жуков"), ("Шолохова", "Шолохов"),
    ("Сулейменова", "Сүлейменов"), ("Ескараева", "Ескараев"), ("Кенесары", "Кенесары"),
    ("Кабдолова", "Қабдолов"), ("Алтынсарина", "Алтынсарин"), ("Бухар жырау", "Бұқар жырау"),
    ("Ахметова", "Ахметов"), ("Шарипова", "Шарипов"), ("Акана серы", "Ақан сері"),
    ("Биржан сала", "Біржан сал"), ("Жаяу Мусы", "Жаяу Мұса"), ("Махамбета", "Махамбет"),
    ("Исатая", "Исатай"), ("Бокейханова", "Бөкейханов"), ("Дулатова", "Дулатов"),
    ("Жумабаева", "Жұмабаев"), ("Таттимбета", "Тәттімбет"), ("Ибраева", "Ибраев"),
    ("Жангельдина", "Жангелдин"), ("Иманова", "Иманов"), ("Амангельды", "Амангелді"),
    ("Егизбаева", "Егізбаев"), ("Тажибаевой", "Тәжібаева"), ("Мендикулова", "Меңдіқұлов"),
    ("Жубанова", "Жұбанов"), ("Нусупбекова", "Нүсіпбеков"), ("Луганского", "Луганский"),
    ("Кажымукана", "Қажымұқан"), ("Мустафина", "Мұстафин"), ("Рыскулбекова", "Рысқұлбеков"),
    ("Гайдара", "Гайдар"), ("Клочкова", "Клочков"), ("Шаляпина", "Шаляпин"), ("Омарова", "Омаров"),
    ("Кулымбетова", "Құлымбетов"), ("Абишева", "Әбішев"), ("Баишева", "Байшев"),
    ("Мухамеджанова", "Мұхамеджанов"), ("Сейдимбека", "Сейдімбек"), ("Бараева", "Бараев"),
    ("Бейсебаева", "Бейсебаев"), ("Жунусова", "Жүнісов"), ("Есенова", "Есенов"),
    ("Абылкасымова", "Әбілқасымов"), ("Жахаева", "Жаһаев"), ("Дуйсенова", "Дүйсенов"),
    ("Ауэзхана", "Әуезхан"), ("Тауке хана", "Тәуке хан"), ("Абдирова", "Әбдіров"),
    ("Сыздыкова", "Сыздықов"), ("Тургут Озала", "Тұрғұт Озал"), ("Радостовца", "Радостовец"),
    ("Шагабутдинова", "Шағабутдинов"), ("Нурмакова", "Нұрмақов"), ("Айманова", "Айманов"),
    ("Габдуллина", "Ғабдуллин"), ("Жандарбекова", "Жандарбеков"), ("Кожабекова", "Қожабеков"),
    ("Казакова", "Казаков"), ("Токтабаева", "Тоқтабаев"), ("Бальзака", "Бальзак"),
    ("Каирбекова", "Қайырбеков"), ("Хаджи Мукана", "Қажы Мұқан"), ("Керей хана", "Керей хан"),
    ("Жанибек хана", "Жәнібек хан"), ("Мирзояна", "Мирзоян"), ("Тынышбаева", "Тынышбаев"),
    ("Каратаева", "Қаратаев"), ("Жолдасбекова", "Жолдасбеков"), ("Шокая", "Шоқай"),
    ("Байганина", "Байғанин"), ("Кулжабаева", "Құлжабаев"), ("Аскарова", "Асқаров"),
    ("Ермекова", "Ермеков"), ("Кусаинова", "Құсайынов"), ("Куанышбаева", "Қуанышбаев"),
    ("Нурпеисова", "Нұрпейісов"), ("Жумагалиева", "Жұмағалиев"), ("Айтиева", "Әйтиев"),
    ("Шортанбая", "Шортанбай"), ("Дулати", "Дулати"), ("Жарылгапова", "Жарылғапов"),
    ("Байкадамова", "Байқадамов"), ("Естая", "Естай"), ("Досмухамедова", "Досмұхамедов"),
    ("Ахтанова", "Ахтанов"),
];

#[derive(Debug, Clone)]
struct StreetName {
    ru: String,
    kk: String,
    class: Class,
    lanes: i64,
}

/// A stretch of a grid line carrying one street name, from `from` to `to` along the line.
#[derive(Debug, Clone, Copy)]
struct Piece {
    from: f64,
    to: f64,
    street: usize,
}

/// A grid line at `pos` (v for west-east lines, u for south-north lines).
#[derive(Debug, Clone)]
struct GridLine {
    ew: bool,
    pos: f64,
    pieces: Vec<Piece>,
}

impl GridLine {
    /// Metric point at `along` on this line.
    fn at(&self, along: f64) -> Coord<f64> {
        if self.ew { grid_to_m(along, self.pos) } else { grid_to_m(self.pos, along) }
    }

    /// The piece covering `along` (the nearest one at a gap).
    fn piece_at(&self, along: f64) -> Piece {
        let i = self.pieces.partition_point(|p| p.to < along);
        self.pieces[i.min(self.pieces.len() - 1)]
    }
}

/// The street grid: south-north lines at `us`, west-east lines at `vs`, both ascending.
struct Grid {
    ns: Vec<GridLine>,
    ew: Vec<GridLine>,
    names: Vec<StreetName>,
}

/// Distance between minor grid lines `d` metres from the centre.
fn grid_spacing(d: f64) -> f64 {
    (250.0 + 0.03 * d).min(600.0)
}

/// Positions of grid lines between `lo` and `hi`: the named ones (with their index) and minor
/// ones filling the gaps.
fn fill_positions(
    named: &[(f64, usize)],
    lo: f64,
    hi: f64,
    centre: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<(f64, Option<usize>)> {
    let mut out: Vec<(f64, Option<usize>)> = named.iter().map(|&(p, i)| (p, Some(i))).collect();
    let mut anchors: Vec<f64> = named.iter().map(|n| n.0).collect();
    anchors.push(lo);
    anchors.push(hi);
    anchors.sort_by(f64::total_cmp);
    for w in anchors.windows(2) {
        let (a, b) = (w[0], w[1]);
        let s = grid_spacing(((a + b) / 2.0 - centre).abs());
        let n = ((b - a) / s).round().max(1.0) as usize;
        let step = (b - a) / n as f64;
        for k in 1..n {
            out.push((a + k as f64 * step + rng.random_range(-0.12..0.12) * step, None));
        }
    }
    out.sort_by(|x, y| x.0.total_cmp(&y.0));
    out
}

impl Grid {
    fn new(idx: &CityIndex, rng: &mut ChaCha8Rng) -> Grid {
        let (u_lo, u_hi) = (m_to_grid(ll_m(76.73, LAT0)).0, m_to_grid(ll_m(77.18, LAT0)).0);
        let (v_lo, v_hi) = (m_to_grid(ll_m(LON0, 43.165)).1, m_to_grid(ll_m(LON0, 43.41)).1);
        let (cu, cv) = m_to_grid(centre_m());
        let mut names = Vec::new();
        // (position, extent from, extent to) of each named street, by index into `names`.
        let mut extents = Vec::new();
        let mut ew_named = Vec::new();
        for (ru, kk, class, lanes, lat, west, east) in NAMED_EW {
            ew_named.push((m_to_grid(ll_m(LON0, lat)).1, names.len()));
            extents.push((m_to_grid(ll_m(west, lat)).0, m_to_grid(ll_m(east, lat)).0));
            names.push(StreetName { ru: ru.into(), kk: kk.into(), class, lanes });
        }
        let mut ns_named = Vec::new();
        for (ru, kk, class, lanes, lon, south, north) in NAMED_NS {
            ns_named.push((m_to_grid(ll_m(lon, LAT0)).0, names.len()));
            extents.push((m_to_grid(ll_m(lon, south)).1, m_to_grid(ll_m(lon, north)).1));
            names.push(StreetName { ru: ru.into(), kk: kk.into(), class, lanes });
        }
        let ew_pos = fill_positions(&ew_named, v_lo, v_hi, cv, rng);
        let ns_pos = fill_positions(&ns_named, u_lo, u_hi, cu, rng);

        let mut stems: Vec<usize> = (0..STEMS.len()).collect();
        for i in (1..stems.len()).rev() {
            stems.swap(i, rng.random_range(0..=i));
        }
        let mut used = [0usize; 2];
        let mut lines = |ew: bool, pos: &[(f64, Option<usize>)], lo: f64, hi: f64| {
            let mut out = Vec::new();
            for &(p, named) in pos {
                let mut line = GridLine { ew, pos: p, pieces: Vec::new() };
                let mut minor = Vec::new();
                match named {
                    Some(i) => {
                        let (a, b) = (extents[i].0.max(lo), extents[i].1.min(hi));
                        line.pieces.push(Piece { from: a, to: b, street: i });
                        minor.push((lo, a));
                        minor.push((b, hi));
                    }
                    None => minor.push((lo, hi)),
                }
                for (f, t) in minor {
                    if t - f < 1.0 {
                        continue;
                    }
                    let n = ((t - f) / 150.0).ceil() as usize;
                    let inside = (0..=n)
                        .filter(|&k| idx.contains(line.at(f + (t - f) * k as f64 / n as f64)))
                        .count() as f64
                        * (t - f)
                        / n as f64;
                    if inside == 0.0 {
                        continue;
                    }
                    let class = if inside < 3_000.0 { Class::Lane } else { Class::Street };
                    let k = usize::from(class == Class::Lane);
                    let n = used[k];
                    used[k] += 1;
                    let (ru, kk) = STEMS[stems[n % STEMS.len()]];
                    let (ru, kk) = match (class, n / STEMS.len()) {
                        (Class::Lane, 0) => (format!("переулок {ru}"), format!("{kk} тұйық көшесі")),
                        (Class::Lane, r) => {
                            (format!("{}-й переулок {ru}", r + 1), format!("{}-{kk} тұйық көшесі", r + 1))
                        }
                        (_, 0) => (format!("улица {ru}"), format!("{kk} көшесі")),
                        (_, r) => (format!("{}-я улица {ru}", r + 1), format!("{}-{kk} көшесі", r + 1)),
                    };
                    let lanes = match class {
                        Class::Lane => 1,
                        _ if inside > 8_000.0 => 4,
                        _ => 2,
                    };
                    line.pieces.push(Piece { from: f, to: t, street: names.len() });
                    names.push(StreetName { ru, kk, class, lanes });
                }
                line.pieces.sort_by(|x, y| x.from.total_cmp(&y.from));
                if !line.pieces.is_empty() {
                    out.push(line);
                }
            }
            out
        };
        let ew = lines(true, &ew_pos, u_lo, u_hi);
        let ns = lines(false, &ns_pos, v_lo, v_hi);
        Grid { ns, ew, names }
    }
}

/// A street segment: a metric polyline inside the city and the index of its name.
struct Segment {
    pts: Vec<Coord<f64>>,
    street: usize,
}

/// Segments are cut at crossings at least this far apart.
const SEGMENT_LEN: f64 = 1_500.0;

fn street_segments(grid: &Grid, ctx: &Ctx) -> Vec<Segment> {
    let mut out = Vec::new();
    for (lines, cross) in [(&grid.ew, &grid.ns), (&grid.ns, &grid.ew)] {
        let cross: Vec<f64> = cross.iter().map(|l| l.pos).collect();
        for line in lines {
            for piece in &line.pieces {
                let mut cuts = vec![piece.from];
                let mut next = piece.from + SEGMENT_LEN;
                for &x in &cross {
                    if x >= next && x < piece.to - SEGMENT_LEN / 3.0 {
                        cuts.push(x);
                        next = x + SEGMENT_LEN;
                    }
                }
                cuts.push(piece.to);
                for w in cuts.windows(2) {
                    for pts in ctx.idx.clip_line(&[line.at(w[0]), line.at(w[1])], 20.0) {
                        out.push(Segment { pts, street: piece.street });
                    }
                }
            }
        }
    }
    out
}

/// What buildings keep away from near one block.
#[derive(Default)]
struct Obstacles {
    segments: Vec<(Coord<f64>, Coord<f64>)>,
    boxes: Vec<(Coord<f64>, Coord<f64>)>,
    circles: Vec<(Coord<f64>, f64)>,
}

impl Obstacles {
    fn is_empty(&self) -> bool {
        self.segments.is_empty() && self.boxes.is_empty() && self.circles.is_empty()
    }

    /// Whether something `r` metres around `p` is in the way.
    fn hit(&self, p: Coord<f64>, r: f64) -> bool {
        self.segments.iter().any(|&(a, b)| dist_to_segment(p, a, b) < r + 20.0)
            || self.boxes.iter().any(|(lo, hi)| {
                p.x > lo.x - r - 20.0
                    && p.x < hi.x + r + 20.0
                    && p.y > lo.y - r - 20.0
                    && p.y < hi.y + r + 20.0
            })
            || self.circles.iter().any(|&(q, rad)| dist(p, q) < rad + r)
    }
}

// ---------------------------------------------------------------------------------------------
// Hydrography
// ---------------------------------------------------------------------------------------------

/// Watercourses: Russian and Kazakh names, kind, meander amplitude in metres, course (lon, lat).
type Watercourse = (&'static str, &'static str, &'static str, f64, &'static [(f64, f64)]);

#[rustfmt::skip]
const WATERCOURSES: [Watercourse; 8] = [
    ("река Большая Алматинка", "Үлкен Алматы өзені", "river", 45.0, &[
        (76.935, 43.04), (76.925, 43.09), (76.905, 43.13), (76.890, 43.165), (76.875, 43.20),
        (76.866, 43.226), (76.865, 43.245), (76.870, 43.27), (76.878, 43.31), (76.885, 43.35),
        (76.892, 43.41),
    ]),
    ("река Малая Алматинка", "Кіші Алматы өзені", "river", 45.0, &[
        (77.085, 43.11), (77.060, 43.15), (77.030, 43.18), (77.000, 43.21), (76.985, 43.235),
        (76.975, 43.255), (76.970, 43.275), (76.972, 43.31), (76.978, 43.35), (76.985, 43.41),
    ]),
    ("река Есентай", "Есентай өзені", "river", 35.0, &[
        (76.948, 43.12), (76.940, 43.16), (76.932, 43.20), (76.927, 43.23), (76.922, 43.26),
        (76.918, 43.29), (76.915, 43.312),
    ]),
    ("река Каргалы", "Қарғалы өзені", "river", 40.0, &[
        (76.855, 43.12), (76.840, 43.16), (76.832, 43.20), (76.828, 43.24), (76.824, 43.28),
        (76.820, 43.32), (76.815, 43.37),
    ]),
    ("река Аксай", "Ақсай өзені", "river", 40.0, &[
        (76.805, 43.14), (76.800, 43.18), (76.795, 43.22), (76.790, 43.26), (76.785, 43.30),
        (76.780, 43.33),
    ]),
    ("Большой Алматинский канал", "Үлкен Алматы каналы", "canal", 4.0, &[
        (76.740, 43.318), (76.800, 43.310), (76.850, 43.304), (76.890, 43.305), (76.930, 43.309),
        (76.970, 43.314), (77.020, 43.318), (77.070, 43.316),
    ]),
    ("ручей Ремизовка", "Ремизовка бұлағы", "stream", 25.0, &[
        (76.965, 43.15), (76.960, 43.18), (76.955, 43.205), (76.952, 43.225),
    ]),
    ("ручей Казачка", "Казачка бұлағы", "stream", 25.0, &[
        (76.995, 43.19), (76.990, 43.22), (76.984, 43.245),
    ]),
];

/// Water bodies: names, kind, centre (lon, lat), semi-axes east-west and north-south in metres,
/// turn in degrees.
type WaterBody = (&'static str, &'static str, &'static str, f64, f64, f64, f64, f64);

#[rustfmt::skip]
const WATER_BODIES: [WaterBody; 8] = [
    ("водохранилище Сайран", "Сайран су қоймасы", "reservoir", 76.865, 43.235, 330.0, 600.0, 8.0),
    ("Озеро в Центральном парке", "Орталық саябақтағы көл", "lake", 76.965, 43.262, 110.0, 60.0, 20.0),
    ("Пруд Главного ботанического сада", "Бас ботаникалық бақ тоғаны", "pond", 76.912, 43.222, 60.0, 40.0, 0.0),
    ("Пруд в Президентском парке", "Президенттік саябақтағы тоған", "pond", 76.888, 43.188, 80.0, 45.0, -15.0),
    ("Пруд в микрорайоне Калкаман", "Қалқаман шағын ауданындағы тоған", "pond", 76.795, 43.245, 50.0, 35.0, 30.0),
    ("Пруд в микрорайоне Шанырак", "Шаңырақ шағын ауданындағы тоған", "pond", 76.835, 43.325, 55.0, 40.0, -25.0),
    ("Пруд в микрорайоне Айнабулак", "Айнабұлақ шағын ауданындағы тоған", "pond", 76.950, 43.325, 45.0, 30.0, 10.0),
    ("Пруд в микрорайоне Кокжиек", "Көкжиек шағын ауданындағы тоған", "pond", 76.995, 43.300, 50.0, 35.0, 60.0),
];

/// Parks and the airport: no buildings there. Centre (lon, lat) and radius in metres.
const NO_BUILD: [(f64, f64, f64); 6] = [
    (76.966, 43.262, 450.0),   // Central Park
    (76.912, 43.222, 550.0),   // Main Botanical Garden
    (76.888, 43.188, 500.0),   // Presidential Park
    (76.955, 43.2585, 180.0),  // Panfilov Park
    (77.045, 43.352, 1_500.0), // Airport
    (76.936, 43.239, 150.0),   // Republic Square
];

/// A smooth curve through `ctrl` (Catmull-Rom), sampled about every `step` metres.
fn spline(ctrl: &[Coord<f64>], step: f64) -> Vec<Coord<f64>> {
    let n = ctrl.len();
    let mut out = Vec::new();
    for i in 0..n.saturating_sub(1) {
        let p0 = ctrl[i.saturating_sub(1)];
        let (p1, p2) = (ctrl[i], ctrl[i + 1]);
        let p3 = ctrl[(i + 2).min(n - 1)];
        let k = (dist(p1, p2) / step).ceil().max(1.0) as usize;
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
fn meander(line: &[Coord<f64>], amp: f64, rng: &mut ChaCha8Rng) -> Vec<Coord<f64>> {
    let (ph1, ph2) = (rng.random_range(0.0..6.3), rng.random_range(0.0..6.3));
    let (l1, l2) = (rng.random_range(700.0..1_100.0), rng.random_range(250.0..400.0));
    let mut s = 0.0;
    let n = line.len();
    (0..n)
        .map(|i| {
            if i > 0 {
                s += dist(line[i - 1], line[i]);
            }
            let d = sub(line[(i + 1).min(n - 1)], line[i.saturating_sub(1)]);
            let len = d.x.hypot(d.y).max(1e-9);
            let off = amp * (s / l1 * std::f64::consts::TAU + ph1).sin()
                + 0.4 * amp * (s / l2 * std::f64::consts::TAU + ph2).sin();
            c(line[i].x - d.y / len * off, line[i].y + d.x / len * off)
        })
        .collect()
}

/// Metric outline of a water body: a wobbly ellipse, anticlockwise, open.
fn water_ring(w: &WaterBody, rng: &mut ChaCha8Rng) -> Vec<Coord<f64>> {
    let centre = ll_m(w.3, w.4);
    let (s, k) = w.7.to_radians().sin_cos();
    let (ph1, ph2) = (rng.random_range(0.0..6.3), rng.random_range(0.0..6.3));
    (0..64)
        .map(|i| {
            let t = i as f64 / 64.0 * std::f64::consts::TAU;
            let r = 1.0 + 0.08 * (3.0 * t + ph1).sin() + 0.05 * (5.0 * t + ph2).sin();
            let (x, y) = (w.5 * r * t.cos(), w.6 * r * t.sin());
            c(centre.x + x * k - y * s, centre.y + x * s + y * k)
        })
        .collect()
}

/// The dam closing the north end of the first water body (Sairan).
fn dam_ring(w: &WaterBody) -> Vec<Coord<f64>> {
    let centre = ll_m(w.3, w.4);
    let (s, k) = w.7.to_radians().sin_cos();
    let (y0, y1, half) = (w.6 * 1.14 + 10.0, w.6 * 1.14 + 40.0, w.5 * 0.7);
    [(-half, y0), (half, y0), (half, y1), (-half, y1)]
        .iter()
        .map(|&(x, y)| c(centre.x + x * k - y * s, centre.y + x * s + y * k))
        .collect()
}

/// Watercourses and water bodies, in metres, with their names; used by several layers.
struct Hydro {
    /// (index into `WATERCOURSES`, full metric course).
    courses: Vec<(usize, Vec<Coord<f64>>)>,
    /// (index into `WATER_BODIES`, kind, metric ring); the dam has the index of Sairan.
    bodies: Vec<(usize, &'static str, Vec<Coord<f64>>)>,
}

impl Hydro {
    fn new(rng: &mut ChaCha8Rng) -> Hydro {
        let courses = WATERCOURSES
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let ctrl: Vec<Coord<f64>> = w.4.iter().map(|&(x, y)| ll_m(x, y)).collect();
                (i, meander(&spline(&ctrl, 50.0), w.3, rng))
            })
            .collect();
        let mut bodies: Vec<(usize, &'static str, Vec<Coord<f64>>)> =
            WATER_BODIES.iter().enumerate().map(|(i, w)| (i, w.2, water_ring(w, rng))).collect();
        bodies.push((0, "dam", dam_ring(&WATER_BODIES[0])));
        Hydro { courses, bodies }
    }

    /// Water, watercourses and parks that come within `pad` metres of the box `lo`-`hi`.
    fn obstacles(&self, lo: Coord<f64>, hi: Coord<f64>, pad: f64) -> Obstacles {
        let near = |p: Coord<f64>, q: Coord<f64>| {
            p.x.max(q.x) > lo.x - pad
                && p.x.min(q.x) < hi.x + pad
                && p.y.max(q.y) > lo.y - pad
                && p.y.min(q.y) < hi.y + pad
        };
        let mut o = Obstacles::default();
        for (_, line) in &self.courses {
            o.segments.extend(line.windows(2).filter(|w| near(w[0], w[1])).map(|w| (w[0], w[1])));
        }
        for (_, _, ring) in &self.bodies {
            let (a, b) = bbox(ring);
            if near(a, b) {
                o.boxes.push((a, b));
            }
        }
        for &(x, y, r) in &NO_BUILD {
            let p = ll_m(x, y);
            if near(c(p.x - r, p.y - r), c(p.x + r, p.y + r)) {
                o.circles.push((p, r));
            }
        }
        o
    }

    fn lines_layer(&self, ctx: &Ctx) -> DemoLayer {
        let mut features = Vec::new();
        for (i, course) in &self.courses {
            let w = &WATERCOURSES[*i];
            for part in ctx.idx.clip_line(course, 100.0) {
                features.push(DemoFeature {
                    key: format!("hyl-{:03}", features.len() + 1),
                    geometry: line_ll(&part),
                    attrs: obj([("name_ru", w.0.into()), ("name_kk", w.1.into()), ("kind", w.2.into())]),
                });
            }
        }
        DemoLayer { layer_id: "hydro_lines", features }
    }

    fn areas_layer(&self, ctx: &Ctx) -> DemoLayer {
        let mut features = Vec::new();
        for (i, kind, ring) in &self.bodies {
            let w = &WATER_BODIES[*i];
            let (ru, kk) = if *kind == "dam" {
                ("Плотина водохранилища Сайран", "Сайран су қоймасының бөгеті")
            } else {
                (w.0, w.1)
            };
            if let Some(geometry) = clip_polygon(ring, ctx.city, &ctx.idx) {
                features.push(DemoFeature {
                    key: format!("hya-{:03}", features.len() + 1),
                    geometry,
                    attrs: obj([("name_ru", ru.into()), ("name_kk", kk.into()), ("kind", (*kind).into())]),
                });
            }
        }
        DemoLayer { layer_id: "hydro_areas", features }
    }
}

// ---------------------------------------------------------------------------------------------
// Buildings
// ---------------------------------------------------------------------------------------------

/// How many buildings the generator aims at.
const BUILDING_TARGET: f64 = 20_000.0;

/// Industrial areas: west, south, east longitude and north latitude.
const INDUSTRIAL: [(f64, f64, f64, f64); 4] = [
    (76.900, 43.290, 76.990, 43.302), // along Ryskulov Avenue
    (76.930, 43.325, 76.995, 43.345), // around Almaty-1
    (76.800, 43.270, 76.860, 43.288), // western Alatau
    (77.000, 43.270, 77.030, 43.300), // eastern Turksib
];

/// The "golden square" of tall new housing south of Abay Avenue.
const HIGH_RISE: (f64, f64, f64, f64) = (76.895, 43.205, 76.960, 43.232);

fn in_box(ll: Coord<f64>, b: (f64, f64, f64, f64)) -> bool {
    ll.x >= b.0 && ll.y >= b.1 && ll.x <= b.2 && ll.y <= b.3
}

/// The character of a block: decides lot size, density, height, use and age of its buildings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    Centre,
    HighRise,
    Panel,
    Private,
    Industrial,
}

impl BlockKind {
    fn at(m: Coord<f64>, rng: &mut ChaCha8Rng) -> BlockKind {
        let ll = to_ll(m);
        let d = dist(m, centre_m());
        let roll = rng.random::<f64>();
        if INDUSTRIAL.iter().any(|&b| in_box(ll, b)) {
            if roll < 0.85 { BlockKind::Industrial } else { BlockKind::Panel }
        } else if in_box(ll, HIGH_RISE) {
            if roll < 0.6 { BlockKind::HighRise } else { BlockKind::Centre }
        } else if d < 2_800.0 {
            if roll < 0.9 { BlockKind::Centre } else { BlockKind::HighRise }
        } else if d < 7_500.0 {
            match roll {
                r if r < 0.75 => BlockKind::Panel,
                r if r < 0.9 => BlockKind::HighRise,
                _ => BlockKind::Private,
            }
        } else {
            match roll {
                r if r < 0.72 => BlockKind::Private,
                r if r < 0.86 => BlockKind::HighRise,
                _ => BlockKind::Panel,
            }
        }
    }

    /// Lot size along u and v, in metres.
    fn lot(self) -> (f64, f64) {
        match self {
            BlockKind::Centre => (38.0, 34.0),
            BlockKind::HighRise => (55.0, 55.0),
            BlockKind::Panel => (72.0, 34.0),
            BlockKind::Private => (24.0, 24.0),
            BlockKind::Industrial => (66.0, 50.0),
        }
    }

    /// Relative number of buildings per square metre of lots.
    fn density(self) -> f64 {
        match self {
            BlockKind::Centre => 1.0,
            BlockKind::HighRise => 0.35,
            BlockKind::Panel => 0.45,
            BlockKind::Private => 0.9,
            BlockKind::Industrial => 0.3,
        }
    }

    /// Footprint along u and v, in metres.
    fn footprint(self, rng: &mut ChaCha8Rng) -> (f64, f64) {
        match self {
            BlockKind::Centre => (rng.random_range(16.0..34.0), rng.random_range(12.0..30.0)),
            BlockKind::HighRise => {
                let s = rng.random_range(20.0..36.0);
                (s, s * rng.random_range(0.7..1.0))
            }
            BlockKind::Panel => (rng.random_range(42.0..66.0), rng.random_range(11.0..15.0)),
            BlockKind::Private => (rng.random_range(8.0..15.0), rng.random_range(7.0..13.0)),
            BlockKind::Industrial => (rng.random_range(20.0..60.0), rng.random_range(16.0..44.0)),
        }
    }

    /// Floors, use and year of construction.
    fn character(self, rng: &mut ChaCha8Rng) -> (i64, &'static str, i64) {
        const USES: [&str; 4] = ["residential", "commercial", "public", "industrial"];
        let (floors, uses, year) = match self {
            BlockKind::Centre => {
                let floors =
                    [2, 3, 4, 5, 6, 9, 12, 16][weighted(rng, &[1.0, 2.0, 3.0, 4.0, 2.0, 2.0, 1.0, 0.5])];
                let year = if floors >= 12 || rng.random_bool(0.15) {
                    rng.random_range(2000..=2025)
                } else {
                    rng.random_range(1930..=1995)
                };
                (floors, [0.55, 0.3, 0.15, 0.0], year)
            }
            BlockKind::HighRise => {
                let floors = rng.random_range(9..=30).min(rng.random_range(9..=30));
                (floors, [0.8, 0.15, 0.05, 0.0], rng.random_range(1998..=2025))
            }
            BlockKind::Panel => {
                let floors = *pick(rng, &[4, 5, 5, 5, 9, 9, 12]);
                (floors, [0.85, 0.08, 0.07, 0.0], rng.random_range(1962..=1995))
            }
            BlockKind::Private => {
                let floors = *pick(rng, &[1, 1, 1, 2, 2, 3]);
                (floors, [0.93, 0.05, 0.02, 0.0], rng.random_range(1950..=2025))
            }
            BlockKind::Industrial => {
                let floors = *pick(rng, &[1, 1, 2, 2, 3, 4]);
                (floors, [0.05, 0.2, 0.05, 0.7], rng.random_range(1940..=2015))
            }
        };
        (floors, USES[weighted(rng, &uses)], year)
    }
}

/// A generated building, in metres, before it becomes a feature.
struct Building {
    ring: Vec<Coord<f64>>,
    centre: Coord<f64>,
    street: usize,
    number: String,
    floors: i64,
    use_: &'static str,
    year: i64,
}

/// A block of the grid with the lots where a building may stand.
struct Block {
    kind: BlockKind,
    /// Grid coordinates of the first lot's corner and the lot size.
    origin: (f64, f64),
    lot: (f64, f64),
    /// Lots as (column, row, on the block's edge).
    lots: Vec<(u32, u32, bool)>,
    /// Grid lines around: west, east (indices into `ns`), south, north (into `ew`).
    sides: (usize, usize, usize, usize),
    weight: f64,
}

/// Places about [`BUILDING_TARGET`] buildings in the blocks of the grid.
fn place_buildings(grid: &Grid, hydro: &Hydro, ctx: &Ctx) -> Vec<Building> {
    let mut rng = ctx.rng(2);
    let setback =
        |line: &GridLine, along: f64| 6.0 + 1.75 * grid.names[line.piece_at(along).street].lanes as f64;
    let mut blocks = Vec::new();
    for i in 0..grid.ns.len().saturating_sub(1) {
        for j in 0..grid.ew.len().saturating_sub(1) {
            let (u0, u1) = (grid.ns[i].pos, grid.ns[i + 1].pos);
            let (v0, v1) = (grid.ew[j].pos, grid.ew[j + 1].pos);
            let corners = [grid_to_m(u0, v0), grid_to_m(u1, v0), grid_to_m(u1, v1), grid_to_m(u0, v1)];
            let (lo, hi) = bbox(&corners);
            let clear = ctx.idx.box_clear(lo, hi);
            let mid = grid_to_m((u0 + u1) / 2.0, (v0 + v1) / 2.0);
            if (clear && !ctx.idx.contains(mid)) || to_ll(hi).y < MOUNTAIN_LAT {
                continue;
            }
            let kind = BlockKind::at(mid, &mut rng);
            let mut lot = kind.lot();
            if kind == BlockKind::Panel && rng.random_bool(0.5) {
                lot = (lot.1, lot.0);
            }
            let (mw, me) = (setback(&grid.ns[i], (v0 + v1) / 2.0), setback(&grid.ns[i + 1], (v0 + v1) / 2.0));
            let (ms, mn) = (setback(&grid.ew[j], (u0 + u1) / 2.0), setback(&grid.ew[j + 1], (u0 + u1) / 2.0));
            let (w, h) = (u1 - u0 - mw - me, v1 - v0 - ms - mn);
            let (nx, ny) = ((w / lot.0).floor().max(0.0) as u32, (h / lot.1).floor().max(0.0) as u32);
            if nx == 0 || ny == 0 {
                continue;
            }
            let lot = (w / nx as f64, h / ny as f64);
            let origin = (u0 + mw, v0 + ms);
            let obstacles = hydro.obstacles(lo, hi, 60.0);
            let r = 0.5 * lot.0.hypot(lot.1);
            let mut lots = Vec::new();
            for a in 0..nx {
                for b in 0..ny {
                    let (lu, lv) = (origin.0 + a as f64 * lot.0, origin.1 + b as f64 * lot.1);
                    let p = grid_to_m(lu + lot.0 / 2.0, lv + lot.1 / 2.0);
                    if to_ll(p).y < MOUNTAIN_LAT + 0.002 || (!obstacles.is_empty() && obstacles.hit(p, r)) {
                        continue;
                    }
                    if !clear {
                        let ring = [
                            grid_to_m(lu, lv),
                            grid_to_m(lu + lot.0, lv),
                            grid_to_m(lu + lot.0, lv + lot.1),
                            grid_to_m(lu, lv + lot.1),
                        ];
                        if !ctx.idx.contains_ring(&ring) {
                            continue;
                        }
                    }
                    lots.push((a, b, a == 0 || b == 0 || a + 1 == nx || b + 1 == ny));
                }
            }
            if lots.is_empty() {
                continue;
            }
            let d = dist(mid, centre_m());
            let weight = lots.len() as f64 * lot.0 * lot.1 * kind.density() / (1.0 + (d / 7_000.0).powi(2));
            blocks.push(Block { kind, origin, lot, lots, sides: (i, i + 1, j, j + 1), weight });
        }
    }

    let total: f64 = blocks.iter().map(|b| b.weight).sum();
    let mut out = Vec::new();
    let mut numbers: HashMap<(usize, u32), u32> = HashMap::new();
    for block in &blocks {
        let n = ((BUILDING_TARGET * block.weight / total + rng.random::<f64>()).floor() as usize)
            .min(block.lots.len());
        let mut keyed: Vec<(f64, (u32, u32, bool))> =
            block.lots.iter().map(|&l| (rng.random::<f64>() + if l.2 { 0.0 } else { 0.7 }, l)).collect();
        keyed.sort_by(|x, y| x.0.total_cmp(&y.0));
        let (lw, lh) = block.lot;
        for &(_, (a, b, edge)) in keyed.iter().take(n) {
            let (mut fw, mut fh) = block.kind.footprint(&mut rng);
            if lw < lh {
                (fw, fh) = (fh, fw);
            }
            let (fw, fh) = (fw.min(lw - 4.0).max(4.0), fh.min(lh - 4.0).max(4.0));
            let bu = block.origin.0 + a as f64 * lw + rng.random_range(2.0..=(lw - fw - 2.0).max(2.0));
            let bv = block.origin.1 + b as f64 * lh + rng.random_range(2.0..=(lh - fh - 2.0).max(2.0));
            let ring = vec![
                grid_to_m(bu, bv),
                grid_to_m(bu + fw, bv),
                grid_to_m(bu + fw, bv + fh),
                grid_to_m(bu, bv + fh),
            ];
            let (cu, cv) = (bu + fw / 2.0, bv + fh / 2.0);
            let (wl, el, sl, nl) = (
                &grid.ns[block.sides.0],
                &grid.ns[block.sides.1],
                &grid.ew[block.sides.2],
                &grid.ew[block.sides.3],
            );
            let (line, along, odd) = [
                (cu - wl.pos, wl, cv, true),
                (el.pos - cu, el, cv, false),
                (cv - sl.pos, sl, cu, true),
                (nl.pos - cv, nl, cu, false),
            ]
            .into_iter()
            .min_by(|x, y| x.0.total_cmp(&y.0))
            .map(|(_, l, along, odd)| (l, along, odd))
            .unwrap_or((wl, cv, true));
            let piece = line.piece_at(along);
            let base = ((piece.to - along).max(0.0) / 30.0).floor() as u32;
            let number = 2 * base + if odd { 1 } else { 2 };
            let k = numbers.entry((piece.street, number)).or_insert(0);
            let number = match *k {
                0 => number.to_string(),
                k @ 1..=5 if edge => {
                    format!("{number}{}", ["А", "Б", "В", "Г", "Д"][k as usize - 1])
                }
                k => format!("{number}/{k}"),
            };
            *k += 1;
            let (floors, use_, year) = block.kind.character(&mut rng);
            out.push(Building {
                ring,
                centre: grid_to_m(cu, cv),
                street: piece.street,
                number,
                floors,
                use_,
                year,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Schools, kindergartens, clinics and hospitals
// ---------------------------------------------------------------------------------------------

/// Kind, how many, least distance between two of a kind (m), name patterns with weights,
/// capacity range, floors of the building.
type PoiKind = (&'static str, usize, f64, &'static [(&'static str, f64)], (i64, i64), (i64, i64));

const POI_KINDS: [PoiKind; 4] = [
    (
        "school",
        190,
        650.0,
        &[("Средняя школа", 0.6), ("Школа-гимназия", 0.2), ("Школа-лицей", 0.1), ("Гимназия", 0.1)],
        (400, 2_500),
        (2, 4),
    ),
    ("kindergarten", 160, 550.0, &[("Детский сад", 0.8), ("Ясли-сад", 0.2)], (60, 320), (1, 3)),
    (
        "clinic",
        45,
        1_800.0,
        &[("Городская поликлиника", 0.75), ("Детская городская поликлиника", 0.25)],
        (150, 1_200),
        (2, 5),
    ),
    (
        "hospital",
        18,
        3_000.0,
        &[
            ("Городская клиническая больница", 0.6),
            ("Детская городская клиническая больница", 0.2),
            ("Городская больница", 0.2),
        ],
        (120, 900),
        (3, 9),
    ),
];

struct Poi {
    building: usize,
    kind: &'static str,
    name: String,
    capacity: i64,
}

/// Puts the facilities into buildings (which become public ones) spread over the city.
fn place_poi(buildings: &mut [Building], ctx: &Ctx) -> Vec<Poi> {
    let mut rng = ctx.rng(4);
    let mut out: Vec<Poi> = Vec::new();
    let mut taken = vec![false; buildings.len()];
    if buildings.is_empty() {
        return out;
    }
    for (kind, count, spacing, names, capacity, floors) in POI_KINDS {
        let mut numbers: Vec<usize> = (1..=count + count / 8).collect();
        for i in (1..numbers.len()).rev() {
            numbers.swap(i, rng.random_range(0..=i));
        }
        let mut placed: Vec<Coord<f64>> = Vec::new();
        for _ in 0..count * 60 {
            if placed.len() == count {
                break;
            }
            let i = rng.random_range(0..buildings.len());
            let b = &buildings[i];
            if taken[i] || b.use_ == "industrial" || placed.iter().any(|&p| dist(p, b.centre) < spacing) {
                continue;
            }
            taken[i] = true;
            placed.push(b.centre);
            let weights: Vec<f64> = names.iter().map(|n| n.1).collect();
            let name = format!("{} № {}", names[weighted(&mut rng, &weights)].0, numbers[placed.len() - 1]);
            let b = &mut buildings[i];
            b.use_ = "public";
            b.floors = b.floors.clamp(floors.0, floors.1);
            out.push(Poi { building: i, kind, name, capacity: rng.random_range(capacity.0..=capacity.1) });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Land fund and master plan: Voronoi cells of a jittered lattice, clipped to the city
// ---------------------------------------------------------------------------------------------

/// Cells of a lattice of `step`-metre spacing over the city, each site moved at random by up to a
/// third of the step. Returns (site, metric ring) for each cell that reaches into the city.
fn lattice_cells(ctx: &Ctx, step: f64, rng: &mut ChaCha8Rng) -> Vec<(Coord<f64>, Geometry<f64>)> {
    let (lo, hi) = (ctx.idx.min, ctx.idx.max);
    let nx = ((hi.x - lo.x) / step).ceil() as usize + 1;
    let ny = ((hi.y - lo.y) / step).ceil() as usize + 1;
    let mut sites = Vec::with_capacity(nx * ny);
    for iy in 0..ny {
        for ix in 0..nx {
            let j = (rng.random_range(-0.33..0.33), rng.random_range(-0.33..0.33));
            sites.push(c(lo.x + (ix as f64 + j.0) * step, lo.y + (iy as f64 + j.1) * step));
        }
    }
    let mut out = Vec::new();
    for iy in 0..ny {
        for ix in 0..nx {
            let neighbours = (iy.saturating_sub(2)..(iy + 3).min(ny))
                .flat_map(|y| (ix.saturating_sub(2)..(ix + 3).min(nx)).map(move |x| y * nx + x));
            let i = iy * nx + ix;
            let cell = voronoi_cell(&sites, i, neighbours, 2.0 * step);
            if cell.len() < 3 {
                continue;
            }
            if let Some(g) = clip_polygon(&cell, ctx.city, &ctx.idx) {
                out.push((sites[i], g));
            }
        }
    }
    out
}

/// Area of a WGS84 geometry in hectares (in the local frame).
fn area_ha(g: &Geometry<f64>) -> f64 {
    let deg2 = geo::Area::unsigned_area(g);
    (deg2 * M_PER_DEG_LON * M_PER_DEG_LAT / 100.0).round() / 100.0
}

fn near_park(m: Coord<f64>, extra: f64) -> bool {
    NO_BUILD[..4].iter().any(|&(x, y, r)| dist(m, ll_m(x, y)) < r + extra)
}

fn in_airport(m: Coord<f64>) -> bool {
    let (x, y, r) = NO_BUILD[4];
    dist(m, ll_m(x, y)) < r
}

/// Index of the district whose seed is nearest (the district the point is in).
fn district_of(m: Coord<f64>) -> usize {
    (0..DISTRICTS.len())
        .min_by(|&a, &b| {
            let da = dist(m, ll_m(DISTRICTS[a].4, DISTRICTS[a].5));
            let db = dist(m, ll_m(DISTRICTS[b].4, DISTRICTS[b].5));
            da.total_cmp(&db)
        })
        .unwrap_or(0)
}

fn land_fund_layer(hydro: &Hydro, ctx: &Ctx) -> DemoLayer {
    let mut rng = ctx.rng(5);
    let mut per_district = [0usize; 8];
    let mut features = Vec::new();
    for (site, geometry) in lattice_cells(ctx, 1_100.0, &mut rng) {
        let ll = to_ll(site);
        let d = dist(site, centre_m());
        let wet = hydro.bodies.iter().any(|&(i, kind, _)| {
            let w = &WATER_BODIES[i];
            matches!(kind, "reservoir" | "lake")
                && geo::Intersects::intersects(&geometry, &Point::new(w.3, w.4))
        }) || hydro.courses.iter().any(|(_, line)| dist_to_polyline(site, line) < 120.0);
        let category = if wet {
            "6"
        } else if ll.y < MOUNTAIN_LAT {
            if ll.y < 43.125 || rng.random_bool(0.4) { "4" } else { "5" }
        } else if near_park(site, 300.0) {
            "4"
        } else if in_airport(site) || INDUSTRIAL.iter().any(|&b| in_box(ll, b)) {
            "3"
        } else if (ll.x > 77.1 || (ll.x < 76.80 && ll.y > 43.27)) && rng.random_bool(0.6) {
            "1"
        } else if d > 10_000.0 && rng.random_bool(0.04) {
            "7"
        } else {
            "2"
        };
        let holders: &[&str] = match category {
            "1" => &["КХ «Береке»", "КХ «Алатау»", "ТОО «Агрофирма Жетысу»", "КХ «Нұр»"],
            "3" if in_airport(site) => &["АО «Международный аэропорт Алматы»"],
            "3" => &[
                "ТОО «Алматинский завод металлоконструкций»",
                "ТОО «Жетісу Логистика»",
                "АО «Алматы Инжиниринг»",
                "ТОО «Тұрксіб Терминал»",
            ],
            "4" if ll.y < MOUNTAIN_LAT => {
                &["РГУ «Иле-Алатауский государственный национальный природный парк»"]
            }
            "4" => &["КГП «Алматы Жасыл Аймақ»", "ГУ «Управление туризма г. Алматы»"],
            "5" => &["КГУ «Алматинское лесное хозяйство»"],
            "6" => &[
                "РГУ «Балкаш-Алакольская бассейновая инспекция»",
                "ГУ «Управление экологии и окружающей среды г. Алматы»",
            ],
            "7" => &["Акимат города Алматы (земли запаса)"],
            _ => &[
                "Акимат города Алматы",
                "ТОО «Алатау Құрылыс»",
                "ТОО «Жетісу Девелопмент»",
                "ОСИ «Самал»",
                "Частная собственность",
                "Частная собственность",
                "КГУ «Управление образования г. Алматы»",
            ],
        };
        let district = district_of(site);
        let k = per_district[district];
        per_district[district] += 1;
        let cadastral =
            format!("20-31{}-{:03}-{:03}", district + 1, 1 + k / 20, (k % 20) * 45 + rng.random_range(1..45));
        features.push(DemoFeature {
            key: format!("lf-{:05}", features.len() + 1),
            attrs: obj([
                ("cadastral_number", cadastral.into()),
                ("category", category.into()),
                ("area_ha", area_ha(&geometry).into()),
                ("holder", (*pick(&mut rng, holders)).into()),
            ]),
            geometry,
        });
    }
    DemoLayer { layer_id: "land_fund", features }
}

fn master_plan_layer(hydro: &Hydro, ctx: &Ctx) -> DemoLayer {
    let mut rng = ctx.rng(6);
    let mut features = Vec::new();
    for (site, geometry) in lattice_cells(ctx, 1_500.0, &mut rng) {
        let ll = to_ll(site);
        let d = dist(site, centre_m());
        let roll = rng.random::<f64>();
        let wet = hydro.bodies.iter().any(|&(i, kind, _)| {
            let w = &WATER_BODIES[i];
            kind == "reservoir" && geo::Intersects::intersects(&geometry, &Point::new(w.3, w.4))
        });
        let (zone, code, max_floors) = if ll.y < MOUNTAIN_LAT {
            ("green_recreation", "Р-2", 2)
        } else if wet || near_park(site, 200.0) {
            ("green_recreation", "Р-1", 3)
        } else if in_airport(site) {
            ("transport", "Т-1", 4)
        } else if INDUSTRIAL.iter().any(|&b| in_box(ll, b)) {
            if roll < 0.7 { ("industrial", "П-1", 5) } else { ("industrial", "П-2", 3) }
        } else if in_box(ll, HIGH_RISE) {
            ("residential_high", "Ж-3", 25)
        } else if d < 2_800.0 {
            if roll < 0.7 { ("public_business", "ОД-1", 12) } else { ("public_business", "ОД-2", 30) }
        } else if d < 7_500.0 {
            match roll {
                r if r < 0.65 => ("residential_mid", "Ж-2", 12),
                r if r < 0.85 => ("residential_high", "Ж-3", 25),
                r if r < 0.95 => ("public_business", "ОД-3", 16),
                _ => ("transport", "Т-2", 5),
            }
        } else if (ll.x > 77.1 || (ll.x < 76.80 && ll.y > 43.27)) && roll < 0.6 {
            ("agricultural", "СХ-1", 2)
        } else {
            match roll {
                r if r < 0.72 => ("residential_low", "Ж-1", 3),
                r if r < 0.89 => ("residential_mid", "Ж-2", 12),
                r if r < 0.93 => ("special", "С-1", 5),
                _ => ("green_recreation", "Р-1", 3),
            }
        };
        features.push(DemoFeature {
            key: format!("mp-{:05}", features.len() + 1),
            attrs: obj([
                ("zone", zone.into()),
                ("code", code.into()),
                ("max_floors", Value::from(max_floors)),
            ]),
            geometry,
        });
    }
    DemoLayer { layer_id: "master_plan", features }
}

// ---------------------------------------------------------------------------------------------
// Utility networks
// ---------------------------------------------------------------------------------------------

/// Kind, offset from the street axis (m, to the left), operator.
const NETWORKS: [(&str, f64, &str); 5] = [
    ("water", 5.0, "Алматы Су"),
    ("sewer", -5.0, "Алматы Су"),
    ("heating", 8.0, "Алматинские тепловые сети"),
    ("gas", -8.0, "QazaqGaz Аймақ"),
    ("power", 11.0, "АЖК"),
];

fn utility_layer(segments: &[Segment], grid: &Grid, ctx: &Ctx) -> DemoLayer {
    let mut rng = ctx.rng(7);
    let mut features = Vec::new();
    for seg in segments {
        let (Some(&a), Some(&b)) = (seg.pts.first(), seg.pts.last()) else {
            continue;
        };
        let class = grid.names[seg.street].class;
        let d = dist(lerp(a, b, 0.5), centre_m());
        let dir = sub(b, a);
        let len = dir.x.hypot(dir.y).max(1e-9);
        let normal = c(-dir.y / len, dir.x / len);
        for (kind, offset, operator) in NETWORKS {
            let present = match (class, kind) {
                (Class::Avenue, _) | (Class::Street, "water" | "sewer" | "power") => true,
                (Class::Street, "heating") => d < 9_000.0 && rng.random_bool(0.7),
                (Class::Street, "gas") => d > 4_000.0 && rng.random_bool(0.6),
                (Class::Lane, "water") => true,
                (Class::Lane, "gas") => rng.random_bool(0.8),
                (Class::Lane, "power") => rng.random_bool(0.9),
                _ => false,
            };
            if !present {
                continue;
            }
            let moved: Vec<Coord<f64>> =
                seg.pts.iter().map(|p| c(p.x + normal.x * offset, p.y + normal.y * offset)).collect();
            let size = match class {
                Class::Avenue => 2,
                Class::Street => 1,
                Class::Lane => 0,
            };
            let diameter: Option<i64> = match kind {
                "water" => Some(*pick(&mut rng, &[[50, 80, 100], [100, 150, 200], [300, 400, 500]][size])),
                "sewer" => {
                    Some(*pick(&mut rng, &[[150, 200, 200], [200, 250, 300], [500, 800, 1_000]][size]))
                }
                "heating" => Some(*pick(&mut rng, &[[80, 100, 125], [100, 200, 300], [400, 500, 700]][size])),
                "gas" => Some(*pick(&mut rng, &[[50, 63, 100], [100, 150, 200], [300, 400, 500]][size])),
                _ => None,
            };
            let voltage = (kind == "power")
                .then(|| *pick(&mut rng, &[[0.4, 0.4, 0.4], [0.4, 6.0, 10.0], [10.0, 35.0, 110.0]][size]));
            let year = match class {
                Class::Lane => rng.random_range(1985..=2025),
                _ if d < 4_000.0 => rng.random_range(1950..=2020),
                _ => rng.random_range(1965..=2025),
            };
            for part in ctx.idx.clip_line(&moved, 20.0) {
                let mut attrs = obj([
                    ("kind", kind.into()),
                    ("operator", operator.into()),
                    ("install_year", year.into()),
                    ("street", grid.names[seg.street].ru.clone().into()),
                ]);
                if let Some(dm) = diameter {
                    attrs.insert("diameter_mm".into(), dm.into());
                }
                if let Some(v) = voltage {
                    attrs.insert("voltage_kv".into(), v.into());
                }
                features.push(DemoFeature {
                    key: format!("net-{:06}", features.len() + 1),
                    geometry: line_ll(&part),
                    attrs,
                });
            }
        }
    }
    DemoLayer { layer_id: "utility_networks", features }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Contains, Validation};
    use std::sync::OnceLock;

    const KATO: [&str; 8] = [
        "751110000",
        "751210000",
        "751310000",
        "751410000",
        "751510000",
        "751710000",
        "751810000",
        "751910000",
    ];

    fn fixture() -> &'static (MultiPolygon<f64>, Vec<District>, Vec<DemoLayer>) {
        static DATA: OnceLock<(MultiPolygon<f64>, Vec<District>, Vec<DemoLayer>)> = OnceLock::new();
        DATA.get_or_init(|| {
            let city = fallback_city_outline();
            let d = districts(&city);
            let t = std::time::Instant::now();
            let layers = generate(&city, &d, 2026);
            eprintln!("generate took {:?}", t.elapsed());
            for l in &layers {
                eprintln!("{}: {}", l.layer_id, l.features.len());
            }
            (city, d, layers)
        })
    }

    fn layer(id: &str) -> &'static DemoLayer {
        fixture().2.iter().find(|l| l.layer_id == id).expect("layer is generated")
    }

    #[test]
    fn frame_matches_the_cosine() {
        let want = 111_320.0 * 43.25_f64.to_radians().cos();
        assert!((M_PER_DEG_LON - want).abs() < 0.5);
        let p = c(76.95, 43.3);
        assert!(dist(to_ll(to_m(p)), p) < 1e-12);
        let (u, v) = m_to_grid(c(1234.0, -567.0));
        assert!(dist(grid_to_m(u, v), c(1234.0, -567.0)) < 1e-9);
    }

    #[test]
    fn outline_is_the_fixture() {
        let city = &fixture().0;
        assert_eq!(city.0.len(), 2);
        let n: usize = city.0.iter().map(|p| p.exterior().0.len()).sum();
        assert_eq!(n, 79);
        assert!(city.is_valid());
    }

    #[test]
    fn same_seed_same_layers_other_seed_other_layers() {
        let (city, d, layers) = fixture();
        let again = generate(city, d, 2026);
        assert_eq!(layers.len(), again.len());
        for (a, b) in layers.iter().zip(&again) {
            assert_eq!(a.layer_id, b.layer_id);
            assert_eq!(a.features.len(), b.features.len(), "{}", a.layer_id);
            for (fa, fb) in a.features.iter().zip(&b.features) {
                assert_eq!(fa.key, fb.key);
                assert_eq!(fa.geometry, fb.geometry);
                assert_eq!(fa.attrs, fb.attrs);
            }
        }
        let other = generate(city, d, 7);
        let bld = |ls: &[DemoLayer]| {
            ls.iter()
                .find(|l| l.layer_id == "buildings")
                .map(|l| l.features.iter().map(|f| f.geometry.clone()).collect::<Vec<_>>())
        };
        assert_ne!(bld(layers), bld(&other));
    }

    #[test]
    fn layer_sizes() {
        let n = |id| layer(id).features.len();
        assert!((18_000..=22_000).contains(&n("buildings")), "{}", n("buildings"));
        assert!((300..=1_600).contains(&n("streets")), "{}", n("streets"));
        assert!((2_000..=9_000).contains(&n("utility_networks")));
        assert!((200..=1_000).contains(&n("land_fund")));
        assert!((150..=1_000).contains(&n("master_plan")));
        assert!((200..=600).contains(&n("poi")));
        assert!(n("hydro_lines") >= 6);
        assert!(n("hydro_areas") >= 5);
        for l in &fixture().2 {
            let mut keys: Vec<&str> = l.features.iter().map(|f| f.key.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), l.features.len(), "keys of {} are unique", l.layer_id);
        }
    }

    #[test]
    fn eight_districts_partition_the_city() {
        let (city, d, _) = fixture();
        assert_eq!(d.iter().map(|d| d.kato).collect::<Vec<_>>(), KATO);
        assert_eq!(d[0].name_kk, "Алмалы ауданы");
        let total: f64 = d.iter().map(|d| d.geometry.unsigned_area()).sum();
        let city_area = city.unsigned_area();
        assert!((total / city_area - 1.0).abs() < 0.005, "{total} vs {city_area}");
        for i in 0..d.len() {
            assert!(d[i].geometry.unsigned_area() > 0.01 * city_area, "{} is not empty", d[i].kato);
            for j in i + 1..d.len() {
                let overlap = d[i].geometry.intersection(&d[j].geometry).unsigned_area();
                assert!(overlap < 1e-6 * city_area, "{} and {} overlap", d[i].kato, d[j].kato);
            }
        }
    }

    #[test]
    fn everything_is_inside_the_city() {
        let city = &fixture().0;
        for p in &layer("poi").features {
            let Geometry::Point(pt) = p.geometry else { panic!("poi is a point") };
            assert!(city.contains(&pt), "{} is outside", p.key);
        }
        for id in ["streets", "hydro_lines", "utility_networks"] {
            for f in &layer(id).features {
                let Geometry::LineString(ls) = &f.geometry else { panic!("{id} holds lines") };
                for l in ls.lines() {
                    let mid = Point::from(lerp(l.start, l.end, 0.5));
                    assert!(city.contains(&mid), "{} of {id} leaves the city", f.key);
                }
            }
        }
        for f in &layer("buildings").features {
            let Geometry::Polygon(p) = &f.geometry else { panic!("buildings are polygons") };
            assert!(p.exterior().points().all(|q| city.contains(&q)), "{} is outside", f.key);
            assert!(p.exterior().points().all(|q| q.y() > MOUNTAIN_LAT), "{} is in the mountains", f.key);
        }
    }

    #[test]
    fn polygons_are_valid() {
        for id in ["districts", "buildings", "hydro_areas", "land_fund", "master_plan"] {
            for f in &layer(id).features {
                assert!(f.geometry.is_valid(), "{id} {}: {:?}", f.key, f.geometry.validation_errors());
                assert!(matches!(f.geometry, Geometry::Polygon(_) | Geometry::MultiPolygon(_)));
            }
        }
    }

    #[test]
    fn every_building_has_an_address() {
        let mut seen = std::collections::HashSet::new();
        for f in &layer("buildings").features {
            let street = f.attrs.get("street").and_then(Value::as_str).unwrap_or_default();
            let number = f.attrs.get("house_number").and_then(Value::as_str).unwrap_or_default();
            assert!(!street.is_empty() && !number.is_empty(), "{} has no address", f.key);
            assert!(seen.insert((street, number)), "{street} {number} is used twice");
        }
        let floors = |f: &DemoFeature| f.attrs.get("floors").and_then(Value::as_i64).unwrap_or(0);
        assert!(layer("buildings").features.iter().all(|f| (1..=30).contains(&floors(f))));
    }
}
