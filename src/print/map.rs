//! Draws a map frame from features and the web map's style (pure): fills, lines, circles, then
//! labels with halos and without overlaps, each style layer inside the optional content group of
//! the data layer it draws. Sizes in the style are CSS pixels, turned into the surface's units by
//! [`Surface::px`] (on paper 1 px = 0.75 pt; on an image the pixel ratio), so that the same code
//! draws the GeoPDF ([`super::canvas::Canvas`]) and map images ([`super::raster::RasterSurface`]).

use geo::Geometry;

use super::canvas::TextStyle;
use super::expr::Props;
use super::font::Weight;
use super::layout::Box2;
use super::style::{Kind, PrintStyle, Rgba, StyleLayer};
use super::surface::{Cap, Join, RgbaImage, StrokeStyle, Surface};

/// Points per CSS pixel.
pub const PT_PER_PX: f64 = 0.75;

/// The map frame: where it is on the page and what it shows in the map's CRS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub page: Box2,
    /// min x, min y, max x, max y in CRS units.
    pub crs: [f64; 4],
}

impl Frame {
    pub fn to_page(&self, x: f64, y: f64) -> (f64, f64) {
        let [x0, y0, x1, y1] = self.crs;
        (
            self.page.x0 + (x - x0) / (x1 - x0) * self.page.w(),
            self.page.y0 + (y - y0) / (y1 - y0) * self.page.h(),
        )
    }
}

/// One feature to print, its geometry in the map's CRS.
#[derive(Debug, Clone)]
pub struct PrintFeature {
    pub id: i64,
    pub props: Props,
    pub geom: Geometry<f64>,
}

/// A data layer to print.
#[derive(Debug, Clone)]
pub struct LayerData {
    pub id: String,
    /// Its name as a PDF layer, in the print's language.
    pub title: String,
    pub features: Vec<PrintFeature>,
}

type Ring = Vec<(f64, f64)>;

/// A feature's geometry on the page.
#[derive(Debug, Default)]
struct Shape {
    polygons: Vec<Vec<Ring>>,
    lines: Vec<Ring>,
    points: Vec<(f64, f64)>,
}

fn shape(g: &Geometry<f64>, fr: &Frame, out: &mut Shape) {
    let ring = |ls: &geo::LineString<f64>| -> Ring { ls.0.iter().map(|c| fr.to_page(c.x, c.y)).collect() };
    let poly = |p: &geo::Polygon<f64>| -> Vec<Ring> {
        std::iter::once(p.exterior()).chain(p.interiors()).map(ring).collect()
    };
    match g {
        Geometry::Point(p) => out.points.push(fr.to_page(p.x(), p.y())),
        Geometry::MultiPoint(m) => out.points.extend(m.0.iter().map(|p| fr.to_page(p.x(), p.y()))),
        Geometry::LineString(l) => out.lines.push(ring(l)),
        Geometry::MultiLineString(m) => out.lines.extend(m.0.iter().map(ring)),
        Geometry::Polygon(p) => out.polygons.push(poly(p)),
        Geometry::MultiPolygon(m) => out.polygons.extend(m.0.iter().map(poly)),
        Geometry::GeometryCollection(c) => c.0.iter().for_each(|g| shape(g, fr, out)),
        _ => {}
    }
}

/// How a frame is drawn besides its layers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Finish<'a> {
    /// Painted first over the whole frame (`None`: left as it is, transparent on an image).
    pub background: Option<Rgba>,
    /// Images covering exactly the frame, drawn in order over the background and under the
    /// layers (orthophotos, hillshade).
    pub backdrops: &'a [RgbaImage],
    /// A black border around the frame (prints).
    pub border: bool,
}

/// Draws a print's frame: the style's background (white without one), every style layer of the
/// printed layers, labels, the border.
pub fn draw(canvas: &mut dyn Surface, style: &PrintStyle, z: f64, frame: &Frame, layers: &[LayerData]) {
    let finish =
        Finish { background: Some(style.background.unwrap_or(Rgba::WHITE)), backdrops: &[], border: true };
    draw_with(canvas, style, z, frame, layers, &finish);
}

