//! Extra base layers of the web map, from `styles/basemaps.toml` (pure: parsing and validation).
//!
//! WMTS REST templates are turned into XYZ templates (`{TileMatrix}` -> `{z}`, `{TileRow}` -> `{y}`,
//! `{TileCol}` -> `{x}`), so the browser handles one kind. An attribution is one text for every
//! language (names such as "Esri, Maxar") or a table `{ kk, ru, en }`; the browser always gets the
//! table and shows the text of the interface language.

use serde::{Deserialize, Serialize};

use crate::layers::catalog::Translated;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BasemapKind {
    Xyz,
    Wmts,
}

/// A base layer as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasemapDef {
    pub id: String,
    pub kind: BasemapKind,
    pub title: Translated,
    pub tiles: Vec<String>,
    #[serde(default = "default_tile_size")]
    pub tile_size: u16,
    #[serde(default)]
    pub min_zoom: u8,
    #[serde(default = "default_max_zoom")]
    pub max_zoom: u8,
    pub attribution: AttributionDef,
}

/// An attribution as written: one text for every language, or a text per language.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum AttributionDef {
    Same(String),
    PerLanguage(Translated),
}

impl AttributionDef {
    /// The text in each language.
    pub fn translated(self) -> Translated {
        match self {
            AttributionDef::Same(s) => Translated { kk: s.clone(), ru: s.clone(), en: s },
            AttributionDef::PerLanguage(t) => t,
        }
    }
}

fn default_tile_size() -> u16 {
    256
}

fn default_max_zoom() -> u8 {
    19
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BasemapFile {
    #[serde(default)]
    basemap: Vec<BasemapDef>,
}

/// A base layer for the browser: always an XYZ template.
#[derive(Debug, Clone, Serialize)]
pub struct Basemap {
    pub id: String,
    /// `xyz` (raster tiles); the source kind is kept in `source_kind`.
    pub kind: &'static str,
    pub source_kind: BasemapKind,
    pub title: Translated,
    pub tiles: Vec<String>,
    pub tile_size: u16,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// The attribution in kk, ru and en.
    pub attribution: Translated,
}

/// Parses a base-map file; errors name the base map and what is wrong.
///
/// ```
/// let text = r#"
/// [[basemap]]
/// id = "s2"
/// kind = "wmts"
/// title = { kk = "Сурет", ru = "Снимок", en = "Imagery" }
/// tiles = ["https://h/wmts/{TileMatrix}/{TileRow}/{TileCol}.jpg"]
/// attribution = "EOX"
/// "#;
/// let maps = qala::web::basemaps::parse(text).unwrap();
/// assert_eq!(maps[0].tiles[0], "https://h/wmts/{z}/{y}/{x}.jpg");
/// ```
pub fn parse(text: &str) -> Result<Vec<Basemap>, String> {
    let file: BasemapFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut out: Vec<Basemap> = Vec::new();
    for b in file.basemap {
        if !crate::layers::catalog::is_valid_id(&b.id) || b.id == "qala" {
            return Err(format!(
                "base map `{}`: not a valid id (lower-case letters, digits, _; not `qala`)",
                b.id
            ));
        }
        if out.iter().any(|o| o.id == b.id) {
            return Err(format!("base map `{}` is declared twice", b.id));
        }
        if b.tiles.is_empty() {
            return Err(format!("base map `{}`: `tiles` is empty", b.id));
        }
        let tiles: Vec<String> = b
            .tiles
            .iter()
            .map(|t| match b.kind {
                BasemapKind::Xyz => t.clone(),
                BasemapKind::Wmts => {
                    t.replace("{TileMatrix}", "{z}").replace("{TileRow}", "{y}").replace("{TileCol}", "{x}")
                }
            })
            .collect();
        for t in &tiles {
            if !(t.starts_with("https://") || t.starts_with("http://") || t.starts_with('/')) {
                return Err(format!("base map `{}`: `{t}` is not an http(s) URL", b.id));
            }
            if !(t.contains("{z}") && t.contains("{x}") && t.contains("{y}")) {
                return Err(format!("base map `{}`: `{t}` lacks {{z}}, {{x}} or {{y}}", b.id));
            }
        }
        if b.min_zoom > b.max_zoom || b.max_zoom > 24 {
            return Err(format!("base map `{}`: zooms must satisfy min_zoom <= max_zoom <= 24", b.id));
        }
        out.push(Basemap {
            id: b.id,
            kind: "xyz",
            source_kind: b.kind,
            title: b.title,
            tiles,
            tile_size: b.tile_size,
            min_zoom: b.min_zoom,
            max_zoom: b.max_zoom,
            attribution: b.attribution.translated(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLE: &str = r#"title = { kk = "a", ru = "b", en = "c" }"#;

    #[test]
    fn refuses_templates_without_tile_placeholders() {
        let text = format!(
            "[[basemap]]\nid = \"x\"\nkind = \"xyz\"\n{TITLE}\ntiles = [\"https://h/tile.png\"]\nattribution = \"\""
        );
        let e = parse(&text).unwrap_err();
        assert!(e.contains("lacks"), "{e}");
    }

    #[test]
    fn refuses_unknown_fields_and_duplicates() {
        let one = format!(
            "[[basemap]]\nid = \"x\"\nkind = \"xyz\"\n{TITLE}\ntiles = [\"https://h/{{z}}/{{x}}/{{y}}\"]\nattribution = \"\"\n"
        );
        assert!(parse(&format!("{one}{one}")).unwrap_err().contains("twice"));
        assert!(parse(&one.replace("attribution", "atribution")).is_err());
        assert_eq!(parse(&one).unwrap()[0].tiles[0], "https://h/{z}/{x}/{y}");
    }

    #[test]
    fn attributions_are_one_text_or_one_per_language() {
        let map = |attribution: &str| {
            format!(
                "[[basemap]]\nid = \"x\"\nkind = \"xyz\"\n{TITLE}\ntiles = [\"https://h/{{z}}/{{x}}/{{y}}\"]\nattribution = {attribution}\n"
            )
        };
        let same = parse(&map("\"Esri\"")).unwrap();
        assert_eq!(
            same[0].attribution,
            Translated { kk: "Esri".into(), ru: "Esri".into(), en: "Esri".into() }
        );
        let each = parse(&map(
            r#"{ kk = "© OSM қатысушылары", ru = "© участники OSM", en = "© OSM contributors" }"#,
        ))
        .unwrap();
        assert_eq!(each[0].attribution.ru, "© участники OSM");
        assert_eq!(each[0].attribution.kk, "© OSM қатысушылары");
        // A table must name all three languages and nothing else.
        assert!(parse(&map(r#"{ ru = "a", en = "b" }"#)).is_err());
        assert!(parse(&map(r#"{ kk = "a", ru = "b", en = "c", de = "d" }"#)).is_err());
    }

    #[test]
    fn the_shipped_base_maps_are_attributed_in_every_language() {
        let maps = parse(include_str!("../../styles/basemaps.toml")).unwrap();
        assert!(maps.len() >= 3);
        for m in &maps {
            for text in [&m.attribution.kk, &m.attribution.ru, &m.attribution.en] {
                assert!(!text.trim().is_empty(), "{}", m.id);
            }
        }
        let osm = maps.iter().find(|m| m.id == "osm").unwrap();
        assert_ne!(osm.attribution.ru, osm.attribution.en, "OpenStreetMap's credit is translated");
    }
}
