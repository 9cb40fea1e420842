//! Attribute validation against a layer's schema: pure, and the one rule of every write path
//! (OGC API - Features POST, PUT and PATCH, and `qala ingest` / demo loads through
//! [`crate::layers::store::BulkLoader`] both call [`validate`]).
//!
//! The rule, per declared type (a value that fits none of these is refused with its reason):
//! - `string`: a JSON text; a JSON number or boolean is written as its JSON text (`5` → `"5"`);
//!   at most `max_length` characters; never a NUL character (U+0000, PostgreSQL cannot store it);
//! - `integer`: a JSON integer, a JSON number without a fractional part within ±2^53 (`5.0`), or a
//!   text holding a whole decimal number, optional sign and surrounding spaces allowed (`"5"`,
//!   `" -3 "`); `"5.5"`, `"5 floors"`, `"1e3"`, `true` and numbers beyond ±2^53 are refused;
//! - `number`: a finite JSON number, or a text holding a decimal number with `.` or `,` as the
//!   decimal separator (`"12,5"`);
//! - `boolean`: `true`/`false`, the numbers `1`/`0`, and the texts `true`/`false`, `t`/`f`,
//!   `yes`/`no`, `y`/`n`, `1`/`0`, `да`/`нет`, `иә`/`жоқ` (any case);
//! - `date`: a text `YYYY-MM-DD`, `YYYY/MM/DD` or `DD.MM.YYYY`, alone or followed by a time of
//!   day (`2020-01-01 10:00`, `2020/01/01 10:00:00`), or an RFC 3339 date-time; the date is kept,
//!   the time dropped; years 1 to 9999;
//! - `enum`: one of the declared values, as text (a JSON number is compared as its text).
//!
//! `null` and empty or blank texts mean "no value" (a `required` attribute is then missing);
//! `min` and `max` bound integers and numbers. Every problem is reported, one per field.
//!
//! ```
//! use qala::layers::catalog::parse_layer;
//! use qala::layers::schema::validate;
//! # let text = include_str!("../../tests/fixtures/layers/valid_layer.toml");
//! let layer = parse_layer("parcels.toml", text).unwrap();
//! let raw = serde_json::json!({"name": "A", "floors": "5"});
//! let attrs = validate(&layer, raw.as_object().unwrap()).unwrap();
//! assert_eq!(attrs["floors"], 5);
//! let raw = serde_json::json!({"name": "A", "floors": "5.5"});
//! assert!(validate(&layer, raw.as_object().unwrap()).is_err());
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

/// The largest integer a JSON number holds exactly (2^53).
const MAX_EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

/// Years a date may have: PostgreSQL has no year 0, and four digits keep dates comparable as text.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

fn coerce(def: &AttributeDef, value: &Value) -> Result<Value, String> {
    let shown = || match value {
        Value::String(s) => format!("`{s}`"),
        other => other.to_string(),
    };
    if let Value::String(s) = value
        && s.contains('\0')
    {
        return Err("contains a NUL character (U+0000), which cannot be stored".into());
    }
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
            let n = integer(value).ok_or_else(|| format!("{} is not an integer", shown()))?;
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
            let d = value
                .as_str()
                .and_then(|s| date(s.trim()))
                .ok_or_else(|| format!("{} is not a date YYYY-MM-DD (years 1 to 9999)", shown()))?;
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

/// An integer by the rule of the module documentation.
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            n.as_i64().filter(|i| i.unsigned_abs() <= MAX_EXACT_INTEGER as u64)
        }
        Value::Number(n) => {
            n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() <= MAX_EXACT_INTEGER).map(|f| f as i64)
        }
        Value::String(s) => {
            let t = s.trim();
            let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            t.parse::<i64>().ok().filter(|i| i.unsigned_abs() <= MAX_EXACT_INTEGER as u64)
        }
        _ => None,
    }
}

/// Dates as texts hold them, alone or followed by a time of day (the time is dropped).
const DATE_FORMATS: [&str; 3] = ["%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y"];

/// A calendar date by the rule of the module documentation (years 1 to 9999).
pub fn date(s: &str) -> Option<chrono::NaiveDate> {
    use chrono::Datelike;
    let with_time = |f: &str| {
        ["%H:%M", "%H:%M:%S", "%H:%M:%S%.f"].iter().find_map(|t| {
            [" ", "T"].iter().find_map(|sep| {
                chrono::NaiveDateTime::parse_from_str(s, &format!("{f}{sep}{t}")).ok().map(|d| d.date())
            })
        })
    };
    DATE_FORMATS
        .iter()
        .find_map(|f| chrono::NaiveDate::parse_from_str(s, f).ok().or_else(|| with_time(f)))
        .or_else(|| chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.date_naive()))
        .filter(|d| YEARS.contains(&d.year()))
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

    #[test]
    fn the_documented_rule_of_integers_dates_and_nul() {
        let one = |v: Value| validate(&layer(), &obj(json!({"name": "x", "floors": v})));
        for ok in [json!(5), json!(5.0), json!("5"), json!(" 5 "), json!("+5")] {
            assert_eq!(one(ok.clone()).unwrap()["floors"], json!(5), "{ok}");
        }
        for bad in [json!(5.5), json!("5.5"), json!("5 floors"), json!("1e3"), json!(true), json!("0x10")] {
            assert!(one(bad.clone()).is_err(), "{bad}");
        }
        let mut big = layer();
        big.attributes[1].max = None;
        for bad in [json!(1e300), json!(9_007_199_254_740_993_i64), json!("99999999999999999999")] {
            let e = validate(&big, &obj(json!({"name": "x", "floors": bad}))).unwrap_err();
            assert!(e[0].reason.contains("not an integer"), "{bad}: {e:?}");
        }
        let built = |v: &str| validate(&layer(), &obj(json!({"name": "x", "built": v})));
        assert_eq!(built("2020-02-01T10:00:00+05:00").unwrap()["built"], json!("2020-02-01"));
        assert_eq!(built("2020/02/01 10:00:00").unwrap()["built"], json!("2020-02-01"));
        assert_eq!(built("01.02.2020 10:00").unwrap()["built"], json!("2020-02-01"));
        for bad in ["0000-01-01", "2020-13-01", "2020-01-01garbage", "10000-01-01"] {
            assert!(built(bad).is_err(), "{bad}");
        }
        let e = validate(&layer(), &obj(json!({"name": "a\u{0}b"}))).unwrap_err();
        assert!(e[0].reason.contains("NUL"), "{e:?}");
    }
}
