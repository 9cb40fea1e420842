//! OGC map services, the parts that know nothing of HTTP or the database (issue 17): WMS 1.3.0
//! requests (`kvp.rs`, `params.rs`), the CRSs and their axis order (`crs.rs`), exception reports
//! (`error.rs`), WMS capabilities (`wms_caps.rs`), WMTS 1.0 tile matrix sets, requests and
//! capabilities (`wmts.rs`, `wmts_caps.rs`), and the XML writer they share (`xml.rs`). The routes
//! are `http/routes/wms.rs` and `http/routes/wmts.rs`; they read layers through the one access
//! policy and draw through `crate::render`.

pub mod crs;
pub mod error;
pub mod kvp;
pub mod params;
pub mod wms_caps;
pub mod wmts;
pub mod wmts_caps;
pub mod xml;

pub use crs::{MAP_CRS, MapCrs, map_crs};
pub use error::{ExceptionCode, OgcError};
pub use kvp::Kvp;
pub use params::{InfoFormat, MapFormat};
