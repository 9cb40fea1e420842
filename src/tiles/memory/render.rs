//! One layer's MVT tile from the stored features, as the tile SQL writes it
//! (`tiles/sql/tile_areas.sql`, `tile_points.sql`): the scope's features meeting the buffered
//! tile, lines and polygons from a pixel wide, points thinned by rank below zoom 14 and kept one
//! per pixel (the lowest id), attributes without the keys hidden at this zoom plus
//! `name_kk_latn`. Pure.

use std::collections::HashMap;
use std::sync::Arc;

use super::cut::{Frame, cut};
use super::encode::{Cut, encode_layer};
use super::index::{AttrValue, Feature, LayerStore};
use super::scope::sees;
use crate::policy::FeatureScope;
use crate::tiles::coords::TileCoord;

/// What a layer's tile depends on besides its features.
#[derive(Debug)]
pub struct LayerTile<'a> {
    pub name: &'a str,
    pub points: bool,
    pub scope: &'a FeatureScope,
    /// Attribute keys left out at this zoom.
    pub hidden: &'a [String],
}

/// The features of `store` the tile at `coord` draws, in no particular order.
pub fn candidates(store: &LayerStore, points: bool, coord: TileCoord) -> Vec<Arc<Feature>> {
    let frame = Frame::new(coord.bounds_3857());
    let mut found = store.query(coord.z, frame.buffered_bounds());
    if !points {
        // The buckets already hold this; the exact test guards the zoom boundary.
        found.retain(|f| f.web_size >= coord.pixel_m());
    }
    found
}

/// The encoded layer (empty when no feature is drawn).
pub fn render_layer(spec: &LayerTile<'_>, coord: TileCoord, found: &[Arc<Feature>]) -> Vec<u8> {
    let frame = Frame::new(coord.bounds_3857());
    let mut rows: Vec<&Feature> = found.iter().map(|f| &**f).filter(|f| sees(spec.scope, f)).collect();
    if spec.points {
        rows = one_per_pixel(rows, coord.pixel_m());
    }
    rows.sort_by_key(|f| f.id);
    let cuts: Vec<Cut<'_>> = rows
        .iter()
        .filter_map(|f| {
            let geom = cut(&f.geom, f.web_size, &frame)?;
            let mut attrs: Vec<(&str, &AttrValue)> = f
                .attrs
                .iter()
                .filter(|(k, _)| !spec.hidden.iter().any(|h| h == &**k))
                .filter(|(k, _)| f.latin.is_none() || &**k != "name_kk_latn")
                .map(|(k, v)| (&**k, v))
                .collect();
            if let Some(l) = &f.latin {
                attrs.push(("name_kk_latn", l));
            }
            Some(Cut { id: f.id, geom, attrs })
        })
        .collect();
    encode_layer(spec.name, &cuts)
}

/// `DISTINCT ON (ST_SnapToGrid(geom_web, px)) ... ORDER BY 1, id`: the lowest id of each cell.
fn one_per_pixel(rows: Vec<&Feature>, px: f64) -> Vec<&Feature> {
    let mut cells: HashMap<Vec<(i64, i64)>, &Feature> = HashMap::with_capacity(rows.len());
    for f in rows {
        let key: Vec<(i64, i64)> = geo::CoordsIter::coords_iter(&f.geom)
            .map(|c| ((c.x / px).round_ties_even() as i64, (c.y / px).round_ties_even() as i64))
            .collect();
        cells
            .entry(key)
            .and_modify(|kept| {
                if f.id < kept.id {
                    *kept = f
                }
            })
            .or_insert(f);
    }
    cells.into_values().collect()
}
