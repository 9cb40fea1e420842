//! In-app notifications (the header's bell): what changed on a user's applications and in its
//! queue. [`record`] writes them in the transaction of the action that caused them; [`list`] reads
//! them back with their texts made in the reader's language ([`text`], pure); [`mark_read`].
//!
//! Who hears of what: the applicant of a return, approval, refusal, a comment sent to it; the
//! executors of the current stages of a resubmission, a withdrawal, an applicant's comment; an
//! assignee of its assignment; everyone who may claim a stage that enters a pool unclaimed. Nobody
//! hears of its own action.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use super::registry::Registry;
use super::service::ServiceDef;
use super::store::ApplicationRow;
use super::workflow::engine::Event;
use crate::i18n::Lang;

/// Most items one read returns.
pub const MAX_LIMIT: i64 = 100;

/// One notification to write: to whom, what, at which stage.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub login: String,
    pub event: &'static str,
    pub stage: Option<String>,
}

/// The entries `events` of an action by `actor` make. `executors`: those who held the current
/// stages before the action (a withdrawal closes them); `pool_users(stage)`: who may claim it.
pub fn entries(
    row: &ApplicationRow,
    actor: &str,
    events: &[Event],
    executors_before: &[String],
    pool_users: &dyn Fn(&str) -> Vec<String>,
) -> Vec<Entry> {
    let applicant = row.applicant.as_str();
    let executors_now: Vec<String> = row.state.0.tokens.iter().filter_map(|t| t.executor.clone()).collect();
    let mut out = BTreeSet::new();
    let mut add = |login: &str, event: &'static str, stage: Option<&str>| {
        if login != actor {
            out.insert(Entry { login: login.to_string(), event, stage: stage.map(str::to_string) });
        }
    };
    for e in events {
        match e {
            Event::ReturnedForCorrections { .. } => add(applicant, "returned", None),
            Event::Approved => add(applicant, "approved", None),
            Event::Refused { .. } => add(applicant, "refused", None),
            // A return's own comment is part of the return.
            Event::Commented { to_applicant: true, stage, .. }
                if actor != applicant
                    && !events.iter().any(|e| matches!(e, Event::ReturnedForCorrections { .. })) =>
            {
                add(applicant, "comment", stage.as_deref())
            }
            Event::Commented { .. } if actor == applicant => {
                for x in &executors_now {
                    add(x, "comment", None);
                }
            }
            Event::Resubmitted { .. } => {
                for x in &executors_now {
                    add(x, "resubmitted", None);
                }
            }
            Event::Withdrawn => {
                for x in executors_before {
                    add(x, "withdrawn", None);
                }
            }
            Event::Assigned { stage, user } => add(user, "assigned", Some(stage)),
            Event::StageEntered { stage, .. } => {
                let unclaimed = row.state.0.tokens.iter().any(|t| &t.stage == stage && t.executor.is_none());
                if unclaimed {
                    for x in pool_users(stage) {
                        add(&x, "in_pool", Some(stage));
                    }
                }
            }
            _ => {}
        }
    }
    out.into_iter().collect()
}

/// Writes the entries of an action (in its transaction).
pub async fn record(
    conn: &mut PgConnection,
    service: &ServiceDef,
    row: &ApplicationRow,
    actor: &str,
    events: &[Event],
    executors_before: &[String],
) -> sqlx::Result<()> {
    // Who may claim each stage entered: active users of its organisation (and department) with
    // its role. Read once per stage entered.
    let mut pools: Vec<(String, Vec<String>)> = Vec::new();
    for e in events {
        let Event::StageEntered { stage, .. } = e else { continue };
        let Some(def) = service.workflow.stage(stage) else { continue };
        let org = def.org.clone().unwrap_or_else(|| row.state.0.org.clone());
        let users: Vec<String> = sqlx::query_scalar(
            "SELECT login FROM users WHERE status = 'active' AND org_id = $1 \
             AND ($2::text IS NULL OR dept_id = $2) AND ($3::text IS NULL OR $3 = ANY(roles)) LIMIT 200",
        )
        .bind(&org)
        .bind(&def.dept)
        .bind(&def.role)
        .fetch_all(&mut *conn)
        .await?;
        pools.push((stage.clone(), users));
    }
    let pool_users = |s: &str| pools.iter().find(|(x, _)| x == s).map(|(_, u)| u.clone()).unwrap_or_default();
    let list = entries(row, actor, events, executors_before, &pool_users);
    if list.is_empty() {
        return Ok(());
    }
    let logins: Vec<&str> = list.iter().map(|e| e.login.as_str()).collect();
    let kinds: Vec<&str> = list.iter().map(|e| e.event).collect();
    let stages: Vec<Option<&str>> = list.iter().map(|e| e.stage.as_deref()).collect();
    sqlx::query(
        "INSERT INTO inbox (login, application_id, event, stage) \
         SELECT l, $2, e, s FROM unnest($1::text[], $3::text[], $4::text[]) AS x(l, e, s)",
    )
    .bind(&logins)
    .bind(row.id)
    .bind(&kinds)
    .bind(&stages)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One notification as the reader sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: i64,
    pub application_id: i64,
    pub number: Option<String>,
    pub event: String,
    pub text: String,
    pub at: DateTime<Utc>,
    pub read: bool,
    /// Where the web front end shows the application to this reader.
    pub link: String,
}

