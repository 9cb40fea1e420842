//! The OpenAPI 3.0 document of `/ogc` (`/ogc/api`), written for the routes of `routes.rs` and the
//! collections the caller may read: each collection has its own paths, so that its items'
//! property filters, its queryables for `sortby` and the schema of its features are declared.
//!
//! The document says what the server does: every query parameter a route accepts and no other
//! (routes that refuse unknown parameters refuse what is not listed), the request bodies and their
//! media types, the headers writes read (`If-Match`, `If-Unmodified-Since`, `Prefer`,
//! `Content-Crs`), and every status a route can answer: 401, 403 and 429 wherever credentials are
//! read (wrong ones, a blocked account or a CSRF failure, a locked account), 503 where the
//! database is asked, 408 beyond the server's time limits, and `If-Match` required where the
//! collection requires it (428 without). What JSON Schema cannot say (a valid polygon, a box with its lower corner
//! first, a CQL2 filter's grammar, a cursor from a `next` link) is answered 400 and listed.

use serde_json::{Map, Value, json};

use super::conditional::{ACCEPT_PATCH, ACCEPT_POST, GEOJSON};
use super::crs;
use super::limits::MAX_FILTER_BYTES;
use super::query::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::i18n::Lang;
use crate::layers::catalog::{AttrType, Dimensions, GeometryType, LayerDef};

fn param(name: &str, location: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": location, "required": location == "path", "description": description, "schema": schema})
}

/// A response that is an error body.
fn error(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The responses of a route: its successes and the errors `codes` it can answer.
fn responses(ok: &[(&str, Value)], codes: &[u16]) -> Value {
    let mut r = Map::new();
    for (code, v) in ok {
        r.insert((*code).to_string(), v.clone());
    }
    for c in codes {
        let d = match c {
            400 => "Bad request: a parameter, header or body the server cannot use (the message says which)",
            401 => "Login required, or wrong credentials",
            403 => "Not allowed (read-only access, a blocked account or a missing CSRF token)",
            404 => "No such collection or feature (or not visible to the caller)",
            408 => "The request took too long (sending its body, or being answered)",
            412 => "Precondition failed: the feature changed (current ETag and Last-Modified in the headers)",
            413 => "The body is too large",
            415 => "The body's media type is not accepted",
            414 => "The URI is too long (beyond 64 KiB)",
            428 => "This collection requires If-Match",
            429 => "The account is locked for a while (Retry-After)",
            503 => "The database is unavailable",
            _ => "Error",
        };
        r.insert(c.to_string(), error(d));
    }
    Value::Object(r)
}

/// Statuses of any route that reads credentials, and of any that asks the database (or takes
/// longer than the server's request timeout).
const AUTH: [u16; 5] = [401, 403, 408, 429, 503];

fn with(extra: &[u16]) -> Vec<u16> {
    let mut v: Vec<u16> = extra.iter().chain(AUTH.iter()).copied().collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn header(description: &str) -> Value {
    json!({"description": description, "schema": {"type": "string"}})
}

/// A year 1 to 9999, a month and a day that month has (29 February left out: the pattern does not
/// know leap years), as the server reads dates.
const DATE: &str = r"([1-9]\d{3}|0[1-9]\d{2}|00[1-9]\d|000[1-9])-((0[13578]|1[02])-(0[1-9]|[12]\d|3[01])|(0[469]|11)-(0[1-9]|[12]\d|30)|02-(0[1-9]|1\d|2[0-8]))";
/// A number as the server reads one in `bbox`.
const NUMBER: &str = r"-?\d{1,15}(\.\d{1,15})?";
const TIME: &str = r"T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)";

fn date_time_pattern() -> String {
    format!("^{DATE}{TIME}$")
}

fn datetime_pattern() -> String {
    let instant = format!("{DATE}({TIME})?");
    format!("^({instant}|({instant}|\\.\\.)?/({instant}|\\.\\.)?)$")
}

/// The JSON Schema of a GeoJSON geometry of a layer (coordinates in CRS84 unless `Content-Crs`).
fn geometry_schema(layer: &LayerDef) -> Value {
    let max = if layer.dimensions == Dimensions::Xyz { 3 } else { 2 };
    let position = json!({"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": max});
    let list = |inner: Value, min: usize| json!({"type": "array", "items": inner, "minItems": min});
    let (single, multi, coords_single, coords_multi) = match layer.geometry {
        GeometryType::Point => ("Point", "MultiPoint", position.clone(), list(position, 1)),
        GeometryType::Line => {
            ("LineString", "MultiLineString", list(position.clone(), 2), list(list(position, 2), 1))
        }
        GeometryType::Polygon => {
            let ring = list(position, 4);
            ("Polygon", "MultiPolygon", list(ring.clone(), 1), list(list(ring, 1), 1))
        }
    };
    let one = |t: &str, c: Value| {
        json!({"type": "object", "required": ["type", "coordinates"], "additionalProperties": false,
               "properties": {"type": {"type": "string", "enum": [t]}, "coordinates": c,
                              "bbox": {"type": "array", "items": {"type": "number"}}}})
    };
    json!({"oneOf": [one(single, coords_single), one(multi, coords_multi)]})
}

/// The JSON Schema of a feature of `layer` as a body: a whole feature, or a merge-patch of one.
fn feature_schema(layer: &LayerDef, patch: bool) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for a in &layer.attributes {
        let mut s = super::schema::attribute_schema(a, Lang::En);
        if a.kind == AttrType::String {
            s["pattern"] = json!("^[^\\u0000]*$");
        }
        if a.required {
            // A required attribute may not be removed by a patch (null) nor left blank.
            if !patch {
                required.push(a.name.clone());
            }
            if a.kind == AttrType::String {
                s["pattern"] = json!("^[^\\u0000]*\\S[^\\u0000]*$");
            }
        } else if patch {
            s["nullable"] = json!(true);
        }
        props.insert(a.name.clone(), s);
    }
    let mut properties = json!({"type": "object", "additionalProperties": false, "properties": props});
    if !required.is_empty() {
        properties["required"] = json!(required);
    }
    let mut s = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {},
            "geometry": geometry_schema(layer),
            "properties": properties,
            "links": {"type": "array", "items": {"type": "object"}},
            "bbox": {"type": "array", "items": {"type": "number"}},
        },
    });
    if !patch {
        s["required"] = json!(["geometry"]);
    }
    s
}

