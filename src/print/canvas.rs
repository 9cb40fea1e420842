//! A page being drawn (pure): a PDF content stream plus what it uses (fonts, transparency
//! states, optional content groups, images), so that [`super::geopdf`] can write the resources.
//! Coordinates are PDF points with the origin at the page's lower left.

use std::collections::BTreeSet;

use pdf_writer::types::{LineCapStyle, LineJoinStyle, TextRenderingMode};
use pdf_writer::{Content, Name, Str};

use super::font::{Fonts, Weight};
use super::layout::Box2;
use super::style::Rgba;
use super::surface::{Cap, Join, RgbaImage, StrokeStyle, Surface};

/// An image placed on the page.
#[derive(Debug)]
pub struct PageImage {
    pub name: String,
    pub width: u32,
    pub height: u32,
    /// JPEG bytes (written as DCTDecode) or deflated 8-bit RGB.
    pub data: ImageData,
}

#[derive(Debug)]
pub enum ImageData {
    Jpeg(Vec<u8>),
    RgbDeflated(Vec<u8>),
    /// Deflated 8-bit RGB and its deflated 8-bit alpha (written as an `/SMask`).
    RgbaDeflated {
        rgb: Vec<u8>,
        alpha: Vec<u8>,
    },
}

/// How a label is drawn.
#[derive(Debug, Clone, Copy)]
pub struct TextStyle {
    pub size: f64,
    pub weight: Weight,
    pub color: Rgba,
    /// Halo colour and width (pt).
    pub halo: Option<(Rgba, f64)>,
    /// Extra space between letters, in ems.
    pub letter_spacing: f64,
}

impl TextStyle {
    pub fn plain(size: f64, weight: Weight) -> TextStyle {
        TextStyle { size, weight, color: Rgba::BLACK, halo: None, letter_spacing: 0.0 }
    }
}

/// A page's content and its resources.
pub struct Canvas {
    pub content: Content,
    pub fonts: Fonts,
    /// Transparency states used, as percentages (fill, stroke).
    pub alphas: BTreeSet<(u8, u8)>,
    /// Names of the optional content groups, in order (resource `L<i>`).
    pub layers: Vec<String>,
    pub images: Vec<PageImage>,
}

fn f(v: f64) -> f32 {
    v as f32
}

impl std::fmt::Debug for Canvas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Canvas").field("bytes", &self.content.len()).field("layers", &self.layers).finish()
    }
}

impl Canvas {
    pub fn new(fonts: Fonts) -> Canvas {
        Canvas {
            content: Content::new(),
            fonts,
            alphas: BTreeSet::new(),
            layers: Vec::new(),
            images: Vec::new(),
        }
    }

    /// Starts the content of optional content group `name` (a PDF layer); ends with [`Self::end_layer`].
    pub fn begin_layer(&mut self, name: &str) {
        let i = match self.layers.iter().position(|l| l == name) {
            Some(i) => i,
            None => {
                self.layers.push(name.to_string());
                self.layers.len() - 1
            }
        };
        let res = format!("L{i}");
        self.content.begin_marked_content_with_properties(Name(b"OC")).properties_named(Name(res.as_bytes()));
    }

    pub fn end_layer(&mut self) {
        self.content.end_marked_content();
    }

    pub fn fill(&mut self, c: Rgba) {
        self.content.set_fill_rgb(c.r, c.g, c.b);
    }

    pub fn stroke(&mut self, c: Rgba) {
        self.content.set_stroke_rgb(c.r, c.g, c.b);
    }

    /// Sets fill and stroke opacity (0..=1) through an ExtGState.
    pub fn alpha(&mut self, fill: f32, stroke: f32) {
        let key =
            ((fill.clamp(0.0, 1.0) * 100.0).round() as u8, (stroke.clamp(0.0, 1.0) * 100.0).round() as u8);
        self.alphas.insert(key);
        let name = format!("A{}_{}", key.0, key.1);
        self.content.set_parameters(Name(name.as_bytes()));
    }

