//! Printed documents: maps to scale as vector GeoPDF (`POST /api/print`), object passports
//! (`GET /api/layers/{id}/items/{fid}/passport.pdf`), the output documents of applications
//! ([`decision`], `GET /api/applications/{id}/document.pdf`) and their verification (`/verify/{code}`).
//!
//! Pure parts: [`expr`] and [`style`] (the web map's MapLibre style evaluated per feature),
//! [`layout`] (paper, frame, scale), [`map`] (drawing features and labels), [`page`] (the
//! legend's box, scale bar, north arrow, QR code), [`legend`] (what the frame shows, class by
//! class), [`legend_layout`] (columns, continuation pages), [`legend_draw`] and [`legend_image`]
//! (the legend on a PDF page or as an image), [`passport`], [`font`] (DejaVu subsets), [`canvas`] and
//! [`geopdf`] (the PDF with layers and the ISO 32000 geospatial encoding), [`verify`] (the
//! verification page). IO: [`store`] (SQL), [`routes`] (prints and passports) and [`records`]
//! (document records and verification). Drawing runs in `spawn_blocking`, behind the
//! [`limits::RenderGate`]; images are decoded within [`limits::image_limits`].

pub mod canvas;
pub mod cluster;
pub mod decision;
pub mod decision_page;
pub mod density;
pub mod expr;
pub mod font;
pub mod geopdf;
pub mod issue;
pub mod layout;
pub mod legend;
pub mod legend_draw;
pub mod legend_image;
pub mod legend_layout;
pub mod limits;
pub mod map;
pub mod page;
pub mod passport;
pub mod passport_page;
pub mod plan;
pub mod raster;
pub mod shaping;
pub mod store;
pub mod style;
pub mod surface;
pub mod texts;
pub mod verify;

use std::io::Write;

/// zlib-compresses a stream for `/FlateDecode`.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e =
        flate2::write::ZlibEncoder::new(Vec::with_capacity(data.len() / 3), flate2::Compression::new(6));
    // Writing into a Vec cannot fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// A new document code, `XXXX-XXXX-XXXX` of Crockford's base 32 (no I, L, O, U): 60 random bits.
pub fn new_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..12).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    format!(
        "{}-{}-{}",
        chars[0..4].iter().collect::<String>(),
        chars[4..8].iter().collect::<String>(),
        chars[8..12].iter().collect::<String>()
    )
}

/// Normalises a code as people type it (lower case, no dashes, O for 0 …).
///
/// ```
/// assert_eq!(qala::print::normalise_code("abcd efgh-jkmn").as_deref(), Some("ABCD-EFGH-JKMN"));
/// assert_eq!(qala::print::normalise_code("x").as_deref(), None);
/// ```
pub fn normalise_code(raw: &str) -> Option<String> {
    let c: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    (c.len() == 12).then(|| format!("{}-{}-{}", &c[0..4], &c[4..8], &c[8..12]))
}
