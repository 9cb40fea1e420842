//! An image as a drawing [`Surface`] (pure): a tiny-skia pixmap (anti-aliased, premultiplied
//! RGBA), surface units are its pixels, y-up with the origin at the lower left like the PDF page
//! (flipped here onto the pixmap's rows from the top); text shaped by [`super::shaping`].

use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Mask, Paint, PathBuilder, Pixmap, PixmapPaint, Rect, Stroke,
    StrokeDash, Transform,
};

use super::canvas::TextStyle;
use super::layout::Box2;
use super::shaping::ShapingFonts;
use super::style::Rgba;
use super::surface::{Cap, Join, RgbaImage, StrokeStyle, Surface};

/// PDF's default miter limit, so that corners end alike in both outputs.
const MITER_LIMIT: f32 = 10.0;

/// A pixmap being drawn.
pub struct RasterSurface {
    pub pixmap: Pixmap,
    ratio: f64,
    fonts: &'static ShapingFonts,
    /// Clips in force, innermost last (`None`: a clip that covers nothing was asked).
    clips: Vec<Option<Mask>>,
}

impl std::fmt::Debug for RasterSurface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RasterSurface")
            .field("width", &self.pixmap.width())
            .field("height", &self.pixmap.height())
            .field("ratio", &self.ratio)
            .finish()
    }
}

/// A tiny-skia colour from ours.
pub fn sk_color(c: Rgba) -> Color {
    let u = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    Color::from_rgba8(u(c.r), u(c.g), u(c.b), u(c.a))
}

fn paint(c: Rgba) -> Paint<'static> {
    let mut p = Paint { anti_alias: true, ..Paint::default() };
    p.set_color(sk_color(c));
    p
}

fn stroke_of(s: &StrokeStyle) -> Stroke {
    let mut dash: Vec<f32> = s.dash.iter().map(|d| d.max(0.0) as f32).collect();
    if dash.len() % 2 == 1 {
        // PDF repeats an odd dash array.
        dash.extend_from_within(..);
    }
    Stroke {
        width: s.width as f32,
        miter_limit: MITER_LIMIT,
        line_cap: match s.cap {
            Cap::Butt => LineCap::Butt,
            Cap::Round => LineCap::Round,
            Cap::Square => LineCap::Square,
        },
        line_join: match s.join {
            Join::Miter => LineJoin::Miter,
            Join::Round => LineJoin::Round,
            Join::Bevel => LineJoin::Bevel,
        },
        dash: if dash.is_empty() { None } else { StrokeDash::new(dash, 0.0) },
    }
}

/// The clip in force; `Err` when it covers nothing (nothing is drawn then).
fn clip(clips: &[Option<Mask>]) -> Result<Option<&Mask>, ()> {
    match clips.last() {
        None => Ok(None),
        Some(Some(m)) => Ok(Some(m)),
        Some(None) => Err(()),
    }
}

fn rings_path(rings: &[&[(f64, f64)]], close: bool) -> Option<tiny_skia::Path> {
    let mut pb = PathBuilder::new();
    for ring in rings {
        let mut it = ring.iter();
        let Some(first) = it.next() else { continue };
        pb.move_to(first.0 as f32, first.1 as f32);
        for p in it {
            pb.line_to(p.0 as f32, p.1 as f32);
        }
        if close {
            pb.close();
        }
    }
    pb.finish()
}

impl RasterSurface {
    /// A transparent image of `width` × `height` pixels at `ratio` pixels per CSS pixel, its text
    /// in the DejaVu fonts of `fonts_dir`.
    pub fn new(
        width: u32,
        height: u32,
        ratio: f64,
        fonts_dir: &std::path::Path,
    ) -> anyhow::Result<RasterSurface> {
        let pixmap =
            Pixmap::new(width, height).ok_or_else(|| anyhow::anyhow!("no image of {width}x{height}"))?;
        Ok(RasterSurface { pixmap, ratio, fonts: ShapingFonts::load(fonts_dir)?, clips: Vec::new() })
    }

    pub fn into_pixmap(self) -> Pixmap {
        self.pixmap
    }

    /// Surface (y-up) to pixmap (y-down).
    fn flip(&self) -> Transform {
        Transform::from_row(1.0, 0.0, 0.0, -1.0, 0.0, self.pixmap.height() as f32)
    }

    fn fill_path(&mut self, path: &tiny_skia::Path, c: Rgba, rule: FillRule, t: Transform) {
        let p = paint(c);
        let Ok(mask) = clip(&self.clips) else { return };
        self.pixmap.fill_path(path, &p, rule, t, mask);
    }

    fn stroke_path(&mut self, path: &tiny_skia::Path, c: Rgba, s: &Stroke, t: Transform) {
        let p = paint(c);
        let Ok(mask) = clip(&self.clips) else { return };
        self.pixmap.stroke_path(path, &p, s, t, mask);
    }
}

impl Surface for RasterSurface {
    fn px(&self) -> f64 {
        self.ratio
    }

