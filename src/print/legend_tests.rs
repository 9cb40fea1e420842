//! Unit tests of [`super`]: the legend of the web map's style and the demo layer files.

use geo::{Geometry, LineString, Point, Polygon};
use serde_json::{Value, json};

use super::*;
use crate::layers::catalog::load_dir;

fn style() -> PrintStyle {
    let text = std::fs::read_to_string("styles/qala.json").unwrap_or_default();
    PrintStyle::parse(&serde_json::from_str(&text).unwrap_or(Value::Null), "name_ru")
}

fn layer(id: &str) -> LayerDef {
    let all = load_dir(std::path::Path::new("layers")).unwrap_or_default();
    all.into_iter().find(|l| l.id == id).unwrap_or_else(|| panic!("no layer {id}"))
}

fn feature(props: Value, geom: Geometry<f64>) -> PrintFeature {
    PrintFeature { id: 1, props: props.as_object().cloned().unwrap_or_default(), geom }
}

fn square() -> Geometry<f64> {
    Polygon::new(LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]), vec![]).into()
}

fn line() -> Geometry<f64> {
    LineString::from(vec![(0.0, 0.0), (1.0, 1.0)]).into()
}

fn shown<'a>(features: &'a [&'a PrintFeature]) -> Shown<'a> {
    Shown::Features { features, frame: None }
}

fn labels(g: &LegendGroup) -> Vec<&str> {
    g.entries.iter().map(|e| e.label.as_str()).collect()
}

#[test]
fn without_features_every_class_of_the_style_is_listed() {
    let s = style();
    let zones = layer_legend(&s, 16.7, &layer("master_plan"), DocLang::Ru, Shown::All);
    // Every declared zone (all have a colour): no "other".
    let declared =
        layer("master_plan").attributes.iter().find(|a| a.name == "zone").map_or(0, |a| a.values.len());
    assert_eq!(zones.entries.len(), declared, "{:?}", labels(&zones));
    assert!(zones.entries.iter().all(|e| matches!(e.swatch, Swatch::Fill { .. })));
    // Streets: the casing goes with the line; avenue and street have their own widths, lanes
    // (not listed by the style) are the fallback, named by the layer file; labels at z 16.7.
    let streets = layer_legend(&s, 16.7, &layer("streets"), DocLang::Ru, Shown::All);
    assert_eq!(labels(&streets), ["Проспект", "Улица", "Переулок", "Подписи"]);
    let widths: Vec<f64> = streets
        .entries
        .iter()
        .filter_map(|e| match &e.swatch {
            Swatch::Line { width, casing: Some(_), .. } => Some(*width),
            _ => None,
        })
        .collect();
    assert_eq!(widths.len(), 3);
    assert!(widths[0] >= widths[1] && widths[1] > widths[2], "{widths:?}");
    // At 1:25,000 (z 13) there are no street names.
    let far = layer_legend(&s, 13.0, &layer("streets"), DocLang::En, Shown::All);
    assert!(!labels(&far).contains(&"Labels"), "{:?}", labels(&far));
}

#[test]
fn with_features_only_the_classes_drawn_are_listed() {
    let s = style();
    let buildings = layer("buildings");
    let drawn = [
        feature(json!({"use": "public"}), square()),
        feature(json!({"use": "public"}), square()),
        feature(json!({"use": "industrial"}), square()),
        // A line is not drawn by a fill: its class is not in the legend.
        feature(json!({"use": "commercial"}), line()),
    ];
    let g = layer_legend(&s, 16.7, &buildings, DocLang::Kk, shown(&drawn.iter().collect::<Vec<_>>()));
    assert_eq!(g.title, buildings.title.kk);
    assert_eq!(labels(&g), ["Өнеркәсіптік", "Қоғамдық"]);
    // A value no file declares is "other".
    let odd = [feature(json!({"use": "warehouse"}), square())];
    let g = layer_legend(&s, 16.7, &buildings, DocLang::En, shown(&odd.iter().collect::<Vec<_>>()));
    assert_eq!(labels(&g), ["other"]);
    // Nothing drawn: no entries, and the map's legend leaves the layer out.
    let none = layer_legend(&s, 16.7, &buildings, DocLang::En, shown(&[]));
    assert!(none.entries.is_empty());
    let schools = [feature(json!({"kind": "school", "name_ru": "Школа № 1"}), Point::new(0.0, 0.0).into())];
    let poi = layer("poi");
    let all = map_legend(
        &s,
        16.7,
        &[(&buildings, shown(&[])), (&poi, shown(&schools.iter().collect::<Vec<_>>()))],
        DocLang::Ru,
    );
    assert_eq!(all.len(), 1);
    assert_eq!(labels(&all[0]), ["Школа", "Подписи"]);
    assert!(matches!(all[0].entries[0].swatch, Swatch::Circle { .. }));
    assert!(matches!(all[0].entries[1].swatch, Swatch::Label { .. }));
    // A school without a name has no label drawn.
    let unnamed = [feature(json!({"kind": "school"}), Point::new(0.0, 0.0).into())];
    assert_eq!(
        labels(&layer_legend(&s, 16.7, &poi, DocLang::Ru, shown(&unnamed.iter().collect::<Vec<_>>()))),
        ["Школа"]
    );
}

#[test]
fn dashed_lines_and_bilingual_titles() {
    let s = style();
    let fund = layer("land_fund");
    let g = layer_legend(&s, 16.7, &fund, DocLang::KkRu, Shown::All);
    assert_eq!(g.title, format!("{} / {}", fund.title.kk, fund.title.ru));
    assert!(g.is_single());
    assert!(matches!(&g.entries[0].swatch, Swatch::Line { dash, .. } if dash == &[3.0, 2.0]));
}

#[test]
fn step_and_case_classes() {
    let v = json!({"version": 8, "sources": {}, "layers": [
        {"id": "h", "type": "fill", "source-layer": "buildings",
         "paint": {"fill-color": ["step", ["get", "floors"], "#eee", 5, "#aaa", 10, "#333"]}},
        {"id": "c", "type": "circle", "source-layer": "poi",
         "paint": {"circle-color": ["case", ["==", ["get", "kind"], "school"], "#00f", [">=", ["get", "beds"], 100], "#f00", "#999"]}}
    ]});
    let s = PrintStyle::parse(&v, "name_ru");
    let b = layer("buildings");
    let all = layer_legend(&s, 16.0, &b, DocLang::En, Shown::All);
    assert_eq!(all.entries.len(), 3);
    assert!(all.entries[1].label.ends_with("5 – 10"), "{:?}", labels(&all));
    let drawn = [feature(json!({"floors": 12}), square()), feature(json!({"floors": "7"}), square())];
    let g = layer_legend(&s, 16.0, &b, DocLang::En, shown(&drawn.iter().collect::<Vec<_>>()));
    assert_eq!(g.entries.len(), 2);
    assert!(
        g.entries[0].label.ends_with("5 – 10") && g.entries[1].label.ends_with("≥ 10"),
        "{:?}",
        labels(&g)
    );
    let dark = Rgba::parse("#333").map(|c| Swatch::Fill { color: c, outline: None });
    assert_eq!(Some(g.entries[1].swatch.clone()), dark);
    let poi = layer("poi");
    let full = layer_legend(&s, 16.0, &poi, DocLang::Ru, Shown::All);
    assert_eq!(labels(&full), ["Школа", "beds >= 100", "прочие"]);
    let hospital = [feature(json!({"kind": "hospital", "beds": 300}), Point::new(0.0, 0.0).into())];
    let g = layer_legend(&s, 16.0, &poi, DocLang::Ru, shown(&hospital.iter().collect::<Vec<_>>()));
    assert_eq!(labels(&g), ["beds >= 100"]);
    assert!(
        matches!(g.entries[0].swatch, Swatch::Circle { color, .. } if color == Rgba { r: 1.0, g: 0.0, b: 0.0, a: 1.0 })
    );
}

#[test]
fn features_beyond_the_frame_are_not_in_it() {
    let all = [
        feature(json!({"n": "inside"}), Point::new(5.0, 5.0).into()),
        feature(json!({"n": "beyond"}), Point::new(15.0, 5.0).into()),
        feature(json!({"n": "across"}), LineString::from(vec![(-5.0, 5.0), (15.0, 5.0)]).into()),
    ];
    let names: Vec<&Value> = in_frame(&all, [0.0, 0.0, 10.0, 10.0]).iter().map(|f| &f.props["n"]).collect();
    assert_eq!(names, [&json!("inside"), &json!("across")]);
}

#[test]
fn an_area_outline_is_listed_only_where_it_crosses_the_frame() {
    let s = style();
    let districts = layer("districts");
    let big: Geometry<f64> = Polygon::new(
        LineString::from(vec![(0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0), (0.0, 0.0)]),
        vec![],
    )
    .into();
    let f = [feature(json!({"name_ru": "Алмалинский район"}), big)];
    let refs: Vec<&PrintFeature> = f.iter().collect();
    let around = Shown::Features { features: &refs, frame: Some([40.0, 40.0, 60.0, 60.0]) };
    let across = Shown::Features { features: &refs, frame: Some([90.0, 40.0, 110.0, 60.0]) };
    // At z 16.7 the district names are not drawn (maxzoom 14): the line is the only entry.
    assert!(layer_legend(&s, 16.7, &districts, DocLang::Ru, around).entries.is_empty());
    assert_eq!(layer_legend(&s, 16.7, &districts, DocLang::Ru, across).entries.len(), 1);
}
