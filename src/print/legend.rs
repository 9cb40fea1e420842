//! The legend of a map (pure): which style layers drew something in the frame and, for a paint
//! chosen by `match`, `step` or `case` on an attribute, which of its classes occur among the
//! features drawn. Entries for fills, lines (width, dash, casing), circles, labels, heat maps (a
//! ramp) and rasters (a title entry), titled in the document's language. Laying the entries out
//! is [`super::legend_layout`]; drawing them [`super::legend_draw`].

use geo::Geometry;
use serde_json::{Map, Value};

use super::expr::{self, Props};
use super::map::{PT_PER_PX, PrintFeature};
use super::style::{Kind, PrintStyle, Rgba, StyleLayer};
use super::texts::{DocLang, Word};
use crate::layers::catalog::{LayerDef, Translated};

/// How a legend entry looks.
#[derive(Debug, Clone, PartialEq)]
pub enum Swatch {
    Fill {
        color: Rgba,
        outline: Option<Rgba>,
    },
    Line {
        color: Rgba,
        width: f64,
        dash: Vec<f64>,
        casing: Option<(Rgba, f64)>,
    },
    Circle {
        color: Rgba,
        stroke: Option<(Rgba, f64)>,
        radius: f64,
    },
    /// Labels on the map: a sample of their text colour and halo.
    Label {
        color: Rgba,
        halo: Option<Rgba>,
    },
    /// A colour ramp (a heat map, a hillshade), low to high.
    Ramp {
        colors: Vec<Rgba>,
    },
    /// An image layer (orthophoto, hillshade).
    Raster,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub label: String,
    pub swatch: Swatch,
}

/// The legend of one printed layer.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendGroup {
    pub title: String,
    pub entries: Vec<LegendEntry>,
}

impl LegendGroup {
    /// A group of one entry named as the group is drawn as that entry alone.
    pub fn is_single(&self) -> bool {
        self.entries.len() == 1 && self.entries[0].label == self.title
    }
}

/// Words of the legend that the document texts do not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegendWord {
    Labels,
    /// The classes of a cluster's `point_count`.
    Clustered,
    Continued,
}

/// A legend word in the document's language(s).
pub fn word(lang: DocLang, w: LegendWord) -> String {
    let (kk, ru, en) = match w {
        LegendWord::Labels => ("Жазулар", "Подписи", "Labels"),
        LegendWord::Clustered => ("Топтағы нысандар", "Объектов в кластере", "Objects in a cluster"),
        LegendWord::Continued => {
            ("Шартты белгілер (жалғасы)", "Условные обозначения (продолжение)", "Legend (continued)")
        }
    };
    lang.pick(&Translated { kk: kk.into(), ru: ru.into(), en: en.into() })
}

/// The legend group of an image layer: its title with an image swatch.
pub fn raster_group(title: &str) -> LegendGroup {
    LegendGroup {
        title: title.into(),
        entries: vec![LegendEntry { label: title.into(), swatch: Swatch::Raster }],
    }
}

/// Whether style layer `sl` draws anything of a feature: its filter and its geometry (a fill draws
/// areas, a line lines and area outlines, a circle points, a symbol any geometry with a text).
/// With the `frame` (min x, min y, max x, max y), an area's outline counts only where it crosses
/// the frame: a district around the frame has no line on the map.
pub fn draws(sl: &StyleLayer, f: &PrintFeature, z: f64, frame: Option<[f64; 4]>) -> bool {
    if !sl.passes(&f.props, z) {
        return false;
    }
    let (mut point, mut line, mut area) = (false, false, false);
    geoms(&f.geom, &mut |g| match g {
        Geometry::Point(_) | Geometry::MultiPoint(_) => point = true,
        Geometry::LineString(_) | Geometry::MultiLineString(_) | Geometry::Line(_) => line = true,
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => {
            area = true
        }
        Geometry::GeometryCollection(_) => {}
    });
    match sl.kind {
        Kind::Fill => area,
        Kind::Line => line || (area && frame.is_none_or(|fr| outline_meets(&f.geom, fr))),
        Kind::Circle => point,
        Kind::Symbol => sl.text("text-field", &f.props, z).is_some(),
        Kind::Heatmap => point,
    }
}

