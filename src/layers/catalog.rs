//! The layer catalog: one TOML file per layer in `layers/`, parsed and validated here.
//!
//! This module is pure: it turns file text into [`LayerDef`] values or into a [`CatalogError`] that
//! names the file, the field and the reason. Syncing into the database lives in `layers::sync`.
//!
//! ```
//! let text = r#"
//! id = "poi"
//! theme = "social"
//! geometry = "point"
//! title = { kk = "Нысандар", ru = "Объекты", en = "Places" }
//! [access]
//! public = true
//! [metadata]
//! source = "Qala demo generator"
//! date = "2026-11-22"
//! owner = "Akimat of Almaty"
//! licence = "CC0-1.0"
//! accuracy = "1:2000"
//! source_crs = "EPSG:4326"
//! description = "Schools and clinics"
//! synthetic = true
//! [[attributes]]
//! name = "name"
//! type = "string"
//! required = true
//! label = { kk = "Атауы", ru = "Название", en = "Name" }
//! "#;
//! let layer = qala::layers::catalog::parse_layer("poi.toml", text).unwrap();
//! assert_eq!(layer.id, "poi");
//! assert_eq!(layer.min_zoom, 0);
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Text in the three languages of the interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Translated {
    pub kk: String,
    pub ru: String,
    pub en: String,
}

impl Translated {
    /// The text in `lang`, Russian for an unknown language.
    pub fn get(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::Kk => &self.kk,
            crate::i18n::Lang::Ru => &self.ru,
            crate::i18n::Lang::En => &self.en,
        }
    }
}

/// Geometry type a layer holds. `Polygon` layers accept polygons and multipolygons, and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GeometryType {
    Point,
    Line,
    Polygon,
}

impl GeometryType {
    pub fn as_str(self) -> &'static str {
        match self {
            GeometryType::Point => "point",
            GeometryType::Line => "line",
            GeometryType::Polygon => "polygon",
        }
    }

    /// Topological dimension: 0 for points, 1 for lines, 2 for polygons.
    pub fn dimension(self) -> u8 {
        match self {
            GeometryType::Point => 0,
            GeometryType::Line => 1,
            GeometryType::Polygon => 2,
        }
    }
}

/// Attribute value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttrType {
    String,
    Integer,
    Number,
    Boolean,
    /// ISO 8601 calendar date, `YYYY-MM-DD`.
    Date,
    /// One of the declared `values`.
    Enum,
}

/// One allowed value of an enum attribute, with optional labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum EnumValue {
    Plain(String),
    Labelled { value: String, label: Translated },
}

impl EnumValue {
    pub fn value(&self) -> &str {
        match self {
            EnumValue::Plain(v) => v,
            EnumValue::Labelled { value, .. } => value,
        }
    }

    /// Its label, when the layer file gives one.
    pub fn label(&self) -> Option<&Translated> {
        match self {
            EnumValue::Plain(_) => None,
            EnumValue::Labelled { label, .. } => Some(label),
        }
    }
}

/// One attribute of a layer's schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeDef {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: AttrType,
    #[serde(default)]
    pub required: bool,
    pub label: Translated,
    /// Allowed values, for `enum` attributes only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<EnumValue>,
    /// Smallest allowed value, for `integer` and `number`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest allowed value, for `integer` and `number`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Longest allowed text, in characters, for `string`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
}

impl AttributeDef {
    /// The label of one of an enum's values, when the layer file gives one.
    pub fn value_label(&self, value: &str) -> Option<&Translated> {
        self.values.iter().find(|e| e.value() == value).and_then(EnumValue::label)
    }
}

/// Who may read a layer. Writing is decided by the access policy (`policy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AccessDef {
    /// Readable by anyone, including anonymous visitors.
    #[serde(default)]
    pub public: bool,
    /// Roles that may read (e.g. `editor`, `reviewer`).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Organisations whose members may read.
    #[serde(default)]
    pub orgs: Vec<String>,
    /// Which features each reader sees: all (default), those of its department, or its own.
    #[serde(default)]
    pub features: FeatureVisibility,
}

