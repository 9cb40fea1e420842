//! The words of the usage report in kk, ru and en (and kk / ru side by side).

use super::Langs;
use crate::i18n::Lang;

/// `[kk, ru, en]` of a key; the key itself when unknown.
fn words(key: &str) -> [&str; 3] {
    match key {
        "title" => [
            "Пайдалану туралы тоқсандық есеп",
            "Квартальный отчёт об использовании",
            "Quarterly usage report",
        ],
        "period" => ["Кезең", "Период", "Period"],
        "access" => ["Қолжетімділігі бар пайдаланушылар", "Пользователи с доступом", "Users with access"],
        "visits" => ["Кірулер", "Посещения", "Visits"],
        "changes" => [
            "Көрсеткіштер мен функциялардың өзгерістері",
            "Изменения показателей и функций",
            "Changes of indicators and functions",
        ],
        "org" => ["Ұйым", "Организация", "Organisation"],
        "dept" => ["Бөлім", "Отдел", "Department"],
        "users" => ["Пайдаланушылар", "Пользователи", "Users"],
        "month" => ["Ай", "Месяц", "Month"],
        "signins" => ["Кірулер саны", "Входов", "Sign-ins"],
        "active" => ["Белсенді пайдаланушылар", "Активных пользователей", "Distinct users"],
        "total" => ["Барлығы", "Итого", "Total"],
        "by_org" => ["Ұйымдар бойынша", "По организациям", "By organisation"],
        "layers" => ["Қабаттар", "Слои", "Layers"],
        "services" => ["Қызметтер", "Услуги", "Services"],
        "rights" => ["Рөлдер мен рұқсаттар", "Роли и права доступа", "Roles and grants"],
        "at" => ["Уақыты", "Время", "When"],
        "what" => ["Нысан", "Объект", "What"],
        "change" => ["Өзгеріс", "Изменение", "Change"],
        "by" => ["Кім", "Кто", "By"],
        "none" => ["Жоқ", "Нет", "None"],
        "password" => ["құпиясөз", "пароль", "password"],
        "eds" => ["ЭЦҚ", "ЭЦП", "EDS"],
        "sms" => ["SMS", "SMS", "SMS"],
        "other" => ["басқа", "другое", "other"],
        "added" => ["қосылды", "добавлен", "added"],
        "changed" => ["өзгертілді", "изменён", "changed"],
        "retired" => ["алынып тасталды", "выведен", "retired"],
        "restored" => ["қайтарылды", "восстановлен", "restored"],
        _ => ["", "", ""],
    }
}

/// The word `key` in `langs` (`kk / ru` for both); `key` itself when the report has no word for it
/// (role names, journal actions).
pub fn t(key: &str, langs: Langs) -> String {
    let w = words(key);
    if w[0].is_empty() {
        return key.to_string();
    }
    match langs {
        Langs::One(Lang::Kk) => w[0].to_string(),
        Langs::One(Lang::Ru) => w[1].to_string(),
        Langs::One(Lang::En) => w[2].to_string(),
        Langs::KkRu if w[0] == w[1] => w[0].to_string(),
        Langs::KkRu => format!("{} / {}", w[0], w[1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_in_each_language() {
        assert_eq!(t("users", Langs::One(Lang::En)), "Users");
        assert_eq!(t("users", Langs::KkRu), "Пайдаланушылар / Пользователи");
        assert_eq!(t("sms", Langs::KkRu), "SMS");
        assert_eq!(t("editor", Langs::One(Lang::Kk)), "editor");
    }
}
