//! `/ogc/collections/{id}/items/{fid}/attachments`: files attached to features (documents of any
//! format, photos, video, audio); what a stored file is: [`crate::features::attachments`].
//!
//! Uploads are multipart (`file` fields), streamed to temporary files while hashed and counted.
//! A request is all or nothing: within `max_upload_bytes` a file, `max_upload_request_bytes` all
//! files and `max_upload_files` files (413 naming the limit beyond them), and when any file is
//! refused none is kept; the rows of a request are written in one transaction. Files are stored
//! content-addressed (`<attachments-dir>/<sha256[..2]>/<sha256>`), their type sniffed from their
//! bytes (the name's extension is not trusted), their names sanitised. Downloads answer range
//! requests (video and audio seek). Images have thumbnails, decoded within the image limits of
//! [`crate::print::limits`] (a decompression bomb is a 422 `image_too_large`, never decoded) and
//! behind the render gate. Access follows the feature: reading it lets one list and download,
//! writing it lets one add and delete.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::auth::{Caller, journal};
use crate::error::ApiError;
use crate::features::attachments::{sanitize_name, sniff, stored_path};
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::policy::Access;
use crate::print::limits::{ImageRefusal, MAX_IMAGE_ALLOC, MAX_IMAGE_SIDE, decode_image};

mod upload;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/ogc/collections/{id}/items/{fid}/attachments",
            get(list).post(upload::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/ogc/collections/{id}/items/{fid}/attachments/{aid}", get(download).delete(remove))
        .route("/ogc/collections/{id}/items/{fid}/attachments/{aid}/thumbnail", get(thumbnail))
}

/// The feature must exist in the caller's scope; returns whether the caller may write it.
async fn feature_access(
    state: &AppState,
    caller: &Caller,
    id: &str,
    fid: &str,
    lang: Lang,
) -> Result<(String, i64, Access), ApiError> {
    let fid = crate::policy::parse_fid(fid, lang)?;
    let (layer, access, _) =
        crate::policy::visible_feature(&state.catalog(), &state.pool, caller, id, fid, lang).await?;
    Ok((layer.id.clone(), fid, access))
}

#[derive(Debug, sqlx::FromRow)]
struct AttachmentRow {
    id: i64,
    sha256: String,
    file_name: String,
    media_type: String,
    size_bytes: i64,
    created_by: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

fn row_json(r: &AttachmentRow, base: &str) -> Value {
    let url = format!("{base}/{}", r.id);
    let mut v = json!({
        "id": r.id, "name": r.file_name, "media_type": r.media_type, "size": r.size_bytes,
        "sha256": r.sha256, "created_by": r.created_by, "created_at": r.created_at, "href": url,
    });
    if r.media_type.starts_with("image/") {
        v["thumbnail"] = json!(format!("{url}/thumbnail"));
    }
    v
}

const ROW_COLUMNS: &str = "id, sha256, file_name, media_type, size_bytes, created_by, created_at";

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    public: crate::http::PublicUrl,
    Path((id, fid)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (layer, fid, _) = feature_access(&state, &caller, &id, &fid, lang).await?;
    let rows: Vec<AttachmentRow> = sqlx::query_as(&format!(
        "SELECT {ROW_COLUMNS} FROM attachments WHERE layer_id = $1 AND feature_id = $2 AND deleted_at IS NULL ORDER BY id"
    ))
    .bind(&layer)
    .bind(fid)
    .fetch_all(&state.pool)
    .await
    .map_err(|e| ApiError::database(lang, e))?;
    let base = format!("{}/ogc/collections/{layer}/items/{fid}/attachments", public.0);
    Ok(Json(json!({"attachments": rows.iter().map(|r| row_json(r, &base)).collect::<Vec<_>>()})))
}

async fn attachment(
    state: &AppState,
    layer: &str,
    fid: i64,
    aid: &str,
    lang: Lang,
) -> Result<AttachmentRow, ApiError> {
    let aid: i64 = aid.parse().map_err(|_| ApiError::not_found(Msg::NotFound, lang))?;
    sqlx::query_as(&format!(
        "SELECT {ROW_COLUMNS} FROM attachments WHERE id = $1 AND layer_id = $2 AND feature_id = $3 AND deleted_at IS NULL"
    ))
    .bind(aid)
    .bind(layer)
    .bind(fid)
    .fetch_optional(&state.pool)
    .await
    .map_err(|e| ApiError::database(lang, e))?
    .ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))
}

/// `attachment; filename="..."; filename*=UTF-8''...` (RFC 6266), inline for media.
fn disposition(name: &str, media: &str) -> String {
    let kind = if media.starts_with("image/")
        || media.starts_with("video/")
        || media.starts_with("audio/")
        || media == "application/pdf"
    {
        "inline"
    } else {
        "attachment"
    };
    let ascii: String =
        name.chars().map(|c| if c.is_ascii() && c != '"' && c != '\\' { c } else { '_' }).collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}", crate::features::query::urlencode(name))
}

