//! Vector tiles cut in process (issue 18): the features of the layers that fit a memory budget
//! are held in R-trees in Web Mercator ([`index`]), loaded in the background ([`load`]), kept
//! current by the `qala_features` change stream (each notification re-reads only the features in
//! its box, then the cached tiles there are evicted), and cut and encoded without PostGIS
//! ([`cut`], [`render`], [`encode`]), with the same feature scopes ([`scope`]). A layer still
//! loading, over the budget or with the budget off is cut by PostGIS as before: the fallback is
//! per layer. [`compare`] tells two encoded tiles apart (the equivalence checks).
//!
//! Order of an edit: notification → the store's region replaced → tiles evicted, so a tile
//! rendered between the two can only be rendered from the updated store.

pub mod check;
pub mod compare;
pub mod cut;
pub mod encode;
pub mod index;
pub mod load;
pub mod render;
pub mod scope;
mod update;
pub mod values;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, RwLock};

use sqlx::PgPool;
use tokio::sync::mpsc;
use update::{apply_notifications, region_of};

use crate::layers::catalog::{GeometryType, LayerDef};
use index::LayerStore;

/// How far a notified box is widened before the features in it are read again, metres (the
/// notified box is in WGS84 and rounded; 1 m covers the rounding).
const REGION_PAD_M: f64 = 1.0;

/// Notifications taken from the queue in one batch at most.
const BATCH: usize = 10_000;

/// Evicts the cached tiles of a layer touching a WGS84 box.
pub type Evict = Arc<dyn Fn(&str, [f64; 4]) + Send + Sync>;

/// A change notification: the layer and the WGS84 box it touched.
type Notification = (String, [f64; 4]);

/// A layer's store, shared between readers (tile requests) and the updater.
pub type SharedStore = Arc<RwLock<LayerStore>>;

/// What of a layer's definition its stored features depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DataKey {
    points: bool,
    latin: bool,
}

impl DataKey {
    fn of(l: &LayerDef) -> DataKey {
        DataKey { points: l.geometry == GeometryType::Point, latin: load::adds_latin(l) }
    }
}

#[derive(Debug)]
enum State {
    /// Being loaded; boxes (metres) changed meanwhile, applied before it is used.
    Loading(Vec<[f64; 4]>),
    Loaded(SharedStore),
    /// Served by PostGIS (over the budget, or failed to load), with the reason.
    Skipped(String),
}

#[derive(Debug)]
struct Slot {
    def: Arc<LayerDef>,
    key: DataKey,
    /// Bumped on every (re)load, so that a load overtaken by another one does not land.
    generation: u64,
    state: State,
}

/// The state of one layer, for the operations figures.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LayerFigures {
    pub layer: String,
    /// `loaded`, `loading` or `skipped: <reason>`.
    pub state: String,
    pub features: u64,
    pub bytes: u64,
}

/// The in-process tiles' figures at one moment (for `/metrics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct MemoryFigures {
    /// The budget in bytes (0: off).
    pub budget_bytes: u64,
    /// Estimated bytes held by the loaded layers.
    pub bytes: u64,
    pub layers_loaded: u64,
    pub features: u64,
    /// Layer tiles cut from memory and by PostGIS (one composite tile counts once per layer).
    pub layer_tiles_memory: u64,
    pub layer_tiles_sql: u64,
    /// Change notifications received and fully applied (store updated, tiles evicted).
    pub notifications_received: u64,
    pub notifications_applied: u64,
}

#[derive(Debug)]
struct Inner {
    pool: PgPool,
    budget: u64,
    slots: Mutex<HashMap<String, Slot>>,
    /// The catalog's layers, in order.
    catalog: Mutex<Vec<Arc<LayerDef>>>,
    armed: AtomicBool,
    queue: Mutex<Option<mpsc::UnboundedSender<Notification>>>,
    memory_tiles: AtomicU64,
    sql_tiles: AtomicU64,
    received: AtomicU64,
    applied: AtomicU64,
}

/// The in-memory stores of the layers within the budget.
#[derive(Debug, Clone)]
pub struct MemoryTiles {
    inner: Arc<Inner>,
}