/// The features of which some part lies in the frame `crs_box` (min x, min y, max x, max y):
/// those read for a print reach a little beyond it.
pub fn in_frame(features: &[PrintFeature], crs_box: [f64; 4]) -> Vec<&PrintFeature> {
    use geo::Intersects;
    let frame = rect(crs_box);
    features.iter().filter(|f| f.geom.intersects(&frame)).collect()
}

fn rect(frame: [f64; 4]) -> geo::Rect<f64> {
    let [x0, y0, x1, y1] = frame;
    geo::Rect::new(geo::coord! { x: x0, y: y0 }, geo::coord! { x: x1, y: y1 })
}

/// Whether the outline of an area meets the frame.
fn outline_meets(g: &Geometry<f64>, frame: [f64; 4]) -> bool {
    use geo::Intersects;
    let r = rect(frame);
    let poly =
        |p: &geo::Polygon<f64>| std::iter::once(p.exterior()).chain(p.interiors()).any(|l| l.intersects(&r));
    let mut hit = false;
    geoms(g, &mut |g| {
        hit |= match g {
            Geometry::Polygon(p) => poly(p),
            Geometry::MultiPolygon(m) => m.0.iter().any(poly),
            _ => false,
        }
    });
    hit
}

fn geoms(g: &Geometry<f64>, each: &mut impl FnMut(&Geometry<f64>)) {
    match g {
        Geometry::GeometryCollection(c) => c.0.iter().for_each(|g| geoms(g, each)),
        other => each(other),
    }
}

/// What a legend lists: with [`Shown::Features`] (a layer's features in a frame, see
/// [`in_frame`]) only the style layers that drew one of them and only the classes that occur among
/// them; with [`Shown::All`] every class of the style.
#[derive(Debug, Clone, Copy)]
pub enum Shown<'a> {
    All,
    Features { features: &'a [&'a PrintFeature], frame: Option<[f64; 4]> },
}

/// The legend of `layer` as the style draws it at zoom `z`, of what is `shown`.
pub fn layer_legend(
    style: &PrintStyle,
    z: f64,
    layer: &LayerDef,
    lang: DocLang,
    shown: Shown<'_>,
) -> LegendGroup {
    let (drawn, frame) = match shown {
        Shown::All => (None, None),
        Shown::Features { features, frame } => (Some(features), frame),
    };
    let title = lang.pick(&layer.title);
    let sls: Vec<&StyleLayer> = style.for_layer(&layer.id, z).collect();
    let mut entries: Vec<LegendEntry> = Vec::new();
    for (i, sl) in sls.iter().enumerate() {
        // A line drawn right under another line of the same layer is that line's casing.
        let next_is_line = sls.get(i + 1).is_some_and(|n| n.kind == Kind::Line);
        if sl.kind == Kind::Line && next_is_line {
            continue;
        }
        let casing = (sl.kind == Kind::Line && i > 0 && sls[i - 1].kind == Kind::Line).then(|| sls[i - 1]);
        let feats: Option<Vec<&PrintFeature>> =
            drawn.map(|d| d.iter().copied().filter(|f| draws(sl, f, z, frame)).collect());
        if feats.as_ref().is_some_and(Vec::is_empty) {
            continue;
        }
        if sl.kind == Kind::Symbol {
            let color = sl.color("text-color", &Map::new(), z).unwrap_or(Rgba::BLACK);
            let halo = sl
                .color("text-halo-color", &Map::new(), z)
                .filter(|_| sl.number("text-halo-width", &Map::new(), z, 0.0) > 0.0);
            push(&mut entries, word(lang, LegendWord::Labels), Swatch::Label { color, halo });
            continue;
        }
        match Classes::of(sl, layer) {
            None => {
                let props =
                    feats.as_ref().and_then(|f| f.first()).map(|f| f.props.clone()).unwrap_or_default();
                push(&mut entries, title.clone(), swatch(sl, casing, &props, z));
            }
            Some(classes) => {
                for (ci, label) in classes.labels(layer, lang).into_iter().enumerate() {
                    let props = match &feats {
                        Some(fs) => match fs.iter().find(|f| classes.class_of(&f.props, z) == ci) {
                            Some(f) => f.props.clone(),
                            None => continue,
                        },
                        None => {
                            if classes.is_uncovered_other(ci, layer) {
                                continue;
                            }
                            classes.sample(ci)
                        }
                    };
                    push(&mut entries, label, swatch(sl, casing, &props, z));
                }
            }
        }
    }
    LegendGroup { title, entries }
}

