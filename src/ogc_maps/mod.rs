//! OGC map services (issue 17); nothing here knows HTTP. Pure: WMS 1.3.0
//! requests (`kvp.rs`, `params.rs`), the CRSs and their axis order (`crs.rs`), exception reports
//! (`error.rs`), WMS capabilities (`wms_caps.rs`), WMTS 1.0 tile matrix sets, requests and
//! capabilities (`wmts.rs`, `wmts_caps.rs`), and the XML writer they share (`xml.rs`). The IO is
//! `store.rs` (extents, boxes per CRS, features at a point; SQL in `sql/`) and `draw.rs` (a map
//! image: features and rasters read, drawn by `crate::render`). The routes
//! are `http/routes/wms.rs` and `http/routes/wmts.rs`; they read layers through the one access
//! policy and draw through `crate::render`.

pub mod crs;
pub mod draw;
pub mod error;
pub mod info;
pub mod kvp;
pub mod params;
pub mod store;
pub mod wms_caps;
pub mod wmts;
pub mod wmts_caps;
pub mod xml;

pub use crs::{MAP_CRS, MapCrs, map_crs};
pub use error::{ExceptionCode, OgcError};
pub use kvp::Kvp;
pub use params::{InfoFormat, MapFormat};
