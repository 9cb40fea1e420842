//! Tile coordinates of the Web Mercator (EPSG:3857) XYZ scheme: validation, bounds, pixel size and
//! the tiles a bounding box touches. Pure.
//!
//! ```
//! use qala::tiles::coords::TileCoord;
//! let t = TileCoord::new(12, 2923, 1526).unwrap();
//! let [xmin, _, xmax, _] = t.bounds_3857();
//! assert!((xmax - xmin - 9783.94).abs() < 0.01); // metres across a z12 tile
//! assert!(TileCoord::new(3, 8, 0).is_none()); // x beyond 2^z - 1
//! ```

/// Half the width of the Web Mercator square, in metres.
pub const HALF_WORLD: f64 = 20_037_508.342_789_244;
/// Highest zoom Qala serves.
pub const MAX_ZOOM: u8 = 24;

/// A tile `z/x/y` (x to the east, y to the south, as XYZ services and MapLibre count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileCoord {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileCoord {
    /// The tile, or `None` when `z` exceeds [`MAX_ZOOM`] or `x`/`y` are outside `0..2^z`.
    pub fn new(z: u8, x: u32, y: u32) -> Option<TileCoord> {
        if z > MAX_ZOOM {
            return None;
        }
        let n = 1u64 << z;
        (u64::from(x) < n && u64::from(y) < n).then_some(TileCoord { z, x, y })
    }

    /// The tile at zoom `z` that contains a longitude/latitude (degrees).
    pub fn containing(lon: f64, lat: f64, z: u8) -> TileCoord {
        let (x, y, _, _) = tile_range([lon, lat, lon, lat], z.min(MAX_ZOOM));
        TileCoord { z: z.min(MAX_ZOOM), x, y }
    }

    /// Width of the tile in metres (EPSG:3857).
    pub fn size_m(&self) -> f64 {
        2.0 * HALF_WORLD / f64::from(1u32 << self.z)
    }

    /// `[xmin, ymin, xmax, ymax]` in EPSG:3857 metres.
    pub fn bounds_3857(&self) -> [f64; 4] {
        let s = self.size_m();
        let xmin = -HALF_WORLD + f64::from(self.x) * s;
        let ymax = HALF_WORLD - f64::from(self.y) * s;
        [xmin, ymax - s, xmin + s, ymax]
    }

    /// The size of one screen pixel in metres when the tile is drawn 256 pixels wide.
    pub fn pixel_m(&self) -> f64 {
        self.size_m() / 256.0
    }
}

/// Longitude/latitude (degrees) to EPSG:3857 metres; latitudes are clamped to the Mercator limit.
pub fn lonlat_to_3857(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-85.051_128_779_806_6, 85.051_128_779_806_6);
    let x = lon.to_radians() * 6_378_137.0;
    let y = (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln() * 6_378_137.0;
    (x, y)
}

/// EPSG:3857 metres to longitude/latitude (degrees).
pub fn from_3857(x: f64, y: f64) -> (f64, f64) {
    let lon = (x / 6_378_137.0).to_degrees();
    let lat = (2.0 * (y / 6_378_137.0).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
    (lon, lat)
}

/// The range of tiles at zoom `z` touching a WGS84 bbox `[min_lon, min_lat, max_lon, max_lat]`:
/// `(x_min, y_min, x_max, y_max)`, inclusive.
pub fn tile_range(bbox: [f64; 4], z: u8) -> (u32, u32, u32, u32) {
    let (x0, y0) = lonlat_to_3857(bbox[0], bbox[1]);
    let (x1, y1) = lonlat_to_3857(bbox[2], bbox[3]);
    let n = 1u32 << z;
    let size = 2.0 * HALF_WORLD / f64::from(n);
    let col = |x: f64| (((x + HALF_WORLD) / size).floor().max(0.0) as u32).min(n - 1);
    let row = |y: f64| (((HALF_WORLD - y) / size).floor().max(0.0) as u32).min(n - 1);
    (col(x0.min(x1)), row(y0.max(y1)), col(x0.max(x1)), row(y0.min(y1)))
}

/// Whether the tile touches a WGS84 bbox (edges included).
pub fn touches(t: &TileCoord, bbox: [f64; 4]) -> bool {
    let (x0, y0, x1, y1) = tile_range(bbox, t.z);
    (x0..=x1).contains(&t.x) && (y0..=y1).contains(&t.y)
}

/// Whether the tile, grown by `buffer` of its width on every side, touches a WGS84 bbox.
pub fn touches_with_buffer(t: &TileCoord, bbox: [f64; 4], buffer: f64) -> bool {
    let [xmin, ymin, xmax, ymax] = t.bounds_3857();
    let pad = t.size_m() * buffer;
    let (bx0, by0) = lonlat_to_3857(bbox[0], bbox[1]);
    let (bx1, by1) = lonlat_to_3857(bbox[2], bbox[3]);
    bx1 >= xmin - pad && bx0 <= xmax + pad && by1 >= ymin - pad && by0 <= ymax + pad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_coordinates() {
        assert!(TileCoord::new(0, 0, 0).is_some());
        assert!(TileCoord::new(0, 1, 0).is_none());
        assert!(TileCoord::new(25, 0, 0).is_none());
        assert!(TileCoord::new(24, (1 << 24) - 1, 0).is_some());
    }

    #[test]
    fn bounds_of_the_world_and_of_almaty() {
        let w = TileCoord::new(0, 0, 0).unwrap().bounds_3857();
        assert_eq!(w, [-HALF_WORLD, -HALF_WORLD, HALF_WORLD, HALF_WORLD]);
        // Abay/Dostyk lies in z14 tile 11693/6005 (the slippy-map formula, computed independently).
        let (x0, y0, x1, y1) = tile_range([76.9457, 43.2379, 76.9457, 43.2379], 14);
        assert_eq!((x0, y0, x1, y1), (11693, 6005, 11693, 6005));
        let t = TileCoord::new(14, 11693, 6005).unwrap();
        assert!(touches(&t, [76.94, 43.23, 76.95, 43.24]));
        assert!(!touches(&t, [76.0, 43.0, 76.1, 43.1]));
        let (lon, lat) = from_3857(lonlat_to_3857(76.9457, 43.2379).0, lonlat_to_3857(76.9457, 43.2379).1);
        assert!((lon - 76.9457).abs() < 1e-9 && (lat - 43.2379).abs() < 1e-9);
    }

    #[test]
    fn the_buffer_reaches_into_the_neighbour() {
        let t = TileCoord::new(14, 11693, 6005).unwrap();
        let [_, _, xmax, ymax] = t.bounds_3857();
        // A point just east of the tile, inside the buffer (1/64 of 2446 m = 38 m).
        let (lon, lat) = from_3857(xmax + 20.0, ymax - 100.0);
        assert!(!touches(&t, [lon, lat, lon, lat]));
        assert!(touches_with_buffer(&t, [lon, lat, lon, lat], 1.0 / 64.0));
        let (lon, lat) = from_3857(xmax + 60.0, ymax - 100.0);
        assert!(!touches_with_buffer(&t, [lon, lat, lon, lat], 1.0 / 64.0));
    }

    #[test]
    fn a_bbox_covers_a_block_of_tiles() {
        let (x0, y0, x1, y1) = tile_range([76.75, 43.15, 77.10, 43.40], 12);
        assert!(x1 > x0 && y1 > y0);
        assert_eq!(tile_range([-180.0, -90.0, 180.0, 90.0], 2), (0, 0, 3, 3));
    }
}