/// Draws the frame: `finish`'s background and backdrops, every style layer of `layers` that the
/// style draws at zoom `z`, labels (only where they fit whole inside the frame), the border.
pub fn draw_with(
    canvas: &mut dyn Surface,
    style: &PrintStyle,
    z: f64,
    frame: &Frame,
    layers: &[LayerData],
    finish: &Finish<'_>,
) {
    // A clustered layer is drawn from its clusters; heat maps read its points as they are.
    let drawn = super::cluster::apply(style, z, frame, canvas.px(), layers);
    let shapes: Vec<Vec<Shape>> = drawn
        .iter()
        .map(|features| {
            features
                .iter()
                .map(|f| {
                    let mut s = Shape::default();
                    shape(&f.geom, frame, &mut s);
                    s
                })
                .collect()
        })
        .collect();
    let b = frame.page;
    canvas.clip_rect(b);
    if let Some(bg) = finish.background {
        canvas.fill_rect(b, bg);
    }
    for img in finish.backdrops {
        canvas.image(img, b);
    }

    let mut symbols: Vec<(&StyleLayer, usize)> = Vec::new();
    for sl in &style.layers {
        let Some(li) = layers.iter().position(|l| l.id == sl.source_layer) else { continue };
        if !sl.visible_at(z) {
            continue;
        }
        if sl.kind == Kind::Symbol {
            symbols.push((sl, li));
            continue;
        }
        if sl.kind == Kind::Heatmap {
            canvas.begin_layer(&layers[li].title);
            super::density::draw(canvas, sl, z, frame, &layers[li].features);
            canvas.end_layer();
            continue;
        }
        canvas.begin_layer(&layers[li].title);
        for (f, s) in drawn[li].iter().zip(&shapes[li]) {
            if !sl.passes(&f.props, z) {
                continue;
            }
            match sl.kind {
                Kind::Fill => draw_fill(canvas, sl, &f.props, z, s),
                Kind::Line => draw_line(canvas, sl, &f.props, z, s),
                Kind::Circle => draw_circle(canvas, sl, &f.props, z, s),
                Kind::Symbol | Kind::Heatmap => {}
            }
        }
        canvas.end_layer();
    }
    let mut placed = Placed { boxes: Vec::new(), frame: b };
    for (sl, li) in symbols {
        canvas.begin_layer(&layers[li].title);
        for (f, s) in drawn[li].iter().zip(&shapes[li]) {
            if sl.passes(&f.props, z) {
                draw_label(canvas, sl, &f.props, z, s, &mut placed);
            }
        }
        canvas.end_layer();
    }
    canvas.restore();
    if finish.border {
        let k = canvas.px() / PT_PER_PX;
        canvas.stroke_rect(b, &StrokeStyle::solid(Rgba::BLACK, 0.8 * k));
    }
}

fn draw_fill(canvas: &mut dyn Surface, sl: &StyleLayer, p: &Props, z: f64, s: &Shape) {
    if s.polygons.is_empty() {
        return;
    }
    let color = sl.color("fill-color", p, z).unwrap_or(Rgba::BLACK);
    let opacity = sl.number("fill-opacity", p, z, 1.0) * color.a as f64;
    let outline = sl.color("fill-outline-color", p, z);
    let k = canvas.px() / PT_PER_PX;
    let rings: Vec<&[(f64, f64)]> = s.polygons.iter().flatten().map(Vec::as_slice).collect();
    let fill = Rgba { a: opacity as f32, ..color };
    let outline = outline.map(|o| (Rgba { a: (opacity * o.a as f64) as f32, ..o }, 0.3 * k));
    canvas.fill_rings(&rings, fill, outline);
}

fn draw_line(canvas: &mut dyn Surface, sl: &StyleLayer, p: &Props, z: f64, s: &Shape) {
    let rings: Vec<&[(f64, f64)]> =
        s.lines.iter().map(Vec::as_slice).chain(s.polygons.iter().flatten().map(Vec::as_slice)).collect();
    if rings.is_empty() {
        return;
    }
    let color = sl.color("line-color", p, z).unwrap_or(Rgba::BLACK);
    let k = canvas.px() / PT_PER_PX;
    let width = sl.number("line-width", p, z, 1.0) * canvas.px();
    let opacity = sl.number("line-opacity", p, z, 1.0) * color.a as f64;
    if width <= 0.0 || opacity <= 0.0 {
        return;
    }
    let cap = match sl.get("line-cap", p, z).as_str() {
        Some("round") => Cap::Round,
        Some("square") => Cap::Square,
        _ => Cap::Butt,
    };
    let join = match sl.get("line-join", p, z).as_str() {
        Some("round") => Join::Round,
        Some("bevel") => Join::Bevel,
        _ => Join::Miter,
    };
    // MapLibre's dashes are in line widths.
    let dash: Vec<f64> = sl
        .get("line-dasharray", p, z)
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_f64()).map(|d| d * width.max(0.5 * k)).collect())
        .unwrap_or_default();
    let stroke = StrokeStyle { color: Rgba { a: opacity as f32, ..color }, width, cap, join, dash };
    canvas.stroke_lines(&rings, &stroke);
}

