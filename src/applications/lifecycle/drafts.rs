//! Drafts: an applicant starts one with the service's form (nothing required yet), changes it
//! until it submits, and while it is returned for corrections changes only the fields and
//! documents the reviewer flagged. Files are recorded here once the caller stored them.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Ctx, LifecycleError, Result, actor_of, check_version, effects, load_for};
use crate::applications::service::ServiceDef;
use crate::applications::service::form::Filler;
use crate::applications::service::geometry::{GeometryKind, Site, check_site};
use crate::applications::service::values::{
    FieldError, FileRef, FormCheck, check_corrections, diff, validate_documents, validate_form,
};
use crate::applications::store::{self, ApplicationRow, NewDraft};
use crate::applications::workflow::engine::{ApplicationState, Status};
use crate::i18n::{Lang, Msg};
use crate::policy::Caller;
use crate::policy::applications::View;

/// A new draft as the applicant sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDraftInput {
    /// The service's id (`GET /api/services`).
    pub service: String,
    /// The form's values by field name, as far as they are filled.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub form: Map<String, Value>,
    /// The site as a GeoJSON geometry (WGS84 longitude, latitude).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<Value>,
    /// A site picked from the service's layer instead of drawn.
    #[serde(default)]
    pub site_feature: Option<SiteFeature>,
}

/// A feature picked as the site.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteFeature {
    /// The layer the service picks sites from.
    pub layer: String,
    /// The feature's id.
    #[schema(minimum = 1, maximum = 9007199254740991.0)]
    pub id: i64,
}

/// A change to a draft: the form replaced, the site replaced (`null` removes it).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftChange {
    /// The whole form, replacing the stored one.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub form: Option<Map<String, Value>>,
    /// The site as a GeoJSON geometry; `null` removes it.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<Option<Value>>,
    #[serde(default)]
    pub site_feature: Option<SiteFeature>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<serde_json::Value>>, D::Error> {
        Option::<serde_json::Value>::deserialize(d).map(Some)
    }
}

/// Checks a site given as GeoJSON or a picked feature against the rule (the parts PostGIS does
/// not do: type, parts, vertices, area, length); the GeoJSON to store.
pub async fn resolve_site(
    cx: &Ctx<'_>,
    caller: &Caller,
    service: &ServiceDef,
    geometry: Option<&Value>,
    picked: Option<&SiteFeature>,
) -> Result<Option<Value>> {
    use geozero::ToGeo;
    let rule = &service.geometry;
    let err = |m: Msg| LifecycleError::Invalid(vec![FieldError::new("geometry", m)]);
    let (site, json) = match (geometry, picked) {
        (Some(_), Some(_)) => return Err(err(Msg::GeometryWrongType)),
        (Some(Value::Null), None) | (None, None) => (Site::None, None),
        (Some(g), None) => {
            let text = g.to_string();
            if text.len() > 2 << 20 {
                return Err(err(Msg::GeometryTooComplex));
            }
            let geo = geozero::geojson::GeoJsonString(text)
                .to_geo()
                .map_err(|_| err(Msg::InvalidGeometryLiteral))?;
            (Site::Drawn(geo), Some(g.clone()))
        }
        (None, Some(f)) => {
            let layer = cx
                .catalog
                .get(&f.layer)
                .filter(|l| crate::policy::layer_access(caller, l) >= crate::policy::Access::Read);
            let json: Option<Value> = match layer {
                Some(l) if rule.kind == GeometryKind::LayerFeature => sqlx::query_scalar(
                    "SELECT ST_AsGeoJSON(geom, 7)::jsonb FROM features WHERE layer_id = $1 AND id = $2 AND deleted_at IS NULL",
                )
                .bind(&l.id)
                .bind(f.id)
                .fetch_optional(cx.pool)
                .await?,
                _ => None,
            };
            let Some(json) = json else { return Err(err(Msg::GeometryWrongType)) };
            (Site::Feature { layer: f.layer.clone(), id: f.id }, Some(json))
        }
    };
    // A draft may have no site yet: submission asks for it when the service requires one.
    if matches!(site, Site::None) {
        return Ok(None);
    }
    let errors = check_site(rule, &site, None);
    if !errors.is_empty() {
        return Err(LifecycleError::Invalid(errors));
    }
    Ok(json)
}

