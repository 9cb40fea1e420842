//! Glyphs for map labels, served by the server itself (no internet needed): MapLibre requests
//! `/fonts/{fontstack}/{start}-{end}.pbf`; the ranges are rendered as signed distance fields from
//! the TrueType fonts of a directory (DejaVu by default, which covers Cyrillic with the Kazakh
//! letters ә ғ қ ң ө ұ ү һ і) and kept in memory.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use glyphore_core::FontFace;

/// The fonts found in a directory, by fontstack name (`DejaVu Sans Book`, ...). Only the names
/// are read at start; a font is parsed for glyphs the first time a range of it is asked for.
#[derive(Clone)]
pub struct Fonts {
    files: Arc<BTreeMap<String, std::path::PathBuf>>,
    faces: moka::sync::Cache<String, Arc<FontFace>>,
    ranges: moka::sync::Cache<(String, u32), Bytes>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts").field("files", &self.files).finish()
    }
}

/// `family style` as glyph servers name a face: typographic names first, then the basic ones.
fn fontstack_name(bytes: &[u8]) -> Option<String> {
    use ttf_parser::name_id;
    let face = ttf_parser::Face::parse(bytes, 0).ok()?;
    let name = |preferred: u16, fallback: u16| {
        let find = |id: u16| {
            face.names().into_iter().filter(|n| n.name_id == id && n.is_unicode()).find_map(|n| n.to_string())
        };
        find(preferred).or_else(|| find(fallback))
    };
    let family = name(name_id::TYPOGRAPHIC_FAMILY, name_id::FAMILY)?;
    let style = name(name_id::TYPOGRAPHIC_SUBFAMILY, name_id::SUBFAMILY)?;
    Some(format!("{family} {style}"))
}

impl Fonts {
    /// Finds every `.ttf`/`.otf` of `dir`; unreadable files are logged and skipped.
    pub fn load(dir: &Path) -> Fonts {
        let mut files = BTreeMap::new();
        let mut paths: Vec<_> = match std::fs::read_dir(dir) {
            Ok(entries) => entries.filter_map(Result::ok).map(|e| e.path()).collect(),
            Err(_) => {
                tracing::warn!(dir = %dir.display(), "no font directory: labels will have no glyphs");
                Vec::new()
            }
        };
        paths.sort();
        for path in paths {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            if ext != "ttf" && ext != "otf" {
                continue;
            }
            match std::fs::read(&path).ok().as_deref().and_then(fontstack_name) {
                Some(name) => {
                    files.entry(name).or_insert(path);
                }
                None => tracing::warn!(file = %path.display(), "font skipped: unreadable or unnamed"),
            }
        }
        Fonts {
            files: Arc::new(files),
            faces: moka::sync::Cache::new(16),
            ranges: moka::sync::Cache::new(4096),
        }
    }

    /// The fontstack names available.
    pub fn names(&self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }

    /// The glyph range starting at `start` (a multiple of 256) for a fontstack `A,B,...`: the first
    /// font of the stack that is available. `None` when none is or the range is invalid.
    pub async fn range(&self, fontstack: &str, start: u32) -> Option<Bytes> {
        let name = fontstack.split(',').map(str::trim).find(|n| self.files.contains_key(*n))?.to_string();
        if !start.is_multiple_of(256) || start > 0xFFFF {
            return None;
        }
        let key = (name.clone(), start);
        if let Some(b) = self.ranges.get(&key) {
            return Some(b);
        }
        let path = self.files.get(&name)?.clone();
        let faces = self.faces.clone();
        let pbf = tokio::task::spawn_blocking(move || {
            let face = faces.try_get_with(name, || {
                let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
                FontFace::parse(&bytes).map(Arc::new).map_err(|e| e.to_string())
            });
            face.ok().and_then(|f| glyphore_core::generate_range(&f, start).ok())
        })
        .await
        .ok()??;
        let bytes = Bytes::from(pbf);
        self.ranges.insert(key, bytes.clone());
        Some(bytes)
    }
}
