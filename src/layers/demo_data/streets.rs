//! The street grid: a slightly turned grid whose lines carry real street names near their real
//! places (`fixtures/demo/streets.toml`) and invented minor names between them, cut into segments.

use geo::{Coord, LineString};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

use super::Ctx;
use super::frame::{City, LAT0, LON0, grid_to_m, ll_m, m_to_grid};
use super::names::{self, NamedStreet};
use super::places::centre_m;
use crate::layers::catalog::Translated;

/// The class of a street (the `class` attribute of `streets`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Class {
    Avenue,
    Street,
    Lane,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Avenue => "avenue",
            Class::Street => "street",
            Class::Lane => "lane",
        }
    }
}

/// A street: its name in three languages, class and number of lanes.
#[derive(Debug, Clone)]
pub(super) struct StreetName {
    pub name: Translated,
    pub class: Class,
    pub lanes: i64,
}

/// A stretch of a grid line carrying one street name, from `from` to `to` along the line.
#[derive(Debug, Clone, Copy)]
pub(super) struct Piece {
    pub from: f64,
    pub to: f64,
    pub street: usize,
}

/// A grid line at `pos` (v for west-east lines, u for south-north lines).
#[derive(Debug, Clone)]
pub(super) struct GridLine {
    ew: bool,
    pub pos: f64,
    pub pieces: Vec<Piece>,
}

impl GridLine {
    /// Metric point at `along` on this line.
    pub fn at(&self, along: f64) -> Coord<f64> {
        if self.ew { grid_to_m(along, self.pos) } else { grid_to_m(self.pos, along) }
    }

    /// The piece covering `along` (the nearest one at a gap).
    pub fn piece_at(&self, along: f64) -> Piece {
        let i = self.pieces.partition_point(|p| p.to < along);
        self.pieces[i.min(self.pieces.len() - 1)]
    }
}

/// The street grid: south-north lines, west-east lines (each ascending) and the street names.
pub(super) struct Grid {
    pub ns: Vec<GridLine>,
    pub ew: Vec<GridLine>,
    pub names: Vec<StreetName>,
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
    pub fn new(city: &City, rng: &mut ChaCha8Rng) -> Grid {
        let data = &names::data().streets;
        let (u_lo, u_hi) = (m_to_grid(ll_m(76.73, LAT0)).0, m_to_grid(ll_m(77.18, LAT0)).0);
        let (v_lo, v_hi) = (m_to_grid(ll_m(LON0, 43.165)).1, m_to_grid(ll_m(LON0, 43.41)).1);
        let (cu, cv) = m_to_grid(centre_m());
        let mut names = Vec::new();
        // (from, to) along its line of each named street, by index into `names`.
        let mut extents = Vec::new();
        let named = |s: &NamedStreet| StreetName { name: s.name(), class: s.class, lanes: s.lanes };
        let mut ew_named = Vec::new();
        for s in &data.west_east {
            ew_named.push((m_to_grid(ll_m(LON0, s.at)).1, names.len()));
            extents.push((m_to_grid(ll_m(s.from, s.at)).0, m_to_grid(ll_m(s.to, s.at)).0));
            names.push(named(s));
        }
        let mut ns_named = Vec::new();
        for s in &data.south_north {
            ns_named.push((m_to_grid(ll_m(s.at, LAT0)).0, names.len()));
            extents.push((m_to_grid(ll_m(s.at, s.from)).1, m_to_grid(ll_m(s.at, s.to)).1));
            names.push(named(s));
        }
        let ew_pos = fill_positions(&ew_named, v_lo, v_hi, cv, rng);
        let ns_pos = fill_positions(&ns_named, u_lo, u_hi, cu, rng);

        let mut stems: Vec<usize> = (0..data.stems.len()).collect();
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
                    // How much of this stretch lies in the city, sampled every 150 m or so.
                    let n = ((t - f) / 150.0).ceil() as usize;
                    let inside = (0..=n)
                        .filter(|&k| city.contains(line.at(f + (t - f) * k as f64 / n as f64)))
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
                    let stem = &data.stems[stems[n % stems.len()]];
                    let round = n / stems.len();
                    let p = &data.patterns;
                    let pattern = match (class, round) {
                        (Class::Lane, 0) => &p.lane,
                        (Class::Lane, _) => &p.lane_n,
                        (_, 0) => &p.street,
                        _ => &p.street_n,
                    };
                    let lanes = match class {
                        Class::Lane => 1,
                        _ if inside > 8_000.0 => 4,
                        _ => 2,
                    };
                    line.pieces.push(Piece { from: f, to: t, street: names.len() });
                    names.push(StreetName {
                        name: names::street_name(pattern, stem, round + 1),
                        class,
                        lanes,
                    });
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
pub(super) struct Segment {
    pub line: LineString<f64>,
    pub street: usize,
}

/// Segments are cut at crossings at least this far apart.
const SEGMENT_LEN: f64 = 1_500.0;

/// The grid's street pieces cut into segments of about [`SEGMENT_LEN`], clipped to the city.
pub(super) fn street_segments(grid: &Grid, ctx: &Ctx) -> Vec<Segment> {
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
                    let segment = LineString::new(vec![line.at(w[0]), line.at(w[1])]);
                    for line in ctx.city.clip_line(&segment, 20.0) {
                        out.push(Segment { line, street: piece.street });
                    }
                }
            }
        }
    }
    out
}
