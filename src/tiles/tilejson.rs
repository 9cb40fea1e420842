//! The `vector_layers` of TileJSON 3.0: what each layer of a tile holds (pure).

use std::sync::Arc;

use serde_json::{Value, json};

use crate::i18n::Lang;
use crate::layers::catalog::{AttrType, LayerDef};

fn field_type(t: AttrType) -> &'static str {
    match t {
        AttrType::Integer | AttrType::Number => "Number",
        AttrType::Boolean => "Boolean",
        _ => "String",
    }
}

/// The TileJSON `vector_layers` of some layers: id, description, zooms and attribute types.
pub fn vector_layers(layers: &[Arc<LayerDef>], lang: Lang) -> Vec<Value> {
    layers
        .iter()
        .map(|l| {
            let fields: serde_json::Map<String, Value> =
                l.attributes.iter().map(|a| (a.name.clone(), json!(field_type(a.kind)))).collect();
            json!({"id": l.id, "description": l.title.get(lang), "minzoom": l.min_zoom, "maxzoom": l.max_zoom, "fields": fields})
        })
        .collect()
}
