//! Clusters of points (pure): a point layer clustered by the style, drawn by its circle and
//! symbol layers as MapLibre draws a clustered GeoJSON source.
//!
//! The convention: the style's root `metadata` holds `"qala:clusters"`, one entry per data layer
//! (`source-layer`):
//!
//! ```json
//! "metadata": {"qala:clusters": {"applications": {
//!     "radius": 40, "minzoom": 0, "maxzoom": 14, "min_points": 2,
//!     "properties": {"approved": ["+", ["case", ["==", ["get", "status"], "approved"], 1, 0]]}}}}
//! ```
//!
//! `radius` is in CSS px at the style zoom (1..=500, default 50); the layer is clustered at style
//! zooms `minzoom <= z <= maxzoom` (defaults 0 and 14); a cell needs `min_points` points (default
//! 2) to become a cluster; `properties` are MapLibre's `clusterProperties`: a name, an operator
//! (`+`, `max` or `min`) and an expression evaluated per point. A cluster is a point at the mean of
//! its points with the properties of MapLibre's clusters: `cluster` (true), `cluster_id`,
//! `point_count`, `point_count_abbreviated` (`1.2k`, `15k`), and the reduced properties. Points
//! that stay alone keep their own properties, so style layers tell the two apart with
//! `["has", "point_count"]` and size clusters with `["step", ["get", "point_count"], …]`. Only the
//! point geometries of a layer are clustered; lines and polygons are drawn as they are. Heat maps
//! read the points before clustering.
//!
//! Clustering is on a grid anchored to the CRS's origin, not to the tile or the page: cells of
//! `radius` CSS px (in CRS units at the drawing's resolution, rounded to 8 significant digits so
//! that two tiles of the same zoom compute the same size), each cell's points one cluster. So
//! the same points give the same clusters whatever the frame, and two neighbouring tiles agree on
//! every cluster as long as each reads [`ClusterSpec::margin_px`] beyond its edges (a cluster
//! lies in its cell; its circle should be at most [`MAX_CIRCLE_PX`]). With raster tiles' buffer of
//! 64 CSS px, a radius of at most 40 px keeps neighbouring tiles in agreement. Unlike supercluster's
//! greedy pass, no cluster depends on points farther than a cell away; two clusters of adjacent
//! cells can be closer than the radius. The web map's vector tiles are not clustered (MapLibre
//! cannot cluster vector tile sources): there the points are drawn alone.

use std::borrow::Cow;
use std::collections::BTreeMap;

use geo::{Geometry, Point};
use serde_json::{Map, Value, json};

use super::expr::{self, Props};
use super::map::{Frame, LayerData, PrintFeature};
use super::style::PrintStyle;

/// The largest radius (CSS px) of a cluster's circle that tiles read enough around them for.
pub const MAX_CIRCLE_PX: f64 = 24.0;

/// The key of the style's root `metadata` that names the clustered layers.
pub const STYLE_KEY: &str = "qala:clusters";

/// How a cluster property reduces its points' values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduce {
    Sum,
    Max,
    Min,
}

/// A property of clusters: `name: [op, expression]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterProperty {
    pub name: String,
    pub op: Reduce,
    pub map: Value,
}

/// How one data layer is clustered.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSpec {
    /// The data layer (`source-layer`).
    pub layer: String,
    /// CSS px.
    pub radius: f64,
    pub minzoom: f64,
    pub maxzoom: f64,
    pub min_points: usize,
    pub properties: Vec<ClusterProperty>,
}

/// The clustered layers a style names (entries that are not objects are ignored).
pub fn specs(style: &Value) -> Vec<ClusterSpec> {
    let Some(entries) = style.pointer("/metadata").and_then(|m| m.get(STYLE_KEY)).and_then(Value::as_object)
    else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(layer, e)| {
            let e = e.as_object()?;
            let num = |k: &str, d: f64| e.get(k).and_then(Value::as_f64).unwrap_or(d);
            let properties = e
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(name, v)| {
                    let a = v.as_array()?;
                    let op = match a.first()?.as_str()? {
                        "+" => Reduce::Sum,
                        "max" => Reduce::Max,
                        "min" => Reduce::Min,
                        _ => return None,
                    };
                    Some(ClusterProperty { name: name.clone(), op, map: a.get(1)?.clone() })
                })
                .collect();
            Some(ClusterSpec {
                layer: layer.clone(),
                radius: num("radius", 50.0).clamp(1.0, 500.0),
                minzoom: num("minzoom", 0.0),
                maxzoom: num("maxzoom", 14.0),
                min_points: (num("min_points", 2.0).max(2.0)) as usize,
                properties,
            })
        })
        .collect()
}