    fn fill_rings(&mut self, rings: &[&[(f64, f64)]], color: Rgba, outline: Option<(Rgba, f64)>) {
        let Some(path) = rings_path(rings, true) else { return };
        let t = self.flip();
        self.fill_path(&path, color, FillRule::EvenOdd, t);
        if let Some((o, w)) = outline {
            self.stroke_path(&path, o, &stroke_of(&StrokeStyle::solid(o, w)), t);
        }
    }

    fn fill_rect(&mut self, b: Box2, color: Rgba) {
        let ring = [(b.x0, b.y0), (b.x1, b.y0), (b.x1, b.y1), (b.x0, b.y1)];
        let Some(path) = rings_path(&[&ring], true) else { return };
        let t = self.flip();
        self.fill_path(&path, color, FillRule::Winding, t);
    }

    fn stroke_rect(&mut self, b: Box2, s: &StrokeStyle) {
        let ring = [(b.x0, b.y0), (b.x1, b.y0), (b.x1, b.y1), (b.x0, b.y1)];
        let Some(path) = rings_path(&[&ring], true) else { return };
        let t = self.flip();
        self.stroke_path(&path, s.color, &stroke_of(s), t);
    }

    fn stroke_lines(&mut self, lines: &[&[(f64, f64)]], s: &StrokeStyle) {
        let Some(path) = rings_path(lines, false) else { return };
        let t = self.flip();
        self.stroke_path(&path, s.color, &stroke_of(s), t);
    }

    fn circles(&mut self, centres: &[(f64, f64)], r: f64, fill: Rgba, outline: Option<(Rgba, f64)>) {
        if r <= 0.0 {
            return;
        }
        let mut pb = PathBuilder::new();
        for &(x, y) in centres {
            pb.push_circle(x as f32, y as f32, r as f32);
        }
        let Some(path) = pb.finish() else { return };
        let t = self.flip();
        self.fill_path(&path, fill, FillRule::Winding, t);
        if let Some((o, w)) = outline {
            self.stroke_path(&path, o, &stroke_of(&StrokeStyle::solid(o, w)), t);
        }
    }

    fn text_width(&mut self, text: &str, s: &TextStyle) -> f64 {
        self.fonts.width(s.weight, text, s.size, s.letter_spacing)
    }

    fn text(&mut self, x: f64, y: f64, angle: f64, text: &str, s: &TextStyle) {
        let Some(path) = self.fonts.path(s.weight, text, s.size, s.letter_spacing) else { return };
        let (sin, cos) = angle.sin_cos();
        let h = f64::from(self.pixmap.height());
        // Text space (baseline, y up) turned and moved onto the surface, then flipped.
        let t =
            Transform::from_row(cos as f32, -sin as f32, -sin as f32, -cos as f32, x as f32, (h - y) as f32);
        if let Some((halo, w)) = s.halo.filter(|h| h.1 > 0.0) {
            let stroke = StrokeStyle { join: Join::Round, ..StrokeStyle::solid(halo, 2.0 * w) };
            self.stroke_path(&path, halo, &stroke_of(&stroke), t);
        }
        self.fill_path(&path, s.color, FillRule::Winding, t);
    }

    fn image(&mut self, img: &RgbaImage, b: Box2) {
        let Some(size) = tiny_skia::IntSize::from_wh(img.width, img.height) else { return };
        let mut data = img.data.clone();
        for p in data.chunks_exact_mut(4) {
            let a = u16::from(p[3]);
            for c in &mut p[..3] {
                *c = ((u16::from(*c) * a + 127) / 255) as u8;
            }
        }
        let Some(src) = Pixmap::from_vec(data, size) else { return };
        let h = self.pixmap.height() as f32;
        let (sx, sy) = (b.w() as f32 / img.width as f32, b.h() as f32 / img.height as f32);
        let t = Transform::from_row(sx, 0.0, 0.0, sy, b.x0 as f32, h - b.y1 as f32);
        let exact = (sx - 1.0).abs() < 1e-6 && (sy - 1.0).abs() < 1e-6;
        let paint = PixmapPaint {
            quality: if exact {
                tiny_skia::FilterQuality::Nearest
            } else {
                tiny_skia::FilterQuality::Bilinear
            },
            ..PixmapPaint::default()
        };
        let Ok(mask) = clip(&self.clips) else { return };
        self.pixmap.draw_pixmap(0, 0, src.as_ref(), &paint, t, mask);
    }

    fn clip_rect(&mut self, b: Box2) {
        let (w, h) = (self.pixmap.width(), self.pixmap.height());
        let t = self.flip();
        let rect = Rect::from_ltrb(b.x0 as f32, b.y0 as f32, b.x1 as f32, b.y1 as f32);
        let mask = Mask::new(w, h).zip(rect).map(|(mut m, r)| {
            m.fill_path(&PathBuilder::from_rect(r), FillRule::Winding, true, t);
            if let Ok(Some(outer)) = clip(&self.clips) {
                // Intersect with the clip already in force.
                for (v, o) in m.data_mut().iter_mut().zip(outer.data()) {
                    *v = ((u16::from(*v) * u16::from(*o) + 127) / 255) as u8;
                }
            }
            m
        });
        self.clips.push(mask);
    }

