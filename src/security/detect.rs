//! The detection pass: journal events newer than the `scan` cursor, in id order, each examined once
//! by exactly one server (the cursor row is locked with `FOR UPDATE SKIP LOCKED`; a server that
//! finds it locked skips its turn). Every rule counts over the events at or before the one examined
//! (`id <=`), so the outcome does not depend on when the pass runs.
//!
//! An incident is recorded once per (rule, subject, window): the window starts at the event that
//! first crossed the threshold, and a later hit of the same rule and subject inside it only adds
//! its evidence (at most 50 event ids), unless the incident was closed meanwhile: then the hit
//! raises a new one.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::{FromRow, PgPool, Postgres, Transaction};

use super::{PRIVILEGED_ROLES, Rules, Severity};

/// Most events read per query.
const BATCH: i64 = 500;
/// Most evidence ids kept per incident.
const EVIDENCE: i64 = 50;

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScanReport {
    /// Events examined.
    pub examined: usize,
    /// Incidents raised (new ids).
    pub raised: Vec<i64>,
    /// False when another server held the cursor (nothing was examined).
    pub ran: bool,
}

#[derive(Debug, FromRow)]
struct Ev {
    id: i64,
    at: DateTime<Utc>,
    kind: String,
    actor: Option<String>,
    ip: Option<String>,
    target: Option<String>,
    outcome: String,
    detail: Value,
    age_s: f64,
}

/// One rule's finding about one event.
#[derive(Debug)]
struct Hit {
    rule: &'static str,
    subject: String,
    severity: Severity,
    window: std::time::Duration,
    evidence: Vec<i64>,
    detail: Value,
}

/// Examines the journal events not examined yet and raises incidents; `now` is when they are
/// raised (the server's clock; tests pass their own).
pub async fn scan(pool: &PgPool, rules: &Rules, now: DateTime<Utc>) -> sqlx::Result<ScanReport> {
    sqlx::query("INSERT INTO security_cursors (name) VALUES ('scan') ON CONFLICT DO NOTHING")
        .execute(pool)
        .await?;
    let mut tx = pool.begin().await?;
    let cursor: Option<i64> =
        sqlx::query_scalar("SELECT last_id FROM security_cursors WHERE name = 'scan' FOR UPDATE SKIP LOCKED")
            .fetch_optional(&mut *tx)
            .await?;
    let Some(mut last) = cursor else { return Ok(ScanReport::default()) };
    let mut report = ScanReport { ran: true, ..Default::default() };
    'batches: loop {
        let events: Vec<Ev> = sqlx::query_as(
            "SELECT id, at, kind, actor, ip, target, outcome, detail,
                    extract(epoch FROM clock_timestamp() - at)::float8 AS age_s
             FROM events WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(last)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if events.is_empty() {
            break;
        }
        for e in &events {
            if e.id != last + 1 && e.age_s < rules.settle.as_secs_f64() {
                // An earlier id may still commit: wait for it (or for the gap to grow old).
                break 'batches;
            }
            for hit in hits(&mut tx, rules, e).await? {
                if let Some(id) = record(&mut tx, e, &hit, now).await? {
                    report.raised.push(id);
                }
            }
            last = e.id;
            report.examined += 1;
        }
    }
    sqlx::query("UPDATE security_cursors SET last_id = $1, updated_at = now() WHERE name = 'scan'")
        .bind(last)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    if !report.raised.is_empty() {
        tracing::warn!(incidents = ?report.raised, "security incidents raised");
    }
    Ok(report)
}

fn secs(d: std::time::Duration) -> f64 {
    d.as_secs_f64()
}

