//! Reading a registered raster (an EPSG:3857 GeoTIFF with overviews) under a bbox in any CRS:
//! the output pixels' centres are mapped to 3857 (exactly for 3857 and 4326, through GDAL on a
//! grid every [`GRID_STEP`] pixels for other CRSs), the window of the file under them is read
//! once at about the output's resolution (GDAL then reads the nearest overview, never full
//! resolution for a zoomed-out tile), and each output pixel is sampled bilinearly from it in
//! premultiplied RGBA. Blocking (GDAL): run in `spawn_blocking`.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use gdal::raster::{ColorInterpretation, ResampleAlg};
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};

use super::{MAX_READ_PX, RasterDef};

/// Output pixels between two points mapped through GDAL (others are interpolated).
pub const GRID_STEP: u32 = 8;

/// Open datasets kept per thread.
const DATASETS_PER_THREAD: usize = 8;

/// What to read: `bbox` in the CRS `srid` (x east, y north) at `width` x `height` pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request {
    pub srid: u32,
    pub bbox: [f64; 4],
    pub width: u32,
    pub height: u32,
}

/// Refuses an empty or inverted bbox and sizes beyond [`MAX_READ_PX`].
pub fn check_request(bbox: [f64; 4], width: u32, height: u32) -> Result<()> {
    if width == 0 || height == 0 || width > MAX_READ_PX || height > MAX_READ_PX {
        bail!("a raster read is 1 to {MAX_READ_PX} pixels a side, not {width} x {height}");
    }
    if bbox.iter().any(|v| !v.is_finite()) || bbox[0] >= bbox[2] || bbox[1] >= bbox[3] {
        bail!("the bbox {bbox:?} is empty or not finite");
    }
    Ok(())
}

/// Where each output pixel's centre lies in EPSG:3857.
#[derive(Debug, Clone)]
pub enum Mapping {
    /// x depends on the column only and y on the row only (3857, 4326).
    Separable { xs: Vec<f64>, ys: Vec<f64> },
    /// Points mapped every `step` pixels (row-major, `gw` a row), interpolated between.
    Grid { step: u32, gw: usize, xs: Vec<f64>, ys: Vec<f64> },
}

impl Mapping {
    /// The 3857 point of pixel (`i`, `j`) (NaN where the CRS cannot map it).
    pub fn at(&self, i: u32, j: u32) -> (f64, f64) {
        match self {
            Mapping::Separable { xs, ys } => (xs[i as usize], ys[j as usize]),
            Mapping::Grid { step, gw, xs, ys } => {
                let (k, l) = ((i / step) as usize, (j / step) as usize);
                let (tx, ty) =
                    (f64::from(i % step) / f64::from(*step), f64::from(j % step) / f64::from(*step));
                let lerp = |v: &[f64]| {
                    let top = v[l * gw + k] * (1.0 - tx) + v[l * gw + k + 1] * tx;
                    let bottom = v[(l + 1) * gw + k] * (1.0 - tx) + v[(l + 1) * gw + k + 1] * tx;
                    top * (1.0 - ty) + bottom * ty
                };
                (lerp(xs), lerp(ys))
            }
        }
    }

    /// The same mapping with `f` applied to each x and `g` to each y (for functions of one
    /// coordinate, such as EPSG:3857 to lon/lat).
    pub fn map_axes(self, f: impl Fn(f64) -> f64, g: impl Fn(f64) -> f64) -> Mapping {
        match self {
            Mapping::Separable { xs, ys } => Mapping::Separable {
                xs: xs.into_iter().map(f).collect(),
                ys: ys.into_iter().map(g).collect(),
            },
            Mapping::Grid { step, gw, xs, ys } => Mapping::Grid {
                step,
                gw,
                xs: xs.into_iter().map(f).collect(),
                ys: ys.into_iter().map(g).collect(),
            },
        }
    }

