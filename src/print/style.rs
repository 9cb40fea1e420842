//! The MapLibre style of the web map (`styles/qala.json`) as a print reads it (pure): its style
//! layers in drawing order with their zoom range, filter, paint and layout properties, evaluated
//! per feature at the zoom that matches the print's scale.

use serde_json::{Map, Value};

use super::expr::{self, Props};

/// A colour with alpha, components in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgba {
    pub r: f32,
    pub g: f32,
    pub b: f32,
    pub a: f32,
}

impl Rgba {
    pub const BLACK: Rgba = Rgba { r: 0.0, g: 0.0, b: 0.0, a: 1.0 };
    pub const WHITE: Rgba = Rgba { r: 1.0, g: 1.0, b: 1.0, a: 1.0 };

    /// From `#rrggbb`, `rgb()`, `hsl()` or a CSS name.
    pub fn parse(s: &str) -> Option<Rgba> {
        color(&Value::String(s.to_string())).map(|c| Rgba { r: c.r, g: c.g, b: c.b, a: c.a })
    }

    pub fn with_alpha(self, a: f32) -> Rgba {
        Rgba { a: self.a * a, ..self }
    }
}

/// A CSS colour string parsed by `csscolorparser`.
pub fn color(v: &Value) -> Option<csscolorparser::Color> {
    v.as_str().and_then(|s| csscolorparser::parse(s).ok())
}

/// Kind of a style layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Fill,
    Line,
    Circle,
    Symbol,
    /// A heat map of the layer's points ([`super::density`]).
    Heatmap,
}

/// One style layer that draws a data layer.
#[derive(Debug, Clone)]
pub struct StyleLayer {
    pub id: String,
    pub kind: Kind,
    /// The Qala layer it draws (`source-layer`).
    pub source_layer: String,
    pub minzoom: f64,
    pub maxzoom: f64,
    filter: Option<Value>,
    paint: Map<String, Value>,
    layout: Map<String, Value>,
}

/// The style as a print uses it.
#[derive(Debug, Clone)]
pub struct PrintStyle {
    pub background: Option<Rgba>,
    /// The attributions of the style's sources, joined.
    pub attribution: String,
    pub layers: Vec<StyleLayer>,
    /// The clustered data layers (`metadata."qala:clusters"`, see [`super::cluster`]).
    pub clusters: Vec<super::cluster::ClusterSpec>,
}

impl PrintStyle {
    /// Reads a MapLibre style, replacing `{name_field}` with the attribute of names to print.
    /// Style layers of other types (raster, hillshade, fill-extrusion) are not printed.
    pub fn parse(style: &Value, name_field: &str) -> PrintStyle {
        let mut style = style.clone();
        crate::tiles::styles::localise(&mut style, name_field);
        let mut background = None;
        let mut layers = Vec::new();
        for l in style.get("layers").and_then(Value::as_array).into_iter().flatten() {
            let obj = |k: &str| l.get(k).and_then(Value::as_object).cloned().unwrap_or_default();
            let kind = match l.get("type").and_then(Value::as_str) {
                Some("background") => {
                    background =
                        obj("paint").get("background-color").and_then(|c| c.as_str()).and_then(Rgba::parse);
                    continue;
                }
                Some("fill") => Kind::Fill,
                Some("line") => Kind::Line,
                Some("circle") => Kind::Circle,
                Some("symbol") => Kind::Symbol,
                Some("heatmap") => Kind::Heatmap,
                _ => continue,
            };
            let Some(source_layer) = l.get("source-layer").and_then(Value::as_str) else { continue };
            layers.push(StyleLayer {
                id: l.get("id").and_then(Value::as_str).unwrap_or_default().to_string(),
                kind,
                source_layer: source_layer.to_string(),
                minzoom: l.get("minzoom").and_then(Value::as_f64).unwrap_or(0.0),
                maxzoom: l.get("maxzoom").and_then(Value::as_f64).unwrap_or(24.0),
                filter: l.get("filter").cloned(),
                paint: obj("paint"),
                layout: obj("layout"),
            });
        }
        let attribution = style
            .get("sources")
            .and_then(Value::as_object)
            .map(|s| {
                s.values().filter_map(|src| src.get("attribution")?.as_str()).collect::<Vec<_>>().join("; ")
            })
            .unwrap_or_default();
        let clusters = super::cluster::specs(&style);
        PrintStyle { background, attribution, layers, clusters }
    }

    /// The credit line printed on a map: the sources' attribution and Qala.
    pub fn credit(&self) -> String {
        if self.attribution.is_empty() { "Qala".into() } else { format!("© {} · Qala", self.attribution) }
    }

