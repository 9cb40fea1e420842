//! The OpenAPI 3.0 document of `/ogc` (`/ogc/api`), written for the routes in `routes.rs`.

use serde_json::{Value, json};

fn param(name: &str, location: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": location, "required": location == "path", "description": description, "schema": schema})
}

/// The document, with `base` (`http://host/ogc`) as its server.
pub fn document(base: &str) -> Value {
    let id = param("collectionId", "path", "Layer id", json!({"type": "string"}));
    let fid = param("featureId", "path", "Feature id", json!({"type": "integer"}));
    let crs = param(
        "crs",
        "query",
        "CRS of the response geometries",
        json!({"type": "string", "enum": super::crs::uris()}),
    );
    let items_params = json!([
        id,
        param(
            "limit",
            "query",
            "Page size",
            json!({"type": "integer", "minimum": 1, "maximum": super::query::MAX_LIMIT, "default": super::query::DEFAULT_LIMIT})
        ),
        param(
            "bbox",
            "query",
            "Bounding box",
            json!({"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 6})
        ),
        param("bbox-crs", "query", "CRS of bbox", json!({"type": "string"})),
        crs.clone(),
        param("datetime", "query", "Instant or interval on the last change", json!({"type": "string"})),
        param("filter", "query", "CQL2 filter", json!({"type": "string"})),
        param(
            "filter-lang",
            "query",
            "cql2-text or cql2-json",
            json!({"type": "string", "enum": ["cql2-text", "cql2-json"]})
        ),
        param("filter-crs", "query", "CRS of geometries in the filter", json!({"type": "string"})),
        param("sortby", "query", "Properties to sort by, `-` for descending", json!({"type": "string"})),
        param("cursor", "query", "Position of the next page (from a `next` link)", json!({"type": "string"})),
    ]);
    let ok = |d: &str| json!({"description": d});
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Qala OGC API - Features", "version": env!("CARGO_PKG_VERSION")},
        "servers": [{"url": base}],
        "paths": {
            "/": {"get": {"operationId": "landing", "responses": {"200": ok("Landing page")}}},
            "/conformance": {"get": {"operationId": "conformance", "responses": {"200": ok("Conformance classes")}}},
            "/collections": {"get": {"operationId": "collections", "responses": {"200": ok("Collections")}}},
            "/collections/{collectionId}": {"get": {"operationId": "collection", "parameters": [id], "responses": {"200": ok("Collection"), "404": ok("Unknown")}}},
            "/collections/{collectionId}/queryables": {"get": {"operationId": "queryables", "parameters": [id], "responses": {"200": ok("JSON Schema")}}},
            "/collections/{collectionId}/items": {
                "get": {"operationId": "items", "parameters": items_params, "responses": {"200": ok("GeoJSON FeatureCollection"), "400": ok("Bad parameter")}},
                "post": {"operationId": "createItem", "parameters": [id], "requestBody": {"content": {"application/geo+json": {"schema": {"type": "object"}}}}, "responses": {"201": ok("Created"), "400": ok("Invalid"), "401": ok("Login required"), "403": ok("Read only")}},
                "options": {"operationId": "optionsItems", "parameters": [id], "responses": {"204": ok("Allow header")}}
            },
            "/collections/{collectionId}/items/{featureId}": {
                "get": {"operationId": "item", "parameters": [id, fid, crs, param("at", "query", "The feature as it was at this moment", json!({"type": "string", "format": "date-time"}))], "responses": {"200": ok("GeoJSON Feature with ETag"), "404": ok("Unknown")}},
                "put": {"operationId": "replaceItem", "parameters": [id, fid], "responses": {"200": ok("Replaced"), "412": ok("ETag mismatch"), "428": ok("If-Match missing")}},
                "patch": {"operationId": "updateItem", "parameters": [id, fid], "responses": {"200": ok("Updated (merge-patch)"), "412": ok("ETag mismatch"), "428": ok("If-Match missing")}},
                "delete": {"operationId": "deleteItem", "parameters": [id, fid], "responses": {"204": ok("Deleted"), "412": ok("ETag mismatch"), "428": ok("If-Match missing")}},
                "options": {"operationId": "optionsItem", "parameters": [id, fid], "responses": {"204": ok("Allow header")}}
            },
            "/collections/{collectionId}/items/{featureId}/history": {"get": {"operationId": "itemHistory", "parameters": [id, fid], "responses": {"200": ok("Versions, newest first")}}},
            "/collections/{collectionId}/items/{featureId}/restore": {"post": {"operationId": "restoreItem", "parameters": [id, fid], "responses": {"200": ok("Restored as a new version")}}},
        }
    })
}
