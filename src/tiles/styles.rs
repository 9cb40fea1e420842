//! MapLibre styles from `styles/*.json` as a caller sees them (served at `/styles/{id}.json`): style layers
//! whose `source-layer` the caller may not read are removed, the tile URL lists exactly the layers
//! that remain, `{base}` becomes this server's address and `{name_field}` the name attribute of
//! the requested language. Glyphs come from [`super::fonts`] at `/fonts/{fontstack}/{range}.pbf`.

use std::path::Path;

use serde_json::Value;

use crate::auth::Caller;
use crate::i18n::Lang;

/// Replaces `{name_field}` in every string of `v`.
pub fn localise(v: &mut Value, name_field: &str) {
    match v {
        Value::String(s) if s == "{name_field}" => *s = name_field.to_string(),
        Value::Array(a) => a.iter_mut().for_each(|x| localise(x, name_field)),
        Value::Object(o) => o.values_mut().for_each(|x| localise(x, name_field)),
        _ => {}
    }
}

/// The style `id` as the caller may see it.
pub fn style_for(
    text: &str,
    caller: &Caller,
    catalog: &crate::layers::Catalog,
    base: &str,
    labels: LabelLang,
) -> Option<Value> {
    let mut style: Value = serde_json::from_str(text).ok()?;
    let layers = style.get_mut("layers")?.as_array_mut()?;
    layers.retain(|l| match l.get("source-layer").and_then(Value::as_str) {
        Some(src) => catalog.readable(caller, src).is_some(),
        None => true,
    });
    let mut used: Vec<String> = Vec::new();
    for l in layers.iter() {
        if let Some(src) = l.get("source-layer").and_then(Value::as_str)
            && !used.iter().any(|u| u == src)
        {
            used.push(src.to_string());
        }
    }
    localise(&mut style, labels.name_field());
    let mut text = style.to_string();
    text = text.replace("{base}", base).replace("{layers}", &used.join(","));
    serde_json::from_str(&text).ok()
}

/// The language of map labels: one of the interface languages, or Kazakh in the Latin alphabet
/// (`?lang=kk-Latn`), whose labels the tiles carry as `name_kk_latn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelLang {
    Interface(Lang),
    KazakhLatin,
}

impl LabelLang {
    /// From the `lang` query parameter (`kk-Latn` is recognised) and the negotiated language.
    pub fn from_tag(tag: Option<&str>, negotiated: Lang) -> LabelLang {
        match tag {
            Some(t) if crate::i18n::is_kazakh_latin(t) => LabelLang::KazakhLatin,
            _ => LabelLang::Interface(negotiated),
        }
    }

    /// The attribute that holds names in this language.
    pub fn name_field(self) -> &'static str {
        match self {
            LabelLang::Interface(Lang::Kk) => "name_kk",
            LabelLang::Interface(Lang::Ru) => "name_ru",
            LabelLang::Interface(Lang::En) => "name_en",
            LabelLang::KazakhLatin => "name_kk_latn",
        }
    }
}

/// The ids of the styles in `dir` (`<id>.json`), sorted; none when the directory cannot be read.
pub fn style_ids(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| {
                    e.file_name().to_str().and_then(|n| n.strip_suffix(".json")).map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}