impl ClusterSpec {
    /// Whether the layer is clustered at style zoom `z`.
    pub fn applies(&self, z: f64) -> bool {
        z >= self.minzoom && z <= self.maxzoom
    }

    /// CSS px to read beyond a tile's edges: a cell and a cluster's circle (at most
    /// [`MAX_CIRCLE_PX`]).
    pub fn margin_px(&self) -> f64 {
        self.radius + MAX_CIRCLE_PX
    }

    /// A cell's side in CRS units, for `crs_per_px` CRS units per CSS px.
    pub fn cell(&self, crs_per_px: f64) -> f64 {
        significant(self.radius * crs_per_px, 8)
    }
}

/// `v` rounded to `digits` significant digits.
fn significant(v: f64, digits: i32) -> f64 {
    if !v.is_normal() {
        return v;
    }
    let f = 10f64.powi(digits - 1 - v.abs().log10().floor() as i32);
    (v * f).round() / f
}

/// MapLibre's (supercluster's) abbreviated count.
pub fn abbreviate(count: usize) -> Value {
    if count >= 10_000 {
        json!(format!("{}k", (count as f64 / 1000.0).round()))
    } else if count >= 1000 {
        json!(format!("{}k", (count as f64 / 100.0).round() / 10.0))
    } else {
        json!(count)
    }
}

/// The features of a clustered layer at style zoom `z` (`crs_per_px` CRS units per CSS px): the
/// lines, polygons and lone points in their order, then the clusters by cell.
pub fn cluster(features: &[PrintFeature], spec: &ClusterSpec, z: f64, crs_per_px: f64) -> Vec<PrintFeature> {
    let cell = spec.cell(crs_per_px);
    if !(cell > 0.0 && cell.is_finite()) {
        return features.to_vec();
    }
    let mut cells: BTreeMap<(i64, i64), Vec<usize>> = BTreeMap::new();
    for (i, f) in features.iter().enumerate() {
        if let Geometry::Point(p) = &f.geom {
            let key = ((p.x() / cell).floor() as i64, (p.y() / cell).floor() as i64);
            cells.entry(key).or_default().push(i);
        }
    }
    let mut alone = vec![true; features.len()];
    let mut clusters = Vec::new();
    for ((cx, cy), mut members) in cells {
        if members.len() < spec.min_points {
            continue;
        }
        // The same points in any order give the same sums.
        members.sort_by(|&a, &b| {
            let (pa, pb) = (point(&features[a]), point(&features[b]));
            pa.0.total_cmp(&pb.0).then(pa.1.total_cmp(&pb.1)).then(features[a].id.cmp(&features[b].id))
        });
        let n = members.len() as f64;
        let (sx, sy) = members.iter().fold((0.0, 0.0), |(sx, sy), &i| {
            let (x, y) = point(&features[i]);
            (sx + x, sy + y)
        });
        let id = ((cx & 0xFF_FFFF) << 24) | (cy & 0xFF_FFFF);
        let mut props = Map::new();
        props.insert("cluster".into(), Value::Bool(true));
        props.insert("cluster_id".into(), json!(id));
        props.insert("point_count".into(), json!(members.len()));
        props.insert("point_count_abbreviated".into(), abbreviate(members.len()));
        for cp in &spec.properties {
            let values = members.iter().filter_map(|&i| expr::eval(&cp.map, &features[i].props, z).as_f64());
            let v = match cp.op {
                Reduce::Sum => Some(values.sum::<f64>()),
                Reduce::Max => values.reduce(f64::max),
                Reduce::Min => values.reduce(f64::min),
            };
            props.insert(cp.name.clone(), v.map_or(Value::Null, |v| json!(v)));
        }
        for &i in &members {
            alone[i] = false;
        }
        clusters.push(PrintFeature { id: -1 - id, props, geom: Geometry::Point(Point::new(sx / n, sy / n)) });
    }
    features.iter().zip(alone).filter(|(_, a)| *a).map(|(f, _)| f.clone()).chain(clusters).collect()
}

