//! The hillshade of the registered DEMs (`tiles::terrain`), offered as the public raster
//! `hillshade` when a DEM is registered: Horn's method, sun from the north-west (azimuth 315°)
//! 45° above the horizon, on the elevation window under the request read with a margin of two
//! cells (one for Horn's neighbours, one for bilinear sampling) so that tiles join. DEM cells are
//! in degrees and heights in metres: the cell sizes are turned into metres at each row's latitude
//! (the z-factor). Drawn grey (the share of sunlight) at [`ALPHA`] so it can lie under or over
//! other layers; transparent outside the DEM and on its nodata.

use anyhow::{Context, Result};
use gdal::raster::ResampleAlg;

use super::read::{self, Request};
use super::{RasterDef, RasterKind};
use crate::layers::catalog::{AccessDef, Translated};
use crate::tiles::coords;
use crate::tiles::terrain::Dem;

/// Sun azimuth, degrees clockwise from north.
pub const AZIMUTH_DEG: f64 = 315.0;
/// Sun altitude above the horizon, degrees.
pub const ALTITUDE_DEG: f64 = 45.0;
/// Opacity of the hillshade, 0-255.
pub const ALPHA: u8 = 180;
/// Largest window of DEM cells read for one request, a side (larger ones are read reduced).
const MAX_CELLS: usize = 1024;
/// Metres per degree of latitude (and of longitude at the equator).
const M_PER_DEG: f64 = 111_320.0;

/// The `hillshade` raster over the DEMs, or `None` without DEMs.
pub fn definition(dems: &[Dem]) -> Option<RasterDef> {
    let first = dems.first()?;
    let mut b = [first.bounds[0], first.bounds[1], first.bounds[2], first.bounds[3]];
    for d in dems {
        b = [b[0].min(d.bounds[0]), b[1].min(d.bounds[1]), b[2].max(d.bounds[2]), b[3].max(d.bounds[3])];
    }
    let (x0, y0) = coords::lonlat_to_3857(b[0], b[1]);
    let (x1, y1) = coords::lonlat_to_3857(b[2], b[3]);
    let lat = (b[1] + b[3]) / 2.0;
    let cell = dems.iter().map(|d| d.cell_deg).fold(f64::MAX, f64::min);
    let max_zoom = dems.iter().map(Dem::max_zoom).max().unwrap_or(0);
    Some(RasterDef {
        id: super::HILLSHADE_ID.into(),
        title: Translated {
            kk: "Жер бедерінің көлеңкесі".into(),
            ru: "Отмывка рельефа".into(),
            en: "Hillshade".into(),
        },
        kind: RasterKind::Hillshade,
        access: AccessDef { public: true, ..Default::default() },
        file: String::new(),
        source_name: dems.iter().map(|d| d.id.as_str()).collect::<Vec<_>>().join(","),
        source_sha256: String::new(),
        source_crs: "EPSG:4326".into(),
        bounds_4326: b,
        bounds_3857: [x0, y0, x1, y1],
        resolution_m: cell * M_PER_DEG * lat.to_radians().cos(),
        bands: 2,
        min_zoom: super::min_zoom_for([x0, y0, x1, y1], max_zoom),
        max_zoom,
        nodata: None,
        created_by: "qala".into(),
        // Its version: the newest DEM's registration, so tiles of a DEM registered again are new.
        created_at: dems.iter().map(|d| d.registered_at).max().unwrap_or(chrono::DateTime::UNIX_EPOCH),
    })
}

/// The share of sunlight (0-1) on a cell by Horn's method, from its 3 x 3 neighbourhood `z`
/// (row by row, north first) and the cell sizes in metres.
///
/// ```
/// use qala::rasters::hillshade::shade;
/// let flat = shade([[0.0; 3]; 3], 30.0, 30.0);
/// assert!((flat - 45f64.to_radians().sin()).abs() < 1e-9);
/// // rising to the south-east: the slope faces the sun in the north-west
/// let lit = shade([[0.0, 10.0, 20.0], [10.0, 20.0, 30.0], [20.0, 30.0, 40.0]], 30.0, 30.0);
/// let dark = shade([[40.0, 30.0, 20.0], [30.0, 20.0, 10.0], [20.0, 10.0, 0.0]], 30.0, 30.0);
/// assert!(lit > flat && dark < flat);
/// ```
pub fn shade(z: [[f64; 3]; 3], dx_m: f64, dy_m: f64) -> f64 {
    let [[a, b, c], [d, _, f], [g, h, i]] = z;
    let dz_east = ((c + 2.0 * f + i) - (a + 2.0 * d + g)) / (8.0 * dx_m);
    let dz_north = ((a + 2.0 * b + c) - (g + 2.0 * h + i)) / (8.0 * dy_m);
    let (az, alt) = (AZIMUTH_DEG.to_radians(), ALTITUDE_DEG.to_radians());
    let sun = [az.sin() * alt.cos(), az.cos() * alt.cos(), alt.sin()];
    let normal = [-dz_east, -dz_north, 1.0];
    let len = (normal[0] * normal[0] + normal[1] * normal[1] + 1.0).sqrt();
    ((normal[0] * sun[0] + normal[1] * sun[1] + normal[2] * sun[2]) / len).max(0.0)
}

