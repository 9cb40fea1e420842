//! Unit tests of the generator: determinism, sizes, containment, validity, addresses and names.

use std::sync::OnceLock;

use geo::{
    Area, BooleanOps, Contains, Coord, Distance, Euclidean, Geometry, MultiPolygon, Point, Validation,
};
use serde_json::Value;

use super::frame::{M_PER_DEG_LON, c, grid_to_m, m_to_grid, to_ll, to_m};
use super::places::MOUNTAIN_LAT;
use super::*;

const KATO: [&str; 8] =
    ["751110000", "751210000", "751310000", "751410000", "751510000", "751710000", "751810000", "751910000"];

fn fixture() -> &'static (MultiPolygon<f64>, Vec<District>, Vec<DemoLayer>) {
    static DATA: OnceLock<(MultiPolygon<f64>, Vec<District>, Vec<DemoLayer>)> = OnceLock::new();
    DATA.get_or_init(|| {
        let city = fallback_city_outline();
        let d = districts(&city);
        let t = std::time::Instant::now();
        let layers = generate(&city, &d, 2026);
        eprintln!("generate took {:?}", t.elapsed());
        for l in &layers {
            eprintln!("{}: {}", l.layer_id, l.features.len());
        }
        (city, d, layers)
    })
}

fn layer(id: &str) -> &'static DemoLayer {
    fixture().2.iter().find(|l| l.layer_id == id).expect("layer is generated")
}

fn text<'f>(f: &'f DemoFeature, key: &str) -> &'f str {
    f.attrs.get(key).and_then(Value::as_str).unwrap_or_default()
}

#[test]
fn frame_matches_the_cosine() {
    let want = 111_320.0 * 43.25_f64.to_radians().cos();
    assert!((M_PER_DEG_LON - want).abs() < 0.5);
    let p = c(76.95, 43.3);
    assert!(Euclidean.distance(to_ll(to_m(p)), p) < 1e-12);
    let (u, v) = m_to_grid(c(1234.0, -567.0));
    assert!(Euclidean.distance(grid_to_m(u, v), c(1234.0, -567.0)) < 1e-9);
    // The grid is turned 2° clockwise: its "north" points 2° east of the meridian.
    let north = grid_to_m(0.0, 1000.0);
    assert!((north.x - 1000.0 * 2.0_f64.to_radians().sin()).abs() < 1e-9, "{north:?}");
}

#[test]
fn the_data_files_parse_and_name_everything_in_three_languages() {
    let data = names::DemoData::parse().unwrap();
    assert_eq!(data.districts.len(), 8);
    assert_eq!(data.streets.stems.len(), 132);
    assert_eq!(data.hydro.watercourse.len(), 8);
    assert_eq!(names::ordinal(1), "1st");
    assert_eq!(names::ordinal(2), "2nd");
    assert_eq!(names::ordinal(3), "3rd");
    assert_eq!(names::ordinal(11), "11th");
    assert_eq!(names::ordinal(22), "22nd");
    let stem = Translated { kk: "Гоголь".into(), ru: "Гоголя".into(), en: "Gogol".into() };
    let p = &data.streets.patterns;
    let first = names::street_name(&p.street, &stem, 1);
    assert_eq!(
        (first.kk.as_str(), first.ru.as_str(), first.en.as_str()),
        ("Гоголь көшесі", "улица Гоголя", "Gogol Street")
    );
    let second = names::street_name(&p.lane_n, &stem, 2);
    assert_eq!(
        (second.kk.as_str(), second.ru.as_str(), second.en.as_str()),
        ("2-Гоголь тұйық көшесі", "2-й переулок Гоголя", "2nd Gogol Lane")
    );
}

