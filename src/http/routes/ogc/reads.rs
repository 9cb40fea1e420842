//! The read routes of OGC API - Features under `/ogc`: the landing page, conformance, the OpenAPI
//! document, collections, queryables, items (Part 1, Part 2 CRSs, Part 3 filters) and one item
//! (with `ETag` and `Last-Modified`; `?at=` reads an old state through `history.rs`).
//!
//! Every route takes the layer through the access policy first (`access.rs`): a layer the caller
//! may not read is a 404 like an unknown one, and its features are limited to the caller's scope.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::features::conditional::{self, GEOJSON};
use crate::features::crs::{self, CRS84, Crs};
use crate::features::query::ItemsQuery;
use crate::features::store;
use crate::http::PublicUrl;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::layers::catalog::{GeometryType, LayerDef};
use crate::policy::FeatureScope;
use crate::policy::{parse_fid, readable};

fn link(href: String, rel: &str, typ: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": typ, "title": title})
}

/// The landing page.
pub async fn landing(public: PublicUrl) -> Json<Value> {
    let b = format!("{}/ogc", public.0);
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

/// The conformance classes (see [`super::CONFORMANCE`]).
pub async fn conformance() -> Json<Value> {
    Json(json!({ "conformsTo": super::CONFORMANCE }))
}

/// The OpenAPI 3.0 description of `/ogc`, with the collections the caller may read.
pub async fn api(State(state): State<AppState>, caller: Caller, public: PublicUrl) -> Response {
    let b = format!("{}/ogc", public.0);
    let catalog = state.catalog();
    let layers: Vec<(&LayerDef, bool)> = catalog
        .readable_all(&caller)
        .map(|l| (l.as_ref(), crate::policy::layer_access(&caller, l) >= crate::policy::Access::Write))
        .collect();
    let doc = crate::features::openapi::document(&b, &layers);
    ([(header::CONTENT_TYPE, "application/vnd.oai.openapi+json;version=3.0")], Json(doc)).into_response()
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

/// The collections the caller may read.
pub async fn collections(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    public: PublicUrl,
) -> Json<Value> {
    let base = public.0;
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

/// One collection.
pub async fn collection(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    public: PublicUrl,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (layer, _, _) = readable(&state.catalog(), &caller, &id, lang)?;
    let extent = estimated_extent(&state, &layer.id).await;
    Ok(Json(collection_json(&layer, &public.0, lang, extent)))
}

/// JSON Schema of a layer's queryables (its attributes, typed, with labels).
pub async fn queryables(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    public: PublicUrl,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (layer, _, _) = readable(&state.catalog(), &caller, &id, lang)?;
    let mut props = Map::new();
    for a in &layer.attributes {
        props.insert(a.name.clone(), crate::features::schema::attribute_schema(a, lang));
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
        "$id": format!("{}/ogc/collections/{}/queryables", public.0, layer.id),
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

/// A page of features (keyset paging: the `next` link carries a cursor).
pub async fn items(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    public: PublicUrl,
    Path(id): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let (layer, _, scope) = readable(&state.catalog(), &caller, &id, lang)?;
    let q = ItemsQuery::parse(&pairs, &layer, true).map_err(|e| e.into_api(lang))?;
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
    let rows = crate::features::query::bind_all(query, &q.params.binds)
        .fetch_all(&state.pool)
        .await
        .map_err(|e| ApiError::from_query(lang, e))?;
    let more = rows.len() > q.limit;
    let shown = &rows[..rows.len().min(q.limit)];
    let base = format!("{}/ogc/collections/{}/items", public.0, layer.id);
    let mut links = vec![link(base.clone(), "self", GEOJSON, "This page")];
    if more && let Some((_, keys)) = shown.last() {
        links.push(link(format!("{base}?{}", q.next_query(keys)), "next", GEOJSON, "Next page"));
    }
    links.push(link(
        format!("{}/ogc/collections/{}", public.0, layer.id),
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
            "at" => at = Some(super::history::parse_at(v, lang)?),
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

/// One feature, with its `ETag` and `Last-Modified` (`If-None-Match` answers 304); `?at=` is the
/// feature as it was then.
pub async fn item(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    public: PublicUrl,
    headers: HeaderMap,
    Path((id, fid)): Path<(String, String)>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let (layer, _, scope) = readable(&state.catalog(), &caller, &id, lang)?;
    let fid = parse_fid(&fid, lang)?;
    let (crs, at) = item_params(&pairs, lang)?;
    let found = match at {
        Some(at) => store::as_of(&state.pool, &layer.id, fid, &scope, at, &crs).await,
        None => store::item(&state.pool, &layer.id, fid, &scope, &crs).await,
    }
    .map_err(|e| ApiError::from_query(lang, e))?;
    let stored = found.ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    let tag = conditional::etag(stored.version);
    let modified = conditional::last_modified(stored.modified);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag))
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, tag), (header::LAST_MODIFIED, modified)])
            .into_response());
    }
    let base = format!("{}/ogc/collections/{}", public.0, layer.id);
    let links = json!([
        link(format!("{base}/items/{fid}"), "self", GEOJSON, "This feature"),
        link(base.clone(), "collection", "application/json", "The collection"),
        link(format!("{base}/items/{fid}/history"), "version-history", "application/json", "History"),
    ]);
    // Splice the links into the feature's JSON text.
    let trimmed = stored.json.trim_end();
    let body = format!("{},\"links\":{links}}}", trimmed.strip_suffix('}').unwrap_or(trimmed));
    let (n, v) = content_crs(&crs);
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(GEOJSON)),
            (n, v),
            (header::ETAG, HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static(""))),
            (header::LAST_MODIFIED, HeaderValue::from_str(&modified).unwrap_or(HeaderValue::from_static(""))),
            cache_control(&layer, &scope),
        ],
        body,
    )
        .into_response())
}
