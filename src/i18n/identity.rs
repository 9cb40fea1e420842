//! The messages of identity (issue 15): the state systems that do not answer, the SMS login by
//! IIN and the text of its SMS, in kk, ru and en: a part of [`super::Msg::text`]'s catalogue.

use super::{Lang, Msg};

/// Whether `msg` is one of this file's.
pub(super) fn owns(msg: Msg) -> bool {
    matches!(
        msg,
        Msg::StateArUnavailable
            | Msg::StateFlUnavailable
            | Msg::StateUlUnavailable
            | Msg::StateRnUnavailable
            | Msg::StateBmgUnavailable
            | Msg::StateSmsUnavailable
            | Msg::StateAlsecoUnavailable
            | Msg::SmsNoPhone
            | Msg::SmsCodeWrong
            | Msg::SmsCodeExpired
            | Msg::SmsCodeFormat
            | Msg::SmsResendTooSoon
            | Msg::SmsTooMany
            | Msg::SmsCodeText
    )
}

/// The code of one of this file's messages.
pub(super) fn code(msg: Msg) -> &'static str {
    match msg {
        Msg::StateArUnavailable
        | Msg::StateFlUnavailable
        | Msg::StateUlUnavailable
        | Msg::StateRnUnavailable
        | Msg::StateBmgUnavailable
        | Msg::StateSmsUnavailable
        | Msg::StateAlsecoUnavailable => "state_system_unavailable",
        Msg::SmsNoPhone => "sms_no_phone",
        Msg::SmsCodeWrong => "sms_code_wrong",
        Msg::SmsCodeExpired => "sms_code_expired",
        Msg::SmsCodeFormat => "sms_code_format",
        Msg::SmsResendTooSoon => "sms_resend_too_soon",
        Msg::SmsTooMany => "sms_too_many",
        Msg::SmsCodeText => "sms_code_text",
        _ => "internal",
    }
}

