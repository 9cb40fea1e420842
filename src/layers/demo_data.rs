//! Deterministic synthetic demo layers of Almaty: districts, streets, buildings with addresses,
//! hydrography, land fund, master plan zones, engineering networks and social objects.
//!
//! Everything is generated inside the city polygon it is given (the real boundary from the open
//! data, or the simplified outline the project keeps) from a seed, with `ChaCha8Rng`, whose output
//! is stable across versions: the same seed gives the same layers. Pure: no IO.
//!
//! Geometry is built in a local metric frame (metres east and north of 76.95 E, 43.25 N, good to
//! well under a metre across the city) and returned in WGS84 longitude/latitude. The street grid is
//! axis-aligned, as Almaty's mostly is; names are real street names, positions are not surveyed.

use geo::{BooleanOps, Contains, Coord, Geometry, LineString, MultiLineString, MultiPolygon, Point, Polygon};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

/// One generated feature.
#[derive(Debug, Clone)]
pub struct DemoFeature {
    /// Stable key, unique within its layer, e.g. `bld-000123`.
    pub key: String,
    /// WGS84 longitude/latitude.
    pub geometry: Geometry<f64>,
    pub attrs: Map<String, Value>,
}

/// The features of one layer (its id equals a file in `layers/`).
#[derive(Debug, Clone)]
pub struct DemoLayer {
    pub layer_id: &'static str,
    pub features: Vec<DemoFeature>,
}

/// A district of Almaty with its real KATO code and names and a synthetic polygon.
#[derive(Debug, Clone)]
pub struct District {
    pub kato: &'static str,
    pub name_ru: &'static str,
    pub name_kk: &'static str,
    pub name_en: &'static str,
    pub geometry: MultiPolygon<f64>,
}

const LON0: f64 = 76.95;
const LAT0: f64 = 43.25;
const M_PER_DEG_LAT: f64 = 111_132.0;

fn m_per_deg_lon() -> f64 {
    111_320.0 * LAT0.to_radians().cos()
}

/// Local metres -> WGS84.
fn to_ll(c: Coord<f64>) -> Coord<f64> {
    Coord { x: LON0 + c.x / m_per_deg_lon(), y: LAT0 + c.y / M_PER_DEG_LAT }
}

/// WGS84 -> local metres.
fn to_m(c: Coord<f64>) -> Coord<f64> {
    Coord { x: (c.x - LON0) * m_per_deg_lon(), y: (c.y - LAT0) * M_PER_DEG_LAT }
}

fn map_coords<G: geo::MapCoords<f64, f64, Output = G>>(g: &G, f: fn(Coord<f64>) -> Coord<f64>) -> G {
    g.map_coords(f)
}

/// A closed rectangle in local metres, as a WGS84 polygon.
fn rect_ll(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    let ring = vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)];
    map_coords(&Polygon::new(LineString::from(ring), vec![]), to_ll)
}

/// An ellipse in local metres (centre, radii), as a WGS84 polygon of 32 vertices.
fn ellipse_ll(cx: f64, cy: f64, rx: f64, ry: f64, wobble: &mut ChaCha8Rng) -> Polygon<f64> {
    let mut ring: Vec<(f64, f64)> = (0..32)
        .map(|i| {
            let a = f64::from(i) / 32.0 * std::f64::consts::TAU;
            let k = 1.0 + wobble.random_range(-0.08..0.08);
            (cx + rx * k * a.cos(), cy + ry * k * a.sin())
        })
        .collect();
    ring.push(ring[0]);
    map_coords(&Polygon::new(LineString::from(ring), vec![]), to_ll)
}

