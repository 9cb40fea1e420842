//! The monitoring table of applications for staff and administrators (MON-1): filters on every
//! column, one sort, keyset paging, and exports ([`export`]) that hold exactly the rows of the
//! filter. [`TableQuery::parse`] is pure; [`page`] and [`all`] run the query.
//!
//! Filters (query parameters): `number` (prefix), `service`, `status`, `stage`, `executor`,
//! `district`, `org` (each one value or several, comma-separated), `applicant` (a login),
//! `submitted_from`, `submitted_to`, `due_from`, `due_to` (RFC 3339 or `YYYY-MM-DD`), `overdue`
//! (`true`/`false`). `sort` is one of [`SORTS`], `-` in front for descending (default
//! `-submitted_at`); `limit` 1 to [`MAX_LIMIT`]; `cursor` continues after a page.
//!
//! ```
//! use qala::applications::monitoring::TableQuery;
//! let q = TableQuery::parse(&[("status", "in_progress,returned"), ("sort", "due_at"), ("overdue", "true")]).unwrap();
//! assert_eq!(q.sort, ("due_at", true)); // ascending
//! assert_eq!(q.filters.status, vec!["in_progress", "returned"]);
//! assert!(TableQuery::parse(&[("sort", "iin")]).is_err());
//! ```

pub mod export;

use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgPool};

/// Columns the table sorts by.
pub const SORTS: &[&str] =
    &["submitted_at", "due_at", "number", "status", "service_id", "district", "org", "id"];
/// Largest page.
pub const MAX_LIMIT: i64 = 500;
/// Most values of one list filter.
pub const MAX_VALUES: usize = 100;
/// A list filter of at most this many values is queried one value per branch, merged in order.
pub const MAX_SPLIT: usize = 8;

/// The filters of a query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub number: Option<String>,
    pub service: Vec<String>,
    pub status: Vec<String>,
    pub stage: Vec<String>,
    pub executor: Vec<String>,
    pub district: Vec<String>,
    pub org: Vec<String>,
    pub applicant: Option<String>,
    pub submitted_from: Option<DateTime<Utc>>,
    pub submitted_to: Option<DateTime<Utc>>,
    pub due_from: Option<DateTime<Utc>>,
    pub due_to: Option<DateTime<Utc>>,
    pub overdue: Option<bool>,
}

/// A whole query of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableQuery {
    pub filters: Filters,
    /// Column and ascending.
    pub sort: (&'static str, bool),
    pub limit: i64,
    /// The sort value and id of the last row of the previous page.
    pub after: Option<(String, i64)>,
}

/// A parameter that cannot be used: its name and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    pub param: String,
    pub reason: String,
}

fn bad(param: &str, reason: impl Into<String>) -> ParamError {
    ParamError { param: param.to_string(), reason: reason.into() }
}

fn list(param: &str, v: &str) -> Result<Vec<String>, ParamError> {
    let items: Vec<String> =
        v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
    if items.len() > MAX_VALUES || items.iter().any(|s| s.len() > 100) {
        return Err(bad(param, format!("at most {MAX_VALUES} values of at most 100 characters")));
    }
    Ok(items)
}

fn instant(param: &str, v: &str, end_of_day: bool) -> Result<DateTime<Utc>, ParamError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.to_utc());
    }
    let d = NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
        bad(
            param,
            format!(
                "`{}` is not a date (YYYY-MM-DD) or an RFC 3339 time",
                v.chars().take(40).collect::<String>()
            ),
        )
    })?;
    // Days are Almaty days (UTC+5).
    let d = if end_of_day { d.succ_opt().unwrap_or(d) } else { d };
    Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - chrono::TimeDelta::hours(5))
}