/// The features each of `layers` is drawn with at zoom `z` on a surface of `px` units per CSS px:
/// the clustered layers' clusters, the others' as they are.
pub fn apply<'a>(
    style: &PrintStyle,
    z: f64,
    frame: &Frame,
    px: f64,
    layers: &'a [LayerData],
) -> Vec<Cow<'a, [PrintFeature]>> {
    let crs_per_px = (frame.crs[2] - frame.crs[0]) / frame.page.w() * px;
    layers
        .iter()
        .map(|l| match style.cluster_of(&l.id, z) {
            Some(spec) => Cow::Owned(cluster(&l.features, spec, z, crs_per_px)),
            None => Cow::Borrowed(l.features.as_slice()),
        })
        .collect()
}

fn point(f: &PrintFeature) -> (f64, f64) {
    match &f.geom {
        Geometry::Point(p) => (p.x(), p.y()),
        _ => (0.0, 0.0),
    }
}

/// Whether a feature is a cluster.
pub fn is_cluster(p: &Props) -> bool {
    p.contains_key("point_count")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(id: i64, x: f64, y: f64, status: &str) -> PrintFeature {
        let props = json!({"status": status}).as_object().cloned().unwrap_or_default();
        PrintFeature { id, props, geom: Geometry::Point(Point::new(x, y)) }
    }

    fn spec() -> ClusterSpec {
        let style = json!({"metadata": {"qala:clusters": {"apps": {"radius": 50, "maxzoom": 14,
            "properties": {"approved": ["+", ["match", ["get", "status"], "approved", 1, 0]],
                           "first": ["min", ["get", "n"]], "bogus": ["avg", 1]}}}}});
        specs(&style).into_iter().next().unwrap_or_else(|| panic!("no spec"))
    }

    /// (count, x, y) of the clusters, and the ids of the features left alone.
    fn summary(out: &[PrintFeature]) -> (Vec<(u64, i64, i64)>, Vec<i64>) {
        let mut clusters = Vec::new();
        let mut alone = Vec::new();
        for f in out {
            match (f.props.get("point_count").and_then(Value::as_u64), &f.geom) {
                (Some(n), Geometry::Point(p)) => {
                    clusters.push((n, (p.x() * 1000.0).round() as i64, (p.y() * 1000.0).round() as i64))
                }
                _ => alone.push(f.id),
            }
        }
        clusters.sort();
        alone.sort();
        (clusters, alone)
    }

    #[test]
    fn the_styles_convention_is_read() {
        let s = spec();
        assert_eq!(
            (s.layer.as_str(), s.radius, s.minzoom, s.maxzoom, s.min_points),
            ("apps", 50.0, 0.0, 14.0, 2)
        );
        let names: Vec<&str> = s.properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["approved", "first"], "an unknown operator is left out");
        assert!(s.applies(14.0) && s.applies(3.0) && !s.applies(14.5));
        let text = std::fs::read_to_string("styles/qala.json").unwrap_or_default();
        let web: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let apps = specs(&web).into_iter().find(|c| c.layer == "applications");
        assert_eq!(apps.map(|a| (a.radius, a.maxzoom, a.properties.len())), Some((40.0, 14.0, 3)));
    }

    #[test]
    fn points_in_a_cell_become_one_cluster_with_maplibres_properties() {
        // 1 CRS unit per px: cells of 50 units from the origin.
        let mut feats = vec![
            pt(1, 10.0, 10.0, "approved"),
            pt(2, 20.0, 30.0, "refused"),
            pt(3, 30.0, 20.0, "approved"),
            pt(4, 510.0, 510.0, "approved"),
        ];
        let square = geo::Polygon::new(
            geo::LineString::from(vec![(0.0, 0.0), (5.0, 0.0), (5.0, 5.0), (0.0, 0.0)]),
            vec![],
        );
        feats.push(PrintFeature { id: 5, props: Map::new(), geom: Geometry::Polygon(square) });
        let out = cluster(&feats, &spec(), 12.0, 1.0);
        assert_eq!(summary(&out), (vec![(3, 20_000, 20_000)], vec![4, 5]));
        let c = out.iter().find(|f| is_cluster(&f.props)).map(|f| f.props.clone()).unwrap_or_default();
        assert_eq!(c["cluster"], json!(true));
        assert_eq!(c["point_count_abbreviated"], json!(3));
        assert_eq!(c["approved"], json!(2.0));
        assert_eq!(c["first"], Value::Null, "no point has n");
        assert_eq!(c["cluster_id"], json!(0));
        // Twice the CRS units per px: cells of 100 units, the same three.
        assert_eq!(summary(&cluster(&feats, &spec(), 11.0, 2.0)).0, vec![(3, 20_000, 20_000)]);
        // A cell straddling the origin's axis: -1 and 0 are different cells.
        let split = [pt(1, -1.0, 10.0, "a"), pt(2, 1.0, 10.0, "a")];
        assert_eq!(summary(&cluster(&split, &spec(), 12.0, 1.0)).1, vec![1, 2]);
    }

    #[test]
    fn abbreviated_counts() {
        assert_eq!(abbreviate(999), json!(999));
        assert_eq!(abbreviate(1234), json!("1.2k"));
        assert_eq!(abbreviate(15_499), json!("15k"));
    }

    /// A deterministic scatter of points around a few centres in Web Mercator metres.
    fn scatter(n: usize) -> Vec<PrintFeature> {
        let mut seed = 42u64;
        let mut rnd = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let centres = [(8_563_000.0, 5_349_000.0), (8_566_500.0, 5_351_200.0), (8_560_000.0, 5_353_000.0)];
        (0..n)
            .map(|i| {
                let (cx, cy) = centres[i % centres.len()];
                let spread = if i % 5 == 0 { 4000.0 } else { 600.0 };
                pt(i as i64, cx + (rnd() - 0.5) * spread, cy + (rnd() - 0.5) * spread, "approved")
            })
            .collect()
    }

    #[test]
    fn the_same_points_in_any_order_give_the_same_clusters() {
        let pts = scatter(500);
        let mut rev = pts.clone();
        rev.reverse();
        let (a, b) = (cluster(&pts, &spec(), 13.0, 19.1), cluster(&rev, &spec(), 13.0, 19.1));
        assert_eq!(summary(&a), summary(&b));
        let exact = |v: &[PrintFeature]| {
            let mut c: Vec<String> = v
                .iter()
                .filter(|f| is_cluster(&f.props))
                .map(|f| format!("{:?} {:?}", f.geom, f.props))
                .collect();
            c.sort();
            c
        };
        assert_eq!(exact(&a), exact(&b), "bit for bit");
        assert!(summary(&a).0.len() > 5, "{:?}", summary(&a));
    }

    #[test]
    fn two_neighbouring_tiles_agree_with_the_whole_and_each_other() {
        // Tiles of 512 CSS px at zoom 13 in Web Mercator; each reads the margin beyond its edges.
        let z = 13.0;
        let world = 2.0 * std::f64::consts::PI * 6_378_137.0;
        let size = world / 2f64.powf(z);
        let origin = -world / 2.0;
        let pts = scatter(2000);
        let s = spec();
        let whole = cluster(&pts, &s, z, size / 512.0);
        let (tx, ty) = (((8_563_000.0 - origin) / size).floor(), ((5_351_000.0 - origin) / size).floor());
        let mut seen = Vec::new();
        for dx in [0.0, 1.0] {
            let (x0, y0) = (origin + (tx + dx) * size, origin + ty * size);
            let (x1, y1) = (origin + (tx + dx + 1.0) * size, y0 + size);
            // The CRS units per px as this tile computes them.
            let per_px = (x1 - x0) / 512.0;
            let m = s.margin_px() * per_px;
            let read: Vec<PrintFeature> = pts
                .iter()
                .filter(|f| {
                    let (x, y) = point(f);
                    x >= x0 - m && x <= x1 + m && y >= y0 - m && y <= y1 + m
                })
                .cloned()
                .collect();
            let mine = cluster(&read, &s, z, per_px);
            // What the tile draws: clusters within a radius of it.
            let r = s.radius * per_px;
            let near = |v: &[PrintFeature]| {
                let v: Vec<PrintFeature> = v
                    .iter()
                    .filter(|f| {
                        let (x, y) = point(f);
                        is_cluster(&f.props) && x >= x0 - r && x <= x1 + r && y >= y0 - r && y <= y1 + r
                    })
                    .cloned()
                    .collect();
                summary(&v).0
            };
            assert_eq!(near(&mine), near(&whole), "tile {dx}");
            assert!(!near(&mine).is_empty());
            seen.push(near(&mine));
        }
        // The clusters both tiles draw (along their shared edge) are the same.
        let shared: Vec<_> = seen[0].iter().filter(|c| seen[1].contains(c)).collect();
        assert!(!shared.is_empty(), "no cluster along the shared edge: {seen:?}");
    }
}