    /// How `layer` is clustered at zoom `z`, if it is.
    pub fn cluster_of(&self, layer: &str, z: f64) -> Option<&super::cluster::ClusterSpec> {
        self.clusters.iter().find(|c| c.layer == layer && c.applies(z))
    }

    /// The style layers that draw `layer` at zoom `z`, in drawing order.
    pub fn for_layer<'a>(&'a self, layer: &'a str, z: f64) -> impl Iterator<Item = &'a StyleLayer> + 'a {
        self.layers.iter().filter(move |l| l.source_layer == layer && l.visible_at(z))
    }
}

impl StyleLayer {
    /// Within the layer's zoom range. A layer hidden by default (`visibility: none`) is still
    /// printed when its data layer is asked for: choosing layers is the print dialog's job.
    pub fn visible_at(&self, z: f64) -> bool {
        z >= self.minzoom && z < self.maxzoom
    }

    /// Hidden in the web map until the user switches it on (`visibility: none`).
    pub fn hidden_by_default(&self) -> bool {
        self.layout.get("visibility").and_then(Value::as_str) == Some("none")
    }

    pub fn passes(&self, p: &Props, z: f64) -> bool {
        expr::passes(self.filter.as_ref(), p, z)
    }

    /// A paint or layout property evaluated for a feature; `Null` when absent.
    pub fn get(&self, name: &str, p: &Props, z: f64) -> Value {
        match self.paint.get(name).or_else(|| self.layout.get(name)) {
            Some(e) => expr::eval(e, p, z),
            None => Value::Null,
        }
    }

    /// The raw (unevaluated) expression of a property.
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.paint.get(name).or_else(|| self.layout.get(name))
    }

    pub fn number(&self, name: &str, p: &Props, z: f64, default: f64) -> f64 {
        self.get(name, p, z).as_f64().unwrap_or(default)
    }

    pub fn color(&self, name: &str, p: &Props, z: f64) -> Option<Rgba> {
        self.get(name, p, z).as_str().and_then(Rgba::parse)
    }

    pub fn text(&self, name: &str, p: &Props, z: f64) -> Option<String> {
        match self.get(name, p, z) {
            Value::Null => None,
            v => Some(expr::to_text(&v)).filter(|s| !s.trim().is_empty()),
        }
    }

    /// The attribute and its values when a colour is chosen by `["match", ["get", attr], …]`:
    /// the legend lists one entry per value.
    pub fn match_categories(&self, name: &str) -> Option<(String, Vec<Value>)> {
        let a = self.raw(name)?.as_array()?;
        if a.first()?.as_str()? != "match" {
            return None;
        }
        let input = a.get(1)?.as_array()?;
        if input.first()?.as_str()? != "get" {
            return None;
        }
        let attr = input.get(1)?.as_str()?.to_string();
        let mut values = Vec::new();
        let mut i = 2;
        while i + 1 < a.len() {
            match &a[i] {
                Value::Array(labels) => values.extend(labels.iter().cloned()),
                v => values.push(v.clone()),
            }
            i += 2;
        }
        Some((attr, values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_web_style() {
        let text = std::fs::read_to_string("styles/qala.json").unwrap_or_default();
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let s = PrintStyle::parse(&v, "name_kk");
        assert!(s.background.is_some());
        let at16: Vec<&str> = s.for_layer("streets", 16.0).map(|l| l.id.as_str()).collect();
        assert_eq!(at16, ["streets-casing", "streets", "streets-label"]);
        // streets-label starts at 14: a 1:25,000 print (z ~13) has no street names.
        assert!(s.for_layer("streets", 13.0).all(|l| l.kind != Kind::Symbol));
        let label = s.layers.iter().find(|l| l.id == "streets-label").cloned();
        let p = json!({"name_kk": "Абай даңғылы", "name_ru": "проспект Абая"});
        let text = label.and_then(|l| l.text("text-field", p.as_object().unwrap_or(&Map::new()), 16.0));
        assert_eq!(text.as_deref(), Some("Абай даңғылы"));
        let nets = s.layers.iter().find(|l| l.source_layer == "utility_networks");
        let cats = nets.and_then(|l| l.match_categories("line-color")).map(|(a, v)| (a, v.len()));
        assert_eq!(cats, Some(("kind".to_string(), 5)));
    }

    #[test]
    fn colours() {
        assert_eq!(Rgba::parse("#ff0000"), Some(Rgba { r: 1.0, g: 0.0, b: 0.0, a: 1.0 }));
        assert_eq!(Rgba::parse("rgba(0, 0, 255, 0.5)").map(|c| c.a), Some(0.5));
        assert_eq!(Rgba::parse("not a colour"), None);
    }
}
