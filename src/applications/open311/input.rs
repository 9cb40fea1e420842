//! A `POST requests` body (form-urlencoded pairs, already decoded) turned into a draft: the
//! service, the site as a GeoJSON point from `lat`/`long`, and the form from `attribute[code]`
//! (`attribute[code][]` repeated for a multivaluelist), each value typed by its field. The
//! standard fields fill the form where the service has such a field and no attribute gave it:
//! `email` the first `email` field, `phone` the first `phone` field, `first_name` + `last_name`
//! a field named `full_name`, `address_string` one named `address`, `description` one named
//! `description`. Pure; the form is then checked by the lifecycle like any draft's.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::services::attribute_fields;
use crate::applications::service::ServiceDef;
use crate::applications::service::form::FieldType;

/// Largest body of a `POST requests`, in bytes.
pub const MAX_BODY: usize = 64 * 1024;
/// Most pairs in one body (attributes and standard fields together).
pub const MAX_PAIRS: usize = 300;
/// Most `attribute[...]` pairs.
pub const MAX_ATTRIBUTES: usize = 200;

/// A `POST requests` as sent.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PostRequest {
    pub api_key: Option<String>,
    pub service_code: Option<String>,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub address_string: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub description: Option<String>,
    /// `attribute[code]` values by code, in order.
    pub attributes: BTreeMap<String, Vec<String>>,
}

/// Reads the pairs of a body; the problem when there are too many or one is malformed.
pub fn parse(pairs: Vec<(String, String)>) -> Result<PostRequest, String> {
    if pairs.len() > MAX_PAIRS {
        return Err(format!("more than {MAX_PAIRS} parameters"));
    }
    let mut r = PostRequest::default();
    let mut n_attrs = 0;
    for (k, v) in pairs {
        let v = v.trim().to_string();
        if let Some(rest) = k.strip_prefix("attribute[") {
            let code = rest.strip_suffix("[]").unwrap_or(rest);
            let Some(code) = code.strip_suffix(']') else {
                return Err(format!("malformed parameter {}", k.chars().take(80).collect::<String>()));
            };
            n_attrs += 1;
            if n_attrs > MAX_ATTRIBUTES {
                return Err(format!("more than {MAX_ATTRIBUTES} attributes"));
            }
            r.attributes.entry(code.to_string()).or_default().push(v);
            continue;
        }
        let slot = match k.as_str() {
            "api_key" => &mut r.api_key,
            "service_code" => &mut r.service_code,
            "lat" => &mut r.lat,
            "long" => &mut r.long,
            "address_string" => &mut r.address_string,
            "email" => &mut r.email,
            "phone" => &mut r.phone,
            "first_name" => &mut r.first_name,
            "last_name" => &mut r.last_name,
            "description" => &mut r.description,
            // jurisdiction_id, device_id, account_id, address_id, media_url: not used.
            _ => continue,
        };
        if !v.is_empty() {
            *slot = Some(v);
        }
    }
    Ok(r)
}

/// The site: a GeoJSON point, `None` without coordinates; the problem with bad ones.
pub fn point(r: &PostRequest) -> Result<Option<Value>, String> {
    match (&r.lat, &r.long) {
        (None, None) => Ok(None),
        (Some(lat), Some(long)) => {
            let lat: f64 = lat.parse().map_err(|_| "lat is not a number".to_string())?;
            let long: f64 = long.parse().map_err(|_| "long is not a number".to_string())?;
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&long) {
                return Err("lat/long out of range".into());
            }
            Ok(Some(json!({"type": "Point", "coordinates": [long, lat]})))
        }
        _ => Err("lat and long go together".into()),
    }
}