fn push(entries: &mut Vec<LegendEntry>, label: String, swatch: Swatch) {
    let e = LegendEntry { label, swatch };
    if !entries.contains(&e) {
        entries.push(e);
    }
}

/// The legend of every layer drawn, in the order given (the style's); layers without an entry are
/// left out.
pub fn map_legend(
    style: &PrintStyle,
    z: f64,
    layers: &[(&LayerDef, Shown<'_>)],
    lang: DocLang,
) -> Vec<LegendGroup> {
    layers
        .iter()
        .map(|(l, d)| layer_legend(style, z, l, lang, *d))
        .filter(|g| !g.entries.is_empty())
        .collect()
}

/// The swatch of style layer `sl` for a feature with properties `props`.
fn swatch(sl: &StyleLayer, casing: Option<&StyleLayer>, props: &Props, z: f64) -> Swatch {
    match sl.kind {
        Kind::Fill => Swatch::Fill {
            color: sl.color("fill-color", props, z).unwrap_or(Rgba::BLACK).with_alpha(sl.number(
                "fill-opacity",
                props,
                z,
                1.0,
            ) as f32),
            outline: sl.color("fill-outline-color", props, z),
        },
        Kind::Line => Swatch::Line {
            color: sl.color("line-color", props, z).unwrap_or(Rgba::BLACK).with_alpha(sl.number(
                "line-opacity",
                props,
                z,
                1.0,
            ) as f32),
            width: (sl.number("line-width", props, z, 1.0) * PT_PER_PX).min(5.0),
            dash: sl
                .get("line-dasharray", props, z)
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default(),
            casing: casing.map(|c| {
                (
                    c.color("line-color", props, z).unwrap_or(Rgba::BLACK),
                    (c.number("line-width", props, z, 1.0) * PT_PER_PX).min(7.0),
                )
            }),
        },
        Kind::Heatmap => Swatch::Ramp { colors: super::density::legend_colors(sl, z) },
        _ => Swatch::Circle {
            color: sl.color("circle-color", props, z).unwrap_or(Rgba::BLACK),
            stroke: sl
                .color("circle-stroke-color", props, z)
                .map(|c| (c, sl.number("circle-stroke-width", props, z, 0.0) * PT_PER_PX)),
            radius: (sl.number("circle-radius", props, z, 4.0) * PT_PER_PX).min(4.0),
        },
    }
}

/// The paint properties whose expressions may classify features, the colour first.
fn classifying_props(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Fill => &["fill-color", "fill-outline-color", "fill-opacity"],
        Kind::Line => &["line-color", "line-width", "line-dasharray", "line-opacity"],
        Kind::Circle => &["circle-color", "circle-radius", "circle-stroke-color"],
        Kind::Symbol | Kind::Heatmap => &[],
    }
}

/// How a style layer sorts features into classes.
#[derive(Debug, Clone, PartialEq)]
pub enum Classes {
    /// `match` on an attribute (every `match` of the layer's paint on that attribute, and the
    /// enum's other declared values); the last class is the fallback (values not declared).
    Match { attr: String, values: Vec<String> },
    /// `step` on a numeric attribute: classes below the first stop, between stops, above the last.
    Step { attr: String, stops: Vec<f64> },
    /// `case`: one class per condition and the fallback.
    Case { conds: Vec<Value> },
}

impl Classes {
    /// The classes of a style layer's paint; `None` when one swatch tells every feature.
    pub fn of(sl: &StyleLayer, layer: &LayerDef) -> Option<Classes> {
        let props = classifying_props(sl.kind);
        let exprs: Vec<&Value> = props.iter().filter_map(|p| sl.raw(p)).collect();
        let first = exprs.iter().find_map(|e| find_class_expr(e))?;
        match first.first().and_then(Value::as_str)? {
            "match" => {
                let attr = get_attr(first.get(1)?)?;
                let mut values: Vec<String> = Vec::new();
                for e in &exprs {
                    collect_match_values(e, &attr, &mut values);
                }
                if let Some(def) = layer.attributes.iter().find(|a| a.name == attr) {
                    for v in &def.values {
                        if !values.iter().any(|x| x == v.value()) {
                            values.push(v.value().to_string());
                        }
                    }
                }
                Some(Classes::Match { attr, values })
            }
            "step" => {
                let attr = get_attr(first.get(1)?)?;
                let stops = first.iter().skip(3).step_by(2).filter_map(Value::as_f64).collect();
                Some(Classes::Step { attr, stops })
            }
            _ => {
                let conds = first[1..first.len().saturating_sub(1)].iter().step_by(2).cloned().collect();
                Some(Classes::Case { conds })
            }
        }
    }

    /// The class a feature falls into.
    pub fn class_of(&self, p: &Props, z: f64) -> usize {
        match self {
            Classes::Match { attr, values } => {
                let v = p.get(attr).map(expr::to_text);
                v.and_then(|v| values.iter().position(|x| *x == v)).unwrap_or(values.len())
            }
            Classes::Step { attr, stops } => {
                let v = p.get(attr).and_then(|v| v.as_f64().or_else(|| v.as_str()?.trim().parse().ok()));
                v.map_or(0, |v| stops.iter().take_while(|s| v >= **s).count())
            }
            Classes::Case { conds } => {
                conds.iter().position(|c| expr::passes(Some(c), p, z)).unwrap_or(conds.len())
            }
        }
    }

    /// Properties of a feature of class `ci` (for its swatch when no feature is at hand).
    fn sample(&self, ci: usize) -> Props {
        let mut p = Map::new();
        match self {
            Classes::Match { attr, values } => {
                let v = values.get(ci).cloned().unwrap_or_else(|| "\u{0}".into());
                p.insert(attr.clone(), Value::String(v));
            }
            Classes::Step { attr, stops } => {
                let v = match ci {
                    0 => stops.first().map_or(0.0, |s| s - 1.0),
                    i => stops.get(i - 1).copied().unwrap_or(0.0),
                };
                p.insert(attr.clone(), serde_json::json!(v));
            }
            Classes::Case { conds } => {
                if let Some(Value::Array(c)) = conds.get(ci)
                    && let (Some(op), Some(attr), Some(v)) =
                        (c.first().and_then(Value::as_str), c.get(1).and_then(get_attr), c.get(2))
                {
                    let v = match (op, v.as_f64()) {
                        (">", Some(n)) => serde_json::json!(n + 1.0),
                        ("<", Some(n)) => serde_json::json!(n - 1.0),
                        _ => v.clone(),
                    };
                    p.insert(attr, v);
                }
            }
        }
        p
    }

    /// The fallback class of a `match` whose attribute declares values that all have a class:
    /// nothing can fall into it but an undeclared value.
    fn is_uncovered_other(&self, ci: usize, layer: &LayerDef) -> bool {
        match self {
            Classes::Match { attr, values } => {
                ci == values.len() && layer.attributes.iter().any(|a| a.name == *attr && !a.values.is_empty())
            }
            _ => false,
        }
    }

    /// The labels of the classes, in order (the fallback last).
    pub fn labels(&self, layer: &LayerDef, lang: DocLang) -> Vec<String> {
        let other = lang.word(Word::Other);
        let value_label = |attr: &str, v: &str| {
            layer
                .attributes
                .iter()
                .find(|a| a.name == attr)
                .and_then(|a| a.value_label(v))
                .map(|t| lang.pick(t))
                .unwrap_or_else(|| v.to_string())
        };
        let attr_label = |attr: &str| {
            if attr == "point_count" {
                return word(lang, LegendWord::Clustered);
            }
            layer
                .attributes
                .iter()
                .find(|a| a.name == attr)
                .map(|a| lang.pick(&a.label))
                .unwrap_or_else(|| attr.into())
        };
        let num = |v: f64| expr::to_text(&serde_json::json!(v));
        match self {
            Classes::Match { attr, values } => {
                values.iter().map(|v| value_label(attr, v)).chain(std::iter::once(other)).collect()
            }
            Classes::Step { attr, stops } => {
                let name = attr_label(attr);
                let mut out = Vec::new();
                if let Some(s) = stops.first() {
                    out.push(format!("{name} < {}", num(*s)));
                }
                for w in stops.windows(2) {
                    out.push(format!("{name} {} – {}", num(w[0]), num(w[1])));
                }
                match stops.last() {
                    Some(s) => out.push(format!("{name} ≥ {}", num(*s))),
                    None => out.push(name),
                }
                out
            }
            Classes::Case { conds } => conds
                .iter()
                .map(|c| {
                    let a = c.as_array();
                    let op = a.and_then(|a| a.first()).and_then(Value::as_str).unwrap_or_default();
                    let attr = a.and_then(|a| a.get(1)).and_then(get_attr);
                    let v = a.and_then(|a| a.get(2)).map(expr::to_text);
                    match (op, attr, v) {
                        ("==", Some(attr), Some(v)) => value_label(&attr, &v),
                        (op, Some(attr), Some(v)) => format!("{} {op} {v}", attr_label(&attr)),
                        _ => expr::to_text(c),
                    }
                })
                .chain(std::iter::once(other))
                .collect(),
        }
    }
}

/// `attr` of `["get", attr]`.
fn get_attr(v: &Value) -> Option<String> {
    let a = v.as_array()?;
    (a.first()?.as_str()? == "get").then(|| a.get(1)?.as_str().map(str::to_string))?
}

/// The first `match`/`step` on an attribute or `case` in an expression, looking through outputs
/// of interpolations and steps on the zoom.
fn find_class_expr(e: &Value) -> Option<&Vec<Value>> {
    let a = e.as_array()?;
    let op = a.first()?.as_str()?;
    match op {
        "match" | "step" if a.get(1).and_then(get_attr).is_some() => Some(a),
        "case" if a.len() >= 4 => Some(a),
        "interpolate" => a.iter().skip(4).step_by(2).find_map(find_class_expr),
        "step" => a.iter().skip(2).step_by(2).find_map(find_class_expr),
        _ => None,
    }
}

/// The values every `match` on `attr` in an expression lists, in order of appearance.
fn collect_match_values(e: &Value, attr: &str, out: &mut Vec<String>) {
    let Some(a) = e.as_array() else { return };
    if a.first().and_then(Value::as_str) == Some("match")
        && a.get(1).and_then(get_attr).as_deref() == Some(attr)
    {
        let mut i = 2;
        while i + 1 < a.len() {
            let labels = match &a[i] {
                Value::Array(l) => l.clone(),
                v => vec![v.clone()],
            };
            for l in labels {
                let t = expr::to_text(&l);
                if !out.contains(&t) {
                    out.push(t);
                }
            }
            i += 2;
        }
        return;
    }
    for x in a.iter().skip(1) {
        collect_match_values(x, attr, out);
    }
}

#[cfg(test)]
#[path = "legend_tests.rs"]
mod tests;
