//! `GET /api/applications/{id}/document.pdf`: the output document of an approved or refused
//! application (the service's approval or refusal template filled, the overlay, a map of the site
//! at a true scale, the QR code of its record), for those who see the application whole (its
//! applicant, the staff who work it, administrators); anybody else, and any application not yet
//! decided, gets 404. `?lang=kk|ru` picks the language of a document that is not bilingual (the
//! applicant's by default). Rendering waits for a turn of the render gate (503 with `Retry-After`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::actions::parse_id;
use super::{api_error, ctx};
use crate::applications::document;
use crate::applications::lifecycle::drafts;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};

/// Parameters of the document.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DocumentQuery {
    /// `kk` or `ru`: the language of a document that is not bilingual (default: the applicant's).
    #[param(pattern = "^(kk|ru)$")]
    pub lang: Option<String>,
    /// `true`: the approval as it would be issued now, for the executor holding a stage to read
    /// before approving (code `PREVIEW`, not recorded, verifies nothing).
    pub preview: Option<bool>,
}

/// The output document of application `id`.
#[utoipa::path(get, path = "/api/applications/{id}/document.pdf", tag = "applications", operation_id = "application_document",
    params(("id" = i64, Path, minimum = 1, description = "Application id"), DocumentQuery),
    responses((status = 200, description = "The output document of an approved or refused application (PDF); headers Qala-Document (its record's code) and Qala-Sha256", content_type = "application/pdf"),
        (status = 400, description = "`lang` is neither kk nor ru", body = crate::error::ErrorBody),
        (status = 404, description = "No such application, one not yet decided (without `preview`), a preview asked by anyone but an executor holding a stage, or the caller is not its applicant, its staff or an administrator", body = crate::error::ErrorBody),
        (status = 503, description = "Busy rendering other documents (Retry-After), or the database is unavailable", body = crate::error::ErrorBody)))]
pub async fn pdf(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    q: Result<Query<DocumentQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, lang)?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(lang, e.body_text()))?;
    let asked = match q.lang.as_deref() {
        None => None,
        Some("kk") => Some(Lang::Kk),
        Some("ru") => Some(Lang::Ru),
        Some(other) => return Err(ApiError::bad_request(lang, format!("`lang` is kk or ru, not `{other}`"))),
    };
    let catalog = state.catalog();
    let cx = ctx(&state, &catalog);
    let (row, service, view) = drafts::read(&cx, &caller, id).await.map_err(|e| api_error(lang, e))?;
    let not_found = || ApiError::not_found(Msg::ApplicationNotFound, lang);
    let preview = q.preview.unwrap_or(false);
    let mut row = row;
    if preview {
        // Only staff holding a current stage, before the decision.
        let holds = row.state.0.tokens.iter().any(|t| t.executor.as_deref() == Some(caller.login()));
        if view == crate::policy::applications::View::Applicant || !view.personal() || !holds {
            return Err(not_found());
        }
        row.state.0.status = crate::applications::workflow::engine::Status::Approved;
    } else if !view.personal() || document::outcome(row.state.status).is_none() {
        return Err(not_found());
    }
    let decider = if preview { Some(caller.login().to_string()) } else { document::decider(&row) };
    let names = crate::applications::store::reference_names(
        &state.pool,
        &service.provider,
        &row.applicant,
        decider.as_deref(),
    )
    .await
    .map_err(|e| ApiError::from_query(lang, e))?;
    let langs = document::languages(&service, &row.lang, asked);
    let doc =
        document::build(&row, &service, &names, &state.apps.calendar(), &langs).ok_or_else(not_found)?;
    if preview {
        let pdf = crate::print::decision::render_preview(&state.print_context(), &caller, lang, &doc).await?;
        let mut res = (StatusCode::OK, pdf).into_response();
        let h = res.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
        h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"preview.pdf\""));
        return Ok(res);
    }
    let signed = doc.outcome == document::Outcome::Approval && !service.output.signatures.is_empty();
    if signed
        && let Some((code, pdf)) = crate::signatures::store::content_of_application(&state.pool, row.id)
            .await
            .map_err(|e| ApiError::database(lang, e))?
    {
        // A document its parties sign is one document: everybody gets the copy first issued.
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&pdf));
        let name = format!("inline; filename=\"{}-{}.pdf\"", doc.number, doc.outcome.tag());
        return Ok(pdf_response(pdf, &name, &code, &sha));
    }
    let issued = crate::print::decision::render(&state.print_context(), &caller, lang, &doc).await?;
    if signed {
        // The parties sign these bytes (HC-1); the first ones stored stay.
        let pool = &state.pool;
        let required = crate::signatures::store::required_parties(
            pool,
            &service.output.signatures,
            &row.applicant,
            &service.provider,
        )
        .await
        .map_err(|e| ApiError::database(lang, e))?;
        crate::signatures::store::store_content(pool, &issued.code, &issued.pdf, &required, Some(row.id))
            .await
            .map_err(|e| ApiError::database(lang, e))?;
    }
    let name = format!("inline; filename=\"{}-{}.pdf\"", doc.number, doc.outcome.tag());
    Ok(pdf_response(issued.pdf, &name, &issued.code, &issued.sha256))
}

/// An output document's response: the PDF, its file name, its record's code and SHA-256.
fn pdf_response(pdf: Vec<u8>, disposition: &str, code: &str, sha256: &str) -> Response {
    let mut res = (StatusCode::OK, pdf).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(v) = HeaderValue::from_str(disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    for (k, v) in [("qala-document", code), ("qala-sha256", sha256)] {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    }
    res
}