/// A text value typed by its field (left a string when it does not parse, so that the form's
/// check names the field and the problem).
fn typed(kind: FieldType, integer: bool, raw: &[String]) -> Value {
    let one = raw.last().cloned().unwrap_or_default();
    match kind {
        FieldType::Number => match one.parse::<f64>() {
            Ok(n) if integer && n.fract() == 0.0 && n.abs() < 9.0e15 => json!(n as i64),
            Ok(n) if n.is_finite() => json!(n),
            _ => Value::String(one),
        },
        FieldType::Boolean => match one.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Value::Bool(true),
            "false" | "0" | "no" => Value::Bool(false),
            _ => Value::String(one),
        },
        FieldType::MultiEnum => {
            Value::Array(raw.iter().flat_map(|v| v.split(',')).map(|v| json!(v.trim())).collect())
        }
        // An Open311 datetime: its date.
        FieldType::Date if one.len() > 10 && one.as_bytes()[10] == b'T' => Value::String(one[..10].into()),
        FieldType::Table => serde_json::from_str(&one).unwrap_or(Value::String(one)),
        _ => Value::String(one),
    }
}

/// The draft's form: the attributes typed by their fields, then the standard fields where the
/// service has a field for them; the codes that name no field the client may fill.
pub fn form(service: &ServiceDef, r: &PostRequest) -> Result<Map<String, Value>, Vec<String>> {
    let mut form = Map::new();
    let mut unknown = Vec::new();
    for (code, raw) in &r.attributes {
        match attribute_fields(service).find(|f| &f.name == code) {
            Some(f) => {
                if raw.iter().any(|v| !v.is_empty()) {
                    form.insert(code.clone(), typed(f.kind, f.integer, raw));
                }
            }
            None => unknown.push(code.chars().take(63).collect::<String>()),
        }
    }
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let mut fill = |name: Option<&str>, value: Option<String>| {
        if let (Some(name), Some(value)) = (name, value) {
            form.entry(name.to_string()).or_insert(Value::String(value));
        }
    };
    let by_kind = |k: FieldType| attribute_fields(service).find(|f| f.kind == k).map(|f| f.name.as_str());
    let named = |n: &str| attribute_fields(service).find(|f| f.name == n).map(|f| f.name.as_str());
    fill(by_kind(FieldType::Email), r.email.clone());
    fill(by_kind(FieldType::Phone), r.phone.clone());
    let name =
        [&r.first_name, &r.last_name].iter().filter_map(|s| s.as_deref()).collect::<Vec<_>>().join(" ");
    fill(named("full_name"), Some(name).filter(|n| !n.is_empty()));
    fill(named("address"), r.address_string.clone());
    fill(named("description"), r.description.clone());
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn reads_attributes_and_points() {
        let r = parse(pairs(&[
            ("api_key", "k"),
            ("attribute[a]", "1"),
            ("attribute[m][]", "x"),
            ("attribute[m][]", "y"),
            ("lat", "43.2"),
            ("long", "76.9"),
        ]))
        .unwrap();
        assert_eq!(r.api_key.as_deref(), Some("k"));
        assert_eq!(r.attributes["m"], vec!["x", "y"]);
        assert_eq!(point(&r).unwrap().unwrap()["coordinates"], json!([76.9, 43.2]));
        assert!(parse(pairs(&[("attribute[a", "1")])).is_err());
        let many: Vec<(String, String)> =
            (0..=MAX_ATTRIBUTES).map(|i| (format!("attribute[f{i}]"), "1".into())).collect();
        assert!(parse(many).is_err());
        assert!(point(&PostRequest { lat: Some("1".into()), ..Default::default() }).is_err());
        assert!(
            point(&PostRequest { lat: Some("91".into()), long: Some("0".into()), ..Default::default() })
                .is_err()
        );
    }

    #[test]
    fn types_values() {
        assert_eq!(typed(FieldType::Number, true, &["2".into()]), json!(2));
        assert_eq!(typed(FieldType::Number, false, &["1.5".into()]), json!(1.5));
        assert_eq!(typed(FieldType::Number, false, &["x".into()]), json!("x"));
        assert_eq!(typed(FieldType::Boolean, false, &["false".into()]), json!(false));
        assert_eq!(typed(FieldType::MultiEnum, false, &["a".into(), "b,c".into()]), json!(["a", "b", "c"]));
        assert_eq!(typed(FieldType::Date, false, &["2026-12-02T10:00:00Z".into()]), json!("2026-12-02"));
    }
}
