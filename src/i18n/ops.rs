//! The messages of operations (issue 16: readiness, the metrics' access) in kk, ru and en, with
//! their codes; wired into [`super::Msg`] like `eds.rs`.

use super::{Lang, Msg};

/// The operations messages, in order.
pub const ALL: [Msg; 3] = [Msg::OpsReady, Msg::OpsNotReady, Msg::OpsForbidden];

pub(super) fn owns(msg: Msg) -> bool {
    ALL.contains(&msg)
}

pub(super) fn code(msg: Msg) -> &'static str {
    match msg {
        Msg::OpsReady => "ready",
        Msg::OpsNotReady => "not_ready",
        Msg::OpsForbidden => "operations_forbidden",
        _ => "operations",
    }
}

pub(super) fn text(msg: Msg, lang: Lang) -> &'static str {
    use Lang::*;
    match (msg, lang) {
        (Msg::OpsReady, Kk) => "Сервер сұрауларды қабылдауға дайын",
        (Msg::OpsReady, Ru) => "Сервер готов принимать запросы",
        (Msg::OpsReady, En) => "The server is ready for requests",
        (Msg::OpsNotReady, Kk) => "Сервер сұрауларды қабылдауға дайын емес: тексерулердің бірі өтпеді",
        (Msg::OpsNotReady, Ru) => "Сервер не готов принимать запросы: одна из проверок не пройдена",
        (Msg::OpsNotReady, En) => "The server is not ready for requests: a check failed",
        (Msg::OpsForbidden, Kk) => "Жұмыс көрсеткіштерін тек әкімшілер мен мониторинг тіркелгілері көреді",
        (Msg::OpsForbidden, Ru) => {
            "Рабочие показатели доступны только администраторам и учётным записям мониторинга"
        }
        (Msg::OpsForbidden, En) => "Operations figures are for administrators and monitoring accounts only",
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