/// Visibility of a layer's features to readers other than admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum FeatureVisibility {
    #[default]
    All,
    /// Each department sees the features its members created.
    Department,
    /// Each user sees the features it created.
    Creator,
    /// The applications layer: the applicant sees its own applications, the staff of the
    /// organisations that work them theirs, everyone the published ones; written only through
    /// the applications API (see `policy::applications`).
    Applications,
}

/// Dataset metadata (GDB-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetadataDef {
    pub source: String,
    /// Date of the data, `YYYY-MM-DD`.
    pub date: String,
    /// Owner organisation.
    pub owner: String,
    pub licence: String,
    /// Scale or accuracy, e.g. `1:2000` or `0.5 m`.
    pub accuracy: String,
    /// CRS of the source data, e.g. `EPSG:28413`.
    pub source_crs: String,
    pub description: String,
    /// The data is generated, not surveyed.
    #[serde(default)]
    pub synthetic: bool,
}

/// A validated layer definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LayerDef {
    pub id: String,
    pub title: Translated,
    /// Theme group in the layer panel, e.g. `base`, `address_plan`, `hydrography`.
    pub theme: String,
    pub geometry: GeometryType,
    #[serde(default)]
    pub attributes: Vec<AttributeDef>,
    #[serde(default)]
    pub min_zoom: u8,
    #[serde(default = "default_max_zoom")]
    pub max_zoom: u8,
    /// Style reference: `style_id#layer` in `styles/`, or a style id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    pub access: AccessDef,
    pub metadata: MetadataDef,
    /// How the layer is cut into vector tiles.
    #[serde(default)]
    pub tiles: TilesDef,
    /// Where its features may lie, `[min_lon, min_lat, max_lon, max_lat]` (WGS84); edits outside
    /// are refused. Kazakhstan when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extent: Option<[f64; 4]>,
    /// Which coordinates written geometries may carry: `xy` (default) or `xyz`. Positions with
    /// more coordinates than the layer accepts are refused with the reason, never silently dropped.
    #[serde(default)]
    pub dimensions: Dimensions,
    /// How its features are edited through OGC API - Features Part 4.
    #[serde(default)]
    pub editing: EditingDef,
}

/// The coordinates a layer's positions may carry. GeoJSON (RFC 7946) positions are x, y and an
/// optional height; it has no measure (M), so a layer never accepts one: a fourth number in a
/// position is refused whatever the file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Dimensions {
    /// Longitude and latitude (or easting and northing) only.
    #[default]
    Xy,
    /// Also a height (Z), accepted and dropped: features are stored in 2D (the geometry columns
    /// of `features` are two-dimensional), as `qala ingest` stores them.
    Xyz,
}

impl Dimensions {
    /// The largest number of coordinates in one position.
    pub fn max_coordinates(self) -> usize {
        match self {
            Dimensions::Xy => 2,
            Dimensions::Xyz => 3,
        }
    }
}

impl<'de> Deserialize<'de> for Dimensions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "xy" => Ok(Dimensions::Xy),
            "xyz" => Ok(Dimensions::Xyz),
            "xym" | "xyzm" => Err(serde::de::Error::custom(format!(
                "`{s}` is not accepted: GeoJSON positions carry no measure (M), so a layer holds `xy` or `xyz`"
            ))),
            _ => Err(serde::de::Error::custom(format!("`{s}` is not `xy` or `xyz`"))),
        }
    }
}

/// Editing options of a layer (`[editing]` in its file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditingDef {
    /// Whether PUT, PATCH and DELETE must carry `If-Match` (428 without). `true` by default; a
    /// layer edited from desktop clients that cannot send it (QGIS, GDAL, OWSLib) may say `false`:
    /// a write without `If-Match` then replaces whatever is stored (an `If-Match` or
    /// `If-Unmodified-Since` that is sent is still honoured).
    #[serde(default = "yes")]
    pub require_if_match: bool,
}

impl Default for EditingDef {
    fn default() -> Self {
        EditingDef { require_if_match: true }
    }
}

fn yes() -> bool {
    true
}

/// The extent of a layer that declares none: Kazakhstan.
pub const KAZAKHSTAN: [f64; 4] = [46.4, 40.5, 87.4, 55.5];