impl TableQuery {
    /// Parses the query parameters; the first problem names its parameter.
    pub fn parse(params: &[(&str, &str)]) -> Result<TableQuery, ParamError> {
        let mut f = Filters::default();
        let mut sort = ("submitted_at", false);
        let mut limit = 50;
        let mut after = None;
        for (k, v) in params {
            let v = v.trim();
            match *k {
                "number" => f.number = Some(v.chars().take(40).collect()),
                "service" => f.service = list(k, v)?,
                "status" => f.status = list(k, v)?,
                "stage" => f.stage = list(k, v)?,
                "executor" => f.executor = list(k, v)?,
                "district" => f.district = list(k, v)?,
                "org" => f.org = list(k, v)?,
                "applicant" => f.applicant = Some(v.chars().take(64).collect()),
                "submitted_from" => f.submitted_from = Some(instant(k, v, false)?),
                "submitted_to" => f.submitted_to = Some(instant(k, v, true)?),
                "due_from" => f.due_from = Some(instant(k, v, false)?),
                "due_to" => f.due_to = Some(instant(k, v, true)?),
                "overdue" => {
                    f.overdue = Some(match v {
                        "true" => true,
                        "false" => false,
                        _ => return Err(bad(k, "true or false")),
                    })
                }
                "sort" => {
                    let (name, asc) = match v.strip_prefix('-') {
                        Some(n) => (n, false),
                        None => (v, true),
                    };
                    let col = SORTS
                        .iter()
                        .find(|s| **s == name)
                        .ok_or_else(|| bad(k, format!("one of {}", SORTS.join(", "))))?;
                    sort = (*col, asc);
                }
                "limit" => {
                    limit = v
                        .parse::<i64>()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                        .ok_or_else(|| bad(k, format!("1 to {MAX_LIMIT}")))?;
                }
                "cursor" => {
                    after = Some(decode_cursor(v).ok_or_else(|| bad(k, "not a cursor of this table"))?)
                }
                "lang" | "format" => {}
                _ => return Err(bad(k, "unknown parameter")),
            }
        }
        Ok(TableQuery { filters: f, sort, limit, after })
    }
}

/// The cursor after a row: its sort value and id.
pub fn encode_cursor(value: &str, id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::json!([value, id]).to_string())
}

fn decode_cursor(s: &str) -> Option<(String, i64)> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).ok()?;
    let (v, id): (String, i64) = serde_json::from_slice(&bytes).ok()?;
    Some((v, id))
}

/// Whose applications a caller's table holds.
#[derive(Debug, Clone)]
pub enum TableScope {
    All,
    /// Applications with any of these access keys (`policy::applications::caller_keys`).
    Keys(Vec<String>),
}

/// A row of the table.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct TableRow {
    pub id: i64,
    pub number: Option<String>,
    pub service_id: String,
    pub status: String,
    pub stages: Vec<String>,
    pub executors: Vec<String>,
    pub org: String,
    pub district: Option<String>,
    pub applicant: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    /// The sort value, for the cursor.
    #[serde(skip)]
    pub sort_value: String,
}

/// A PostgreSQL array literal of `values` (each quoted; quotes and backslashes escaped).
///
/// ```
/// assert_eq!(qala::applications::monitoring::pg_array(&["a".into(), "b\"c".into()]), r#"{"a","b\"c"}"#);
/// ```
pub fn pg_array(values: &[String]) -> String {
    let items: Vec<String> =
        values.iter().map(|v| format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))).collect();
    format!("{{{}}}", items.join(","))
}

/// A sort column: the expression ordered by (the plain column, so that an index serves it) and
/// the type its cursor value is cast back to.
fn sort_sql(col: &str) -> (&'static str, &'static str) {
    match col {
        "submitted_at" => ("a.submitted_at", "timestamptz"),
        "due_at" => ("a.due_at", "timestamptz"),
        "number" => ("a.number", "text"),
        "status" => ("a.status", "text"),
        "service_id" => ("a.service_id", "text"),
        "district" => ("coalesce(a.district, '')", "text"),
        "org" => ("a.org", "text"),
        _ => ("a.id", "bigint"),
    }
}

