//! Features one by one and in pages: OGC API - Features (`/ogc`), editing with history, attachments
//! and exports.
//!
//! - [`crs`]: the CRSs served and their axis order (pure);
//! - [`cql`]: CQL2 to SQL with bound parameters (pure);
//! - [`query`]: the items query (bbox, datetime, property filters, CQL2, sortby, keyset cursor) as
//!   one SQL selection (pure); shared by items and exports;
//! - [`schema`]: a layer's attributes as JSON Schema (queryables, forms);
//! - [`store`]: the SQL of single features, writes, history and restore;
//! - [`routes`]: the `/ogc` routes; [`openapi`]: their OpenAPI 3.0 document;
//! - [`attachments`]: files on features; [`export`]: CSV, XLSX, GeoJSON, GeoPackage.

pub mod attachments;
pub mod cql;
pub mod crs;
pub mod export;
pub mod openapi;
pub mod query;
pub mod routes;
pub mod schema;
pub mod store;
