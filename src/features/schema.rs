//! A layer's attributes as JSON Schema: the queryables of OGC API - Features and the form the web
//! map builds for editing.

use serde_json::{Value, json};

use crate::i18n::Lang;
use crate::layers::catalog::{AttrType, AttributeDef};

/// The JSON Schema of one attribute, titled in `lang`.
pub fn attribute_schema(a: &AttributeDef, lang: Lang) -> Value {
    let mut s = match a.kind {
        AttrType::String => json!({"type": "string"}),
        AttrType::Integer => json!({"type": "integer"}),
        AttrType::Number => json!({"type": "number"}),
        AttrType::Boolean => json!({"type": "boolean"}),
        AttrType::Date => json!({"type": "string", "format": "date"}),
        AttrType::Enum => {
            json!({"type": "string", "enum": a.values.iter().map(|v| v.value()).collect::<Vec<_>>()})
        }
    };
    s["title"] = json!(a.label.get(lang));
    if let Some(m) = a.min {
        s["minimum"] = json!(m);
    }
    if let Some(m) = a.max {
        s["maximum"] = json!(m);
    }
    if let Some(m) = a.max_length {
        s["maxLength"] = json!(m);
    }
    s
}
