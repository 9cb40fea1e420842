//! `/api/applications/{id}/objects`: vector objects the staff draw or upload on an application
//! (a detailed plan, a network), each readable as its access says, from
//! [`crate::applications::objects`]. Who reads and who writes is `policy::applications`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use serde_json::{Value, json};

use super::actions::parse_id;
use super::{api_error, ctx};
use crate::applications::lifecycle::drafts;
use crate::applications::objects::{self, FILE_TYPES, InputError, ObjectAccess, ObjectKind};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::policy::applications::{View, may_edit_objects, objects_readable};

/// Largest request body: a file of [`objects::MAX_FILE`] bytes.
pub const MAX_BODY: usize = objects::MAX_FILE;

fn invalid(lang: Lang, e: InputError) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.0, lang).with_detail(e.1)
}

/// Writes need a signed-in caller (401 before anything else is looked at).
fn signed_in(caller: &Caller, lang: Lang) -> Result<(), ApiError> {
    if caller.principal().is_none() { Err(ApiError::unauthorized(lang)) } else { Ok(()) }
}

/// The caller's view of application `id` (404 when it may not see it).
async fn view_of(state: &AppState, caller: &Caller, id: i64, lang: Lang) -> Result<View, ApiError> {
    let catalog = state.catalog();
    let cx = ctx(state, &catalog);
    let (_, _, view) = drafts::read(&cx, caller, id).await.map_err(|e| api_error(lang, e))?;
    Ok(view)
}

async fn editor_view(state: &AppState, caller: &Caller, id: i64, lang: Lang) -> Result<(), ApiError> {
    if may_edit_objects(view_of(state, caller, id, lang).await?) {
        Ok(())
    } else {
        Err(ApiError::forbidden(lang))
    }
}

/// The objects of an application the caller may see.
#[utoipa::path(get, path = "/api/applications/{id}/objects", tag = "applications", operation_id = "application_objects",
    params(("id" = i64, Path, minimum = 1, description = "Application id")),
    responses((status = 200, description = "A GeoJSON FeatureCollection: the objects the caller may see (staff all, the applicant those for it and the public, others the public ones), each with `kind`, `title`, `access`, `created_by` (staff only), `created_at`", body = Object),
        (status = 404, description = "No such application, or one the caller may not see", body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id, lang)?;
    let view = view_of(&state, &caller, id, lang).await?;
    let rows = objects::list(&state.pool, id, objects_readable(view))
        .await
        .map_err(|e| ApiError::from_query(lang, e))?;
    let features: Vec<Value> = rows
        .into_iter()
        .map(|o| {
            json!({"type": "Feature", "id": o.id, "geometry": o.geometry.0,
                "properties": {"kind": o.kind, "title": o.title, "access": o.access, "props": o.props.0,
                    "created_by": if view.personal() && view != View::Applicant { json!(o.created_by) } else { Value::Null },
                    "created_at": o.created_at}})
        })
        .collect();
    Ok(Json(json!({"type": "FeatureCollection", "features": features})))
}

/// Parameters of an upload.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AddQuery {
    /// What the objects are (default `plan`).
    pub kind: Option<ObjectKind>,
    /// Who may see them (default `staff`).
    pub access: Option<ObjectAccess>,
    /// A title, at most 200 characters.
    #[param(max_length = 200, pattern = r"^[^\u0000]*$")]
    pub title: Option<String>,
    /// The EPSG code of the coordinates when neither WGS84 nor named by the file (e.g. 32643
    /// for UTM 43N, 28413 for SK-42 zone 13).
    #[param(minimum = 1024, maximum = 999999)]
    pub crs: Option<i32>,
    /// The uploaded file's name (its extension picks the reader: dxf, kml, gpkg, geojson, json,
    /// zip, gml); not needed for a GeoJSON body.
    #[param(max_length = 200, pattern = r"^[^\u0000/\\]*$")]
    pub filename: Option<String>,
}

