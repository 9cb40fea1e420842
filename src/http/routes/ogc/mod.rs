//! The `/ogc` router: which handler answers which path of OGC API - Features, Part 1 (core,
//! GeoJSON, OpenAPI), Part 2 (CRS), Part 3 (CQL2 filters, queryables) and Part 4 (create,
//! replace, update, delete with ETags and timestamps), plus history and restore; and the
//! conformance classes Qala declares.
//!
//! The handlers live by concern: `reads.rs` (landing, conformance, API, collections, items, item),
//! `writes.rs` (POST, PUT, PATCH, DELETE, OPTIONS), `history.rs` (history, `?at=`, restore). The
//! access helpers other modules use are re-exported here from `access.rs`.

use axum::Router;
use axum::routing::{get, post};

mod history;
mod reads;
mod writes;

use crate::http::AppState;

/// The routes of `/ogc`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ogc", get(reads::landing))
        .route("/ogc/", get(reads::landing))
        .route("/ogc/conformance", get(reads::conformance))
        .route("/ogc/api", get(reads::api))
        .route("/ogc/collections", get(reads::collections))
        .route("/ogc/collections/{id}", get(reads::collection))
        .route("/ogc/collections/{id}/queryables", get(reads::queryables))
        .route(
            "/ogc/collections/{id}/items",
            get(reads::items).post(writes::create).options(writes::options_items),
        )
        .route(
            "/ogc/collections/{id}/items/{fid}",
            get(reads::item)
                .put(writes::write_item)
                .patch(writes::write_item)
                .delete(writes::write_item)
                .options(writes::options_item),
        )
        .route("/ogc/collections/{id}/items/{fid}/history", get(history::history))
        .route("/ogc/collections/{id}/items/{fid}/restore", post(history::restore))
}

/// The conformance classes Qala declares; each is exercised by `tests/features.rs` or
/// `tests/features_hardening.rs` (`conformance_declares_what_is_tested` names the test of each).
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/property-property",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/sorting",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-timestamps",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
    "http://www.opengis.net/spec/ogcapi-common-5/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-common-5/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-common-5/1.0/conf/optimistic-locking-etags",
    "http://www.opengis.net/spec/ogcapi-common-5/1.0/conf/optimistic-locking-timestamps",
];
