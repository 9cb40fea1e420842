//! Layers: the catalog of layer files, feature storage, GDAL ingest, KATO and the demo data.
//!
//! - [`catalog`]: layer files parsed and validated (pure);
//! - [`schema`]: attribute validation against a layer's schema (pure);
//! - [`sync`]: the catalog written into the database;
//! - [`store`]: bulk loading of features (staging, repair, KATO, history) shared by ingest and demo;
//! - [`ingest`]: reading files with GDAL; [`kato`]: the classifier; [`demo_data`]: Almaty demo layers;
//! - [`routes`]: the `/api/layers` routes; [`search`]: `/api/search` (addresses, names, KATO).

pub mod catalog;
pub mod demo;
pub mod demo_data;
pub mod facts;
pub mod fresh_load;
pub mod ingest;
pub mod kato;
pub mod row_check;
pub mod schema;
pub mod search;
pub mod store;
pub mod sync;

use std::collections::BTreeMap;
use std::sync::Arc;

use catalog::LayerDef;

use crate::policy::{self, Access, Caller};

/// The layers known to this server, by id.
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    layers: BTreeMap<String, Arc<LayerDef>>,
}

impl Catalog {
    pub fn new(layers: Vec<LayerDef>) -> Catalog {
        Catalog { layers: layers.into_iter().map(|l| (l.id.clone(), Arc::new(l))).collect() }
    }

    pub fn get(&self, id: &str) -> Option<&Arc<LayerDef>> {
        self.layers.get(id)
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<LayerDef>> {
        self.layers.values()
    }

    /// The layer, if `caller` may read it. A refused layer is indistinguishable from a missing one.
    pub fn readable(&self, caller: &Caller, id: &str) -> Option<&Arc<LayerDef>> {
        self.get(id).filter(|l| policy::layer_access(caller, l) >= Access::Read)
    }

    /// Every layer `caller` may read, in id order.
    pub fn readable_all<'a>(&'a self, caller: &'a Caller) -> impl Iterator<Item = &'a Arc<LayerDef>> + 'a {
        self.all().filter(move |l| policy::layer_access(caller, l) >= Access::Read)
    }
}
