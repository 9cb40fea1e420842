//! Languages of the interface (Kazakh, Russian, English) and the messages Qala shows to users.
//!
//! Every user-facing message has a stable key and a text in each language; `message` picks one.
//! Kazakh in the Latin alphabet is transliterated from the Kazakh text: in SQL for map labels
//! (`qala_kk_latin`, migration 0005) and in the web front end for the interface.

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Kk,
    #[default]
    Ru,
    En,
}

impl Lang {
    /// The language's tag: `kk`, `ru`, `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// Parses `kk`, `ru`, `en` and longer tags such as `kk-KZ` or `en-GB`.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "kk" | "kz" => Some(Lang::Kk),
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The caller's language: `?lang=` first, then the best `Accept-Language` entry, then Russian.
    pub fn negotiate(query_lang: Option<&str>, headers: &HeaderMap) -> Lang {
        if let Some(l) = query_lang.and_then(Lang::parse) {
            return l;
        }
        let Some(accept) = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())
        else {
            return Lang::default();
        };
        let mut best: Option<(f32, Lang)> = None;
        for part in accept.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("");
            let q = it
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                .unwrap_or(1.0);
            if let Some(l) = Lang::parse(tag)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, l));
            }
        }
        best.map_or(Lang::default(), |(_, l)| l)
    }
}

/// Whether a language tag asks for Kazakh in the Latin alphabet (`kk-Latn`, `kk-Latn-KZ`, `kk_latn`).
pub fn is_kazakh_latin(tag: &str) -> bool {
    let mut parts = tag.trim().split(['-', '_']).map(str::to_ascii_lowercase);
    matches!(parts.next().as_deref(), Some("kk" | "kz")) && parts.any(|p| p == "latn")
}

/// Message keys. Each is also the stable error `code` in API responses where it names an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    NotFound,
    LayerNotFound,
    KatoNotFound,
    BadRequest,
    Internal,
    DatabaseUnavailable,
    IngestRead,
    IngestLoaded,
    IngestRepaired,
    IngestRejected,
    Unauthorized,
    BadCredentials,
    AccountLocked,
    AccountBlocked,
    Forbidden,
    CsrfFailed,
    PreconditionFailed,
    PreconditionRequired,
    InvalidFeature,
    PayloadTooLarge,
    Conflict,
    NotAcceptable,
    // issue 12: http layer
    TooManyRequests,
    UnsupportedMediaType,
    MethodNotAllowed,
    RequestTimeout,
    // issue 12: features
    FilterTooLong,
    FilterTooComplex,
    InvalidValue,
    InvalidDateTime,
    DivisionByZero,
    TypeMismatch,
    InvalidGeometryLiteral,
    NulCharacter,
    InvalidCursor,
    ContentTypeRequired,
    BodyTooLarge,
    // issue 12: print, exports, attachments
    ServerBusy,
    ImageTooLarge,
    TooManyFiles,
    UploadTooLarge,
    // issue 12: auth
    LastAdmin,
    TooManyAttempts,
    // issue 13: applications
    FieldRequired,
    FieldUnknown,
    FieldNotEditable,
    FieldWrongType,
    ValueBelowMinimum,
    ValueAboveMaximum,
    NotWholeNumber,
    TextTooLong,
    PatternMismatch,
    NotAnOption,
    InvalidIin,
    InvalidBin,
    InvalidPhone,
    InvalidEmail,
    TooFewRows,
    TooManyRows,
    FileTypeNotAllowed,
    FileTooLarge,
    TooManyFilesInField,
    FormTooLarge,
    GeometryNotExpected,
    GeometryWrongType,
    GeometryOutsideCity,
    GeometryTooLarge,
    GeometryTooLong,
    GeometryTooComplex,
    ActionNotAllowed,
    RoleNotAllowed,
    ApplicationTaken,
    ApplicationNotTaken,
    ApplicationReturned,
    ApplicationClosed,
    FieldsMissing,
    DocumentsMissing,
    UnknownRefusalCode,
    NoPreviousStage,
    AssigneeNotQualified,
    NoRerouteTarget,
    ServiceNotFound,
    ApplicationNotFound,
    ApplicationChanged,
    InvalidApplication,
    DocumentUnknown,
    InvalidCalendarDay,
}

