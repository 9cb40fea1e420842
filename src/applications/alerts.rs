//! Deadline alerts (APP-2): when a stage being worked has used 50, 80 and 100% of its term (in
//! working days, paused while the application is with the applicant), its executor and the
//! managers of its organisation get `application.deadline_alert` by e-mail and SMS, from their
//! user contacts, in their language. Each threshold is sent once per stage visit
//! (`application_alerts`); a first look at a stage already past several thresholds sends only the
//! highest. [`run_once`] is one pass; `qala serve` runs it every minute on the registry's clock.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;

use super::registry::Registry;
use super::workflow::deadlines;
use super::workflow::engine::ApplicationState;
use crate::i18n::Lang;
use crate::notify::{Channel, NewNotification};

/// The [`crate::db::leader`] job name under which a pass runs, so that of several servers sharing
/// the database one at a time does.
pub const LOCK: &str = "applications.deadline_alerts";

/// Most applications one pass looks at (the nearest deadlines first).
pub const MAX_PER_PASS: i64 = 5_000;

/// An open application: id, service, version, number, organisation, state.
type OpenRow = (i64, String, i32, Option<String>, String, sqlx::types::Json<ApplicationState>);
/// A recipient: login, name, language, e-mail, phone.
type Recipient = (String, String, String, Option<String>, Option<String>);

/// The thresholds, percent of a term.
const THRESHOLDS: [i16; 3] = [50, 80, 100];

/// One pass at `now`: the alerts written into the outbox.
pub async fn run_once(
    pool: &PgPool,
    registry: &Registry,
    public_url: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<usize> {
    let rows: Vec<OpenRow> = sqlx::query_as(
        "SELECT id, service_id, service_version, number, org, state FROM applications
         WHERE status = 'in_progress' ORDER BY due_at NULLS LAST, id LIMIT $1",
    )
    .bind(MAX_PER_PASS)
    .fetch_all(pool)
    .await?;
    let cal = registry.calendar();
    let mut sent = 0;
    for (id, service_id, version, number, org, state) in rows {
        let Some(service) = registry.service_at(pool, &service_id, version as u32).await? else { continue };
        for t in &state.0.tokens {
            let Some(def) = service.workflow.stage(&t.stage) else { continue };
            let Some(days) = def.days else { continue };
            let term = deadlines::term(&cal, &state.0, t.entered_at, days, now);
            let crossed: Vec<i16> =
                THRESHOLDS.iter().copied().filter(|p| term.share * 100.0 >= f64::from(*p)).collect();
            let Some(&highest) = crossed.last() else { continue };
            let mut tx = pool.begin().await?;
            let mut new = false;
            for p in &crossed {
                let inserted = sqlx::query(
                    "INSERT INTO application_alerts (application_id, stage, entered_at, percent) VALUES ($1, $2, $3, $4)
                     ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(&t.stage)
                .bind(t.entered_at)
                .bind(p)
                .execute(&mut *tx)
                .await?;
                new |= inserted.rows_affected() > 0 && *p == highest;
            }
            if new {
                let stage_org = def.org.clone().unwrap_or_else(|| org.clone());
                let recipients: Vec<Recipient> = sqlx::query_as(
                    "SELECT login, full_name, lang, email, phone FROM users
                     WHERE status = 'active' AND (login = $1 OR (org_id = $2 AND $3 = ANY(roles)))",
                )
                .bind(&t.executor)
                .bind(&stage_org)
                .bind(&service.workflow.manager_role)
                .fetch_all(&mut *tx)
                .await?;
                for (login, name, lang, email, phone) in recipients {
                    let lang = Lang::parse(&lang).unwrap_or_default();
                    let data = json!({
                        "application": {"number": number, "url": format!("{public_url}/api/applications/{id}")},
                        "service": {"title": service.title.get(lang)},
                        "recipient": {"name": if name.is_empty() { login.clone() } else { name }},
                        "stage": {"title": def.title.get(lang)},
                        "percent": highest,
                        "due": {"date": cal.local_date(term.due).to_string()},
                        "executor": {"name": t.executor.clone().unwrap_or_else(|| "—".into())},
                    });
                    for (channel, to) in [(Channel::Email, email), (Channel::Sms, phone)] {
                        let Some(to) = to else { continue };
                        let n = NewNotification {
                            subject_kind: "application",
                            subject_id: Some(id),
                            event: "application.deadline_alert",
                            channel,
                            recipient: &to,
                            lang,
                            data: &data,
                        };
                        crate::notify::enqueue(&mut tx, &n).await?;
                        sent += 1;
                    }
                }
            }
            tx.commit().await?;
        }
    }
    Ok(sent)
}
