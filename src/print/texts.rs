//! Words printed on documents, in Kazakh, Russian and English, and the bilingual `kk+ru` form
//! (pure).

use serde::Deserialize;

use crate::i18n::Lang;
use crate::layers::catalog::Translated;

/// The language(s) of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub enum DocLang {
    #[serde(rename = "kk")]
    Kk,
    #[serde(rename = "ru")]
    Ru,
    #[serde(rename = "en")]
    En,
    /// Kazakh and Russian side by side (`Масштаб / Масштаб`).
    #[serde(rename = "kk+ru")]
    KkRu,
}

impl DocLang {
    pub fn from_lang(l: Lang) -> DocLang {
        match l {
            Lang::Kk => DocLang::Kk,
            Lang::Ru => DocLang::Ru,
            Lang::En => DocLang::En,
        }
    }

    /// The first language: names on the map, error messages.
    pub fn primary(self) -> Lang {
        match self {
            DocLang::Kk | DocLang::KkRu => Lang::Kk,
            DocLang::Ru => Lang::Ru,
            DocLang::En => Lang::En,
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            DocLang::Kk => "kk",
            DocLang::Ru => "ru",
            DocLang::En => "en",
            DocLang::KkRu => "kk+ru",
        }
    }

    /// A translated text in this language (both, joined by ` / `, for `kk+ru`).
    pub fn pick(self, t: &Translated) -> String {
        match self {
            DocLang::KkRu if t.kk != t.ru => format!("{} / {}", t.kk, t.ru),
            other => t.get(other.primary()).to_string(),
        }
    }

    /// A word of the document's furniture.
    pub fn word(self, w: Word) -> String {
        let (kk, ru, en) = w.texts();
        self.pick(&Translated { kk: kk.into(), ru: ru.into(), en: en.into() })
    }
}

/// Words on printed documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    Scale,
    Legend,
    Other,
    Crs,
    Date,
    Verify,
    Document,
    North,
    Km,
    M,
    Passport,
    Attributes,
    LayerMetadata,
    Source,
    Owner,
    DataDate,
    Accuracy,
    Licence,
    Photos,
    Identifier,
    Version,
    LastChange,
    Kato,
    Layer,
    Location,
    Area,
    Length,
    IssuedBy,
    Anonymous,
    // issue 12: passports
    RegisteredUser,
    PhotoTooLarge,
    PhotoUnreadable,
    // APP-2: the output documents of applications
    Application,
    Overlay,
    District,
    Zone,
    Share,
    Network,
    Distance,
    Site,
    IssuedOn,
}

impl Word {
    fn texts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Word::Scale => ("Масштаб", "Масштаб", "Scale"),
            Word::Legend => ("Шартты белгілер", "Условные обозначения", "Legend"),
            Word::Other => ("басқалары", "прочие", "other"),
            Word::Crs => ("Координаттар жүйесі", "Система координат", "Coordinate system"),
            Word::Date => ("Күні", "Дата", "Date"),
            Word::Verify => ("Тексеру", "Проверка", "Verify"),
            Word::Document => ("Құжат", "Документ", "Document"),
            Word::North => ("С", "С", "N"),
            Word::Km => ("км", "км", "km"),
            Word::M => ("м", "м", "m"),
            Word::Passport => ("Объект паспорты", "Паспорт объекта", "Object passport"),
            Word::Attributes => ("Сипаттамалары", "Характеристики", "Attributes"),
            Word::LayerMetadata => ("Қабат туралы мәліметтер", "Сведения о слое", "Layer metadata"),
            Word::Source => ("Дереккөз", "Источник", "Source"),
            Word::Owner => ("Иесі", "Владелец", "Owner"),
            Word::DataDate => ("Деректер күні", "Дата данных", "Data date"),
            Word::Accuracy => ("Дәлдігі", "Точность", "Accuracy"),
            Word::Licence => ("Лицензия", "Лицензия", "Licence"),
            Word::Photos => ("Фотосуреттер", "Фотографии", "Photos"),
            Word::Identifier => ("Сәйкестендіргіш", "Идентификатор", "Identifier"),
            Word::Version => ("Нұсқасы", "Версия", "Version"),
            Word::LastChange => ("Соңғы өзгеріс", "Последнее изменение", "Last change"),
            Word::Kato => ("ӘАОЖ (ҚАТО)", "КАТО", "KATO"),
            Word::Layer => ("Қабат", "Слой", "Layer"),
            Word::Location => ("Орналасқан жері", "Местоположение", "Location"),
            Word::Area => ("Ауданы", "Площадь", "Area"),
            Word::Length => ("Ұзындығы", "Длина", "Length"),
            Word::IssuedBy => ("Берген", "Выдал", "Issued by"),
            Word::Anonymous => {
                ("ашық карта (анонимді)", "публичная карта (анонимно)", "public map (anonymous)")
            }
            // issue 12: passports
            Word::RegisteredUser => {
                ("тіркелген пайдаланушы", "зарегистрированный пользователь", "registered user")
            }
            Word::PhotoTooLarge => (
                "Фотосурет көрсетілмеді: сурет тым үлкен",
                "Фотография не показана: изображение слишком велико",
                "Photo not shown: the image is too large",
            ),
            Word::PhotoUnreadable => (
                "Фотосурет көрсетілмеді: суретті оқу мүмкін емес",
                "Фотография не показана: изображение не читается",
                "Photo not shown: the image cannot be read",
            ),
            // APP-2: the output documents of applications
            Word::Application => ("Өтінім", "Заявка", "Application"),
            Word::Overlay => ("Қабаттастыру нәтижесі", "Результаты наложения", "Overlay"),
            Word::District => ("Аудан", "Район", "District"),
            Word::Zone => ("Аймақ", "Зона", "Zone"),
            Word::Share => ("үлесі", "доля", "share"),
            Word::Network => ("Желі", "Сеть", "Network"),
            Word::Distance => ("қашықтығы", "расстояние", "distance"),
            Word::Site => ("Учаске", "Участок", "Site"),
            Word::IssuedOn => ("Берілген күні", "Дата выдачи", "Issued on"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bilingual_words() {
        assert_eq!(DocLang::KkRu.word(Word::Legend), "Шартты белгілер / Условные обозначения");
        assert_eq!(DocLang::KkRu.word(Word::Scale), "Масштаб");
        assert_eq!(DocLang::En.word(Word::North), "N");
        let l: DocLang = serde_json::from_str("\"kk+ru\"").unwrap_or(DocLang::En);
        assert_eq!(l, DocLang::KkRu);
    }
}
