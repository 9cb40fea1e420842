//! The catalogue's tests: language negotiation, and every message in kk, ru and en.

use super::*;

#[test]
fn accept_language_picks_highest_quality() {
    let mut h = HeaderMap::new();
    h.insert("accept-language", "en;q=0.5, kk-KZ;q=0.9, ru;q=0.8".parse().unwrap());
    assert_eq!(Lang::negotiate(None, &h), Lang::Kk);
    assert_eq!(Lang::negotiate(Some("en"), &h), Lang::En);
    assert_eq!(Lang::negotiate(None, &HeaderMap::new()), Lang::Ru);
}

#[test]
fn kazakh_latin_tags() {
    assert!(is_kazakh_latin("kk-Latn"));
    assert!(is_kazakh_latin("kk_latn_KZ"));
    assert!(!is_kazakh_latin("kk"));
    assert!(!is_kazakh_latin("ru-Latn"));
    assert_eq!(Lang::parse("kk-Latn"), Some(Lang::Kk));
}

#[test]
fn every_message_has_three_texts() {
    for m in [
        Msg::NotFound,
        Msg::LayerNotFound,
        Msg::KatoNotFound,
        Msg::BadRequest,
        Msg::Internal,
        Msg::Unauthorized,
        Msg::BadCredentials,
        Msg::AccountLocked,
        Msg::AccountBlocked,
        Msg::Forbidden,
        Msg::CsrfFailed,
        Msg::PreconditionFailed,
        Msg::PreconditionRequired,
        Msg::InvalidFeature,
        Msg::PayloadTooLarge,
        Msg::Conflict,
        Msg::NotAcceptable,
        // issue 12: features
        Msg::FilterTooLong,
        Msg::FilterTooComplex,
        Msg::InvalidValue,
        Msg::InvalidDateTime,
        Msg::DivisionByZero,
        Msg::TypeMismatch,
        Msg::InvalidGeometryLiteral,
        Msg::NulCharacter,
        Msg::InvalidCursor,
        Msg::ContentTypeRequired,
        Msg::UnsupportedMediaType,
        Msg::BodyTooLarge,
        // issue 12: print, exports, attachments
        Msg::ServerBusy,
        Msg::ImageTooLarge,
        Msg::TooManyFiles,
        Msg::UploadTooLarge,
        // issue 12: auth
        Msg::LastAdmin,
        Msg::TooManyAttempts,
        // issue 13: applications
        Msg::FieldRequired,
        Msg::FieldUnknown,
        Msg::FieldNotEditable,
        Msg::FieldWrongType,
        Msg::ValueBelowMinimum,
        Msg::ValueAboveMaximum,
        Msg::NotWholeNumber,
        Msg::TextTooLong,
        Msg::PatternMismatch,
        Msg::NotAnOption,
        Msg::InvalidIin,
        Msg::InvalidBin,
        Msg::InvalidPhone,
        Msg::InvalidEmail,
        Msg::TooFewRows,
        Msg::TooManyRows,
        Msg::FileTypeNotAllowed,
        Msg::FileTooLarge,
        Msg::TooManyFilesInField,
        Msg::FormTooLarge,
        Msg::GeometryNotExpected,
        Msg::GeometryWrongType,
        Msg::GeometryOutsideCity,
        Msg::GeometryTooLarge,
        Msg::GeometryTooLong,
        Msg::GeometryTooComplex,
        Msg::ActionNotAllowed,
        Msg::RoleNotAllowed,
        Msg::ApplicationTaken,
        Msg::ApplicationNotTaken,
        Msg::ApplicationReturned,
        Msg::ApplicationClosed,
        Msg::FieldsMissing,
        Msg::DocumentsMissing,
        Msg::UnknownRefusalCode,
        Msg::NoPreviousStage,
        Msg::AssigneeNotQualified,
        Msg::NoRerouteTarget,
        Msg::ServiceNotFound,
        Msg::ApplicationNotFound,
        Msg::ApplicationChanged,
        Msg::InvalidApplication,
        Msg::DocumentUnknown,
        Msg::InvalidCalendarDay,
    ] {
        let texts = [m.text(Lang::Kk), m.text(Lang::Ru), m.text(Lang::En)];
        assert!(texts.iter().all(|t| !t.is_empty()));
        assert_ne!(texts[0], texts[1]);
        assert_ne!(texts[1], texts[2]);
    }
}