/// Adds objects: a GeoJSON body (`application/json` or `application/geo+json`), or a vector
/// file (`filename` names its type) read by GDAL.
#[utoipa::path(post, path = "/api/applications/{id}/objects", tag = "applications", operation_id = "add_application_objects",
    params(("id" = i64, Path, minimum = 1, description = "Application id"), AddQuery),
    request_body(content = Object, description = "GeoJSON (geometry, Feature or FeatureCollection), or the bytes of a DXF/KML/GPKG/GeoJSON/zipped-SHP file"),
    responses((status = 201, description = "`ids` of the objects added", body = Object),
        (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "Only the staff who work the application (and administrators) add objects", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody),
        (status = 422, description = "Not readable geometry, too many features, an unknown CRS, or coordinates off the earth", body = crate::error::ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    q: Result<Query<AddQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    signed_in(&caller, lang)?;
    let id = parse_id(&id, lang)?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(lang, e.body_text()))?;
    editor_view(&state, &caller, id, lang).await?;
    let body = body.map_err(|e| ApiError::rejection(lang, e))?;
    let ctype = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let json_body = ctype.starts_with("application/json") || ctype.starts_with("application/geo+json");
    let (geoms, file_srid) = if json_body {
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(lang, format!("not JSON: {e}")))?;
        (objects::from_geojson(&v).map_err(|e| invalid(lang, e))?, None)
    } else {
        let name = q.filename.as_deref().unwrap_or("");
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        if !FILE_TYPES.contains(&ext.as_str()) {
            return Err(invalid(lang, InputError(Msg::ObjectsUnreadable, FILE_TYPES.join(", "))));
        }
        let dir = tempfile::tempdir().map_err(|e| ApiError::internal(lang, e.to_string()))?;
        let path = dir.path().join(format!("upload.{ext}"));
        std::fs::write(&path, &body).map_err(|e| ApiError::internal(lang, e.to_string()))?;
        let read = tokio::task::spawn_blocking(move || {
            let r = objects::read_file(&path);
            drop(dir);
            r
        })
        .await
        .map_err(|e| ApiError::internal(lang, e.to_string()))?;
        let (g, srid) = read.map_err(|e| invalid(lang, e))?;
        (g, srid)
    };
    let srid = q.crs.or(file_srid).unwrap_or(4326);
    let new = objects::NewObjects {
        application: id,
        kind: q.kind.unwrap_or(ObjectKind::Plan),
        title: q.title.as_deref().unwrap_or(""),
        access: q.access.unwrap_or(ObjectAccess::Staff),
        by: caller.login(),
        srid,
    };
    let ids = objects::insert(&state.pool, &new, &geoms).await.map_err(|e| match &e {
        sqlx::Error::Database(d)
            if d.code().is_some_and(|c| c.starts_with("XX") || c == "22023" || c == "22000") =>
        {
            invalid(lang, InputError(Msg::ObjectsUnreadable, format!("EPSG:{srid}: {}", d.message())))
        }
        _ => ApiError::from_query(lang, e),
    })?;
    let ids = match ids {
        Ok(ids) => ids,
        Err(landed) => {
            return Err(invalid(
                lang,
                InputError(
                    Msg::ObjectsOffSite,
                    format!("{}/{}, EPSG:{srid}", geoms.len() - landed, geoms.len()),
                ),
            ));
        }
    };
    crate::auth::journal::record(
        &state.pool,
        "application.objects_added",
        Some(caller.login()),
        None,
        Some(&format!("application:{id}")),
        "ok",
        json!({"count": ids.len(), "kind": new.kind, "access": new.access, "srid": srid}),
    )
    .await;
    Ok((StatusCode::CREATED, Json(json!({ "ids": ids }))))
}

/// A change of an object's access.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    pub access: ObjectAccess,
}

/// Changes who may see an object.
#[utoipa::path(patch, path = "/api/applications/{id}/objects/{object}", tag = "applications", operation_id = "change_application_object",
    params(("id" = i64, Path, minimum = 1, description = "Application id"), ("object" = i64, Path, minimum = 1, description = "Object id")),
    request_body = ChangeBody,
    responses((status = 204, description = "Changed"), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path((id, object)): Path<(String, String)>,
    body: Result<Json<ChangeBody>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, ApiError> {
    signed_in(&caller, lang)?;
    let id = parse_id(&id, lang)?;
    let object = parse_id(&object, lang)?;
    editor_view(&state, &caller, id, lang).await?;
    let Json(b) = body.map_err(|e| ApiError::rejection(lang, e))?;
    if !objects::change_access(&state.pool, id, object, b.access)
        .await
        .map_err(|e| ApiError::from_query(lang, e))?
    {
        return Err(ApiError::not_found(Msg::NotFound, lang));
    }
    crate::auth::journal::record(
        &state.pool,
        "application.object_access",
        Some(caller.login()),
        None,
        Some(&format!("application:{id}")),
        "ok",
        json!({"object": object, "access": b.access}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes an object.
#[utoipa::path(delete, path = "/api/applications/{id}/objects/{object}", tag = "applications", operation_id = "remove_application_object",
    params(("id" = i64, Path, minimum = 1, description = "Application id"), ("object" = i64, Path, minimum = 1, description = "Object id")),
    responses((status = 204, description = "Removed"), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path((id, object)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    signed_in(&caller, lang)?;
    let id = parse_id(&id, lang)?;
    let object = parse_id(&object, lang)?;
    editor_view(&state, &caller, id, lang).await?;
    if !objects::remove(&state.pool, id, object).await.map_err(|e| ApiError::from_query(lang, e))? {
        return Err(ApiError::not_found(Msg::NotFound, lang));
    }
    crate::auth::journal::record(
        &state.pool,
        "application.object_removed",
        Some(caller.login()),
        None,
        Some(&format!("application:{id}")),
        "ok",
        json!({"object": object}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