/// Starts a draft of `input.service` for the signed-in caller.
pub async fn create(cx: &Ctx<'_>, caller: &Caller, lang: Lang, input: NewDraftInput) -> Result<i64> {
    let actor = actor_of(caller)?;
    let service = cx.registry.service(&input.service).ok_or(LifecycleError::ServiceNotFound)?;
    let form =
        validate_form(&service.form, &input.form, &FormCheck::draft()).map_err(LifecycleError::Invalid)?;
    let geometry =
        resolve_site(cx, caller, &service, input.geometry.as_ref(), input.site_feature.as_ref()).await?;
    let state = ApplicationState::draft(&service, &actor.user);
    let mut tx = cx.pool.begin().await?;
    let id = store::insert_draft(
        &mut tx,
        &NewDraft {
            service_id: &service.id,
            service_version: service.version,
            applicant: &actor.user,
            lang: lang.tag(),
            org: &service.provider,
            form: &form,
            geometry: geometry.as_ref(),
            state: &state,
        },
    )
    .await?;
    effects::journal(
        &mut tx,
        &actor.user,
        id,
        "create",
        None,
        None,
        &serde_json::json!({"service": service.id, "version": service.version}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a draft (or a returned application's flagged fields), if it is still at `if_match`.
pub async fn change(
    cx: &Ctx<'_>,
    caller: &Caller,
    id: i64,
    if_match: i32,
    change: DraftChange,
) -> Result<()> {
    let actor = actor_of(caller)?;
    let mut tx = cx.pool.begin().await?;
    let loaded = load_for(cx, &mut tx, caller, id, true).await?;
    let (mut row, service) = (loaded.row, loaded.service);
    if loaded.view != View::Applicant {
        return Err(LifecycleError::Refused(crate::applications::workflow::engine::Refusal::forbidden()));
    }
    check_version(&row, if_match)?;
    let status = row.state.status;
    if status != Status::Draft && status != Status::Returned {
        return Err(LifecycleError::Refused(crate::applications::workflow::engine::Refusal::conflict(
            Msg::ActionNotAllowed,
        )));
    }
    let before = row.form.0.clone();
    if let Some(form) = &change.form {
        row.form.0 =
            validate_form(&service.form, form, &FormCheck::draft()).map_err(LifecycleError::Invalid)?;
        // The values the provider's staff filled are theirs: the applicant's form neither sends
        // nor loses them.
        for f in service
            .form
            .iter()
            .filter(|f| f.filled_by == crate::applications::service::form::Filler::Provider)
        {
            match before.get(&f.name) {
                Some(v) => row.form.0.insert(f.name.clone(), v.clone()),
                None => row.form.0.remove(&f.name),
            };
        }
    }
    let site_changed = change.geometry.is_some() || change.site_feature.is_some();
    if site_changed {
        let g = change.geometry.as_ref().map(|g| g.clone().unwrap_or(Value::Null));
        row.geometry = resolve_site(cx, caller, &service, g.as_ref(), change.site_feature.as_ref())
            .await?
            .map(sqlx::types::Json);
    }
    if status == Status::Returned {
        let flagged = row.state.returned.as_ref().map(|c| c.fields.clone()).unwrap_or_default();
        let mut errors = check_corrections(&diff(&before, &row.form.0), &flagged);
        if site_changed && !flagged.iter().any(|f| f == "geometry") {
            errors.push(FieldError::new("geometry", Msg::FieldNotEditable));
        }
        if !errors.is_empty() {
            return Err(LifecycleError::Invalid(errors));
        }
    }
    store::save(&mut tx, &row).await?;
    effects::journal(&mut tx, &actor.user, id, "change", None, None, &serde_json::json!({"fields": diff(&before, &row.form.0).iter().map(|c| c.field.clone()).collect::<Vec<_>>(), "site": site_changed})).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `file` may be added as document `doc` of application `id`, checked before the file is
/// written anywhere (nothing is stored).
pub async fn check_document(
    cx: &Ctx<'_>,
    caller: &Caller,
    id: i64,
    if_match: i32,
    doc: &str,
    file: &FileRef,
    replace: bool,
) -> Result<()> {
    put_document(cx, caller, id, if_match, NewFile { doc, file: file.clone(), replace }, false).await
}

/// Records a stored file as document `doc` of application `id`, after its files or, with
/// `replace`, instead of them. The applicant adds its documents to a draft (or, returned, the
/// flagged ones); the executor holding a stage adds the provider's.
pub async fn add_document(
    cx: &Ctx<'_>,
    caller: &Caller,
    id: i64,
    if_match: i32,
    doc: &str,
    file: FileRef,
    replace: bool,
) -> Result<()> {
    put_document(cx, caller, id, if_match, NewFile { doc, file, replace }, true).await
}

/// A file for a document: added to its files or replacing them.
struct NewFile<'a> {
    doc: &'a str,
    file: FileRef,
    replace: bool,
}

async fn put_document(
    cx: &Ctx<'_>,
    caller: &Caller,
    id: i64,
    if_match: i32,
    new: NewFile<'_>,
    commit: bool,
) -> Result<()> {
    let NewFile { doc, file, replace } = new;
    let actor = actor_of(caller)?;
    let mut tx = cx.pool.begin().await?;
    let loaded = load_for(cx, &mut tx, caller, id, true).await?;
    let (mut row, service) = (loaded.row, loaded.service);
    check_version(&row, if_match)?;
    let def = service.document(doc).ok_or_else(|| {
        LifecycleError::Invalid(vec![FieldError::new(format!("documents.{doc}"), Msg::DocumentUnknown)])
    })?;
    let allowed = match def.provided_by {
        Filler::Applicant => {
            loaded.view == View::Applicant
                && match row.state.status {
                    Status::Draft => true,
                    Status::Returned => {
                        row.state.returned.as_ref().is_some_and(|c| c.fields.iter().any(|f| f == doc))
                    }
                    _ => false,
                }
        }
        Filler::Provider => {
            loaded.view >= View::Staff
                && loaded.view != View::Applicant
                && row.state.tokens.iter().any(|t| t.executor.as_deref() == Some(actor.user.as_str()))
        }
    };
    if !allowed {
        return Err(LifecycleError::Refused(crate::applications::workflow::engine::Refusal::forbidden()));
    }
    let mut files: Vec<FileRef> =
        row.documents.0.get(doc).and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default();
    if replace {
        files.clear();
    }
    files.push(file.clone());
    let errors = validate_documents(
        &service.passport.documents,
        &BTreeMap::from([(doc.to_string(), files.clone())]),
        def.provided_by,
        false,
    );
    if !errors.is_empty() {
        return Err(LifecycleError::Invalid(errors));
    }
    if !commit {
        return Ok(());
    }
    row.documents.0.insert(doc.to_string(), serde_json::to_value(&files).unwrap_or_default());
    store::save(&mut tx, &row).await?;
    effects::journal(
        &mut tx,
        &actor.user,
        id,
        "add_document",
        None,
        None,
        &serde_json::json!({"document": doc, "file": file.id, "size": file.size, "replace": replace}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The row as loaded, for reads.
pub async fn read(
    cx: &Ctx<'_>,
    caller: &Caller,
    id: i64,
) -> Result<(ApplicationRow, std::sync::Arc<ServiceDef>, View)> {
    let mut conn = cx.pool.acquire().await?;
    let loaded = load_for(cx, &mut conn, caller, id, false).await?;
    Ok((loaded.row, loaded.service, loaded.view))
}
