//! Submission: the applicant's form must be complete and valid, the required documents present,
//! the site valid, inside the city and within the service's limits; then the overlay report is
//! computed and stored, the application routed, numbered and given its feature on the map, and
//! the workflow started, all in one transaction. A refused submission stores nothing.

use serde_json::json;
use sqlx::PgConnection;

use super::{Ctx, LifecycleError, Loaded, Result, documents_present, effects, filled};
use crate::applications::overlay;
use crate::applications::service::ServiceDef;
use crate::applications::service::form::Filler;
use crate::applications::service::values::{
    FieldError, FileRef, FormCheck, validate_documents, validate_form,
};
use crate::applications::store;
use crate::applications::workflow::engine::{Action, Actor, Applied, Context, apply};
use crate::i18n::Msg;
use crate::layers::Catalog;

/// KATO code of the city of Almaty, whose boundary sites must lie in.
pub const CITY_KATO: &str = "750000000";

/// The site's checks PostGIS does: validity, and inside the city (when its boundary is loaded).
async fn check_site_in_db(conn: &mut PgConnection, id: i64, service: &ServiceDef) -> Result<()> {
    let (valid, inside): (Option<bool>, Option<bool>) = sqlx::query_as(
        "SELECT ST_IsValid(a.geom), (SELECT ST_Covers(b.geom, a.geom) FROM kato_boundaries b WHERE b.code = $2)
         FROM applications a WHERE a.id = $1",
    )
    .bind(id)
    .bind(CITY_KATO)
    .fetch_one(&mut *conn)
    .await?;
    let mut errors = Vec::new();
    if valid == Some(false) {
        errors.push(FieldError::new("geometry", Msg::InvalidGeometryLiteral).with_limit("self-intersection"));
    }
    if service.geometry.inside_almaty && inside == Some(false) {
        errors.push(FieldError::new("geometry", Msg::GeometryOutsideCity));
    }
    if inside.is_none() && valid.is_some() {
        tracing::warn!(
            "the city boundary (KATO {CITY_KATO}) is not loaded: sites are not checked against it"
        );
    }
    if errors.is_empty() { Ok(()) } else { Err(LifecycleError::Invalid(errors)) }
}

/// Submits the loaded draft (locked, version checked) as `actor`; the engine's result.
pub async fn submit(
    cx: &Ctx<'_>,
    conn: &mut PgConnection,
    catalog: &Catalog,
    loaded: &mut Loaded,
    actor: &Actor,
) -> Result<Applied> {
    let service = loaded.service.clone();
    let row = &mut loaded.row;
    let mut errors = match validate_form(&service.form, &row.form.0, &FormCheck::submission()) {
        Ok(clean) => {
            row.form.0 = clean;
            Vec::new()
        }
        Err(e) => e,
    };
    let docs: std::collections::BTreeMap<String, Vec<FileRef>> = row
        .documents
        .0
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), serde_json::from_value(v.clone()).ok()?)))
        .collect();
    errors.extend(validate_documents(&service.passport.documents, &docs, Filler::Applicant, true));
    if row.geometry.is_none() && service.geometry.is_required() {
        errors.push(FieldError::new("geometry", Msg::FieldRequired));
    }
    if !errors.is_empty() {
        return Err(LifecycleError::Invalid(errors));
    }
    if row.geometry.is_some() {
        check_site_in_db(conn, row.id, &service).await?;
    }
    let (report, route) = overlay::compute(conn, catalog, &service, row.id, row.geometry.is_some()).await?;
    row.district = report.district.as_ref().map(|d| d.code.clone());
    row.overlay = Some(sqlx::types::Json(json!(report)));
    let (filled, documents) = (filled(&row.form.0), documents_present(&row.documents.0));
    let cx_engine = Context { actor, at: cx.now, filled: &filled, documents: &documents, route };
    let applied =
        apply(&service, &row.state.0, &cx_engine, &Action::Submit).map_err(LifecycleError::Refused)?;
    row.state.0 = applied.state.clone();
    row.number = Some(store::next_number(conn, chrono::Datelike::year(&cx.now)).await?);
    effects::denormalise(cx, &service, row);
    Ok(applied)
}
