//! The messages of the EDS sign-in and of signed documents (issue 15) in kk, ru and en.

use super::{Lang, Msg};

/// Whether this file holds `msg`.
pub(super) fn owns(msg: Msg) -> bool {
    matches!(
        msg,
        Msg::EdsChallengeUnknown
            | Msg::EdsNotConfigured
            | Msg::EdsNoIin
            | Msg::EdsNotValid
            | Msg::EdsTooLarge
            | Msg::SignatureNotYourParty
            | Msg::SignatureAlreadyMade
    )
}

/// The code of a message of this file.
pub(super) fn code(msg: Msg) -> Option<&'static str> {
    Some(match msg {
        Msg::EdsChallengeUnknown => "eds_challenge_unknown",
        Msg::EdsNotConfigured => "eds_not_configured",
        Msg::EdsNoIin => "eds_no_iin",
        Msg::EdsNotValid => "eds_not_valid",
        Msg::EdsTooLarge => "eds_too_large",
        Msg::SignatureNotYourParty => "signature_not_your_party",
        Msg::SignatureAlreadyMade => "signature_already_made",
        _ => return None,
    })
}

/// The text of a message of this file in `lang`.
pub(super) fn text(msg: Msg, lang: Lang) -> &'static str {
    use Lang::*;
    match (msg, lang) {
        (Msg::EdsChallengeUnknown, Kk) => {
            "Кіру сұрауының мерзімі өтті немесе ол пайдаланылған: қайтадан кіріңіз"
        }
        (Msg::EdsChallengeUnknown, Ru) => "Запрос на вход устарел или уже использован: войдите ещё раз",
        (Msg::EdsChallengeUnknown, En) => {
            "The sign-in request has expired or was used already: sign in again"
        }
        (Msg::EdsNotConfigured, Kk) => "Бұл серверде ЭЦҚ-мен кіру және қол қою бапталмаған",
        (Msg::EdsNotConfigured, Ru) => "Вход и подпись с ЭЦП на этом сервере не настроены",
        (Msg::EdsNotConfigured, En) => "Sign-in and signing with EDS are not set up on this server",
        (Msg::EdsNoIin, Kk) => "Сертификатта ЖСН жоқ: жеке тұлғаның немесе қызметкердің кілтін таңдаңыз",
        (Msg::EdsNoIin, Ru) => "В сертификате нет ИИН: выберите ключ физического лица или сотрудника",
        (Msg::EdsNoIin, En) => "The certificate carries no IIN: choose a personal or an employee's key",
        (Msg::EdsNotValid, Kk) => "ЭЦҚ қолтаңбасы жарамсыз",
        (Msg::EdsNotValid, Ru) => "Подпись ЭЦП недействительна",
        (Msg::EdsNotValid, En) => "The EDS signature is not valid",
        (Msg::EdsTooLarge, Kk) => "Қолтаңба тым үлкен",
        (Msg::EdsTooLarge, Ru) => "Подпись слишком велика",
        (Msg::EdsTooLarge, En) => "The signature is too large",
        (Msg::SignatureNotYourParty, Kk) => {
            "Бұл сертификатпен осы құжатқа қол қоюға болмайды: ол сіздің ЖСН-ға немесе ұйымыңыздың БСН-ға тиесілі емес"
        }
        (Msg::SignatureNotYourParty, Ru) => {
            "Этим сертификатом нельзя подписать документ: он выдан не на ваш ИИН или не на БИН вашей организации"
        }
        (Msg::SignatureNotYourParty, En) => {
            "This certificate cannot sign the document: it is not issued to your IIN or to your organisation's BIN"
        }
        (Msg::SignatureAlreadyMade, Kk) => "Бұл тарап құжатқа қол қойып қойған",
        (Msg::SignatureAlreadyMade, Ru) => "Эта сторона уже подписала документ",
        (Msg::SignatureAlreadyMade, En) => "This party has signed the document already",
        (m, _) => m.code(),
    }
}