    /// Adds rings (each a closed polygon ring or an open line) to the current path.
    pub fn path<'a>(&mut self, rings: impl IntoIterator<Item = &'a [(f64, f64)]>, close: bool) {
        for ring in rings {
            let mut it = ring.iter();
            let Some(first) = it.next() else { continue };
            self.content.move_to(f(first.0), f(first.1));
            for p in it {
                self.content.line_to(f(p.0), f(p.1));
            }
            if close {
                self.content.close_path();
            }
        }
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64) {
        self.content.rect(f(x), f(y), f(w), f(h));
    }

    /// A circle path (four Bézier arcs).
    pub fn circle(&mut self, x: f64, y: f64, r: f64) {
        let k = 0.552_284_75 * r;
        let c = &mut self.content;
        c.move_to(f(x + r), f(y));
        c.cubic_to(f(x + r), f(y + k), f(x + k), f(y + r), f(x), f(y + r));
        c.cubic_to(f(x - k), f(y + r), f(x - r), f(y + k), f(x - r), f(y));
        c.cubic_to(f(x - r), f(y - k), f(x - k), f(y - r), f(x), f(y - r));
        c.cubic_to(f(x + k), f(y - r), f(x + r), f(y - k), f(x + r), f(y));
        c.close_path();
    }

    pub fn line_style(&mut self, width: f64, cap: LineCapStyle, join: LineJoinStyle, dash: &[f64]) {
        self.content.set_line_width(f(width)).set_line_cap(cap).set_line_join(join);
        self.content.set_dash_pattern(dash.iter().map(|d| f(*d)), 0.0);
    }

    /// Width of a text in this style, pt.
    pub fn text_width(&mut self, text: &str, s: &TextStyle) -> f64 {
        self.fonts.width(s.weight, text, s.size) + s.letter_spacing * s.size * text.chars().count() as f64
    }

    /// Draws `text` with its baseline starting at (x, y), turned by `angle` radians.
    pub fn text(&mut self, x: f64, y: f64, angle: f64, text: &str, s: &TextStyle) {
        let bytes = self.fonts.get(s.weight).encode(text);
        let res = self.fonts.get(s.weight).resource;
        let (sin, cos) = angle.sin_cos();
        let matrix = [f(cos), f(sin), f(-sin), f(cos), f(x), f(y)];
        let spacing = f(s.letter_spacing * s.size);
        if let Some((halo, w)) = s.halo.filter(|h| h.1 > 0.0) {
            self.stroke(halo);
            if halo.a < 1.0 {
                self.alpha(1.0, halo.a);
            }
            let c = &mut self.content;
            c.set_line_width(f(2.0 * w)).set_line_join(LineJoinStyle::RoundJoin).set_dash_pattern([], 0.0);
            c.begin_text().set_font(Name(res.as_bytes()), f(s.size)).set_char_spacing(spacing);
            c.set_text_rendering_mode(TextRenderingMode::Stroke)
                .set_text_matrix(matrix)
                .show(Str(&bytes))
                .end_text();
            if halo.a < 1.0 {
                self.alpha(1.0, 1.0);
            }
        }
        self.fill(s.color);
        let c = &mut self.content;
        c.begin_text().set_font(Name(res.as_bytes()), f(s.size)).set_char_spacing(spacing);
        c.set_text_rendering_mode(TextRenderingMode::Fill)
            .set_text_matrix(matrix)
            .show(Str(&bytes))
            .end_text();
    }

    /// Draws `text` broken into lines no wider than `width`; returns the y below the last line.
    pub fn paragraph(&mut self, x: f64, y: f64, width: f64, text: &str, s: &TextStyle, leading: f64) -> f64 {
        let mut y = y;
        for line in self.wrap(text, width, s) {
            self.text(x, y, 0.0, &line, s);
            y -= leading;
        }
        y
    }

    /// Breaks `text` at spaces into lines no wider than `width` (a longer word stays whole).
    pub fn wrap(&mut self, text: &str, width: f64, s: &TextStyle) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
                if !line.is_empty() && self.text_width(&candidate, s) > width {
                    lines.push(std::mem::replace(&mut line, word.to_string()));
                } else {
                    line = candidate;
                }
            }
            lines.push(line);
        }
        lines
    }

    /// A QR code of `data`, `size` points wide, lower left corner at (x, y), drawn as vector
    /// squares (with a quiet zone of 2 modules inside `size`).
    pub fn qr(&mut self, x: f64, y: f64, size: f64, data: &str) -> anyhow::Result<()> {
        let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M)?;
        let n = code.width();
        let module = size / (n + 4) as f64;
        self.fill(Rgba::WHITE);
        self.rect(x, y, size, size);
        self.content.fill_nonzero();
        self.fill(Rgba::BLACK);
        let colors = code.to_colors();
        for (i, c) in colors.iter().enumerate() {
            if *c == qrcode::Color::Dark {
                let (col, row) = (i % n, i / n);
                let px = x + (col + 2) as f64 * module;
                let py = y + size - (row + 3) as f64 * module;
                // Slightly overlapping squares leave no hairline gaps in renderers.
                self.rect(px, py, module + 0.01, module + 0.01);
            }
        }
        self.content.fill_nonzero();
        Ok(())
    }

    /// Places an image scaled into the box (x, y, w, h), keeping its proportions; returns its
    /// drawn width and height.
    pub fn image(&mut self, img: PageImage, x: f64, y: f64, w: f64, h: f64) -> (f64, f64) {
        let s = (w / img.width as f64).min(h / img.height as f64);
        let (dw, dh) = (img.width as f64 * s, img.height as f64 * s);
        let name = format!("Im{}", self.images.len());
        self.content.save_state();
        self.content.transform([f(dw), 0.0, 0.0, f(dh), f(x), f(y + h - dh)]);
        self.content.x_object(Name(name.as_bytes()));
        self.content.restore_state();
        self.images.push(PageImage { name, ..img });
        (dw, dh)
    }
}