fn attrs(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The simplified outline of Almaty kept in `fixtures/almaty_outline.geojson`.
pub fn fallback_city_outline() -> MultiPolygon<f64> {
    use geozero::ToGeo;
    let text = include_str!("../../fixtures/almaty_outline.geojson");
    let collection: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let geometry = collection["features"][0]["geometry"].to_string();
    match geozero::geojson::GeoJsonString(geometry).to_geo() {
        Ok(Geometry::MultiPolygon(mp)) => mp,
        Ok(Geometry::Polygon(p)) => MultiPolygon(vec![p]),
        _ => MultiPolygon(vec![]),
    }
}

/// (KATO, ru, kk, en, seed lon, seed lat) of the eight districts.
const DISTRICTS: [(&str, &str, &str, &str, f64, f64); 8] = [
    ("751110000", "Алмалинский район", "Алмалы ауданы", "Almaly District", 76.905, 43.255),
    ("751210000", "Алатауский район", "Алатау ауданы", "Alatau District", 76.84, 43.305),
    ("751310000", "Ауэзовский район", "Әуезов ауданы", "Auezov District", 76.855, 43.23),
    ("751410000", "Бостандыкский район", "Бостандық ауданы", "Bostandyk District", 76.925, 43.195),
    ("751510000", "Жетысуский район", "Жетісу ауданы", "Zhetysu District", 76.935, 43.305),
    ("751710000", "Медеуский район", "Медеу ауданы", "Medeu District", 77.01, 43.2),
    ("751810000", "Наурызбайский район", "Наурызбай ауданы", "Nauryzbay District", 76.79, 43.2),
    ("751910000", "Турксибский район", "Түрксіб ауданы", "Turksib District", 77.01, 43.33),
];

/// Clips a convex polygon (local metres, counter-clockwise) to the half-plane of points closer to
/// `a` than to `b` (Sutherland-Hodgman against one edge).
fn clip_half_plane(poly: &[Coord<f64>], a: Coord<f64>, b: Coord<f64>) -> Vec<Coord<f64>> {
    let n = Coord { x: b.x - a.x, y: b.y - a.y };
    let mid = Coord { x: (a.x + b.x) / 2.0, y: (a.y + b.y) / 2.0 };
    let side = |p: Coord<f64>| (p.x - mid.x) * n.x + (p.y - mid.y) * n.y; // <= 0: keep
    let mut out = Vec::new();
    for i in 0..poly.len() {
        let p = poly[i];
        let q = poly[(i + 1) % poly.len()];
        let (sp, sq) = (side(p), side(q));
        if sp <= 0.0 {
            out.push(p);
        }
        if (sp <= 0.0) != (sq <= 0.0) {
            let t = sp / (sp - sq);
            out.push(Coord { x: p.x + t * (q.x - p.x), y: p.y + t * (q.y - p.y) });
        }
    }
    out
}

/// The 8 districts: Voronoi cells of fixed seeds near the real district centres, clipped to `city`.
pub fn districts(city: &MultiPolygon<f64>) -> Vec<District> {
    let seeds: Vec<Coord<f64>> = DISTRICTS.iter().map(|d| to_m(Coord { x: d.4, y: d.5 })).collect();
    let big = 200_000.0;
    DISTRICTS
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut cell = vec![
                Coord { x: -big, y: -big },
                Coord { x: big, y: -big },
                Coord { x: big, y: big },
                Coord { x: -big, y: big },
            ];
            for (j, other) in seeds.iter().enumerate() {
                if i != j {
                    cell = clip_half_plane(&cell, seeds[i], *other);
                }
            }
            let mut ring: Vec<Coord<f64>> = cell.into_iter().map(to_ll).collect();
            if let Some(first) = ring.first().copied() {
                ring.push(first);
            }
            let cell = MultiPolygon(vec![Polygon::new(LineString(ring), vec![])]);
            District {
                kato: d.0,
                name_ru: d.1,
                name_kk: d.2,
                name_en: d.3,
                geometry: cell.intersection(city),
            }
        })
        .collect()
}

/// A named street of the grid: E-W streets have a fixed latitude, N-S streets a fixed longitude.
#[derive(Debug, Clone)]
struct Street {
    name_ru: String,
    name_kk: String,
    class: &'static str,
    lanes: i64,
    east_west: bool,
    /// Local metres: y for E-W streets, x for N-S streets.
    at: f64,
}

/// (ru, kk, position in degrees) of major streets: latitude for E-W, longitude for N-S.
const MAJOR_EW: [(&str, &str, f64); 12] = [
    ("проспект Аль-Фараби", "Әл-Фараби даңғылы", 43.218),
    ("улица Тимирязева", "Тимирязев көшесі", 43.226),
    ("улица Сатпаева", "Сәтбаев көшесі", 43.234),
    ("проспект Абая", "Абай даңғылы", 43.241),
    ("улица Жандосова", "Жандосов көшесі", 43.229),
    ("улица Шевченко", "Шевченко көшесі", 43.247),
    ("улица Кабанбай батыра", "Қабанбай батыр көшесі", 43.251),
    ("улица Богенбай батыра", "Бөгенбай батыр көшесі", 43.255),
    ("улица Толе би", "Төле би көшесі", 43.259),
    ("улица Макатаева", "Мақатаев көшесі", 43.264),
    ("улица Жибек Жолы", "Жібек Жолы көшесі", 43.262),
    ("проспект Райымбека", "Райымбек даңғылы", 43.270),
];
const MAJOR_NS: [(&str, &str, f64); 11] = [
    ("улица Саина", "Саина көшесі", 76.845),
    ("улица Момышулы", "Момышұлы көшесі", 76.862),
    ("улица Розыбакиева", "Розыбакиев көшесі", 76.895),
    ("проспект Гагарина", "Гагарин даңғылы", 76.905),
    ("улица Ауэзова", "Әуезов көшесі", 76.915),
    ("улица Байтурсынова", "Байтұрсынов көшесі", 76.925),
    ("улица Сейфуллина", "Сейфуллин көшесі", 76.933),
    ("улица Желтоксан", "Желтоқсан көшесі", 76.939),
    ("улица Абылай хана", "Абылай хан көшесі", 76.946),
    ("проспект Достык", "Достық даңғылы", 76.957),
    ("проспект Суюнбая", "Сүйінбай даңғылы", 76.965),
];
const MINOR_NAMES: [(&str, &str); 24] = [
    ("Кажымукана", "Қажымұқан"),
    ("Курмангазы", "Құрманғазы"),
    ("Карасай батыра", "Қарасай батыр"),
    ("Казыбек би", "Қазыбек би"),
    ("Жамбыла", "Жамбыл"),
    ("Гоголя", "Гоголь"),
    ("Маметовой", "Мәметова"),
    ("Толстого", "Толстой"),
    ("Пушкина", "Пушкин"),
    ("Чайковского", "Чайковский"),
    ("Бухар жырау", "Бұхар жырау"),
    ("Айтеке би", "Әйтеке би"),
    ("Шагабутдинова", "Шағабутдинов"),
    ("Муканова", "Мұқанов"),
    ("Нурмакова", "Нұрмақов"),
    ("Масанчи", "Масанчи"),
    ("Манаса", "Манас"),
    ("Ауэзхана", "Әуезхан"),
    ("Утеген батыра", "Өтеген батыр"),
    ("Навои", "Навои"),
    ("Жарокова", "Жароков"),
    ("Маркова", "Марков"),
    ("Радостовца", "Радостовец"),
    ("Туркебаева", "Түркебаев"),
];

