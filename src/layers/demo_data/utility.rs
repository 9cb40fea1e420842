//! Utility networks: water, sewer, heating, gas and power lines along the street segments, set off
//! to either side of the street's axis, with diameters, voltages and years by street class.

use geo::{Coord, Distance, Euclidean, Geometry, Translate};
use rand::Rng;

use super::frame::{c, m_to_ll};
use super::places::centre_m;
use super::streets::{Class, Grid, Segment};
use super::{Ctx, DemoFeature, DemoLayer, obj, pick};

/// Kind, offset from the street axis (m, to the left of its direction), operator.
const NETWORKS: [(&str, f64, &str); 5] = [
    ("water", 5.0, "Алматы Су"),
    ("sewer", -5.0, "Алматы Су"),
    ("heating", 8.0, "Алматинские тепловые сети"),
    ("gas", -8.0, "QazaqGaz Аймақ"),
    ("power", 11.0, "АЖК"),
];

pub(super) fn utility_layer(segments: &[Segment], grid: &Grid, ctx: &Ctx) -> DemoLayer {
    let mut rng = ctx.rng(7);
    let mut features = Vec::new();
    for seg in segments {
        let (Some(&a), Some(&b)) = (seg.line.0.first(), seg.line.0.last()) else {
            continue;
        };
        let street = &grid.names[seg.street];
        let class = street.class;
        let d = Euclidean.distance((a + b) / 2.0, centre_m());
        // The unit normal to the left of the segment's direction.
        let dir: Coord<f64> = b - a;
        let normal = c(-dir.y, dir.x) / Euclidean.distance(a, b).max(1e-9);
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
            let moved = seg.line.translate(normal.x * offset, normal.y * offset);
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
            for part in ctx.city.clip_line(&moved, 20.0) {
                let mut attrs = obj([
                    ("kind", kind.into()),
                    ("operator", operator.into()),
                    ("install_year", year.into()),
                    ("street", street.name.ru.clone().into()),
                ]);
                if let Some(dm) = diameter {
                    attrs.insert("diameter_mm".into(), dm.into());
                }
                if let Some(v) = voltage {
                    attrs.insert("voltage_kv".into(), v.into());
                }
                features.push(DemoFeature {
                    key: format!("net-{:06}", features.len() + 1),
                    geometry: Geometry::LineString(m_to_ll(&part)),
                    attrs,
                });
            }
        }
    }
    DemoLayer { layer_id: "utility_networks", features }
}
