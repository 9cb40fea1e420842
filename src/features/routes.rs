//! OGC API - Features under `/ogc`: Part 1 (core, GeoJSON, OpenAPI), Part 2 (CRS), Part 3
//! (CQL2 filters, queryables) and Part 4 (create, replace, update, delete with ETags), plus
//! history and restore of an item.
//!
//! Every handler takes the layer through the access policy first: a layer the caller may not
//! read is a 404 like an unknown one, and its features are limited to the caller's scope.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::crs::{self, CRS84, Crs};
use super::query::ItemsQuery;
use super::store;
use crate::auth::policy::{self, Access, FeatureScope};
use crate::auth::{Caller, journal};
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::layers::catalog::{GeometryType, LayerDef};
use crate::tiles::routes::base_url;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ogc", get(landing))
        .route("/ogc/", get(landing))
        .route("/ogc/conformance", get(conformance))
        .route("/ogc/api", get(api))
        .route("/ogc/collections", get(collections))
        .route("/ogc/collections/{id}", get(collection))
        .route("/ogc/collections/{id}/queryables", get(queryables))
        .route("/ogc/collections/{id}/items", get(items).post(create).options(options_items))
        .route(
            "/ogc/collections/{id}/items/{fid}",
            get(item).put(write_item).patch(write_item).delete(write_item).options(options_item),
        )
        .route("/ogc/collections/{id}/items/{fid}/history", get(history))
        .route("/ogc/collections/{id}/items/{fid}/restore", post(restore))
}

/// The conformance classes Qala declares: each is exercised by `tests/features.rs`.
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
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
    "http://www.opengis.net/spec/ogcapi-common-5/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-common-5/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-common-5/1.0/conf/optimistic-locking-etags",
];

const GEOJSON: &str = "application/geo+json";

fn link(href: String, rel: &str, typ: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": typ, "title": title})
}

async fn landing(headers: HeaderMap) -> Json<Value> {
    let b = format!("{}/ogc", base_url(&headers));
    Json(json!({
        "title": "Qala",
        "description": "OGC API - Features of Qala, the GIS server of the city of Almaty",
        "links": [
            link(b.clone(), "self", "application/json", "This document"),
            link(format!("{b}/api"), "service-desc", "application/vnd.oai.openapi+json;version=3.0", "The API definition"),
            link(format!("{b}/conformance"), "conformance", "application/json", "Conformance classes"),
            link(format!("{b}/collections"), "data", "application/json", "Collections"),
        ]
    }))
}

async fn conformance() -> Json<Value> {
    Json(json!({ "conformsTo": CONFORMANCE }))
}

/// The OpenAPI 3.0 description of `/ogc`.
async fn api(headers: HeaderMap) -> Response {
    let b = format!("{}/ogc", base_url(&headers));
    let doc = super::openapi::document(&b);
    ([(header::CONTENT_TYPE, "application/vnd.oai.openapi+json;version=3.0")], Json(doc)).into_response()
}

/// The readable layer `id`, its access and the caller's feature scope; 404 when not readable.
pub fn readable(
    state: &AppState,
    caller: &Caller,
    id: &str,
    lang: Lang,
) -> Result<(Arc<LayerDef>, Access, FeatureScope), ApiError> {
    let catalog = state.catalog();
    let layer =
        catalog.readable(caller, id).cloned().ok_or_else(|| ApiError::not_found(Msg::LayerNotFound, lang))?;
    let access = policy::layer_access(caller, &layer);
    let scope = policy::feature_scope(caller, &layer);
    Ok((layer, access, scope))
}

/// A readable layer and one of its live features inside the caller's scope (404 otherwise, as for
/// a feature that does not exist): the layer, the caller's access and scope.
pub async fn visible_feature(
    state: &AppState,
    caller: &Caller,
    id: &str,
    fid: i64,
    lang: Lang,
) -> Result<(Arc<LayerDef>, Access, FeatureScope), ApiError> {
    let (layer, access, scope) = readable(state, caller, id, lang)?;
    let visible = store::is_visible(&state.pool, &layer.id, fid, &scope, false)
        .await
        .map_err(|e| ApiError::database(lang, e))?;
    if !visible {
        return Err(ApiError::not_found(Msg::NotFound, lang));
    }
    Ok((layer, access, scope))
}