/// Builds the query: the SQL and its text parameters, in order.
fn build(
    q: &TableQuery,
    scope: &TableScope,
    now: DateTime<Utc>,
    limit: Option<i64>,
) -> (String, Vec<Option<String>>) {
    let mut params: Vec<Option<String>> = Vec::new();
    let mut push = |v: Option<String>| {
        params.push(v);
        params.len()
    };
    let mut wh = vec!["a.status <> 'draft'".to_string()];
    if let TableScope::Keys(keys) = scope {
        let n = push(Some(pg_array(keys)));
        wh.push(format!("a.access && ${n}::text[]"));
    }
    let f = &q.filters;
    if let Some(num) = &f.number {
        let n = push(Some(format!("{}%", num.replace(['%', '_', '\\'], ""))));
        wh.push(format!("a.number LIKE ${n}"));
    }
    // One list filter of a few values becomes one branch per value (see below).
    let mut split: Option<Vec<String>> = None;
    for (col, vals, array) in [
        ("a.service_id", &f.service, false),
        ("a.status", &f.status, false),
        ("a.stages", &f.stage, true),
        ("a.executors", &f.executor, true),
        ("a.district", &f.district, false),
        ("a.org", &f.org, false),
    ] {
        if vals.is_empty() {
            continue;
        }
        // Arrays as parameters (not subqueries), so that the planner sees the values and picks the
        // index of the filter; the district column is char(9) and compares as such. One value of a
        // plain column is an equality: then the (column, sort) index gives the rows in order, where
        // `= ANY` makes PostgreSQL 15 scan the sort index and filter (16 ms against 1 ms warm, for
        // a district and overdue sorted by submission, in benches/RESULTS.md).
        let ty = if col == "a.district" { "bpchar" } else { "text" };
        match (array, vals.as_slice()) {
            (false, [one]) => {
                let n = push(Some(one.clone()));
                wh.push(format!("{col} = ${n}::{ty}"));
            }
            (false, many) if split.is_none() && limit.is_some() && many.len() <= MAX_SPLIT => {
                split = Some(
                    many.iter()
                        .map(|v| {
                            let n = push(Some(v.clone()));
                            format!("{col} = ${n}::{ty}")
                        })
                        .collect(),
                );
            }
            (false, _) => {
                let n = push(Some(pg_array(vals)));
                wh.push(format!("{col} = ANY(${n}::{ty}[])"));
            }
            (true, _) => {
                let n = push(Some(pg_array(vals)));
                wh.push(format!("{col} && ${n}::{ty}[]"));
            }
        }
    }
    if let Some(a) = &f.applicant {
        let n = push(Some(a.clone()));
        wh.push(format!("a.applicant = ${n}"));
    }
    for (col, op, v) in [
        ("a.submitted_at", ">=", f.submitted_from),
        ("a.submitted_at", "<", f.submitted_to),
        ("a.due_at", ">=", f.due_from),
        ("a.due_at", "<", f.due_to),
    ] {
        if let Some(t) = v {
            let n = push(Some(t.to_rfc3339()));
            wh.push(format!("{col} {op} ${n}::timestamptz"));
        }
    }
    let now_n = push(Some(now.to_rfc3339()));
    let overdue = format!("(a.status IN ('in_progress', 'returned') AND a.due_at < ${now_n}::timestamptz)");
    match f.overdue {
        Some(true) => wh.push(overdue.clone()),
        Some(false) => wh.push(format!("NOT {overdue}")),
        None => {}
    }
    let (col, asc) = q.sort;
    let (sv, ty) = sort_sql(col);
    // Submitted applications have a number, a submission and a deadline; the rare row without one
    // is left out of a table sorted by it rather than breaking the keyset.
    wh.push(format!("{sv} IS NOT NULL"));
    if let Some((v, id)) = &q.after {
        let (nv, ni) = (push(Some(v.clone())), push(Some(id.to_string())));
        let op = if asc { ">" } else { "<" };
        wh.push(format!("({sv}, a.id) {op} (${nv}::{ty}, ${ni}::bigint)"));
    }
    let dir = if asc { "ASC" } else { "DESC" };
    let cols = format!(
        "a.id, a.number, a.service_id, a.status, a.stages, a.executors, a.org, trim(a.district) AS district, \
         a.applicant, a.submitted_at, a.due_at, a.closed_at, {overdue} AS overdue, ({sv})::text AS sort_value"
    );
    let common = wh.join(" AND ");
    let sql = match (split, limit) {
        // Each value's rows come in order from the index of (column, sort) and the branches are
        // merged: PostgreSQL 15 cannot keep the order of an index scan under `= ANY`, so it would
        // walk the sort index and filter (thousands of rows for two services of fifty).
        (Some(branches), Some(l)) => {
            let parts: Vec<String> = branches
                .iter()
                .map(|b| {
                    format!(
                        "(SELECT {cols}, {sv} AS sort_key FROM applications a WHERE {common} AND {b} \
                         ORDER BY {sv} {dir}, a.id {dir} LIMIT {l})"
                    )
                })
                .collect();
            format!(
                "SELECT * FROM ({}) u ORDER BY sort_key {dir}, id {dir} LIMIT {l}",
                parts.join(" UNION ALL ")
            )
        }
        _ => {
            let limit = limit.map(|l| format!(" LIMIT {l}")).unwrap_or_default();
            format!("SELECT {cols} FROM applications a WHERE {common} ORDER BY {sv} {dir}, a.id {dir}{limit}")
        }
    };
    (sql, params)
}

