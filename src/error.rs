//! The one error type of the HTTP API and its JSON shape: `{"error": {"code", "message"}}`.
//!
//! The code is stable (clients may match on it); the message is in the caller's language and never
//! carries internal detail. Internal causes are logged, not sent.

use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::{Lang, Msg};

/// An API error: HTTP status, message key, language and optional detail safe to show.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub msg: Msg,
    pub lang: Lang,
    /// Extra text for the caller (e.g. which parameter was wrong). Never internal detail.
    pub detail: Option<String>,
    /// Structured detail and extra headers, rarely present (boxed to keep errors small).
    pub extra: Option<Box<ErrorExtra>>,
}

/// The rarer parts of an error.
#[derive(Debug, Default)]
pub struct ErrorExtra {
    /// Structured detail safe to show, e.g. one message per field of a refused feature.
    pub details: Option<serde_json::Value>,
    /// Extra response headers (`WWW-Authenticate`, `Retry-After`, `ETag`).
    pub headers: Vec<(axum::http::HeaderName, String)>,
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorContent,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorContent {
    /// Stable machine-readable code, e.g. `layer_not_found`.
    pub code: &'static str,
    /// Human-readable message in the caller's language.
    pub message: String,
    /// Structured detail (e.g. `[{"field", "reason"}]`), when there is any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, msg: Msg, lang: Lang) -> Self {
        ApiError { status, msg, lang, detail: None, extra: None }
    }

    pub fn not_found(msg: Msg, lang: Lang) -> Self {
        Self::new(StatusCode::NOT_FOUND, msg, lang)
    }

    pub fn bad_request(lang: Lang, detail: impl Into<String>) -> Self {
        ApiError { detail: Some(detail.into()), ..Self::new(StatusCode::BAD_REQUEST, Msg::BadRequest, lang) }
    }

    /// 401 that asks for credentials (Basic for QGIS and GDAL, or a session or token).
    pub fn unauthorized(lang: Lang) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, Msg::Unauthorized, lang)
            .with_header(axum::http::header::WWW_AUTHENTICATE, "Basic realm=\"qala\", charset=\"UTF-8\"")
    }

    pub fn forbidden(lang: Lang) -> Self {
        Self::new(StatusCode::FORBIDDEN, Msg::Forbidden, lang)
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.extra.get_or_insert_with(Default::default).details = Some(details);
        self
    }

    pub fn with_header(mut self, name: axum::http::HeaderName, value: impl Into<String>) -> Self {
        self.extra.get_or_insert_with(Default::default).headers.push((name, value.into()));
        self
    }

    /// Logs the cause and answers 500 (or 503 when the database is unreachable).
    pub fn internal(lang: Lang, cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, Msg::Internal, lang)
    }

    pub fn database(lang: Lang, e: sqlx::Error) -> Self {
        Self::database_ref(lang, &e)
    }

    /// [`ApiError::database`] of a shared error (e.g. one rendering merged for several requests).
    pub fn database_ref(lang: Lang, e: &sqlx::Error) -> Self {
        // issue 16: a statement cancelled by `statement_timeout` (SQLSTATE 57014): one heavy
        // request was stopped so that it cannot starve the others; 503, try again (or ask less).
        if let sqlx::Error::Database(d) = e
            && d.code().as_deref() == Some("57014")
        {
            tracing::warn!(error = %e, "a statement was cancelled by its timeout");
            return Self::new(StatusCode::SERVICE_UNAVAILABLE, Msg::StatementTimeout, lang)
                .with_header(axum::http::header::RETRY_AFTER, "5");
        }
        if is_unavailable(e) {
            tracing::error!(error = %e, "database unavailable");
            Self::new(StatusCode::SERVICE_UNAVAILABLE, Msg::DatabaseUnavailable, lang)
                .with_header(axum::http::header::RETRY_AFTER, "5")
        } else {
            Self::internal(lang, e)
        }
    }

    // issue 12: features
    /// The error of a query built from the caller's input (filters, cursors, dates, geometry
    /// literals, written values): what only the database detects there is the caller's mistake, a
    /// 400 whose message says which kind (in the caller's language) and never carries PostgreSQL's
    /// or PostGIS's own text, which is logged instead. Anything else is [`ApiError::database`].
    pub fn from_query(lang: Lang, e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(d) = &e
            && let Some(msg) = d.code().as_deref().and_then(query_error_msg)
        {
            tracing::info!(sqlstate = ?d.code(), cause = %d.message(), "request refused by the database");
            return Self::new(StatusCode::BAD_REQUEST, msg, lang);
        }
        Self::database(lang, e)
    }
}

// issue 12: features
/// The message of a SQLSTATE that a request's own input causes: data exceptions (class 22),
/// operators or functions applied to the wrong types (42883, 42804, 42725), PostGIS's errors
/// (XX000: a geometry literal it cannot read, transform or compare) and an expression too deep
/// for PostgreSQL's stack (54001).
fn query_error_msg(sqlstate: &str) -> Option<Msg> {
    Some(match sqlstate {
        "22012" => Msg::DivisionByZero,
        "22007" | "22008" | "22009" => Msg::InvalidDateTime,
        "22021" | "22P05" => Msg::NulCharacter,
        "42883" | "42804" | "42725" => Msg::TypeMismatch,
        "XX000" => Msg::InvalidGeometryLiteral,
        "54001" => Msg::FilterTooComplex,
        c if c.starts_with("22") => Msg::InvalidValue,
        _ => return None,
    })
}

/// Whether an error means the database cannot be reached now (rather than a wrong query): no
/// connection in time, a broken socket, or the server shutting down or starting up (SQLSTATE
/// classes 08 and 57P).
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => {
            true
        }
        sqlx::Error::Database(d) => {
            d.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "53300")
        }
        _ => false,
    }
}
