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

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    /// The file's name (its extension must be one the document takes).
    pub name: String,
    /// Read by `ReqLang`; listed so that `?lang=` is not an unknown parameter.
    #[allow(dead_code)]
    pub lang: Option<String>,
}

/// Stores the body and records it as a file of document `doc`.
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path((id, doc)): Path<(String, String)>,
    q: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, lang)?;
    if caller.principal().is_none() {
        return Err(ApiError::unauthorized(lang));
    }
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
    drafts::check_document(&cx, &caller, id, version, &doc, &file).await.map_err(|e| api_error(lang, e))?;
    store.await.map_err(|e| ApiError::internal(lang, e))?;
    drafts::add_document(&cx, &caller, id, version, &doc, file).await.map_err(|e| api_error(lang, e))?;
    let mut r = super::read::card_response(&state, &caller, id, lang).await?;
    *r.status_mut() = StatusCode::CREATED;
    Ok(r)
}

/// A stored file of the application, for those who see its personal data.
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
