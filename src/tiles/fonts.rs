//! Glyphs for map labels, served by the server itself (no internet needed): MapLibre requests
//! `/fonts/{fontstack}/{start}-{end}.pbf`; the ranges are rendered as signed distance fields from
//! the TrueType fonts of a directory (DejaVu by default, which covers Cyrillic with the Kazakh
//! letters ә ғ қ ң ө ұ ү һ і) and kept in memory.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use glyphore_core::FontFace;

/// The fonts found in a directory, by fontstack name (`DejaVu Sans Book`, ...).
#[derive(Clone)]
pub struct Fonts {
    faces: Arc<BTreeMap<String, Arc<FontFace>>>,
    ranges: moka::sync::Cache<(String, u32), Bytes>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts").field("faces", &self.faces.keys().collect::<Vec<_>>()).finish()
    }
}

impl Fonts {
    /// Loads every `.ttf`/`.otf` of `dir`; unreadable files are logged and skipped.
    pub fn load(dir: &Path) -> Fonts {
        let mut faces = BTreeMap::new();
        let Ok(entries) = std::fs::read_dir(dir) else {
            tracing::warn!(dir = %dir.display(), "no font directory: labels will have no glyphs");
            return Fonts { faces: Arc::default(), ranges: moka::sync::Cache::new(4096) };
        };
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            if ext != "ttf" && ext != "otf" {
                continue;
            }
            match std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| FontFace::parse(&b).map_err(|e| e.to_string()))
            {
                Ok(face) => {
                    faces.insert(face.fontstack_name().to_string(), Arc::new(face));
                }
                Err(e) => tracing::warn!(file = %path.display(), error = %e, "font skipped"),
            }
        }
        Fonts { faces: Arc::new(faces), ranges: moka::sync::Cache::new(4096) }
    }

    /// The fontstack names available.
    pub fn names(&self) -> Vec<String> {
        self.faces.keys().cloned().collect()
    }

    /// The glyph range starting at `start` (a multiple of 256) for a fontstack `A,B,...`: the first
    /// font of the stack that is available. `None` when none is or the range is invalid.
    pub async fn range(&self, fontstack: &str, start: u32) -> Option<Bytes> {
        let name = fontstack.split(',').map(str::trim).find(|n| self.faces.contains_key(*n))?.to_string();
        if !start.is_multiple_of(256) || start > 0xFFFF {
            return None;
        }
        let key = (name.clone(), start);
        if let Some(b) = self.ranges.get(&key) {
            return Some(b);
        }
        let face = Arc::clone(self.faces.get(&name)?);
        let pbf = tokio::task::spawn_blocking(move || glyphore_core::generate_range(&face, start))
            .await
            .ok()?
            .ok()?;
        let bytes = Bytes::from(pbf);
        self.ranges.insert(key, bytes.clone());
        Some(bytes)
    }
}