/// Extent of the street grid in local metres (about 76.79-77.07 E, 43.175-43.345 N).
const GRID_X: (f64, f64) = (-13_000.0, 9_800.0);
const GRID_Y: (f64, f64) = (-8_300.0, 10_600.0);
/// Spacing of the grid lines in metres.
const STEP_X: f64 = 260.0;
const STEP_Y: f64 = 220.0;

/// The grid: every grid line is a street, named after a major street when one is within half a
/// block, otherwise after a minor name (with a number when the names run out).
fn street_grid() -> Vec<Street> {
    let mut streets = Vec::new();
    let mut minor = 0usize;
    let name_minor = |ordinal: &mut usize, kind: &str| -> (String, String) {
        let (ru, kk) = MINOR_NAMES[*ordinal % MINOR_NAMES.len()];
        let round = *ordinal / MINOR_NAMES.len();
        *ordinal += 1;
        if round == 0 {
            (format!("улица {ru}"), format!("{kk} көшесі"))
        } else {
            (format!("{kind} {ru} {}", round + 1), format!("{kk} {}-{}", round + 1, "көшесі"))
        }
    };
    let mut y = GRID_Y.0;
    while y <= GRID_Y.1 {
        let major = MAJOR_EW.iter().find(|m| ((m.2 - LAT0) * M_PER_DEG_LAT - y).abs() < STEP_Y / 2.0);
        let (name_ru, name_kk, class, lanes) = match major {
            Some(m) => (
                m.0.to_string(),
                m.1.to_string(),
                if m.0.starts_with("проспект") { "avenue" } else { "street" },
                4,
            ),
            None => {
                let (ru, kk) = name_minor(&mut minor, "переулок");
                (ru, kk, "lane", 2)
            }
        };
        streets.push(Street { name_ru, name_kk, class, lanes, east_west: true, at: y });
        y += STEP_Y;
    }
    let mut x = GRID_X.0;
    while x <= GRID_X.1 {
        let major = MAJOR_NS.iter().find(|m| ((m.2 - LON0) * m_per_deg_lon() - x).abs() < STEP_X / 2.0);
        let (name_ru, name_kk, class, lanes) = match major {
            Some(m) => (
                m.0.to_string(),
                m.1.to_string(),
                if m.0.starts_with("проспект") { "avenue" } else { "street" },
                6,
            ),
            None => {
                let (ru, kk) = name_minor(&mut minor, "улица");
                (ru, kk, "lane", 2)
            }
        };
        streets.push(Street { name_ru, name_kk, class, lanes, east_west: false, at: x });
        x += STEP_X;
    }
    streets
}

/// A straight line in local metres, clipped to the city, in WGS84.
fn clipped_line(city: &MultiPolygon<f64>, a: Coord<f64>, b: Coord<f64>) -> MultiLineString<f64> {
    let line = MultiLineString(vec![LineString(vec![to_ll(a), to_ll(b)])]);
    let mut clipped = city.clip(&line, false);
    clipped.0.retain(long_enough);
    clipped
}

/// Pieces of lines clipped at the boundary shorter than 5 m are dropped.
fn long_enough(l: &LineString<f64>) -> bool {
    let local = map_coords(l, to_m);
    use geo::Length;
    l.0.len() >= 2 && geo::Euclidean.length(&local) >= 5.0
}

fn street_line(s: &Street, offset: f64) -> (Coord<f64>, Coord<f64>) {
    if s.east_west {
        (Coord { x: GRID_X.0, y: s.at + offset }, Coord { x: GRID_X.1, y: s.at + offset })
    } else {
        (Coord { x: s.at + offset, y: GRID_Y.0 }, Coord { x: s.at + offset, y: GRID_Y.1 })
    }
}

/// Centre of the city (Abylai Khan / Tole bi) in local metres; density and heights fall off from it.
const CENTRE: Coord<f64> = Coord { x: -330.0, y: 1000.0 };

fn distance(a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
}

fn inside(city: &MultiPolygon<f64>, local: Coord<f64>) -> bool {
    city.contains(&Point::from(to_ll(local)))
}

/// House numbers per street and side of the street, as Almaty numbers them (odd and even sides).
#[derive(Default)]
struct Numbering {
    next: std::collections::HashMap<(usize, bool), i64>,
}