async fn run(pool: &PgPool, sql: &str, params: Vec<Option<String>>) -> sqlx::Result<Vec<TableRow>> {
    let mut query = sqlx::query_as::<_, TableRow>(sql);
    for p in params {
        query = query.bind(p);
    }
    query.fetch_all(pool).await
}

/// One page and the cursor of the next (none on the last page).
pub async fn page(
    pool: &PgPool,
    q: &TableQuery,
    scope: &TableScope,
    now: DateTime<Utc>,
) -> sqlx::Result<(Vec<TableRow>, Option<String>)> {
    let (sql, params) = build(q, scope, now, Some(q.limit + 1));
    let mut rows = run(pool, &sql, params).await?;
    let next = if rows.len() as i64 > q.limit {
        rows.truncate(q.limit as usize);
        rows.last().map(|r| encode_cursor(&r.sort_value, r.id))
    } else {
        None
    };
    Ok((rows, next))
}

/// Every row of the filter (exports), at most `max`; whether more were left out.
pub async fn all(
    pool: &PgPool,
    q: &TableQuery,
    scope: &TableScope,
    now: DateTime<Utc>,
    max: i64,
) -> sqlx::Result<(Vec<TableRow>, bool)> {
    let (sql, params) = build(q, scope, now, Some(max + 1));
    let mut rows = run(pool, &sql, params).await?;
    let more = rows.len() as i64 > max;
    rows.truncate(max as usize);
    Ok((rows, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_filter_and_refuses_unknown_ones() {
        let q = TableQuery::parse(&[
            ("number", "A-2026"),
            ("executor", "berik"),
            ("submitted_from", "2026-03-01"),
            ("submitted_to", "2026-03-31"),
            ("limit", "10"),
        ])
        .unwrap();
        assert_eq!(q.filters.executor, vec!["berik"]);
        assert_eq!(q.filters.submitted_from.unwrap().to_rfc3339(), "2026-02-28T19:00:00+00:00");
        assert_eq!(q.filters.submitted_to.unwrap().to_rfc3339(), "2026-03-31T19:00:00+00:00");
        assert_eq!(TableQuery::parse(&[("limit", "0")]).unwrap_err().param, "limit");
        assert_eq!(TableQuery::parse(&[("iin", "1")]).unwrap_err().param, "iin");
        assert_eq!(TableQuery::parse(&[("cursor", "zzz")]).unwrap_err().param, "cursor");
        let c = encode_cursor("2026-03-01", 7);
        assert_eq!(
            TableQuery::parse(&[("cursor", c.as_str())]).unwrap().after,
            Some(("2026-03-01".into(), 7))
        );
    }

    #[test]
    fn the_sql_binds_every_value() {
        let q =
            TableQuery::parse(&[("service", "a,b"), ("number", "A-1%'; DROP"), ("sort", "-due_at")]).unwrap();
        let (sql, params) = build(&q, &TableScope::Keys(vec!["almaty-su".into()]), Utc::now(), Some(51));
        assert!(!sql.contains("DROP") && !sql.contains("almaty-su"), "{sql}");
        assert_eq!(params.len(), 5);
        assert!(sql.ends_with("sort_key DESC, id DESC LIMIT 51"), "{sql}");
        // One value is an equality, so that the index of (column, sort) serves the order.
        let q = TableQuery::parse(&[("district", "751710000"), ("status", "in_progress,returned")]).unwrap();
        let (sql, params) = build(&q, &TableScope::All, Utc::now(), Some(51));
        assert!(sql.contains("a.district = $3::bpchar") && sql.contains("a.status = $2::text"), "{sql}");
        assert_eq!(params[2].as_deref(), Some("751710000"));
        // Without a limit there is nothing to merge: one query with `= ANY`.
        let (sql, _) = build(&q, &TableScope::All, Utc::now(), None);
        assert!(sql.contains("a.status = ANY($1::text[])") && !sql.contains("UNION"), "{sql}");
        // A few values: one branch each, merged in the order asked for.
        let q = TableQuery::parse(&[("service", "a,b"), ("sort", "submitted_at")]).unwrap();
        let (sql, params) = build(&q, &TableScope::All, Utc::now(), Some(51));
        assert_eq!(sql.matches("UNION ALL").count(), 1, "{sql}");
        assert!(sql.contains("a.service_id = $1::text") && sql.contains("a.service_id = $2::text"), "{sql}");
        assert!(sql.ends_with("ORDER BY sort_key ASC, id ASC LIMIT 51"), "{sql}");
        assert_eq!(params[..2], [Some("a".to_string()), Some("b".to_string())]);
    }
}