    /// The points it computed (every pixel's for separable mappings, the grid's otherwise).
    pub fn points(&self) -> Box<dyn Iterator<Item = (f64, f64)> + '_> {
        match self {
            Mapping::Separable { xs, ys } => {
                Box::new(ys.iter().flat_map(move |&y| xs.iter().map(move |&x| (x, y))))
            }
            Mapping::Grid { xs, ys, .. } => Box::new(xs.iter().copied().zip(ys.iter().copied())),
        }
    }
}

thread_local! {
    static TRANSFORMS: RefCell<Vec<(u32, u32, CoordTransform)>> = const { RefCell::new(Vec::new()) };
    static DATASETS: RefCell<Vec<(PathBuf, String, gdal::Dataset)>> = const { RefCell::new(Vec::new()) };
}

fn srs(epsg: u32) -> Result<SpatialRef> {
    let mut s =
        SpatialRef::from_epsg(epsg).with_context(|| format!("EPSG:{epsg} is not a CRS GDAL knows"))?;
    s.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(s)
}

/// Transforms points from EPSG `from` to EPSG `to` in place (x east, y north), with a
/// transformation cached per thread. Points GDAL cannot transform become NaN.
pub fn transform(from: u32, to: u32, xs: &mut [f64], ys: &mut [f64]) -> Result<()> {
    TRANSFORMS.with(|cell| {
        let mut cache = cell.borrow_mut();
        let pos = match cache.iter().position(|(f, t, _)| *f == from && *t == to) {
            Some(p) => p,
            None => {
                if cache.len() >= 16 {
                    cache.clear();
                }
                cache.push((from, to, CoordTransform::new(&srs(from)?, &srs(to)?)?));
                cache.len() - 1
            }
        };
        let mut zs = vec![0.0; xs.len()];
        if cache[pos].2.transform_coords(xs, ys, &mut zs).is_err() {
            // A batch with one point outside the CRS's area fails whole: map point by point.
            for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
                let (mut px, mut py, mut pz) = ([*x], [*y], [0.0]);
                match cache[pos].2.transform_coords(&mut px, &mut py, &mut pz) {
                    Ok(()) => (*x, *y) = (px[0], py[0]),
                    Err(_) => (*x, *y) = (f64::NAN, f64::NAN),
                }
            }
        }
        for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
            if !x.is_finite() || !y.is_finite() {
                (*x, *y) = (f64::NAN, f64::NAN);
            }
        }
        Ok(())
    })
}

/// The EPSG:3857 points of `req`'s pixel centres.
pub fn mapping(req: &Request) -> Result<Mapping> {
    let [x0, y0, x1, y1] = req.bbox;
    let (pw, ph) = ((x1 - x0) / f64::from(req.width), (y1 - y0) / f64::from(req.height));
    let col = |i: u32| x0 + (f64::from(i) + 0.5) * pw;
    let row = |j: u32| y1 - (f64::from(j) + 0.5) * ph;
    match req.srid {
        3857 => Ok(Mapping::Separable {
            xs: (0..req.width).map(col).collect(),
            ys: (0..req.height).map(row).collect(),
        }),
        4326 => Ok(Mapping::Separable {
            xs: (0..req.width).map(|i| crate::tiles::coords::lonlat_to_3857(col(i), 0.0).0).collect(),
            ys: (0..req.height).map(|j| crate::tiles::coords::lonlat_to_3857(0.0, row(j)).1).collect(),
        }),
        srid => {
            let (gw, gh) =
                (req.width.div_ceil(GRID_STEP) as usize + 1, req.height.div_ceil(GRID_STEP) as usize + 1);
            let mut xs = Vec::with_capacity(gw * gh);
            let mut ys = Vec::with_capacity(gw * gh);
            for l in 0..gh {
                for k in 0..gw {
                    xs.push(col(k as u32 * GRID_STEP));
                    ys.push(row(l as u32 * GRID_STEP));
                }
            }
            transform(srid, 3857, &mut xs, &mut ys)?;
            Ok(Mapping::Grid { step: GRID_STEP, gw, xs, ys })
        }
    }
}