impl Numbering {
    fn take(&mut self, street: usize, odd: bool, rng: &mut ChaCha8Rng) -> String {
        let n = self.next.entry((street, odd)).or_insert(if odd { 1 } else { 2 });
        let number = *n;
        *n += 2;
        match rng.random_range(0..20) {
            0 | 1 => format!("{number}А"),
            2 => format!("{number}/1"),
            _ => number.to_string(),
        }
    }
}

/// All demo layers of `city`, deterministic for `seed`.
pub fn generate(city: &MultiPolygon<f64>, districts: &[District], seed: u64) -> Vec<DemoLayer> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let streets = street_grid();
    let ew: Vec<usize> = (0..streets.len()).filter(|&i| streets[i].east_west).collect();
    let ns: Vec<usize> = (0..streets.len()).filter(|&i| !streets[i].east_west).collect();

    let mut layers = vec![district_layer(districts), street_layer(city, &streets)];
    let mut numbering = Numbering::default();
    let (buildings, blocks) = building_layer(city, &streets, &ew, &ns, &mut numbering, &mut rng);
    layers.push(buildings);
    layers.push(poi_layer(city, &streets, &blocks, &mut numbering, &mut rng));
    layers.push(hydro_line_layer(city, &mut rng));
    layers.push(hydro_area_layer(city, &mut rng));
    layers.push(land_fund_layer(city, &mut rng));
    layers.push(master_plan_layer(city, &mut rng));
    layers.push(network_layer(city, &streets, &mut rng));
    layers
}

fn district_layer(districts: &[District]) -> DemoLayer {
    let features = districts
        .iter()
        .map(|d| DemoFeature {
            key: format!("dst-{}", d.kato),
            geometry: Geometry::MultiPolygon(d.geometry.clone()),
            attrs: attrs(
                json!({"kato": d.kato, "name_ru": d.name_ru, "name_kk": d.name_kk, "name_en": d.name_en}),
            ),
        })
        .collect();
    DemoLayer { layer_id: "districts", features }
}

fn line_geometry(mut lines: MultiLineString<f64>) -> Geometry<f64> {
    if lines.0.len() == 1 {
        Geometry::LineString(lines.0.remove(0))
    } else {
        Geometry::MultiLineString(lines)
    }
}

fn street_layer(city: &MultiPolygon<f64>, streets: &[Street]) -> DemoLayer {
    let mut features = Vec::new();
    for (i, s) in streets.iter().enumerate() {
        let (a, b) = street_line(s, 0.0);
        let lines = clipped_line(city, a, b);
        if lines.0.is_empty() {
            continue;
        }
        features.push(DemoFeature {
            key: format!("str-{i:04}"),
            geometry: line_geometry(lines),
            attrs: attrs(
                json!({"name_ru": s.name_ru, "name_kk": s.name_kk, "class": s.class, "lanes": s.lanes}),
            ),
        });
    }
    DemoLayer { layer_id: "streets", features }
}

/// A city block between two E-W and two N-S streets, in local metres.
#[derive(Debug, Clone, Copy)]
struct Block {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    /// Indexes of the streets on its south, north, west and east sides.
    south: usize,
    north: usize,
    west: usize,
    east: usize,
}

const TARGET_BUILDINGS: f64 = 20_000.0;