/// The rules an event triggers.
async fn hits(tx: &mut Transaction<'_, Postgres>, rules: &Rules, e: &Ev) -> sqlx::Result<Vec<Hit>> {
    let mut out = Vec::new();
    match e.kind.as_str() {
        "login" if e.outcome != "ok" => {
            if let Some(ip) = &e.ip {
                let (n, ids) = count(
                    tx,
                    "SELECT count(DISTINCT actor), (array_agg(id ORDER BY id DESC))[1:$5] FROM events
                     WHERE kind = 'login' AND outcome <> 'ok' AND ip = $1
                       AND at > $2 - make_interval(secs => $3) AND id <= $4",
                    ip,
                    e,
                    secs(rules.guess_window),
                )
                .await?;
                if n >= rules.guess_logins {
                    out.push(Hit {
                        rule: "password_guessing",
                        subject: format!("ip:{ip}"),
                        severity: Severity::High,
                        window: rules.guess_window,
                        evidence: ids,
                        detail: json!({"logins": n, "ip": ip}),
                    });
                }
            }
            if let Some(login) = &e.actor {
                let (n, ids) = count(
                    tx,
                    "SELECT count(DISTINCT ip), (array_agg(id ORDER BY id DESC))[1:$5] FROM events
                     WHERE kind = 'login' AND outcome <> 'ok' AND actor = $1
                       AND at > $2 - make_interval(secs => $3) AND id <= $4",
                    login,
                    e,
                    secs(rules.guess_window),
                )
                .await?;
                if n >= rules.guess_addresses {
                    out.push(Hit {
                        rule: "password_guessing",
                        subject: format!("login:{login}"),
                        severity: Severity::High,
                        window: rules.guess_window,
                        evidence: ids,
                        detail: json!({"addresses": n, "login": login}),
                    });
                }
            }
        }
        "denied" => {
            if let Some(ip) = &e.ip {
                let (n, ids) = count(
                    tx,
                    "SELECT count(*), (array_agg(id ORDER BY id DESC))[1:$5] FROM events
                     WHERE kind = 'denied' AND ip = $1 AND at > $2 - make_interval(secs => $3) AND id <= $4",
                    ip,
                    e,
                    secs(rules.refusal_window),
                )
                .await?;
                if n >= rules.refusals {
                    out.push(Hit {
                        rule: "repeated_refusals",
                        subject: format!("ip:{ip}"),
                        severity: Severity::Medium,
                        window: rules.refusal_window,
                        evidence: ids,
                        detail: json!({"refusals": n, "ip": ip, "last_login": e.actor}),
                    });
                }
            }
        }
        "credential_address" => out.push(Hit {
            rule: "new_address",
            subject: e.target.clone().unwrap_or_default(),
            severity: Severity::Medium,
            window: rules.address_window,
            evidence: vec![e.id],
            detail: json!({"login": e.actor, "ip": e.ip, "known": e.detail.get("known")}),
        }),
        "admin" => {
            if let Some(hit) = rights_changed(tx, rules, e).await? {
                out.push(hit);
            }
        }
        "export" | "applications.export" => {
            if let Some(login) = &e.actor {
                let (n, rows, ids): (i64, Option<i64>, Option<Vec<i64>>) = sqlx::query_as(
                    "SELECT count(*), sum(CASE WHEN jsonb_typeof(detail->'rows') = 'number'
                                              THEN (detail->>'rows')::numeric::bigint END)::bigint,
                            (array_agg(id ORDER BY id DESC))[1:$5]
                     FROM events WHERE kind IN ('export', 'applications.export') AND actor = $1
                       AND at > $2 - make_interval(secs => $3) AND id <= $4",
                )
                .bind(login)
                .bind(e.at)
                .bind(secs(rules.export_window))
                .bind(e.id)
                .bind(EVIDENCE)
                .fetch_one(&mut **tx)
                .await?;
                let rows = rows.unwrap_or(0);
                if n >= rules.exports || rows >= rules.export_rows {
                    out.push(Hit {
                        rule: "mass_export",
                        subject: format!("login:{login}"),
                        severity: Severity::High,
                        window: rules.export_window,
                        evidence: ids.unwrap_or_default(),
                        detail: json!({"exports": n, "rows": rows, "login": login}),
                    });
                }
            }
        }
        _ => {}
    }
    Ok(out)
}

/// A count over the window before `e` and the newest evidence ids; `$1` is `key`.
async fn count(
    tx: &mut Transaction<'_, Postgres>,
    sql: &str,
    key: &str,
    e: &Ev,
    window_s: f64,
) -> sqlx::Result<(i64, Vec<i64>)> {
    let (n, ids): (i64, Option<Vec<i64>>) = sqlx::query_as(sql)
        .bind(key)
        .bind(e.at)
        .bind(window_s)
        .bind(e.id)
        .bind(EVIDENCE)
        .fetch_one(&mut **tx)
        .await?;
    Ok((n, ids.unwrap_or_default()))
}

