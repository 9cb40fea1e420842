//! Receiving the files of one upload request (`POST .../attachments`), all or nothing: each
//! file is streamed into a temporary file while hashed, counted and sniffed, within the bounds of
//! a file, of all files together and of the number of files (413 naming the limit beyond them);
//! when any file is refused, the files received so far are removed. The rows are then written in
//! one transaction that commits only once every file is in its content-addressed place.

use std::path::{Path as FsPath, PathBuf};

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::{AttachmentRow, ROW_COLUMNS, feature_access, row_json, sanitize_name, sniff, stored_path};
use crate::auth::{Caller, journal};
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::policy::Access;

/// A file of an upload request received into a temporary file, not yet kept.
#[derive(Debug)]
struct Received {
    tmp: PathBuf,
    name: String,
    sha: String,
    size: usize,
    media: String,
}

/// Removes the temporary files of an upload that is not kept.
async fn discard(files: &[Received]) {
    for f in files {
        let _ = tokio::fs::remove_file(&f.tmp).await;
    }
}

/// The bounds of one upload request.
#[derive(Debug, Clone, Copy)]
struct UploadLimits {
    /// Bytes of one file.
    file: usize,
    /// Bytes of all files together.
    total: usize,
    /// Files.
    files: usize,
}

/// 413 naming the limit that was passed.
fn too_large(msg: Msg, lang: Lang, limit: &str, value: usize, detail: String) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, msg, lang)
        .with_detail(detail)
        .with_details(json!({"limit": limit, "value": value}))
}

/// Streams the form's `file` fields into temporary files under `dir/tmp`, hashed, counted and
/// sniffed, within `limits`. On any refusal every file received so far is removed.
async fn receive(
    multipart: &mut Multipart,
    dir: &FsPath,
    limits: UploadLimits,
    lang: Lang,
) -> Result<Vec<Received>, ApiError> {
    let mut files: Vec<Received> = Vec::new();
    let mut total = 0usize;
    let result: Result<(), ApiError> = async {
        tokio::fs::create_dir_all(dir.join("tmp")).await.map_err(|e| ApiError::internal(lang, e))?;
        while let Some(mut field) = multipart.next_field().await.map_err(|e| multipart_error(lang, e))? {
            if field.name() != Some("file") {
                return Err(ApiError::bad_request(
                    lang,
                    format!("unexpected form field `{}` (send files as `file`)", field.name().unwrap_or("")),
                ));
            }
            if files.len() == limits.files {
                return Err(too_large(
                    Msg::TooManyFiles,
                    lang,
                    "max_upload_files",
                    limits.files,
                    format!("at most {} files per request", limits.files),
                ));
            }
            let name = sanitize_name(field.file_name().unwrap_or("file"));
            let tmp = dir.join("tmp").join(crate::auth::new_secret("up-"));
            let mut file = tokio::fs::File::create(&tmp).await.map_err(|e| ApiError::internal(lang, e))?;
            // Registered at once, so that a refusal below removes it with the others.
            files.push(Received {
                tmp,
                name: name.clone(),
                sha: String::new(),
                size: 0,
                media: String::new(),
            });
            let mut hasher = Sha256::new();
            let mut size = 0usize;
            let mut head = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(lang, e))? {
                size += chunk.len();
                total += chunk.len();
                if size > limits.file {
                    return Err(too_large(
                        Msg::PayloadTooLarge,
                        lang,
                        "max_upload_bytes",
                        limits.file,
                        format!("`{name}`: the limit is {} bytes a file", limits.file),
                    ));
                }
                if total > limits.total {
                    return Err(too_large(
                        Msg::UploadTooLarge,
                        lang,
                        "max_upload_request_bytes",
                        limits.total,
                        format!("the limit is {} bytes for all files of a request", limits.total),
                    ));
                }
                if head.len() < 8192 {
                    head.extend_from_slice(&chunk[..chunk.len().min(8192 - head.len())]);
                }
                hasher.update(&chunk);
                file.write_all(&chunk).await.map_err(|e| ApiError::internal(lang, e))?;
            }
            file.flush().await.map_err(|e| ApiError::internal(lang, e))?;
            if size == 0 {
                return Err(ApiError::bad_request(lang, format!("`{name}` is empty")));
            }
            if let Some(last) = files.last_mut() {
                last.sha = hex::encode(hasher.finalize());
                last.size = size;
                last.media = sniff(&head);
            }
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(files),
        Err(e) => {
            discard(&files).await;
            Err(e)
        }
    }
}