/// The hillshade under `req` from the first DEM it touches; `None` when it touches none.
/// Blocking (GDAL).
pub fn read(dems: &[Dem], req: &Request) -> Result<Option<tiny_skia::Pixmap>> {
    read::check_request(req.bbox, req.width, req.height)?;
    let lonlat =
        read::mapping(req)?.map_axes(|x| coords::from_3857(x, 0.0).0, |y| coords::from_3857(0.0, y).1);
    let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
    for (lon, lat) in lonlat.points().filter(|p| p.0.is_finite()) {
        (lo[0], lo[1], hi[0], hi[1]) = (lo[0].min(lon), lo[1].min(lat), hi[0].max(lon), hi[1].max(lat));
    }
    let touches =
        |d: &&Dem| lo[0] < d.bounds[2] && hi[0] > d.bounds[0] && lo[1] < d.bounds[3] && hi[1] > d.bounds[1];
    let Some(dem) = dems.iter().find(touches) else {
        return Ok(None);
    };
    let ds = gdal::Dataset::open(&dem.file).with_context(|| format!("cannot open {}", dem.file))?;
    let gt = ds.geo_transform()?;
    let (w, h) = ds.raster_size();
    let band = ds.rasterband(1)?;
    let nodata = band.no_data_value();
    let col = |lon: f64| (lon - gt[0]) / gt[1];
    let row = |lat: f64| (lat - gt[3]) / gt[5];
    let (ca, cb) = (col(lo[0]), col(hi[0]));
    let (ra, rb) = (row(lo[1]), row(hi[1]));
    let c0 = (ca.min(cb).floor() - 2.0).clamp(0.0, (w - 1) as f64) as usize;
    let c1 = (ca.max(cb).ceil() + 2.0).clamp(0.0, w as f64) as usize;
    let r0 = (ra.min(rb).floor() - 2.0).clamp(0.0, (h - 1) as f64) as usize;
    let r1 = (ra.max(rb).ceil() + 2.0).clamp(0.0, h as f64) as usize;
    let (ww, wh) = (c1.max(c0 + 1) - c0, r1.max(r0 + 1) - r0);
    let (bw, bh) = (ww.min(MAX_CELLS), wh.min(MAX_CELLS));
    let z = band
        .read_as::<f64>((c0 as isize, r0 as isize), (ww, wh), (bw, bh), Some(ResampleAlg::Average))?
        .into_shape_and_vec()
        .1;
    let (sx, sy) = (ww as f64 / bw as f64, wh as f64 / bh as f64);
    let valid = |v: f64| !v.is_nan() && nodata.is_none_or(|nd| v != nd);
    // The light on each cell of the window (NaN on nodata).
    let mut light = vec![f64::NAN; bw * bh];
    for y in 0..bh {
        let lat = gt[3] + (r0 as f64 + (y as f64 + 0.5) * sy) * gt[5];
        let dx = (gt[1] * sx).abs() * M_PER_DEG * lat.to_radians().cos();
        let dy = (gt[5] * sy).abs() * M_PER_DEG;
        for x in 0..bw {
            let centre = z[y * bw + x];
            if !valid(centre) {
                continue;
            }
            let mut n = [[centre; 3]; 3];
            for (j, line) in n.iter_mut().enumerate() {
                for (i, v) in line.iter_mut().enumerate() {
                    let yy = (y + j).saturating_sub(1).min(bh - 1);
                    let xx = (x + i).saturating_sub(1).min(bw - 1);
                    let s = z[yy * bw + xx];
                    *v = if valid(s) { s } else { centre };
                }
            }
            light[y * bw + x] = shade(n, dx, dy);
        }
    }
    let mut pixmap = tiny_skia::Pixmap::new(req.width, req.height).context("cannot allocate the image")?;
    let out = pixmap.data_mut();
    let alpha = f64::from(ALPHA);
    for j in 0..req.height {
        for i in 0..req.width {
            let (lon, lat) = lonlat.at(i, j);
            let (c, r) = (col(lon), row(lat));
            if !(c >= 0.0 && r >= 0.0 && c < w as f64 && r < h as f64) {
                continue;
            }
            let fx = ((c - c0 as f64) / sx - 0.5).clamp(0.0, (bw - 1) as f64);
            let fy = ((r - r0 as f64) / sy - 0.5).clamp(0.0, (bh - 1) as f64);
            let (x0, y0) = (fx.floor() as usize, fy.floor() as usize);
            let (x1, y1) = ((x0 + 1).min(bw - 1), (y0 + 1).min(bh - 1));
            let (tx, ty) = (fx.fract(), fy.fract());
            let mut sum = 0.0;
            let mut weight = 0.0;
            for (x, y, wgt) in [
                (x0, y0, (1.0 - tx) * (1.0 - ty)),
                (x1, y0, tx * (1.0 - ty)),
                (x0, y1, (1.0 - tx) * ty),
                (x1, y1, tx * ty),
            ] {
                let v = light[y * bw + x];
                if !v.is_nan() {
                    sum += v * wgt;
                    weight += wgt;
                }
            }
            if weight <= 0.0 {
                continue;
            }
            let grey = (sum / weight * alpha).round().clamp(0.0, alpha) as u8;
            let o = ((j * req.width + i) * 4) as usize;
            out[o..o + 4].copy_from_slice(&[grey, grey, grey, ALPHA]);
        }
    }
    Ok(Some(pixmap))
}
