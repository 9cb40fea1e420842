//! Checking in-process tiles against PostGIS's over a list of tiles (`qala tiles
//! compare-memory`): the layer is loaded into a store of its own, each tile is cut both ways and
//! compared ([`super::compare::compare_tile`]); also how long each path took and the memory the
//! layer holds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;

use super::compare::{Difference, PIXEL, compare_tile};
use super::index::LayerStore;
use super::{load, render};
use crate::layers::catalog::{GeometryType, LayerDef};
use crate::policy::FeatureScope;
use crate::tiles::coords::TileCoord;

/// What a comparison found.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub features_loaded: usize,
    /// Estimated bytes the layer holds in memory.
    pub bytes: usize,
    pub load_time: Duration,
    pub tiles: usize,
    pub tiles_differing: usize,
    /// Features in the PostGIS tiles compared.
    pub features_compared: usize,
    /// The first differences (at most 50), with their tile.
    pub differences: Vec<(TileCoord, Difference)>,
    /// Time spent cutting in memory and in PostGIS (queries included).
    pub memory_time: Duration,
    pub postgis_time: Duration,
}

/// A tile from a line ending in `z/x/y` (an extension after `y` is ignored), e.g. a wrk path
/// `/buildings/15/23391/12011`.
pub fn parse_tile(line: &str) -> Option<TileCoord> {
    let mut parts = line.trim().rsplit('/');
    let y = parts.next()?.split('.').next()?.parse().ok()?;
    let x = parts.next()?.parse().ok()?;
    let z = parts.next()?.parse().ok()?;
    TileCoord::new(z, x, y)
}

/// Loads `layer` and compares every tile of `tiles` cut in memory against PostGIS's (all
/// features).
pub async fn check_layer(
    pool: &PgPool,
    layer: &Arc<LayerDef>,
    tiles: &[TileCoord],
) -> anyhow::Result<CheckReport> {
    let started = Instant::now();
    let points = layer.geometry == GeometryType::Point;
    let store = LayerStore::new(points, load::layer(pool, layer).await?);
    let mut report = CheckReport {
        features_loaded: store.len(),
        bytes: store.bytes(),
        load_time: started.elapsed(),
        ..Default::default()
    };
    let sql = crate::tiles::TileService::new(pool.clone(), 0);
    let scope = FeatureScope::All;
    for t in tiles {
        if t.z < layer.min_zoom || t.z > layer.max_zoom {
            continue;
        }
        let start = Instant::now();
        let hidden = layer.tile_attributes_hidden_at(t.z);
        let spec = render::LayerTile { name: &layer.id, points, scope: &scope, hidden: &hidden };
        let mine = render::render_layer(&spec, *t, &render::candidates(&store, points, *t));
        report.memory_time += start.elapsed();
        let start = Instant::now();
        let theirs = sql.tile(std::slice::from_ref(layer), *t).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        report.postgis_time += start.elapsed();
        let diffs = compare_tile(&mine, &theirs.bytes, PIXEL);
        report.tiles += 1;
        if !diffs.is_empty() {
            report.tiles_differing += 1;
        }
        let room = 50usize.saturating_sub(report.differences.len());
        report.differences.extend(diffs.into_iter().take(room).map(|d| (*t, d)));
        use geozero::mvt::Message;
        report.features_compared += geozero::mvt::Tile::decode(&theirs.bytes[..])
            .map(|tile| tile.layers.iter().map(|l| l.features.len()).sum::<usize>())
            .unwrap_or(0);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tile_lines() {
        let t = super::parse_tile("/buildings/15/23391/12011").unwrap();
        assert_eq!((t.z, t.x, t.y), (15, 23391, 12011));
        assert!(super::parse_tile("15/23391/12011.mvt").is_some());
        assert!(super::parse_tile("nonsense").is_none());
        assert!(super::parse_tile("3/9/0").is_none());
    }
}
