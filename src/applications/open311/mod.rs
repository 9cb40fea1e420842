//! Open311 GeoReport v2 (<http://wiki.open311.org/GeoReport_v2>) over the applications: what the
//! answers of `/open311/v2` hold, pure but for [`store`]. The routes are
//! `src/http/routes/open311.rs`.
//!
//! - `discovery`: one production endpoint at the configured public URL + `/open311/v2`.
//! - `services`, `services/{code}` ([`services`]): the services with `publish.public` only; the
//!   definition's attributes are the form fields the applicant fills.
//! - `POST requests` ([`input`]): an API key (table `open311_keys`, by SHA-256) acts as its user,
//!   the applicant of record; the body becomes a draft (point site from `lat`/`long`) which is
//!   then submitted by the lifecycle, so every check, the overlay, routing, the journal and
//!   notifications apply. Services that require documents cannot be submitted this way (no files
//!   over Open311): the submission is refused with the missing documents named. The answer gives
//!   the `service_request_id` at once, never a token.
//! - `GET requests`, `requests/{id}` ([`request_entry`]): submitted applications of public
//!   services, never drafts, never personal data: `description` and `address` are always null;
//!   `lat`/`long` (a point on the site) and the `geometry` extension only when the service
//!   publishes its site; the published fields only, in the `attributes` extension.
//! - `tokens/{token}`: since `POST` answers with the id, a token is the id itself: a token that
//!   names a visible request answers `[{"service_request_id", "token"}]`, any other is 404.
//!
//! Formats come from the path's suffix (`.json`, `.xml`); XML is written by [`xml`].

pub mod input;
pub mod services;
pub mod store;
pub mod xml;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use self::store::PublicRow;
use crate::applications::service::ServiceDef;
use crate::i18n::Lang;

/// The specification's URL.
pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// When this server's Open311 endpoint last changed.
pub const CHANGESET: &str = "2026-12-02T00:00:00Z";
/// The path the endpoint is served under.
pub const BASE_PATH: &str = "/open311/v2";
/// Most requests one `GET requests` answers.
pub const MAX_REQUESTS: i64 = 1000;
/// Days `GET requests` covers without dates.
pub const DEFAULT_DAYS: i64 = 90;

/// An answer's format, from the path's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// Splits `name.json` / `name.xml` into the name and its format; `None` for another suffix.
    pub fn split(file: &str) -> Option<(&str, Format)> {
        let (stem, ext) = file.rsplit_once('.')?;
        let f = match ext {
            "json" => Format::Json,
            "xml" => Format::Xml,
            _ => return None,
        };
        Some((stem, f))
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
        }
    }

    /// `value` written in this format, its XML root element `root`.
    pub fn write(self, root: &str, value: &Value) -> String {
        match self {
            Format::Json => value.to_string(),
            Format::Xml => xml::document(root, value),
        }
    }
}

/// An Open311 error list: `[{"code", "description"}]`.
pub fn errors(code: u16, description: &str) -> Value {
    json!([{"code": code, "description": description}])
}

/// The discovery document; `base` is the configured public URL.
pub fn discovery(base: &str) -> Value {
    json!({
        "changeset": CHANGESET,
        "contact": format!("Akimat of Almaty, Qala GIS server: {base}"),
        "key_service": "API keys are issued by the server's administrators",
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": format!("{base}{BASE_PATH}"),
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    })
}

/// `open` or `closed` for one of our statuses; `None` for a draft.
pub fn status(ours: &str) -> Option<&'static str> {
    match ours {
        "in_progress" | "returned" => Some("open"),
        "approved" | "refused" | "withdrawn" => Some("closed"),
        _ => None,
    }
}

/// Our statuses of an Open311 status filter.
pub fn statuses_of(open311: &str) -> Option<Vec<String>> {
    let ours: &[&str] = match open311 {
        "open" => &["in_progress", "returned"],
        "closed" => &["approved", "refused", "withdrawn"],
        _ => return None,
    };
    Some(ours.iter().map(|s| s.to_string()).collect())
}

fn datetime(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| Value::String(t.to_rfc3339_opts(SecondsFormat::Secs, true)))
}

/// The public entry of a request: `row` under `service` (the version it was submitted under).
pub fn request_entry(row: &PublicRow, service: &ServiceDef, lang: Lang) -> Value {
    let stages: Vec<&str> = row
        .stages
        .iter()
        .map(|s| service.workflow.stage(s).map_or(s.as_str(), |d| d.title.get(lang)))
        .collect();
    let notes =
        if stages.is_empty() { row.status.clone() } else { format!("{}: {}", row.status, stages.join(", ")) };
    let site = service.publish.geometry;
    let mut e = json!({
        "service_request_id": row.id,
        "status": status(&row.status),
        "status_notes": notes,
        "service_name": service.title.get(lang),
        "service_code": service.id,
        "description": null,
        "agency_responsible": row.org,
        "service_notice": row.number,
        "requested_datetime": datetime(row.submitted_at),
        "updated_datetime": datetime(Some(row.updated_at)),
        "expected_datetime": datetime(row.due_at),
        "address": null,
        "address_id": null,
        "zipcode": null,
        "lat": if site { json!(row.lat) } else { Value::Null },
        "long": if site { json!(row.long) } else { Value::Null },
        "media_url": null,
    });
    if site && let Some(g) = &row.geometry {
        e["geometry"] = g.0.clone();
    }
    let published: Map<String, Value> = service
        .publish
        .fields
        .iter()
        .filter(|f| service.field(f).is_some_and(|d| !d.is_personal()))
        .filter_map(|f| row.form.0.get(f).map(|v| (f.clone(), v.clone())))
        .collect();
    if !published.is_empty() {
        e["attributes"] = Value::Object(published);
    }
    e
}

/// The answer of a `POST requests`.
pub fn posted(id: i64, number: Option<&str>) -> Value {
    json!([{"service_request_id": id, "service_notice": number, "account_id": null}])
}

/// The answer of `tokens/{token}`.
pub fn token(id: i64) -> Value {
    json!([{"service_request_id": id, "token": id.to_string()}])
}