fn cap(c: Cap) -> LineCapStyle {
    match c {
        Cap::Butt => LineCapStyle::ButtCap,
        Cap::Round => LineCapStyle::RoundCap,
        Cap::Square => LineCapStyle::ProjectingSquareCap,
    }
}

fn join(j: Join) -> LineJoinStyle {
    match j {
        Join::Miter => LineJoinStyle::MiterJoin,
        Join::Round => LineJoinStyle::RoundJoin,
        Join::Bevel => LineJoinStyle::BevelJoin,
    }
}

impl Canvas {
    /// Sets the opacities when either is below 1; whether it did (then reset with `alpha(1, 1)`).
    fn opacity(&mut self, fill: f64, stroke: f64) -> bool {
        if fill < 0.999 || stroke < 0.999 {
            self.alpha(fill as f32, stroke as f32);
            true
        } else {
            false
        }
    }
}

/// The PDF page as a surface: points, 0.75 per CSS pixel.
impl Surface for Canvas {
    fn px(&self) -> f64 {
        0.75
    }

    fn fill_rings(&mut self, rings: &[&[(f64, f64)]], color: Rgba, outline: Option<(Rgba, f64)>) {
        let reset = self.opacity(color.a as f64, outline.map_or(color.a, |o| o.0.a) as f64);
        self.fill(color);
        self.path(rings.iter().copied(), true);
        match outline {
            Some((o, w)) => {
                self.stroke(o);
                self.line_style(w, LineCapStyle::ButtCap, LineJoinStyle::MiterJoin, &[]);
                self.content.fill_even_odd_and_stroke();
            }
            None => {
                self.content.fill_even_odd();
            }
        }
        if reset {
            self.alpha(1.0, 1.0);
        }
    }

    fn fill_rect(&mut self, b: Box2, color: Rgba) {
        let reset = self.opacity(color.a as f64, 1.0);
        self.fill(color);
        self.rect(b.x0, b.y0, b.w(), b.h());
        self.content.fill_nonzero();
        if reset {
            self.alpha(1.0, 1.0);
        }
    }

    fn stroke_rect(&mut self, b: Box2, s: &StrokeStyle) {
        let reset = self.opacity(1.0, s.color.a as f64);
        self.stroke(s.color);
        self.line_style(s.width, cap(s.cap), join(s.join), &s.dash);
        self.rect(b.x0, b.y0, b.w(), b.h());
        self.content.stroke();
        if reset {
            self.alpha(1.0, 1.0);
        }
    }

