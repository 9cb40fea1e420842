//! Analytics of applications (ANL-1, the API): counts by service, status, district and month of
//! submission; deadline compliance of the closed ones; the backlog's age; time per stage (from the
//! stage visits every action records, `workflow::timeline`); and counts by district as GeoJSON for
//! a map. Limited to the caller's scope like the monitoring table.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::PgPool;

use super::monitoring::TableScope;

/// A count of one group.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Count {
    pub key: Option<String>,
    pub count: i64,
}

/// The time one stage of one service took, over the visits that left it (working days, the
/// applicant's corrections taken out), and how many are being worked now.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StageTime {
    pub service: String,
    pub stage: String,
    /// Visits that left the stage.
    pub done: i64,
    /// Visits still at it.
    pub open: i64,
    pub mean_days: Option<f64>,
    pub median_days: Option<f64>,
    pub p90_days: Option<f64>,
    pub max_days: Option<f64>,
}

/// The whole summary.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub by_service: Vec<Count>,
    pub by_status: Vec<Count>,
    pub by_district: Vec<Count>,
    pub by_month: Vec<Count>,
    /// Closed applications and those closed by their deadline.
    pub closed: i64,
    pub closed_in_time: i64,
    /// `closed_in_time / closed` (none without closed applications).
    pub compliance: Option<f64>,
    /// Open applications past their deadline now.
    pub overdue_open: i64,
    /// Open applications by days since submission: 0-5, 6-10, 11-20, over 20.
    pub backlog_age: Vec<Count>,
    /// Per service and stage, slowest median first.
    pub time_per_stage: Vec<StageTime>,
}

/// The scope and period as SQL over `applications a` with parameters $1 (keys or NULL), $2, $3.
const WHERE: &str = "a.status <> 'draft' \
    AND ($1::jsonb IS NULL OR a.access && ARRAY(SELECT jsonb_array_elements_text($1::jsonb))) \
    AND ($2::timestamptz IS NULL OR a.submitted_at >= $2) AND ($3::timestamptz IS NULL OR a.submitted_at < $3)";

fn keys(scope: &TableScope) -> Option<Value> {
    match scope {
        TableScope::All => None,
        TableScope::Keys(k) => Some(serde_json::json!(k)),
    }
}

async fn counts(
    pool: &PgPool,
    key: &str,
    scope: &TableScope,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> sqlx::Result<Vec<Count>> {
    let sql = format!(
        "SELECT {key} AS key, count(*) AS count FROM applications a WHERE {WHERE} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1000"
    );
    sqlx::query_as(&sql).bind(keys(scope)).bind(from).bind(to).fetch_all(pool).await
}

/// The summary of the applications submitted in [`from`, `to`) (any time when open).
pub async fn summary(
    pool: &PgPool,
    scope: &TableScope,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> sqlx::Result<Summary> {
    let by_service = counts(pool, "a.service_id", scope, from, to).await?;
    let by_status = counts(pool, "a.status", scope, from, to).await?;
    let by_district = counts(pool, "trim(a.district)", scope, from, to).await?;
    let by_month =
        counts(pool, "to_char(a.submitted_at AT TIME ZONE 'Asia/Almaty', 'YYYY-MM')", scope, from, to)
            .await?;
    let sql = format!(
        "SELECT count(*) FILTER (WHERE a.closed_at IS NOT NULL),
                count(*) FILTER (WHERE a.closed_at IS NOT NULL AND a.closed_at <= a.due_at),
                count(*) FILTER (WHERE a.status IN ('in_progress', 'returned') AND a.due_at < $4)
         FROM applications a WHERE {WHERE}"
    );
    let (closed, closed_in_time, overdue_open): (i64, i64, i64) =
        sqlx::query_as(&sql).bind(keys(scope)).bind(from).bind(to).bind(now).fetch_one(pool).await?;
    let sql = format!(
        "SELECT CASE WHEN d <= 5 THEN '0-5' WHEN d <= 10 THEN '6-10' WHEN d <= 20 THEN '11-20' ELSE '>20' END AS key,
                count(*) AS count
         FROM (SELECT extract(day FROM $4 - a.submitted_at) AS d FROM applications a
               WHERE {WHERE} AND a.status IN ('in_progress', 'returned')) x
         GROUP BY 1 ORDER BY min(d)"
    );
    let backlog_age =
        sqlx::query_as(&sql).bind(keys(scope)).bind(from).bind(to).bind(now).fetch_all(pool).await?;
    let sql = format!(
        "SELECT v.service_id AS service, v.stage,
                count(*) FILTER (WHERE v.left_at IS NOT NULL) AS done,
                count(*) FILTER (WHERE v.left_at IS NULL) AS open,
                round(avg(v.working_days)::numeric, 2)::float8 AS mean_days,
                round((percentile_cont(0.5) WITHIN GROUP (ORDER BY v.working_days))::numeric, 2)::float8 AS median_days,
                round((percentile_cont(0.9) WITHIN GROUP (ORDER BY v.working_days))::numeric, 2)::float8 AS p90_days,
                max(v.working_days) AS max_days
         FROM application_stage_visits v JOIN applications a ON a.id = v.application_id
         WHERE {WHERE}
         GROUP BY 1, 2 ORDER BY median_days DESC NULLS LAST, 1, 2 LIMIT 1000"
    );
    let time_per_stage = sqlx::query_as(&sql).bind(keys(scope)).bind(from).bind(to).fetch_all(pool).await?;
    Ok(Summary {
        time_per_stage,
        by_service,
        by_status,
        by_district,
        by_month,
        compliance: (closed > 0).then(|| closed_in_time as f64 / closed as f64),
        closed,
        closed_in_time,
        overdue_open,
        backlog_age,
    })
}

/// Counts by KATO unit as a GeoJSON FeatureCollection of the units' boundaries.
pub async fn districts_geojson(
    pool: &PgPool,
    scope: &TableScope,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> sqlx::Result<Value> {
    let sql = format!(
        "SELECT jsonb_build_object('type', 'FeatureCollection', 'features', coalesce(jsonb_agg(jsonb_build_object(
                    'type', 'Feature', 'id', trim(c.code),
                    'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(b.geom, 0.0005), 6)::jsonb,
                    'properties', jsonb_build_object('kato', trim(c.code), 'name_ru', u.name_ru, 'name_kk', u.name_kk,
                                                     'name_en', u.name_en, 'count', c.n, 'open', c.open, 'overdue', c.overdue))), '[]'::jsonb))
         FROM (SELECT a.district AS code, count(*) AS n,
                      count(*) FILTER (WHERE a.status IN ('in_progress', 'returned')) AS open,
                      count(*) FILTER (WHERE a.status IN ('in_progress', 'returned') AND a.due_at < $4) AS overdue
               FROM applications a WHERE {WHERE} AND a.district IS NOT NULL GROUP BY 1) c
         JOIN kato_boundaries b ON b.code = c.code
         JOIN kato_units u ON u.code = c.code"
    );
    sqlx::query_scalar(&sql).bind(keys(scope)).bind(from).bind(to).bind(now).fetch_one(pool).await
}
