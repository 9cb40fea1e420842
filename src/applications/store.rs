//! The SQL of applications: a row in and out, the feature each submitted application has on the
//! applications layer, and the lock an action takes. Every write happens on the caller's
//! transaction, so an action, its journal entry, its feature and its notifications commit together.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::{FromRow, PgConnection};

use super::workflow::engine::ApplicationState;

/// The layer whose features are the applications' sites.
pub const APPLICATIONS_LAYER: &str = "applications";

/// An application as stored.
#[derive(Debug, Clone, FromRow)]
pub struct ApplicationRow {
    pub id: i64,
    pub number: Option<String>,
    pub service_id: String,
    pub service_version: i32,
    pub applicant: String,
    pub lang: String,
    pub org: String,
    pub status: String,
    pub stages: Vec<String>,
    pub executors: Vec<String>,
    pub access: Vec<String>,
    pub form: sqlx::types::Json<Map<String, Value>>,
    pub documents: sqlx::types::Json<Map<String, Value>>,
    pub returned_form: Option<sqlx::types::Json<Map<String, Value>>>,
    /// The site as GeoJSON.
    pub geometry: Option<sqlx::types::Json<Value>>,
    pub feature_id: Option<i64>,
    pub district: Option<String>,
    pub overlay: Option<sqlx::types::Json<Value>>,
    pub state: sqlx::types::Json<ApplicationState>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, number, service_id, service_version, applicant, lang, org, status, stages, executors, \
    access, form, documents, returned_form, ST_AsGeoJSON(geom, 7)::jsonb AS geometry, feature_id, trim(district) AS district, \
    overlay, state, version, created_at, updated_at, submitted_at, due_at, closed_at";

/// A new draft.
#[derive(Debug)]
pub struct NewDraft<'a> {
    pub service_id: &'a str,
    pub service_version: u32,
    pub applicant: &'a str,
    pub lang: &'a str,
    pub org: &'a str,
    pub form: &'a Map<String, Value>,
    pub geometry: Option<&'a Value>,
    pub state: &'a ApplicationState,
}

/// Inserts a draft; its id.
pub async fn insert_draft(conn: &mut PgConnection, d: &NewDraft<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(include_str!("sql/insert_draft.sql"))
        .bind(d.service_id)
        .bind(d.service_version as i32)
        .bind(d.applicant)
        .bind(d.lang)
        .bind(d.org)
        .bind(sqlx::types::Json(d.form))
        .bind(d.geometry.map(|g| g.to_string()))
        .bind(sqlx::types::Json(d.state))
        .fetch_one(conn)
        .await
}

/// Application `id`; with `lock`, the row is locked until the transaction ends (an action).
pub async fn load(conn: &mut PgConnection, id: i64, lock: bool) -> sqlx::Result<Option<ApplicationRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM applications WHERE id = $1{}", if lock { " FOR UPDATE" } else { "" });
    sqlx::query_as(&sql).bind(id).fetch_optional(conn).await
}

/// Writes back everything an action may change and bumps the version; the new version.
pub async fn save(conn: &mut PgConnection, row: &ApplicationRow) -> sqlx::Result<i32> {
    sqlx::query_scalar(include_str!("sql/save_application.sql"))
        .bind(row.id)
        .bind(&row.number)
        .bind(&row.org)
        .bind(&row.status)
        .bind(&row.stages)
        .bind(&row.executors)
        .bind(&row.form)
        .bind(&row.documents)
        .bind(&row.returned_form)
        .bind(row.geometry.as_ref().map(|g| g.0.to_string()))
        .bind(&row.overlay)
        .bind(&row.state)
        .bind(row.submitted_at)
        .bind(row.due_at)
        .bind(row.closed_at)
        .bind(row.feature_id)
        .bind(&row.access)
        .bind(&row.district)
        .fetch_one(conn)
        .await
}

