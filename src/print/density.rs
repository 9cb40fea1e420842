//! Heat maps (pure): MapLibre's `heatmap` style layers drawn as an RGBA image over a map frame,
//! the same on a PDF page and on an image surface.
//!
//! As in MapLibre, every point adds `weight * intensity * GAUSS_COEF * exp(-4.5 (d / r)^2)` to the
//! density at distance `d` (CSS px scaled to the surface), `r` being `heatmap-radius`; the
//! density `t` is coloured by `heatmap-color` evaluated at `["heatmap-density"] = t` (a ramp of
//! 256 colours, like MapLibre's texture) and multiplied by `heatmap-opacity`. `heatmap-weight` is
//! evaluated per feature; `heatmap-radius`, `heatmap-intensity` and `heatmap-opacity` per layer
//! (at the zoom). Only point geometries count (MapLibre also counts the vertices of lines and
//! polygons; a print does not).
//!
//! The density is computed on a grid of about eight cells per radius (points spread over their
//! four nearest cells, a separable Gaussian cut at 1.5 radii) and sampled bilinearly at every
//! image pixel, so the cost does not grow with the radius on a 300 dpi page. Bounds: at most
//! [`MAX_POINTS`] points per layer (the rest are left out and logged), a grid of at most
//! [`MAX_GRID_SIDE`] cells a side, an image of at most [`MAX_IMAGE_SIDE`] pixels a side and
//! [`MAX_IMAGE_PIXELS`] in all (the surface stretches it over the frame). Points within 1.5 radii
//! outside the frame count, so tiles fetched with [`margin_px`] of buffer join without seams.

use geo::Geometry;
use serde_json::{Value, json};

use super::expr::{HEATMAP_DENSITY, Props};
use super::layout::Box2;
use super::map::{Frame, PrintFeature};
use super::style::{Kind, PrintStyle, Rgba, StyleLayer};
use super::surface::{RgbaImage, Surface};

/// Points one heat map layer takes; the rest are left out.
pub const MAX_POINTS: usize = 250_000;
/// Cells of the density grid, a side.
pub const MAX_GRID_SIDE: usize = 1024;
/// Pixels of the image a side.
pub const MAX_IMAGE_SIDE: u32 = 2048;
/// Pixels of the image in all (16 MB of RGBA).
pub const MAX_IMAGE_PIXELS: u64 = 4 * 1024 * 1024;

/// MapLibre's `1 / sqrt(2 pi)`.
const GAUSS_COEF: f64 = 0.398_942_280_401_432_7;
/// Where the kernel is cut, in radii (`exp(-4.5 * 1.5^2)` = 4e-5, far below a colour step).
const CUTOFF: f64 = 1.5;
/// Grid cells per radius.
const CELLS_PER_RADIUS: f64 = 8.0;

/// The evaluated paint of a heat map layer.
#[derive(Debug, Clone)]
pub struct Heat {
    /// CSS px.
    pub radius: f64,
    pub intensity: f64,
    pub opacity: f64,
    /// `heatmap-color` at densities 0/255 ..= 255/255, straight RGBA.
    pub ramp: Vec<[u8; 4]>,
}

impl Heat {
    /// The layer's paint at zoom `z` (MapLibre's defaults for what it does not set).
    pub fn of(sl: &StyleLayer, z: f64) -> Heat {
        let none = Props::new();
        let color = sl.raw("heatmap-color").cloned().unwrap_or_else(default_color);
        Heat {
            radius: sl.number("heatmap-radius", &none, z, 30.0).clamp(1.0, 500.0),
            intensity: sl.number("heatmap-intensity", &none, z, 1.0).max(0.0),
            opacity: sl.number("heatmap-opacity", &none, z, 1.0).clamp(0.0, 1.0),
            ramp: ramp(&color, z),
        }
    }

