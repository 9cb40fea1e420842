//! The messages of the OGC map services (issue 17: WMS 1.3.0 and WMTS 1.0 exception reports, the
//! services' titles and the headings of GetFeatureInfo) in kk, ru and en, with their codes; wired
//! into [`super::Msg`] like `eds.rs`. The OGC exception code of a report is not this code: it is
//! chosen by `crate::ogc_maps::ExceptionCode`.

use super::{Lang, Msg};

/// The OGC map services' messages, in order.
pub const ALL: [Msg; 17] = [
    Msg::OgcInvalidFormat,
    Msg::OgcInvalidCrs,
    Msg::OgcLayerNotDefined,
    Msg::OgcStyleNotDefined,
    Msg::OgcLayerNotQueryable,
    Msg::OgcInvalidPoint,
    Msg::OgcCurrentUpdateSequence,
    Msg::OgcMissingParameter,
    Msg::OgcInvalidParameter,
    Msg::OgcOperationNotSupported,
    Msg::OgcTileOutOfRange,
    Msg::OgcImageTooLarge,
    Msg::OgcBboxInvalid,
    Msg::OgcBboxOutside,
    Msg::OgcServiceTitle,
    Msg::OgcServiceAbstract,
    Msg::OgcFeaturesHere,
];

pub(super) fn owns(msg: Msg) -> bool {
    ALL.contains(&msg)
}

pub(super) fn code(msg: Msg) -> &'static str {
    match msg {
        Msg::OgcInvalidFormat => "ogc_invalid_format",
        Msg::OgcInvalidCrs => "ogc_invalid_crs",
        Msg::OgcLayerNotDefined => "ogc_layer_not_defined",
        Msg::OgcStyleNotDefined => "ogc_style_not_defined",
        Msg::OgcLayerNotQueryable => "ogc_layer_not_queryable",
        Msg::OgcInvalidPoint => "ogc_invalid_point",
        Msg::OgcCurrentUpdateSequence => "ogc_current_update_sequence",
        Msg::OgcMissingParameter => "ogc_missing_parameter",
        Msg::OgcInvalidParameter => "ogc_invalid_parameter",
        Msg::OgcOperationNotSupported => "ogc_operation_not_supported",
        Msg::OgcTileOutOfRange => "ogc_tile_out_of_range",
        Msg::OgcImageTooLarge => "ogc_image_too_large",
        Msg::OgcBboxInvalid => "ogc_bbox_invalid",
        Msg::OgcBboxOutside => "ogc_bbox_outside",
        Msg::OgcServiceTitle => "ogc_service_title",
        Msg::OgcServiceAbstract => "ogc_service_abstract",
        Msg::OgcFeaturesHere => "ogc_features_here",
        _ => "ogc",
    }
}

