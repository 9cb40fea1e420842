//! The messages of EDS verification (issue 15: why a CMS signature was refused or could not be
//! read) in kk, ru and en, with their codes; wired into [`super::Msg`] like `identity.rs`.

use super::{Lang, Msg};

/// The EDS messages, in order.
pub const ALL: [Msg; 11] = [
    Msg::EdsBadSignature,
    Msg::EdsDataMismatch,
    Msg::EdsUntrustedChain,
    Msg::EdsNotYetValid,
    Msg::EdsExpired,
    Msg::EdsWrongKeyUsage,
    Msg::EdsRevoked,
    Msg::EdsRevocationUnknown,
    Msg::EdsUnsupportedAlgorithm,
    Msg::EdsUnreadable,
    Msg::EdsNoContent,
];

pub(super) fn owns(msg: Msg) -> bool {
    ALL.contains(&msg)
}

pub(super) fn code(msg: Msg) -> &'static str {
    match msg {
        Msg::EdsBadSignature => "eds_bad_signature",
        Msg::EdsDataMismatch => "eds_data_mismatch",
        Msg::EdsUntrustedChain => "eds_untrusted_chain",
        Msg::EdsNotYetValid => "eds_not_yet_valid",
        Msg::EdsExpired => "eds_expired",
        Msg::EdsWrongKeyUsage => "eds_wrong_key_usage",
        Msg::EdsRevoked => "eds_revoked",
        Msg::EdsRevocationUnknown => "eds_revocation_unknown",
        Msg::EdsUnsupportedAlgorithm => "eds_unsupported_algorithm",
        Msg::EdsUnreadable => "eds_unreadable",
        Msg::EdsNoContent => "eds_no_content",
        _ => "eds",
    }
}

pub(super) fn text(msg: Msg, lang: Lang) -> &'static str {
    use Lang::*;
    match (msg, lang) {
        (Msg::EdsBadSignature, Kk) => "Электрондық цифрлық қолтаңба тексеруден өтпеді",
        (Msg::EdsBadSignature, Ru) => "Электронная цифровая подпись не прошла проверку",
        (Msg::EdsBadSignature, En) => "The digital signature does not verify",
        (Msg::EdsDataMismatch, Kk) => "Қолтаңба басқа деректерге қойылған",
        (Msg::EdsDataMismatch, Ru) => "Подпись поставлена под другими данными",
        (Msg::EdsDataMismatch, En) => "The signature was made over other data",
        (Msg::EdsUntrustedChain, Kk) => "Сертификатты сенімді куәландырушы орталық (ҰКО) бермеген",
        (Msg::EdsUntrustedChain, Ru) => "Сертификат выдан не доверенным удостоверяющим центром (НУЦ)",
        (Msg::EdsUntrustedChain, En) => {
            "The certificate was not issued by a trusted certification authority (NCA)"
        }
        (Msg::EdsNotYetValid, Kk) => "Сертификаттың әрекет ету мерзімі әлі басталмаған",
        (Msg::EdsNotYetValid, Ru) => "Срок действия сертификата ещё не начался",
        (Msg::EdsNotYetValid, En) => "The certificate is not valid yet",
        (Msg::EdsExpired, Kk) => "Сертификаттың әрекет ету мерзімі өтіп кеткен",
        (Msg::EdsExpired, Ru) => "Срок действия сертификата истёк",
        (Msg::EdsExpired, En) => "The certificate has expired",
        (Msg::EdsWrongKeyUsage, Kk) => {
            "Бұл кілт бұл әрекетке арналмаған: кіру үшін AUTH кілті, құжатқа қол қою үшін RSA/GOST кілті (SIGN) қажет"
        }
        (Msg::EdsWrongKeyUsage, Ru) => {
            "Этот ключ не предназначен для этого действия: для входа нужен ключ AUTH, для подписи документа — ключ подписи (SIGN)"
        }
        (Msg::EdsWrongKeyUsage, En) => {
            "This key is not meant for this: signing in needs the AUTH key, signing a document the signing (SIGN) key"
        }
        (Msg::EdsRevoked, Kk) => "Сертификат кері қайтарылған",
        (Msg::EdsRevoked, Ru) => "Сертификат отозван",
        (Msg::EdsRevoked, En) => "The certificate has been revoked",
        (Msg::EdsRevocationUnknown, Kk) => {
            "Сертификаттың кері қайтарылмағанын тексеру мүмкін болмады, кейінірек қайталаңыз"
        }
        (Msg::EdsRevocationUnknown, Ru) => "Не удалось проверить, не отозван ли сертификат; попробуйте позже",
        (Msg::EdsRevocationUnknown, En) => {
            "Whether the certificate is revoked could not be checked; try again later"
        }
        (Msg::EdsUnsupportedAlgorithm, Kk) => "Қолтаңба алгоритмі қолдау көрсетілмейді",
        (Msg::EdsUnsupportedAlgorithm, Ru) => "Алгоритм подписи не поддерживается",
        (Msg::EdsUnsupportedAlgorithm, En) => "The signature algorithm is not supported",
        (Msg::EdsUnreadable, Kk) => "Қолтаңбаны оқу мүмкін емес (CMS/PKCS#7 қажет)",
        (Msg::EdsUnreadable, Ru) => "Подпись не читается (нужен CMS/PKCS#7)",
        (Msg::EdsUnreadable, En) => "The signature cannot be read (CMS/PKCS#7 expected)",
        (Msg::EdsNoContent, Kk) => "Қолтаңбада қол қойылған деректер жоқ және олар бөлек берілмеген",
        (Msg::EdsNoContent, Ru) => "В подписи нет подписанных данных, и они не переданы отдельно",
        (Msg::EdsNoContent, En) => "The signature holds no signed data and none was given separately",
        (m, _) => m.code(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_eds_message_has_three_texts_and_its_code() {
        for m in ALL {
            assert!(m.code().starts_with("eds_"), "{m:?}");
            for l in [Lang::Kk, Lang::Ru, Lang::En] {
                assert_ne!(m.text(l), m.code(), "{m:?} {l:?}");
            }
        }
    }
}
