//! Deterministic synthetic demo layers of Almaty.
//!
//! This module owns the demo *content*: the eight districts (real KATO codes and names, invented
//! Voronoi boundaries), and the generated layers `districts`, `streets`, `buildings`,
//! `hydro_lines`, `hydro_areas`, `land_fund`, `master_plan`, `utility_networks` and `poi`. It is
//! pure: no files, no database, no clock. The same city outline and seed always give the same
//! features, keys and attributes (`ChaCha8Rng` is value-stable across platforms and releases).
//! Loading the layers is `layers::demo`'s job; their schemas are the files in `layers/`.
//!
//! Everything is computed in a local metric frame around the centre of Almaty and returned in
//! WGS84 lon/lat; the geometry (transforms, containment, clipping, distances, Voronoi cells,
//! areas) is `geo`'s. Streets form a slightly turned grid carrying real street names near their
//! real positions; buildings sit in the blocks of that grid, and the other layers are placed
//! relative to the streets, the rivers and the city outline. Named features carry their names in
//! Kazakh, Russian and English (`name_kk`, `name_ru`, `name_en`), from the data files of
//! `fixtures/demo/`.
//!
//! - `names`: the data files (names and the tables that carry them).
//! - `frame`: the metric frame, the grid's turn, the city outline indexed for containment and clipping.
//! - `places`: the centre, the mountains, parks, the airport, industrial and high-rise areas.
//! - `streets`: the street grid and its segments; `buildings`: blocks, lots, buildings, addresses;
//!   `poi`: schools and clinics; `hydro`: rivers and water bodies; `zoning`: land fund and
//!   master plan; `utility`: utility networks.

mod buildings;
mod frame;
mod hydro;
mod names;
mod places;
mod poi;
mod streets;
#[cfg(test)]
mod tests;
mod utility;
mod zoning;

use geo::{BooleanOps, Geometry, MultiPolygon, Point};
use geozero::ToGeo;
use geozero::geojson::GeoJsonString;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};

use crate::layers::catalog::Translated;
use frame::{City, ll_m, m_to_ll, polygon_ll, to_ll};
use names::name_attrs;

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
    /// Its name in Kazakh, Russian and English.
    pub name: Translated,
    pub geometry: MultiPolygon<f64>,
}

/// The simplified city outline kept in `fixtures/`, for when no real boundary is at hand.
pub fn fallback_city_outline() -> MultiPolygon<f64> {
    let text = include_str!("../../../fixtures/almaty_outline.geojson");
    let mut polys = Vec::new();
    if let Ok(g) = GeoJsonString(text.to_string()).to_geo() {
        collect_polygons(g, &mut polys);
    }
    MultiPolygon::new(polys)
}

fn collect_polygons(g: Geometry<f64>, out: &mut Vec<geo::Polygon<f64>>) {
    match g {
        Geometry::Polygon(p) => out.push(p),
        Geometry::MultiPolygon(mp) => out.extend(mp.0),
        Geometry::GeometryCollection(gc) => gc.0.into_iter().for_each(|g| collect_polygons(g, out)),
        _ => {}
    }
}

/// Splits `city` into the eight districts: Voronoi cells of fixed seeds, clipped to the city.
pub fn districts(city: &MultiPolygon<f64>) -> Vec<District> {
    let defs = &names::data().districts;
    let sites: Vec<_> = defs.iter().map(|d| ll_m(d.seed[0], d.seed[1])).collect();
    let cells = zoning::voronoi_cells(&sites, 200_000.0);
    defs.iter()
        .zip(cells)
        .map(|(d, cell)| District {
            kato: d.kato.as_str(),
            name: d.name.clone(),
            geometry: cell
                .map(|cell| polygon_ll(&cell).intersection(city))
                .unwrap_or(MultiPolygon::new(vec![])),
        })
        .collect()
}

/// Everything the layer generators share.
struct Ctx<'a> {
    city: City<'a>,
    seed: u64,
}

impl Ctx<'_> {
    /// A random generator of its own for each layer, so that layers do not disturb each other.
    fn rng(&self, stream: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(self.seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
}

fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
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
    let ctx = Ctx { city: City::new(city), seed };
    let mut layers = vec![districts_layer(districts)];
    let hydro = hydro::Hydro::new(&mut ctx.rng(3));
    let grid = streets::Grid::new(&ctx.city, &mut ctx.rng(1));
    let segments = streets::street_segments(&grid, &ctx);
    layers.push(DemoLayer {
        layer_id: "streets",
        features: segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let street = &grid.names[s.street];
                let mut attrs = obj(name_attrs(&street.name));
                attrs.insert("class".into(), street.class.as_str().into());
                attrs.insert("lanes".into(), street.lanes.into());
                DemoFeature {
                    key: format!("str-{:05}", i + 1),
                    geometry: Geometry::LineString(m_to_ll(&s.line)),
                    attrs,
                }
            })
            .collect(),
    });
    let mut buildings = buildings::place_buildings(&grid, &hydro, &ctx);
    let poi = poi::place_poi(&mut buildings, &ctx);
    // Addresses are written in Russian, as the address register writes them.
    let street = |b: &buildings::Building| Value::from(b.street_name(&grid).ru.clone());
    layers.push(DemoLayer {
        layer_id: "buildings",
        features: buildings
            .iter()
            .enumerate()
            .map(|(i, b)| DemoFeature {
                key: format!("bld-{:06}", i + 1),
                geometry: Geometry::Polygon(polygon_ll(&b.footprint)),
                attrs: obj([
                    ("street", street(b)),
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
    layers.push(zoning::land_fund_layer(&hydro, &ctx));
    layers.push(zoning::master_plan_layer(&hydro, &ctx));
    layers.push(utility::utility_layer(&segments, &grid, &ctx));
    layers.push(DemoLayer {
        layer_id: "poi",
        features: poi
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let b = &buildings[p.building];
                let mut attrs = obj(name_attrs(&p.name));
                attrs.extend(obj([
                    ("kind", p.kind.into()),
                    ("street", street(b)),
                    ("house_number", b.number.clone().into()),
                    ("capacity", p.capacity.into()),
                ]));
                DemoFeature {
                    key: format!("poi-{:05}", i + 1),
                    geometry: Geometry::Point(Point::from(to_ll(b.centre))),
                    attrs,
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
            .map(|d| {
                let mut attrs = obj([("kato", d.kato.into())]);
                attrs.extend(obj(name_attrs(&d.name)));
                DemoFeature {
                    key: format!("dst-{}", d.kato),
                    geometry: Geometry::MultiPolygon(d.geometry.clone()),
                    attrs,
                }
            })
            .collect(),
    }
}