pub(super) fn text(msg: Msg, lang: Lang) -> &'static str {
    use Lang::*;
    match (msg, lang) {
        (Msg::OgcInvalidFormat, Kk) => "Бұл пішім қолдау көрсетілмейді",
        (Msg::OgcInvalidFormat, Ru) => "Этот формат не поддерживается",
        (Msg::OgcInvalidFormat, En) => "This format is not supported",
        (Msg::OgcInvalidCrs, Kk) => "Бұл координаттар жүйесі қолдау көрсетілмейді",
        (Msg::OgcInvalidCrs, Ru) => "Эта система координат не поддерживается",
        (Msg::OgcInvalidCrs, En) => "This coordinate reference system is not supported",
        (Msg::OgcLayerNotDefined, Kk) => "Мұндай қабат жоқ",
        (Msg::OgcLayerNotDefined, Ru) => "Такого слоя нет",
        (Msg::OgcLayerNotDefined, En) => "No such layer",
        (Msg::OgcStyleNotDefined, Kk) => "Қабаттың мұндай стилі жоқ",
        (Msg::OgcStyleNotDefined, Ru) => "У слоя нет такого стиля",
        (Msg::OgcStyleNotDefined, En) => "The layer has no such style",
        (Msg::OgcLayerNotQueryable, Kk) => "Бұл қабаттың нысандары туралы сұрауға болмайды",
        (Msg::OgcLayerNotQueryable, Ru) => "Объекты этого слоя нельзя запросить",
        (Msg::OgcLayerNotQueryable, En) => "The features of this layer cannot be queried",
        (Msg::OgcInvalidPoint, Kk) => "Нүкте сурет шегінен тыс",
        (Msg::OgcInvalidPoint, Ru) => "Точка вне изображения",
        (Msg::OgcInvalidPoint, En) => "The point is outside the image",
        (Msg::OgcCurrentUpdateSequence, Kk) => "Сізде сипаттаманың ағымдағы нұсқасы бар",
        (Msg::OgcCurrentUpdateSequence, Ru) => "У вас текущая версия описания",
        (Msg::OgcCurrentUpdateSequence, En) => "You have the current version of the capabilities",
        (Msg::OgcMissingParameter, Kk) => "Міндетті параметр берілмеген",
        (Msg::OgcMissingParameter, Ru) => "Не задан обязательный параметр",
        (Msg::OgcMissingParameter, En) => "A required parameter is missing",
        (Msg::OgcInvalidParameter, Kk) => "Параметрдің мәні жарамсыз",
        (Msg::OgcInvalidParameter, Ru) => "Недопустимое значение параметра",
        (Msg::OgcInvalidParameter, En) => "A parameter has an invalid value",
        (Msg::OgcOperationNotSupported, Kk) => "Бұл операция қолдау көрсетілмейді",
        (Msg::OgcOperationNotSupported, Ru) => "Эта операция не поддерживается",
        (Msg::OgcOperationNotSupported, En) => "This operation is not supported",
        (Msg::OgcTileOutOfRange, Kk) => "Тайл матрица шегінен тыс",
        (Msg::OgcTileOutOfRange, Ru) => "Тайл вне матрицы",
        (Msg::OgcTileOutOfRange, En) => "The tile is outside the matrix",
        (Msg::OgcImageTooLarge, Kk) => "Сурет тым үлкен",
        (Msg::OgcImageTooLarge, Ru) => "Изображение слишком велико",
        (Msg::OgcImageTooLarge, En) => "The image is too large",
        (Msg::OgcBboxInvalid, Kk) => "Аумақ шектері жарамсыз (кері немесе бос)",
        (Msg::OgcBboxInvalid, Ru) => "Границы области недопустимы (перевёрнуты или пусты)",
        (Msg::OgcBboxInvalid, En) => "The bounding box is invalid (reversed or empty)",
        (Msg::OgcBboxOutside, Kk) => "Аумақ координаттар жүйесінің қолданылу аясынан тыс",
        (Msg::OgcBboxOutside, Ru) => "Область вне области применения системы координат",
        (Msg::OgcBboxOutside, En) => {
            "The bounding box lies outside the area of the coordinate reference system"
        }
        (Msg::OgcServiceTitle, Kk) => "Qala — Алматы қаласының ГАЖ карталары",
        (Msg::OgcServiceTitle, Ru) => "Qala — карты ГИС города Алматы",
        (Msg::OgcServiceTitle, En) => "Qala — maps of the GIS of the city of Almaty",
        (Msg::OgcServiceAbstract, Kk) => "Қала қабаттары мен растрлары, сізге оқуға рұқсат етілгендері ғана",
        (Msg::OgcServiceAbstract, Ru) => "Слои и растры города, только те, что вам разрешено читать",
        (Msg::OgcServiceAbstract, En) => "The city's layers and rasters, only those you may read",
        (Msg::OgcFeaturesHere, Kk) => "Осы нүктедегі нысандар",
        (Msg::OgcFeaturesHere, Ru) => "Объекты в этой точке",
        (Msg::OgcFeaturesHere, En) => "Features at this point",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_three_texts_and_a_code() {
        for m in ALL {
            assert!(owns(m));
            assert!(code(m).starts_with("ogc_"), "{m:?}");
            for l in [Lang::Kk, Lang::Ru, Lang::En] {
                assert!(!text(m, l).is_empty(), "{m:?} {l:?}");
                assert_eq!(m.text(l), text(m, l));
            }
        }
    }
}