fn body(types: &[&str], schema: &Value) -> Value {
    let content: Map<String, Value> =
        types.iter().map(|t| ((*t).to_string(), json!({"schema": schema}))).collect();
    json!({"required": true, "content": content})
}

/// The query parameter of a property filter on `items` (equality on an attribute).
fn property_param(a: &crate::layers::catalog::AttributeDef) -> Value {
    let schema = match a.kind {
        AttrType::Integer => json!({"type": "integer"}),
        AttrType::Number => json!({"type": "number"}),
        AttrType::Boolean => json!({"type": "boolean"}),
        AttrType::Date => json!({"type": "string", "pattern": format!("^{DATE}$")}),
        AttrType::String | AttrType::Enum => json!({"type": "string", "pattern": "^[^\\u0000]*$"}),
    };
    param(&a.name, "query", &format!("Features whose `{}` equals this value", a.name), schema)
}

/// The paths of one collection; without the writes when the caller may only read it.
fn collection_paths(layer: &LayerDef, writable: bool, common: &Common, paths: &mut Map<String, Value>) {
    let id = &layer.id;
    let fid = param("featureId", "path", "Feature id", json!({"type": "integer"}));
    let sortable: Vec<String> =
        super::cql::queryable_names(layer).into_iter().filter(|n| n != "geometry").collect();
    let key = format!("[+-]?({})", sortable.join("|"));
    let mut items_params = vec![
        common.lang.clone(),
        common.f.clone(),
        param(
            "limit",
            "query",
            "Page size",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
        ),
        param(
            "bbox",
            "query",
            "Bounding box: lower corner, upper corner, comma-separated (4 numbers, or 6 with heights); the lower corner first",
            json!({"type": "string", "pattern": format!("^{NUMBER}(,{NUMBER}){{3}}((,{NUMBER}){{2}})?$")}),
        ),
        param("bbox-crs", "query", "CRS of bbox (needs bbox)", common.crs_enum.clone()),
        common.crs.clone(),
        param(
            "datetime",
            "query",
            "Instant or interval on the last change",
            json!({"type": "string", "pattern": datetime_pattern()}),
        ),
        param("filter", "query", "CQL2 filter", json!({"type": "string", "maxLength": MAX_FILTER_BYTES})),
        param(
            "filter-lang",
            "query",
            "cql2-text or cql2-json (needs filter)",
            json!({"type": "string", "enum": ["cql2-text", "cql2-json"]}),
        ),
        param(
            "filter-crs",
            "query",
            "CRS of geometries in the filter (needs filter)",
            common.filter_crs_enum.clone(),
        ),
        param(
            "sortby",
            "query",
            "Properties to sort by, `-` for descending",
            json!({"type": "string", "pattern": format!("^{key}(,{key})*$")}),
        ),
        param("cursor", "query", "Position of the next page (from a `next` link)", json!({"type": "string"})),
    ];
    items_params.extend(layer.attributes.iter().map(property_param));
    let collection = format!("/collections/{id}");
    paths.insert(
        collection.clone(),
        json!({"get": {
        "operationId": format!("{id}.collection"), "parameters": [common.lang],
        "responses": responses(&[("200", json!({"description": "The collection"}))], &with(&[404, 414]))}}),
    );
    paths.insert(format!("{collection}/queryables"), json!({"get": {
        "operationId": format!("{id}.queryables"), "parameters": [common.lang],
        "responses": responses(&[("200", json!({"description": "JSON Schema of the queryables", "content": {"application/schema+json": {"schema": {"type": "object"}}}}))], &with(&[404, 414]))}}));
    let feature = feature_schema(layer, false);
    let patch = feature_schema(layer, true);
    // A collection that requires If-Match answers 428 without it: the header is required there.
    let mut if_match = common.if_match.clone();
    if_match["required"] = json!(layer.editing.require_if_match);
    let write_headers = |with_if_match: bool| {
        let mut v = vec![common.content_crs.clone(), common.prefer.clone()];
        if with_if_match {
            v.extend([if_match.clone(), common.if_unmodified_since.clone()]);
        }
        v
    };
    let geojson = |d: &str| json!({"description": d, "content": {GEOJSON: {"schema": {"type": "object"}}}});
    let etag_headers =
        json!({"ETag": header("Version of the feature"), "Last-Modified": header("Last change")});
    let written = |d: &str| {
        json!({"description": d, "headers": etag_headers, "content": {
            "application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer"}, "version": {"type": "integer"}}}},
            GEOJSON: {"schema": {"type": "object"}}}})
    };
    paths.insert(format!("{collection}/items"), json!({
        "get": {"operationId": format!("{id}.items"), "parameters": items_params,
                "responses": responses(&[("200", geojson("GeoJSON FeatureCollection"))], &with(&[400, 404, 414]))},
        "post": {"operationId": format!("{id}.createItem"), "parameters": write_headers(false),
                 "requestBody": body(ACCEPT_POST, &feature),
                 "responses": responses(&[("201", json!({"description": "Created (Location, ETag); the body as Prefer asks", "headers": {"Location": header("The new feature"), "ETag": header("Its version")}, "content": {"application/json": {"schema": {"type": "object"}}, GEOJSON: {"schema": {"type": "object"}}}}))], &with(&[400, 404, 413, 415]))},
        "options": {"operationId": format!("{id}.optionsItems"),
                    "responses": responses(&[("200", json!({"description": "Allow and Accept-Post", "headers": {"Allow": header("Methods the caller may use"), "Accept-Post": header("Media types of a POST body")}}))], &with(&[404]))},
    }));
    let item_params = vec![
        fid.clone(),
        common.lang.clone(),
        common.f.clone(),
        common.crs.clone(),
        param(
            "at",
            "query",
            "The feature as it was at this moment",
            json!({"type": "string", "pattern": date_time_pattern()}),
        ),
        param("If-None-Match", "header", "ETag held by the caller", json!({"type": "string"})),
    ];
    let with_fid = |mut v: Vec<Value>| {
        v.insert(0, fid.clone());
        v
    };
    paths.insert(format!("{collection}/items/{{featureId}}"), json!({
        "get": {"operationId": format!("{id}.item"), "parameters": item_params,
                "responses": responses(&[("200", json!({"description": "GeoJSON Feature", "headers": etag_headers, "content": {GEOJSON: {"schema": {"type": "object"}}}})), ("304", json!({"description": "Not modified"}))], &with(&[400, 404, 414]))},
        "put": {"operationId": format!("{id}.replaceItem"), "parameters": with_fid(write_headers(true)),
                "requestBody": body(ACCEPT_POST, &feature),
                "responses": responses(&[("200", written("Replaced")), ("204", json!({"description": "Replaced (Prefer: return=minimal)"}))], &with(&[400, 404, 412, 413, 415, 428]))},
        "patch": {"operationId": format!("{id}.updateItem"), "parameters": with_fid(write_headers(true)),
                  "requestBody": body(ACCEPT_PATCH, &patch),
                  "responses": responses(&[("200", written("Updated (JSON merge-patch)")), ("204", json!({"description": "Updated (Prefer: return=minimal)"}))], &with(&[400, 404, 412, 413, 415, 428]))},
        "delete": {"operationId": format!("{id}.deleteItem"), "parameters": with_fid(vec![if_match.clone(), common.if_unmodified_since.clone()]),
                   "responses": responses(&[("204", json!({"description": "Deleted"}))], &with(&[404, 412, 428]))},
        "options": {"operationId": format!("{id}.optionsItem"), "parameters": [fid],
                    "responses": responses(&[("200", json!({"description": "Allow and Accept-Patch", "headers": {"Allow": header("Methods the caller may use"), "Accept-Patch": header("Media types of a PATCH body")}}))], &with(&[404]))},
    }));
    paths.insert(format!("{collection}/items/{{featureId}}/history"), json!({"get": {
        "operationId": format!("{id}.itemHistory"), "parameters": [fid, common.lang],
        "responses": responses(&[("200", json!({"description": "Versions, newest first"}))], &with(&[404, 414]))}}));
    let restore = json!({"type": "object", "required": ["version"], "additionalProperties": false,
                         "properties": {"version": {"type": "integer", "minimum": -2147483648_i64, "maximum": 2147483647}}});
    paths.insert(format!("{collection}/items/{{featureId}}/restore"), json!({"post": {
        "operationId": format!("{id}.restoreItem"), "parameters": [fid],
        "requestBody": body(&["application/json"], &restore),
        "responses": responses(&[("200", json!({"description": "Restored as a new version", "headers": {"ETag": header("The new version")}}))], &with(&[400, 404, 413]))}}));
    if !writable {
        let items = format!("{collection}/items");
        let item = format!("{collection}/items/{{featureId}}");
        for (path, methods) in [(items, &["post"][..]), (item, &["put", "patch", "delete"][..])] {
            if let Some(Value::Object(p)) = paths.get_mut(&path) {
                for m in methods {
                    p.remove(*m);
                }
            }
        }
        paths.remove(&format!("{collection}/items/{{featureId}}/restore"));
    }
}

