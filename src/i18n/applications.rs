//! The messages of the applications domain (services, forms, sites, the workflow) in kk, ru and
//! en: the second part of [`super::Msg::text`]'s catalogue, kept apart so that each file stays
//! readable. Every message has a text here or in `mod.rs`; the catalogue's test checks all.

use super::{Lang, Msg};

/// The text of an applications message in `lang`; the message's code for any other message
/// (never reached: `mod.rs` answers those).
pub(super) fn text(msg: Msg, lang: Lang) -> &'static str {
    use Lang::*;
    match (msg, lang) {
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
        (Msg::InvalidPhone, Ru) => "Неверный номер телефона: нужен казахстанский номер (+7 7XX XXX XX XX)",
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
        (Msg::FileContentMismatch, Kk) => "Файлдың мазмұны оның кеңейтіміне сәйкес келмейді",
        (Msg::FileContentMismatch, Ru) => "Содержимое файла не соответствует его расширению",
        (Msg::FileContentMismatch, En) => "The file's content does not match its extension",
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
        (Msg::RoleNotAllowed, En) => "Your role, organisation or department may not do this at this stage",
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
        (Msg::ObjectsUnreadable, Kk) => {
            "Файлда немесе GeoJSON-да оқылатын геометрия жоқ (DXF, KML, GPKG, GeoJSON, ZIP ішіндегі SHP)"
        }
        (Msg::ObjectsUnreadable, Ru) => {
            "В файле или GeoJSON нет читаемой геометрии (DXF, KML, GPKG, GeoJSON, SHP в ZIP)"
        }
        (Msg::ObjectsUnreadable, En) => {
            "The file or GeoJSON holds no geometry that can be read (DXF, KML, GPKG, GeoJSON, zipped SHP)"
        }
        (Msg::ObjectsTooMany, Kk) => "Нысандар тым көп немесе тым ауыр (5000 нысанға және 40 МБ-қа дейін)",
        (Msg::ObjectsTooMany, Ru) => "Слишком много или слишком тяжёлые объекты (до 5000 объектов и 40 МБ)",
        (Msg::ObjectsTooMany, En) => "Too many or too heavy objects (at most 5,000 objects and 40 MB)",
        (Msg::ObjectsOffSite, Kk) => {
            "Нысандар жер шарынан тыс немесе учаскеден 20 км-ден алыс түседі: сызбаның координаттар жүйесін таңдаңыз"
        }
        (Msg::ObjectsOffSite, Ru) => {
            "Объекты оказываются вне земного шара или дальше 20 км от участка: выберите систему координат чертежа"
        }
        (Msg::ObjectsOffSite, En) => {
            "The objects land off the earth or more than 20 km from the site: choose the drawing's coordinate system"
        }
        (m, _) => m.code(),
    }
}
