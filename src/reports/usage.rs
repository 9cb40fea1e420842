//! The figures of the usage report, read from the database for one quarter. Access is the users
//! active now who existed before the quarter ended (the users table keeps no status history);
//! visits and rights changes come from the journal; layers from `layer_changes` (migration 0030);
//! services from their immutable version rows.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use super::Quarter;

/// Most change rows listed per part (the counts are always complete).
pub const MAX_ROWS: i64 = 5000;

/// Users of one organisation and department.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AccessRow {
    pub org: String,
    pub dept: String,
    pub users: i64,
    /// Per role of [`UsageReport::roles`], in that order.
    pub by_role: Vec<i64>,
}

/// Sign-ins of one month.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MonthRow {
    /// `2026-10`.
    pub month: String,
    /// Per method of [`UsageReport::methods`], in that order.
    pub by_method: Vec<i64>,
    pub signins: i64,
    pub users: i64,
}

/// Sign-ins of one organisation's users.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OrgRow {
    pub org: String,
    pub signins: i64,
    pub users: i64,
}

/// One change: when, what, which change, by whom (if known).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, sqlx::FromRow)]
pub struct ChangeRow {
    pub at: DateTime<Utc>,
    pub what: String,
    pub change: String,
    pub by: Option<String>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct UsageReport {
    pub quarter: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub roles: Vec<String>,
    pub access: Vec<AccessRow>,
    pub methods: Vec<String>,
    pub months: Vec<MonthRow>,
    /// All three months together.
    pub total: MonthRow,
    pub by_org: Vec<OrgRow>,
    pub layers: Vec<ChangeRow>,
    pub services: Vec<ChangeRow>,
    pub rights: Vec<ChangeRow>,
}

/// Sign-in methods in the order of the report (others are counted under `other`).
pub const METHODS: [&str; 4] = ["password", "eds", "sms", "other"];

/// Reads the report of quarter `q`.
pub async fn gather(pool: &PgPool, q: Quarter) -> sqlx::Result<UsageReport> {
    let (from, to) = (q.start(), q.end());
    let roles: Vec<String> = crate::policy::ROLES.iter().map(|r| r.to_string()).collect();
    let access = access(pool, to, &roles).await?;
    // Sign-ins: successful `login` events, by month (Almaty time) and method.
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT to_char((at AT TIME ZONE 'UTC') + interval '5 hours', 'YYYY-MM') AS month,
                CASE WHEN coalesce(detail->>'method', 'password') IN ('password', 'eds', 'sms')
                     THEN coalesce(detail->>'method', 'password') ELSE 'other' END AS method,
                count(*)
         FROM events WHERE kind = 'login' AND outcome = 'ok' AND at >= $1 AND at < $2 GROUP BY 1, 2",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    // Distinct users per month and (the row without a month) in the whole quarter.
    let users: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT to_char((at AT TIME ZONE 'UTC') + interval '5 hours', 'YYYY-MM'), count(DISTINCT actor)
         FROM events WHERE kind = 'login' AND outcome = 'ok' AND at >= $1 AND at < $2
         GROUP BY GROUPING SETS ((1), ())",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let methods: Vec<String> = METHODS.iter().map(|m| m.to_string()).collect();
    let month_row = |month: &str, key: Option<&str>| {
        let by_method: Vec<i64> = METHODS
            .iter()
            .map(|m| rows.iter().filter(|r| key.is_none_or(|k| r.0 == k) && r.1 == *m).map(|r| r.2).sum())
            .collect();
        let users = users.iter().find(|u| u.0.as_deref() == key).map_or(0, |u| u.1);
        MonthRow { month: month.to_string(), signins: by_method.iter().sum(), by_method, users }
    };
    let months: Vec<MonthRow> = q.months().iter().map(|m| month_row(m, Some(m))).collect();
    let total = month_row(&q.to_string(), None);
    let by_org: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT coalesce(o.name, u.org_id, '—'), count(*), count(DISTINCT e.actor)
         FROM events e LEFT JOIN users u ON u.login = e.actor LEFT JOIN organisations o ON o.id = u.org_id
         WHERE e.kind = 'login' AND e.outcome = 'ok' AND e.at >= $1 AND e.at < $2
         GROUP BY 1 ORDER BY 2 DESC, 1",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let by_org = by_org.into_iter().map(|(org, signins, users)| OrgRow { org, signins, users }).collect();
    let layers: Vec<ChangeRow> = sqlx::query_as(
        "SELECT at, layer_id || ' — ' || title_ru AS what, change, NULL::text AS by FROM layer_changes
         WHERE at >= $1 AND at < $2 ORDER BY at, id LIMIT $3",
    )
    .bind(from)
    .bind(to)
    .bind(MAX_ROWS)
    .fetch_all(pool)
    .await?;
    let services: Vec<ChangeRow> = sqlx::query_as(
        "SELECT synced_at AS at, id || ' v' || version AS what,
                CASE WHEN version = 1 THEN 'added' ELSE 'changed' END AS change, NULL::text AS by
         FROM services WHERE synced_at >= $1 AND synced_at < $2 ORDER BY synced_at, id, version LIMIT $3",
    )
    .bind(from)
    .bind(to)
    .bind(MAX_ROWS)
    .fetch_all(pool)
    .await?;
    let rights: Vec<ChangeRow> = sqlx::query_as(
        "SELECT at, coalesce(target, '') AS what, coalesce(detail->>'action', '') AS change, actor AS by
         FROM events WHERE kind = 'admin' AND at >= $1 AND at < $2 ORDER BY at, id LIMIT $3",
    )
    .bind(from)
    .bind(to)
    .bind(MAX_ROWS)
    .fetch_all(pool)
    .await?;
    Ok(UsageReport {
        quarter: q.to_string(),
        from,
        to,
        roles,
        access,
        methods,
        months,
        total,
        by_org,
        layers,
        services,
        rights,
    })
}

/// Users by organisation and department (names where known), with their counts per role.
async fn access(pool: &PgPool, to: DateTime<Utc>, roles: &[String]) -> sqlx::Result<Vec<AccessRow>> {
    let counts: Vec<(String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT coalesce(o.name, u.org_id, '—'), coalesce(d.name, u.dept_id, '—'), r.role, count(*)
         FROM users u LEFT JOIN organisations o ON o.id = u.org_id LEFT JOIN departments d ON d.id = u.dept_id
         LEFT JOIN LATERAL unnest(u.roles) r(role) ON true
         WHERE u.status = 'active' AND u.created_at < $1
         GROUP BY 1, 2, 3",
    )
    .bind(to)
    .fetch_all(pool)
    .await?;
    let totals: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT coalesce(o.name, u.org_id, '—'), coalesce(d.name, u.dept_id, '—'), count(*)
         FROM users u LEFT JOIN organisations o ON o.id = u.org_id LEFT JOIN departments d ON d.id = u.dept_id
         WHERE u.status = 'active' AND u.created_at < $1 GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .bind(to)
    .fetch_all(pool)
    .await?;
    Ok(totals
        .into_iter()
        .map(|(org, dept, users)| {
            let by_role = roles
                .iter()
                .map(|r| {
                    counts
                        .iter()
                        .find(|c| c.0 == org && c.1 == dept && c.2.as_deref() == Some(r.as_str()))
                        .map_or(0, |c| c.3)
                })
                .collect();
            AccessRow { org, dept, users, by_role }
        })
        .collect())
}