/// Parameters and headers shared by the paths.
struct Common {
    lang: Value,
    f: Value,
    crs: Value,
    crs_enum: Value,
    filter_crs_enum: Value,
    content_crs: Value,
    prefer: Value,
    if_match: Value,
    if_unmodified_since: Value,
}

/// The document for the `layers` the caller may read, each with whether it may write it (the
/// writes of the others are left out, as their `OPTIONS` leave them out of `Allow`), with `base`
/// (`http://host/ogc`) as server.
pub fn document(base: &str, layers: &[(&LayerDef, bool)]) -> Value {
    let crs_enum = json!({"type": "string", "enum": crs::spellings(|_| true)});
    let mut content_crs: Vec<String> = crs::spellings(|_| true);
    content_crs.extend(crs::uris().iter().map(|u| format!("<{u}>")));
    let common = Common {
        lang: param(
            "lang",
            "query",
            "Language of messages and titles (kk, ru, en)",
            json!({"type": "string"}),
        ),
        f: param("f", "query", "Format", json!({"type": "string", "enum": ["json", "geojson"]})),
        crs: param("crs", "query", "CRS of the response geometries", crs_enum.clone()),
        filter_crs_enum: json!({"type": "string", "enum": crs::spellings(|c| !c.flip)}),
        crs_enum,
        content_crs: param(
            "Content-Crs",
            "header",
            "CRS of the body's coordinates (CRS84 without)",
            json!({"type": "string", "enum": content_crs}),
        ),
        prefer: param(
            "Prefer",
            "header",
            "return=minimal or return=representation (RFC 7240); Preference-Applied says which was honoured",
            json!({"type": "string", "enum": ["return=minimal", "return=representation"]}),
        ),
        if_match: param(
            "If-Match",
            "header",
            "The feature's ETag (required unless the collection says otherwise)",
            json!({"type": "string"}),
        ),
        if_unmodified_since: param(
            "If-Unmodified-Since",
            "header",
            "An HTTP-date: refused (412) when the feature changed after it",
            json!({"type": "string"}),
        ),
    };
    let ok = |d: &str| json!({"description": d});
    let mut paths = Map::new();
    paths.insert(
        "/".into(),
        json!({"get": {"operationId": "landing", "responses": {"200": ok("Landing page")}}}),
    );
    paths.insert(
        "/conformance".into(),
        json!({"get": {"operationId": "conformance", "responses": {"200": ok("Conformance classes")}}}),
    );
    paths.insert("/api".into(), json!({"get": {"operationId": "api", "responses": responses(&[("200", ok("This document"))], &AUTH)}}));
    paths.insert(
        "/collections".into(),
        json!({"get": {"operationId": "collections", "parameters": [common.lang],
        "responses": responses(&[("200", ok("The collections the caller may read"))], &with(&[414]))}}),
    );
    for (l, writable) in layers {
        collection_paths(l, *writable, &common, &mut paths);
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Qala OGC API - Features", "version": env!("CARGO_PKG_VERSION")},
        "servers": [{"url": base}],
        "paths": paths,
        "components": {"schemas": {"Error": {
            "type": "object", "required": ["error"],
            "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}}}}},
    })
}