    /// The colour of density `t` (straight RGBA with the layer's opacity).
    pub fn color(&self, t: f64) -> [u8; 4] {
        let i = (t.clamp(0.0, 1.0) * 255.0).round() as usize;
        let [r, g, b, a] = self.ramp[i.min(255)];
        [r, g, b, (f64::from(a) * self.opacity).round() as u8]
    }
}

/// MapLibre's default `heatmap-color`.
pub fn default_color() -> Value {
    json!([
        "interpolate",
        ["linear"],
        ["heatmap-density"],
        0,
        "rgba(0, 0, 255, 0)",
        0.1,
        "royalblue",
        0.3,
        "cyan",
        0.5,
        "lime",
        0.7,
        "yellow",
        1,
        "red"
    ])
}

/// `color` (an expression of `["heatmap-density"]`) at 256 densities.
pub fn ramp(color: &Value, z: f64) -> Vec<[u8; 4]> {
    let mut p = Props::new();
    (0..256)
        .map(|i| {
            p.insert(HEATMAP_DENSITY.into(), json!(f64::from(i) / 255.0));
            let c = super::expr::eval(color, &p, z).as_str().and_then(Rgba::parse).unwrap_or(Rgba {
                r: 0.0,
                g: 0.0,
                b: 0.0,
                a: 0.0,
            });
            let q = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
            [q(c.r), q(c.g), q(c.b), q(c.a)]
        })
        .collect()
}

/// A weighted point on the surface.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeatPoint {
    pub x: f64,
    pub y: f64,
    pub weight: f64,
}

/// The points a heat map layer draws: the point geometries (on the surface) of the features that
/// pass its filter, weighted by `heatmap-weight` (negative weights count as 0), at most
/// [`MAX_POINTS`].
pub fn points<'a>(
    sl: &StyleLayer,
    z: f64,
    features: impl IntoIterator<Item = (&'a Props, &'a [(f64, f64)])>,
) -> Vec<HeatPoint> {
    let mut out = Vec::new();
    let mut left_out = 0usize;
    for (p, pts) in features {
        if pts.is_empty() || !sl.passes(p, z) {
            continue;
        }
        let weight = sl.number("heatmap-weight", p, z, 1.0).max(0.0);
        if weight == 0.0 {
            continue;
        }
        for &(x, y) in pts {
            if out.len() < MAX_POINTS {
                out.push(HeatPoint { x, y, weight });
            } else {
                left_out += 1;
            }
        }
    }
    if left_out > 0 {
        tracing::warn!(layer = %sl.id, left_out, "heat map: more than {MAX_POINTS} points, the rest left out");
    }
    out
}

/// The image of a heat map over `frame` (surface units, y up; `px` surface units per CSS px):
/// `None` when nothing is hot enough to show.
pub fn image(heat: &Heat, points: &[HeatPoint], frame: Box2, px: f64) -> Option<RgbaImage> {
    let (w, h) = image_size(frame, px)?;
    let d = density(heat, points, frame, px, w, h);
    let mut data = Vec::with_capacity(d.len() * 4);
    for t in &d {
        data.extend_from_slice(&heat.color(*t));
    }
    if data.chunks_exact(4).all(|c| c[3] == 0) {
        return None;
    }
    RgbaImage::new(w, h, data)
}

/// The heat map image of style layer `sl` over `frame` from features' points on the surface.
pub fn heat_image<'a>(
    sl: &StyleLayer,
    z: f64,
    frame: Box2,
    px: f64,
    features: impl IntoIterator<Item = (&'a Props, &'a [(f64, f64)])>,
) -> Option<RgbaImage> {
    let pts = points(sl, z, features);
    if pts.is_empty() {
        return None;
    }
    image(&Heat::of(sl, z), &pts, frame, px)
}

