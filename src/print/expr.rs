//! MapLibre style expressions, evaluated for one feature at one zoom (pure).
//!
//! Covers what a print needs from `styles/*.json`: `get`, `has`, `literal`, `match`, `case`,
//! `coalesce`, `interpolate` (linear, exponential), `step`, `zoom`, comparisons, `all`, `any`,
//! `!`, `to-string`, `to-number`, `concat`, `upcase`, `downcase`, `heatmap-density` (read from
//! the [`HEATMAP_DENSITY`] entry a heat map's ramp is evaluated with), plus legacy filters
//! (`["==", "kind", "river"]`). An expression it does not know evaluates to `null`, so the
//! property falls back to its default, as MapLibre does with an invalid value.
//!
//! ```
//! use qala::print::expr::eval;
//! use serde_json::json;
//! let props = json!({"kind": "river"});
//! let width = json!(["interpolate", ["linear"], ["zoom"], 8, 1, 16, ["match", ["get", "kind"], "river", 5, 1.5]]);
//! assert_eq!(eval(&width, props.as_object().unwrap(), 12.0).as_f64(), Some(3.0));
//! ```

use serde_json::{Map, Value};

/// Feature properties as read from the database.
pub type Props = Map<String, Value>;

/// The entry of [`Props`] that `["heatmap-density"]` reads (no attribute can be named so).
pub const HEATMAP_DENSITY: &str = "\u{0}heatmap-density";

/// Evaluates `e` for a feature with properties `p` at zoom `z`.
pub fn eval(e: &Value, p: &Props, z: f64) -> Value {
    let Value::Array(a) = e else { return e.clone() };
    let Some(op) = a.first().and_then(Value::as_str) else {
        // A bare array (e.g. a dash array) is a value.
        return e.clone();
    };
    let arg = |i: usize| a.get(i).map(|x| eval(x, p, z)).unwrap_or(Value::Null);
    match op {
        "literal" => a.get(1).cloned().unwrap_or(Value::Null),
        "get" => match arg(1) {
            Value::String(k) => p.get(&k).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        },
        "has" => match arg(1) {
            Value::String(k) => Value::Bool(p.contains_key(&k)),
            _ => Value::Bool(false),
        },
        "zoom" => num(z),
        "heatmap-density" => p.get(HEATMAP_DENSITY).cloned().unwrap_or(Value::Null),
        "match" => {
            let input = arg(1);
            let mut i = 2;
            while i + 1 < a.len() {
                let hit = match &a[i] {
                    Value::Array(labels) => labels.iter().any(|l| same(l, &input)),
                    l => same(l, &input),
                };
                if hit {
                    return eval(&a[i + 1], p, z);
                }
                i += 2;
            }
            a.last().map(|d| eval(d, p, z)).unwrap_or(Value::Null)
        }
        "case" => {
            let mut i = 1;
            while i + 1 < a.len() {
                if truthy(&eval(&a[i], p, z)) {
                    return eval(&a[i + 1], p, z);
                }
                i += 2;
            }
            a.last().map(|d| eval(d, p, z)).unwrap_or(Value::Null)
        }
        "coalesce" => a[1..].iter().map(|x| eval(x, p, z)).find(|v| !v.is_null()).unwrap_or(Value::Null),
        "interpolate" => interpolate(a, p, z),
        "step" => {
            let input = arg(1).as_f64().unwrap_or(0.0);
            let mut out = a.get(2).map(|x| eval(x, p, z)).unwrap_or(Value::Null);
            let mut i = 3;
            while i + 1 < a.len() {
                match a[i].as_f64() {
                    Some(stop) if input >= stop => out = eval(&a[i + 1], p, z),
                    _ => break,
                }
                i += 2;
            }
            out
        }
        "==" | "!=" | "<" | "<=" | ">" | ">=" => compare(op, a, p, z),
        "all" => Value::Bool(a[1..].iter().all(|x| truthy(&eval(x, p, z)))),
        "any" => Value::Bool(a[1..].iter().any(|x| truthy(&eval(x, p, z)))),
        "!" => Value::Bool(!truthy(&arg(1))),
        "in" if a.get(1).is_some_and(Value::is_string) => {
            // Legacy filter: ["in", key, v1, v2, ...].
            let v = legacy_get(a, p);
            Value::Bool(a[2..].iter().any(|x| same(x, &v)))
        }
        "!in" if a.get(1).is_some_and(Value::is_string) => {
            let v = legacy_get(a, p);
            Value::Bool(!a[2..].iter().any(|x| same(x, &v)))
        }
        "to-string" => Value::String(to_text(&arg(1))),
        "to-number" => a[1..]
            .iter()
            .map(|x| eval(x, p, z))
            .find_map(|v| match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse().ok(),
                Value::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
                _ => None,
            })
            .map(num)
            .unwrap_or(Value::Null),
        "concat" => Value::String(a[1..].iter().map(|x| to_text(&eval(x, p, z))).collect()),
        "upcase" => Value::String(to_text(&arg(1)).to_uppercase()),
        "downcase" => Value::String(to_text(&arg(1)).to_lowercase()),
        _ => Value::Null,
    }
}