fn building_layer(
    city: &MultiPolygon<f64>,
    streets: &[Street],
    ew: &[usize],
    ns: &[usize],
    numbering: &mut Numbering,
    rng: &mut ChaCha8Rng,
) -> (DemoLayer, Vec<Block>) {
    let mut blocks = Vec::new();
    for w in ew.windows(2) {
        for v in ns.windows(2) {
            let b = Block {
                x0: streets[v[0]].at,
                x1: streets[v[1]].at,
                y0: streets[w[0]].at,
                y1: streets[w[1]].at,
                south: w[0],
                north: w[1],
                west: v[0],
                east: v[1],
            };
            if inside(city, Coord { x: (b.x0 + b.x1) / 2.0, y: (b.y0 + b.y1) / 2.0 }) {
                blocks.push(b);
            }
        }
    }
    // Buildings per block fall off with distance from the centre; the scale is chosen so that the
    // whole city gets about TARGET_BUILDINGS.
    let weight = |b: &Block| {
        let d = distance(Coord { x: (b.x0 + b.x1) / 2.0, y: (b.y0 + b.y1) / 2.0 }, CENTRE);
        (-d / 6_000.0).exp() + 0.12
    };
    let count = |k: f64, b: &Block| (weight(b) * k).round().clamp(1.0, 9.0) as usize;
    let (mut lo, mut hi) = (0.0, 50.0);
    for _ in 0..40 {
        let mid = (lo + hi) / 2.0;
        let total: usize = blocks.iter().map(|b| count(mid, b)).sum();
        if (total as f64) < TARGET_BUILDINGS { lo = mid } else { hi = mid }
    }
    let k = (lo + hi) / 2.0;

    let mut features = Vec::new();
    for b in &blocks {
        let n = count(k, b);
        let centre = Coord { x: (b.x0 + b.x1) / 2.0, y: (b.y0 + b.y1) / 2.0 };
        let urban = (-distance(centre, CENTRE) / 5_000.0).exp();
        // n distinct cells of a 3 x 3 grid inside the block, 14 m back from the streets.
        let mut cells: Vec<usize> = (0..9).collect();
        for i in 0..n {
            let j = rng.random_range(i..9);
            cells.swap(i, j);
        }
        let (cw, ch) = ((b.x1 - b.x0 - 28.0) / 3.0, (b.y1 - b.y0 - 28.0) / 3.0);
        for &cell in &cells[..n] {
            let (col, row) = ((cell % 3) as f64, (cell / 3) as f64);
            let w = rng.random_range(12.0..(cw - 8.0).min(60.0));
            let h = rng.random_range(10.0..(ch - 8.0).min(48.0));
            let x0 = b.x0 + 14.0 + col * cw + rng.random_range(4.0..(cw - w - 3.0));
            let y0 = b.y0 + 14.0 + row * ch + rng.random_range(4.0..(ch - h - 3.0));
            let corners = [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)];
            if !corners.iter().all(|&(x, y)| inside(city, Coord { x, y })) {
                continue;
            }
            // Addressed to the nearest side's street; odd numbers on the south and west sides.
            let (street, odd) = match (cell % 3, cell / 3) {
                (_, 0) => (b.south, false),
                (_, 2) => (b.north, true),
                (0, _) => (b.west, false),
                _ => (b.east, true),
            };
            let house_number = numbering.take(street, odd, rng);
            let floors = 1 + (rng.random_range(0.0f64..1.0).powf(1.6) * (3.0 + 27.0 * urban)).round() as i64;
            let north_east = x0 > 4_000.0 && y0 > 5_000.0;
            let use_ = match rng.random_range(0..100) {
                0..=66 if !north_east => "residential",
                0..=45 => "residential",
                67..=80 | 46..=60 => "commercial",
                81..=91 | 61..=70 => "public",
                _ => "industrial",
            };
            let year_built =
                if urban > 0.5 { rng.random_range(1930..2026) } else { rng.random_range(1960..2026) };
            features.push(DemoFeature {
                key: format!("bld-{:06}", features.len() + 1),
                geometry: Geometry::Polygon(rect_ll(x0, y0, x0 + w, y0 + h)),
                attrs: attrs(json!({
                    "street": streets[street].name_ru,
                    "house_number": house_number,
                    "floors": floors.min(30),
                    "use": use_,
                    "year_built": year_built,
                })),
            });
        }
    }
    (DemoLayer { layer_id: "buildings", features }, blocks)
}

fn poi_layer(
    city: &MultiPolygon<f64>,
    streets: &[Street],
    blocks: &[Block],
    numbering: &mut Numbering,
    rng: &mut ChaCha8Rng,
) -> DemoLayer {
    let kinds = [
        ("school", 110, 600, 2_400),
        ("kindergarten", 110, 80, 320),
        ("clinic", 55, 200, 1_200),
        ("hospital", 25, 150, 900),
    ];
    let mut features = Vec::new();
    for (kind, count, min_cap, max_cap) in kinds {
        for n in 1..=count {
            let Some(b) = blocks.get(rng.random_range(0..blocks.len().max(1))) else {
                break;
            };
            // At the middle of the block's south side, inside the block.
            let x = (b.x0 + b.x1) / 2.0 + rng.random_range(-40.0..40.0);
            let y = b.y0 + 20.0;
            if !inside(city, Coord { x, y }) {
                continue;
            }
            let name = match kind {
                "school" if n % 4 == 0 => format!("Школа-гимназия № {n}"),
                "school" => format!("Средняя школа № {n}"),
                "kindergarten" => format!("Детский сад № {n}"),
                "clinic" => format!("Городская поликлиника № {n}"),
                _ => format!("Городская больница № {n}"),
            };
            features.push(DemoFeature {
                key: format!("poi-{:04}", features.len() + 1),
                geometry: Geometry::Point(Point::from(to_ll(Coord { x, y }))),
                attrs: attrs(json!({
                    "name": name,
                    "kind": kind,
                    "street": streets[b.south].name_ru,
                    "house_number": numbering.take(b.south, true, rng),
                    "capacity": rng.random_range(min_cap..=max_cap),
                })),
            });
        }
    }
    DemoLayer { layer_id: "poi", features }
}

/// A river from the mountains in the south to the north, meandering around longitude `lon`.
fn river(lon: f64, phase: f64, rng: &mut ChaCha8Rng) -> Vec<Coord<f64>> {
    let x0 = (lon - LON0) * m_per_deg_lon();
    let mut drift = 0.0;
    let mut points = Vec::new();
    let mut y = -26_000.0;
    while y <= 14_000.0 {
        drift += rng.random_range(-25.0..25.0);
        points.push(Coord { x: x0 + 220.0 * (y / 1_400.0 + phase).sin() + drift, y });
        y += 150.0;
    }
    points
}

fn clip_polyline(city: &MultiPolygon<f64>, local: &[Coord<f64>]) -> MultiLineString<f64> {
    let line = MultiLineString(vec![LineString(local.iter().copied().map(to_ll).collect())]);
    let mut clipped = city.clip(&line, false);
    clipped.0.retain(long_enough);
    clipped
}

