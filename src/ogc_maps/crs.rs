//! The CRSs of the map services (pure): their names in WMS 1.3.0, the axis order of `BBOX`, and
//! the area a request's box must lie in.
//!
//! Axis order (WMS 1.3.0, 6.7.3.3: "the order of the axes is that of the CRS definition"), as
//! GeoServer and MapServer do it:
//! - `EPSG:4326`: latitude, longitude (EPSG's axis order); `CRS:84`: longitude, latitude.
//! - `EPSG:3857` and `EPSG:32643` (WGS 84 / UTM 43N): easting, northing (EPSG's order).
//! - `EPSG:28413` (Pulkovo 1942 / Gauss-Krüger zone 13): EPSG defines it northing (X) first,
//!   easting (Y) second (coordinate system 4530); MapServer's table of inverted axes and
//!   GeoServer both flip it, so `BBOX=minN,minE,maxN,maxE`.
//!
//! The allowed area is a box in the CRS's own units, wider than the area of use: Web Mercator's
//! square, the globe for geographic CRSs, and for the two transverse Mercator zones the band
//! within about 3 degrees of the zone (the print's areas, where PROJ's projection stays exact).

/// A CRS of the map services.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapCrs {
    /// As named in requests and capabilities (`EPSG:4326`, `CRS:84`).
    pub name: &'static str,
    /// The SRID in PostGIS.
    pub srid: u32,
    /// `BBOX` and `TopLeftCorner` give the northing (latitude) first.
    pub north_first: bool,
    /// Degrees (geographic) rather than metres.
    pub geographic: bool,
    /// The box a request must lie in: min x, min y, max x, max y in PostGIS order (x = easting or
    /// longitude).
    pub area: [f64; 4],
    pub title: &'static str,
}

/// Web Mercator's half width, metres.
pub const MERC_MAX: f64 = 20_037_508.342_789_244;

/// The CRSs served, in the order capabilities list them.
pub const MAP_CRS: [MapCrs; 5] = [
    MapCrs {
        name: "EPSG:3857",
        srid: 3857,
        north_first: false,
        geographic: false,
        area: [-MERC_MAX, -MERC_MAX, MERC_MAX, MERC_MAX],
        title: "WGS 84 / Pseudo-Mercator",
    },
    MapCrs {
        name: "EPSG:4326",
        srid: 4326,
        north_first: true,
        geographic: true,
        area: [-180.0, -90.0, 180.0, 90.0],
        title: "WGS 84",
    },
    MapCrs {
        name: "CRS:84",
        srid: 4326,
        north_first: false,
        geographic: true,
        area: [-180.0, -90.0, 180.0, 90.0],
        title: "WGS 84 (longitude, latitude)",
    },
    // 69-81 E, 0-84 N: the eastings of zone 43 from its meridian (75 E) +- 6 degrees.
    MapCrs {
        name: "EPSG:32643",
        srid: 32643,
        north_first: false,
        geographic: false,
        area: [-200_000.0, 0.0, 1_200_000.0, 9_400_000.0],
        title: "WGS 84 / UTM zone 43N",
    },
    // Zone 13 (75 E) with its 13 500 000 false easting; 32-84 N.
    MapCrs {
        name: "EPSG:28413",
        srid: 28413,
        north_first: true,
        geographic: false,
        area: [12_800_000.0, 3_500_000.0, 14_200_000.0, 9_400_000.0],
        title: "Pulkovo 1942 / Gauss-Kruger zone 13",
    },
];

/// The CRS named `name` (case-insensitive; the OGC URN and URL forms of the EPSG codes too).
pub fn map_crs(name: &str) -> Option<MapCrs> {
    let n = name.trim().to_ascii_uppercase();
    let n = n
        .strip_prefix("URN:OGC:DEF:CRS:EPSG::")
        .map(|c| format!("EPSG:{c}"))
        .or_else(|| n.strip_prefix("HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/0/").map(|c| format!("EPSG:{c}")))
        .or_else(|| (n == "URN:OGC:DEF:CRS:OGC:1.3:CRS84").then(|| "CRS:84".to_string()))
        .unwrap_or(n);
    MAP_CRS.iter().copied().find(|c| c.name == n)
}

impl MapCrs {
    /// A `BBOX` in the CRS's axis order turned into PostGIS order (min x, min y, max x, max y).
    pub fn bbox_to_xy(&self, b: [f64; 4]) -> [f64; 4] {
        if self.north_first { [b[1], b[0], b[3], b[2]] } else { b }
    }

    /// A box in PostGIS order written in the CRS's axis order (capabilities' `BoundingBox`).
    pub fn xy_to_bbox(&self, b: [f64; 4]) -> [f64; 4] {
        self.bbox_to_xy(b)
    }

    /// Whether a box (PostGIS order) lies inside the allowed area.
    pub fn contains(&self, b: [f64; 4]) -> bool {
        b[0] >= self.area[0] && b[1] >= self.area[1] && b[2] <= self.area[2] && b[3] <= self.area[3]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_axis_order() {
        let c = map_crs("epsg:4326").unwrap();
        assert!(c.north_first);
        assert_eq!(c.bbox_to_xy([43.0, 76.0, 44.0, 77.0]), [76.0, 43.0, 77.0, 44.0]);
        let c = map_crs("CRS:84").unwrap();
        assert_eq!(c.bbox_to_xy([76.0, 43.0, 77.0, 44.0]), [76.0, 43.0, 77.0, 44.0]);
        assert!(map_crs("urn:ogc:def:crs:OGC:1.3:CRS84").is_some_and(|c| !c.north_first));
        assert!(map_crs("urn:ogc:def:crs:EPSG::28413").is_some_and(|c| c.north_first));
        assert!(!map_crs("EPSG:32643").unwrap().north_first);
        assert!(!map_crs("EPSG:3857").unwrap().north_first);
        assert!(map_crs("EPSG:2154").is_none());
        assert!(map_crs("EPSG:").is_none());
    }

    #[test]
    fn area() {
        let c = map_crs("EPSG:3857").unwrap();
        assert!(c.contains([8_500_000.0, 5_300_000.0, 8_600_000.0, 5_400_000.0]));
        assert!(!c.contains([8_500_000.0, 5_300_000.0, 30_000_000.0, 5_400_000.0]));
        let g = map_crs("EPSG:28413").unwrap();
        // Almaty, northing first in the request.
        assert!(g.contains(g.bbox_to_xy([4_790_000.0, 13_650_000.0, 4_800_000.0, 13_660_000.0])));
        assert!(!g.contains([650_000.0, 4_790_000.0, 660_000.0, 4_800_000.0]));
    }
}
