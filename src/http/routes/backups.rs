//! Backups (issue 16, SEC-2), for system administrators: `POST /api/admin/backups` starts a base
//! backup of the own cluster (202 with its id; it runs and is verified in the background) and
//! `GET /api/admin/backups` lists them with their state and verification, and when the last
//! verified one was verified. Refusals and starts are journalled. With an external database
//! (`--database-url`) backups are its DBA's: 409 `backups_unavailable` (the server's configuration,
//! not an outage: retrying will not help).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::auth::{Caller, journal};
use crate::error::ApiError;
use crate::http::{AppState, ClientAddr, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::policy::{OpsRefusal, may_manage_backups};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/admin/backups", get(list).post(start))
}

async fn allowed(
    state: &AppState,
    caller: &Caller,
    ip: ClientAddr,
    lang: Lang,
    what: &str,
) -> Result<(), ApiError> {
    match may_manage_backups(caller) {
        Ok(()) => Ok(()),
        Err(refusal) => {
            let ip = ip.0.map(|i| i.to_string());
            let login = caller.principal().map(|p| p.login.clone());
            journal::record(
                &state.pool,
                "backup.refused",
                login.as_deref(),
                ip.as_deref(),
                Some(what),
                "refused",
                json!({}),
            )
            .await;
            Err(match refusal {
                OpsRefusal::Anonymous => ApiError::unauthorized(lang),
                OpsRefusal::NotAllowed => ApiError::forbidden(lang),
            })
        }
    }
}

/// The backups, newest first, and the time of the last verified one.
#[utoipa::path(get, path = "/api/admin/backups", tag = "admin",
    responses((status = 200, description = "Backups with state and verification", body = serde_json::Value),
    (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    ip: ClientAddr,
) -> Result<Json<Value>, ApiError> {
    allowed(&state, &caller, ip, lang, "GET /api/admin/backups").await?;
    let rows = crate::backup::store::list(&state.pool).await.map_err(|e| ApiError::database(lang, e))?;
    let last =
        crate::backup::store::last_verified(&state.pool).await.map_err(|e| ApiError::database(lang, e))?;
    Ok(Json(json!({"available": state.backups.is_some(), "last_verified": last, "backups": rows})))
}

/// Starts a backup: 202 with its id; 409 while another runs.
#[utoipa::path(post, path = "/api/admin/backups", tag = "admin",
    responses((status = 202, description = "Started; verified when done", body = serde_json::Value),
    (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    ip: ClientAddr,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    allowed(&state, &caller, ip, lang, "POST /api/admin/backups").await?;
    let Some(b) = state.backups.clone() else {
        return Err(ApiError::new(StatusCode::CONFLICT, Msg::BackupsUnavailable, lang));
    };
    let lock =
        crate::db::leader::try_lock(&state.pool, "backup").await.map_err(|e| ApiError::database(lang, e))?;
    let Some(lock) = lock else {
        return Err(ApiError::new(StatusCode::CONFLICT, Msg::BackupRunning, lang));
    };
    let login = caller.principal().map(|p| p.login.clone());
    let m = crate::backup::base::begin(&b, &state.pool, login.as_deref()).await.map_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "a backup could not start");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, Msg::Internal, lang)
    })?;
    let ipt = ip.0.map(|i| i.to_string());
    journal::record(
        &state.pool,
        "backup.start",
        login.as_deref(),
        ipt.as_deref(),
        Some(&m.id),
        "ok",
        json!({}),
    )
    .await;
    let (pool, id) = (state.pool.clone(), m.id.clone());
    tokio::spawn(async move {
        let r = crate::backup::finish_and_verify(&b, &pool, m, &|p| tracing::info!(step = p, "backup")).await;
        lock.release().await;
        match r {
            Ok(m) => {
                let ok = m.verification.as_ref().is_some_and(|v| v.ok);
                let outcome = if ok { "ok" } else { "failed" };
                journal::record(
                    &pool,
                    "backup.done",
                    None,
                    None,
                    Some(&m.id),
                    outcome,
                    json!({"verified": ok}),
                )
                .await;
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "the backup failed");
                journal::record(
                    &pool,
                    "backup.done",
                    None,
                    None,
                    None,
                    "failed",
                    json!({"error": format!("{e:#}")}),
                )
                .await;
            }
        }
    });
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"id": id, "state": "running", "message": Msg::BackupStarted.text(lang)})),
    ))
}