fn draw_circle(canvas: &mut dyn Surface, sl: &StyleLayer, p: &Props, z: f64, s: &Shape) {
    if s.points.is_empty() {
        return;
    }
    let px = canvas.px();
    let r = sl.number("circle-radius", p, z, 5.0) * px;
    let color = sl.color("circle-color", p, z).unwrap_or(Rgba::BLACK);
    let opacity = sl.number("circle-opacity", p, z, 1.0) * color.a as f64;
    let sw = sl.number("circle-stroke-width", p, z, 0.0) * px;
    let sc = sl.color("circle-stroke-color", p, z).unwrap_or(Rgba::BLACK);
    let stroke_opacity = sl.number("circle-stroke-opacity", p, z, 1.0) * sc.a as f64;
    let outline = (sw > 0.0).then_some((Rgba { a: stroke_opacity as f32, ..sc }, sw));
    canvas.circles(&s.points, r, Rgba { a: opacity as f32, ..color }, outline);
}

/// Label boxes already on the page.
struct Placed {
    boxes: Vec<(Box2, String)>,
    frame: Box2,
}

impl Placed {
    /// Takes the box if it is inside the frame, overlaps no other label and is not a repeat of
    /// the same text within `repeat` points.
    fn take(&mut self, b: Box2, text: &str, repeat: f64) -> bool {
        let f = self.frame;
        if b.x0 < f.x0 || b.y0 < f.y0 || b.x1 > f.x1 || b.y1 > f.y1 {
            return false;
        }
        let (cx, cy) = ((b.x0 + b.x1) / 2.0, (b.y0 + b.y1) / 2.0);
        let clash = self.boxes.iter().any(|(o, t)| {
            let overlap = b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1;
            overlap || (t == text && ((o.x0 + o.x1) / 2.0 - cx).hypot((o.y0 + o.y1) / 2.0 - cy) < repeat)
        });
        if !clash {
            self.boxes.push((b, text.to_string()));
        }
        !clash
    }
}

fn text_style(sl: &StyleLayer, p: &Props, z: f64, px: f64) -> TextStyle {
    let bold = sl
        .get("text-font", p, z)
        .as_array()
        .and_then(|a| a.first())
        .and_then(|f| f.as_str())
        .is_some_and(|f| f.contains("Bold"));
    let halo_w = sl.number("text-halo-width", p, z, 0.0) * px;
    TextStyle {
        size: sl.number("text-size", p, z, 16.0) * px,
        weight: if bold { Weight::Bold } else { Weight::Regular },
        color: sl.color("text-color", p, z).unwrap_or(Rgba::BLACK),
        halo: sl.color("text-halo-color", p, z).filter(|_| halo_w > 0.0).map(|c| (c, halo_w)),
        letter_spacing: sl.number("text-letter-spacing", p, z, 0.0),
    }
}

fn draw_label(canvas: &mut dyn Surface, sl: &StyleLayer, p: &Props, z: f64, s: &Shape, placed: &mut Placed) {
    let Some(mut text) = sl.text("text-field", p, z) else { return };
    match sl.get("text-transform", p, z).as_str() {
        Some("uppercase") => text = text.to_uppercase(),
        Some("lowercase") => text = text.to_lowercase(),
        _ => {}
    }
    let ts = text_style(sl, p, z, canvas.px());
    let w = canvas.text_width(&text, &ts);
    let h = ts.size;
    // One point (4/3 CSS px) around the text, and its halo.
    let k = canvas.px() / PT_PER_PX;
    let pad = ts.halo.map_or(k, |h| h.1 + k);
    let along_line = sl.get("symbol-placement", p, z).as_str() == Some("line");
    if along_line {
        let max_angle = sl.number("text-max-angle", p, z, 45.0).to_radians();
        for line in s.lines.iter().chain(s.polygons.iter().flatten()) {
            if let Some((x, y, angle)) = line_anchor(line, w + 2.0 * pad, max_angle) {
                // Axis-aligned box around the turned text.
                let (sin, cos) = angle.sin_cos();
                let (hw, hh) = (
                    (w / 2.0 + pad) * cos.abs() + (h / 2.0 + pad) * sin.abs(),
                    (w / 2.0 + pad) * sin.abs() + (h / 2.0 + pad) * cos.abs(),
                );
                let b = Box2 { x0: x - hw, y0: y - hh, x1: x + hw, y1: y + hh };
                if placed.take(b, &text, 180.0 * k) {
                    // Baseline start so that the text is centred on the anchor.
                    let (bx, by) = (x - cos * w / 2.0 + sin * h * 0.35, y - sin * w / 2.0 - cos * h * 0.35);
                    canvas.text(bx, by, angle, &text, &ts);
                }
            }
        }
        return;
    }
    let anchors: Vec<(f64, f64)> = if !s.points.is_empty() {
        s.points.clone()
    } else {
        s.polygons.iter().filter_map(|poly| polygon_anchor(poly)).collect()
    };
    let offset = sl.get("text-offset", p, z);
    let (ox, oy) = offset
        .as_array()
        .map(|a| {
            (
                a.first().and_then(|v| v.as_f64()).unwrap_or(0.0),
                a.get(1).and_then(|v| v.as_f64()).unwrap_or(0.0),
            )
        })
        .unwrap_or((0.0, 0.0));
    let anchor = sl.get("text-anchor", p, z);
    for (ax, ay) in anchors {
        // Offsets are in ems, y down.
        let (cx, cy) = (ax + ox * ts.size, ay - oy * ts.size);
        let (x0, y0) = match anchor.as_str() {
            Some("top") => (cx - w / 2.0, cy - h),
            Some("bottom") => (cx - w / 2.0, cy),
            Some("left") => (cx, cy - h / 2.0),
            Some("right") => (cx - w, cy - h / 2.0),
            _ => (cx - w / 2.0, cy - h / 2.0),
        };
        let b = Box2 { x0: x0 - pad, y0: y0 - pad, x1: x0 + w + pad, y1: y0 + h + pad };
        if placed.take(b, &text, 0.0) {
            canvas.text(x0, y0 + h * 0.22, 0.0, &text, &ts);
        }
    }
}

