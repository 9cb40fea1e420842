//! The routes of every domain: each file turns requests into calls of its domain's public
//! functions and their results into responses. The domains know nothing of these files.
//!
//! - [`auth`] (`/api/auth`), [`admin`] (`/api/admin`);
//! - [`layers`] (`/api/layers`), [`kato`] (`/api/kato`), [`search`] (`/api/search`);
//! - [`ogc`] (`/ogc`: OGC API - Features, reads, writes, history), [`attachments`], [`export`];
//! - [`tiles`] (vector tiles, TileJSON), [`terrain`] (terrain-RGB), [`styles`] (styles, fonts);
//! - [`print`] (maps to scale, passports), [`records`] (document records, `/verify`);
//! - [`web`] (the web map's files and configuration, the fallback);
//! - [`notify`] (`/api/admin/notifications`: the channels' health); [`inbox`]
//!   (`/api/me/notifications`: the user's in-app notifications);
//! - [`applications`] (`/api/services`, `/api/applications`, `/api/admin/calendar`);
//! - [`open311`] (`/open311/v2`: Open311 GeoReport v2 over the public services).

pub mod admin;
pub mod applications;
pub mod attachments;
pub mod auth;
// issue 15: EDS sign-in and signed documents
pub mod auth_eds;
// issue 15: SMS sign-in by IIN
pub mod auth_sms;
// issue 16: backups
pub mod backups;
pub mod export;
pub mod inbox;
// issue 16: security incidents
pub mod incidents;
pub mod kato;
pub mod layers;
// issue 16: maintenance windows
pub mod maintenance;
// issue 13: notify
pub mod notify;
pub mod ogc;
pub mod open311;
pub mod print;
// issue 17: rasters (orthophotos, surveys, hillshade)
pub mod rasters;
pub mod records;
// issue 16: the quarterly usage report
pub mod reports;
pub mod search;
pub mod signatures;
// issue 16: the operations page's figures
pub mod status;
pub mod styles;
pub mod terrain;
pub mod tiles;
pub mod web;
// issue 17: OGC WMS 1.3.0 and WMTS 1.0
pub mod wms;
pub mod wmts;
