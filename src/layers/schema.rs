//! Attribute validation against a layer's schema: pure, shared by ingest and editing.
//!
//! Values are coerced where the meaning is unambiguous (the text `"12"` for an integer, `"да"` or
//! `"true"` for a boolean, a date-time for a date) and refused otherwise, with one message per field.
//!
//! ```
//! use qala::layers::catalog::parse_layer;
//! use qala::layers::schema::validate;
//! # let text = include_str!("../../tests/fixtures/layers/valid_layer.toml");
//! let layer = parse_layer("parcels.toml", text).unwrap();
//! let raw = serde_json::json!({"name": "A", "floors": "5"});
//! let attrs = validate(&layer, raw.as_object().unwrap()).unwrap();
//! assert_eq!(attrs["floors"], 5);
//! ```

use serde_json::{Map, Value};

use super::catalog::{AttrType, AttributeDef, LayerDef};

/// A field that does not fit the schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// Checks `raw` against the schema of `layer` and returns the attributes to store (coerced to their
/// declared types, nulls and empty strings dropped). Unknown fields are errors.
pub fn validate(layer: &LayerDef, raw: &Map<String, Value>) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut out = Map::new();
    let mut errors = Vec::new();
    for (name, value) in raw {
        let Some(def) = layer.attribute(name) else {
            errors
                .push(FieldError { field: name.clone(), reason: "is not an attribute of this layer".into() });
            continue;
        };
        if is_empty(value) {
            continue;
        }
        match coerce(def, value) {
            Ok(v) => {
                out.insert(name.clone(), v);
            }
            Err(reason) => errors.push(FieldError { field: name.clone(), reason }),
        }
    }
    for def in layer.attributes.iter().filter(|a| a.required) {
        if !out.contains_key(&def.name) && !errors.iter().any(|e| e.field == def.name) {
            errors.push(FieldError { field: def.name.clone(), reason: "is required".into() });
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn coerce(def: &AttributeDef, value: &Value) -> Result<Value, String> {
    let shown = || match value {
        Value::String(s) => format!("`{s}`"),
        other => other.to_string(),
    };
    let v = match def.kind {
        AttrType::String => {
            let s = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return Err(format!("{} is not text", shown())),
            };
            if let Some(max) = def.max_length
                && s.chars().count() > max
            {
                return Err(format!("is longer than {max} characters"));
            }
            Value::String(s)
        }
        AttrType::Integer => {
            let n = match value {
                Value::Number(n) => {
                    n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                }
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            }
            .ok_or_else(|| format!("{} is not an integer", shown()))?;
            check_range(def, n as f64)?;
            Value::from(n)
        }
        AttrType::Number => {
            let n = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().replace(',', ".").parse::<f64>().ok(),
                _ => None,
            }
            .filter(|f| f.is_finite())
            .ok_or_else(|| format!("{} is not a number", shown()))?;
            check_range(def, n)?;
            Value::from(n)
        }
        AttrType::Boolean => {
            let b = match value {
                Value::Bool(b) => Some(*b),
                Value::Number(n) => n.as_i64().and_then(|i| match i {
                    0 => Some(false),
                    1 => Some(true),
                    _ => None,
                }),
                Value::String(s) => match s.trim().to_lowercase().as_str() {
                    "true" | "t" | "yes" | "y" | "1" | "да" | "иә" => Some(true),
                    "false" | "f" | "no" | "n" | "0" | "нет" | "жоқ" => Some(false),
                    _ => None,
                },
                _ => None,
            }
            .ok_or_else(|| format!("{} is not a boolean", shown()))?;
            Value::Bool(b)
        }
        AttrType::Date => {
            let s = value.as_str().ok_or_else(|| format!("{} is not a date YYYY-MM-DD", shown()))?.trim();
            let date_part = s.get(..10).unwrap_or(s);
            let d = chrono::NaiveDate::parse_from_str(date_part, "%Y-%m-%d")
                .or_else(|_| chrono::NaiveDate::parse_from_str(date_part, "%Y/%m/%d"))
                .or_else(|_| chrono::NaiveDate::parse_from_str(date_part, "%d.%m.%Y"))
                .map_err(|_| format!("{} is not a date YYYY-MM-DD", shown()))?;
            Value::String(d.format("%Y-%m-%d").to_string())
        }
        AttrType::Enum => {
            let s = match value {
                Value::String(s) => s.trim().to_string(),
                Value::Number(n) => n.to_string(),
                _ => return Err(format!("{} is not one of the allowed values", shown())),
            };
            if !def.values.iter().any(|v| v.value() == s) {
                let allowed: Vec<&str> = def.values.iter().map(|v| v.value()).collect();
                return Err(format!("{} is not one of: {}", shown(), allowed.join(", ")));
            }
            Value::String(s)
        }
    };
    Ok(v)
}

fn check_range(def: &AttributeDef, n: f64) -> Result<(), String> {
    if let Some(min) = def.min
        && n < min
    {
        return Err(format!("{n} is below the minimum {min}"));
    }
    if let Some(max) = def.max
        && n > max
    {
        return Err(format!("{n} is above the maximum {max}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn layer() -> LayerDef {
        crate::layers::catalog::fixtures::parcels()
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn coerces_text_to_declared_types() {
        let a = validate(
            &layer(),
            &obj(json!({"name": "Дом", "floors": "7", "area": "12,5", "heritage": "да", "built": "01.02.1975", "use": "residential"})),
        )
        .unwrap();
        assert_eq!(a["floors"], json!(7));
        assert_eq!(a["area"], json!(12.5));
        assert_eq!(a["heritage"], json!(true));
        assert_eq!(a["built"], json!("1975-02-01"));
    }

    #[test]
    fn reports_every_bad_field() {
        let errs = validate(&layer(), &obj(json!({"floors": "many", "use": "castle", "colour": "red"})))
            .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["floors", "use", "colour", "name"], "{errs:?}");
        assert!(errs[1].reason.contains("residential"));
        assert_eq!(errs[3].reason, "is required");
    }

    #[test]
    fn range_and_length_limits() {
        let errs = validate(&layer(), &obj(json!({"name": "x", "floors": 500}))).unwrap_err();
        assert_eq!(errs[0].reason, "500 is above the maximum 200");
        let long = "я".repeat(201);
        let errs = validate(&layer(), &obj(json!({"name": long}))).unwrap_err();
        assert_eq!(errs[0].reason, "is longer than 200 characters");
    }
}
