//! Languages of the interface (Kazakh, Russian, English) and the messages Qala shows to users.
//!
//! Every user-facing message has a stable key and a text in each language; `message` picks one.
//! Kazakh in the Latin alphabet is transliterated from the Kazakh text: in SQL for map labels
//! (`qala_kk_latin`, migration 0005) and in the web front end for the interface.

mod applications;
// issue 16: backups
mod backup;
// issue 15: EDS verification
mod eds;
// issue 16: maintenance windows and limits
mod maintenance;
// issue 16: metrics, health and readiness
mod ops;
// issue 16: security monitoring and the usage report
mod security;
// issue 15: identity (state systems, SMS login)
mod identity;
// issue 15: the EDS sign-in and signed documents
mod signing;
// issue 17: OGC WMS and WMTS
mod ogc_maps;
// issue 17: rasters
mod rasters;
// issue 17: raster tiles
mod raster_tiles;

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
    FileContentMismatch,
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
    ObjectsUnreadable,
    ObjectsTooMany,
    ObjectsOffSite,
    // issue 15: the EDS sign-in and signed documents (src/i18n/signing.rs)
    EdsChallengeUnknown,
    EdsNotConfigured,
    EdsNoIin,
    EdsNotValid,
    EdsTooLarge,
    SignatureNotYourParty,
    SignatureAlreadyMade,
    // issue 15: identity (src/i18n/identity.rs)
    StateArUnavailable,
    StateFlUnavailable,
    StateUlUnavailable,
    StateRnUnavailable,
    StateBmgUnavailable,
    StateSmsUnavailable,
    StateAlsecoUnavailable,
    SmsNoPhone,
    SmsCodeWrong,
    SmsCodeExpired,
    SmsCodeFormat,
    SmsResendTooSoon,
    SmsTooMany,
    SmsCodeText,
    // issue 15: EDS verification (src/i18n/eds.rs)
    EdsBadSignature,
    EdsDataMismatch,
    EdsUntrustedChain,
    EdsNotYetValid,
    EdsExpired,
    EdsWrongKeyUsage,
    EdsRevoked,
    EdsRevocationUnknown,
    EdsUnsupportedAlgorithm,
    EdsUnreadable,
    EdsNoContent,
    // issue 16: backups (src/i18n/backup.rs)
    BackupsUnavailable,
    BackupRunning,
    BackupStarted,
    // issue 16: operations (src/i18n/ops.rs)
    OpsReady,
    OpsNotReady,
    OpsForbidden,
    // issue 16: security monitoring and the usage report (src/i18n/security.rs)
    IncidentNotFound,
    IncidentClosed,
    QuarterInvalid,
    ReportFormatInvalid,
    // issue 16: maintenance windows (src/i18n/maintenance.rs)
    MaintenanceReadOnly,
    MaintenanceTooSoon,
    MaintenanceTooLong,
    MaintenanceOverlap,
    MaintenanceEndsBeforeStart,
    MaintenanceMessageMissing,
    MaintenanceNotFound,
    StatementTimeout,
    // issue 17: raster tiles (src/i18n/raster_tiles.rs)
    TileFormatUnknown,
    // issue 17: OGC WMS and WMTS (src/i18n/ogc_maps.rs)
    OgcInvalidFormat,
    OgcInvalidCrs,
    OgcLayerNotDefined,
    OgcStyleNotDefined,
    OgcLayerNotQueryable,
    OgcInvalidPoint,
    OgcCurrentUpdateSequence,
    OgcMissingParameter,
    OgcInvalidParameter,
    OgcOperationNotSupported,
    OgcTileOutOfRange,
    OgcImageTooLarge,
    OgcBboxInvalid,
    OgcBboxOutside,
    OgcServiceTitle,
    OgcServiceAbstract,
    OgcFeaturesHere,
    // issue 17: rasters (src/i18n/rasters.rs)
    RasterNotRaster,
    RasterNoCrs,
    RasterTooBig,
    RasterUnknown,
    RasterExists,
    RasterBadId,
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
            Msg::FileContentMismatch => "file_content_mismatch",
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
            Msg::ObjectsUnreadable => "objects_unreadable",
            Msg::ObjectsTooMany => "objects_too_many",
            Msg::ObjectsOffSite => "objects_off_site",
            m if signing::owns(m) => signing::code(m).unwrap_or("eds"),
            // issue 15: EDS verification
            m if eds::owns(m) => eds::code(m),
            // issue 16: backups
            m if backup::owns(m) => backup::code(m),
            // issue 16: operations
            m if ops::owns(m) => ops::code(m),
            m if security::owns(m) => security::code(m),
            // issue 16: maintenance windows and limits
            m if maintenance::owns(m) => maintenance::code(m),
            // issue 17: OGC WMS and WMTS
            m if ogc_maps::owns(m) => ogc_maps::code(m),
            // issue 17: rasters
            m if rasters::owns(m) => rasters::code(m),
            // issue 17: raster tiles
            m if raster_tiles::owns(m) => raster_tiles::code(m),
            // issue 15: identity (the last arm: its own file names its codes)
            m => identity::code(m),
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
            (m, l) if signing::owns(m) => signing::text(m, l),
            // issue 15: EDS verification
            (m, l) if eds::owns(m) => eds::text(m, l),
            // issue 16: backups
            (m, l) if backup::owns(m) => backup::text(m, l),
            // issue 16: operations
            (m, l) if ops::owns(m) => ops::text(m, l),
            (m, l) if security::owns(m) => security::text(m, l),
            // issue 16: maintenance windows and limits
            (m, l) if maintenance::owns(m) => maintenance::text(m, l),
            // issue 17: OGC WMS and WMTS
            (m, l) if ogc_maps::owns(m) => ogc_maps::text(m, l),
            // issue 17: rasters
            (m, l) if rasters::owns(m) => rasters::text(m, l),
            // issue 17: raster tiles
            (m, l) if raster_tiles::owns(m) => raster_tiles::text(m, l),
            // issue 15: identity
            (m, l) if identity::owns(m) => identity::text(m, l),
            // Applications (issue 13): their own catalogue.
            (m, l) => applications::text(m, l),
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
mod tests;
