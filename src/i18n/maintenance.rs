//! The messages of maintenance windows and of a query cancelled by its statement timeout (issue 16) in kk, ru and en,
//! with their codes; wired into [`super::Msg`] like `eds.rs`.

use super::{Lang, Msg};

/// The messages, in order.
pub const ALL: [Msg; 8] = [
    Msg::MaintenanceReadOnly,
    Msg::MaintenanceTooSoon,
    Msg::MaintenanceTooLong,
    Msg::MaintenanceOverlap,
    Msg::MaintenanceEndsBeforeStart,
    Msg::MaintenanceMessageMissing,
    Msg::MaintenanceNotFound,
    Msg::StatementTimeout,
];

pub(super) fn owns(msg: Msg) -> bool {
    ALL.contains(&msg)
}

pub(super) fn code(msg: Msg) -> &'static str {
    match msg {
        Msg::MaintenanceReadOnly => "maintenance_read_only",
        Msg::MaintenanceTooSoon => "maintenance_too_soon",
        Msg::MaintenanceTooLong => "maintenance_too_long",
        Msg::MaintenanceOverlap => "maintenance_overlap",
        Msg::MaintenanceEndsBeforeStart => "maintenance_ends_before_start",
        Msg::MaintenanceMessageMissing => "maintenance_message_missing",
        Msg::MaintenanceNotFound => "maintenance_not_found",
        Msg::StatementTimeout => "statement_timeout",
        _ => "maintenance",
    }
}

pub(super) fn text(msg: Msg, lang: Lang) -> &'static str {
    use Lang::*;
    match (msg, lang) {
        (Msg::MaintenanceReadOnly, Kk) => {
            "Жоспарлы техникалық жұмыстар жүріп жатыр: жүйе тек оқу режимінде, өзгерістер кейінірек қабылданады"
        }
        (Msg::MaintenanceReadOnly, Ru) => {
            "Идут плановые технические работы: система доступна только для чтения, изменения будут приняты позже"
        }
        (Msg::MaintenanceReadOnly, En) => {
            "Scheduled maintenance is under way: the system is read-only, changes are accepted afterwards"
        }
        (Msg::MaintenanceTooSoon, Kk) => "Техникалық жұмыстар кемінде үш жұмыс күні бұрын жариялануы тиіс",
        (Msg::MaintenanceTooSoon, Ru) => "Технические работы объявляются не менее чем за три рабочих дня",
        (Msg::MaintenanceTooSoon, En) => "Maintenance must be announced at least three working days ahead",
        (Msg::MaintenanceTooLong, Kk) => "Техникалық жұмыстар терезесі сегіз сағаттан аспауы тиіс",
        (Msg::MaintenanceTooLong, Ru) => "Окно технических работ не может быть длиннее восьми часов",
        (Msg::MaintenanceTooLong, En) => "A maintenance window is at most eight hours long",
        (Msg::MaintenanceOverlap, Kk) => "Бұл уақытқа басқа техникалық жұмыстар терезесі жарияланған",
        (Msg::MaintenanceOverlap, Ru) => "На это время уже объявлено другое окно технических работ",
        (Msg::MaintenanceOverlap, En) => "Another maintenance window is announced for this time",
        (Msg::MaintenanceEndsBeforeStart, Kk) => "Терезенің аяқталуы басталуынан кейін болуы тиіс",
        (Msg::MaintenanceEndsBeforeStart, Ru) => "Окно должно заканчиваться после начала",
        (Msg::MaintenanceEndsBeforeStart, En) => "The window must end after it starts",
        (Msg::MaintenanceMessageMissing, Kk) => {
            "Хабарлама қазақ, орыс және ағылшын тілдерінде берілуі тиіс (әрқайсысы 1000 таңбаға дейін)"
        }
        (Msg::MaintenanceMessageMissing, Ru) => {
            "Сообщение нужно на казахском, русском и английском языках (каждое до 1000 символов)"
        }
        (Msg::MaintenanceMessageMissing, En) => {
            "The message is needed in Kazakh, Russian and English (each up to 1000 characters)"
        }
        (Msg::MaintenanceNotFound, Kk) => "Мұндай өтпеген техникалық жұмыстар терезесі жоқ",
        (Msg::MaintenanceNotFound, Ru) => "Такого непрошедшего окна технических работ нет",
        (Msg::MaintenanceNotFound, En) => "There is no such maintenance window that is not over",
        (Msg::StatementTimeout, Kk) => {
            "Дерекқордағы сұрау тым ұзақ орындалып, тоқтатылды: аумақты кішірейтіңіз немесе сүзгіні жеңілдетіңіз"
        }
        (Msg::StatementTimeout, Ru) => {
            "Запрос к базе данных выполнялся слишком долго и был прерван: уменьшите область или упростите фильтр"
        }
        (Msg::StatementTimeout, En) => {
            "The database query took too long and was cancelled: ask for a smaller area or a simpler filter"
        }
        _ => "",
    }
}
