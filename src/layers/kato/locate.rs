//! The KATO unit of a point, answered in memory from the boundary parts (`kato_boundary_parts`):
//! the same rule as the database's `qala_kato_at`, the smallest unit (by area) whose boundary
//! contains the point, boundary included. Bulk imports use it on the thread that reads the file, so
//! that PostgreSQL does not spend a spatial join on every feature (layers/fresh_load.rs).
//!
//! ```
//! use geo::{Point, polygon};
//! use qala::layers::kato::locate::KatoIndex;
//! let region = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)];
//! let district = polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0)];
//! let index = KatoIndex::new(vec![
//!     ("750000000".to_string(), 100.0, region),
//!     ("751110000".to_string(), 4.0, district),
//! ]);
//! assert_eq!(index.locate(Point::new(1.0, 1.0)), Some("751110000"));
//! assert_eq!(index.locate(Point::new(5.0, 5.0)), Some("750000000"));
//! assert_eq!(index.locate(Point::new(2.0, 1.0)), Some("751110000"), "the boundary is inside");
//! assert_eq!(index.locate(Point::new(20.0, 5.0)), None);
//! ```

use geo::{BoundingRect, Intersects, Point, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// One piece of a unit's boundary (at most 128 vertices, as `qala_kato_boundary_parts` cuts them).
#[derive(Debug)]
struct Part {
    code: String,
    /// The whole unit's area, m² (the rule's tie-breaker: smallest first).
    area_m2: f64,
    polygon: Polygon,
}

/// Boundary parts in an R-tree of their boxes, in WGS84 degrees.
#[derive(Debug, Default)]
pub struct KatoIndex {
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    parts: Vec<Part>,
}

impl KatoIndex {
    /// An index of `(code, unit area in m², part polygon)`.
    pub fn new(parts: Vec<(String, f64, Polygon)>) -> KatoIndex {
        let parts: Vec<Part> =
            parts.into_iter().map(|(code, area_m2, polygon)| Part { code, area_m2, polygon }).collect();
        let boxes = parts
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let r = p.polygon.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect();
        KatoIndex { tree: RTree::bulk_load(boxes), parts }
    }

    /// Number of boundary parts held.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Whether no boundary is held (then every feature's code is `None`).
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The code of the smallest unit containing `p` (lon, lat), or `None` outside every boundary.
    /// Ties in area go to the lower code, so the answer does not depend on load order.
    pub fn locate(&self, p: Point) -> Option<&str> {
        let at = AABB::from_point([p.x(), p.y()]);
        self.tree
            .locate_in_envelope_intersecting(&at)
            .map(|b| &self.parts[b.data])
            .filter(|part| part.polygon.intersects(&p))
            .min_by(|a, b| a.area_m2.total_cmp(&b.area_m2).then_with(|| a.code.cmp(&b.code)))
            .map(|part| part.code.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn the_smallest_containing_unit_wins_whatever_the_order() {
        let big = polygon![(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 4.0)];
        let small = polygon![(x: 1.0, y: 1.0), (x: 3.0, y: 1.0), (x: 3.0, y: 3.0), (x: 1.0, y: 3.0)];
        for parts in [
            vec![("2".to_string(), 16.0, big.clone()), ("1".to_string(), 4.0, small.clone())],
            vec![("1".to_string(), 4.0, small), ("2".to_string(), 16.0, big)],
        ] {
            let index = KatoIndex::new(parts);
            assert_eq!(index.locate(Point::new(2.0, 2.0)), Some("1"));
            assert_eq!(index.locate(Point::new(0.5, 0.5)), Some("2"));
            assert_eq!(index.locate(Point::new(4.0, 4.0)), Some("2"), "a corner is on the boundary");
        }
    }

    #[test]
    fn a_hole_is_outside() {
        let ring = Polygon::new(
            vec![(0.0, 0.0), (6.0, 0.0), (6.0, 6.0), (0.0, 6.0), (0.0, 0.0)].into(),
            vec![vec![(2.0, 2.0), (4.0, 2.0), (4.0, 4.0), (2.0, 4.0), (2.0, 2.0)].into()],
        );
        let index = KatoIndex::new(vec![("1".to_string(), 32.0, ring)]);
        assert_eq!(index.locate(Point::new(3.0, 3.0)), None);
        assert_eq!(index.locate(Point::new(1.0, 3.0)), Some("1"));
        assert!(!index.is_empty());
        assert_eq!(KatoIndex::default().locate(Point::new(1.0, 1.0)), None);
    }
}