    fn stroke_lines(&mut self, lines: &[&[(f64, f64)]], s: &StrokeStyle) {
        let reset = self.opacity(1.0, s.color.a as f64);
        self.stroke(s.color);
        self.line_style(s.width, cap(s.cap), join(s.join), &s.dash);
        self.path(lines.iter().copied(), false);
        self.content.stroke();
        if reset {
            self.alpha(1.0, 1.0);
        }
    }

    fn circles(&mut self, centres: &[(f64, f64)], r: f64, fill: Rgba, outline: Option<(Rgba, f64)>) {
        let reset = self.opacity(fill.a as f64, outline.map_or(fill.a, |o| o.0.a) as f64);
        self.fill(fill);
        for &(x, y) in centres {
            self.circle(x, y, r);
        }
        match outline {
            Some((o, w)) => {
                self.stroke(o);
                self.line_style(w, LineCapStyle::ButtCap, LineJoinStyle::MiterJoin, &[]);
                self.content.fill_nonzero_and_stroke();
            }
            None => {
                self.content.fill_nonzero();
            }
        }
        if reset {
            self.alpha(1.0, 1.0);
        }
    }

    fn text_width(&mut self, text: &str, style: &TextStyle) -> f64 {
        Canvas::text_width(self, text, style)
    }

    fn text(&mut self, x: f64, y: f64, angle: f64, text: &str, style: &TextStyle) {
        Canvas::text(self, x, y, angle, text, style)
    }

    fn image(&mut self, img: &RgbaImage, b: Box2) {
        let n = (img.width * img.height) as usize;
        let mut rgb = Vec::with_capacity(n * 3);
        let mut alpha = Vec::with_capacity(n);
        for p in img.data.chunks_exact(4) {
            rgb.extend_from_slice(&p[..3]);
            alpha.push(p[3]);
        }
        let data = if alpha.iter().all(|a| *a == 255) {
            ImageData::RgbDeflated(super::deflate(&rgb))
        } else {
            ImageData::RgbaDeflated { rgb: super::deflate(&rgb), alpha: super::deflate(&alpha) }
        };
        let name = format!("Im{}", self.images.len());
        self.content.save_state();
        self.content.transform([f(b.w()), 0.0, 0.0, f(b.h()), f(b.x0), f(b.y0)]);
        self.content.x_object(Name(name.as_bytes()));
        self.content.restore_state();
        self.images.push(PageImage { name, width: img.width, height: img.height, data });
    }

    fn clip_rect(&mut self, b: Box2) {
        self.content.save_state();
        self.rect(b.x0, b.y0, b.w(), b.h());
        self.content.clip_nonzero().end_path();
    }

    fn restore(&mut self) {
        self.content.restore_state();
    }

    fn begin_layer(&mut self, name: &str) {
        Canvas::begin_layer(self, name)
    }

    fn end_layer(&mut self) {
        Canvas::end_layer(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_with_alpha_get_a_soft_mask_and_opaque_ones_none() {
        let fonts =
            Fonts::load(std::path::Path::new("/usr/share/fonts/truetype/dejavu")).expect("DejaVu fonts");
        let mut c = Canvas::new(fonts);
        let b = Box2 { x0: 10.0, y0: 10.0, x1: 110.0, y1: 60.0 };
        let heat = RgbaImage::new(2, 1, vec![255, 0, 0, 128, 0, 0, 255, 0]).expect("2x1");
        let opaque = RgbaImage::new(1, 1, vec![0, 255, 0, 255]).expect("1x1");
        Surface::image(&mut c, &heat, b);
        Surface::image(&mut c, &opaque, b);
        assert!(matches!(c.images[0].data, ImageData::RgbaDeflated { .. }));
        assert!(matches!(c.images[1].data, ImageData::RgbDeflated(_)));
        let info = super::super::geopdf::DocInfo {
            title: "t".into(),
            subject: "s".into(),
            author: "a".into(),
            keywords: "k".into(),
            issued: chrono::Utc::now(),
        };
        let pdf = super::super::geopdf::write(c, 200.0, 100.0, &[], &info).expect("pdf");
        let text = String::from_utf8_lossy(&pdf);
        assert_eq!(text.matches("/SMask").count(), 1, "one soft mask");
        assert_eq!(text.matches("/DeviceGray").count(), 1);
    }
}
