//! Writing features one at a time (OGC API - Features Part 4), without HTTP: create, replace
//! (PUT), update (PATCH, a JSON merge-patch) and delete.
//!
//! A body is checked before any transaction: its members, its geometry's shape and dimensions
//! (`geojson.rs`, pure), then its validity, CRS and extent by PostGIS on a pooled connection that
//! is released at once, and its attributes by the layer schema (`layers::schema::validate`, the
//! rule shared with ingest). Only then does one transaction lock the row, hold the write to its
//! preconditions, write, journal and (when asked) read the result back, all on its own
//! connection: a write never waits for a second connection while it holds one, so any number of
//! concurrent writes cannot starve the pool.
//!
//! Every problem of a body is reported at once, by field, in `error.details`.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use sqlx::PgPool;

use super::conditional::Validators;
use super::crs::{CRS84, Crs};
use super::geojson;
use super::store::{self, Stored};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::{Lang, Msg};
use crate::layers::catalog::LayerDef;
use crate::policy::FeatureScope;

/// A change to a stored feature: its new body (replace), a merge-patch (update) or its deletion.
#[derive(Debug, Clone)]
pub enum Change {
    Replace(Map<String, Value>),
    Update(Map<String, Value>),
    Delete,
}

/// A write done: the feature, its new version and, when asked, the feature as stored (CRS84).
#[derive(Debug, Clone)]
pub struct Written {
    pub fid: i64,
    pub version: i32,
    pub stored: Option<Stored>,
}