fn hydro_line_layer(city: &MultiPolygon<f64>, rng: &mut ChaCha8Rng) -> DemoLayer {
    let rivers = [
        ("река Большая Алматинка", "Үлкен Алматы өзені", 76.895, 0.3),
        ("река Малая Алматинка", "Кіші Алматы өзені", 76.985, 1.1),
        ("река Есентай", "Есентай өзені", 76.952, 2.0),
        ("река Каргалы", "Қарғалы өзені", 76.83, 2.7),
        ("река Аксай", "Ақсай өзені", 76.80, 3.9),
    ];
    let mut features = Vec::new();
    let push =
        |features: &mut Vec<DemoFeature>, lines: MultiLineString<f64>, ru: &str, kk: &str, kind: &str| {
            if !lines.0.is_empty() {
                features.push(DemoFeature {
                    key: format!("hyl-{:03}", features.len() + 1),
                    geometry: line_geometry(lines),
                    attrs: attrs(json!({"name_ru": ru, "name_kk": kk, "kind": kind})),
                });
            }
        };
    for (ru, kk, lon, phase) in rivers {
        let line = river(lon, phase, rng);
        push(&mut features, clip_polyline(city, &line), ru, kk, "river");
    }
    // The Big Almaty Canal runs west to east across the north of the city.
    let canal: Vec<Coord<f64>> = (0..=60)
        .map(|i| {
            let x = -16_000.0 + f64::from(i) * 500.0;
            Coord { x, y: 6_700.0 + 120.0 * (x / 3_000.0).sin() }
        })
        .collect();
    push(
        &mut features,
        clip_polyline(city, &canal),
        "Большой Алматинский канал",
        "Үлкен Алматы каналы",
        "canal",
    );
    for i in 1..=6 {
        let x = rng.random_range(-11_000.0..8_000.0);
        let y = rng.random_range(-7_000.0..8_000.0);
        let line: Vec<Coord<f64>> = (0..=12)
            .map(|k| Coord { x: x + 60.0 * (f64::from(k) / 2.0).sin(), y: y + f64::from(k) * 200.0 })
            .collect();
        push(
            &mut features,
            clip_polyline(city, &line),
            &format!("арык № {i}"),
            &format!("№ {i} арық"),
            "stream",
        );
    }
    DemoLayer { layer_id: "hydro_lines", features }
}

fn hydro_area_layer(city: &MultiPolygon<f64>, rng: &mut ChaCha8Rng) -> DemoLayer {
    let local = |lon: f64, lat: f64| to_m(Coord { x: lon, y: lat });
    let sairan = local(76.865, 43.235);
    let park = local(76.965, 43.262);
    let mut areas: Vec<(Polygon<f64>, String, String, &str)> = vec![
        (
            ellipse_ll(sairan.x, sairan.y, 560.0, 300.0, rng),
            "водохранилище Сайран".into(),
            "Сайран су қоймасы".into(),
            "reservoir",
        ),
        (
            rect_ll(sairan.x - 300.0, sairan.y + 300.0, sairan.x + 300.0, sairan.y + 318.0),
            "плотина Сайран".into(),
            "Сайран бөгеті".into(),
            "dam",
        ),
        (
            ellipse_ll(park.x, park.y, 170.0, 90.0, rng),
            "озеро Центрального парка".into(),
            "Орталық саябақ көлі".into(),
            "lake",
        ),
    ];
    for i in 1..=10 {
        let (x, y) = (rng.random_range(-11_000.0..8_000.0), rng.random_range(-7_000.0..9_000.0));
        let (rx, ry) = (rng.random_range(30.0..90.0), rng.random_range(25.0..70.0));
        areas.push((ellipse_ll(x, y, rx, ry, rng), format!("пруд № {i}"), format!("№ {i} тоған"), "pond"));
    }
    let features = areas
        .into_iter()
        .filter(|(p, ..)| city.contains(p))
        .enumerate()
        .map(|(i, (p, ru, kk, kind))| DemoFeature {
            key: format!("hya-{:03}", i + 1),
            geometry: Geometry::Polygon(p),
            attrs: attrs(json!({"name_ru": ru, "name_kk": kk, "kind": kind})),
        })
        .collect();
    DemoLayer { layer_id: "hydro_areas", features }
}

/// Square cells of `size` metres over the whole city, clipped to it: (column, row, centre, parts).
fn city_cells(city: &MultiPolygon<f64>, size: f64) -> Vec<(i32, i32, Coord<f64>, MultiPolygon<f64>)> {
    let mut out = Vec::new();
    let (x_min, x_max, y_min, y_max) = (-18_000.0, 19_000.0, -25_000.0, 17_000.0);
    let cols = ((x_max - x_min) / size).ceil() as i32;
    let rows = ((y_max - y_min) / size).ceil() as i32;
    for row in 0..rows {
        for col in 0..cols {
            let x0 = x_min + f64::from(col) * size;
            let y0 = y_min + f64::from(row) * size;
            let cell = MultiPolygon(vec![rect_ll(x0, y0, x0 + size, y0 + size)]);
            let part = cell.intersection(city);
            let area = area_m2(&part);
            // Slivers along the boundary are left out.
            if area >= 0.05 * size * size {
                out.push((col, row, Coord { x: x0 + size / 2.0, y: y0 + size / 2.0 }, part));
            }
        }
    }
    out
}