/// Whether a feature passes a style layer's `filter` (absent: yes).
pub fn passes(filter: Option<&Value>, p: &Props, z: f64) -> bool {
    filter.is_none_or(|f| truthy(&eval(f, p, z)))
}

/// The text of a value as `to-string` writes it.
pub fn to_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map(Value::Number).unwrap_or(Value::Null)
}

fn truthy(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn legacy_get(a: &[Value], p: &Props) -> Value {
    let key = a.get(1).and_then(Value::as_str).unwrap_or_default();
    match key {
        "$type" => Value::Null,
        k => p.get(k).cloned().unwrap_or(Value::Null),
    }
}

fn compare(op: &str, a: &[Value], p: &Props, z: f64) -> Value {
    // Legacy filters name the key directly: ["==", "kind", "river"].
    let legacy = a.get(1).is_some_and(Value::is_string) && a.len() == 3 && !a[2].is_array();
    let (l, r) = if legacy {
        (legacy_get(a, p), a[2].clone())
    } else {
        (
            a.get(1).map(|x| eval(x, p, z)).unwrap_or(Value::Null),
            a.get(2).map(|x| eval(x, p, z)).unwrap_or(Value::Null),
        )
    };
    let ord = match (&l, &r) {
        (Value::Number(x), Value::Number(y)) => x.as_f64().partial_cmp(&y.as_f64()),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    };
    use std::cmp::Ordering::*;
    Value::Bool(match op {
        "==" => same(&l, &r),
        "!=" => !same(&l, &r),
        "<" => ord == Some(Less),
        "<=" => matches!(ord, Some(Less | Equal)),
        ">" => ord == Some(Greater),
        _ => matches!(ord, Some(Greater | Equal)),
    })
}

fn interpolate(a: &[Value], p: &Props, z: f64) -> Value {
    let kind = a.get(1).and_then(Value::as_array);
    let base = match kind.and_then(|k| k.first()).and_then(Value::as_str) {
        Some("exponential") => kind.and_then(|k| k.get(1)).and_then(Value::as_f64).unwrap_or(1.0),
        _ => 1.0,
    };
    let input = a.get(2).map(|x| eval(x, p, z)).and_then(|v| v.as_f64()).unwrap_or(0.0);
    let stops: Vec<(f64, &Value)> =
        a[3..].chunks(2).filter_map(|c| Some((c.first()?.as_f64()?, c.get(1)?))).collect();
    let Some(first) = stops.first() else { return Value::Null };
    if input <= first.0 {
        return eval(first.1, p, z);
    }
    for w in stops.windows(2) {
        let ((x0, v0), (x1, v1)) = (w[0], w[1]);
        if input <= x1 {
            let t = interpolation_factor(input, base, x0, x1);
            let (v0, v1) = (eval(v0, p, z), eval(v1, p, z));
            return match (v0.as_f64(), v1.as_f64()) {
                (Some(a0), Some(a1)) => num(a0 + (a1 - a0) * t),
                _ => lerp_colors(&v0, &v1, t).unwrap_or(if t < 0.5 { v0 } else { v1 }),
            };
        }
    }
    stops.last().map(|s| eval(s.1, p, z)).unwrap_or(Value::Null)
}

/// MapLibre's interpolation factor between stops `x0` and `x1`.
fn interpolation_factor(x: f64, base: f64, x0: f64, x1: f64) -> f64 {
    let d = x1 - x0;
    if d == 0.0 {
        return 0.0;
    }
    let progress = x - x0;
    if (base - 1.0).abs() < 1e-9 { progress / d } else { (base.powf(progress) - 1.0) / (base.powf(d) - 1.0) }
}

fn lerp_colors(a: &Value, b: &Value, t: f64) -> Option<Value> {
    let (ca, cb) = (super::style::color(a)?, super::style::color(b)?);
    let c = ca.interpolate_rgb(&cb, t as f32);
    Some(Value::String(c.to_css_hex()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(v: Value) -> Props {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn match_case_coalesce_and_legacy_filters() {
        let p = props(json!({"class": "avenue", "name_ru": "Абая", "floors": 9}));
        let e = json!(["match", ["get", "class"], ["avenue", "boulevard"], "#ffe7a6", "#ffffff"]);
        assert_eq!(eval(&e, &p, 15.0), json!("#ffe7a6"));
        let e = json!(["coalesce", ["get", "name_kk"], ["get", "name_ru"]]);
        assert_eq!(eval(&e, &p, 15.0), json!("Абая"));
        let e = json!(["case", [">=", ["get", "floors"], 10], "tall", "low"]);
        assert_eq!(eval(&e, &p, 15.0), json!("low"));
        assert!(passes(Some(&json!(["==", "class", "avenue"])), &p, 15.0));
        assert!(!passes(Some(&json!(["!=", ["get", "class"], "avenue"])), &p, 15.0));
        assert!(passes(Some(&json!(["in", "class", "street", "avenue"])), &p, 15.0));
        assert!(passes(None, &p, 15.0));
    }

    #[test]
    fn interpolation_linear_exponential_step_and_colors() {
        let p = Props::new();
        let lin = json!(["interpolate", ["linear"], ["zoom"], 10, 2, 20, 12]);
        assert_eq!(eval(&lin, &p, 5.0).as_f64(), Some(2.0));
        assert_eq!(eval(&lin, &p, 15.0).as_f64(), Some(7.0));
        assert_eq!(eval(&lin, &p, 25.0).as_f64(), Some(12.0));
        let exp = json!(["interpolate", ["exponential", 2], ["zoom"], 0, 0, 2, 3]);
        // (2^1 - 1) / (2^2 - 1) = 1/3 of the way.
        assert!((eval(&exp, &p, 1.0).as_f64().unwrap_or(0.0) - 1.0).abs() < 1e-9);
        let step = json!(["step", ["zoom"], 1, 10, 2, 14, 3]);
        assert_eq!(eval(&step, &p, 12.0).as_f64(), Some(2.0));
        let col = json!(["interpolate", ["linear"], ["zoom"], 0, "#000000", 10, "#ffffff"]);
        assert_eq!(eval(&col, &p, 5.0), json!("#808080"));
        assert_eq!(eval(&json!(["upcase", "алматы"]), &p, 1.0), json!("АЛМАТЫ"));
        assert_eq!(eval(&json!(["to-string", 5.0]), &p, 1.0), json!("5"));
        assert_eq!(eval(&json!(["no-such-op", 1]), &p, 1.0), Value::Null);
    }
}
