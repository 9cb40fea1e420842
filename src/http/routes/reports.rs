//! `/api/admin/reports/usage`: the quarterly usage report (RPT-1) as XLSX or PDF, for system
//! admins; journalled.

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

use super::super::{AppState, ClientAddr, ReqLang};
use crate::auth::{Caller, journal};
use crate::error::ApiError;
use crate::i18n::{Lang, Msg};
use crate::reports::{Format, Langs, Quarter};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/admin/reports/usage", get(usage))
}

/// The report's parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// `2026-Q4`.
    #[param(pattern = r"^20[0-9]{2}-[Qq][1-4]$")]
    pub quarter: String,
    /// `xlsx` (default) or `pdf`.
    #[param(pattern = r"^([xX][lL][sS][xX]|[pP][dD][fF])$")]
    pub format: Option<String>,
    /// `kk`, `ru` or `en`; without it the XLSX is in the caller's language and the PDF in Kazakh
    /// and Russian.
    #[param(pattern = r"^[^\u0000]*$")]
    pub lang: Option<String>,
}

/// The usage report of a quarter.
#[utoipa::path(get, path = "/api/admin/reports/usage", tag = "admin", params(UsageQuery),
    responses((status = 200, description = "The report (XLSX or PDF)", content_type = "application/octet-stream"),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn usage(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    ClientAddr(ip): ClientAddr,
    q: Result<Query<UsageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    crate::http::caller::require(crate::policy::may_report_usage(&caller), &caller, lang)?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(lang, e.body_text()))?;
    let quarter = Quarter::parse(&q.quarter)
        .ok_or_else(|| ApiError::new(axum::http::StatusCode::BAD_REQUEST, Msg::QuarterInvalid, lang))?;
    let format = match q.format.as_deref() {
        None => Format::Xlsx,
        Some(f) => Format::parse(f).ok_or_else(|| {
            ApiError::new(axum::http::StatusCode::BAD_REQUEST, Msg::ReportFormatInvalid, lang)
        })?,
    };
    let langs = match (q.lang.as_deref().and_then(Lang::parse), format) {
        (Some(l), _) => Langs::One(l),
        (None, Format::Pdf) => Langs::KkRu,
        (None, Format::Xlsx) => Langs::One(lang),
    };
    let report =
        crate::reports::gather(&state.pool, quarter).await.map_err(|e| ApiError::database(lang, e))?;
    let fonts_dir = state.settings.fonts_dir.clone();
    let _permit = state.settings.render.enter(lang).await?;
    let bytes =
        tokio::task::spawn_blocking(move || crate::reports::render(&report, format, langs, &fonts_dir))
            .await
            .map_err(|e| ApiError::internal(lang, e))?
            .map_err(|e| ApiError::internal(lang, e))?;
    journal::record(
        &state.pool,
        "report",
        Some(caller.login()),
        ip.map(|i| i.to_string()).as_deref(),
        Some(&format!("usage {quarter}")),
        "ok",
        json!({"format": format.extension(), "bytes": bytes.len()}),
    )
    .await;
    let name = format!("qala-usage-{quarter}.{}", format.extension());
    let mut resp = Body::from(bytes).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
