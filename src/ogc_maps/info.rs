//! The answer of GetFeatureInfo (pure): the features found per layer as a GeoJSON feature
//! collection (`application/json` and `application/geo+json`), an HTML page (every text
//! escaped, headings in the caller's language, attributes under their labels) or plain text.

use serde_json::{Map, Value, json};

use super::params::InfoFormat;
use super::store::FoundFeature;
use crate::i18n::{Lang, Msg};
use crate::layers::catalog::LayerDef;

/// The features found in one layer.
#[derive(Debug, Clone)]
pub struct LayerHits<'a> {
    pub layer: &'a LayerDef,
    pub features: Vec<FoundFeature>,
}

/// The body of the answer in `format`.
pub fn render(hits: &[LayerHits<'_>], format: InfoFormat, lang: Lang) -> String {
    match format {
        InfoFormat::Json | InfoFormat::GeoJson => geojson(hits, lang).to_string(),
        InfoFormat::Html => html(hits, lang),
        InfoFormat::Text => text(hits, lang),
    }
}

fn geojson(hits: &[LayerHits<'_>], lang: Lang) -> Value {
    let features: Vec<Value> = hits
        .iter()
        .flat_map(|h| {
            h.features.iter().map(move |f| {
                let geometry: Value = serde_json::from_str(&f.geometry).unwrap_or(Value::Null);
                json!({
                    "type": "Feature",
                    "id": format!("{}.{}", h.layer.id, f.id),
                    "geometry": geometry,
                    "properties": f.attrs,
                    "layer": {"id": h.layer.id, "title": h.layer.title.get(lang)},
                })
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "numberReturned": features.len(), "features": features})
}

/// The attributes of a feature in the layer's order (declared ones with their labels first, then
/// any others under their names).
fn rows<'a>(layer: &'a LayerDef, attrs: &'a Value, lang: Lang) -> Vec<(String, String)> {
    let empty = Map::new();
    let obj = attrs.as_object().unwrap_or(&empty);
    let show = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for a in &layer.attributes {
        if let Some(v) = obj.get(&a.name).filter(|v| !v.is_null()) {
            out.push((a.label.get(lang).to_string(), show(v)));
        }
    }
    for (k, v) in obj {
        if layer.attribute(k).is_none() && !v.is_null() {
            out.push((k.clone(), show(v)));
        }
    }
    out
}

/// HTML-escaped text (quick-xml's escaping: `& < > " '`).
fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

fn html(hits: &[LayerHits<'_>], lang: Lang) -> String {
    let heading = Msg::OgcFeaturesHere.text(lang);
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>\n<h1>{}</h1>\n",
        lang.tag(),
        esc(heading),
        esc(heading)
    );
    for h in hits.iter().filter(|h| !h.features.is_empty()) {
        s.push_str(&format!("<h2>{}</h2>\n", esc(h.layer.title.get(lang))));
        for f in &h.features {
            s.push_str(&format!("<table data-id=\"{}.{}\">\n", esc(&h.layer.id), f.id));
            s.push_str(&format!("<tr><th>id</th><td>{}</td></tr>\n", f.id));
            for (k, v) in rows(h.layer, &f.attrs, lang) {
                s.push_str(&format!("<tr><th>{}</th><td>{}</td></tr>\n", esc(&k), esc(&v)));
            }
            s.push_str("</table>\n");
        }
    }
    s.push_str("</body></html>\n");
    s
}

fn text(hits: &[LayerHits<'_>], lang: Lang) -> String {
    let mut s = format!("{}\n", Msg::OgcFeaturesHere.text(lang));
    for h in hits.iter().filter(|h| !h.features.is_empty()) {
        s.push_str(&format!("\n{} ({})\n", h.layer.title.get(lang), h.layer.id));
        for f in &h.features {
            s.push_str(&format!("  id = {}\n", f.id));
            for (k, v) in rows(h.layer, &f.attrs, lang) {
                // One line per attribute whatever the value holds.
                s.push_str(&format!("  {k} = {}\n", v.replace(['\n', '\r'], " ")));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer() -> LayerDef {
        let text = r#"
id = "places"
theme = "test"
geometry = "point"
title = { kk = "Орындар", ru = "Места", en = "Places" }
[access]
public = true
[metadata]
source = "t"
date = "2026-01-01"
owner = "t"
licence = "CC0-1.0"
accuracy = "1 m"
source_crs = "EPSG:4326"
description = "d"
[[attributes]]
name = "name"
type = "string"
label = { kk = "Атауы", ru = "Название", en = "Name" }
"#;
        crate::layers::catalog::parse_layer("places.toml", text).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn three_formats() {
        let l = layer();
        let f = FoundFeature {
            id: 7,
            attrs: json!({"name": "<b>Школа & 1</b>", "extra": 3}),
            geometry: r#"{"type":"Point","coordinates":[76.9,43.2]}"#.into(),
        };
        let hits = [LayerHits { layer: &l, features: vec![f] }];
        let j: Value =
            serde_json::from_str(&render(&hits, InfoFormat::GeoJson, Lang::En)).unwrap_or_default();
        assert_eq!(j["features"][0]["id"], "places.7");
        assert_eq!(j["features"][0]["properties"]["name"], "<b>Школа & 1</b>");
        assert_eq!(j["features"][0]["geometry"]["coordinates"][0], 76.9);
        let h = render(&hits, InfoFormat::Html, Lang::Kk);
        assert!(h.contains("<h1>Осы нүктедегі нысандар</h1>"), "{h}");
        assert!(h.contains("<h2>Орындар</h2>"));
        assert!(h.contains("<tr><th>Атауы</th><td>&lt;b&gt;Школа &amp; 1&lt;/b&gt;</td></tr>"), "{h}");
        assert!(h.contains("<tr><th>extra</th><td>3</td></tr>"));
        assert!(!h.contains("<b>"));
        let t = render(&hits, InfoFormat::Text, Lang::Ru);
        assert!(t.contains("Места (places)") && t.contains("Название = <b>Школа & 1</b>"), "{t}");
    }
}