/// Replaces the stage visits of application `id` (of `service`) by `visits`, in order.
pub async fn replace_visits(
    conn: &mut PgConnection,
    id: i64,
    service: &str,
    visits: &[crate::applications::workflow::timeline::StageVisit],
) -> sqlx::Result<()> {
    let rows: Vec<serde_json::Value> = visits
        .iter()
        .enumerate()
        .map(|(seq, v)| {
            let mut row = serde_json::json!(v);
            row["seq"] = serde_json::json!(seq);
            row
        })
        .collect();
    sqlx::query(include_str!("sql/replace_visits.sql"))
        .bind(id)
        .bind(service)
        .bind(serde_json::Value::Array(rows))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The next public number of the year: `A-2026-000042`.
pub async fn next_number(conn: &mut PgConnection, year: i32) -> sqlx::Result<String> {
    let n: i64 = sqlx::query_scalar("SELECT nextval('application_number_seq')").fetch_one(conn).await?;
    Ok(format!("A-{year}-{n:06}"))
}

/// Creates or updates the feature of application `id` on the applications layer with `attrs`
/// (never personal data), as `actor`; its id. Nothing when the layer is not in the catalog.
pub async fn put_feature(
    conn: &mut PgConnection,
    id: i64,
    feature_id: Option<i64>,
    attrs: &Value,
    actor: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query("SELECT set_config('qala.actor', $1, true)").bind(actor).execute(&mut *conn).await?;
    match feature_id {
        Some(fid) => {
            sqlx::query(include_str!("sql/update_feature.sql"))
                .bind(fid)
                .bind(id)
                .bind(attrs)
                .execute(&mut *conn)
                .await?;
            Ok(Some(fid))
        }
        None => {
            sqlx::query_scalar(include_str!("sql/insert_feature.sql"))
                .bind(id)
                .bind(attrs)
                .bind(APPLICATIONS_LAYER)
                .fetch_optional(&mut *conn)
                .await
        }
    }
}

/// A line of a caller's list of applications.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct ListItem {
    pub id: i64,
    pub number: Option<String>,
    pub service_id: String,
    pub status: String,
    pub org: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub stages: Vec<String>,
}

/// Which applications a caller lists.
#[derive(Debug, Clone, Default)]
pub struct ListFilter<'a> {
    /// The caller's own.
    pub login: &'a str,
    /// And, for staff, its organisation's.
    pub org: Option<&'a str>,
    /// Or all (admins).
    pub all: bool,
    pub status: Option<&'a str>,
    pub service: Option<&'a str>,
    /// Ids below this (the next page).
    pub before: Option<i64>,
    pub limit: i64,
}

/// The applications of a filter, newest first.
pub async fn list(pool: &sqlx::PgPool, f: &ListFilter<'_>) -> sqlx::Result<Vec<ListItem>> {
    sqlx::query_as(include_str!("sql/list_for_caller.sql"))
        .bind(f.login)
        .bind(f.org)
        .bind(f.all)
        .bind(f.status)
        .bind(f.service)
        .bind(f.before)
        .bind(f.limit)
        .fetch_all(pool)
        .await
}

/// A user who may work a stage, with its current load.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct Executor {
    pub login: String,
    pub full_name: String,
    pub dept: Option<String>,
    /// Open applications it holds a stage of now.
    pub load: i64,
}

/// The active users with `role` (or admin) in `org` (and `dept`, when the stage names one), by
/// load, then login: whom a manager can assign the stage to.
pub async fn executors(
    pool: &sqlx::PgPool,
    org: &str,
    dept: Option<&str>,
    role: &str,
) -> sqlx::Result<Vec<Executor>> {
    sqlx::query_as(include_str!("sql/executors.sql")).bind(org).bind(dept).bind(role).fetch_all(pool).await
}

/// The names an output document prints from the reference books: the provider organisation's,
/// the applicant's and the deciding executor's full names (None where there is none).
pub async fn reference_names(
    pool: &sqlx::PgPool,
    provider: &str,
    applicant: &str,
    executor: Option<&str>,
) -> sqlx::Result<super::document::Names> {
    let provider_name: Option<String> = sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
        .bind(provider)
        .fetch_optional(pool)
        .await?;
    let full_name = |login: String| async move {
        sqlx::query_scalar::<_, String>("SELECT full_name FROM users WHERE login = $1")
            .bind(login)
            .fetch_optional(pool)
            .await
            .map(|n| n.filter(|n| !n.trim().is_empty()))
    };
    let applicant = full_name(applicant.to_string()).await?;
    let executor = match executor {
        Some(e) => full_name(e.to_string()).await?,
        None => None,
    };
    Ok(super::document::Names { provider: provider_name, applicant, executor })
}
