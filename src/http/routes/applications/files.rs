//! `PUT /api/applications/{id}/documents/{doc}?name=plan.pdf`: one file of a passport document,
//! the raw body (at most the service's `max_mb`, and never more than `MAX_FILE_MB`), stored
//! content-addressed beside the attachments; `GET /api/applications/{id}/files/{sha}` returns it
//! to those who may see the application's personal data.

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::actions::parse_id;
use super::{api_error, ctx, if_match};
use crate::applications::lifecycle::drafts;
use crate::applications::service::values::FileRef;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::features::attachments::{sanitize_name, sniff, stored_path};
use crate::http::{AppState, ReqLang};
use crate::i18n::Msg;

/// Largest body the upload route reads, bytes.
pub const MAX_BODY: usize = (crate::applications::service::form::MAX_FILE_MB as usize) << 20;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name (its extension must be one the document takes).
    pub name: String,
    /// `true`: the file replaces the document's files (a document returned for corrections is
    /// sent anew); otherwise it is added to them.
    pub replace: Option<bool>,
    /// Language of the answer's texts (`kk`, `ru`, `en`).
    #[allow(dead_code)]
    pub lang: Option<String>,
}

/// Stores the body and records it as a file of document `doc`.
#[utoipa::path(put, path = "/api/applications/{id}/documents/{doc}", tag = "applications", operation_id = "upload_application_file",
    params(("id" = i64, Path, minimum = 1, description = "Application id"),
        ("doc" = String, Path, description = "A document of the service's passport, e.g. `title_deed`"), UploadQuery,
        ("If-Match" = String, Header, pattern = r#"^(W/)?"v[0-9]{1,9}"$"#, description = "`\"v<version>\"`: the `ETag` of the card the file is added to")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The file's bytes, whatever its type (read from the bytes): at most the document's `max_mb`"),
    responses((status = 201, description = "The card with the file added", body = Object, headers(("ETag" = String, description = "`\"v<version>\"`"))),
        (status = 400, description = "No `name`, or the file is empty", body = crate::error::ErrorBody),
        (status = 401, description = "Only a signed-in caller", body = crate::error::ErrorBody),
        (status = 403, description = "The applicant adds its documents to a draft (or, returned, the flagged ones), the executor holding a stage the provider's", body = crate::error::ErrorBody),
        (status = 404, description = "No such application, or the caller may not see it", body = crate::error::ErrorBody),
        (status = 412, description = "`If-Match` is not the stored version (the current `ETag` is sent), or not a version at all", body = crate::error::ErrorBody),
        (status = 413, description = "The file is larger than any document takes", body = crate::error::ErrorBody),
        (status = 422, description = "No such document, or the file breaks its rules (a format the document takes, by its extension and its bytes; its size; the number of files): `details` names the document", body = crate::error::ErrorBody),
        (status = 428, description = "`If-Match` is missing", body = crate::error::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path((id, doc)): Path<(String, String)>,
    q: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    if caller.principal().is_none() {
        return Err(ApiError::unauthorized(lang));
    }
    let id = parse_id(&id, lang)?;
    let version = if_match(&headers, lang)?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(lang, e.body_text()))?;
    let body = body.map_err(|e| ApiError::rejection(lang, e))?;
    if body.is_empty() {
        return Err(ApiError::bad_request(lang, "the file is empty"));
    }
    let sha = hex::encode(Sha256::digest(&body));
    let file = FileRef {
        id: sha.clone(),
        name: sanitize_name(&q.name),
        size: body.len() as u64,
        media_type: Some(sniff(&body[..body.len().min(8192)])),
    };
    // Checked (document, rights, format, size, count) before anything is written to disk.
    let catalog = state.catalog();
    let cx = ctx(&state, &catalog);
    let path = stored_path(&state.settings.attachments_dir, &sha);
    let store = async {
        if !path.exists() {
            let dir = path.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
            tokio::fs::create_dir_all(&dir).await?;
            let tmp = dir.join(format!(".{sha}.tmp"));
            tokio::fs::write(&tmp, &body).await?;
            tokio::fs::rename(&tmp, &path).await?;
        }
        Ok::<_, std::io::Error>(())
    };
    drafts::check_document(&cx, &caller, id, version, &doc, &file, q.replace.unwrap_or(false))
        .await
        .map_err(|e| api_error(lang, e))?;
    store.await.map_err(|e| ApiError::internal(lang, e))?;
    drafts::add_document(&cx, &caller, id, version, &doc, file, q.replace.unwrap_or(false))
        .await
        .map_err(|e| api_error(lang, e))?;
    let mut r = super::read::card_response(&state, &caller, id, lang).await?;
    *r.status_mut() = StatusCode::CREATED;
    Ok(r)
}

/// A stored file of the application, for those who see its personal data.
#[utoipa::path(get, path = "/api/applications/{id}/files/{sha}", tag = "applications", operation_id = "get_application_file",
    params(("id" = i64, Path, minimum = 1, description = "Application id"),
        ("sha" = String, Path, description = "The file's SHA-256 (its `id` in the card's documents), 64 hexadecimal digits")),
    responses((status = 200, description = "The file as an attachment, with the media type read from its bytes when it was stored", content_type = "application/octet-stream",
            headers(("Content-Disposition" = String, description = "`attachment` with the file's name"))),
        (status = 404, description = "No such application or file, or the caller may not see the application's personal data", body = crate::error::ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path((id, sha)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, lang)?;
    let catalog = state.catalog();
    let cx = ctx(&state, &catalog);
    let (row, _, view) = drafts::read(&cx, &caller, id).await.map_err(|e| api_error(lang, e))?;
    let not_found = || ApiError::not_found(Msg::NotFound, lang);
    if !view.personal() || sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_found());
    }
    let file: FileRef = row
        .documents
        .0
        .values()
        .filter_map(|v| serde_json::from_value::<Vec<FileRef>>(v.clone()).ok())
        .flatten()
        .find(|f| f.id == sha)
        .ok_or_else(not_found)?;
    let bytes =
        tokio::fs::read(stored_path(&state.settings.attachments_dir, &sha)).await.map_err(|_| not_found())?;
    let mut r = Body::from(bytes).into_response();
    let h = r.headers_mut();
    let media = file.media_type.unwrap_or_else(|| "application/octet-stream".into());
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&media).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let disposition =
        format!("attachment; filename*=UTF-8''{}", crate::features::query::urlencode(&file.name));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    Ok(r)
}
