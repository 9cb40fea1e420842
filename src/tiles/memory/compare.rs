//! Telling two encoded MVT tiles apart (the in-memory tile against PostGIS's): per layer, the same
//! feature ids, the same attributes (key, value and MVT value type), the same geometry type, and
//! every vertex of either geometry within a tolerance (tile units) of the other's segments
//! (symmetric Hausdorff distance of the vertices), polygons wound alike. Pure.

use std::collections::BTreeMap;

use geozero::mvt::tile::{Feature, Layer, Value};
use geozero::mvt::{Message, Tile};

/// One tile unit less than a pixel of a 256-pixel tile (4096 / 256).
pub const PIXEL: f64 = 16.0;

/// One difference between tile `a` and tile `b`.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub layer: String,
    /// The feature concerned, if any.
    pub id: Option<u64>,
    pub what: String,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.id {
            Some(id) => write!(f, "{} #{id}: {}", self.layer, self.what),
            None => write!(f, "{}: {}", self.layer, self.what),
        }
    }
}

/// The differences between `a` and `b` with geometries compared to within `tolerance` units.
pub fn compare_tile(a: &[u8], b: &[u8], tolerance: f64) -> Vec<Difference> {
    let mut out = Vec::new();
    let diff = |layer: &str, id: Option<u64>, what: String| Difference { layer: layer.to_string(), id, what };
    let (ta, tb) = match (Tile::decode(a), Tile::decode(b)) {
        (Ok(ta), Ok(tb)) => (ta, tb),
        (ea, eb) => {
            return vec![diff("", None, format!("undecodable: a {:?}, b {:?}", ea.err(), eb.err()))];
        }
    };
    let la: BTreeMap<&str, &Layer> = ta.layers.iter().map(|l| (l.name.as_str(), l)).collect();
    let lb: BTreeMap<&str, &Layer> = tb.layers.iter().map(|l| (l.name.as_str(), l)).collect();
    for name in la.keys().chain(lb.keys()).collect::<std::collections::BTreeSet<_>>() {
        let (Some(x), Some(y)) = (la.get(name), lb.get(name)) else {
            out.push(diff(
                name,
                None,
                format!("layer only in {}", if la.contains_key(name) { "a" } else { "b" }),
            ));
            continue;
        };
        if x.extent != y.extent {
            out.push(diff(name, None, format!("extent {:?} vs {:?}", x.extent, y.extent)));
        }
        let fa: BTreeMap<Option<u64>, &Feature> = x.features.iter().map(|f| (f.id, f)).collect();
        let fb: BTreeMap<Option<u64>, &Feature> = y.features.iter().map(|f| (f.id, f)).collect();
        for id in fa.keys().chain(fb.keys()).collect::<std::collections::BTreeSet<_>>() {
            let (Some(f), Some(g)) = (fa.get(id), fb.get(id)) else {
                out.push(diff(name, *id, format!("only in {}", if fa.contains_key(id) { "a" } else { "b" })));
                continue;
            };
            let (ta, tb) = (tags(x, f), tags(y, g));
            if ta != tb {
                out.push(diff(name, *id, format!("attributes {ta:?} vs {tb:?}")));
            }
            if f.r#type != g.r#type {
                out.push(diff(name, *id, format!("geometry type {:?} vs {:?}", f.r#type, g.r#type)));
                continue;
            }
            let polygon = f.r#type == Some(3);
            let (Some(pa), Some(pb)) = (parts(f), parts(g)) else {
                out.push(diff(name, *id, "geometry commands that cannot be decoded".to_string()));
                continue;
            };
            let d = hausdorff(&pa, &pb);
            if d > tolerance {
                out.push(diff(name, *id, format!("vertices {d:.1} units apart")));
            }
            if polygon {
                let (sa, sb) = (area2(&pa), area2(&pb));
                if (sa > 0.0) != (sb > 0.0) {
                    out.push(diff(name, *id, format!("winding: doubled areas {sa} vs {sb}")));
                }
            }
        }
    }
    out
}

/// A feature's tags as sorted `(key, type:value)`.
fn tags(l: &Layer, f: &Feature) -> Vec<(String, String)> {
    let mut t: Vec<(String, String)> = f
        .tags
        .chunks(2)
        .map(|kv| {
            let key = l.keys.get(kv[0] as usize).cloned().unwrap_or_default();
            let value = kv.get(1).and_then(|v| l.values.get(*v as usize)).map(typed).unwrap_or_default();
            (key, value)
        })
        .collect();
    t.sort();
    t
}

fn typed(v: &Value) -> String {
    if let Some(s) = &v.string_value {
        format!("string:{s}")
    } else if let Some(x) = v.float_value {
        format!("float:{x}")
    } else if let Some(x) = v.double_value {
        format!("double:{x}")
    } else if let Some(x) = v.int_value {
        format!("int:{x}")
    } else if let Some(x) = v.uint_value {
        format!("uint:{x}")
    } else if let Some(x) = v.sint_value {
        format!("sint:{x}")
    } else if let Some(x) = v.bool_value {
        format!("bool:{x}")
    } else {
        "none".to_string()
    }
}

/// The parts (points, lines or rings, rings closed) of an MVT geometry, in tile units, as
/// geozero's MVT reader decodes its commands; `None` when they cannot be decoded.
fn parts(f: &Feature) -> Option<Vec<Vec<[f64; 2]>>> {
    use geo::{CoordsIter, Geometry};
    use geozero::ToGeo;
    fn line(l: &geo::LineString<f64>) -> Vec<[f64; 2]> {
        l.0.iter().map(|c| [c.x, c.y]).collect()
    }
    fn rings(p: &geo::Polygon<f64>, out: &mut Vec<Vec<[f64; 2]>>) {
        out.push(line(p.exterior()));
        out.extend(p.interiors().iter().map(line));
    }
    fn collect(g: &Geometry<f64>, out: &mut Vec<Vec<[f64; 2]>>) {
        match g {
            Geometry::LineString(l) => out.push(line(l)),
            Geometry::MultiLineString(ml) => out.extend(ml.0.iter().map(line)),
            Geometry::Polygon(p) => rings(p, out),
            Geometry::MultiPolygon(mp) => mp.0.iter().for_each(|p| rings(p, out)),
            Geometry::GeometryCollection(gc) => gc.0.iter().for_each(|g| collect(g, out)),
            other => out.extend(other.coords_iter().map(|c| vec![[c.x, c.y]])),
        }
    }
    let g = f.to_geo().ok()?;
    let mut out = Vec::new();
    collect(&g, &mut out);
    Some(out)
}

/// Twice the summed signed area of the rings (positive: exteriors dominate, as MVT winds them).
fn area2(rings: &[Vec<[f64; 2]>]) -> f64 {
    rings.iter().flat_map(|r| r.windows(2)).map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1]).sum()
}

