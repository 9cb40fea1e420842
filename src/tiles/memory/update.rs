//! Keeping the stores current: loading a layer (and the edits made meanwhile), and the task that
//! applies change notifications in order, batched per layer, before it evicts the tiles.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, RwLock};

use tokio::sync::mpsc;

use super::index::LayerStore;
use super::{BATCH, Evict, MemoryTiles, REGION_PAD_M, Slot, State, load, lock};
use crate::layers::catalog::{GeometryType, LayerDef};
use crate::tiles::coords::lonlat_to_3857;

impl MemoryTiles {
    pub(super) async fn load_layer(&self, def: &Arc<LayerDef>, generation: u64) {
        let pool = &self.inner.pool;
        let id = def.id.as_str();
        let remaining = {
            let slots = lock(&self.inner.slots);
            self.inner.budget.saturating_sub(Self::used_bytes(&slots, id))
        };
        match load::estimate(pool, def).await {
            Ok(estimate) if estimate > remaining => {
                tracing::warn!(
                    layer = id,
                    estimate,
                    remaining,
                    "layer over the tile memory budget; PostGIS cuts its tiles"
                );
                return self.settle(
                    id,
                    generation,
                    State::Skipped(format!("estimated {estimate} bytes, {remaining} left")),
                );
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(layer = id, error = %e, "cannot estimate a layer for in-memory tiles");
                return self.settle(id, generation, State::Skipped(format!("estimate failed: {e}")));
            }
        }
        let features = match load::layer(pool, def).await {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(layer = id, error = %e, "cannot load a layer for in-memory tiles");
                return self.settle(id, generation, State::Skipped(format!("load failed: {e}")));
            }
        };
        let mut store = LayerStore::new(def.geometry == GeometryType::Point, features);
        // Edits made while loading: apply them until none is left, then switch to memory.
        loop {
            let pending = {
                let mut slots = lock(&self.inner.slots);
                let Some(slot) = slots.get_mut(id).filter(|s| s.generation == generation) else { return };
                let State::Loading(pending) = &mut slot.state else { return };
                if pending.is_empty() {
                    let used = Self::used_bytes(&slots, id);
                    let bytes = store.bytes() as u64;
                    let state = if used + bytes > self.inner.budget {
                        tracing::warn!(
                            layer = id,
                            bytes,
                            used,
                            "layer over the tile memory budget once loaded; PostGIS cuts its tiles"
                        );
                        State::Skipped(format!(
                            "{bytes} bytes, {} left",
                            self.inner.budget.saturating_sub(used)
                        ))
                    } else {
                        tracing::info!(
                            layer = id,
                            features = store.len(),
                            bytes,
                            "layer loaded for in-memory tiles"
                        );
                        State::Loaded(Arc::new(RwLock::new(store)))
                    };
                    if let Some(s) = slots.get_mut(id) {
                        s.state = state;
                    }
                    return;
                }
                std::mem::take(pending)
            };
            let region = union(&pending);
            match load::region(pool, def, region).await {
                Ok(fresh) => store.replace_region(region, fresh),
                Err(e) => {
                    tracing::error!(layer = id, error = %e, "cannot apply edits to a loading layer");
                    return self.settle(id, generation, State::Skipped(format!("update failed: {e}")));
                }
            }
        }
    }

    /// Applies one batch of one layer's notifications to its store (the caller evicts after).
    pub(super) async fn apply(&self, layer: &str, boxes: &[[f64; 4]]) {
        let (def, store, generation) = {
            let slots = lock(&self.inner.slots);
            match slots.get(layer) {
                Some(Slot { def, state: State::Loaded(s), generation, .. }) => {
                    (Arc::clone(def), Arc::clone(s), *generation)
                }
                _ => return,
            }
        };
        let region = union(&boxes.iter().map(|b| region_of(*b)).collect::<Vec<_>>());
        match load::region(&self.inner.pool, &def, region).await {
            Ok(fresh) => {
                let bytes = {
                    let mut st = store.write().unwrap_or_else(|p| p.into_inner());
                    st.replace_region(region, fresh);
                    st.bytes() as u64
                };
                let over = {
                    let slots = lock(&self.inner.slots);
                    Self::used_bytes(&slots, layer) + bytes > self.inner.budget
                };
                if over {
                    tracing::warn!(
                        layer,
                        bytes,
                        "layer grew over the tile memory budget; PostGIS cuts its tiles"
                    );
                    self.settle(layer, generation, State::Skipped("grew over the budget".into()));
                }
            }
            Err(e) => {
                tracing::error!(layer, error = %e, "cannot apply edits to an in-memory layer; PostGIS cuts its tiles");
                self.settle(layer, generation, State::Skipped(format!("update failed: {e}")));
            }
        }
    }
}

/// The task applying notifications in order: a batch of queued ones is grouped by layer (boxes
/// unioned: one query per layer), applied, then its tiles are evicted.
pub(super) async fn apply_notifications(
    mem: MemoryTiles,
    mut rx: mpsc::UnboundedReceiver<(String, [f64; 4])>,
    evict: Evict,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(n) => batch.push(n),
                Err(_) => break,
            }
        }
        let mut per_layer: Vec<(String, Vec<[f64; 4]>)> = Vec::new();
        for (layer, bbox) in batch {
            match per_layer.iter_mut().find(|(l, _)| *l == layer) {
                Some((_, boxes)) => boxes.push(bbox),
                None => per_layer.push((layer, vec![bbox])),
            }
        }
        for (layer, boxes) in per_layer {
            mem.apply(&layer, &boxes).await;
            if boxes.len() <= 64 {
                for b in &boxes {
                    evict(&layer, *b);
                }
            } else {
                evict(&layer, union(&boxes));
            }
            mem.inner.applied.fetch_add(boxes.len() as u64, Relaxed);
        }
    }
}

/// A WGS84 box as Web Mercator metres, padded.
pub(super) fn region_of(bbox: [f64; 4]) -> [f64; 4] {
    let (x0, y0) = lonlat_to_3857(bbox[0], bbox[1]);
    let (x1, y1) = lonlat_to_3857(bbox[2], bbox[3]);
    [
        x0.min(x1) - REGION_PAD_M,
        y0.min(y1) - REGION_PAD_M,
        x0.max(x1) + REGION_PAD_M,
        y0.max(y1) + REGION_PAD_M,
    ]
}

/// The box around boxes.
pub(super) fn union(boxes: &[[f64; 4]]) -> [f64; 4] {
    boxes.iter().fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |a, b| {
        [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]
    })
}