/// Area in square metres (local frame).
fn area_m2(p: &MultiPolygon<f64>) -> f64 {
    geo::Area::unsigned_area(&map_coords(p, to_m))
}

fn area_ha(p: &MultiPolygon<f64>) -> f64 {
    (area_m2(p) / 100.0).round() / 100.0
}

fn land_fund_layer(city: &MultiPolygon<f64>, rng: &mut ChaCha8Rng) -> DemoLayer {
    let sairan = to_m(Coord { x: 76.865, y: 43.235 });
    let mut features = Vec::new();
    for (col, row, c, part) in city_cells(city, 1_000.0) {
        let category = if c.y < -9_000.0 {
            if rng.random_bool(0.5) { "4" } else { "5" }
        } else if distance(c, sairan) < 800.0 {
            "6"
        } else if c.x < -10_000.0 && c.y > 5_000.0 {
            "1"
        } else if c.x > 6_000.0 && c.y > 3_000.0 {
            "3"
        } else {
            match rng.random_range(0..100) {
                0..=3 => "7",
                4..=11 => "3",
                12..=14 => "4",
                _ => "2",
            }
        };
        let holder = match category {
            "1" => "КХ «Алатау» (аренда)",
            "3" => "ТОО «Алматы Индастриал»",
            "4" | "5" => "ГУ «Иле-Алатауский национальный парк»",
            "6" => "РГП «Казводхоз»",
            "7" => "ГУ «Управление земельных отношений г. Алматы» (запас)",
            _ => "ГУ «Управление земельных отношений г. Алматы»",
        };
        features.push(DemoFeature {
            key: format!("lf-{:04}", features.len() + 1),
            geometry: Geometry::MultiPolygon(part.clone()),
            attrs: attrs(json!({
                "cadastral_number": format!("20-3{:02}-{:03}-{:03}", (col % 9) + 11, row, rng.random_range(1..999)),
                "category": category,
                "area_ha": area_ha(&part),
                "holder": holder,
            })),
        });
    }
    DemoLayer { layer_id: "land_fund", features }
}

fn master_plan_layer(city: &MultiPolygon<f64>, rng: &mut ChaCha8Rng) -> DemoLayer {
    let mut features = Vec::new();
    for (_, _, c, part) in city_cells(city, 1_400.0) {
        let d = distance(c, CENTRE);
        let zone = match rng.random_range(0..100) {
            0..=4 => "green_recreation",
            5..=6 => "special",
            _ if c.y < -9_000.0 => "green_recreation",
            _ if c.x < -14_000.0 => "agricultural",
            _ if d < 2_500.0 => "public_business",
            _ if c.y > 8_500.0 => "transport",
            _ if c.x > 6_000.0 && c.y > 2_000.0 => "industrial",
            _ if d < 5_000.0 => "residential_high",
            _ if d < 9_000.0 => "residential_mid",
            _ => "residential_low",
        };
        let (code, max_floors) = match zone {
            "residential_low" => ("Ж-1", 3),
            "residential_mid" => ("Ж-2", 9),
            "residential_high" => ("Ж-3", 25),
            "public_business" => ("ОД-1", 30),
            "industrial" => ("П-1", 5),
            "green_recreation" => ("Р-1", 2),
            "transport" => ("Т-1", 3),
            "special" => ("С-1", 5),
            _ => ("СХ-1", 2),
        };
        features.push(DemoFeature {
            key: format!("mp-{:04}", features.len() + 1),
            geometry: Geometry::MultiPolygon(part),
            attrs: attrs(json!({"zone": zone, "code": code, "max_floors": max_floors})),
        });
    }
    DemoLayer { layer_id: "master_plan", features }
}