/// The 400 of a body with problems, each `{"field", "reason"}`.
pub fn invalid(lang: Lang, problems: Vec<Value>) -> ApiError {
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

fn problem(field: &str, reason: impl Into<String>) -> Value {
    json!({"field": field, "reason": reason.into()})
}

fn db(lang: Lang) -> impl Fn(sqlx::Error) -> ApiError {
    move |e| ApiError::from_query(lang, e)
}

/// Checks the members and the geometry of a body; returns the geometry as WKB (WGS84) when it
/// has one that fits. Runs on the pool before any transaction.
async fn check_body(
    pool: &PgPool,
    layer: &LayerDef,
    body: &Map<String, Value>,
    crs: &Crs,
    geometry_required: bool,
    problems: &mut Vec<Value>,
    lang: Lang,
) -> Result<Option<Vec<u8>>, ApiError> {
    if let Some(t) = body.get("type")
        && t != "Feature"
    {
        problems.push(problem("type", "must be `Feature`"));
    }
    for k in body.keys() {
        if !["type", "id", "geometry", "properties", "links", "bbox"].contains(&k.as_str()) {
            problems.push(problem(k, "is not a member of a GeoJSON Feature"));
        }
    }
    let geometry = match body.get("geometry") {
        None if !geometry_required => return Ok(None),
        None | Some(Value::Null) => {
            problems.push(problem("geometry", "is missing (a GeoJSON geometry is required)"));
            return Ok(None);
        }
        Some(g) => g,
    };
    if let Err(reason) = geojson::check(geometry, layer.geometry, layer.dimensions) {
        problems.push(problem("geometry", reason));
        return Ok(None);
    }
    let c = match store::check_geometry(pool, &geometry.to_string(), crs, layer.allowed_extent()).await {
        Ok(c) => c,
        Err(sqlx::Error::Database(e)) => {
            tracing::info!(cause = %e.message(), "geometry refused by PostGIS");
            problems.push(problem(
                "geometry",
                format!("cannot be read or transformed from {} to WGS84", crs.uri),
            ));
            return Ok(None);
        }
        Err(e) => return Err(ApiError::database(lang, e)),
    };
    let gtype = c.geom_type.unwrap_or_default();
    let wanted = geojson::wanted(layer.geometry);
    if !wanted.contains(&gtype.as_str()) {
        problems.push(problem("geometry", format!("is a {gtype}; this layer holds {}", wanted.join(" or "))));
    } else if c.valid != Some(true) {
        problems.push(problem("geometry", format!("is not valid: {}", c.reason.unwrap_or_default())));
    } else if c.inside != Some(true) {
        let e = layer.allowed_extent();
        problems.push(problem(
            "geometry",
            format!("lies outside the layer's extent [{}, {}, {}, {}]", e[0], e[1], e[2], e[3]),
        ));
    }
    Ok(c.wkb)
}

/// The `properties` member of a body (an object, or none).
fn properties(body: &Map<String, Value>, problems: &mut Vec<Value>) -> Map<String, Value> {
    match body.get("properties") {
        Some(Value::Object(p)) => p.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => {
            problems.push(problem("properties", "must be an object"));
            Map::new()
        }
    }
}

/// Attributes checked against the layer schema; problems are named `properties.<name>`. With
/// `only`, errors of attributes not among its keys are left out (a patch checked on its own).
fn attributes(
    layer: &LayerDef,
    raw: &Map<String, Value>,
    only: Option<&Map<String, Value>>,
    problems: &mut Vec<Value>,
) -> Value {
    match crate::layers::schema::validate(layer, raw) {
        Ok(a) => Value::Object(a),
        Err(errors) => {
            for e in errors.into_iter().filter(|e| only.is_none_or(|o| o.contains_key(&e.field))) {
                problems.push(problem(&format!("properties.{}", e.field), e.reason));
            }
            Value::Null
        }
    }
}

/// Creates a feature from a body in `crs`.
pub async fn create(
    pool: &PgPool,
    caller: &Caller,
    layer: &LayerDef,
    body: &Map<String, Value>,
    crs: &Crs,
    representation: bool,
    lang: Lang,
) -> Result<Written, ApiError> {
    let mut problems = Vec::new();
    let wkb = check_body(pool, layer, body, crs, true, &mut problems, lang).await?;
    let attrs = attributes(layer, &properties(body, &mut problems), None, &mut problems);
    if !problems.is_empty() {
        return Err(invalid(lang, problems));
    }
    let mut tx = store::begin(pool, caller).await.map_err(db(lang))?;
    let (fid, version) =
        store::insert(&mut tx, &layer.id, &wkb.unwrap_or_default(), &attrs).await.map_err(db(lang))?;
    store::journal_edit(&mut tx, caller, "create", &layer.id, fid, version).await.map_err(db(lang))?;
    let stored = if representation {
        store::item(&mut *tx, &layer.id, fid, &FeatureScope::All, &CRS84).await.map_err(db(lang))?
    } else {
        None
    };
    tx.commit().await.map_err(db(lang))?;
    Ok(Written { fid, version, stored })
}

/// Replaces, updates or deletes feature `fid` in the caller's `scope` (404 outside it), once
/// `preconditions` accept its current validators (the caller's `If-Match` and the like).
#[allow(clippy::too_many_arguments)]
pub async fn change(
    pool: &PgPool,
    caller: &Caller,
    layer: &LayerDef,
    scope: &FeatureScope,
    fid: i64,
    change: &Change,
    crs: &Crs,
    preconditions: impl FnOnce(Validators) -> Result<(), ApiError>,
    representation: bool,
    lang: Lang,
) -> Result<Written, ApiError> {
    // What the body says on its own is checked before the transaction.
    let mut problems = Vec::new();
    let (wkb, patch, replaced) = match change {
        Change::Replace(body) => {
            let wkb = check_body(pool, layer, body, crs, true, &mut problems, lang).await?;
            let attrs = attributes(layer, &properties(body, &mut problems), None, &mut problems);
            (wkb, None, Some(attrs))
        }
        Change::Update(body) => {
            let wkb = check_body(pool, layer, body, crs, false, &mut problems, lang).await?;
            let patch = properties(body, &mut problems);
            let present: Map<String, Value> =
                patch.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect();
            attributes(layer, &present, Some(&present), &mut problems);
            (wkb, Some(patch), None)
        }
        Change::Delete => (None, None, None),
    };
    if !problems.is_empty() {
        return Err(invalid(lang, problems));
    }
    let mut tx = store::begin(pool, caller).await.map_err(db(lang))?;
    let (version, modified) = store::lock_version(&mut tx, &layer.id, fid, scope)
        .await
        .map_err(db(lang))?
        .ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    preconditions(Validators { version, modified })?;
    let (op, version) = match (change, patch, replaced) {
        (Change::Delete, _, _) => {
            store::delete(&mut tx, &layer.id, fid).await.map_err(db(lang))?;
            ("delete", version + 1)
        }
        (_, Some(patch), _) => {
            // Merge-patch (RFC 7396) on the stored attributes: null removes a member.
            let stored = store::attrs(&mut tx, &layer.id, fid).await.map_err(db(lang))?;
            let mut merged = stored.as_object().cloned().unwrap_or_default();
            for (k, v) in patch {
                if v.is_null() {
                    merged.remove(&k);
                } else {
                    merged.insert(k, v);
                }
            }
            let attrs = attributes(layer, &merged, None, &mut problems);
            if !problems.is_empty() {
                return Err(invalid(lang, problems));
            }
            let v = store::update(&mut tx, &layer.id, fid, wkb.as_deref(), &attrs).await.map_err(db(lang))?;
            ("update", v)
        }
        (_, _, attrs) => {
            let attrs = attrs.unwrap_or(Value::Null);
            let v = store::update(&mut tx, &layer.id, fid, wkb.as_deref(), &attrs).await.map_err(db(lang))?;
            ("replace", v)
        }
    };
    store::journal_edit(&mut tx, caller, op, &layer.id, fid, version).await.map_err(db(lang))?;
    let stored = if representation && op != "delete" {
        store::item(&mut *tx, &layer.id, fid, &FeatureScope::All, &CRS84).await.map_err(db(lang))?
    } else {
        None
    };
    tx.commit().await.map_err(db(lang))?;
    Ok(Written { fid, version, stored })
}