/// Draws heat map layer `sl` over `frame` from the point geometries of `features` (a layer's
/// features as read, before any clustering).
pub fn draw(surface: &mut dyn Surface, sl: &StyleLayer, z: f64, frame: &Frame, features: &[PrintFeature]) {
    let on_page: Vec<(&Props, Vec<(f64, f64)>)> = features
        .iter()
        .map(|f| {
            let pts = match &f.geom {
                Geometry::Point(p) => vec![frame.to_page(p.x(), p.y())],
                Geometry::MultiPoint(m) => m.0.iter().map(|p| frame.to_page(p.x(), p.y())).collect(),
                _ => Vec::new(),
            };
            (&f.props, pts)
        })
        .collect();
    let px = surface.px();
    if let Some(img) = heat_image(sl, z, frame.page, px, on_page.iter().map(|(p, v)| (*p, v.as_slice()))) {
        surface.image(&img, frame.page);
    }
}

/// The image's pixels: a whole number of pixels per surface unit (a PDF point: 2, 192 dpi; an
/// image surface: 1), within the bounds.
pub fn image_size(frame: Box2, px: f64) -> Option<(u32, u32)> {
    if !(frame.w() > 0.0 && frame.h() > 0.0 && px > 0.0) {
        return None;
    }
    let per_unit = (1.0 / px).ceil().max(1.0);
    let (mut w, mut h) = (frame.w() * per_unit, frame.h() * per_unit);
    let side = f64::from(MAX_IMAGE_SIDE);
    let shrink = (side / w).min(side / h).min((MAX_IMAGE_PIXELS as f64 / (w * h)).sqrt()).min(1.0);
    w = (w * shrink).round().max(1.0);
    h = (h * shrink).round().max(1.0);
    Some((w as u32, h as u32))
}

/// The density at the centre of each of `w` x `h` pixels over `frame` (rows from the top).
pub fn density(heat: &Heat, points: &[HeatPoint], frame: Box2, px: f64, w: u32, h: u32) -> Vec<f64> {
    let r = heat.radius * px;
    let margin = CUTOFF * r;
    let (ew, eh) = (frame.w() + 2.0 * margin, frame.h() + 2.0 * margin);
    let pixel = (frame.w() / f64::from(w)).min(frame.h() / f64::from(h));
    let side = MAX_GRID_SIDE as f64;
    let g = (r / CELLS_PER_RADIUS).max(pixel).max(ew / side).max(eh / side);
    let (nx, ny) = ((ew / g).ceil() as usize + 1, (eh / g).ceil() as usize + 1);
    let (gx0, gy0) = (frame.x0 - margin, frame.y0 - margin);
    let mut grid = vec![0.0f64; nx * ny];
    for p in points {
        let (u, v) = ((p.x - gx0) / g - 0.5, (p.y - gy0) / g - 0.5);
        if !(u > -1.0 && v > -1.0 && u < nx as f64 && v < ny as f64) {
            continue;
        }
        let (i0, j0) = (u.floor(), v.floor());
        let (fx, fy) = (u - i0, v - j0);
        for (di, wx) in [(0, 1.0 - fx), (1, fx)] {
            for (dj, wy) in [(0, 1.0 - fy), (1, fy)] {
                let (i, j) = (i0 as i64 + di, j0 as i64 + dj);
                if i >= 0 && j >= 0 && (i as usize) < nx && (j as usize) < ny {
                    grid[j as usize * nx + i as usize] += p.weight * wx * wy;
                }
            }
        }
    }
    // The separable kernel in cells. MapLibre's kernel is a Gaussian of variance (r/3)^2; the
    // spread over four cells and the bilinear sampling each add g^2/6 to it along each axis, so
    // the kernel's own variance is that much smaller and its height makes up for it (the same
    // total weight over a wider bell).
    let var = (r / 3.0).powi(2);
    let kernel_var = (var - g * g / 3.0).max(var / 4.0);
    let reach = (CUTOFF * r / g).ceil() as i64;
    let taps: Vec<f64> =
        (-reach..=reach).map(|t| (-(t as f64 * g).powi(2) / (2.0 * kernel_var)).exp()).collect();
    let grid = blur(&grid, nx, ny, &taps, true);
    let grid = blur(&grid, nx, ny, &taps, false);
    let scale = GAUSS_COEF * heat.intensity * var / kernel_var;
    let at = |i: i64, j: i64| -> f64 {
        if i < 0 || j < 0 || i as usize >= nx || j as usize >= ny {
            0.0
        } else {
            grid[j as usize * nx + i as usize]
        }
    };
    let mut out = Vec::with_capacity(w as usize * h as usize);
    for row in 0..h {
        let y = frame.y1 - (f64::from(row) + 0.5) * frame.h() / f64::from(h);
        let v = (y - gy0) / g - 0.5;
        let (j0, fy) = (v.floor() as i64, v - v.floor());
        for col in 0..w {
            let x = frame.x0 + (f64::from(col) + 0.5) * frame.w() / f64::from(w);
            let u = (x - gx0) / g - 0.5;
            let (i0, fx) = (u.floor() as i64, u - u.floor());
            let top = at(i0, j0) * (1.0 - fx) + at(i0 + 1, j0) * fx;
            let bottom = at(i0, j0 + 1) * (1.0 - fx) + at(i0 + 1, j0 + 1) * fx;
            out.push(scale * (top * (1.0 - fy) + bottom * fy));
        }
    }
    out
}