    fn restore(&mut self) {
        self.clips.pop();
    }

    fn begin_layer(&mut self, _name: &str) {}

    fn end_layer(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn surface(w: u32, h: u32) -> RasterSurface {
        RasterSurface::new(w, h, 1.0, std::path::Path::new("/usr/share/fonts/truetype/dejavu"))
            .expect("DejaVu fonts (fonts-dejavu-core)")
    }

    fn rgba(s: &RasterSurface, x: u32, y: u32) -> [u8; 4] {
        let p =
            s.pixmap.pixel(x, y).map(|p| p.demultiply()).map(|c| [c.red(), c.green(), c.blue(), c.alpha()]);
        p.unwrap_or_default()
    }

    #[test]
    fn a_square_lands_on_its_pixels_with_y_up() {
        let mut s = surface(20, 10);
        let red = Rgba { r: 1.0, g: 0.0, b: 0.0, a: 1.0 };
        // A square in the lower left corner (y up): rows 6-9 of the image from the top.
        let ring = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)];
        s.fill_rings(&[&ring], red, None);
        assert_eq!(rgba(&s, 0, 9), [255, 0, 0, 255]);
        assert_eq!(rgba(&s, 3, 6), [255, 0, 0, 255]);
        assert_eq!(rgba(&s, 3, 5), [0, 0, 0, 0], "above the square");
        assert_eq!(rgba(&s, 4, 9), [0, 0, 0, 0], "right of the square");
        assert_eq!(rgba(&s, 0, 0), [0, 0, 0, 0]);
        // A hole (even-odd) stays empty; a clip keeps the fill inside it.
        let mut s = surface(20, 20);
        let outer = [(0.0, 0.0), (20.0, 0.0), (20.0, 20.0), (0.0, 20.0)];
        let hole = [(5.0, 5.0), (15.0, 5.0), (15.0, 15.0), (5.0, 15.0)];
        s.clip_rect(Box2 { x0: 0.0, y0: 0.0, x1: 20.0, y1: 18.0 });
        s.fill_rings(&[&outer, &hole], red, None);
        s.restore();
        assert_eq!(rgba(&s, 10, 10), [0, 0, 0, 0]);
        assert_eq!(rgba(&s, 2, 10), [255, 0, 0, 255]);
        assert_eq!(rgba(&s, 2, 1), [0, 0, 0, 0], "clipped away at the top");
    }

    #[test]
    fn lines_circles_and_images() {
        let mut s = surface(20, 20);
        let blue = Rgba { r: 0.0, g: 0.0, b: 1.0, a: 1.0 };
        s.stroke_lines(&[&[(0.0, 10.0), (20.0, 10.0)]], &StrokeStyle::solid(blue, 2.0));
        assert_eq!(rgba(&s, 5, 9), [0, 0, 255, 255]);
        assert_eq!(rgba(&s, 5, 5), [0, 0, 0, 0]);
        s.circles(&[(15.0, 15.0)], 3.0, Rgba::BLACK, None);
        assert_eq!(rgba(&s, 15, 4), [0, 0, 0, 255]);
        let img = RgbaImage::new(2, 1, vec![0, 255, 0, 255, 0, 0, 0, 0]).expect("2x1");
        s.image(&img, Box2 { x0: 0.0, y0: 0.0, x1: 2.0, y1: 1.0 });
        assert_eq!(rgba(&s, 0, 19), [0, 255, 0, 255]);
        assert_eq!(rgba(&s, 1, 19), [0, 0, 0, 0]);
    }

    #[test]
    fn kazakh_and_russian_text_leaves_ink() {
        let mut s = surface(200, 40);
        let style = TextStyle {
            halo: Some((Rgba::WHITE, 1.5)),
            ..TextStyle::plain(20.0, super::super::font::Weight::Regular)
        };
        let w = s.text_width("Алматы әқ", &style);
        assert!(w > 80.0 && w < 150.0, "{w}");
        s.text(10.0, 12.0, 0.0, "Алматы әқ", &style);
        let inked =
            |s: &RasterSurface| s.pixmap.pixels().iter().filter(|p| p.alpha() == 255 && p.red() < 60).count();
        let dark = inked(&s);
        assert!(dark > 150, "{dark} dark pixels");
        // The ink lies between the baseline and the cap height (y up: rows 28 - 8 from the top).
        let rows: Vec<u32> = (0..40)
            .filter(|y| (0..200).any(|x| rgba(&s, x, *y)[0] < 60 && rgba(&s, x, *y)[3] == 255))
            .collect();
        assert!(rows.first().is_some_and(|r| *r >= 8) && rows.last().is_some_and(|r| *r <= 30), "{rows:?}");
        // Each Kazakh letter alone leaves ink too (no missing glyphs).
        for c in ["ә", "ғ", "қ", "ң", "ө", "ұ", "ү", "һ", "і"] {
            let mut s = surface(40, 40);
            s.text(10.0, 10.0, 0.0, c, &TextStyle::plain(20.0, super::super::font::Weight::Bold));
            assert!(inked(&s) > 10, "{c}");
        }
    }
}
