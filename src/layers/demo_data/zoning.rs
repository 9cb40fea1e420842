//! Land fund and master plan: Voronoi cells of a jittered lattice over the city, clipped to it,
//! each given a land category and holder, or a planning zone, from where it lies.

use geo::{
    BoundingRect, Contains, Coord, Distance, Euclidean, GeodesicArea, Geometry, MultiPoint, Point, Polygon,
    Rect, Voronoi, VoronoiClip, VoronoiParams,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};
use serde_json::Value;

use super::frame::{c, ll_m, to_ll};
use super::hydro::Hydro;
use super::names;
use super::places::{HIGH_RISE, MOUNTAIN_LAT, centre_m, in_airport, in_box, industrial, near_park};
use super::{Ctx, DemoFeature, DemoLayer, obj, pick};

/// The Voronoi cells of `sites`, clipped to a rectangle `margin` metres around them, in the order
/// of the sites (a site's cell is the one that contains it); `None` for a site without a cell
/// (a repeated one, or all sites on one line).
pub(super) fn voronoi_cells(sites: &[Coord<f64>], margin: f64) -> Vec<Option<Polygon<f64>>> {
    let points = MultiPoint::from(sites.iter().map(|&p| Point::from(p)).collect::<Vec<_>>());
    let Some(bounds) = BoundingRect::bounding_rect(&points) else { return Vec::new() };
    let m = c(margin, margin);
    let clip = Rect::new(bounds.min() - m, bounds.max() + m).to_polygon();
    let cells = points.voronoi_cells_with_params(VoronoiParams::new().clip(VoronoiClip::Polygon(&clip)));
    let index = RTree::bulk_load(
        sites.iter().enumerate().map(|(i, &s)| GeomWithData::new(Point::from(s), i)).collect(),
    );
    let mut out = vec![None; sites.len()];
    for cell in cells.unwrap_or_default() {
        let Some(r) = cell.bounding_rect() else { continue };
        let envelope = AABB::from_corners(Point::from(r.min()), Point::from(r.max()));
        if let Some(site) = index.locate_in_envelope(&envelope).find(|s| cell.contains(s.geom())) {
            out[site.data] = Some(cell);
        }
    }
    out
}

/// Cells of a lattice of `step`-metre spacing over the city, each site moved at random by up to a
/// third of the step. Returns (site, lon/lat geometry) for each cell that reaches into the city.
fn lattice_cells(ctx: &Ctx, step: f64, rng: &mut ChaCha8Rng) -> Vec<(Coord<f64>, Geometry<f64>)> {
    let (lo, hi) = (ctx.city.bounds.min(), ctx.city.bounds.max());
    let nx = ((hi.x - lo.x) / step).ceil() as usize + 1;
    let ny = ((hi.y - lo.y) / step).ceil() as usize + 1;
    let mut sites = Vec::with_capacity(nx * ny);
    for iy in 0..ny {
        for ix in 0..nx {
            let j = (rng.random_range(-0.33..0.33), rng.random_range(-0.33..0.33));
            sites.push(c(lo.x + (ix as f64 + j.0) * step, lo.y + (iy as f64 + j.1) * step));
        }
    }
    let cells = voronoi_cells(&sites, 2.0 * step);
    sites
        .into_iter()
        .zip(&cells)
        .filter_map(|(site, cell)| ctx.city.clip_polygon(cell.as_ref()?).map(|g| (site, g)))
        .collect()
}

/// Area of a lon/lat geometry on the ellipsoid, in hectares to two decimals.
fn area_ha(g: &Geometry<f64>) -> f64 {
    (g.geodesic_area_unsigned() / 100.0).round() / 100.0
}

/// Index of the district whose seed is nearest (the district the point is in).
fn district_of(m: Coord<f64>) -> usize {
    let districts = &names::data().districts;
    (0..districts.len())
        .min_by(|&a, &b| {
            let at = |i: usize| Euclidean.distance(m, ll_m(districts[i].seed[0], districts[i].seed[1]));
            at(a).total_cmp(&at(b))
        })
        .unwrap_or(0)
}

/// Whether a water body of one of `kinds` has its centre in `geometry`.
fn holds_water(hydro: &Hydro, geometry: &Geometry<f64>, kinds: &[&str]) -> bool {
    let bodies = &names::data().hydro.water_body;
    hydro.bodies.iter().any(|b| {
        let w = &bodies[b.index];
        kinds.contains(&b.kind)
            && geo::Intersects::intersects(geometry, &Point::new(w.centre[0], w.centre[1]))
    })
}

pub(super) fn land_fund_layer(hydro: &Hydro, ctx: &Ctx) -> DemoLayer {
    let mut rng = ctx.rng(5);
    let holders = &names::data().holders;
    let mut per_district = vec![0usize; names::data().districts.len()];
    let mut features = Vec::new();
    for (site, geometry) in lattice_cells(ctx, 1_100.0, &mut rng) {
        let ll = to_ll(site);
        let d = Euclidean.distance(site, centre_m());
        let wet =
            holds_water(hydro, &geometry, &["reservoir", "lake"]) || hydro.near_watercourse(site, 120.0);
        let category = if wet {
            "6"
        } else if ll.y < MOUNTAIN_LAT {
            if ll.y < 43.125 || rng.random_bool(0.4) { "4" } else { "5" }
        } else if near_park(site, 300.0) {
            "4"
        } else if in_airport(site) || industrial(ll) {
            "3"
        } else if (ll.x > 77.1 || (ll.x < 76.80 && ll.y > 43.27)) && rng.random_bool(0.6) {
            "1"
        } else if d > 10_000.0 && rng.random_bool(0.04) {
            "7"
        } else {
            "2"
        };
        let list = match category {
            "1" => &holders.agricultural,
            "3" if in_airport(site) => &holders.airport,
            "3" => &holders.industrial,
            "4" if ll.y < MOUNTAIN_LAT => &holders.mountain_park,
            "4" => &holders.recreation,
            "5" => &holders.forest,
            "6" => &holders.water,
            "7" => &holders.reserve,
            _ => &holders.settlement,
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
                ("holder", pick(&mut rng, list).clone().into()),
            ]),
            geometry,
        });
    }
    DemoLayer { layer_id: "land_fund", features }
}

pub(super) fn master_plan_layer(hydro: &Hydro, ctx: &Ctx) -> DemoLayer {
    let mut rng = ctx.rng(6);
    let mut features = Vec::new();
    for (site, geometry) in lattice_cells(ctx, 1_500.0, &mut rng) {
        let ll = to_ll(site);
        let d = Euclidean.distance(site, centre_m());
        let roll = rng.random::<f64>();
        let wet = holds_water(hydro, &geometry, &["reservoir"]);
        let (zone, code, max_floors) = if ll.y < MOUNTAIN_LAT {
            ("green_recreation", "Р-2", 2)
        } else if wet || near_park(site, 200.0) {
            ("green_recreation", "Р-1", 3)
        } else if in_airport(site) {
            ("transport", "Т-1", 4)
        } else if industrial(ll) {
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
