//! The in-memory store of one layer: its live features in Web Mercator, with what a tile needs
//! of each (size, point rank, attributes as MVT values, the fields the scopes test), in R-trees
//! bucketed by the lowest zoom at which a feature is drawn, so that a low-zoom tile searches only
//! the few features wide enough to appear. Pure: no IO.

use std::collections::HashMap;
use std::sync::Arc;

use geo::{BoundingRect, Geometry};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::tiles::coords::{HALF_WORLD, MAX_ZOOM};

/// An attribute value as `ST_AsMVT` writes it from jsonb.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    Str(Box<str>),
    /// Non-negative integers.
    Uint(u64),
    /// Negative integers.
    Sint(i64),
    Double(f64),
    Bool(bool),
}

/// One live feature, as tiles read it.
#[derive(Debug, Clone)]
pub struct Feature {
    pub id: i64,
    /// Web Mercator metres (`geom_web`).
    pub geom: Geometry<f64>,
    /// `[xmin, ymin, xmax, ymax]` of `geom`, metres.
    pub bbox: [f64; 4],
    /// `web_size`: the larger side of the feature's box, metres.
    pub web_size: f64,
    /// `qala_point_rank(id)`, 0-255.
    pub rank: u8,
    /// The attributes with an MVT value, in jsonb order (nulls, objects and arrays are not written).
    pub attrs: Vec<(Box<str>, AttrValue)>,
    /// `name_kk_latn` added for layers with Kazakh names (a string).
    pub latin: Option<AttrValue>,
    pub owner_dept: Option<Box<str>>,
    pub created_by: Box<str>,
    /// `attrs.public` is JSON `true`.
    pub public: bool,
    /// What `attrs -> 'access' ?| keys` matches: array strings, object keys or the string itself.
    pub access: Vec<Box<str>>,
}

impl Feature {
    /// An estimate of the bytes this feature holds (geometry, attributes, strings, index entry).
    pub fn bytes(&self) -> usize {
        let coords = geo::CoordsIter::coords_count(&self.geom);
        let attrs: usize = self
            .attrs
            .iter()
            .map(|(k, v)| {
                k.len()
                    + std::mem::size_of::<(Box<str>, AttrValue)>()
                    + if let AttrValue::Str(s) = v { s.len() } else { 0 }
            })
            .sum();
        std::mem::size_of::<Feature>()
            + coords * 16
            + 64 // geometry containers (rings, parts)
            + attrs
            + if let Some(AttrValue::Str(s)) = &self.latin { s.len() + 24 } else { 0 }
            + self.owner_dept.as_ref().map_or(0, |s| s.len())
            + self.created_by.len()
            + self.access.iter().map(|s| s.len() + 16).sum::<usize>()
            + ENTRY_BYTES
    }
}

/// Index overhead per feature: the R-tree entry, the id map slot and the `Arc`.
const ENTRY_BYTES: usize = 48 + 32 + 16;

