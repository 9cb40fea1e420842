//! `/api/admin/incidents`: security incidents for security admins and admins (list with their
//! evidence; acknowledge or close with a comment, journalled), and [`watch`], the middleware that
//! tells `security::Watch` which credential was used from which address and which requests were
//! refused, for the detection pass to read from the journal.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::super::{AppState, ClientAddr, ReqLang};
use crate::auth::{Caller, Credentials, journal};
use crate::error::ApiError;
use crate::i18n::{Lang, Msg};
use crate::security::addresses::CredentialKind;
use crate::security::store::{self, ActError, IncidentView, MAX_COMMENT};
use crate::security::{Action, Incident, IncidentQuery};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/admin/incidents", get(list)).route("/api/admin/incidents/{id}", post(act))
}

fn allowed(caller: &Caller, lang: Lang) -> Result<(), ApiError> {
    crate::http::caller::require(crate::policy::may_watch_security(caller), caller, lang)
}

/// Incidents, newest first, with the journal events behind each.
#[utoipa::path(get, path = "/api/admin/incidents", tag = "admin", params(IncidentQuery),
    responses((status = 200, body = [IncidentView]), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    q: Result<Query<IncidentQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<IncidentView>>, ApiError> {
    allowed(&caller, lang)?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(lang, e.body_text()))?;
    if let Some(s) = &q.state
        && !store::is_state(s)
    {
        return Err(ApiError::bad_request(lang, "`state` is one of open, acknowledged, closed"));
    }
    store::list(&state.pool, &q).await.map(Json).map_err(|e| ApiError::database(lang, e))
}

/// A state change of an incident.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActBody {
    /// `acknowledge` or `close`.
    pub action: Action,
    /// Why (at most 2000 characters).
    #[serde(default)]
    pub comment: String,
}

/// Acknowledges or closes an incident; journalled.
#[utoipa::path(post, path = "/api/admin/incidents/{id}", tag = "admin", request_body = ActBody,
    responses((status = 200, body = Incident), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "The incident is closed", body = crate::error::ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    ClientAddr(ip): ClientAddr,
    Path(id): Path<i64>,
    body: Result<Json<ActBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Incident>, ApiError> {
    allowed(&caller, lang)?;
    let Json(body) = body.map_err(|e| ApiError::rejection(lang, e))?;
    let comment = body.comment.trim();
    if comment.chars().count() > MAX_COMMENT || comment.contains('\0') {
        return Err(ApiError::bad_request(lang, format!("`comment` has at most {MAX_COMMENT} characters")));
    }
    let now = state.auth.clock().now_utc();
    let row = match store::act(&state.pool, id, body.action, caller.login(), comment, now).await {
        Ok(row) => row,
        Err(ActError::NotFound) => return Err(ApiError::not_found(Msg::IncidentNotFound, lang)),
        Err(ActError::Closed) => return Err(ApiError::new(StatusCode::CONFLICT, Msg::IncidentClosed, lang)),
        Err(ActError::Db(e)) => return Err(ApiError::database(lang, e)),
    };
    journal::record(
        &state.pool,
        "incident",
        Some(caller.login()),
        ip.map(|i| i.to_string()).as_deref(),
        Some(&id.to_string()),
        "ok",
        json!({"action": body.action, "state": row.state, "rule": row.rule, "subject": row.subject}),
    )
    .await;
    Ok(Json(row))
}

/// Middleware: after each request, reports the session or API token it carried and its client
/// address (unless the answer was 401: the credential was not accepted), and journals 401 and 403
/// answers with the client address (`denied`; the sign-in routes journal their own refusals).
pub async fn watch(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let creds = Credentials::from_headers(req.headers());
    let ip = req.extensions().get::<ClientAddr>().and_then(|c| c.0);
    let path = req.uri().path().to_string();
    let method = req.method().to_string();
    let resp = next.run(req).await;
    let status = resp.status();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        if !path.starts_with("/api/auth/") {
            let actor = match &creds {
                Credentials::Basic { login, .. } if status == StatusCode::FORBIDDEN => Some(login.clone()),
                Credentials::Bearer(_) | Credentials::Session(_) if status == StatusCode::FORBIDDEN => state
                    .auth
                    .resolve(&creds, ip, Lang::En)
                    .await
                    .ok()
                    .and_then(|c| c.principal().map(|p| p.login.clone())),
                _ => None,
            };
            state.security.denied(&state.pool, ip, actor.as_deref(), status.as_u16(), &method, &path).await;
        }
    } else if let Some(ip) = ip {
        match &creds {
            Credentials::Session(t) => {
                state.security.credential_used(&state.pool, CredentialKind::Session, t, ip).await
            }
            Credentials::Bearer(t) => {
                state.security.credential_used(&state.pool, CredentialKind::Token, t, ip).await
            }
            _ => {}
        }
    }
    resp
}
