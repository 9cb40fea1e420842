//! Qala: a GIS tile and geodata server for city governments.
//!
//! See `ARCHITECTURE.md` for the bird's-eye view. Domain modules own their routes, model and SQL:
//! [`layers`] (catalog, feature storage, ingest, KATO, demo data), [`applications`] (services,
//! workflow, working-day calendar); shared modules: [`db`], [`http`],
//! [`config`], [`error`], [`i18n`], [`auth`] (the access policy).

pub mod adapters;
pub mod applications;
pub mod auth;
pub mod backup;
pub mod config;
pub mod db;
pub mod eds;
pub mod error;
pub mod features;
pub mod http;
pub mod i18n;
pub mod layers;
// issue 16: maintenance windows
pub mod maintenance;
// issue 16: metrics, health and readiness
pub mod metrics;
pub mod notify;
// issue 17: OGC WMS 1.3.0 and WMTS 1.0 (pure parts)
pub mod ogc_maps;
pub mod policy;
pub mod print;
// issue 17: GeoTIFF rasters and hillshade
pub mod rasters;
// issue 17: map images (the print renderer onto pixels) and their encodings
pub mod render;
// issue 16: security monitoring and the quarterly usage report
pub mod reports;
pub mod security;
pub mod signatures;
pub mod tiles;
pub mod web;