/// The unread count and the newest `limit` notifications of `login`, texts in `lang`.
pub async fn list(
    pool: &PgPool,
    reg: &Registry,
    login: &str,
    limit: i64,
    lang: Lang,
) -> sqlx::Result<(i64, Vec<Item>)> {
    let unread: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox WHERE login = $1 AND read_at IS NULL")
        .bind(login)
        .fetch_one(pool)
        .await?;
    type Row = (i64, i64, Option<String>, String, Option<String>, DateTime<Utc>, bool, String, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT i.id, i.application_id, a.number, i.event, i.stage, i.at, i.read_at IS NOT NULL, a.service_id, a.applicant \
         FROM inbox i JOIN applications a ON a.id = i.application_id \
         WHERE i.login = $1 ORDER BY i.id DESC LIMIT $2",
    )
    .bind(login)
    .bind(limit.clamp(1, MAX_LIMIT))
    .fetch_all(pool)
    .await?;
    let items = rows
        .into_iter()
        .map(|(id, app, number, event, stage, at, read, service_id, applicant)| {
            let service = reg.service(&service_id);
            let title = service.as_ref().map(|s| s.title.get(lang).to_string()).unwrap_or(service_id);
            let stage_title = stage.as_deref().and_then(|s| {
                service.as_ref().and_then(|d| d.workflow.stage(s)).map(|d| d.title.get(lang).to_string())
            });
            let no = number.clone().unwrap_or_else(|| format!("#{app}"));
            let link = if applicant == login { format!("/app/my/{app}") } else { format!("/app/work/{app}") };
            Item {
                id,
                application_id: app,
                number,
                text: text(&event, lang, &no, &title, stage_title.as_deref()),
                event,
                at,
                read,
                link,
            }
        })
        .collect();
    Ok((unread, items))
}

/// Marks `login`'s notifications up to `up_to` (an id) as read; how many.
pub async fn mark_read(pool: &PgPool, login: &str, up_to: i64) -> sqlx::Result<u64> {
    let r = sqlx::query("UPDATE inbox SET read_at = now() WHERE login = $1 AND id <= $2 AND read_at IS NULL")
        .bind(login)
        .bind(up_to)
        .execute(pool)
        .await?;
    Ok(r.rows_affected())
}

/// The text of a notification in `lang`.
///
/// ```
/// use qala::applications::inbox::text;
/// use qala::i18n::Lang;
/// assert_eq!(text("returned", Lang::En, "A-2026-000001", "Water connection", None),
///     "A-2026-000001 (Water connection): returned to you for corrections");
/// assert!(text("in_pool", Lang::Kk, "A-1", "Су", Some("Қабылдау")).contains("Қабылдау"));
/// ```
pub fn text(event: &str, lang: Lang, number: &str, service: &str, stage: Option<&str>) -> String {
    let stage = stage.unwrap_or("");
    let what = match (event, lang) {
        ("returned", Lang::Kk) => "түзетуге сізге қайтарылды".to_string(),
        ("returned", Lang::Ru) => "возвращена вам на исправление".to_string(),
        ("returned", Lang::En) => "returned to you for corrections".to_string(),
        ("approved", Lang::Kk) => "мақұлданды, нәтижесін жүктеп алуға болады".to_string(),
        ("approved", Lang::Ru) => "одобрена, результат можно скачать".to_string(),
        ("approved", Lang::En) => "approved; the result can be downloaded".to_string(),
        ("refused", Lang::Kk) => "бас тартылды".to_string(),
        ("refused", Lang::Ru) => "отказано".to_string(),
        ("refused", Lang::En) => "refused".to_string(),
        ("comment", Lang::Kk) => "жаңа пікір".to_string(),
        ("comment", Lang::Ru) => "новый комментарий".to_string(),
        ("comment", Lang::En) => "a new comment".to_string(),
        ("resubmitted", Lang::Kk) => "өтініш беруші түзетіп, қайта жіберді".to_string(),
        ("resubmitted", Lang::Ru) => "заявитель исправил и отправил снова".to_string(),
        ("resubmitted", Lang::En) => "corrected and sent again by the applicant".to_string(),
        ("withdrawn", Lang::Kk) => "өтініш беруші кері қайтарып алды".to_string(),
        ("withdrawn", Lang::Ru) => "отозвана заявителем".to_string(),
        ("withdrawn", Lang::En) => "withdrawn by the applicant".to_string(),
        ("assigned", Lang::Kk) => format!("сізге тағайындалды: {stage}"),
        ("assigned", Lang::Ru) => format!("назначена вам: {stage}"),
        ("assigned", Lang::En) => format!("assigned to you: {stage}"),
        ("in_pool", Lang::Kk) => format!("жалпы кезекте күтеді: {stage}"),
        ("in_pool", Lang::Ru) => format!("ждёт в общей очереди: {stage}"),
        ("in_pool", Lang::En) => format!("waiting in the common pool: {stage}"),
        (_, Lang::Kk) => "өзгерді".to_string(),
        (_, Lang::Ru) => "изменена".to_string(),
        (_, Lang::En) => "changed".to_string(),
    };
    format!("{number} ({service}): {what}")
}