fn collection_json(l: &LayerDef, base: &str, lang: Lang, extent: Option<[f64; 4]>) -> Value {
    let c = format!("{base}/ogc/collections/{}", l.id);
    let mut v = json!({
        "id": l.id,
        "title": l.title.get(lang),
        "description": l.metadata.description,
        "itemType": "feature",
        "crs": crs::uris(),
        "storageCrs": CRS84.uri,
        "links": [
            link(c.clone(), "self", "application/json", "This collection"),
            link(format!("{c}/items"), "items", GEOJSON, "Features"),
            link(format!("{c}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "Queryables"),
        ],
    });
    if let Some(e) = extent {
        v["extent"] = json!({"spatial": {"bbox": [e], "crs": CRS84.uri}});
    }
    v
}

/// The estimated extent of a layer from the planner's statistics (cheap), if it has any.
async fn estimated_extent(state: &AppState, layer: &str) -> Option<[f64; 4]> {
    type Corners = (Option<f64>, Option<f64>, Option<f64>, Option<f64>);
    let r: Result<Corners, _> = sqlx::query_as(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_EstimatedExtent('public', $1, 'geom') AS e) s",
    )
    .bind(format!("features_{layer}"))
    .fetch_one(&state.pool)
    .await;
    match r {
        Ok((Some(a), Some(b), Some(c), Some(d))) => Some([a, b, c, d]),
        _ => None,
    }
}

async fn collections(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Json<Value> {
    let base = base_url(&headers);
    let catalog = state.catalog();
    let mut list = Vec::new();
    for l in catalog.readable_all(&caller) {
        list.push(collection_json(l, &base, lang, estimated_extent(&state, &l.id).await));
    }
    Json(json!({
        "links": [link(format!("{base}/ogc/collections"), "self", "application/json", "Collections")],
        "collections": list,
    }))
}

async fn collection(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (layer, _, _) = readable(&state, &caller, &id, lang)?;
    let extent = estimated_extent(&state, &layer.id).await;
    Ok(Json(collection_json(&layer, &base_url(&headers), lang, extent)))
}

/// JSON Schema of a layer's queryables (its attributes, typed, with labels).
async fn queryables(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (layer, _, _) = readable(&state, &caller, &id, lang)?;
    let mut props = Map::new();
    for a in &layer.attributes {
        props.insert(a.name.clone(), super::schema::attribute_schema(a, lang));
    }
    props.insert("id".into(), json!({"title": "id", "type": "integer"}));
    props.insert("version".into(), json!({"title": "version", "type": "integer"}));
    props.insert("kato".into(), json!({"title": "KATO", "type": "string"}));
    props.insert("created_at".into(), json!({"type": "string", "format": "date-time"}));
    props.insert("updated_at".into(), json!({"type": "string", "format": "date-time"}));
    props.insert(
        "geometry".into(),
        json!({"format": format!("geometry-{}", geometry_schema_name(layer.geometry))}),
    );
    let doc = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{}/ogc/collections/{}/queryables", base_url(&headers), layer.id),
        "type": "object",
        "title": layer.title.get(lang),
        "properties": props,
        "additionalProperties": false,
    });
    Ok(([(header::CONTENT_TYPE, "application/schema+json")], Json(doc)).into_response())
}

fn geometry_schema_name(g: GeometryType) -> &'static str {
    match g {
        GeometryType::Point => "point-or-multipoint",
        GeometryType::Line => "linestring-or-multilinestring",
        GeometryType::Polygon => "polygon-or-multipolygon",
    }
}

fn content_crs(crs: &Crs) -> (header::HeaderName, HeaderValue) {
    (
        header::HeaderName::from_static("content-crs"),
        HeaderValue::from_str(&format!("<{}>", crs.uri)).unwrap_or(HeaderValue::from_static("")),
    )
}

