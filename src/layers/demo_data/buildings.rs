//! Buildings: the blocks of the street grid, each of a kind (centre, high-rise, panel housing,
//! private houses, industry) that decides the size, height, use and age of its buildings, filled
//! with lots kept clear of water and parks; every building gets an address on the nearest street.
//! The rules (and so the buildings of a seed) are those of the generator before it used `geo`.

use std::collections::HashMap;

use geo::{BoundingRect, Coord, Distance, Euclidean, Intersects, Line, Point, Polygon, Rect};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rstar::{AABB, RTree};

use super::frame::{Place, c, grid_rect_m, grid_to_m, ll_m, to_ll};
use super::hydro::Hydro;
use super::places::{HIGH_RISE, MOUNTAIN_LAT, NO_BUILD, centre_m, in_box, industrial};
use super::streets::{Grid, GridLine};
use super::{Ctx, pick, weighted};
use crate::layers::catalog::Translated;

/// How many buildings the generator aims at.
const BUILDING_TARGET: f64 = 20_000.0;

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
        let d = Euclidean.distance(m, centre_m());
        let roll = rng.random::<f64>();
        if industrial(ll) {
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
pub(super) struct Building {
    pub footprint: Polygon<f64>,
    pub centre: Coord<f64>,
    /// Index into the grid's street names.
    pub street: usize,
    pub number: String,
    pub floors: i64,
    pub use_: &'static str,
    pub year: i64,
}

impl Building {
    /// The street of its address, in three languages.
    pub fn street_name<'g>(&self, grid: &'g Grid) -> &'g Translated {
        &grid.names[self.street].name
    }
}

/// Obstacles this far from a block are looked at for its lots.
const OBSTACLE_PAD: f64 = 60.0;

/// What buildings keep away from: watercourses and the boxes of water bodies (by 20 m), parks
/// and the airport.
struct Obstacles<'h> {
    /// The watercourses' segments.
    lines: &'h RTree<Line<f64>>,
    /// The bounds of water bodies and dams.
    boxes: Vec<Rect<f64>>,
    /// Parks and the airport: centre and radius.
    circles: Vec<(Coord<f64>, f64)>,
}

/// The obstacles near one block.
#[derive(Default)]
struct Nearby {
    lines: Vec<Line<f64>>,
    boxes: Vec<Rect<f64>>,
    circles: Vec<(Coord<f64>, f64)>,
}

impl<'h> Obstacles<'h> {
    fn new(hydro: &'h Hydro) -> Self {
        Obstacles {
            lines: &hydro.segments,
            boxes: hydro.bodies.iter().filter_map(|b| b.shape.bounding_rect()).collect(),
            circles: NO_BUILD.iter().map(|&(x, y, r)| (ll_m(x, y), r)).collect(),
        }
    }

    /// The obstacles that come into `area`.
    fn near(&self, area: Rect<f64>) -> Nearby {
        let envelope = AABB::from_corners(Point::from(area.min()), Point::from(area.max()));
        Nearby {
            lines: self.lines.locate_in_envelope_intersecting(&envelope).copied().collect(),
            boxes: self.boxes.iter().copied().filter(|b| b.intersects(&area)).collect(),
            circles: self
                .circles
                .iter()
                .copied()
                .filter(|&(p, r)| Rect::new(c(p.x - r, p.y - r), c(p.x + r, p.y + r)).intersects(&area))
                .collect(),
        }
    }
}

impl Nearby {
    fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.boxes.is_empty() && self.circles.is_empty()
    }

    /// Whether something is in the way of a lot of radius `r` around `p`.
    fn hit(&self, p: Coord<f64>, r: f64) -> bool {
        let (pt, reach) = (Point::from(p), c(r + 20.0, r + 20.0));
        self.lines.iter().any(|l| Euclidean.distance(&pt, l) < reach.x)
            || self.boxes.iter().any(|b| Rect::new(b.min() - reach, b.max() + reach).intersects(&p))
            || self.circles.iter().any(|&(q, rad)| Euclidean.distance(p, q) < rad + r)
    }
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

/// The blocks of the grid inside the city, with the lots where a building may stand.
fn blocks(grid: &Grid, hydro: &Hydro, ctx: &Ctx, rng: &mut ChaCha8Rng) -> Vec<Block> {
    let setback =
        |line: &GridLine, along: f64| 6.0 + 1.75 * grid.names[line.piece_at(along).street].lanes as f64;
    let obstacles = Obstacles::new(hydro);
    let mut blocks = Vec::new();
    for i in 0..grid.ns.len().saturating_sub(1) {
        for j in 0..grid.ew.len().saturating_sub(1) {
            let (u0, u1) = (grid.ns[i].pos, grid.ns[i + 1].pos);
            let (v0, v1) = (grid.ew[j].pos, grid.ew[j + 1].pos);
            let block = grid_rect_m((u0, v0), (u1, v1));
            let Some(bounds) = block.bounding_rect() else { continue };
            // A block that no boundary edge comes near (by their boxes) is wholly inside or
            // outside; near the boundary each lot is looked at.
            let edges = ctx.city.edges_in(bounds);
            let place = if edges.is_empty() { ctx.city.place_among(&block, &edges) } else { Place::Across };
            if place == Place::Outside || to_ll(bounds.max()).y < MOUNTAIN_LAT {
                continue;
            }
            let mid = grid_to_m((u0 + u1) / 2.0, (v0 + v1) / 2.0);
            let kind = BlockKind::at(mid, rng);
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
            let r = 0.5 * lot.0.hypot(lot.1);
            let pad = c(OBSTACLE_PAD, OBSTACLE_PAD);
            let nearby = obstacles.near(Rect::new(bounds.min() - pad, bounds.max() + pad));
            let mut lots = Vec::new();
            for a in 0..nx {
                for b in 0..ny {
                    let (lu, lv) = (origin.0 + a as f64 * lot.0, origin.1 + b as f64 * lot.1);
                    let p = grid_to_m(lu + lot.0 / 2.0, lv + lot.1 / 2.0);
                    if to_ll(p).y < MOUNTAIN_LAT + 0.002 || (!nearby.is_empty() && nearby.hit(p, r)) {
                        continue;
                    }
                    if place == Place::Across
                        && ctx.city.place_among(&grid_rect_m((lu, lv), (lu + lot.0, lv + lot.1)), &edges)
                            != Place::Inside
                    {
                        continue;
                    }
                    lots.push((a, b, a == 0 || b == 0 || a + 1 == nx || b + 1 == ny));
                }
            }
            if lots.is_empty() {
                continue;
            }
            let d = Euclidean.distance(mid, centre_m());
            let weight = lots.len() as f64 * lot.0 * lot.1 * kind.density() / (1.0 + (d / 7_000.0).powi(2));
            blocks.push(Block { kind, origin, lot, lots, sides: (i, i + 1, j, j + 1), weight });
        }
    }
    blocks
}

/// Places about [`BUILDING_TARGET`] buildings in the blocks of the grid.
pub(super) fn place_buildings(grid: &Grid, hydro: &Hydro, ctx: &Ctx) -> Vec<Building> {
    let mut rng = ctx.rng(2);
    let blocks = blocks(grid, hydro, ctx, &mut rng);
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
            let (cu, cv) = (bu + fw / 2.0, bv + fh / 2.0);
            // The address: on the nearest of the four streets around, odd numbers on the west and
            // south sides, counted every 30 m from the end of the street's piece.
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
                footprint: grid_rect_m((bu, bv), (bu + fw, bv + fh)),
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