/// Runs `f` with the dataset at `path` (opened once per thread while `version` is the same).
fn with_dataset<T>(path: &Path, version: &str, f: impl FnOnce(&gdal::Dataset) -> Result<T>) -> Result<T> {
    DATASETS.with(|cell| {
        let mut cache = cell.borrow_mut();
        let pos = match cache.iter().position(|(p, v, _)| p == path && v == version) {
            Some(p) => p,
            None => {
                cache.retain(|(p, _, _)| p != path);
                if cache.len() >= DATASETS_PER_THREAD {
                    cache.remove(0);
                }
                let ds =
                    gdal::Dataset::open(path).with_context(|| format!("cannot open {}", path.display()))?;
                cache.push((path.to_path_buf(), version.to_string(), ds));
                cache.len() - 1
            }
        };
        f(&cache[pos].2)
    })
}

/// Reads `req` from the raster `def` stored at `path` (see the module's documentation).
pub fn read(def: &RasterDef, path: &Path, req: &Request) -> Result<Option<tiny_skia::Pixmap>> {
    check_request(req.bbox, req.width, req.height)?;
    let map = mapping(req)?;
    let version = format!("{}/{}", def.source_sha256, def.created_at.timestamp_micros());
    with_dataset(path, &version, |ds| sample(ds, &map, req))
}

/// A window of the raster read into memory, premultiplied RGBA.
struct Window {
    /// Its first column and row in the file, and its size there.
    c0: f64,
    r0: f64,
    /// File pixels per buffer pixel.
    sx: f64,
    sy: f64,
    bw: usize,
    bh: usize,
    rgba: Vec<[f32; 4]>,
}

fn sample(ds: &gdal::Dataset, map: &Mapping, req: &Request) -> Result<Option<tiny_skia::Pixmap>> {
    let gt = ds.geo_transform()?;
    let (w, h) = ds.raster_size();
    let to_px = |(x, y): (f64, f64)| ((x - gt[0]) / gt[1], (y - gt[3]) / gt[5]);
    let inside = |(c, r): (f64, f64)| c >= 0.0 && r >= 0.0 && c < w as f64 && r < h as f64;
    // The window under the mapped points (with a cell of margin), and their spread in 3857.
    let (mut cmin, mut rmin, mut cmax, mut rmax) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    let (mut xmin, mut xmax, mut ymin, mut ymax) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    let mut any_inside = false;
    for p in map.points().filter(|p| p.0.is_finite()) {
        let (c, r) = to_px(p);
        any_inside |= inside((c, r));
        (cmin, cmax, rmin, rmax) = (cmin.min(c), cmax.max(c), rmin.min(r), rmax.max(r));
        (xmin, xmax, ymin, ymax) = (xmin.min(p.0), xmax.max(p.0), ymin.min(p.1), ymax.max(p.1));
    }
    if !any_inside {
        // The grid's points may all miss a raster smaller than a grid cell: look at every pixel.
        let hit = matches!(map, Mapping::Grid { .. })
            && (0..req.height).any(|j| (0..req.width).any(|i| inside(to_px(map.at(i, j)))));
        if !hit {
            return Ok(None);
        }
    }
    let c0 = (cmin.floor() - 1.0).clamp(0.0, w as f64 - 1.0) as usize;
    let r0 = (rmin.floor() - 1.0).clamp(0.0, h as f64 - 1.0) as usize;
    let c1 = (cmax.ceil() + 1.0).clamp(0.0, w as f64) as usize;
    let r1 = (rmax.ceil() + 1.0).clamp(0.0, h as f64) as usize;
    let (ww, wh) = ((c1.max(c0 + 1)) - c0, (r1.max(r0 + 1)) - r0);
    // Output pixel size in file pixels: read the window reduced to about the output's resolution.
    let out_px = ((xmax - xmin) / f64::from(req.width.max(2) - 1))
        .min((ymax - ymin) / f64::from(req.height.max(2) - 1));
    let factor = (out_px / gt[1].abs()).max(1.0);
    let cap = 2 * MAX_READ_PX as usize;
    let bw = ((ww as f64 / factor).ceil() as usize).clamp(1, cap).min(ww);
    let bh = ((wh as f64 / factor).ceil() as usize).clamp(1, cap).min(wh);
    let win = read_window(ds, (c0, r0, ww, wh), (bw, bh))?;
    let mut pixmap = tiny_skia::Pixmap::new(req.width, req.height).context("cannot allocate the image")?;
    let out = pixmap.data_mut();
    for j in 0..req.height {
        for i in 0..req.width {
            let p = map.at(i, j);
            if !p.0.is_finite() {
                continue;
            }
            let (c, r) = to_px(p);
            if !inside((c, r)) {
                continue;
            }
            let v = win.bilinear(c, r);
            let o = ((j * req.width + i) * 4) as usize;
            let a = v[3].clamp(0.0, 255.0);
            for k in 0..4 {
                out[o + k] = v[k].clamp(0.0, a).round() as u8;
            }
        }
    }
    Ok(Some(pixmap))
}

