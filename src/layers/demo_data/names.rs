//! The demo's names and the tables that carry them, from the data files in `fixtures/demo/`.
//!
//! The files are compiled into the binary (`include_str!`), so the generator stays pure: no file is
//! read when it runs. Every named feature has its name in Kazakh, Russian and English
//! ([`Translated`]), stored as `name_kk`, `name_ru` and `name_en` ([`name_attrs`]): the map's styles
//! label with the one of the interface language (`{name_field}`) and search looks in all three.
//! Kazakh in the Latin alphabet is not stored: the tiles transliterate `name_kk` (`qala_kk_latin`).
//!
//! - `districts.toml`: KATO codes, names and the seeds of the districts' boundaries.
//! - `streets.toml`: named streets with their places, stems of minor street names, name patterns.
//! - `hydro.toml`: rivers, canals, streams and water bodies with their courses and shapes.
//! - `poi.toml`: kinds of schools, kindergartens, clinics and hospitals with their name patterns.
//! - `land_holders.toml`: holders of land parcels by category.

use std::sync::LazyLock;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::streets::Class;
use crate::layers::catalog::Translated;

/// A district: real KATO code and names; its boundary is the Voronoi cell of `seed` (lon, lat).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DistrictDef {
    pub kato: String,
    pub name: Translated,
    pub seed: [f64; 2],
}

/// A named street along a latitude (west-east) or a longitude (south-north), from `from` to `to`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NamedStreet {
    kk: String,
    ru: String,
    en: String,
    pub class: Class,
    pub lanes: i64,
    pub at: f64,
    pub from: f64,
    pub to: f64,
}

impl NamedStreet {
    pub fn name(&self) -> Translated {
        Translated { kk: self.kk.clone(), ru: self.ru.clone(), en: self.en.clone() }
    }
}

/// How a stem becomes the name of a minor street or lane (see `streets.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Patterns {
    pub street: Translated,
    pub street_n: Translated,
    pub lane: Translated,
    pub lane_n: Translated,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Streets {
    pub west_east: Vec<NamedStreet>,
    pub south_north: Vec<NamedStreet>,
    pub stems: Vec<Translated>,
    pub patterns: Patterns,
}

/// A watercourse: a smooth curve through `course` (lon, lat), meandering up to `meander` metres.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Watercourse {
    pub name: Translated,
    pub kind: String,
    pub meander: f64,
    pub course: Vec<[f64; 2]>,
}

/// A water body: an ellipse around `centre` (lon, lat), semi-axes `axes` (m), turned `turn`°.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WaterBody {
    pub name: Translated,
    /// The name of the dam closing its north end, when it has one.
    pub dam: Option<Translated>,
    pub kind: String,
    pub centre: [f64; 2],
    pub axes: [f64; 2],
    pub turn: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Hydro {
    pub watercourse: Vec<Watercourse>,
    pub water_body: Vec<WaterBody>,
}

/// A name pattern of a kind of facility (`{n}` is its number), drawn in proportion to `weight`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PoiName {
    pub weight: f64,
    kk: String,
    ru: String,
    en: String,
}

impl PoiName {
    /// The name of facility number `n`.
    pub fn numbered(&self, n: usize) -> Translated {
        let n = n.to_string();
        Translated {
            kk: self.kk.replace("{n}", &n),
            ru: self.ru.replace("{n}", &n),
            en: self.en.replace("{n}", &n),
        }
    }
}

/// A kind of facility: how many, how far apart (m), names, capacity and floors (ranges).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PoiKind {
    pub kind: String,
    pub count: usize,
    pub spacing: f64,
    pub capacity: [i64; 2],
    pub floors: [i64; 2],
    pub names: Vec<PoiName>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PoiFile {
    kind: Vec<PoiKind>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DistrictFile {
    district: Vec<DistrictDef>,
}

/// Holders of land parcels by land category.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Holders {
    pub agricultural: Vec<String>,
    pub airport: Vec<String>,
    pub industrial: Vec<String>,
    pub mountain_park: Vec<String>,
    pub recreation: Vec<String>,
    pub forest: Vec<String>,
    pub water: Vec<String>,
    pub reserve: Vec<String>,
    pub settlement: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HolderFile {
    holders: Holders,
}

/// All the tables of the data files.
#[derive(Debug)]
pub(super) struct DemoData {
    pub districts: Vec<DistrictDef>,
    pub streets: Streets,
    pub hydro: Hydro,
    pub poi: Vec<PoiKind>,
    pub holders: Holders,
}

fn parse_file<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| format!("fixtures/demo/{name}: {e}"))
}

