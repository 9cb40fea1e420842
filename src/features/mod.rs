//! Features one by one and in pages: OGC API - Features (`/ogc`), editing with history, attachments
//! and exports.
//!
//! - [`crs`]: the CRSs served and their axis order (pure);
//! - [`limits`]: bounds on a CQL2 filter checked before it is parsed (pure);
//! - [`cql`]: CQL2 to SQL with bound parameters (pure);
//! - [`cursor`]: the keyset cursor of pages, checked before SQL (pure);
//! - [`query`]: the items query (bbox, datetime, property filters, CQL2, sortby, keyset cursor) as
//!   one SQL selection (pure); shared by items and exports;
//! - [`schema`]: a layer's attributes as JSON Schema (queryables, forms);
//! - [`geojson`]: the shape and dimensions of a written geometry (pure);
//! - [`conditional`]: the HTTP rules of writes: media types, preconditions, `Prefer` (pure);
//! - [`store`]: the SQL of single features, writes, history and restore;
//! - [`edit`]: create, replace, update and delete, one connection at a time;
//! - [`access`]: the access policy as the feature routes apply it;
//! - [`routes`]: the `/ogc` router and conformance classes, over [`reads`], [`writes`] and
//!   [`history`]; [`openapi`]: their OpenAPI 3.0 document;
//! - [`attachments`]: files on features; [`export`]: CSV, XLSX, GeoJSON, GeoPackage.

pub mod attachments;
pub mod conditional;
pub mod cql;
pub mod crs;
pub mod cursor;
pub mod edit;
pub mod export;
pub mod geojson;
pub mod limits;
pub mod openapi;
pub mod query;
pub mod schema;
pub mod store;