#[test]
fn every_named_feature_is_named_in_kazakh_russian_and_english() {
    for id in ["districts", "streets", "hydro_lines", "hydro_areas", "poi"] {
        let l = layer(id);
        assert!(!l.features.is_empty(), "{id}");
        for f in &l.features {
            let (kk, ru, en) = (text(f, "name_kk"), text(f, "name_ru"), text(f, "name_en"));
            assert!(!kk.is_empty() && !ru.is_empty() && !en.is_empty(), "{id} {}: {:?}", f.key, f.attrs);
            assert!(!f.attrs.contains_key("name"), "{id} {}: one name per language only", f.key);
            // English names are written in the Latin alphabet, Kazakh ones in Cyrillic.
            assert!(en.chars().all(|ch| !('\u{400}'..='\u{4ff}').contains(&ch)), "{id} {}: {en}", f.key);
            assert!(kk.chars().any(|ch| ('\u{400}'..='\u{4ff}').contains(&ch)), "{id} {}: {kk}", f.key);
        }
    }
    let has = |id: &str, kk: &str, ru: &str, en: &str| {
        layer(id)
            .features
            .iter()
            .any(|f| text(f, "name_kk") == kk && text(f, "name_ru") == ru && text(f, "name_en") == en)
    };
    assert!(has("streets", "Абай даңғылы", "проспект Абая", "Abay Avenue"));
    assert!(has("hydro_lines", "Есентай өзені", "река Есентай", "Esentai River"));
    assert!(has("hydro_areas", "Сайран су қоймасы", "водохранилище Сайран", "Sairan Reservoir"));
    assert!(has("districts", "Алмалы ауданы", "Алмалинский район", "Almaly District"));
    let school = layer("poi").features.iter().find(|f| text(f, "kind") == "school").expect("a school");
    let n = text(school, "name_ru").rsplit(' ').next().unwrap_or_default();
    assert!(text(school, "name_kk").starts_with(&format!("№ {n} ")), "{:?}", school.attrs);
    assert!(text(school, "name_en").ends_with(&format!("No. {n}")), "{:?}", school.attrs);
    // Minor streets: the same stem in each language, and lanes named as lanes.
    let lane = layer("streets").features.iter().find(|f| text(f, "class") == "lane").expect("a lane");
    assert!(
        text(lane, "name_en").ends_with(" Lane") && text(lane, "name_kk").ends_with(" тұйық көшесі"),
        "{:?}",
        lane.attrs
    );
    // Addresses stay in Russian, as the address register writes them.
    let building = &layer("buildings").features[0];
    assert!(layer("streets").features.iter().any(|s| text(s, "name_ru") == text(building, "street")));
}

#[test]
fn outline_is_the_fixture() {
    let city = &fixture().0;
    assert_eq!(city.0.len(), 2);
    let n: usize = city.0.iter().map(|p| p.exterior().0.len()).sum();
    assert_eq!(n, 79);
    assert!(city.is_valid());
}

#[test]
fn same_seed_same_layers_other_seed_other_layers() {
    let (city, d, layers) = fixture();
    let again = generate(city, d, 2026);
    assert_eq!(layers.len(), again.len());
    for (a, b) in layers.iter().zip(&again) {
        assert_eq!(a.layer_id, b.layer_id);
        assert_eq!(a.features.len(), b.features.len(), "{}", a.layer_id);
        for (fa, fb) in a.features.iter().zip(&b.features) {
            assert_eq!(fa.key, fb.key);
            assert_eq!(fa.geometry, fb.geometry);
            assert_eq!(fa.attrs, fb.attrs);
        }
    }
    let other = generate(city, d, 7);
    let bld = |ls: &[DemoLayer]| {
        ls.iter()
            .find(|l| l.layer_id == "buildings")
            .map(|l| l.features.iter().map(|f| f.geometry.clone()).collect::<Vec<_>>())
    };
    assert_ne!(bld(layers), bld(&other));
}

#[test]
fn layer_sizes() {
    let n = |id| layer(id).features.len();
    assert!((18_000..=22_000).contains(&n("buildings")), "{}", n("buildings"));
    assert!((300..=1_600).contains(&n("streets")), "{}", n("streets"));
    assert!((2_000..=9_000).contains(&n("utility_networks")));
    assert!((200..=1_000).contains(&n("land_fund")));
    assert!((150..=1_000).contains(&n("master_plan")));
    assert!((200..=600).contains(&n("poi")));
    assert!(n("hydro_lines") >= 6);
    assert!(n("hydro_areas") >= 5);
    for l in &fixture().2 {
        let mut keys: Vec<&str> = l.features.iter().map(|f| f.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), l.features.len(), "keys of {} are unique", l.layer_id);
    }
}

