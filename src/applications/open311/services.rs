//! The Open311 service list and service definitions from the service files: only services with
//! `publish.public`; the definition's attributes are the form fields the applicant fills (files
//! cannot be sent as `attribute[...]` and are left out; a `table` is sent as JSON text).

use serde_json::{Value, json};

use crate::applications::service::ServiceDef;
use crate::applications::service::form::{FieldDef, FieldType, Filler};
use crate::i18n::Lang;

/// Whether Open311 shows `service`.
pub fn is_public(service: &ServiceDef) -> bool {
    service.publish.public
}

/// The fields an Open311 client fills: the applicant's, but files.
pub fn attribute_fields(service: &ServiceDef) -> impl Iterator<Item = &FieldDef> {
    service.form.iter().filter(|f| f.filled_by == Filler::Applicant && f.kind != FieldType::File)
}

/// One entry of `services.{json,xml}`.
pub fn service_entry(s: &ServiceDef, lang: Lang) -> Value {
    json!({
        "service_code": s.id,
        "service_name": s.title.get(lang),
        "description": s.passport.purpose.get(lang),
        "metadata": attribute_fields(s).next().is_some(),
        "type": "realtime",
        "keywords": format!("{}, {}", s.category, s.provider),
        "group": s.category,
    })
}

/// The Open311 datatype of a field.
pub fn datatype(f: &FieldDef) -> &'static str {
    match f.kind {
        FieldType::Text => "string",
        FieldType::Number if f.integer => "integer",
        FieldType::Number => "number",
        FieldType::Date => "datetime",
        FieldType::Enum | FieldType::Boolean => "singlevaluelist",
        FieldType::MultiEnum => "multivaluelist",
        _ => "string",
    }
}

/// What a client should know about a field's values beyond its datatype, in `lang`'s words when
/// we have them (the unit, bounds, pattern, the form of dates, conditions).
fn datatype_description(f: &FieldDef, lang: Lang) -> String {
    let mut parts: Vec<String> = Vec::new();
    match f.kind {
        FieldType::Number => {
            if f.integer {
                parts.push("integer".into());
            }
            if let Some(min) = f.min {
                parts.push(format!("min {min}"));
            }
            if let Some(max) = f.max {
                parts.push(format!("max {max}"));
            }
            if let Some(u) = &f.unit {
                parts.push(u.clone());
            }
        }
        FieldType::Date => parts.push("YYYY-MM-DD".into()),
        FieldType::Text => {
            parts.push(format!("max {} characters", f.text_limit()));
            if let Some(p) = &f.pattern {
                parts.push(format!("pattern {p}"));
            }
        }
        FieldType::Iin => parts.push("IIN: 12 digits".into()),
        FieldType::Bin => parts.push("BIN: 12 digits".into()),
        FieldType::Phone => parts.push("+7XXXXXXXXXX".into()),
        FieldType::Email => parts.push("e-mail".into()),
        FieldType::Table => parts.push("JSON array of rows".into()),
        FieldType::Boolean => parts.push("true | false".into()),
        _ => {}
    }
    if let Some(w) = &f.when {
        parts.push(format!("required only when {} has a given value", w.field));
    }
    let mut text = parts.join("; ");
    if let Some(h) = &f.hint {
        if !text.is_empty() {
            text.push_str(". ");
        }
        text.push_str(h.get(lang));
    }
    text
}

/// The values of a list field.
fn values(f: &FieldDef, lang: Lang) -> Value {
    match f.kind {
        FieldType::Enum | FieldType::MultiEnum => {
            f.values.iter().map(|c| json!({"key": c.value, "name": c.label.get(lang)})).collect()
        }
        FieldType::Boolean => {
            let (yes, no) = match lang {
                Lang::Kk => ("Иә", "Жоқ"),
                Lang::Ru => ("Да", "Нет"),
                Lang::En => ("Yes", "No"),
            };
            json!([{"key": "true", "name": yes}, {"key": "false", "name": no}])
        }
        _ => Value::Array(Vec::new()),
    }
}

/// The service definition of `services/{code}.{json,xml}`.
pub fn definition(s: &ServiceDef, lang: Lang) -> Value {
    let attributes: Vec<Value> = attribute_fields(s)
        .enumerate()
        .map(|(i, f)| {
            json!({
                "variable": true,
                "code": f.name,
                "datatype": datatype(f),
                "required": f.required && f.when.is_none(),
                "datatype_description": datatype_description(f, lang),
                "order": i + 1,
                "description": f.label.get(lang),
                "values": values(f, lang),
            })
        })
        .collect();
    json!({"service_code": s.id, "attributes": attributes})
}
