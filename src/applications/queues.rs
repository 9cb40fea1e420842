//! The reviewer's queues: new (in a pool the caller may claim from, no one but the applicant has
//! acted yet), common pool (a current stage unclaimed that the caller may claim), mine (a stage the
//! caller holds), in review (someone holds a stage), returned (with the applicant), done (approved
//! or refused). Scoped like the monitoring table: the caller's access keys, its own stages,
//! everything for administrators. The `pool` and `untouched` columns are kept by a trigger
//! (migration 0022).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgPool};

/// The queues, in the order the workstation shows them.
pub const QUEUES: &[&str] = &["new", "pool", "mine", "in_review", "returned", "done"];

/// Who asks: login, access keys (`policy::applications::caller_keys`), administrator.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    pub login: &'a str,
    pub keys: &'a [String],
    pub all: bool,
}

/// How many applications each queue holds.
#[derive(Debug, Clone, Default, Serialize, FromRow)]
pub struct Counts {
    pub new: i64,
    pub pool: i64,
    pub mine: i64,
    pub in_review: i64,
    pub returned: i64,
    pub done: i64,
}

/// A row of a queue.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct QueueRow {
    pub id: i64,
    pub number: Option<String>,
    pub service_id: String,
    pub status: String,
    pub org: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub stages: Vec<String>,
    pub executors: Vec<String>,
    pub district: Option<String>,
}

pub async fn counts(pool: &PgPool, scope: &Scope<'_>) -> sqlx::Result<Counts> {
    sqlx::query_as(include_str!("sql/queue_counts.sql"))
        .bind(scope.login)
        .bind(scope.keys)
        .bind(scope.all)
        .fetch_one(pool)
        .await
}

/// Queue `queue` (one of [`QUEUES`]), newest first, below id `before`, at most `limit` rows.
pub async fn list(
    pool: &PgPool,
    scope: &Scope<'_>,
    queue: &str,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<QueueRow>> {
    sqlx::query_as(include_str!("sql/queue_list.sql"))
        .bind(scope.login)
        .bind(scope.keys)
        .bind(scope.all)
        .bind(queue)
        .bind(before)
        .bind(limit)
        .fetch_all(pool)
        .await
}
