//! The messages of security monitoring and the usage report (issue 16) in kk, ru and en, with their
//! codes; wired into [`super::Msg`] like `eds.rs`.

use super::{Lang, Msg};

/// The messages of this file, in order.
pub const ALL: [Msg; 4] =
    [Msg::IncidentNotFound, Msg::IncidentClosed, Msg::QuarterInvalid, Msg::ReportFormatInvalid];

pub(super) fn owns(msg: Msg) -> bool {
    ALL.contains(&msg)
}

pub(super) fn code(msg: Msg) -> &'static str {
    match msg {
        Msg::IncidentNotFound => "incident_not_found",
        Msg::IncidentClosed => "incident_closed",
        Msg::QuarterInvalid => "quarter_invalid",
        Msg::ReportFormatInvalid => "report_format_invalid",
        _ => "security",
    }
}

pub(super) fn text(msg: Msg, lang: Lang) -> &'static str {
    use Lang::*;
    match (msg, lang) {
        (Msg::IncidentNotFound, Kk) => "Мұндай қауіпсіздік оқиғасы жоқ",
        (Msg::IncidentNotFound, Ru) => "Такого инцидента безопасности нет",
        (Msg::IncidentNotFound, En) => "No such security incident",
        (Msg::IncidentClosed, Kk) => "Оқиға жабылған, оны өзгертуге болмайды",
        (Msg::IncidentClosed, Ru) => "Инцидент закрыт, его нельзя изменить",
        (Msg::IncidentClosed, En) => "The incident is closed and cannot be changed",
        (Msg::QuarterInvalid, Kk) => "Тоқсан ЖЖЖЖ-QN түрінде беріледі, мысалы 2026-Q4",
        (Msg::QuarterInvalid, Ru) => "Квартал указывается в виде ГГГГ-QN, например 2026-Q4",
        (Msg::QuarterInvalid, En) => "A quarter is written YYYY-QN, for example 2026-Q4",
        (Msg::ReportFormatInvalid, Kk) => "Есеп пішімі: xlsx немесе pdf",
        (Msg::ReportFormatInvalid, Ru) => "Формат отчёта: xlsx или pdf",
        (Msg::ReportFormatInvalid, En) => "The report's format is xlsx or pdf",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_three_texts_and_a_code() {
        for m in ALL {
            assert_ne!(code(m), "security");
            for l in [Lang::Kk, Lang::Ru, Lang::En] {
                assert!(!text(m, l).is_empty(), "{m:?} {l:?}");
            }
        }
    }
}