impl Window {
    /// The premultiplied colour at file pixel coordinates (`c`, `r`).
    fn bilinear(&self, c: f64, r: f64) -> [f32; 4] {
        let fx = ((c - self.c0) / self.sx - 0.5).clamp(0.0, (self.bw - 1) as f64);
        let fy = ((r - self.r0) / self.sy - 0.5).clamp(0.0, (self.bh - 1) as f64);
        let (x0, y0) = (fx.floor() as usize, fy.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.bw - 1), (y0 + 1).min(self.bh - 1));
        let (tx, ty) = (fx.fract() as f32, fy.fract() as f32);
        let px = |x: usize, y: usize| self.rgba[y * self.bw + x];
        let (a, b, c2, d) = (px(x0, y0), px(x1, y0), px(x0, y1), px(x1, y1));
        let mut v = [0.0; 4];
        for k in 0..4 {
            let top = a[k] * (1.0 - tx) + b[k] * tx;
            let bottom = c2[k] * (1.0 - tx) + d[k] * tx;
            v[k] = top * (1.0 - ty) + bottom * ty;
        }
        v
    }
}

/// Reads the window `(c0, r0, ww, wh)` of every band at `(bw, bh)` as premultiplied RGBA: one band
/// is grey, two grey and alpha, three RGB, four RGBA (or whichever band GDAL calls alpha); pixels
/// whose colour bands all equal the nodata value are transparent.
fn read_window(
    ds: &gdal::Dataset,
    (c0, r0, ww, wh): (usize, usize, usize, usize),
    (bw, bh): (usize, usize),
) -> Result<Window> {
    let count = ds.raster_count().clamp(1, 4);
    let mut alpha_band = None;
    let mut colour = Vec::new();
    for b in 1..=count {
        let band = ds.rasterband(b)?;
        let is_alpha = band.color_interpretation() == ColorInterpretation::AlphaBand
            || (alpha_band.is_none() && (count == 2 || count == 4) && b == count);
        let data = band
            .read_as::<u8>((c0 as isize, r0 as isize), (ww, wh), (bw, bh), Some(ResampleAlg::Bilinear))?
            .into_shape_and_vec()
            .1;
        if is_alpha && alpha_band.is_none() {
            alpha_band = Some(data);
        } else if colour.len() < 3 {
            colour.push((data, band.no_data_value()));
        }
    }
    if colour.is_empty() {
        bail!("the raster has no colour band");
    }
    let n = bw * bh;
    let mut rgba = Vec::with_capacity(n);
    for p in 0..n {
        let v: Vec<u8> = (0..3).map(|k| colour[k.min(colour.len() - 1)].0[p]).collect();
        let is_nodata = colour.iter().all(|(d, nd)| nd.is_some_and(|nd| f64::from(d[p]) == nd));
        let a = if is_nodata { 0.0 } else { alpha_band.as_ref().map_or(255.0, |a| f32::from(a[p])) };
        let f = a / 255.0;
        rgba.push([f32::from(v[0]) * f, f32::from(v[1]) * f, f32::from(v[2]) * f, a]);
    }
    Ok(Window {
        c0: c0 as f64,
        r0: r0 as f64,
        sx: ww as f64 / bw as f64,
        sy: wh as f64 / bh as f64,
        bw,
        bh,
        rgba,
    })
}