async fn items(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let (layer, _, scope) = readable(&state, &caller, &id, lang)?;
    let q = ItemsQuery::parse(&pairs, &layer, true).map_err(|e| ApiError::bad_request(lang, e))?;
    let sql = format!(
        "SELECT json_build_object('type', 'Feature', 'id', f.id, 'geometry', ST_AsGeoJSON({geom}, {prec})::json,
                'properties', f.attrs)::text, ARRAY[{keys}]
         FROM \"features_{layer}\" f WHERE f.deleted_at IS NULL AND {scope}{where_} ORDER BY {order} LIMIT {limit}",
        geom = q.crs.from_wgs84_sql("f.geom"),
        prec = q.crs.precision(),
        keys = q.key_columns(),
        layer = layer.id,
        scope = scope.sql(1),
        where_ = q.where_sql(),
        order = q.order_by(),
        limit = q.limit + 1,
    );
    let query = sqlx::query_as::<_, (String, Vec<String>)>(&sql).bind(scope.param());
    let rows = super::query::bind_all(query, &q.params.binds)
        .fetch_all(&state.pool)
        .await
        .map_err(|e| ApiError::database(lang, e))?;
    let more = rows.len() > q.limit;
    let shown = &rows[..rows.len().min(q.limit)];
    let base = format!("{}/ogc/collections/{}/items", base_url(&headers), layer.id);
    let mut links = vec![link(base.clone(), "self", GEOJSON, "This page")];
    if more && let Some((_, keys)) = shown.last() {
        links.push(link(format!("{base}?{}", q.next_query(keys)), "next", GEOJSON, "Next page"));
    }
    links.push(link(
        format!("{}/ogc/collections/{}", base_url(&headers), layer.id),
        "collection",
        "application/json",
        "The collection",
    ));
    // The body is assembled as text: the features are already JSON from PostGIS.
    let mut body = String::with_capacity(64 + shown.iter().map(|r| r.0.len() + 1).sum::<usize>());
    body.push_str("{\"type\":\"FeatureCollection\",\"numberReturned\":");
    body.push_str(&shown.len().to_string());
    body.push_str(",\"timeStamp\":\"");
    body.push_str(&chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    body.push_str("\",\"links\":");
    body.push_str(&Value::Array(links).to_string());
    body.push_str(",\"features\":[");
    for (i, (f, _)) in shown.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(f);
    }
    body.push_str("]}");
    let (n, v) = content_crs(&q.crs);
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(GEOJSON)), (n, v), cache_control(&layer, &scope)],
        body,
    )
        .into_response())
}

/// Restricted data and per-scope rows are never stored by shared caches.
fn cache_control(layer: &LayerDef, scope: &FeatureScope) -> (header::HeaderName, HeaderValue) {
    let v = if layer.access.public && *scope == FeatureScope::All { "no-cache" } else { "private, no-store" };
    (header::CACHE_CONTROL, HeaderValue::from_static(v))
}

/// `?crs=` and `?at=` of a single item.
fn item_params(
    pairs: &[(String, String)],
    lang: Lang,
) -> Result<(Crs, Option<chrono::DateTime<chrono::Utc>>), ApiError> {
    let mut crs = CRS84;
    let mut at = None;
    for (k, v) in pairs {
        match k.as_str() {
            "crs" => {
                crs = Crs::from_uri(v)
                    .ok_or_else(|| ApiError::bad_request(lang, format!("crs: `{v}` is not supported")))?
            }
            "at" => {
                at = Some(
                    chrono::DateTime::parse_from_rfc3339(v)
                        .map_err(|_| {
                            ApiError::bad_request(lang, format!("at: `{v}` is not an RFC 3339 date-time"))
                        })?
                        .with_timezone(&chrono::Utc),
                )
            }
            "f" if v == "json" || v == "geojson" => {}
            "lang" => {}
            other => {
                return Err(ApiError::bad_request(
                    lang,
                    format!("`{other}` is not a parameter of this operation"),
                ));
            }
        }
    }
    Ok((crs, at))
}

fn etag(version: i32) -> String {
    format!("\"v{version}\"")
}

pub(crate) fn parse_fid(fid: &str, lang: Lang) -> Result<i64, ApiError> {
    fid.parse().map_err(|_| ApiError::not_found(Msg::NotFound, lang))
}

async fn item(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path((id, fid)): Path<(String, String)>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let (layer, _, scope) = readable(&state, &caller, &id, lang)?;
    let fid = parse_fid(&fid, lang)?;
    let (crs, at) = item_params(&pairs, lang)?;
    let found = match at {
        Some(at) => store::as_of(&state.pool, &layer.id, fid, &scope, at, &crs).await,
        None => store::item(&state.pool, &layer.id, fid, &scope, &crs).await,
    }
    .map_err(|e| ApiError::database(lang, e))?;
    let (feature, version) = found.ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    let tag = etag(version);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag))
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response());
    }
    let base = format!("{}/ogc/collections/{}", base_url(&headers), layer.id);
    let links = json!([
        link(format!("{base}/items/{fid}"), "self", GEOJSON, "This feature"),
        link(base.clone(), "collection", "application/json", "The collection"),
        link(format!("{base}/items/{fid}/history"), "version-history", "application/json", "History"),
    ]);
    // Splice the links into the feature's JSON text.
    let trimmed = feature.trim_end();
    let body = format!("{},\"links\":{links}}}", trimmed.strip_suffix('}').unwrap_or(trimmed));
    let (n, v) = content_crs(&crs);
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(GEOJSON)),
            (n, v),
            (header::ETAG, HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static(""))),
            cache_control(&layer, &scope),
        ],
        body,
    )
        .into_response())
}

