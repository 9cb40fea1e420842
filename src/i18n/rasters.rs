//! The messages of rasters (issue 17: `qala raster add` and `remove` refusing a file or an id) in
//! kk, ru and en, with their codes; wired into [`super::Msg`] like `eds.rs`.

use super::{Lang, Msg};

/// The raster messages, in order.
pub const ALL: [Msg; 6] = [
    Msg::RasterNotRaster,
    Msg::RasterNoCrs,
    Msg::RasterTooBig,
    Msg::RasterUnknown,
    Msg::RasterExists,
    Msg::RasterBadId,
];

pub(super) fn owns(msg: Msg) -> bool {
    ALL.contains(&msg)
}

pub(super) fn code(msg: Msg) -> &'static str {
    match msg {
        Msg::RasterNotRaster => "raster_not_raster",
        Msg::RasterNoCrs => "raster_no_crs",
        Msg::RasterTooBig => "raster_too_big",
        Msg::RasterUnknown => "raster_unknown",
        Msg::RasterExists => "raster_exists",
        Msg::RasterBadId => "raster_bad_id",
        _ => "raster",
    }
}

pub(super) fn text(msg: Msg, lang: Lang) -> &'static str {
    use Lang::*;
    match (msg, lang) {
        (Msg::RasterNotRaster, Kk) => "Файл растр емес (GDAL оны растр ретінде оқи алмайды)",
        (Msg::RasterNotRaster, Ru) => "Файл не является растром (GDAL не читает его как растр)",
        (Msg::RasterNotRaster, En) => "The file is not a raster (GDAL cannot read it as one)",
        (Msg::RasterNoCrs, Kk) => {
            "Растрда координаттар жүйесі немесе геобайланыс жоқ: оны файлға жазыңыз (мысалы, gdal_edit.py -a_srs EPSG:28413)"
        }
        (Msg::RasterNoCrs, Ru) => {
            "У растра нет системы координат или привязки: запишите её в файл (например, gdal_edit.py -a_srs EPSG:28413)"
        }
        (Msg::RasterNoCrs, En) => {
            "The raster has no coordinate reference system or georeferencing: set it in the file (e.g. gdal_edit.py -a_srs EPSG:28413)"
        }
        (Msg::RasterTooBig, Kk) => "Растр тым үлкен: ең көбі 8 ГиБ және 1,6 миллиард пиксель",
        (Msg::RasterTooBig, Ru) => "Растр слишком велик: не более 8 ГиБ и 1,6 миллиарда пикселей",
        (Msg::RasterTooBig, En) => "The raster is too big: at most 8 GiB and 1.6 billion pixels",
        (Msg::RasterUnknown, Kk) => "Мұндай идентификатормен растр тіркелмеген",
        (Msg::RasterUnknown, Ru) => "Растр с таким идентификатором не зарегистрирован",
        (Msg::RasterUnknown, En) => "No raster is registered with this id",
        (Msg::RasterExists, Kk) => "Бұл идентификатормен растр бар: ауыстыру үшін --replace қосыңыз",
        (Msg::RasterExists, Ru) => "Растр с таким идентификатором уже есть: для замены добавьте --replace",
        (Msg::RasterExists, En) => "A raster with this id exists: add --replace to replace it",
        (Msg::RasterBadId, Kk) => {
            "Идентификатор: кіші латын әріптері, цифрлар және _, әріптен басталады, 40 таңбаға дейін (hillshade емес)"
        }
        (Msg::RasterBadId, Ru) => {
            "Идентификатор: строчные латинские буквы, цифры и _, начиная с буквы, до 40 знаков (не hillshade)"
        }
        (Msg::RasterBadId, En) => {
            "An id is lower-case latin letters, digits and _, starting with a letter, up to 40 characters (not hillshade)"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_three_texts_and_a_code() {
        for m in ALL {
            for l in [Lang::Kk, Lang::Ru, Lang::En] {
                assert!(!text(m, l).is_empty(), "{m:?} {l:?}");
                assert_eq!(m.text(l), text(m, l));
            }
            assert_eq!(m.code(), code(m));
        }
    }
}