impl DemoData {
    /// Parses the data files; errors name the file and what is wrong.
    pub fn parse() -> Result<DemoData, String> {
        let districts: DistrictFile =
            parse_file("districts.toml", include_str!("../../../fixtures/demo/districts.toml"))?;
        let poi: PoiFile = parse_file("poi.toml", include_str!("../../../fixtures/demo/poi.toml"))?;
        let holders: HolderFile =
            parse_file("land_holders.toml", include_str!("../../../fixtures/demo/land_holders.toml"))?;
        let data = DemoData {
            districts: districts.district,
            streets: parse_file("streets.toml", include_str!("../../../fixtures/demo/streets.toml"))?,
            hydro: parse_file("hydro.toml", include_str!("../../../fixtures/demo/hydro.toml"))?,
            poi: poi.kind,
            holders: holders.holders,
        };
        data.check()?;
        Ok(data)
    }

    /// Every name in all three languages, and the tables the generator indexes not empty.
    fn check(&self) -> Result<(), String> {
        let mut names: Vec<Translated> = self.districts.iter().map(|d| d.name.clone()).collect();
        let s = &self.streets;
        names.extend(s.west_east.iter().chain(&s.south_north).map(NamedStreet::name));
        names.extend(s.stems.iter().cloned());
        names.extend(
            [&s.patterns.street, &s.patterns.street_n, &s.patterns.lane, &s.patterns.lane_n]
                .map(Clone::clone),
        );
        for w in &self.hydro.watercourse {
            names.push(w.name.clone());
        }
        for b in &self.hydro.water_body {
            names.extend(std::iter::once(b.name.clone()).chain(b.dam.clone()));
        }
        names.extend(self.poi.iter().flat_map(|k| k.names.iter().map(|n| n.numbered(1))));
        if let Some(t) = names.iter().find(|t| [&t.kk, &t.ru, &t.en].iter().any(|s| s.trim().is_empty())) {
            return Err(format!("fixtures/demo: a name lacks a language: {t:?}"));
        }
        let h = &self.holders;
        let lists = [
            &h.agricultural,
            &h.airport,
            &h.industrial,
            &h.mountain_park,
            &h.recreation,
            &h.forest,
            &h.water,
            &h.reserve,
            &h.settlement,
        ];
        if self.districts.is_empty()
            || s.stems.is_empty()
            || self.hydro.water_body.is_empty()
            || self.poi.iter().any(|k| k.names.is_empty())
            || lists.iter().any(|l| l.is_empty())
        {
            return Err("fixtures/demo: an empty table".into());
        }
        Ok(())
    }
}

static DATA: LazyLock<DemoData> = LazyLock::new(|| {
    DemoData::parse().unwrap_or_else(|e| panic!("{e} (the unit tests of demo_data parse these files)"))
});

/// The tables of `fixtures/demo/`.
pub(super) fn data() -> &'static DemoData {
    &DATA
}

/// The attributes `name_kk`, `name_ru`, `name_en` of a name.
pub(super) fn name_attrs(t: &Translated) -> [(&'static str, Value); 3] {
    [("name_kk", t.kk.clone().into()), ("name_ru", t.ru.clone().into()), ("name_en", t.en.clone().into())]
}

/// `n` as an English ordinal: 1st, 2nd, 3rd, 4th, 11th, 12th, 21st ...
pub(super) fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// A street name from a pattern and a stem, in round `n` (1 for the first use of the stem).
pub(super) fn street_name(pattern: &Translated, stem: &Translated, n: usize) -> Translated {
    let fill = |p: &str, s: &str| {
        p.replace("{stem}", s).replace("{nth}", &ordinal(n)).replace("{n}", &n.to_string())
    };
    Translated {
        kk: fill(&pattern.kk, &stem.kk),
        ru: fill(&pattern.ru, &stem.ru),
        en: fill(&pattern.en, &stem.en),
    }
}
