//! The lifecycle of an application over the database: drafts and their files ([`drafts`]),
//! submission with its checks, overlay and routing ([`submit`]), and every other action through
//! the workflow engine ([`actions`]). Each runs in one transaction that also writes the journal,
//! the application's feature and its notifications ([`effects`]), so an action happens whole or
//! not at all. Concurrent actions on one application are serialised by its row lock and the
//! caller's `If-Match` version: exactly one wins. Knows nothing of HTTP.

pub mod actions;
pub mod drafts;
pub mod effects;
pub mod submit;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::{PgConnection, PgPool};

use super::registry::Registry;
use super::service::ServiceDef;
use super::service::values::{FieldError, is_empty};
use super::store::{self, ApplicationRow};
use super::workflow::engine::{Actor, Refusal};
use crate::i18n::Lang;
use crate::layers::Catalog;
use crate::policy::Caller;
use crate::policy::applications::{View, view};

/// What every lifecycle call works with.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub pool: &'a PgPool,
    pub registry: &'a Registry,
    pub catalog: &'a Catalog,
    /// The server's public URL, for links in notifications.
    pub public_url: &'a str,
    /// The instant the action happens at (the injected clock).
    pub now: DateTime<Utc>,
}

/// Why a lifecycle call did nothing.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// The application does not exist for the caller (404).
    #[error("application not found")]
    NotFound,
    /// No such service (404).
    #[error("service not found")]
    ServiceNotFound,
    /// A caller must sign in first (401).
    #[error("sign in first")]
    Unauthenticated,
    /// The form, the files or the site break the service's rules (422), one error per problem.
    #[error("invalid application")]
    Invalid(Vec<FieldError>),
    /// The workflow refuses the action (409, 403 or 422).
    #[error("refused")]
    Refused(Refusal),
    /// `If-Match` names another version (412); the current one is given.
    #[error("changed by someone else")]
    Changed { version: i32 },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

pub type Result<T> = std::result::Result<T, LifecycleError>;

/// The workflow actor of a signed-in caller.
pub fn actor_of(caller: &Caller) -> Result<Actor> {
    let p = caller.principal().ok_or(LifecycleError::Unauthenticated)?;
    Ok(Actor { user: p.login.clone(), roles: p.roles.clone(), org: p.org.clone(), dept: p.dept.clone() })
}

/// An application with its service, as loaded for an action.
#[derive(Debug)]
pub struct Loaded {
    pub row: ApplicationRow,
    pub service: Arc<ServiceDef>,
    pub view: View,
}

/// Loads (and, with `lock`, locks) application `id` for `caller`: not found unless the caller may
/// see it at all.
pub async fn load_for(
    cx: &Ctx<'_>,
    conn: &mut PgConnection,
    caller: &Caller,
    id: i64,
    lock: bool,
) -> Result<Loaded> {
    let row = store::load(conn, id, lock).await?.ok_or(LifecycleError::NotFound)?;
    let service = cx
        .registry
        .service_at(cx.pool, &row.service_id, row.service_version as u32)
        .await?
        .ok_or(LifecycleError::NotFound)?;
    let v = view(caller, &service, &row.applicant, &row.org);
    // A draft is its applicant's alone.
    if v == View::None || (row.status == "draft" && v < View::Applicant) {
        return Err(LifecycleError::NotFound);
    }
    Ok(Loaded { row, service, view: v })
}

/// Refuses a stale `If-Match` version.
pub fn check_version(row: &ApplicationRow, if_match: i32) -> Result<()> {
    if row.version != if_match {
        return Err(LifecycleError::Changed { version: row.version });
    }
    Ok(())
}

/// Names of the form fields with a value.
pub fn filled(form: &Map<String, Value>) -> BTreeSet<String> {
    form.iter().filter(|(_, v)| !is_empty(v)).map(|(k, _)| k.clone()).collect()
}

/// Ids of the documents with at least one file.
pub fn documents_present(documents: &Map<String, Value>) -> BTreeSet<String> {
    documents
        .iter()
        .filter(|(_, v)| v.as_array().is_some_and(|a| !a.is_empty()))
        .map(|(k, _)| k.clone())
        .collect()
}

/// The language of notifications for `lang` (a caller's), Russian by default.
pub fn lang_tag(lang: Option<Lang>) -> &'static str {
    lang.unwrap_or_default().tag()
}