/// Where a label of length `len` fits along a line: the middle of its longest run of segments
/// that turn less than `max_angle` each, turned so it reads left to right.
fn line_anchor(line: &[(f64, f64)], len: f64, max_angle: f64) -> Option<(f64, f64, f64)> {
    let mut best: Option<(f64, usize, usize)> = None;
    let mut start = 0;
    let mut run = 0.0;
    for i in 1..line.len() {
        let (a, b) = (line[i - 1], line[i]);
        let seg = (b.0 - a.0).hypot(b.1 - a.1);
        if i >= 2 {
            let prev = line[i - 2];
            let turn = ((b.1 - a.1).atan2(b.0 - a.0) - (a.1 - prev.1).atan2(a.0 - prev.0)).abs();
            let turn = turn.min(2.0 * std::f64::consts::PI - turn);
            if turn > max_angle {
                start = i - 1;
                run = 0.0;
            }
        }
        run += seg;
        if best.is_none_or(|(l, _, _)| run > l) {
            best = Some((run, start, i));
        }
    }
    let (length, s, e) = best?;
    if length < len {
        return None;
    }
    // The point halfway along the run.
    let mut left = length / 2.0;
    let mut mid = line[s];
    for i in s + 1..=e {
        let (a, b) = (line[i - 1], line[i]);
        let seg = (b.0 - a.0).hypot(b.1 - a.1);
        if seg >= left {
            let t = if seg > 0.0 { left / seg } else { 0.0 };
            mid = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            break;
        }
        left -= seg;
    }
    let (a, b) = (line[s], line[e]);
    let mut angle = (b.1 - a.1).atan2(b.0 - a.0);
    if angle > std::f64::consts::FRAC_PI_2 {
        angle -= std::f64::consts::PI;
    } else if angle < -std::f64::consts::FRAC_PI_2 {
        angle += std::f64::consts::PI;
    }
    Some((mid.0, mid.1, angle))
}

/// A point inside a polygon (on the page), for its label.
fn polygon_anchor(poly: &[Ring]) -> Option<(f64, f64)> {
    use geo::InteriorPoint;
    let ring = |r: &Ring| geo::LineString::from(r.clone());
    let p = geo::Polygon::new(ring(poly.first()?), poly[1..].iter().map(ring).collect());
    p.interior_point().map(|pt| (pt.x(), pt.y()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_go_along_the_longest_straight_run() {
        // A short bend, then a long straight run to the left: the text reads left to right.
        let line = [(0.0, 0.0), (0.0, 10.0), (200.0, 10.0), (200.0, 20.0)];
        let (x, y, a) = line_anchor(&line, 50.0, 0.5).unwrap_or_default();
        assert!((x - 100.0).abs() < 1e-9 && (y - 10.0).abs() < 1e-9 && a.abs() < 1e-9);
        let back: Vec<(f64, f64)> = line.iter().rev().copied().collect();
        let (_, _, a) = line_anchor(&back, 50.0, 0.5).unwrap_or_default();
        assert!(a.abs() < 1e-9, "{a}");
        assert!(line_anchor(&line, 500.0, 0.5).is_none());
    }

    #[test]
    fn frame_maps_crs_to_page() {
        let f = Frame {
            page: Box2 { x0: 10.0, y0: 20.0, x1: 110.0, y1: 70.0 },
            crs: [1000.0, 2000.0, 1200.0, 2100.0],
        };
        assert_eq!(f.to_page(1000.0, 2000.0), (10.0, 20.0));
        assert_eq!(f.to_page(1100.0, 2100.0), (60.0, 70.0));
    }
}