fn allow(methods: &[&str]) -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&methods.join(", ")) {
        r.headers_mut().insert(header::ALLOW, v);
    }
    r
}

async fn options_items(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (_, access, _) = readable(&state, &caller, &id, lang)?;
    Ok(if access >= Access::Write {
        allow(&["GET", "HEAD", "OPTIONS", "POST"])
    } else {
        allow(&["GET", "HEAD", "OPTIONS"])
    })
}

async fn options_item(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path((id, _fid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (_, access, _) = readable(&state, &caller, &id, lang)?;
    Ok(if access >= Access::Write {
        allow(&["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"])
    } else {
        allow(&["GET", "HEAD", "OPTIONS"])
    })
}

/// The layer, if the caller may write it: 404 when it may not even read it, 401 for anonymous
/// callers and 403 for users who may only read (journalled).
async fn writable(
    state: &AppState,
    caller: &Caller,
    id: &str,
    method: &Method,
    lang: Lang,
) -> Result<(Arc<LayerDef>, FeatureScope), ApiError> {
    let target = format!("{method} /ogc/collections/{id}");
    let (layer, access, scope) = match readable(state, caller, id, lang) {
        Ok(r) => r,
        Err(e) => {
            journal_refusal(&state.pool, caller, &target, "layer not readable").await;
            return Err(e);
        }
    };
    if access < Access::Write {
        journal_refusal(&state.pool, caller, &target, "read only").await;
        return Err(write_refused(caller, lang));
    }
    Ok((layer, scope))
}

/// The answer to a write the policy refuses on a readable layer: 401 for anonymous callers (log
/// in first), 403 for users who may only read.
pub fn write_refused(caller: &Caller, lang: Lang) -> ApiError {
    if caller.principal().is_none() { ApiError::unauthorized(lang) } else { ApiError::forbidden(lang) }
}

/// Journals a refused write.
pub async fn journal_refusal(pool: &sqlx::PgPool, caller: &Caller, target: &str, reason: &str) {
    journal::record(
        pool,
        "refusal",
        Some(caller.login()),
        None,
        Some(target),
        "refused",
        json!({"reason": reason}),
    )
    .await;
}

/// A feature body checked against the layer: geometry (valid, right type, inside the extent, in
/// the `Content-Crs`) and attributes (schema). Returns WKB and attributes, or a 400 that lists
/// every problem with its field.
struct Checked {
    wkb: Option<Vec<u8>>,
    attrs: Value,
}

fn request_crs(headers: &HeaderMap, lang: Lang) -> Result<Crs, ApiError> {
    match headers.get("content-crs").and_then(|v| v.to_str().ok()) {
        None => Ok(CRS84),
        Some(v) => Crs::from_uri(v.trim().trim_start_matches('<').trim_end_matches('>'))
            .ok_or_else(|| ApiError::bad_request(lang, format!("Content-Crs `{v}` is not supported"))),
    }
}

fn parse_body(body: &Bytes, lang: Lang) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(ApiError::bad_request(lang, "the body must be a GeoJSON Feature (an object)")),
        Err(e) => Err(ApiError::bad_request(lang, format!("the body is not JSON: {e}"))),
    }
}

fn invalid(lang: Lang, problems: Vec<Value>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, Msg::InvalidFeature, lang)
        .with_detail(
            problems
                .iter()
                .map(|p| {
                    format!("{}: {}", p["field"].as_str().unwrap_or(""), p["reason"].as_str().unwrap_or(""))
                })
                .collect::<Vec<_>>()
                .join("; "),
        )
        .with_details(Value::Array(problems))
}