/// Vector tile settings of a layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct TilesDef {
    /// Attributes that appear only from a zoom on (`{ floors = 15 }`); the others are in every
    /// tile. Keeps low-zoom tiles small.
    #[serde(default)]
    pub attributes_min_zoom: std::collections::BTreeMap<String, u8>,
}

fn default_max_zoom() -> u8 {
    22
}

impl LayerDef {
    /// Where features of this layer may lie (WGS84).
    pub fn allowed_extent(&self) -> [f64; 4] {
        self.extent.unwrap_or(KAZAKHSTAN)
    }

    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Attributes left out of tiles at zoom `z`.
    pub fn tile_attributes_hidden_at(&self, z: u8) -> Vec<String> {
        self.tiles.attributes_min_zoom.iter().filter(|(_, min)| z < **min).map(|(n, _)| n.clone()).collect()
    }
}

/// A layer file that cannot be used: which file, which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CatalogError {
    pub file: String,
    pub field: String,
    pub reason: String,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: field `{}`: {}", self.file, self.field, self.reason)
    }
}

const MAX_ZOOM: u8 = 24;

/// Parses and validates one layer file. `file` is used only in error messages.
pub fn parse_layer(file: &str, text: &str) -> Result<LayerDef, CatalogError> {
    let err = |field: &str, reason: String| CatalogError {
        file: file.to_string(),
        field: field.to_string(),
        reason,
    };
    let layer = deserialize_with_path(text).map_err(|(field, reason)| err(&field, reason))?;

    if !is_identifier(&layer.id, MAX_LAYER_ID) {
        return Err(err(
            "id",
            format!(
                "`{}` must be lower-case latin letters, digits and `_`, starting with a letter, at most {MAX_LAYER_ID} characters",
                layer.id
            ),
        ));
    }
    if let Some(stem) = Path::new(file).file_stem().and_then(|s| s.to_str())
        && stem != layer.id
        && file.ends_with(".toml")
    {
        return Err(err("id", format!("`{}` differs from the file name `{stem}.toml`", layer.id)));
    }
    for (lang, t) in [("kk", &layer.title.kk), ("ru", &layer.title.ru), ("en", &layer.title.en)] {
        if t.trim().is_empty() {
            return Err(err(&format!("title.{lang}"), "must not be empty".into()));
        }
    }
    if layer.theme.trim().is_empty() {
        return Err(err("theme", "must not be empty".into()));
    }
    if layer.min_zoom > layer.max_zoom {
        return Err(err("min_zoom", format!("{} is above max_zoom {}", layer.min_zoom, layer.max_zoom)));
    }
    if layer.max_zoom > MAX_ZOOM {
        return Err(err("max_zoom", format!("{} is above {MAX_ZOOM}", layer.max_zoom)));
    }
    if !layer.access.public && layer.access.roles.is_empty() && layer.access.orgs.is_empty() {
        return Err(err("access", "not public and no roles or orgs: nobody could read it".into()));
    }
    if chrono::NaiveDate::parse_from_str(&layer.metadata.date, "%Y-%m-%d").is_err() {
        return Err(err("metadata.date", format!("`{}` is not a date YYYY-MM-DD", layer.metadata.date)));
    }
    for (name, v) in [
        ("source", &layer.metadata.source),
        ("owner", &layer.metadata.owner),
        ("licence", &layer.metadata.licence),
        ("accuracy", &layer.metadata.accuracy),
        ("source_crs", &layer.metadata.source_crs),
        ("description", &layer.metadata.description),
    ] {
        if v.trim().is_empty() {
            return Err(err(&format!("metadata.{name}"), "must not be empty".into()));
        }
    }
    for name in layer.tiles.attributes_min_zoom.keys() {
        if layer.attribute(name).is_none() {
            return Err(err(
                &format!("tiles.attributes_min_zoom.{name}"),
                "is not an attribute of this layer".into(),
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for (i, a) in layer.attributes.iter().enumerate() {
        let field = |f: &str| format!("attributes[{i}].{f}");
        if !is_identifier(&a.name, 63) {
            return Err(err(&field("name"), format!("`{}` is not a valid attribute name", a.name)));
        }
        if !seen.insert(a.name.as_str()) {
            return Err(err(&field("name"), format!("`{}` is declared twice", a.name)));
        }
        match a.kind {
            AttrType::Enum if a.values.is_empty() => {
                return Err(err(&field("values"), "an enum needs at least one value".into()));
            }
            AttrType::Enum => {
                let mut vals = BTreeSet::new();
                for v in &a.values {
                    if !vals.insert(v.value()) {
                        return Err(err(&field("values"), format!("`{}` is listed twice", v.value())));
                    }
                }
            }
            _ if !a.values.is_empty() => {
                return Err(err(&field("values"), "only enum attributes have values".into()));
            }
            _ => {}
        }
        if (a.min.is_some() || a.max.is_some()) && !matches!(a.kind, AttrType::Integer | AttrType::Number) {
            return Err(err(&field("min"), "min and max apply to integer and number only".into()));
        }
        if let (Some(lo), Some(hi)) = (a.min, a.max)
            && lo > hi
        {
            return Err(err(&field("min"), format!("{lo} is above max {hi}")));
        }
        if a.max_length.is_some() && a.kind != AttrType::String {
            return Err(err(&field("max_length"), "applies to string attributes only".into()));
        }
    }
    Ok(layer)
}

/// Deserialises, naming the failing field by its path (`attributes[2].type`) and line.
fn deserialize_with_path(text: &str) -> Result<LayerDef, (String, String)> {
    serde_path_to_error::deserialize(toml::Deserializer::new(text)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.message().trim().to_string();
        let field = match field_from_message(&msg) {
            Some(name) if path == "." => name,
            Some(name) if path == name || path.ends_with(&format!(".{name}")) => path,
            Some(name) => format!("{path}.{name}"),
            None => path,
        };
        let reason = match inner.span() {
            Some(s) => format!("{msg} (line {})", text[..s.start.min(text.len())].lines().count().max(1)),
            None => msg,
        };
        (field, reason)
    })
}

/// `missing field `x`` and `unknown field `x`` name the field themselves.
fn field_from_message(msg: &str) -> Option<String> {
    ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| msg.split(prefix).nth(1))
        .and_then(|rest| rest.split('`').next())
        .map(str::to_string)
}

/// Longest layer id: its partition `features_<id>` and index `features_<id>_geom` must fit
/// PostgreSQL's 63-byte names.
pub const MAX_LAYER_ID: usize = 40;

/// Whether `s` may be the id of a layer (or of another named resource such as a DEM): lower-case
/// letters, digits and `_`, starting with a letter, at most [`MAX_LAYER_ID`] bytes.
pub fn is_valid_id(s: &str) -> bool {
    is_identifier(s, MAX_LAYER_ID)
}

fn is_identifier(s: &str, max_len: usize) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && s.len() <= max_len
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Reads every `*.toml` in `dir`, in file-name order. All errors are returned, not just the first.
pub fn load_dir(dir: &Path) -> Result<Vec<LayerDef>, Vec<CatalogError>> {
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect(),
        Err(e) => {
            return Err(vec![CatalogError {
                file: dir.display().to_string(),
                field: "(directory)".into(),
                reason: e.to_string(),
            }]);
        }
    };
    files.sort();
    let mut layers = Vec::new();
    let mut errors = Vec::new();
    let mut ids = BTreeSet::new();
    for path in files {
        let name = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => match parse_layer(&name, &text) {
                Ok(l) if !ids.insert(l.id.clone()) => errors.push(CatalogError {
                    file: name,
                    field: "id".into(),
                    reason: format!("`{}` is used by another file", l.id),
                }),
                Ok(l) => layers.push(l),
                Err(e) => errors.push(e),
            },
            Err(e) => errors.push(CatalogError { file: name, field: "(file)".into(), reason: e.to_string() }),
        }
    }
    if errors.is_empty() { Ok(layers) } else { Err(errors) }
}

/// Layers the unit tests of every module share.
#[cfg(test)]
pub(crate) mod fixtures {
    /// The layer `parcels` of `tests/fixtures/layers/valid_layer.toml`.
    pub fn parcels() -> super::LayerDef {
        super::parse_layer("parcels.toml", include_str!("../../tests/fixtures/layers/valid_layer.toml"))
            .unwrap()
    }
}