/// The text of one of this file's messages in `lang`.
pub(super) fn text(msg: Msg, lang: Lang) -> &'static str {
    use Lang::*;
    match (msg, lang) {
        (Msg::StateArUnavailable, Kk) => "Мекенжай тіркелімі (ИС АР) жауап бермейді, кейінірек қайталаңыз",
        (Msg::StateArUnavailable, Ru) => "Адресный регистр (ИС АР) не отвечает, попробуйте позже",
        (Msg::StateArUnavailable, En) => "The address register (IS AR) does not answer, try later",
        (Msg::StateFlUnavailable, Kk) => {
            "Жеке тұлғалар дерекқоры (ГБД ФЛ) жауап бермейді, кейінірек қайталаңыз"
        }
        (Msg::StateFlUnavailable, Ru) => "База данных физических лиц (ГБД ФЛ) не отвечает, попробуйте позже",
        (Msg::StateFlUnavailable, En) => {
            "The state database of individuals (GBD FL) does not answer, try later"
        }
        (Msg::StateUlUnavailable, Kk) => {
            "Заңды тұлғалар дерекқоры (ГБД ЮЛ) жауап бермейді, кейінірек қайталаңыз"
        }
        (Msg::StateUlUnavailable, Ru) => "База данных юридических лиц (ГБД ЮЛ) не отвечает, попробуйте позже",
        (Msg::StateUlUnavailable, En) => {
            "The state database of legal entities (GBD UL) does not answer, try later"
        }
        (Msg::StateRnUnavailable, Kk) => {
            "Жылжымайтын мүлік тіркелімі (ГБД РН) жауап бермейді, кейінірек қайталаңыз"
        }
        (Msg::StateRnUnavailable, Ru) => "Регистр недвижимости (ГБД РН) не отвечает, попробуйте позже",
        (Msg::StateRnUnavailable, En) => "The real estate register (GBD RN) does not answer, try later",
        (Msg::StateBmgUnavailable, Kk) => {
            "Мобильді азаматтар базасы (БМГ) жауап бермейді, кейінірек қайталаңыз"
        }
        (Msg::StateBmgUnavailable, Ru) => "База мобильных граждан (БМГ) не отвечает, попробуйте позже",
        (Msg::StateBmgUnavailable, En) => "The mobile citizens base (BMG) does not answer, try later",
        (Msg::StateSmsUnavailable, Kk) => "SMS шлюзі жауап бермейді, кейінірек қайталаңыз",
        (Msg::StateSmsUnavailable, Ru) => "SMS-шлюз не отвечает, попробуйте позже",
        (Msg::StateSmsUnavailable, En) => "The SMS gateway does not answer, try later",
        (Msg::StateAlsecoUnavailable, Kk) => "ALSECO биллингі жауап бермейді, кейінірек қайталаңыз",
        (Msg::StateAlsecoUnavailable, Ru) => "Биллинг ALSECO не отвечает, попробуйте позже",
        (Msg::StateAlsecoUnavailable, En) => "ALSECO billing does not answer, try later",
        (Msg::SmsNoPhone, Kk) => {
            "Бұл ЖСН-ге мобильді азаматтар базасында телефон тіркелмеген; оны ЦОН-да немесе eGov-та тіркеңіз"
        }
        (Msg::SmsNoPhone, Ru) => {
            "Для этого ИИН в базе мобильных граждан не зарегистрирован телефон; зарегистрируйте его в ЦОН или на eGov"
        }
        (Msg::SmsNoPhone, En) => {
            "No phone is registered for this IIN in the mobile citizens base; register one at a PSC or on eGov"
        }
        (Msg::SmsCodeWrong, Kk) => "Код дұрыс емес",
        (Msg::SmsCodeWrong, Ru) => "Неверный код",
        (Msg::SmsCodeWrong, En) => "The code is wrong",
        (Msg::SmsCodeExpired, Kk) => "Кодтың мерзімі өтті немесе ол енді жарамсыз; жаңа код сұраңыз",
        (Msg::SmsCodeExpired, Ru) => {
            "Срок действия кода истёк или он больше недействителен; запросите новый код"
        }
        (Msg::SmsCodeExpired, En) => "The code has expired or is no longer valid; ask for a new one",
        (Msg::SmsCodeFormat, Kk) => "Код 6 цифрдан тұрады",
        (Msg::SmsCodeFormat, Ru) => "Код состоит из 6 цифр",
        (Msg::SmsCodeFormat, En) => "The code is 6 digits",
        (Msg::SmsResendTooSoon, Kk) => "Жаңа кодты сәл кейінірек сұрауға болады",
        (Msg::SmsResendTooSoon, Ru) => "Новый код можно запросить чуть позже",
        (Msg::SmsResendTooSoon, En) => "A new code may be asked for a little later",
        (Msg::SmsTooMany, Kk) => "Кодтар тым көп сұралды, кейінірек қайталаңыз",
        (Msg::SmsTooMany, Ru) => "Запрошено слишком много кодов, попробуйте позже",
        (Msg::SmsTooMany, En) => "Too many codes were asked for, try later",
        (Msg::SmsCodeText, Kk) => "Qala: кіру коды {code}. Оны ешкімге айтпаңыз. 5 минут жарамды.",
        (Msg::SmsCodeText, Ru) => "Qala: код входа {code}. Никому его не сообщайте. Действует 5 минут.",
        (Msg::SmsCodeText, En) => {
            "Qala: your sign-in code is {code}. Do not tell it to anyone. Valid 5 minutes."
        }
        (m, _) => code(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_identity_message_has_three_texts_and_its_code() {
        let all = [
            Msg::StateArUnavailable,
            Msg::StateFlUnavailable,
            Msg::StateUlUnavailable,
            Msg::StateRnUnavailable,
            Msg::StateBmgUnavailable,
            Msg::StateSmsUnavailable,
            Msg::StateAlsecoUnavailable,
            Msg::SmsNoPhone,
            Msg::SmsCodeWrong,
            Msg::SmsCodeExpired,
            Msg::SmsCodeFormat,
            Msg::SmsResendTooSoon,
            Msg::SmsTooMany,
            Msg::SmsCodeText,
        ];
        for m in all {
            assert!(owns(m));
            assert_ne!(m.code(), "internal", "{m:?}");
            let texts = [m.text(Lang::Kk), m.text(Lang::Ru), m.text(Lang::En)];
            assert!(texts.iter().all(|t| *t != m.code() && !t.is_empty()), "{m:?}");
            assert!(texts[0] != texts[1] && texts[1] != texts[2], "{m:?}");
        }
        for l in [Lang::Kk, Lang::Ru, Lang::En] {
            assert!(Msg::SmsCodeText.text(l).contains("{code}"));
        }
        assert!(!owns(Msg::NotFound));
    }
}
