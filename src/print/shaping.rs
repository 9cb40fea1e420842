//! Text for images (pure but for reading the font files once): shaped with rustybuzz from the
//! same DejaVu files the PDF embeds ([`super::font`]), glyph outlines (ttf-parser's
//! `OutlineBuilder`) turned into tiny-skia paths. Kerning and ligatures are off, as in the PDF
//! (which places glyphs by their advances alone), so a text is as wide on an image as on paper and
//! labels land at the same places in both.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use rustybuzz::ttf_parser::{GlyphId, OutlineBuilder, Tag};
use rustybuzz::{Face, Feature, UnicodeBuffer};
use tiny_skia::{Path as SkPath, PathBuilder};

use super::font::Weight;

/// The two faces, parsed for shaping.
pub struct ShapingFonts {
    regular: Face<'static>,
    bold: Face<'static>,
}

impl std::fmt::Debug for ShapingFonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShapingFonts")
    }
}

impl ShapingFonts {
    /// DejaVu Sans Book and Bold from `dir`, parsed once per directory for the process.
    pub fn load(dir: &Path) -> anyhow::Result<&'static ShapingFonts> {
        static LOADED: OnceLock<Mutex<HashMap<PathBuf, &'static ShapingFonts>>> = OnceLock::new();
        let mut map = LOADED.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = map.get(dir) {
            return Ok(f);
        }
        let face = |file: &str| -> anyhow::Result<Face<'static>> {
            let path = dir.join(file);
            let data =
                super::font::font_data(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            Face::from_slice(data, 0).ok_or_else(|| anyhow::anyhow!("{}: not a font", path.display()))
        };
        let fonts: &'static ShapingFonts = Box::leak(Box::new(ShapingFonts {
            regular: face(super::font::FILES[0])?,
            bold: face(super::font::FILES[1])?,
        }));
        map.insert(dir.to_path_buf(), fonts);
        Ok(fonts)
    }

    fn face(&self, w: Weight) -> &Face<'static> {
        match w {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    /// Glyphs of `text` and their pen positions (x, y) in ems from the start of the baseline,
    /// `letter_spacing` ems added after each glyph; and the total advance in ems.
    pub fn shape(&self, w: Weight, text: &str, letter_spacing: f64) -> (Vec<(GlyphId, f64, f64)>, f64) {
        let face = self.face(w);
        let upem = f64::from(face.units_per_em());
        let mut buf = UnicodeBuffer::new();
        buf.push_str(text);
        buf.guess_segment_properties();
        let off = |t: &[u8; 4]| Feature::new(Tag::from_bytes(t), 0, ..);
        let features = [off(b"kern"), off(b"liga"), off(b"clig"), off(b"dlig")];
        let shaped = rustybuzz::shape(face, &features, buf);
        let mut pen = 0.0;
        let mut out = Vec::with_capacity(shaped.len());
        for (info, pos) in shaped.glyph_infos().iter().zip(shaped.glyph_positions()) {
            let gid = GlyphId(u16::try_from(info.glyph_id).unwrap_or(0));
            out.push((gid, pen + f64::from(pos.x_offset) / upem, f64::from(pos.y_offset) / upem));
            pen += f64::from(pos.x_advance) / upem + letter_spacing;
        }
        (out, pen)
    }

    /// Width of `text` at `size` (the same units), letter spacing in ems.
    pub fn width(&self, w: Weight, text: &str, size: f64, letter_spacing: f64) -> f64 {
        self.shape(w, text, letter_spacing).1 * size
    }

    /// The outlines of `text` at `size`, baseline from (0, 0), y up; `None` for blank text.
    pub fn path(&self, w: Weight, text: &str, size: f64, letter_spacing: f64) -> Option<SkPath> {
        let face = self.face(w);
        let scale = size / f64::from(face.units_per_em());
        let mut b = Outline { pb: PathBuilder::new(), scale: scale as f32, x: 0.0, y: 0.0 };
        for (gid, x, y) in self.shape(w, text, letter_spacing).0 {
            b.x = (x * size) as f32;
            b.y = (y * size) as f32;
            face.outline_glyph(gid, &mut b);
        }
        b.pb.finish()
    }
}

/// Glyph outlines into a path, scaled from font units and moved to the glyph's pen position.
struct Outline {
    pb: PathBuilder,
    scale: f32,
    x: f32,
    y: f32,
}

impl Outline {
    fn p(&self, x: f32, y: f32) -> (f32, f32) {
        (self.x + x * self.scale, self.y + y * self.scale)
    }
}

impl OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.p(x, y);
        self.pb.move_to(x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.p(x, y);
        self.pb.line_to(x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let ((x1, y1), (x, y)) = (self.p(x1, y1), self.p(x, y));
        self.pb.quad_to(x1, y1, x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let ((x1, y1), (x2, y2), (x, y)) = (self.p(x1, y1), self.p(x2, y2), self.p(x, y));
        self.pb.cubic_to(x1, y1, x2, y2, x, y);
    }
    fn close(&mut self) {
        self.pb.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIR: &str = "/usr/share/fonts/truetype/dejavu";

    #[test]
    fn widths_agree_with_the_pdf_fonts() {
        let shaping = ShapingFonts::load(Path::new(DIR)).expect("DejaVu fonts (fonts-dejavu-core)");
        let mut pdf = super::super::font::Fonts::load(Path::new(DIR)).expect("fonts");
        for text in ["Алматы әқ", "Абай даңғылы", "Құрманғазы көшесі", "Tole bi 59", "ғ ң ө ұ ү һ і AV To"]
        {
            for w in [Weight::Regular, Weight::Bold] {
                let (a, b) = (shaping.width(w, text, 12.0, 0.0), pdf.width(w, text, 12.0));
                assert!((a - b).abs() < 1e-6, "{text}: {a} on images, {b} in PDF");
            }
        }
        // Every Kazakh letter has a glyph of its own (none is the .notdef box).
        let (glyphs, _) = shaping.shape(Weight::Regular, "әғқңөұүһі", 0.0);
        assert_eq!(glyphs.len(), 9);
        assert!(glyphs.iter().all(|g| g.0.0 != 0), "{glyphs:?}");
        assert!(shaping.path(Weight::Regular, "Алматы", 16.0, 0.0).is_some());
        assert!(shaping.path(Weight::Regular, "   ", 16.0, 0.0).is_none());
    }
}
