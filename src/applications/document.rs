//! The output document of a decided application (pure): which template of the service's
//! `[output]` applies (the approval when approved, the refusal when refused, none otherwise), the
//! values of its placeholders from the row, the service, the overlay and the reference data (the
//! names of the provider, the applicant and the executor), and the filled title and body in each
//! language the document is printed in. Drawing it is [`crate::print::decision`].
//!
//! ```
//! use qala::applications::document::{Outcome, outcome};
//! use qala::applications::workflow::engine::Status;
//! assert_eq!(outcome(Status::Approved), Some(Outcome::Approval));
//! assert_eq!(outcome(Status::Refused), Some(Outcome::Refusal));
//! assert_eq!(outcome(Status::InProgress), None);
//! ```

use geo::{GeodesicArea, Geometry};
use serde_json::Value;

use super::calendar::Calendar;
use super::overlay::OverlayReport;
use super::service::ServiceDef;
use super::service::form::FieldType;
use super::service::templates::{self, Template};
use super::store::ApplicationRow;
use super::workflow::engine::Status;
use super::workflow::state::Event;
use crate::i18n::Lang;

/// Which output document an application has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Approval,
    Refusal,
}

impl Outcome {
    pub fn tag(self) -> &'static str {
        match self {
            Outcome::Approval => "approval",
            Outcome::Refusal => "refusal",
        }
    }
}

/// The template of a status: approval when approved, refusal when refused, none otherwise.
pub fn outcome(status: Status) -> Option<Outcome> {
    match status {
        Status::Approved => Some(Outcome::Approval),
        Status::Refused => Some(Outcome::Refusal),
        _ => None,
    }
}

/// The names the row does not hold, read from the reference books.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// The provider organisation's name.
    pub provider: Option<String>,
    /// The applicant's full name on its account.
    pub applicant: Option<String>,
    /// The full name of who decided (approved or refused), if known.
    pub executor: Option<String>,
}

/// One language of the document: its filled title and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledText {
    pub lang: Lang,
    pub title: String,
    pub body: String,
}

/// The output document's content, before it is drawn.
#[derive(Debug, Clone)]
pub struct DecisionDoc {
    pub application: i64,
    pub number: String,
    /// The application's version the document was made from.
    pub version: i32,
    pub outcome: Outcome,
    pub service_id: String,
    pub service_version: i32,
    /// The service's title in each printed language (same order as `texts`).
    pub service_title: Vec<String>,
    /// Kazakh then Russian when bilingual, else the one language.
    pub texts: Vec<FilledText>,
    pub overlay: OverlayReport,
    /// The site, GeoJSON in WGS84.
    pub site: Option<Value>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The languages a document is printed in: Kazakh and Russian when the service's output is
/// bilingual; else `asked` (the `?lang=`) or the applicant's language, among kk and ru (Russian
/// otherwise).
pub fn languages(service: &ServiceDef, row_lang: &str, asked: Option<Lang>) -> Vec<Lang> {
    if service.output.bilingual {
        return vec![Lang::Kk, Lang::Ru];
    }
    match asked.or_else(|| Lang::parse(row_lang)) {
        Some(Lang::Kk) => vec![Lang::Kk],
        _ => vec![Lang::Ru],
    }
}

/// Who decided: the actor of the last history entry that approved or refused the application.
pub fn decider(row: &ApplicationRow) -> Option<String> {
    row.state
        .history
        .iter()
        .rev()
        .find(|h| h.events.iter().any(|e| matches!(e, Event::Approved | Event::Refused { .. })))
        .map(|h| h.actor.clone())
}

/// The applicant's name from the form: the first text field named `*name*` that is filled.
pub fn applicant_name_in_form(service: &ServiceDef, row: &ApplicationRow) -> Option<String> {
    service
        .form
        .iter()
        .filter(|f| f.name.contains("name") && f.kind == FieldType::Text)
        .find_map(|f| row.form.0.get(&f.name).and_then(Value::as_str).map(str::to_string))
        .filter(|s| !s.trim().is_empty())
}

/// A form value as people read it: enum labels in `lang`, booleans as words, numbers as written
/// with their unit.
fn field_text(service: &ServiceDef, name: &str, v: &Value, lang: Lang) -> Option<String> {
    let def = service.field(name);
    let label = |s: &str| {
        def.and_then(|d| d.values.iter().find(|c| c.value == s))
            .map(|c| c.label.get(lang).to_string())
            .unwrap_or_else(|| s.to_string())
    };
    let text = match v {
        Value::Null => return None,
        Value::String(s) => label(s),
        Value::Bool(b) => match (b, lang) {
            (true, Lang::Kk) => "иә",
            (false, Lang::Kk) => "жоқ",
            (true, Lang::Ru) => "да",
            (false, Lang::Ru) => "нет",
            (true, Lang::En) => "yes",
            (false, Lang::En) => "no",
        }
        .to_string(),
        Value::Number(n) => match def.and_then(|d| d.unit.as_deref()) {
            Some(u) => format!("{n} {u}"),
            None => n.to_string(),
        },
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(label).or_else(|| (!x.is_null()).then(|| x.to_string())))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(_) => return None,
    };
    Some(text)
}