impl MemoryTiles {
    /// Stores within `budget` bytes. Nothing is loaded before [`MemoryTiles::arm`] (the change
    /// stream must be listened to first, or the stores could miss edits).
    pub fn new(pool: PgPool, budget: u64) -> MemoryTiles {
        MemoryTiles {
            inner: Arc::new(Inner {
                pool,
                budget,
                slots: Mutex::default(),
                catalog: Mutex::default(),
                armed: AtomicBool::new(false),
                queue: Mutex::default(),
                memory_tiles: AtomicU64::new(0),
                sql_tiles: AtomicU64::new(0),
                received: AtomicU64::new(0),
                applied: AtomicU64::new(0),
            }),
        }
    }

    /// The budget in bytes.
    pub fn budget(&self) -> u64 {
        self.inner.budget
    }

    /// The layers of the catalog (at start and after every catalog change): layers whose data
    /// definition changed are loaded again, removed ones dropped.
    pub fn set_layers(&self, layers: Vec<Arc<LayerDef>>) {
        *lock(&self.inner.catalog) = layers;
        if self.inner.armed.load(Relaxed) {
            self.reconcile(false);
        }
    }

    /// Starts using the stores, once the change stream is listened to: loads the catalog's layers
    /// in the background and applies notifications ([`MemoryTiles::notify`]) with a task that
    /// calls `evict` after each store update.
    pub fn arm(&self, evict: Evict) {
        let (tx, rx) = mpsc::unbounded_channel();
        *lock(&self.inner.queue) = Some(tx);
        tokio::spawn(apply_notifications(self.clone(), rx, evict));
        self.inner.armed.store(true, Relaxed);
        self.reconcile(false);
    }

    /// Handles a change notification. Returns `true` when the store will apply it and evict the
    /// tiles afterwards; `false` when the caller must evict them now (layer not in memory).
    pub fn notify(&self, layer: &str, bbox: [f64; 4]) -> bool {
        self.inner.received.fetch_add(1, Relaxed);
        let mut slots = lock(&self.inner.slots);
        let handled = match slots.get_mut(layer).map(|s| &mut s.state) {
            Some(State::Loading(pending)) => {
                pending.push(region_of(bbox));
                false
            }
            Some(State::Loaded(_)) => {
                lock(&self.inner.queue).as_ref().is_some_and(|q| q.send((layer.to_string(), bbox)).is_ok())
            }
            _ => false,
        };
        drop(slots);
        if !handled {
            self.inner.applied.fetch_add(1, Relaxed);
        }
        handled
    }

    /// Whether a change notification was received and is not applied yet.
    pub fn changes_pending(&self) -> bool {
        self.inner.received.load(std::sync::atomic::Ordering::SeqCst)
            != self.inner.applied.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// After a gap in the change stream: every layer is loaded again (PostGIS serves it meanwhile).
    pub fn on_gap(&self) {
        if self.inner.armed.load(Relaxed) {
            self.reconcile(true);
        }
    }

    /// The store of `layer` when it is loaded for this definition.
    pub fn store(&self, layer: &LayerDef) -> Option<SharedStore> {
        let slots = lock(&self.inner.slots);
        let slot = slots.get(&layer.id)?;
        match &slot.state {
            State::Loaded(s) if slot.key == DataKey::of(layer) => Some(Arc::clone(s)),
            _ => None,
        }
    }

    /// Counts a layer tile cut from memory (`true`) or by PostGIS.
    pub fn count_tile(&self, memory: bool) {
        let c = if memory { &self.inner.memory_tiles } else { &self.inner.sql_tiles };
        c.fetch_add(1, Relaxed);
    }

    /// The figures now.
    pub fn figures(&self) -> MemoryFigures {
        let slots = lock(&self.inner.slots);
        let mut f = MemoryFigures { budget_bytes: self.inner.budget, ..Default::default() };
        for s in slots.values() {
            if let State::Loaded(store) = &s.state {
                let st = read(store);
                f.layers_loaded += 1;
                f.features += st.len() as u64;
                f.bytes += st.bytes() as u64;
            }
        }
        f.layer_tiles_memory = self.inner.memory_tiles.load(Relaxed);
        f.layer_tiles_sql = self.inner.sql_tiles.load(Relaxed);
        f.notifications_received = self.inner.received.load(Relaxed);
        f.notifications_applied = self.inner.applied.load(Relaxed);
        f
    }

    /// Each layer's state.
    pub fn layer_figures(&self) -> Vec<LayerFigures> {
        let slots = lock(&self.inner.slots);
        let mut out: Vec<LayerFigures> = slots
            .iter()
            .map(|(id, s)| {
                let (state, features, bytes) = match &s.state {
                    State::Loading(_) => ("loading".to_string(), 0, 0),
                    State::Skipped(why) => (format!("skipped: {why}"), 0, 0),
                    State::Loaded(store) => {
                        let st = read(store);
                        ("loaded".to_string(), st.len() as u64, st.bytes() as u64)
                    }
                };
                LayerFigures { layer: id.clone(), state, features, bytes }
            })
            .collect();
        out.sort_by(|a, b| a.layer.cmp(&b.layer));
        out
    }

    /// Brings the slots in line with the catalog (all of them again when `all`) and loads the
    /// layers that need it, in catalog order, in the background.
    fn reconcile(&self, all: bool) {
        let catalog = lock(&self.inner.catalog).clone();
        let mut todo = Vec::new();
        {
            let mut slots = lock(&self.inner.slots);
            slots.retain(|id, _| catalog.iter().any(|l| &l.id == id));
            for def in &catalog {
                let key = DataKey::of(def);
                let keep = !all && slots.get(&def.id).is_some_and(|s| s.key == key);
                if keep {
                    if let Some(s) = slots.get_mut(&def.id) {
                        s.def = Arc::clone(def);
                    }
                    continue;
                }
                let generation = slots.get(&def.id).map_or(0, |s| s.generation + 1);
                slots.insert(
                    def.id.clone(),
                    Slot { def: Arc::clone(def), key, generation, state: State::Loading(Vec::new()) },
                );
                todo.push((Arc::clone(def), generation));
            }
        }
        if todo.is_empty() {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            for (def, generation) in todo {
                this.load_layer(&def, generation).await;
            }
        });
    }