async fn download(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path((id, fid, aid)): Path<(String, String, String)>,
    req: Request,
) -> Result<Response, ApiError> {
    let (layer, fid, _) = feature_access(&state, &caller, &id, &fid, lang).await?;
    let row = attachment(&state, &layer, fid, &aid, lang).await?;
    let path = stored_path(&state.settings.attachments_dir, &row.sha256);
    let mime: mime::Mime = row.media_type.parse().unwrap_or(mime::APPLICATION_OCTET_STREAM);
    let served = tower_http::services::ServeFile::new_with_mime(&path, &mime)
        .oneshot(req)
        .await
        .map_err(|e| ApiError::internal(lang, e))?;
    let mut resp = served.map(Body::new);
    if let Ok(v) = HeaderValue::from_str(&disposition(&row.file_name, &row.media_type)) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=0, must-revalidate"));
    resp.headers_mut().insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    Ok(resp)
}

async fn thumbnail(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path((id, fid, aid)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (layer, fid, _) = feature_access(&state, &caller, &id, &fid, lang).await?;
    let row = attachment(&state, &layer, fid, &aid, lang).await?;
    if !row.media_type.starts_with("image/") {
        return Err(ApiError::not_found(Msg::NotFound, lang).with_detail("only images have thumbnails"));
    }
    let path = stored_path(&state.settings.attachments_dir, &row.sha256);
    let thumb = path.with_extension("thumb.png");
    let png = match tokio::fs::read(&thumb).await {
        Ok(b) => b,
        Err(_) => {
            // Decoding is CPU and memory work: it waits for a turn like rendering does.
            let _turn = state.settings.render.enter(lang).await?;
            let (src, dst) = (path.clone(), thumb.clone());
            let made = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ThumbError> {
                let img = decode_image(&src).map_err(ThumbError::Image)?;
                let mut out = std::io::Cursor::new(Vec::new());
                img.thumbnail(256, 256)
                    .write_to(&mut out, image::ImageFormat::Png)
                    .map_err(|e| ThumbError::Server(e.to_string()))?;
                std::fs::write(&dst, out.get_ref()).map_err(|e| ThumbError::Server(e.to_string()))?;
                Ok(out.into_inner())
            })
            .await
            .map_err(|e| ApiError::internal(lang, e))?;
            made.map_err(|e| match e {
                ThumbError::Image(ImageRefusal::TooLarge(why)) => {
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Msg::ImageTooLarge, lang).with_detail(
                        format!(
                            "at most {MAX_IMAGE_SIDE} pixels a side and {} MiB decoded ({why})",
                            MAX_IMAGE_ALLOC >> 20
                        ),
                    )
                }
                ThumbError::Image(ImageRefusal::Unreadable(why)) => {
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Msg::BadRequest, lang)
                        .with_detail(format!("the image cannot be read: {why}"))
                }
                ThumbError::Image(ImageRefusal::Io(e)) => ApiError::internal(lang, e),
                ThumbError::Server(e) => ApiError::internal(lang, e),
            })?
        }
    };
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "private, max-age=3600")], png)
        .into_response())
}

/// Why a thumbnail was not made: the image's fault (422) or the server's (500).
#[derive(Debug)]
enum ThumbError {
    Image(ImageRefusal),
    Server(String),
}

async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path((id, fid, aid)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let (layer, fid, access) = feature_access(&state, &caller, &id, &fid, lang).await?;
    if access < Access::Write {
        let target = format!("DELETE {layer}/{fid}/attachments/{aid}");
        crate::policy::journal_refusal(&state.pool, &caller, &target, "read only").await;
        return Err(crate::policy::write_refused(&caller, lang));
    }
    let row = attachment(&state, &layer, fid, &aid, lang).await?;
    sqlx::query("UPDATE attachments SET deleted_at = now(), deleted_by = $2 WHERE id = $1")
        .bind(row.id)
        .bind(caller.login())
        .execute(&state.pool)
        .await
        .map_err(|e| ApiError::database(lang, e))?;
    journal::record(
        &state.pool,
        "attachment",
        Some(caller.login()),
        None,
        Some(&format!("{layer}/{fid}")),
        "ok",
        json!({"op": "delete", "id": row.id, "name": row.file_name}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_keeps_unicode_names() {
        let d = disposition("план.pdf", "application/pdf");
        assert!(d.starts_with("inline; filename=\"____.pdf\"; filename*=UTF-8''%D0%BF"), "{d}");
    }
}
