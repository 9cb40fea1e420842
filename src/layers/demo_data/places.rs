//! Where things are in the demo city: its centre, the mountains, parks and the airport (nothing is
//! built there), industrial areas and the quarter of tall new housing.

use geo::{Coord, Distance, Euclidean, Intersects};

use super::frame::{c, ll_m};

/// The mountains begin south of this latitude: no buildings, no streets.
pub(super) const MOUNTAIN_LAT: f64 = 43.17;

/// The centre of the city, just west of Panfilov Park: buildings thin out and get lower from here.
pub(super) fn centre_m() -> Coord<f64> {
    ll_m(76.945, 43.256)
}

/// Parks and the airport: no buildings there. Centre (lon, lat) and radius in metres.
pub(super) const NO_BUILD: [(f64, f64, f64); 6] = [
    (76.966, 43.262, 450.0),   // Central Park
    (76.912, 43.222, 550.0),   // Main Botanical Garden
    (76.888, 43.188, 500.0),   // Presidential Park
    (76.955, 43.2585, 180.0),  // Panfilov Park
    (77.045, 43.352, 1_500.0), // Airport
    (76.936, 43.239, 150.0),   // Republic Square
];

/// Industrial areas: west, south, east longitude and north latitude.
pub(super) const INDUSTRIAL: [(f64, f64, f64, f64); 4] = [
    (76.900, 43.290, 76.990, 43.302), // along Ryskulov Avenue
    (76.930, 43.325, 76.995, 43.345), // around Almaty-1
    (76.800, 43.270, 76.860, 43.288), // western Alatau
    (77.000, 43.270, 77.030, 43.300), // eastern Turksib
];

/// The "golden square" of tall new housing south of Abay Avenue.
pub(super) const HIGH_RISE: (f64, f64, f64, f64) = (76.895, 43.205, 76.960, 43.232);

/// Whether the lon/lat point is in the box (west, south, east, north).
pub(super) fn in_box(ll: Coord<f64>, b: (f64, f64, f64, f64)) -> bool {
    geo::Rect::new(c(b.0, b.1), c(b.2, b.3)).intersects(&ll)
}

/// Whether the metric point is within `extra` metres of a park.
pub(super) fn near_park(m: Coord<f64>, extra: f64) -> bool {
    NO_BUILD[..4].iter().any(|&(x, y, r)| Euclidean.distance(m, ll_m(x, y)) < r + extra)
}

/// Whether the metric point is on the airport.
pub(super) fn in_airport(m: Coord<f64>) -> bool {
    let (x, y, r) = NO_BUILD[4];
    Euclidean.distance(m, ll_m(x, y)) < r
}

/// Whether the lon/lat point is in an industrial area.
pub(super) fn industrial(ll: Coord<f64>) -> bool {
    INDUSTRIAL.iter().any(|&b| in_box(ll, b))
}
