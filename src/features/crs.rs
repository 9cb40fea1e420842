//! The coordinate reference systems of OGC API - Features Part 2 that Qala serves, by URI.
//!
//! Coordinates are written in the axis order of the CRS as its authority defines it: CRS84 is
//! longitude, latitude; EPSG:4326 latitude, longitude; EPSG:28413 (Pulkovo 1942 / Gauss-Kruger
//! zone 13) northing, easting; EPSG:3857 and EPSG:32643 (UTM 43N) easting, northing.
//!
//! ```
//! use qala::features::crs::Crs;
//! let c = Crs::from_uri("http://www.opengis.net/def/crs/EPSG/0/32643").unwrap();
//! assert_eq!((c.srid, c.flip), (32643, false));
//! assert!(Crs::from_uri("http://www.opengis.net/def/crs/EPSG/0/28413").unwrap().flip);
//! assert!(Crs::from_uri("EPSG:9999").is_none());
//! ```

/// A supported CRS: its URI, PostGIS SRID and whether the axes are swapped against PostGIS's
/// x = east / longitude.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crs {
    pub uri: &'static str,
    pub srid: i32,
    pub flip: bool,
}

pub const CRS84: Crs = Crs { uri: "http://www.opengis.net/def/crs/OGC/1.3/CRS84", srid: 4326, flip: false };

/// Every CRS Qala serves, CRS84 first (the default).
pub const SUPPORTED: &[Crs] = &[
    CRS84,
    Crs { uri: "http://www.opengis.net/def/crs/EPSG/0/4326", srid: 4326, flip: true },
    Crs { uri: "http://www.opengis.net/def/crs/EPSG/0/3857", srid: 3857, flip: false },
    Crs { uri: "http://www.opengis.net/def/crs/EPSG/0/32643", srid: 32643, flip: false },
    Crs { uri: "http://www.opengis.net/def/crs/EPSG/0/28413", srid: 28413, flip: true },
];

impl Crs {
    /// The CRS of a URI, also accepting the short forms `EPSG:n` and `CRS84`.
    pub fn from_uri(s: &str) -> Option<Crs> {
        let s = s.trim().trim_start_matches('[').trim_end_matches(']');
        let short = s.strip_prefix("EPSG:").map(|n| format!("http://www.opengis.net/def/crs/EPSG/0/{n}"));
        let s = match s {
            "CRS84" | "OGC:CRS84" => CRS84.uri,
            _ => short.as_deref().unwrap_or(s),
        };
        let s = s.replace("https://", "http://");
        SUPPORTED.iter().copied().find(|c| c.uri == s)
    }

    /// SQL that turns a WGS84 geometry expression into this CRS, axes in its order.
    pub fn from_wgs84_sql(&self, expr: &str) -> String {
        let t =
            if self.srid == 4326 { expr.to_string() } else { format!("ST_Transform({expr}, {})", self.srid) };
        if self.flip { format!("ST_FlipCoordinates({t})") } else { t }
    }

    /// SQL that turns a geometry expression in this CRS (axes in its order) into WGS84.
    pub fn to_wgs84_sql(&self, expr: &str) -> String {
        let g = if self.flip { format!("ST_FlipCoordinates({expr})") } else { expr.to_string() };
        let g = format!("ST_SetSRID({g}, {})", self.srid);
        if self.srid == 4326 { g } else { format!("ST_Transform({g}, 4326)") }
    }

    /// Decimal places that keep about a millimetre.
    pub fn precision(&self) -> i32 {
        if self.srid == 4326 { 8 } else { 3 }
    }
}

/// The `crs` list of a collection.
pub fn uris() -> Vec<&'static str> {
    SUPPORTED.iter().map(|c| c.uri).collect()
}

/// Every spelling [`Crs::from_uri`] reads for the CRSs that `keep` keeps: the URI (also with
/// `https`), the short form (`EPSG:3857`, `CRS84`, `OGC:CRS84`) and the short form in brackets
/// (a safe CURIE). For the OpenAPI document, whose enums list exactly what is accepted.
pub fn spellings(keep: impl Fn(&Crs) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for c in SUPPORTED.iter().filter(|c| keep(c)) {
        let shorts: Vec<String> = if *c == CRS84 {
            vec!["CRS84".into(), "OGC:CRS84".into()]
        } else {
            vec![format!("EPSG:{}", c.srid)]
        };
        out.push(c.uri.to_string());
        out.push(c.uri.replace("http://", "https://"));
        for s in shorts {
            out.push(format!("[{s}]"));
            out.push(s);
        }
    }
    out
}