/// The site's geodesic area in m² (polygons; 0 otherwise), from its GeoJSON.
pub fn site_area_m2(site: &Value) -> Option<f64> {
    use geozero::ToGeo;
    let g = geozero::geojson::GeoJsonString(site.to_string()).to_geo().ok()?;
    Some(match &g {
        Geometry::Polygon(p) => p.geodesic_area_unsigned(),
        Geometry::MultiPolygon(m) => m.geodesic_area_unsigned(),
        _ => 0.0,
    })
}

/// The value of placeholder `p` in `lang` (None: it has none, printed empty).
pub fn placeholder(
    p: &str,
    row: &ApplicationRow,
    service: &ServiceDef,
    overlay: &OverlayReport,
    names: &Names,
    calendar: &Calendar,
    lang: Lang,
) -> Option<String> {
    let date = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| calendar.local_date(t).format("%d.%m.%Y").to_string())
    };
    let refusal = row.state.refusal.as_ref();
    match p {
        "application.number" => row.number.clone(),
        "application.submitted" => date(row.submitted_at),
        "application.decided" => date(row.closed_at),
        "service.title" => Some(service.title.get(lang).to_string()),
        "provider.name" => Some(names.provider.clone().unwrap_or_else(|| service.provider.clone())),
        "applicant.name" => applicant_name_in_form(service, row)
            .or_else(|| names.applicant.clone().filter(|s| !s.trim().is_empty()))
            .or_else(|| Some(row.applicant.clone())),
        "executor.name" => names.executor.clone().filter(|s| !s.trim().is_empty()).or_else(|| decider(row)),
        "site.address" => row.form.0.get("address").and_then(|v| field_text(service, "address", v, lang)),
        "site.district" => {
            overlay.district.as_ref().map(|d| d.name.get(lang).to_string()).or_else(|| row.district.clone())
        }
        "site.area_m2" => row.geometry.as_ref().and_then(|g| site_area_m2(&g.0)).map(|a| format!("{a:.0}")),
        "refusal.code" => refusal.map(|r| r.code.clone()),
        "refusal.reason" => refusal.map(|r| {
            service
                .refusal_reason(&r.code)
                .map(|x| x.title.get(lang).to_string())
                .unwrap_or_else(|| r.code.clone())
        }),
        "refusal.text" => refusal.map(|r| r.text.clone()),
        field => row.form.0.get(field).and_then(|v| field_text(service, field, v, lang)),
    }
}

/// The text of a template in `lang` (English falls back to Russian).
fn template_text(t: &Template, lang: Lang) -> (&str, &str) {
    match lang {
        Lang::Kk => (&t.title.kk, &t.body.kk),
        Lang::Ru => (&t.title.ru, &t.body.ru),
        Lang::En => {
            (t.title.en.as_deref().unwrap_or(&t.title.ru), t.body.en.as_deref().unwrap_or(&t.body.ru))
        }
    }
}

/// The output document of `row` in `langs`: None unless it is approved or refused and numbered.
pub fn build(
    row: &ApplicationRow,
    service: &ServiceDef,
    names: &Names,
    calendar: &Calendar,
    langs: &[Lang],
) -> Option<DecisionDoc> {
    let outcome = outcome(row.state.status)?;
    let number = row.number.clone()?;
    let overlay: OverlayReport =
        row.overlay.as_ref().and_then(|o| serde_json::from_value(o.0.clone()).ok()).unwrap_or_default();
    let template = match outcome {
        Outcome::Approval => &service.output.approval,
        Outcome::Refusal => &service.output.refusal,
    };
    let texts = langs
        .iter()
        .map(|&lang| {
            let (title, body) = template_text(template, lang);
            let fill = |text: &str| {
                templates::render(text, |p| placeholder(p, row, service, &overlay, names, calendar, lang))
            };
            FilledText { lang, title: fill(title), body: fill(body) }
        })
        .collect();
    Some(DecisionDoc {
        application: row.id,
        number,
        version: row.version,
        outcome,
        service_id: service.id.clone(),
        service_version: row.service_version,
        service_title: langs.iter().map(|l| service.title.get(*l).to_string()).collect(),
        texts,
        overlay,
        site: row.geometry.as_ref().map(|g| g.0.clone()),
        decided_at: row.closed_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(bilingual: bool) -> ServiceDef {
        let text = include_str!("../../services/network_connection.toml");
        let text =
            if bilingual { text.to_string() } else { text.replace("bilingual = true", "bilingual = false") };
        super::super::service::parse_service("network_connection.toml", &text)
            .unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn languages_of_the_document() {
        assert_eq!(languages(&service(true), "ru", Some(Lang::Ru)), vec![Lang::Kk, Lang::Ru]);
        let one = service(false);
        assert_eq!(languages(&one, "kk", None), vec![Lang::Kk]);
        assert_eq!(languages(&one, "kk", Some(Lang::Ru)), vec![Lang::Ru]);
        assert_eq!(languages(&one, "en", None), vec![Lang::Ru]);
    }

    #[test]
    fn form_values_as_people_read_them() {
        let s = service(true);
        let v = |name: &str, v: Value, l| field_text(&s, name, &v, l);
        assert_eq!(v("object_kind", "house".into(), Lang::Kk).as_deref(), Some("Жеке тұрғын үй"));
        assert_eq!(v("water_demand", serde_json::json!(1.5), Lang::Ru).as_deref(), Some("1.5 m³/day"));
        assert_eq!(v("needs_sewerage", false.into(), Lang::Ru).as_deref(), Some("нет"));
        assert_eq!(v("address", Value::Null, Lang::Ru), None);
    }
}