/// The roles an admin event gives its target: `detail.detail.roles` (the admin API) or
/// `detail.roles` (`qala user add`).
fn roles_of(detail: &Value) -> Option<Vec<String>> {
    let roles = detail.get("detail").and_then(|d| d.get("roles")).or_else(|| detail.get("roles"))?;
    serde_json::from_value(roles.clone()).ok()
}

/// An admin event that grants or removes a role (compared with the roles the journal last
/// recorded for the same user) or makes a user with a privileged role. A user never seen in the
/// journal before counts as having had no role worth reporting.
async fn rights_changed(
    tx: &mut Transaction<'_, Postgres>,
    rules: &Rules,
    e: &Ev,
) -> sqlx::Result<Option<Hit>> {
    let Some(after) = roles_of(&e.detail) else { return Ok(None) };
    let Some(target) = &e.target else { return Ok(None) };
    let previous: Option<Value> = sqlx::query_scalar(
        "SELECT detail FROM events WHERE kind = 'admin' AND target = $1 AND id < $2
           AND (detail->'detail' ? 'roles' OR detail ? 'roles')
         ORDER BY id DESC LIMIT 1",
    )
    .bind(target)
    .bind(e.id)
    .fetch_optional(&mut **tx)
    .await?;
    let before = previous.as_ref().and_then(roles_of);
    let (granted, removed): (Vec<&String>, Vec<String>) = match &before {
        Some(b) => (
            after.iter().filter(|r| !b.contains(r)).collect(),
            b.iter().filter(|r| !after.contains(r)).cloned().collect(),
        ),
        None => (after.iter().filter(|r| PRIVILEGED_ROLES.contains(&r.as_str())).collect(), Vec::new()),
    };
    if granted.is_empty() && removed.is_empty() {
        return Ok(None);
    }
    let privileged = granted
        .iter()
        .map(|r| r.as_str())
        .chain(removed.iter().map(String::as_str))
        .any(|r| PRIVILEGED_ROLES.contains(&r));
    Ok(Some(Hit {
        rule: "admin_rights",
        subject: format!("user:{target}"),
        severity: if privileged { Severity::High } else { Severity::Medium },
        window: rules.admin_window,
        evidence: vec![e.id],
        detail: json!({"user": target, "by": e.actor, "granted": granted, "removed": removed, "roles": after}),
    }))
}

/// Adds `hit` to the incident of its (rule, subject) whose window holds `e`, or raises a new one
/// whose window starts at `e`; returns the id of a new incident.
async fn record(
    tx: &mut Transaction<'_, Postgres>,
    e: &Ev,
    hit: &Hit,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM incidents WHERE rule = $1 AND subject = $2 AND state <> 'closed'
           AND window_start > $3 - make_interval(secs => $4) AND window_start <= $3
         ORDER BY window_start DESC LIMIT 1",
    )
    .bind(hit.rule)
    .bind(&hit.subject)
    .bind(e.at)
    .bind(secs(hit.window))
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = existing {
        sqlx::query(
            "UPDATE incidents SET
                evidence = (SELECT array_agg(x ORDER BY x) FROM
                    (SELECT DISTINCT x FROM unnest(evidence || $2::bigint[]) x ORDER BY x DESC LIMIT $3) s),
                detail = $4, last_seen = $5
             WHERE id = $1",
        )
        .bind(id)
        .bind(&hit.evidence)
        .bind(EVIDENCE)
        .bind(&hit.detail)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        return Ok(None);
    }
    let mut evidence = hit.evidence.clone();
    evidence.sort_unstable();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO incidents (rule, subject, window_start, severity, evidence, detail, raised_at, last_seen)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(hit.rule)
    .bind(&hit.subject)
    .bind(e.at)
    .bind(hit.severity.as_str())
    .bind(&evidence)
    .bind(&hit.detail)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(Some(id))
}
