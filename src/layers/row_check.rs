//! Geometry checks of one imported row, made on the thread that reads the file (GDAL, whose GEOS is
//! PostGIS's GEOS) so that a bulk load into an empty layer can write rows straight into place
//! (layers/fresh_load.rs): validity, the rejection rules of `sql/stage_reject.sql` in the same order
//! and words, and the KATO code by the rule of `qala_kato_at` (the unit containing the feature's
//! point: the middle of its first line for lines, `ST_PointOnSurface` otherwise).
//!
//! A geometry GEOS calls invalid, or of a kind these checks do not cover (collections, curves), is
//! left to the database, which repairs it (`ST_MakeValid`) and checks it there.

use gdal::vector::Geometry;
use gdal::vector::OGRwkbGeometryType as T;
use geo::{Euclidean, InterpolatableLine, LineString, Point};

use super::kato::locate::KatoIndex;

/// What the checks say about a row's geometry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeomCheck {
    /// Valid and of the layer's dimension: store it as it is, with this KATO code.
    Ready { kato: Option<String> },
    /// Refused, with the same reason the database gives.
    Refused(String),
    /// Invalid or of an unusual kind: the database repairs and checks it.
    ToDatabase,
}

/// Checks `geom` (WGS84, 2D) for a layer of dimension `dim` (0 points, 1 lines, 2 polygons).
pub fn check(geom: &Geometry, dim: u8, kato: &KatoIndex) -> GeomCheck {
    let kind = gdal::vector::geometry_type_flatten(geom.geometry_type());
    let own_dim = match kind {
        T::wkbPoint | T::wkbMultiPoint => 0,
        T::wkbLineString | T::wkbMultiLineString => 1,
        T::wkbPolygon | T::wkbMultiPolygon => 2,
        _ => return GeomCheck::ToDatabase,
    };
    if !geom.is_valid() {
        return GeomCheck::ToDatabase;
    }
    if geom.is_empty() {
        return GeomCheck::Refused("geometry is empty".into());
    }
    let e = geom.envelope();
    if e.MinX < -180.0 || e.MaxX > 180.0 || e.MinY < -90.0 || e.MaxY > 90.0 {
        return GeomCheck::Refused(
            "coordinates outside longitude/latitude range after reprojection (wrong --srs?)".into(),
        );
    }
    if own_dim != dim {
        let holds = match dim {
            0 => "points",
            1 => "lines",
            _ => "polygons",
        };
        return GeomCheck::Refused(format!("geometry is {}, the layer holds {holds}", geom.geometry_name()));
    }
    let point = if own_dim == 1 { middle_of_first_line(geom) } else { point_on_surface(geom) };
    match point {
        Some(p) => GeomCheck::Ready { kato: kato.locate(p).map(str::to_string) },
        None => GeomCheck::ToDatabase,
    }
}

/// `ST_LineInterpolatePoint(ST_GeometryN(g, 1), 0.5)`: half way along the first line.
fn middle_of_first_line(geom: &Geometry) -> Option<Point> {
    let mut points = Vec::new();
    if geom.geometry_count() > 0 {
        geom.get_geometry(0).get_points(&mut points);
    } else {
        geom.get_points(&mut points);
    }
    let line: LineString = points.into_iter().map(|(x, y, _)| (x, y)).collect();
    line.point_at_ratio_from_start(&Euclidean, 0.5)
}

/// GEOS's interior point (`ST_PointOnSurface`, `OGR_G_PointOnSurface`). The gdal binding does not
/// wrap this call, and no Rust crate computes GEOS's point exactly, so this is the crate's one
/// `unsafe` block.
#[allow(unsafe_code)]
fn point_on_surface(geom: &Geometry) -> Option<Point> {
    // SAFETY: the handle of `geom` is valid while `geom` lives; the point GDAL returns is owned by
    // us, read, and destroyed before leaving.
    unsafe {
        let p = gdal_sys::OGR_G_PointOnSurface(geom.c_geometry());
        if p.is_null() {
            return None;
        }
        let point = (gdal_sys::OGR_G_IsEmpty(p) == 0)
            .then(|| Point::new(gdal_sys::OGR_G_GetX(p, 0), gdal_sys::OGR_G_GetY(p, 0)));
        gdal_sys::OGR_G_DestroyGeometry(p);
        point
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn index() -> KatoIndex {
        let unit = polygon![(x: 76.0, y: 43.0), (x: 77.0, y: 43.0), (x: 77.0, y: 44.0), (x: 76.0, y: 44.0)];
        KatoIndex::new(vec![("750000000".to_string(), 1.0, unit)])
    }

    fn wkt(s: &str) -> Geometry {
        Geometry::from_wkt(s).unwrap()
    }

    #[test]
    fn valid_rows_get_their_unit_and_invalid_ones_go_to_the_database() {
        let ready = |code: &str| GeomCheck::Ready { kato: Some(code.to_string()) };
        let k = index();
        assert_eq!(
            check(&wkt("POLYGON((76.1 43.1,76.2 43.1,76.2 43.2,76.1 43.1))"), 2, &k),
            ready("750000000")
        );
        assert_eq!(check(&wkt("POINT(76.5 43.5)"), 0, &k), ready("750000000"));
        // The first line's middle is inside, its end is not.
        assert_eq!(
            check(&wkt("MULTILINESTRING((76.2 43.5,77.6 43.5),(80 40,81 41))"), 1, &k),
            ready("750000000")
        );
        assert_eq!(check(&wkt("POINT(10 10)"), 0, &k), GeomCheck::Ready { kato: None });
        // A line that starts inside but whose middle is outside is outside.
        assert_eq!(check(&wkt("LINESTRING(76.9 43.5,78.9 43.5)"), 1, &k), GeomCheck::Ready { kato: None });
        // A bow tie is invalid: repaired by the database.
        assert_eq!(check(&wkt("POLYGON((76 43,77 44,77 43,76 44,76 43))"), 2, &k), GeomCheck::ToDatabase);
        assert_eq!(check(&wkt("GEOMETRYCOLLECTION(POINT(76.5 43.5))"), 0, &k), GeomCheck::ToDatabase);
    }

    #[test]
    fn refusals_say_what_the_database_says() {
        let k = index();
        assert_eq!(
            check(&wkt("POINT(76.5 43.5)"), 2, &k),
            GeomCheck::Refused("geometry is POINT, the layer holds polygons".into())
        );
        assert_eq!(
            check(&wkt("MULTIPOLYGON(((76.1 43.1,76.2 43.1,76.2 43.2,76.1 43.1)))"), 1, &k),
            GeomCheck::Refused("geometry is MULTIPOLYGON, the layer holds lines".into())
        );
        assert_eq!(
            check(&wkt("POINT(500000 4800000)"), 0, &k),
            GeomCheck::Refused(
                "coordinates outside longitude/latitude range after reprojection (wrong --srs?)".into()
            )
        );
        assert_eq!(check(&wkt("POINT EMPTY"), 0, &k), GeomCheck::Refused("geometry is empty".into()));
    }
}