/// One pass of a separable convolution, along rows (`horizontal`) or columns.
fn blur(src: &[f64], nx: usize, ny: usize, taps: &[f64], horizontal: bool) -> Vec<f64> {
    let reach = (taps.len() / 2) as i64;
    let mut out = vec![0.0; src.len()];
    let (len, lines) = if horizontal { (nx, ny) } else { (ny, nx) };
    let idx = |line: usize, k: usize| if horizontal { line * nx + k } else { k * nx + line };
    for line in 0..lines {
        for k in 0..len {
            let v = src[idx(line, k)];
            if v == 0.0 {
                continue;
            }
            for (t, tap) in taps.iter().enumerate() {
                let m = k as i64 + t as i64 - reach;
                if m >= 0 && (m as usize) < len {
                    out[idx(line, m as usize)] += v * tap;
                }
            }
        }
    }
    out
}

/// A heat map's legend: its ramp from a fifth of the density up, with the layer's opacity.
pub fn legend_colors(sl: &StyleLayer, z: f64) -> Vec<Rgba> {
    let heat = Heat::of(sl, z);
    [0.2, 0.4, 0.6, 0.8, 1.0]
        .iter()
        .map(|t| {
            let [r, g, b, a] = heat.color(*t);
            let c = |v: u8| f32::from(v) / 255.0;
            Rgba { r: c(r), g: c(g), b: c(b), a: c(a) }
        })
        .collect()
}