/// The bbox of a geometry, `None` when it is empty.
pub fn bbox_of(g: &Geometry<f64>) -> Option<[f64; 4]> {
    g.bounding_rect().map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// The pixel size in metres at zoom `z` (tiles drawn 256 pixels wide), as `TileCoord::pixel_m`.
pub fn pixel_m(z: u8) -> f64 {
    2.0 * HALF_WORLD / f64::from(1u32 << z) / 256.0
}

/// The lowest zoom at which a line or polygon of `web_size` metres passes the sub-pixel filter
/// (`web_size >= pixel`); `MAX_ZOOM + 1` when none does.
pub fn size_min_zoom(web_size: f64) -> u8 {
    (0..=MAX_ZOOM).find(|&z| web_size >= pixel_m(z)).unwrap_or(MAX_ZOOM + 1)
}

/// The lowest zoom at which a point of `rank` is kept by the thinning (`rank < point_rank_below`).
pub fn rank_min_zoom(rank: u8) -> u8 {
    (0..=MAX_ZOOM).find(|&z| u32::from(rank) < crate::tiles::point_rank_below(z)).unwrap_or(MAX_ZOOM + 1)
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, i64>;

fn entry(f: &Feature) -> Entry {
    let [a, b, c, d] = f.bbox;
    GeomWithData::new(Rectangle::from_corners([a, b], [c, d]), f.id)
}

/// The features of one layer, searchable by extent and zoom.
#[derive(Debug)]
pub struct LayerStore {
    /// Points are bucketed by rank, lines and polygons by size.
    points: bool,
    /// One R-tree per lowest zoom (index 0..=MAX_ZOOM+1).
    buckets: Vec<RTree<Entry>>,
    features: HashMap<i64, (u8, Arc<Feature>)>,
    bytes: usize,
}

impl LayerStore {
    /// A store of `features`, bulk-loaded.
    pub fn new(points: bool, features: Vec<Feature>) -> LayerStore {
        let mut per_bucket: Vec<Vec<Entry>> = vec![Vec::new(); usize::from(MAX_ZOOM) + 2];
        let mut map = HashMap::with_capacity(features.len());
        let mut bytes = 0;
        for f in features {
            let b = bucket_of(points, &f);
            per_bucket[usize::from(b)].push(entry(&f));
            bytes += f.bytes();
            map.insert(f.id, (b, Arc::new(f)));
        }
        let buckets = per_bucket.into_iter().map(RTree::bulk_load).collect();
        LayerStore { points, buckets, features: map, bytes }
    }

    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The estimated bytes held (see [`Feature::bytes`]).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn get(&self, id: i64) -> Option<&Arc<Feature>> {
        self.features.get(&id).map(|(_, f)| f)
    }

    /// Every feature (tests, comparisons).
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Feature>> {
        self.features.values().map(|(_, f)| f)
    }

    /// The features drawn at zoom `z` whose box meets `bbox` (metres).
    pub fn query(&self, z: u8, bbox: [f64; 4]) -> Vec<Arc<Feature>> {
        let env = AABB::from_corners([bbox[0], bbox[1]], [bbox[2], bbox[3]]);
        let mut out = Vec::new();
        for tree in self.buckets.iter().take(usize::from(z) + 1) {
            for e in tree.locate_in_envelope_intersecting(&env) {
                if let Some((_, f)) = self.features.get(&e.data) {
                    out.push(Arc::clone(f));
                }
            }
        }
        out
    }

    /// The ids of the features whose box meets `bbox`, at any zoom.
    pub fn ids_in(&self, bbox: [f64; 4]) -> Vec<i64> {
        let env = AABB::from_corners([bbox[0], bbox[1]], [bbox[2], bbox[3]]);
        self.buckets.iter().flat_map(|t| t.locate_in_envelope_intersecting(&env).map(|e| e.data)).collect()
    }

    /// Replaces the features in `region`: those in `fresh` are inserted or replaced, the others
    /// whose box meets `region` are removed (deleted, or moved out of it).
    pub fn replace_region(&mut self, region: [f64; 4], fresh: Vec<Feature>) {
        let keep: std::collections::HashSet<i64> = fresh.iter().map(|f| f.id).collect();
        for id in self.ids_in(region) {
            if !keep.contains(&id) {
                self.remove(id);
            }
        }
        for f in fresh {
            self.remove(f.id);
            let b = bucket_of(self.points, &f);
            self.buckets[usize::from(b)].insert(entry(&f));
            self.bytes += f.bytes();
            self.features.insert(f.id, (b, Arc::new(f)));
        }
    }

    fn remove(&mut self, id: i64) {
        if let Some((b, f)) = self.features.remove(&id) {
            self.buckets[usize::from(b)].remove(&entry(&f));
            self.bytes = self.bytes.saturating_sub(f.bytes());
        }
    }
}

fn bucket_of(points: bool, f: &Feature) -> u8 {
    if points { rank_min_zoom(f.rank) } else { size_min_zoom(f.web_size) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(id: i64, x: f64, size: f64) -> Feature {
        let geom = Geometry::Rect(geo::Rect::new((x, 0.0), (x + size, size)));
        Feature {
            id,
            bbox: bbox_of(&geom).unwrap_or_default(),
            geom,
            web_size: size,
            rank: 0,
            attrs: Vec::new(),
            latin: None,
            owner_dept: None,
            created_by: "t".into(),
            public: false,
            access: Vec::new(),
        }
    }

    #[test]
    fn buckets_follow_the_pixel_size() {
        assert_eq!(size_min_zoom(pixel_m(10)), 10);
        assert_eq!(size_min_zoom(pixel_m(10) * 0.99), 11);
        assert_eq!(size_min_zoom(1e9), 0);
        assert_eq!(size_min_zoom(0.0), MAX_ZOOM + 1);
        assert_eq!(rank_min_zoom(0), 0);
        assert_eq!(rank_min_zoom(255), 14);
        assert_eq!(rank_min_zoom(100), 13);
    }

    #[test]
    fn queries_skip_small_features_at_low_zoom_and_regions_replace() {
        let mut s = LayerStore::new(false, vec![feature(1, 0.0, 1000.0), feature(2, 5000.0, 1.0)]);
        assert_eq!(s.query(5, [-1e6, -1e6, 1e6, 1e6]).len(), 0);
        assert_eq!(s.query(10, [-1e6, -1e6, 1e6, 1e6]).len(), 1);
        assert_eq!(s.query(20, [-1e6, -1e6, 1e6, 1e6]).len(), 2);
        let before = s.bytes();
        // Feature 2 deleted and 3 added in a region; then 1 moved away from another.
        s.replace_region([4990.0, 0.0, 5020.0, 20.0], vec![feature(3, 5012.0, 2.0)]);
        assert_eq!(s.len(), 2);
        s.replace_region([-1.0, -1.0, 1.0, 1.0], vec![feature(1, 8000.0, 1000.0)]);
        assert_eq!(s.ids_in([7999.0, 0.0, 8001.0, 1.0]), vec![1]);
        assert!(s.ids_in([-1.0, -1.0, 1.0, 1.0]).is_empty());
        assert!(s.bytes() > 0 && s.bytes() <= before * 2);
    }
}