/// A broken multipart body: 413 when a size limit stopped it, 400 otherwise.
fn multipart_error(lang: Lang, e: axum::extract::multipart::MultipartError) -> ApiError {
    crate::http::routes::records::multipart_error(lang, e)
}

/// Records received files and moves them to their content-addressed places, all or nothing: the
/// rows are written in one transaction that commits only once every file is in place. Stored
/// files are never removed here (another request may have just attached the same content): a
/// failed commit can at worst leave a file no row names.
async fn keep(
    state: &AppState,
    caller: &Caller,
    layer: &str,
    fid: i64,
    files: &[Received],
    lang: Lang,
) -> Result<Vec<AttachmentRow>, ApiError> {
    let dir = &state.settings.attachments_dir;
    let mut tx = state.pool.begin().await.map_err(|e| ApiError::database(lang, e))?;
    let mut rows = Vec::with_capacity(files.len());
    for f in files {
        let row: AttachmentRow = sqlx::query_as(&format!(
            "INSERT INTO attachments (layer_id, feature_id, sha256, file_name, media_type, size_bytes, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {ROW_COLUMNS}"
        ))
        .bind(layer)
        .bind(fid)
        .bind(&f.sha)
        .bind(&f.name)
        .bind(&f.media)
        .bind(f.size as i64)
        .bind(caller.login())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| ApiError::database(lang, e))?;
        rows.push(row);
    }
    for f in files {
        let path = stored_path(dir, &f.sha);
        tokio::fs::create_dir_all(path.parent().unwrap_or(dir))
            .await
            .map_err(|e| ApiError::internal(lang, e))?;
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            let _ = tokio::fs::remove_file(&f.tmp).await;
        } else {
            tokio::fs::rename(&f.tmp, &path).await.map_err(|e| ApiError::internal(lang, e))?;
        }
    }
    tx.commit().await.map_err(|e| ApiError::database(lang, e))?;
    Ok(rows)
}

pub(super) async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    public: crate::http::PublicUrl,
    Path((id, fid)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let (layer, fid, access) = feature_access(&state, &caller, &id, &fid, lang).await?;
    if access < Access::Write {
        let target = format!("POST {layer}/{fid}/attachments");
        crate::policy::journal_refusal(&state.pool, &caller, &target, "read only").await;
        return Err(crate::policy::write_refused(&caller, lang));
    }
    let mut multipart = multipart.map_err(|e| ApiError::rejection(lang, e))?;
    let s = &state.settings;
    let limits = UploadLimits {
        file: s.max_upload_bytes,
        total: s.max_upload_request_bytes.max(s.max_upload_bytes),
        files: s.max_upload_files.max(1),
    };
    let files = receive(&mut multipart, &s.attachments_dir, limits, lang).await?;
    if files.is_empty() {
        return Err(ApiError::bad_request(lang, "no file was sent (multipart field `file`)"));
    }
    let created = match keep(&state, &caller, &layer, fid, &files, lang).await {
        Ok(rows) => rows,
        Err(e) => {
            // The rows were rolled back; files still in the temporary directory go.
            discard(&files).await;
            return Err(e);
        }
    };
    for row in &created {
        journal::record(
            &state.pool,
            "attachment",
            Some(caller.login()),
            None,
            Some(&format!("{layer}/{fid}")),
            "ok",
            json!({"op": "add", "name": row.file_name, "sha256": row.sha256, "size": row.size_bytes}),
        )
        .await;
    }
    let base = format!("{}/ogc/collections/{layer}/items/{fid}/attachments", public.0);
    Ok((
        StatusCode::CREATED,
        Json(json!({"attachments": created.iter().map(|r| row_json(r, &base)).collect::<Vec<_>>()})),
    )
        .into_response())
}