/// The CSS px a tile or image must read beyond its edges so that the heat maps and clusters of
/// `layer` at zoom `z` come out whole (1.5 heat radii; a cluster cell and the largest circle).
pub fn margin_px(style: &PrintStyle, layer: &str, z: f64) -> f64 {
    let none = Props::new();
    let heat = style
        .for_layer(layer, z)
        .filter(|l| l.kind == Kind::Heatmap)
        .map(|l| CUTOFF * l.number("heatmap-radius", &none, z, 30.0).clamp(1.0, 500.0))
        .fold(0.0, f64::max);
    let cluster = style.cluster_of(layer, z).map_or(0.0, |c| c.margin_px());
    heat.max(cluster)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web_style() -> PrintStyle {
        let text = std::fs::read_to_string("styles/qala.json").unwrap_or_default();
        PrintStyle::parse(&serde_json::from_str(&text).unwrap_or(Value::Null), "name_ru")
    }

    fn layer(paint: Value) -> StyleLayer {
        let style = json!({"layers": [{"id": "h", "type": "heatmap", "source-layer": "p", "paint": paint}]});
        PrintStyle::parse(&style, "name").layers.into_iter().next().unwrap_or_else(|| panic!("no layer"))
    }

    #[test]
    fn the_web_styles_heat_map_is_read_with_its_ramp() {
        let s = web_style();
        let heat =
            s.layers.iter().find(|l| l.id == "applications-heat").unwrap_or_else(|| panic!("no heat map"));
        assert_eq!(heat.kind, Kind::Heatmap);
        assert!(heat.visible_at(12.0) && !heat.visible_at(14.0));
        let h = Heat::of(heat, 12.0);
        assert_eq!((h.radius, h.intensity, h.opacity), (20.0, 1.75, 0.675));
        assert_eq!(h.ramp[0][3], 0, "no density, no colour");
        assert_eq!(h.ramp[255], [178, 24, 43, 255]);
        assert_eq!(h.ramp[51], [103, 169, 207, 255]);
        // Applications: 1.5 heat radii (30 px) or a cluster cell and circle (40 + 24 px), within
        // what raster tiles read around them.
        assert_eq!(margin_px(&s, "applications", 12.0), 64.0);
        assert!(margin_px(&s, "applications", 13.9) <= crate::tiles::raster_tiles::BUFFER_CSS_PX);
        assert_eq!(margin_px(&s, "buildings", 12.0), 0.0);
        assert_eq!(legend_colors(heat, 12.0).len(), 5);
    }

    #[test]
    fn maplibres_defaults_and_the_density_expression() {
        let h = Heat::of(&layer(json!({})), 10.0);
        assert_eq!((h.radius, h.intensity, h.opacity), (30.0, 1.0, 1.0));
        assert_eq!(h.ramp[255], [255, 0, 0, 255], "red at the top of the default ramp");
        assert_eq!(h.ramp[0], [0, 0, 255, 0]);
        let lime = h.color(0.5);
        assert!(lime[0] < 5 && lime[1] == 255 && lime[2] == 0, "lime in the middle: {lime:?}");
    }

    #[test]
    fn the_hottest_pixel_is_at_the_dense_cluster_in_the_ramps_colours() {
        let sl = layer(json!({"heatmap-radius": 20, "heatmap-weight": ["get", "w"]}));
        let dense = json!({"w": 1}).as_object().cloned().unwrap_or_default();
        let heavy = json!({"w": 3}).as_object().cloned().unwrap_or_default();
        let skipped = json!({"w": 0}).as_object().cloned().unwrap_or_default();
        // 25 points around (100, 150) (y up); one heavier point alone at (300, 50); a weightless one.
        let cluster: Vec<(f64, f64)> =
            (0..25).map(|i| (100.0 + f64::from(i % 5) - 2.0, 150.0 + f64::from(i / 5) - 2.0)).collect();
        let lone = [(300.0, 50.0)];
        let none = [(350.0, 150.0)];
        let feats: Vec<(&Props, &[(f64, f64)])> =
            vec![(&dense, &cluster), (&heavy, &lone), (&skipped, &none)];
        let pts = points(&sl, 10.0, feats);
        assert_eq!(pts.len(), 26, "the weightless point is left out");
        let frame = Box2 { x0: 0.0, y0: 0.0, x1: 400.0, y1: 200.0 };
        let heat = Heat::of(&sl, 10.0);
        let d = density(&heat, &pts, frame, 1.0, 400, 200);
        let (i, max) = d.iter().enumerate().fold((0, 0.0), |a, (i, v)| if *v > a.1 { (i, *v) } else { a });
        let (col, row) = (i % 400, i / 400);
        // Row 50 from the top is y = 150.
        assert!(
            (col as f64 - 99.5).abs() <= 2.0 && (row as f64 - 49.5).abs() <= 2.0,
            "hottest at {col},{row}"
        );
        // 25 points at most 3 px apart: about 25 times MapLibre's peak of one point (0.399).
        assert!(max > 8.0 && max < 10.0, "{max}");
        // The lone point of weight 3 follows MapLibre's kernel within 3 %: 3 * 0.399 at its
        // centre, exp(-4.5 (d / r)^2) of that d away (pixel centres are at half pixels).
        let at = |x: usize, y: usize| d[y * 400 + x];
        for (x, y) in [(300, 150), (308, 150), (300, 160), (312, 141), (318, 150)] {
            let (dx, dy) = (x as f64 + 0.5 - 300.0, 200.0 - (y as f64 + 0.5) - 50.0);
            let expected = 3.0 * GAUSS_COEF * (-4.5 * (dx * dx + dy * dy) / 400.0).exp();
            assert!((at(x, y) / expected - 1.0).abs() < 0.03, "at {x},{y}: {} for {expected}", at(x, y));
        }
        // Far from every point: nothing.
        assert_eq!(at(200, 10), 0.0);
        let img = image(&heat, &pts, frame, 1.0).unwrap_or_else(|| panic!("no image"));
        assert_eq!((img.width, img.height), (400, 200));
        let px = |x: usize, y: usize| img.data[(y * 400 + x) * 4..][..4].to_vec();
        assert_eq!(px(col, row), vec![255, 0, 0, 255], "saturated: the top of the ramp");
        assert_eq!(px(200, 10)[3], 0, "transparent where nothing is");
        // The lone point's centre is saturated too (1.2); 12 px away (0.2) it is the ramp's
        // royal blue of a fifth of the density.
        assert_eq!(px(300, 150), vec![255, 0, 0, 255]);
        let cool = px(312, 150);
        assert_eq!(cool, heat.color(at(312, 150)).to_vec());
        assert!((at(312, 150) - 0.2).abs() < 0.02 && cool[2] > 200 && cool[0] < 90, "{cool:?}");
    }

    #[test]
    fn points_beyond_the_frame_warm_its_edge_and_a_page_gets_two_pixels_a_point() {
        let sl = layer(json!({"heatmap-radius": 10}));
        let heat = Heat::of(&sl, 10.0);
        let outside = [HeatPoint { x: -5.0, y: 50.0, weight: 1.0 }];
        let frame = Box2 { x0: 0.0, y0: 0.0, x1: 100.0, y1: 100.0 };
        let d = density(&heat, &outside, frame, 1.0, 100, 100);
        assert!(d[50 * 100] > 0.1 && d[50 * 100 + 30] == 0.0);
        // On paper (0.75 pt a px) the image has 2 pixels a point; an A0 page stays within bounds.
        assert_eq!(image_size(frame, 0.75), Some((200, 200)));
        assert_eq!(image_size(frame, 2.0), Some((100, 100)));
        let a0 = Box2 { x0: 0.0, y0: 0.0, x1: 3370.0, y1: 2384.0 };
        let (w, h) = image_size(a0, 0.75).unwrap_or_default();
        assert!(
            w <= MAX_IMAGE_SIDE && h <= MAX_IMAGE_SIDE && u64::from(w) * u64::from(h) <= MAX_IMAGE_PIXELS
        );
        assert!((f64::from(w) / f64::from(h) - 3370.0 / 2384.0).abs() < 0.01);
        // The same points on a page and on an image: the same density at the same place.
        let pts = [HeatPoint { x: 40.0, y: 60.0, weight: 1.0 }];
        let on_image = density(&heat, &pts, frame, 1.0, 100, 100);
        let page = Box2 { x0: 0.0, y0: 0.0, x1: 75.0, y1: 75.0 };
        let on_page = density(&heat, &[HeatPoint { x: 30.0, y: 45.0, weight: 1.0 }], page, 0.75, 100, 100);
        let diff = on_image.iter().zip(&on_page).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(diff < 1e-9, "{diff}");
    }

    #[test]
    fn nothing_hot_gives_no_image() {
        let heat = Heat::of(&layer(json!({})), 10.0);
        let frame = Box2 { x0: 0.0, y0: 0.0, x1: 50.0, y1: 50.0 };
        assert!(image(&heat, &[], frame, 1.0).is_none());
    }
}
