//! The messages of raster tiles (issue 17) in kk, ru and en, with their codes; wired into
//! [`super::Msg`] like `eds.rs`.

use super::{Lang, Msg};

/// The raster tile messages.
pub const ALL: [Msg; 1] = [Msg::TileFormatUnknown];

pub(super) fn owns(msg: Msg) -> bool {
    ALL.contains(&msg)
}

pub(super) fn code(msg: Msg) -> &'static str {
    match msg {
        Msg::TileFormatUnknown => "tile_format_unknown",
        _ => "raster_tiles",
    }
}

pub(super) fn text(msg: Msg, lang: Lang) -> &'static str {
    use Lang::*;
    match (msg, lang) {
        (Msg::TileFormatUnknown, Kk) => {
            "Тайл пішімі белгісіз: .mvt, .pbf, .png, .jpg, .webp (және @2x.png, @2x.jpg, @2x.webp) беріледі"
        }
        (Msg::TileFormatUnknown, Ru) => {
            "Неизвестный формат тайла: доступны .mvt, .pbf, .png, .jpg, .webp (и @2x.png, @2x.jpg, @2x.webp)"
        }
        (Msg::TileFormatUnknown, En) => {
            "Unknown tile format: .mvt, .pbf, .png, .jpg and .webp (and @2x.png, @2x.jpg, @2x.webp) are served"
        }
        _ => "",
    }
}
