//! Feature attributes as `ST_AsMVT` writes them from jsonb (measured on PostGIS 3.3): strings,
//! booleans, numbers as unsigned (>= 0) or signed (< 0) integers when within `FLT_EPSILON` of
//! their integer part, doubles otherwise; nulls, objects and arrays are not written. Also what
//! the feature scopes test in the attributes. Pure.

use serde_json::Value;

use super::index::AttrValue;

/// The written attributes of a jsonb object, in its order.
pub fn attrs_of(attrs: &Value) -> Vec<(Box<str>, AttrValue)> {
    let Value::Object(map) = attrs else { return Vec::new() };
    map.iter().filter_map(|(k, v)| value_of(v).map(|v| (Box::from(k.as_str()), v))).collect()
}

/// The MVT value of one jsonb value, `None` when PostGIS writes none.
pub fn value_of(v: &Value) -> Option<AttrValue> {
    match v {
        Value::String(s) => Some(AttrValue::Str(s.as_str().into())),
        Value::Bool(b) => Some(AttrValue::Bool(*b)),
        Value::Number(n) => Some(number(n)),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// PostGIS: `d = strtod(s)`, `l = strtol(s)` (saturating); an integer when `|d - l| <= FLT_EPSILON`.
fn number(n: &serde_json::Number) -> AttrValue {
    let d = n.as_f64().unwrap_or(f64::NAN);
    let l: i64 = match (n.as_i64(), n.as_u64()) {
        (Some(i), _) => i,
        (None, Some(_)) => i64::MAX,
        // `as` saturates, as strtol does.
        _ => d.trunc() as i64,
    };
    if (d - l as f64).abs() > f64::from(f32::EPSILON) {
        AttrValue::Double(d)
    } else if l >= 0 {
        AttrValue::Uint(l as u64)
    } else {
        AttrValue::Sint(l)
    }
}

/// `attrs @> '{"public": true}'`.
pub fn is_public(attrs: &Value) -> bool {
    attrs.get("public") == Some(&Value::Bool(true))
}

/// What `attrs -> 'access' ?| keys` matches: the strings of an array, the keys of an object, a
/// string itself.
pub fn access_of(attrs: &Value) -> Vec<Box<str>> {
    match attrs.get("access") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(Box::from).collect(),
        Some(Value::Object(o)) => o.keys().map(|k| Box::from(k.as_str())).collect(),
        Some(Value::String(s)) => vec![Box::from(s.as_str())],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_as_postgis_writes_them() {
        let a = attrs_of(&json!({"a": 1, "b": 1.5, "c": -3, "d": true, "e": null, "f": {"g": 1}, "i": [1],
            "j": "str", "k": 5.0, "l": 1e20, "m": 0.1, "n": 2.0000001, "o": -2.5}));
        let get = |k: &str| a.iter().find(|(n, _)| &**n == k).map(|(_, v)| v.clone());
        assert_eq!(get("a"), Some(AttrValue::Uint(1)));
        assert_eq!(get("b"), Some(AttrValue::Double(1.5)));
        assert_eq!(get("c"), Some(AttrValue::Sint(-3)));
        assert_eq!(get("d"), Some(AttrValue::Bool(true)));
        assert_eq!(get("e"), None);
        assert_eq!(get("f"), None);
        assert_eq!(get("i"), None);
        assert_eq!(get("j"), Some(AttrValue::Str("str".into())));
        assert_eq!(get("k"), Some(AttrValue::Uint(5)));
        assert_eq!(get("l"), Some(AttrValue::Double(1e20)));
        assert_eq!(get("m"), Some(AttrValue::Double(0.1)));
        assert_eq!(get("n"), Some(AttrValue::Uint(2)));
        assert_eq!(get("o"), Some(AttrValue::Double(-2.5)));
    }

    #[test]
    fn scope_fields() {
        assert!(is_public(&json!({"public": true})));
        assert!(!is_public(&json!({"public": "true"})));
        assert_eq!(access_of(&json!({"access": ["a", 1, "b"]})), vec![Box::from("a"), Box::from("b")]);
        assert_eq!(access_of(&json!({"access": "x"})), vec![Box::from("x")]);
    }
}