async fn check_geometry(
    state: &AppState,
    layer: &LayerDef,
    geometry: &Value,
    crs: &Crs,
    problems: &mut Vec<Value>,
) -> Result<Option<Vec<u8>>, ApiError> {
    let field = |reason: String| json!({"field": "geometry", "reason": reason});
    if !geometry.is_object() {
        problems.push(field("is missing (a GeoJSON geometry is required)".into()));
        return Ok(None);
    }
    let c = match store::check_geometry(&state.pool, &geometry.to_string(), crs, layer.allowed_extent()).await
    {
        Ok(c) => c,
        Err(sqlx::Error::Database(e)) => {
            problems.push(field(format!("is not a GeoJSON geometry: {}", e.message())));
            return Ok(None);
        }
        Err(e) => return Err(ApiError::database(Lang::En, e)),
    };
    let gtype = c.geom_type.unwrap_or_default();
    let wanted: &[&str] = match layer.geometry {
        GeometryType::Point => &["POINT", "MULTIPOINT"],
        GeometryType::Line => &["LINESTRING", "MULTILINESTRING"],
        GeometryType::Polygon => &["POLYGON", "MULTIPOLYGON"],
    };
    if !wanted.contains(&gtype.as_str()) {
        problems.push(field(format!("is a {gtype}; this layer holds {}", wanted.join(" or "))));
    } else if c.valid != Some(true) {
        problems.push(field(format!("is not valid: {}", c.reason.unwrap_or_default())));
    } else if c.inside != Some(true) {
        let e = layer.allowed_extent();
        problems
            .push(field(format!("lies outside the layer's extent [{}, {}, {}, {}]", e[0], e[1], e[2], e[3])));
    }
    Ok(c.wkb)
}

async fn check_feature(
    state: &AppState,
    layer: &LayerDef,
    body: &Map<String, Value>,
    crs: &Crs,
    geometry_required: bool,
    base_attrs: Option<&Map<String, Value>>,
    lang: Lang,
) -> Result<Checked, ApiError> {
    let mut problems = Vec::new();
    if let Some(t) = body.get("type")
        && t != "Feature"
    {
        problems.push(json!({"field": "type", "reason": "must be `Feature`"}));
    }
    for k in body.keys() {
        if !["type", "id", "geometry", "properties", "links", "bbox"].contains(&k.as_str()) {
            problems.push(json!({"field": k, "reason": "is not a member of a GeoJSON Feature"}));
        }
    }
    let wkb = match body.get("geometry") {
        Some(g) => check_geometry(state, layer, g, crs, &mut problems).await?,
        None if geometry_required => {
            problems
                .push(json!({"field": "geometry", "reason": "is missing (a GeoJSON geometry is required)"}));
            None
        }
        None => None,
    };
    let raw = match body.get("properties") {
        Some(Value::Object(p)) => p.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => {
            problems.push(json!({"field": "properties", "reason": "must be an object"}));
            Map::new()
        }
    };
    // Merge-patch (RFC 7396) on the stored attributes: null removes a member.
    let merged = match base_attrs {
        Some(base) => {
            let mut m = base.clone();
            for (k, v) in raw {
                if v.is_null() {
                    m.remove(&k);
                } else {
                    m.insert(k, v);
                }
            }
            m
        }
        None => raw,
    };
    let attrs = match crate::layers::schema::validate(layer, &merged) {
        Ok(a) => Value::Object(a),
        Err(errors) => {
            for e in errors {
                problems.push(json!({"field": format!("properties.{}", e.field), "reason": e.reason}));
            }
            Value::Null
        }
    };
    if problems.is_empty() { Ok(Checked { wkb, attrs }) } else { Err(invalid(lang, problems)) }
}

fn db(lang: Lang) -> impl Fn(sqlx::Error) -> ApiError {
    move |e| ApiError::database(lang, e)
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (layer, _) = writable(&state, &caller, &id, &Method::POST, lang).await?;
    let crs = request_crs(&headers, lang)?;
    let body = parse_body(&body, lang)?;
    let checked = check_feature(&state, &layer, &body, &crs, true, None, lang).await?;
    let mut tx = store::begin(&state.pool, &caller).await.map_err(db(lang))?;
    let wkb = checked.wkb.unwrap_or_default();
    let (fid, version) = store::insert(&mut tx, &layer.id, &wkb, &checked.attrs).await.map_err(db(lang))?;
    store::journal_edit(&mut tx, &caller, "create", &layer.id, fid, version).await.map_err(db(lang))?;
    tx.commit().await.map_err(db(lang))?;
    let location = format!("{}/ogc/collections/{}/items/{fid}", base_url(&headers), layer.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location), (header::ETAG, etag(version))],
        Json(json!({"id": fid, "version": version})),
    )
        .into_response())
}