    /// The bytes of the loaded layers other than `except`.
    fn used_bytes(slots: &HashMap<String, Slot>, except: &str) -> u64 {
        slots
            .iter()
            .filter(|(id, _)| id.as_str() != except)
            .map(|(_, s)| match &s.state {
                State::Loaded(st) => read(st).bytes() as u64,
                _ => 0,
            })
            .sum()
    }

    /// Sets a slot's state if it is still at `generation`.
    fn settle(&self, layer: &str, generation: u64, state: State) {
        let mut slots = lock(&self.inner.slots);
        if let Some(s) = slots.get_mut(layer).filter(|s| s.generation == generation) {
            s.state = state;
        }
    }
}

/// Candidates above which a layer tile is cut on a blocking thread (low zooms), not inline.
const INLINE_CANDIDATES: usize = 2_000;

/// The MVT layer of `layer` at `coord` for `scope` cut from memory (empty bytes: no feature), or
/// `None` when the layer is not in memory (PostGIS cuts it). Counts which path was taken.
pub async fn cut_layer(
    mem: &MemoryTiles,
    layer: &Arc<LayerDef>,
    scope: &crate::policy::FeatureScope,
    coord: crate::tiles::coords::TileCoord,
) -> Option<Vec<u8>> {
    // While a change notification is received but not yet applied, the stores may lag behind
    // what was committed (an edit through the API, then its tile at once): PostGIS cuts the tile
    // meanwhile, so a tile is never older than the last commit the server has heard of.
    let store = if mem.changes_pending() { None } else { mem.store(layer) };
    let Some(store) = store else {
        mem.count_tile(false);
        return None;
    };
    let points = layer.geometry == GeometryType::Point;
    let found = render::candidates(&read(&store), points, coord);
    drop(store);
    mem.count_tile(true);
    let small = found.len() <= INLINE_CANDIDATES;
    let (layer, scope) = (Arc::clone(layer), scope.clone());
    let cut = move || {
        let hidden = layer.tile_attributes_hidden_at(coord.z);
        let spec = render::LayerTile { name: &layer.id, points, scope: &scope, hidden: &hidden };
        render::render_layer(&spec, coord, &found)
    };
    if small {
        return Some(cut());
    }
    tokio::task::spawn_blocking(cut).await.ok()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn read(s: &SharedStore) -> std::sync::RwLockReadGuard<'_, LayerStore> {
    s.read().unwrap_or_else(|p| p.into_inner())
}