fn network_layer(city: &MultiPolygon<f64>, streets: &[Street], rng: &mut ChaCha8Rng) -> DemoLayer {
    // (kind, offset from the street axis in metres, every n-th street, operator)
    let kinds = [
        ("water", 5.0, 1, "ТОО «Алматы Су»"),
        ("sewer", -5.0, 2, "ТОО «Алматы Су»"),
        ("gas", -8.0, 3, "АО «QazaqGaz Аймақ»"),
        ("heating", 11.0, 3, "АО «Алматинские тепловые сети»"),
        ("power", 8.0, 2, "АО «АЖК»"),
    ];
    const SEGMENT: f64 = 1_500.0;
    let mut features = Vec::new();
    for (kind, offset, every, operator) in kinds {
        for s in streets.iter().step_by(every) {
            if kind == "heating" && s.at.abs() > 6_000.0 {
                continue;
            }
            let (a, b) = street_line(s, offset);
            for part in clipped_line(city, a, b).0 {
                let (Some(&p), Some(&q)) = (part.0.first(), part.0.last()) else {
                    continue;
                };
                let (p, q) = (to_m(p), to_m(q));
                let pieces = (distance(p, q) / SEGMENT).ceil().max(1.0) as usize;
                for k in 0..pieces {
                    let t0 = k as f64 / pieces as f64;
                    let t1 = (k + 1) as f64 / pieces as f64;
                    let at = |t: f64| to_ll(Coord { x: p.x + t * (q.x - p.x), y: p.y + t * (q.y - p.y) });
                    let mut a = attrs(json!({
                        "kind": kind,
                        "operator": operator,
                        "install_year": rng.random_range(1960..2025),
                        "street": s.name_ru,
                    }));
                    if kind == "power" {
                        a.insert("voltage_kv".into(), json!([0.4, 10.0, 10.0, 35.0][rng.random_range(0..4)]));
                    } else {
                        let d = [100, 150, 200, 300, 400, 500, 600][rng.random_range(0..7)];
                        a.insert("diameter_mm".into(), json!(d));
                    }
                    features.push(DemoFeature {
                        key: format!("net-{:05}", features.len() + 1),
                        geometry: Geometry::LineString(LineString(vec![at(t0), at(t1)])),
                        attrs: a,
                    });
                }
            }
        }
    }
    DemoLayer { layer_id: "utility_networks", features }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Validation};

    fn generated() -> (MultiPolygon<f64>, Vec<District>, Vec<DemoLayer>) {
        let city = fallback_city_outline();
        let d = districts(&city);
        let layers = generate(&city, &d, 7);
        (city, d, layers)
    }

    fn layer<'a>(layers: &'a [DemoLayer], id: &str) -> &'a DemoLayer {
        layers.iter().find(|l| l.layer_id == id).unwrap()
    }

    #[test]
    fn districts_partition_the_city() {
        let city = fallback_city_outline();
        assert!(city.unsigned_area() > 0.0);
        let d = districts(&city);
        let codes: Vec<&str> = d.iter().map(|d| d.kato).collect();
        assert_eq!(
            codes,
            [
                "751110000",
                "751210000",
                "751310000",
                "751410000",
                "751510000",
                "751710000",
                "751810000",
                "751910000"
            ]
        );
        let sum: f64 = d.iter().map(|d| d.geometry.unsigned_area()).sum();
        assert!((sum / city.unsigned_area() - 1.0).abs() < 0.005, "{sum} vs {}", city.unsigned_area());
        for a in &d {
            assert!(a.geometry.unsigned_area() > 0.0, "{} is empty", a.kato);
            for b in &d {
                if a.kato < b.kato {
                    let overlap = a.geometry.intersection(&b.geometry).unsigned_area();
                    assert!(overlap < 1e-9, "{} and {} overlap by {overlap}", a.kato, b.kato);
                }
            }
        }
    }

    #[test]
    fn generation_is_deterministic() {
        let city = fallback_city_outline();
        let d = districts(&city);
        let a = generate(&city, &d, 1);
        let b = generate(&city, &d, 1);
        let c = generate(&city, &d, 2);
        let keyed = |ls: &[DemoLayer]| {
            format!(
                "{:?}",
                ls.iter()
                    .map(|l| (&l.features[0].geometry, &l.features[0].attrs, l.features.len()))
                    .collect::<Vec<_>>()
            )
        };
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert_ne!(keyed(&a), keyed(&c));
    }

    #[test]
    fn layers_are_complete_valid_and_inside_the_city() {
        let (city, _, layers) = generated();
        let ids: Vec<&str> = layers.iter().map(|l| l.layer_id).collect();
        assert_eq!(
            ids,
            [
                "districts",
                "streets",
                "buildings",
                "poi",
                "hydro_lines",
                "hydro_areas",
                "land_fund",
                "master_plan",
                "utility_networks"
            ]
        );
        let buildings = layer(&layers, "buildings");
        assert!(
            (18_000..=22_000).contains(&buildings.features.len()),
            "{} buildings",
            buildings.features.len()
        );
        for l in &layers {
            assert!(!l.features.is_empty(), "{} is empty", l.layer_id);
            let mut keys = std::collections::HashSet::new();
            for f in &l.features {
                assert!(keys.insert(&f.key), "{}: key {} twice", l.layer_id, f.key);
                assert!(f.geometry.is_valid(), "{} {} is invalid", l.layer_id, f.key);
                if let Geometry::Point(p) = &f.geometry {
                    assert!(city.contains(p), "{} outside the city", f.key);
                }
                if let Geometry::Polygon(p) = &f.geometry {
                    assert!(city.contains(p), "{} outside the city", f.key);
                }
            }
        }
        for f in &buildings.features {
            assert!(f.attrs["street"].as_str().is_some_and(|s| !s.is_empty()), "{}", f.key);
            assert!(f.attrs["house_number"].as_str().is_some_and(|s| !s.is_empty()), "{}", f.key);
            assert!((1..=30).contains(&f.attrs["floors"].as_i64().unwrap()));
        }
        for id in
            ["streets", "poi", "hydro_lines", "hydro_areas", "land_fund", "master_plan", "utility_networks"]
        {
            let n = layer(&layers, id).features.len();
            assert!(n >= 3, "{id}: {n}");
        }
    }
}