/// The If-Match of a write: 428 when missing, 412 when it is not the current version.
fn check_if_match(headers: &HeaderMap, current: i32, lang: Lang) -> Result<(), ApiError> {
    let Some(v) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) else {
        return Err(ApiError::new(StatusCode::PRECONDITION_REQUIRED, Msg::PreconditionRequired, lang));
    };
    let tag = etag(current);
    if v.split(',').any(|t| t.trim() == tag || t.trim() == "*") {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::PRECONDITION_FAILED, Msg::PreconditionFailed, lang)
            .with_header(header::ETAG, tag))
    }
}

async fn write_existing(
    state: AppState,
    caller: Caller,
    lang: Lang,
    headers: HeaderMap,
    (id, fid): (String, String),
    body: Option<Bytes>,
    method: Method,
) -> Result<Response, ApiError> {
    let (layer, scope) = writable(&state, &caller, &id, &method, lang).await?;
    let fid = parse_fid(&fid, lang)?;
    let crs = request_crs(&headers, lang)?;
    let parsed = match &body {
        Some(b) => Some(parse_body(b, lang)?),
        None => None,
    };
    let mut tx = store::begin(&state.pool, &caller).await.map_err(db(lang))?;
    let current = store::lock_version(&mut tx, &layer.id, fid, &scope)
        .await
        .map_err(db(lang))?
        .ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    check_if_match(&headers, current, lang)?;
    let (op, version) = match (method.as_str(), parsed) {
        ("DELETE", _) => {
            store::delete(&mut tx, &layer.id, fid).await.map_err(db(lang))?;
            ("delete", current + 1)
        }
        ("PUT", Some(body)) => {
            let checked = check_feature(&state, &layer, &body, &crs, true, None, lang).await?;
            let v = store::update(&mut tx, &layer.id, fid, checked.wkb.as_deref(), &checked.attrs)
                .await
                .map_err(db(lang))?;
            ("replace", v)
        }
        (_, Some(body)) => {
            let stored = store::attrs(&mut tx, &layer.id, fid).await.map_err(db(lang))?;
            let base = stored.as_object().cloned().unwrap_or_default();
            let checked = check_feature(&state, &layer, &body, &crs, false, Some(&base), lang).await?;
            let v = store::update(&mut tx, &layer.id, fid, checked.wkb.as_deref(), &checked.attrs)
                .await
                .map_err(db(lang))?;
            ("update", v)
        }
        _ => return Err(ApiError::bad_request(lang, "a body is required")),
    };
    store::journal_edit(&mut tx, &caller, op, &layer.id, fid, version).await.map_err(db(lang))?;
    tx.commit().await.map_err(db(lang))?;
    if op == "delete" {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(([(header::ETAG, etag(version))], Json(json!({"id": fid, "version": version}))).into_response())
}

/// PUT (replace), PATCH (merge-patch) and DELETE of one item.
async fn write_item(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    method: Method,
    headers: HeaderMap,
    Path(target): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = (method != Method::DELETE).then_some(body);
    write_existing(state, caller, lang, headers, target, body, method).await
}

async fn history(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path((id, fid)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (layer, _, scope) = readable(&state, &caller, &id, lang)?;
    let fid = parse_fid(&fid, lang)?;
    let versions = store::history(&state.pool, &layer.id, fid, &scope).await.map_err(db(lang))?;
    if versions.is_empty() {
        return Err(ApiError::not_found(Msg::NotFound, lang));
    }
    Ok(Json(json!({"id": fid, "versions": versions})))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RestoreBody {
    version: i32,
}

/// Restores an old version of a feature as its newest version (also undoes a deletion).
async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path((id, fid)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (layer, scope) = writable(&state, &caller, &id, &Method::POST, lang).await?;
    let fid = parse_fid(&fid, lang)?;
    let body: RestoreBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(lang, format!("the body must be {{\"version\": n}}: {e}")))?;
    if !store::is_visible(&state.pool, &layer.id, fid, &scope, true).await.map_err(db(lang))? {
        return Err(ApiError::not_found(Msg::NotFound, lang));
    }
    let mut tx = store::begin(&state.pool, &caller).await.map_err(db(lang))?;
    let version =
        store::restore(&mut tx, &layer.id, fid, body.version).await.map_err(db(lang))?.ok_or_else(|| {
            ApiError::not_found(Msg::NotFound, lang)
                .with_detail(format!("version {} has no state to restore", body.version))
        })?;
    store::journal_edit(&mut tx, &caller, &format!("restore v{}", body.version), &layer.id, fid, version)
        .await
        .map_err(db(lang))?;
    tx.commit().await.map_err(db(lang))?;
    Ok(([(header::ETAG, etag(version))], Json(json!({"id": fid, "version": version}))).into_response())
}