#[test]
fn eight_districts_partition_the_city() {
    let (city, d, _) = fixture();
    assert_eq!(d.iter().map(|d| d.kato).collect::<Vec<_>>(), KATO);
    assert_eq!(d[0].name.kk, "Алмалы ауданы");
    let total: f64 = d.iter().map(|d| d.geometry.unsigned_area()).sum();
    let city_area = city.unsigned_area();
    assert!((total / city_area - 1.0).abs() < 0.005, "{total} vs {city_area}");
    for i in 0..d.len() {
        assert!(d[i].geometry.unsigned_area() > 0.01 * city_area, "{} is not empty", d[i].kato);
        for j in i + 1..d.len() {
            let overlap = d[i].geometry.intersection(&d[j].geometry).unsigned_area();
            assert!(overlap < 1e-6 * city_area, "{} and {} overlap", d[i].kato, d[j].kato);
        }
    }
    // Each district holds its seed.
    for (district, def) in d.iter().zip(&names::data().districts) {
        assert!(
            district.geometry.contains(&Point::new(def.seed[0], def.seed[1]))
                || !city.contains(&Point::new(def.seed[0], def.seed[1]))
        );
    }
}

#[test]
fn everything_is_inside_the_city() {
    let city = &fixture().0;
    for p in &layer("poi").features {
        let Geometry::Point(pt) = p.geometry else { panic!("poi is a point") };
        assert!(city.contains(&pt), "{} is outside", p.key);
    }
    for id in ["streets", "hydro_lines", "utility_networks"] {
        for f in &layer(id).features {
            let Geometry::LineString(ls) = &f.geometry else { panic!("{id} holds lines") };
            for l in ls.lines() {
                let mid: Coord<f64> = (l.start + l.end) / 2.0;
                assert!(city.contains(&mid), "{} of {id} leaves the city", f.key);
            }
        }
    }
    for f in &layer("buildings").features {
        let Geometry::Polygon(p) = &f.geometry else { panic!("buildings are polygons") };
        assert!(p.exterior().points().all(|q| city.contains(&q)), "{} is outside", f.key);
        assert!(p.exterior().points().all(|q| q.y() > MOUNTAIN_LAT), "{} is in the mountains", f.key);
    }
}

#[test]
fn polygons_are_valid() {
    for id in ["districts", "buildings", "hydro_areas", "land_fund", "master_plan"] {
        for f in &layer(id).features {
            assert!(f.geometry.is_valid(), "{id} {}: {:?}", f.key, f.geometry.validation_errors());
            assert!(matches!(f.geometry, Geometry::Polygon(_) | Geometry::MultiPolygon(_)));
        }
    }
}

#[test]
fn streets_run_their_way_and_networks_keep_to_their_side() {
    // A west-east street runs eastwards; its water main lies north of it, its sewer south.
    let abay = layer("streets")
        .features
        .iter()
        .find(|f| text(f, "name_ru") == "проспект Абая")
        .expect("Abay Avenue");
    let Geometry::LineString(line) = &abay.geometry else { panic!("a line") };
    let (a, b) = (line.0[0], line.0[line.0.len() - 1]);
    assert!(b.x > a.x, "{line:?}");
    let networks = &layer("utility_networks").features;
    let mid = (a + b) / 2.0;
    let nearest = |kind: &str| {
        networks
            .iter()
            .filter(|f| text(f, "kind") == kind && text(f, "street") == "проспект Абая")
            .filter_map(|f| match &f.geometry {
                Geometry::LineString(l) => Some(l.clone()),
                _ => None,
            })
            .min_by(|p, q| {
                Euclidean.distance(&Point::from(mid), p).total_cmp(&Euclidean.distance(&Point::from(mid), q))
            })
            .expect(kind)
    };
    let side = |l: &geo::LineString<f64>| l.0[0].y - line.0[0].y;
    assert!(side(&nearest("water")) > 0.0 && side(&nearest("sewer")) < 0.0);
}

#[test]
fn every_building_has_an_address() {
    let mut seen = std::collections::HashSet::new();
    for f in &layer("buildings").features {
        let (street, number) = (text(f, "street"), text(f, "house_number"));
        assert!(!street.is_empty() && !number.is_empty(), "{} has no address", f.key);
        assert!(seen.insert((street, number)), "{street} {number} is used twice");
    }
    let floors = |f: &DemoFeature| f.attrs.get("floors").and_then(Value::as_i64).unwrap_or(0);
    assert!(layer("buildings").features.iter().all(|f| (1..=30).contains(&floors(f))));
}