fn dist_to_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t =
        if len2 == 0.0 { 0.0 } else { (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0) };
    let (cx, cy) = (a[0] + t * dx, a[1] + t * dy);
    ((p[0] - cx).powi(2) + (p[1] - cy).powi(2)).sqrt()
}

/// The farthest any vertex of one geometry lies from the other (points: from its points; lines
/// and rings: from its segments), both ways.
fn hausdorff(a: &[Vec<[f64; 2]>], b: &[Vec<[f64; 2]>]) -> f64 {
    fn one_way(a: &[Vec<[f64; 2]>], b: &[Vec<[f64; 2]>]) -> f64 {
        let mut worst: f64 = 0.0;
        for p in a.iter().flatten() {
            let mut best = f64::INFINITY;
            for part in b {
                if part.len() == 1 {
                    best = best.min(dist_to_segment(*p, part[0], part[0]));
                }
                for w in part.windows(2) {
                    best = best.min(dist_to_segment(*p, w[0], w[1]));
                }
            }
            worst = worst.max(best);
        }
        worst
    }
    one_way(a, b).max(one_way(b, a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiles::memory::encode::{Cut, encode_layer};
    use crate::tiles::memory::index::AttrValue;

    fn tile(id: i64, dx: f64, v: AttrValue) -> Vec<u8> {
        let poly = geo::Rect::new((dx, 0.0), (100.0 + dx, 100.0)).to_polygon();
        encode_layer("l", &[Cut { id, geom: geo::Geometry::Polygon(poly), attrs: vec![("a", &v)] }])
    }

    #[test]
    fn differences_are_found() {
        assert!(
            compare_tile(&tile(1, 0.0, AttrValue::Uint(1)), &tile(1, 10.0, AttrValue::Uint(1)), PIXEL)
                .is_empty()
        );
        assert_eq!(
            compare_tile(&tile(1, 0.0, AttrValue::Uint(1)), &tile(1, 20.0, AttrValue::Uint(1)), PIXEL).len(),
            1
        );
        assert_eq!(
            compare_tile(&tile(1, 0.0, AttrValue::Uint(1)), &tile(1, 0.0, AttrValue::Double(1.0)), PIXEL)
                .len(),
            1
        );
        assert_eq!(
            compare_tile(&tile(1, 0.0, AttrValue::Uint(1)), &tile(2, 0.0, AttrValue::Uint(1)), PIXEL).len(),
            2
        );
        assert_eq!(compare_tile(&tile(1, 0.0, AttrValue::Uint(1)), &[], PIXEL).len(), 1);
    }
}
