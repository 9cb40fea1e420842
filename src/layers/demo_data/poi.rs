//! Schools, kindergartens, clinics and hospitals (`fixtures/demo/poi.toml`): put into buildings
//! spread over the city, which become public ones, numbered and named in three languages.

use geo::{Coord, Distance, Euclidean};
use rand::Rng;

use super::buildings::Building;
use super::names;
use super::{Ctx, weighted};
use crate::layers::catalog::Translated;

/// A facility in a building (index into the buildings).
pub(super) struct Poi {
    pub building: usize,
    pub kind: &'static str,
    pub name: Translated,
    pub capacity: i64,
}

/// Puts the facilities into buildings spread over the city.
pub(super) fn place_poi(buildings: &mut [Building], ctx: &Ctx) -> Vec<Poi> {
    let mut rng = ctx.rng(4);
    let mut out: Vec<Poi> = Vec::new();
    let mut taken = vec![false; buildings.len()];
    if buildings.is_empty() {
        return out;
    }
    for kind in &names::data().poi {
        let count = kind.count;
        let mut numbers: Vec<usize> = (1..=count + count / 8).collect();
        for i in (1..numbers.len()).rev() {
            numbers.swap(i, rng.random_range(0..=i));
        }
        let weights: Vec<f64> = kind.names.iter().map(|n| n.weight).collect();
        let mut placed: Vec<Coord<f64>> = Vec::new();
        for _ in 0..count * 60 {
            if placed.len() == count {
                break;
            }
            let i = rng.random_range(0..buildings.len());
            let b = &buildings[i];
            if taken[i]
                || b.use_ == "industrial"
                || placed.iter().any(|&p| Euclidean.distance(p, b.centre) < kind.spacing)
            {
                continue;
            }
            taken[i] = true;
            placed.push(b.centre);
            let name = kind.names[weighted(&mut rng, &weights)].numbered(numbers[placed.len() - 1]);
            let b = &mut buildings[i];
            b.use_ = "public";
            b.floors = b.floors.clamp(kind.floors[0], kind.floors[1]);
            let capacity = rng.random_range(kind.capacity[0]..=kind.capacity[1]);
            out.push(Poi { building: i, kind: kind.kind.as_str(), name, capacity });
        }
    }
    out
}
