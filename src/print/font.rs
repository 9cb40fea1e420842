//! Fonts of printed documents: DejaVu Sans (Book and Bold, from `fonts-dejavu-core`, which covers
//! the Kazakh letters ә ғ қ ң ө ұ ү һ і) measured with `ttf-parser`, written as Type0 / CIDFontType2
//! fonts with Identity-H encoding, a ToUnicode map (so text can be searched and copied) and only
//! the glyphs used, cut out by `subsetter`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;
use ttf_parser::Face;

/// Regular and bold face file names in the fonts directory.
pub(crate) const FILES: [&str; 2] = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"];

/// Font data read once per path and kept for the life of the process (two files, ~1 MB).
pub(crate) fn font_data(path: &Path) -> std::io::Result<&'static [u8]> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, &'static [u8]>>> = OnceLock::new();
    let map = LOADED.get_or_init(Default::default);
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(d) = map.get(path) {
        return Ok(d);
    }
    let data: &'static [u8] = Box::leak(std::fs::read(path)?.into_boxed_slice());
    map.insert(path.to_path_buf(), data);
    Ok(data)
}

/// Which face.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// A face used by one document: which glyphs it used, under which new ids, for which text.
pub struct FontUse {
    face: Face<'static>,
    data: &'static [u8],
    /// PDF resource name (`F0`, `F1`).
    pub resource: &'static str,
    base_name: &'static str,
    remap: GlyphRemapper,
    unicode: BTreeMap<u16, String>,
    advance: HashMap<char, (u16, f64)>,
}

impl std::fmt::Debug for FontUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontUse")
            .field("resource", &self.resource)
            .field("glyphs", &self.unicode.len())
            .finish()
    }
}

/// The two faces of a document.
#[derive(Debug)]
pub struct Fonts {
    pub regular: FontUse,
    pub bold: FontUse,
}

impl Fonts {
    /// Loads DejaVu Sans from `dir` (`/usr/share/fonts/truetype/dejavu`).
    pub fn load(dir: &Path) -> anyhow::Result<Fonts> {
        let open = |file: &str, resource, base_name| -> anyhow::Result<FontUse> {
            let data = font_data(&dir.join(file))
                .map_err(|e| anyhow::anyhow!("{}: {e}", dir.join(file).display()))?;
            let face = Face::parse(data, 0).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
            let mut remap = GlyphRemapper::new();
            remap.remap(0);
            Ok(FontUse {
                face,
                data,
                resource,
                base_name,
                remap,
                unicode: BTreeMap::new(),
                advance: HashMap::new(),
            })
        };
        Ok(Fonts {
            regular: open(FILES[0], "F0", "DejaVuSans")?,
            bold: open(FILES[1], "F1", "DejaVuSans-Bold")?,
        })
    }

    pub fn get(&mut self, w: Weight) -> &mut FontUse {
        match w {
            Weight::Regular => &mut self.regular,
            Weight::Bold => &mut self.bold,
        }
    }

    /// Width of `text` at `size` points.
    pub fn width(&mut self, w: Weight, text: &str, size: f64) -> f64 {
        self.get(w).width(text, size)
    }
}

impl FontUse {
    fn glyph(&mut self, c: char) -> (u16, f64) {
        if let Some(g) = self.advance.get(&c) {
            return *g;
        }
        let gid = self.face.glyph_index(c).map(|g| g.0).unwrap_or(0);
        let adv = self.face.glyph_hor_advance(ttf_parser::GlyphId(gid)).unwrap_or(0) as f64
            / self.face.units_per_em() as f64;
        self.advance.insert(c, (gid, adv));
        (gid, adv)
    }

    /// Width of `text` at `size` points.
    pub fn width(&mut self, text: &str, size: f64) -> f64 {
        text.chars().map(|c| self.glyph(c).1).sum::<f64>() * size
    }

    /// The bytes to show `text` (two per glyph, the subset's glyph ids).
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let (gid, _) = self.glyph(c);
            let new = self.remap.remap(gid);
            if gid != 0 {
                self.unicode.entry(new).or_insert_with(|| c.to_string());
            }
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }

    /// Writes the font objects; `ids` are the Type0 font, CID font, descriptor, font file and
    /// ToUnicode map.
    pub fn write(&self, pdf: &mut Pdf, ids: [Ref; 5], tag: &str) -> anyhow::Result<()> {
        let [type0, cid, descriptor, file, cmap] = ids;
        let subset = subsetter::subset(self.data, 0, &self.remap)
            .map_err(|e| anyhow::anyhow!("font subset: {e:?}"))?;
        let name = format!("{tag}+{}", self.base_name);
        let system = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
        pdf.type0_font(type0)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        let upem = self.face.units_per_em() as f32;
        let scale = |v: i16| v as f32 * 1000.0 / upem;
        let mut widths = vec![0f32; self.remap.num_gids() as usize];
        for old in self.remap.remapped_gids() {
            if let Some(new) = self.remap.get(old) {
                let adv = self.face.glyph_hor_advance(ttf_parser::GlyphId(old)).unwrap_or(0);
                widths[new as usize] = adv as f32 * 1000.0 / upem;
            }
        }
        let mut font = pdf.cid_font(cid);
        font.subtype(CidFontType::Type2)
            .base_font(Name(name.as_bytes()))
            .system_info(system)
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        font.widths().consecutive(0, widths);
        font.finish();
        let bb = self.face.global_bounding_box();
        pdf.font_descriptor(descriptor)
            .name(Name(name.as_bytes()))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(scale(bb.x_min), scale(bb.y_min), scale(bb.x_max), scale(bb.y_max)))
            .italic_angle(0.0)
            .ascent(scale(self.face.ascender()))
            .descent(scale(self.face.descender()))
            .cap_height(scale(self.face.capital_height().unwrap_or(self.face.ascender())))
            .stem_v(if self.base_name.ends_with("Bold") { 140.0 } else { 80.0 })
            .font_file2(file);
        let packed = super::deflate(&subset);
        pdf.stream(file, &packed).filter(Filter::FlateDecode).pair(Name(b"Length1"), subset.len() as i32);
        let mut map = UnicodeCmap::new(Name(b"Custom"), system);
        for (gid, text) in &self.unicode {
            map.pair_with_multiple(*gid, text.chars());
        }
        pdf.cmap(cmap, &map.finish());
        Ok(())
    }
}
