//! MVT encoding of one layer with geozero's writer types (`geozero::mvt`): features with their id,
//! tags from a shared key/value table, geometry commands from geometries already in tile units.
//! An empty layer is no bytes, as `ST_AsMVT` of no rows. Pure.

use geo::Geometry;
use geozero::ToMvt;
use geozero::mvt::tile::{Feature, Layer};
use geozero::mvt::{Message, TagsBuilder, Tile, TileValue};

use super::index::AttrValue;

/// One feature to write: id, geometry in tile units, attributes.
#[derive(Debug)]
pub struct Cut<'a> {
    pub id: i64,
    pub geom: Geometry<f64>,
    pub attrs: Vec<(&'a str, &'a AttrValue)>,
}

fn tile_value(v: &AttrValue) -> TileValue {
    match v {
        AttrValue::Str(s) => TileValue::Str(s.to_string()),
        AttrValue::Uint(u) => TileValue::Uint(*u),
        AttrValue::Sint(i) => TileValue::Sint(*i),
        AttrValue::Double(d) => TileValue::Double(*d),
        AttrValue::Bool(b) => TileValue::Bool(*b),
    }
}

/// The encoded tile holding one layer `name` (extent 4096) of `features`; empty when none.
pub fn encode_layer(name: &str, features: &[Cut<'_>]) -> Vec<u8> {
    if features.is_empty() {
        return Vec::new();
    }
    let mut tags = TagsBuilder::new();
    let mut out: Vec<Feature> = Vec::with_capacity(features.len());
    for c in features {
        let Ok(mut f) = c.geom.to_mvt_unscaled() else { continue };
        f.id = u64::try_from(c.id).ok();
        for (k, v) in &c.attrs {
            let (ki, vi) = tags.insert_ref(k, tile_value(v));
            f.tags.push(ki);
            f.tags.push(vi);
        }
        out.push(f);
    }
    if out.is_empty() {
        return Vec::new();
    }
    let (keys, values) = tags.into_tags();
    let layer = Layer {
        version: 2,
        name: name.to_string(),
        features: out,
        keys,
        values: values.into_iter().map(Into::into).collect(),
        extent: Some(4096),
    };
    Tile { layers: vec![layer] }.encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_round_trips_and_an_empty_one_is_nothing() {
        assert!(encode_layer("l", &[]).is_empty());
        let v = AttrValue::Uint(5);
        let s = AttrValue::Str("x".into());
        let poly = geo::Rect::new((0.0, 0.0), (10.0, 10.0)).to_polygon();
        let bytes = encode_layer(
            "l",
            &[Cut { id: 7, geom: Geometry::Polygon(poly), attrs: vec![("floors", &v), ("name", &s)] }],
        );
        let t = Tile::decode(bytes.as_slice()).unwrap_or_default();
        let l = &t.layers[0];
        assert_eq!((l.name.as_str(), l.extent, l.features[0].id), ("l", Some(4096), Some(7)));
        assert_eq!(l.keys, vec!["floors", "name"]);
        assert_eq!(l.values[0].uint_value, Some(5));
    }
}