impl Msg {
    pub fn code(self) -> &'static str {
        match self {
            Msg::NotFound => "not_found",
            Msg::LayerNotFound => "layer_not_found",
            Msg::KatoNotFound => "kato_not_found",
            Msg::BadRequest => "bad_request",
            Msg::Internal => "internal",
            Msg::DatabaseUnavailable => "database_unavailable",
            Msg::IngestRead => "ingest_read",
            Msg::IngestLoaded => "ingest_loaded",
            Msg::IngestRepaired => "ingest_repaired",
            Msg::IngestRejected => "ingest_rejected",
            Msg::Unauthorized => "unauthorized",
            Msg::BadCredentials => "bad_credentials",
            Msg::AccountLocked => "account_locked",
            Msg::AccountBlocked => "account_blocked",
            Msg::Forbidden => "forbidden",
            Msg::CsrfFailed => "csrf_failed",
            Msg::PreconditionFailed => "precondition_failed",
            Msg::PreconditionRequired => "precondition_required",
            Msg::InvalidFeature => "invalid_feature",
            Msg::PayloadTooLarge => "payload_too_large",
            Msg::Conflict => "conflict",
            Msg::NotAcceptable => "not_acceptable",
            // issue 12: http layer
            Msg::TooManyRequests => "too_many_requests",
            Msg::UnsupportedMediaType => "unsupported_media_type",
            Msg::MethodNotAllowed => "method_not_allowed",
            Msg::RequestTimeout => "request_timeout",
            // issue 12: features
            Msg::FilterTooLong => "filter_too_long",
            Msg::FilterTooComplex => "filter_too_complex",
            Msg::InvalidValue => "invalid_value",
            Msg::InvalidDateTime => "invalid_datetime",
            Msg::DivisionByZero => "division_by_zero",
            Msg::TypeMismatch => "type_mismatch",
            Msg::InvalidGeometryLiteral => "invalid_geometry",
            Msg::NulCharacter => "nul_character",
            Msg::InvalidCursor => "invalid_cursor",
            Msg::ContentTypeRequired => "content_type_required",
            Msg::BodyTooLarge => "body_too_large",
            // issue 12: print, exports, attachments
            Msg::ServerBusy => "server_busy",
            Msg::ImageTooLarge => "image_too_large",
            Msg::TooManyFiles => "too_many_files",
            Msg::UploadTooLarge => "upload_too_large",
            // issue 12: auth
            Msg::LastAdmin => "last_admin",
            Msg::TooManyAttempts => "too_many_attempts",
            // issue 13: applications
            Msg::FieldRequired => "field_required",
            Msg::FieldUnknown => "field_unknown",
            Msg::FieldNotEditable => "field_not_editable",
            Msg::FieldWrongType => "field_wrong_type",
            Msg::ValueBelowMinimum => "value_below_minimum",
            Msg::ValueAboveMaximum => "value_above_maximum",
            Msg::NotWholeNumber => "not_whole_number",
            Msg::TextTooLong => "text_too_long",
            Msg::PatternMismatch => "pattern_mismatch",
            Msg::NotAnOption => "not_an_option",
            Msg::InvalidIin => "invalid_iin",
            Msg::InvalidBin => "invalid_bin",
            Msg::InvalidPhone => "invalid_phone",
            Msg::InvalidEmail => "invalid_email",
            Msg::TooFewRows => "too_few_rows",
            Msg::TooManyRows => "too_many_rows",
            Msg::FileTypeNotAllowed => "file_type_not_allowed",
            Msg::FileTooLarge => "file_too_large",
            Msg::TooManyFilesInField => "too_many_files_in_field",
            Msg::FormTooLarge => "form_too_large",
            Msg::GeometryNotExpected => "geometry_not_expected",
            Msg::GeometryWrongType => "geometry_wrong_type",
            Msg::GeometryOutsideCity => "geometry_outside_city",
            Msg::GeometryTooLarge => "geometry_too_large",
            Msg::GeometryTooLong => "geometry_too_long",
            Msg::GeometryTooComplex => "geometry_too_complex",
            Msg::ActionNotAllowed => "action_not_allowed",
            Msg::RoleNotAllowed => "role_not_allowed",
            Msg::ApplicationTaken => "application_taken",
            Msg::ApplicationNotTaken => "application_not_taken",
            Msg::ApplicationReturned => "application_returned",
            Msg::ApplicationClosed => "application_closed",
            Msg::FieldsMissing => "fields_missing",
            Msg::DocumentsMissing => "documents_missing",
            Msg::UnknownRefusalCode => "unknown_refusal_code",
            Msg::NoPreviousStage => "no_previous_stage",
            Msg::AssigneeNotQualified => "assignee_not_qualified",
            Msg::NoRerouteTarget => "no_reroute_target",
            Msg::ServiceNotFound => "service_not_found",
            Msg::ApplicationNotFound => "application_not_found",
            Msg::ApplicationChanged => "application_changed",
            Msg::InvalidApplication => "invalid_application",
            Msg::DocumentUnknown => "document_unknown",
            Msg::InvalidCalendarDay => "invalid_calendar_day",
        }
    }

    /// The message text in `lang`.
    pub fn text(self, lang: Lang) -> &'static str {
        use Lang::*;
        match (self, lang) {
            (Msg::NotFound, Kk) => "Сұралған ресурс табылмады",
            (Msg::NotFound, Ru) => "Запрошенный ресурс не найден",
            (Msg::NotFound, En) => "The requested resource was not found",
            (Msg::LayerNotFound, Kk) => "Қабат табылмады",
            (Msg::LayerNotFound, Ru) => "Слой не найден",
            (Msg::LayerNotFound, En) => "Layer not found",
            (Msg::KatoNotFound, Kk) => "ӘАОЖ бірлігі табылмады",
            (Msg::KatoNotFound, Ru) => "Единица КАТО не найдена",
            (Msg::KatoNotFound, En) => "KATO unit not found",
            (Msg::BadRequest, Kk) => "Сұрау қате",
            (Msg::BadRequest, Ru) => "Неверный запрос",
            (Msg::BadRequest, En) => "Bad request",
            (Msg::Internal, Kk) => "Сервердің ішкі қатесі",
            (Msg::Internal, Ru) => "Внутренняя ошибка сервера",
            (Msg::Internal, En) => "Internal server error",
            (Msg::DatabaseUnavailable, Kk) => "Дерекқор қолжетімсіз",
            (Msg::DatabaseUnavailable, Ru) => "База данных недоступна",
            (Msg::DatabaseUnavailable, En) => "The database is unavailable",
            (Msg::IngestRead, Kk) => "оқылды",
            (Msg::IngestRead, Ru) => "прочитано",
            (Msg::IngestRead, En) => "read",
            (Msg::IngestLoaded, Kk) => "жүктелді",
            (Msg::IngestLoaded, Ru) => "загружено",
            (Msg::IngestLoaded, En) => "loaded",
            (Msg::IngestRepaired, Kk) => "түзетілді",
            (Msg::IngestRepaired, Ru) => "исправлено",
            (Msg::IngestRepaired, En) => "repaired",
            (Msg::IngestRejected, Kk) => "қабылданбады",
            (Msg::IngestRejected, Ru) => "отклонено",
            (Msg::IngestRejected, En) => "rejected",
            (Msg::Unauthorized, Kk) => "Кіру қажет немесе тіркелгі деректері қате",
            (Msg::Unauthorized, Ru) => "Требуется вход или неверные учётные данные",
            (Msg::Unauthorized, En) => "Login required or wrong credentials",
            (Msg::BadCredentials, Kk) => "Логин немесе құпиясөз қате",
            (Msg::BadCredentials, Ru) => "Неверный логин или пароль",
            (Msg::BadCredentials, En) => "Wrong login or password",
            (Msg::AccountLocked, Kk) => "Тіркелгі сәтсіз кіру әрекеттерінен кейін уақытша бұғатталды",
            (Msg::AccountLocked, Ru) => "Учётная запись временно заблокирована после неудачных попыток входа",
            (Msg::AccountLocked, En) => "The account is locked for a while after failed logins",
            (Msg::AccountBlocked, Kk) => "Тіркелгі бұғатталған",
            (Msg::AccountBlocked, Ru) => "Учётная запись заблокирована",
            (Msg::AccountBlocked, En) => "The account is blocked",
            (Msg::Forbidden, Kk) => "Бұл әрекетке құқығыңыз жоқ",
            (Msg::Forbidden, Ru) => "Недостаточно прав для этого действия",
            (Msg::Forbidden, En) => "You may not do this",
            (Msg::CsrfFailed, Kk) => "CSRF белгісі жоқ немесе қате",
            (Msg::CsrfFailed, Ru) => "Отсутствует или неверен токен CSRF",
            (Msg::CsrfFailed, En) => "The CSRF token is missing or wrong",
            (Msg::PreconditionFailed, Kk) => "Нысанды басқа біреу өзгертті (ETag сәйкес емес)",
            (Msg::PreconditionFailed, Ru) => "Объект изменён другим пользователем (ETag не совпадает)",
            (Msg::PreconditionFailed, En) => "The feature was changed by someone else (ETag mismatch)",
            (Msg::PreconditionRequired, Kk) => "If-Match тақырыбы қажет",
            (Msg::PreconditionRequired, Ru) => "Требуется заголовок If-Match",
            (Msg::PreconditionRequired, En) => "An If-Match header is required",
            (Msg::InvalidFeature, Kk) => "Нысан жарамсыз",
            (Msg::InvalidFeature, Ru) => "Объект не прошёл проверку",
            (Msg::InvalidFeature, En) => "The feature is not valid",
            (Msg::PayloadTooLarge, Kk) => "Файл тым үлкен",
            (Msg::PayloadTooLarge, Ru) => "Файл слишком большой",
            (Msg::PayloadTooLarge, En) => "The file is too large",
            (Msg::Conflict, Kk) => "Қайшылық: мұндай жазба бар",
            (Msg::Conflict, Ru) => "Конфликт: такая запись уже есть",
            (Msg::Conflict, En) => "Conflict: such a record exists",
            (Msg::NotAcceptable, Kk) => "Сұралған пішім қолдау көрсетілмейді",
            (Msg::NotAcceptable, Ru) => "Запрошенный формат не поддерживается",
            (Msg::NotAcceptable, En) => "The requested format is not supported",
            // issue 12: http layer
            (Msg::TooManyRequests, Kk) => "Сұраулар тым көп: біраздан кейін қайталаңыз",
            (Msg::TooManyRequests, Ru) => "Слишком много запросов: повторите немного позже",
            (Msg::TooManyRequests, En) => "Too many requests: try again a little later",
            (Msg::UnsupportedMediaType, Kk) => "Сұрау денесінің түрі қолдау көрсетілмейді",
            (Msg::UnsupportedMediaType, Ru) => "Тип содержимого запроса не поддерживается",
            (Msg::UnsupportedMediaType, En) => "The request body's media type is not supported",
            (Msg::MethodNotAllowed, Kk) => "Бұл әдіс бұл мекенжайда қолданылмайды",
            (Msg::MethodNotAllowed, Ru) => "Этот метод не поддерживается по этому адресу",
            (Msg::MethodNotAllowed, En) => "This method is not allowed here",
            (Msg::RequestTimeout, Kk) => "Сұрау тым ұзақ орындалды",
            (Msg::RequestTimeout, Ru) => "Запрос выполнялся слишком долго",
            (Msg::RequestTimeout, En) => "The request took too long",
            // issue 12: features
            (Msg::FilterTooLong, Kk) => "Сүзгі тым ұзын (байт)",
            (Msg::FilterTooLong, Ru) => "Фильтр слишком длинный (байт)",
            (Msg::FilterTooLong, En) => "The filter is too long (bytes)",
            (Msg::FilterTooComplex, Kk) => {
                "Сүзгі тым терең кірістірілген немесе операторлары не мәндері тым көп"
            }
            (Msg::FilterTooComplex, Ru) => {
                "Фильтр слишком глубоко вложен или содержит слишком много операторов или значений"
            }
            (Msg::FilterTooComplex, En) => {
                "The filter is nested too deeply or has too many operators or values"
            }
            (Msg::InvalidValue, Kk) => "Сұраудағы мән өз түріне немесе ауқымына сәйкес келмейді",
            (Msg::InvalidValue, Ru) => "Значение в запросе не соответствует своему типу или диапазону",
            (Msg::InvalidValue, En) => "A value in the request does not fit its type or range",
            (Msg::InvalidDateTime, Kk) => {
                "Сұраудағы күн немесе уақыт қате не рұқсат етілген ауқымнан тыс (1–9999 жылдар)"
            }
            (Msg::InvalidDateTime, Ru) => {
                "Дата или время в запросе неверны или вне допустимого диапазона (годы с 1 по 9999)"
            }
            (Msg::InvalidDateTime, En) => {
                "A date or time in the request is invalid or out of range (years 1 to 9999)"
            }
            (Msg::DivisionByZero, Kk) => "Сүзгі нөлге бөледі",
            (Msg::DivisionByZero, Ru) => "Фильтр делит на ноль",
            (Msg::DivisionByZero, En) => "The filter divides by zero",
            (Msg::TypeMismatch, Kk) => {
                "Оператор сәйкес емес түрдегі мәндерге қолданылған (мысалы, LIKE санға)"
            }
            (Msg::TypeMismatch, Ru) => {
                "Оператор применён к значениям неподходящего типа (например, LIKE к числу)"
            }
            (Msg::TypeMismatch, En) => {
                "An operator is applied to values of the wrong type (e.g. LIKE on a number)"
            }
            (Msg::InvalidGeometryLiteral, Kk) => "Сұраудағы геометрияны оқу немесе пайдалану мүмкін емес",
            (Msg::InvalidGeometryLiteral, Ru) => "Геометрию в запросе невозможно прочитать или использовать",
            (Msg::InvalidGeometryLiteral, En) => "A geometry in the request cannot be read or used",
            (Msg::NulCharacter, Kk) => "Сұраудағы мәтінде сақтауға болмайтын NUL (U+0000) таңбасы бар",
            (Msg::NulCharacter, Ru) => {
                "Текст в запросе содержит символ NUL (U+0000), который нельзя сохранить"
            }
            (Msg::NulCharacter, En) => {
                "Text in the request contains a NUL character (U+0000), which cannot be stored"
            }
            (Msg::InvalidCursor, Kk) => "Курсор бұл сұрауға жатпайды (оны `next` сілтемесінен алыңыз)",
            (Msg::InvalidCursor, Ru) => "Курсор не относится к этому запросу (берите его из ссылки `next`)",
            (Msg::InvalidCursor, En) => "The cursor is not one of this query (take it from a `next` link)",
            (Msg::ContentTypeRequired, Kk) => "Content-Type тақырыбы қажет",
            (Msg::ContentTypeRequired, Ru) => "Требуется заголовок Content-Type",
            (Msg::ContentTypeRequired, En) => "A Content-Type header is required",
            (Msg::BodyTooLarge, Kk) => "Сұрау денесі тым үлкен",
            (Msg::BodyTooLarge, Ru) => "Тело запроса слишком большое",
            (Msg::BodyTooLarge, En) => "The request body is too large",
            // issue 12: print, exports, attachments
            (Msg::ServerBusy, Kk) => "Сервер бос емес, сәлден кейін қайталап көріңіз",
            (Msg::ServerBusy, Ru) => "Сервер занят, повторите попытку чуть позже",
            (Msg::ServerBusy, En) => "The server is busy; try again in a moment",
            (Msg::ImageTooLarge, Kk) => "Сурет тым үлкен, оны өңдеу мүмкін емес",
            (Msg::ImageTooLarge, Ru) => "Изображение слишком велико для обработки",
            (Msg::ImageTooLarge, En) => "The image is too large to process",
            (Msg::TooManyFiles, Kk) => "Бір сұрауда файлдар тым көп",
            (Msg::TooManyFiles, Ru) => "Слишком много файлов в одном запросе",
            (Msg::TooManyFiles, En) => "Too many files in one request",
            (Msg::UploadTooLarge, Kk) => "Бір сұраудағы файлдардың жалпы көлемі тым үлкен",
            (Msg::UploadTooLarge, Ru) => "Общий размер файлов в одном запросе слишком велик",
            (Msg::UploadTooLarge, En) => "The files of one request are too large together",
            // issue 12: auth
            (Msg::LastAdmin, Kk) => "Соңғы әкімшіні жоюға, бұғаттауға немесе әкімші рөлінен айыруға болмайды",
            (Msg::LastAdmin, Ru) => "Нельзя удалить, заблокировать или лишить роли последнего администратора",
            (Msg::LastAdmin, En) => {
                "The last administrator cannot be deleted, blocked or lose the admin role"
            }
            (Msg::TooManyAttempts, Kk) => "Әрекеттер тым көп, кейінірек қайталаңыз",
            (Msg::TooManyAttempts, Ru) => "Слишком много попыток, повторите позже",
            (Msg::TooManyAttempts, En) => "Too many attempts, try again later",
            // issue 13: applications
            (Msg::FieldRequired, Kk) => "Бұл өрісті толтыру міндетті",
            (Msg::FieldRequired, Ru) => "Это поле обязательно для заполнения",
            (Msg::FieldRequired, En) => "This field is required",
            (Msg::FieldUnknown, Kk) => "Бұл қызметтің нысанында мұндай өріс жоқ",
            (Msg::FieldUnknown, Ru) => "В форме этой услуги нет такого поля",
            (Msg::FieldUnknown, En) => "The form of this service has no such field",
            (Msg::FieldNotEditable, Kk) => "Бұл өрісті сіз өзгерте алмайсыз",
            (Msg::FieldNotEditable, Ru) => "Это поле вам изменять нельзя",
            (Msg::FieldNotEditable, En) => "You may not change this field",
            (Msg::FieldWrongType, Kk) => "Мән өрістің түріне сәйкес емес",
            (Msg::FieldWrongType, Ru) => "Значение не соответствует типу поля",
            (Msg::FieldWrongType, En) => "The value does not fit the field's type",
            (Msg::ValueBelowMinimum, Kk) => "Мән ең кіші рұқсат етілгеннен аз",
            (Msg::ValueBelowMinimum, Ru) => "Значение меньше минимально допустимого",
            (Msg::ValueBelowMinimum, En) => "The value is below the minimum",
            (Msg::ValueAboveMaximum, Kk) => "Мән ең үлкен рұқсат етілгеннен көп",
            (Msg::ValueAboveMaximum, Ru) => "Значение больше максимально допустимого",
            (Msg::ValueAboveMaximum, En) => "The value is above the maximum",
            (Msg::NotWholeNumber, Kk) => "Бүтін сан қажет",
            (Msg::NotWholeNumber, Ru) => "Требуется целое число",
            (Msg::NotWholeNumber, En) => "A whole number is required",
            (Msg::TextTooLong, Kk) => "Мәтін тым ұзын (таңба)",
            (Msg::TextTooLong, Ru) => "Текст слишком длинный (символов)",
            (Msg::TextTooLong, En) => "The text is too long (characters)",
            (Msg::PatternMismatch, Kk) => "Мән талап етілген үлгіге сәйкес емес",
            (Msg::PatternMismatch, Ru) => "Значение не соответствует требуемому формату",
            (Msg::PatternMismatch, En) => "The value does not have the required format",
            (Msg::NotAnOption, Kk) => "Мұндай нұсқа тізімде жоқ",
            (Msg::NotAnOption, Ru) => "Такого варианта нет в списке",
            (Msg::NotAnOption, En) => "This option is not in the list",
            (Msg::InvalidIin, Kk) => "ЖСН қате: 12 цифр және дұрыс бақылау цифры қажет",
            (Msg::InvalidIin, Ru) => "Неверный ИИН: нужны 12 цифр и верная контрольная цифра",
            (Msg::InvalidIin, En) => "Invalid IIN: 12 digits with a correct check digit are required",
            (Msg::InvalidBin, Kk) => "БСН қате: 12 цифр және дұрыс бақылау цифры қажет",
            (Msg::InvalidBin, Ru) => "Неверный БИН: нужны 12 цифр и верная контрольная цифра",
            (Msg::InvalidBin, En) => "Invalid BIN: 12 digits with a correct check digit are required",
            (Msg::InvalidPhone, Kk) => "Телефон нөмірі қате: Қазақстан нөмірі қажет (+7 7XX XXX XX XX)",
            (Msg::InvalidPhone, Ru) => {
                "Неверный номер телефона: нужен казахстанский номер (+7 7XX XXX XX XX)"
            }
            (Msg::InvalidPhone, En) => "Invalid phone number: a Kazakh number is required (+7 7XX XXX XX XX)",
            (Msg::InvalidEmail, Kk) => "Электрондық пошта мекенжайы қате",
            (Msg::InvalidEmail, Ru) => "Неверный адрес электронной почты",
            (Msg::InvalidEmail, En) => "Invalid e-mail address",
            (Msg::TooFewRows, Kk) => "Кестеде жолдар тым аз",
            (Msg::TooFewRows, Ru) => "В таблице слишком мало строк",
            (Msg::TooFewRows, En) => "The table has too few rows",
            (Msg::TooManyRows, Kk) => "Кестеде жолдар тым көп",
            (Msg::TooManyRows, Ru) => "В таблице слишком много строк",
            (Msg::TooManyRows, En) => "The table has too many rows",
            (Msg::FileTypeNotAllowed, Kk) => "Бұл файл түрі қабылданбайды; рұқсат етілгендері",
            (Msg::FileTypeNotAllowed, Ru) => "Этот тип файла не принимается; допустимые",
            (Msg::FileTypeNotAllowed, En) => "This file type is not accepted; accepted types",
            (Msg::FileTooLarge, Kk) => "Файл рұқсат етілген көлемнен үлкен",
            (Msg::FileTooLarge, Ru) => "Файл больше допустимого размера",
            (Msg::FileTooLarge, En) => "The file is larger than allowed",
            (Msg::TooManyFilesInField, Kk) => "Бұл өріске файлдар тым көп",
            (Msg::TooManyFilesInField, Ru) => "Слишком много файлов для этого поля",
            (Msg::TooManyFilesInField, En) => "Too many files for this field",
            (Msg::FormTooLarge, Kk) => "Нысанда өрістер тым көп",
            (Msg::FormTooLarge, Ru) => "В форме слишком много полей",
            (Msg::FormTooLarge, En) => "The form has too many fields",
            (Msg::GeometryNotExpected, Kk) => "Бұл қызметке картадағы орын қажет емес",
            (Msg::GeometryNotExpected, Ru) => "Для этой услуги место на карте не указывается",
            (Msg::GeometryNotExpected, En) => "This service takes no location on the map",
            (Msg::GeometryWrongType, Kk) => "Картадағы нысанның түрі қате; қажеті",
            (Msg::GeometryWrongType, Ru) => "Неверный тип объекта на карте; требуется",
            (Msg::GeometryWrongType, En) => "Wrong kind of map object; required",
            (Msg::GeometryOutsideCity, Kk) => "Орын Алматы қаласының шегінен тыс",
            (Msg::GeometryOutsideCity, Ru) => "Место находится за пределами города Алматы",
            (Msg::GeometryOutsideCity, En) => "The location is outside the city of Almaty",
            (Msg::GeometryTooLarge, Kk) => "Аудан рұқсат етілгеннен үлкен",
            (Msg::GeometryTooLarge, Ru) => "Площадь больше допустимой",
            (Msg::GeometryTooLarge, En) => "The area is larger than allowed",
            (Msg::GeometryTooLong, Kk) => "Ұзындық рұқсат етілгеннен үлкен",
            (Msg::GeometryTooLong, Ru) => "Длина больше допустимой",
            (Msg::GeometryTooLong, En) => "The length is greater than allowed",
            (Msg::GeometryTooComplex, Kk) => "Картадағы нысанның бөліктері немесе нүктелері тым көп",
            (Msg::GeometryTooComplex, Ru) => "У объекта на карте слишком много частей или вершин",
            (Msg::GeometryTooComplex, En) => "The map object has too many parts or vertices",
            (Msg::ActionNotAllowed, Kk) => "Өтінімнің қазіргі кезеңінде бұл әрекет мүмкін емес",
            (Msg::ActionNotAllowed, Ru) => "На текущем этапе заявки это действие невозможно",
            (Msg::ActionNotAllowed, En) => "This action is not possible at the application's current stage",
            (Msg::RoleNotAllowed, Kk) => {
                "Сіздің рөліңіз, ұйымыңыз немесе бөлімшеңіз бұл кезеңде мұны істей алмайды"
            }
            (Msg::RoleNotAllowed, Ru) => {
                "Ваша роль, организация или подразделение не может делать это на этом этапе"
            }
            (Msg::RoleNotAllowed, En) => {
                "Your role, organisation or department may not do this at this stage"
            }
            (Msg::ApplicationTaken, Kk) => "Өтінімді басқа орындаушы жұмысқа алды",
            (Msg::ApplicationTaken, Ru) => "Заявку уже взял в работу другой исполнитель",
            (Msg::ApplicationTaken, En) => "Another executor has taken this application",
            (Msg::ApplicationNotTaken, Kk) => "Алдымен өтінімді жұмысқа алыңыз",
            (Msg::ApplicationNotTaken, Ru) => "Сначала возьмите заявку в работу",
            (Msg::ApplicationNotTaken, En) => "Take the application into work first",
            (Msg::ApplicationReturned, Kk) => "Өтінім түзету үшін өтініш берушіге қайтарылды",
            (Msg::ApplicationReturned, Ru) => "Заявка возвращена заявителю на исправление",
            (Msg::ApplicationReturned, En) => "The application is with the applicant for corrections",
            (Msg::ApplicationClosed, Kk) => "Өтінім аяқталды немесе кері қайтарып алынды",
            (Msg::ApplicationClosed, Ru) => "Заявка завершена или отозвана",
            (Msg::ApplicationClosed, En) => "The application is completed or withdrawn",
            (Msg::FieldsMissing, Kk) => "Алдымен мына өрістерді толтырыңыз",
            (Msg::FieldsMissing, Ru) => "Сначала заполните поля",
            (Msg::FieldsMissing, En) => "Fill in these fields first",
            (Msg::DocumentsMissing, Kk) => "Алдымен мына құжаттарды жүктеңіз",
            (Msg::DocumentsMissing, Ru) => "Сначала загрузите документы",
            (Msg::DocumentsMissing, En) => "Upload these documents first",
            (Msg::UnknownRefusalCode, Kk) => "Бұл қызметте мұндай бас тарту себебі жоқ",
            (Msg::UnknownRefusalCode, Ru) => "У этой услуги нет такой причины отказа",
            (Msg::UnknownRefusalCode, En) => "This service has no such refusal reason",
            (Msg::NoPreviousStage, Kk) => "Қайтаратын алдыңғы кезең жоқ",
            (Msg::NoPreviousStage, Ru) => "Нет предыдущего этапа, куда можно вернуть",
            (Msg::NoPreviousStage, En) => "There is no previous stage to return to",
            (Msg::AssigneeNotQualified, Kk) => "Бұл қызметкер бұл кезеңде жұмыс істемейді",
            (Msg::AssigneeNotQualified, Ru) => "Этот сотрудник не работает на этом этапе",
            (Msg::AssigneeNotQualified, En) => "This employee does not work this stage",
            (Msg::NoRerouteTarget, Kk) => "Өтінімді қайта бағыттайтын ұйым көрсетілмеген",
            (Msg::NoRerouteTarget, Ru) => "Не указана организация, куда перенаправить заявку",
            (Msg::NoRerouteTarget, En) => "No organisation to reroute the application to",
            (Msg::ServiceNotFound, Kk) => "Қызмет табылмады",
            (Msg::ServiceNotFound, Ru) => "Услуга не найдена",
            (Msg::ServiceNotFound, En) => "Service not found",
            (Msg::ApplicationNotFound, Kk) => "Өтінім табылмады",
            (Msg::ApplicationNotFound, Ru) => "Заявка не найдена",
            (Msg::ApplicationNotFound, En) => "Application not found",
            (Msg::ApplicationChanged, Kk) => "Өтінімді басқа біреу өзгертті (ETag сәйкес емес)",
            (Msg::ApplicationChanged, Ru) => "Заявка изменена другим пользователем (ETag не совпадает)",
            (Msg::ApplicationChanged, En) => "The application was changed by someone else (ETag mismatch)",
            (Msg::InvalidApplication, Kk) => "Өтінім толтыру қағидаларына сәйкес емес",
            (Msg::InvalidApplication, Ru) => "Заявка не соответствует правилам заполнения",
            (Msg::InvalidApplication, En) => "The application does not meet the service's rules",
            (Msg::DocumentUnknown, Kk) => "Қызмет мұндай құжатты сұрамайды",
            (Msg::DocumentUnknown, Ru) => "Услуга не предусматривает такой документ",
            (Msg::DocumentUnknown, En) => "The service asks for no such document",
            (Msg::InvalidCalendarDay, Kk) => "Күнтізбе күні қате",
            (Msg::InvalidCalendarDay, Ru) => "Неверный день календаря",
            (Msg::InvalidCalendarDay, En) => "Invalid calendar day",
        }
    }
}

/// The user's language for command-line output, from `QALA_LANG` or `LANG` (English by default).
pub fn cli_lang() -> Lang {
    std::env::var("QALA_LANG")
        .ok()
        .or_else(|| std::env::var("LANG").ok())
        .and_then(|l| Lang::parse(&l))
        .unwrap_or(Lang::En)
}

#[cfg(test)]
mod tests {
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
}
