//! What an action leaves besides the new state, all on the action's transaction: the row's
//! denormalised columns (status, stages, executors, deadline), the application's feature on the
//! map, the journal entry with before and after, and the notifications of its events.

use serde_json::{Value, json};
use sqlx::PgConnection;

use super::Ctx;
use crate::applications::service::ServiceDef;
use crate::applications::service::form::FieldType;
use crate::applications::store::{self, ApplicationRow};
use crate::applications::workflow::engine::{Event, Status};
use crate::applications::workflow::{deadlines, timeline};
use crate::i18n::Lang;
use crate::notify::{Channel, NewNotification};

/// The status column's name for a status.
pub fn status_name(s: Status) -> &'static str {
    match s {
        Status::Draft => "draft",
        Status::InProgress => "in_progress",
        Status::Returned => "returned",
        Status::Approved => "approved",
        Status::Refused => "refused",
        Status::Withdrawn => "withdrawn",
    }
}

/// Copies the state into the row's columns and computes the total deadline.
pub fn denormalise(cx: &Ctx<'_>, service: &ServiceDef, row: &mut ApplicationRow) {
    let st = &row.state.0;
    row.status = status_name(st.status).to_string();
    row.org = st.org.clone();
    row.stages = st.tokens.iter().map(|t| t.stage.clone()).collect();
    row.executors = st.tokens.iter().filter_map(|t| t.executor.clone()).collect();
    row.access = crate::policy::applications::access_keys(service, &st.org);
    row.submitted_at = st.submitted_at;
    row.closed_at = st.closed_at;
    let cal = cx.registry.calendar();
    row.due_at = deadlines::total(&cal, service, st, cx.now).map(|t| t.due);
}

/// The attributes of the application's feature: what the map shows, never personal data.
pub fn feature_attrs(service: &ServiceDef, row: &ApplicationRow) -> Value {
    let mut attrs = serde_json::Map::new();
    attrs.insert("number".into(), json!(row.number));
    attrs.insert("service".into(), json!(service.id));
    attrs.insert("status".into(), json!(row.status));
    attrs.insert("org".into(), json!(row.org));
    attrs.insert("district".into(), json!(row.district));
    attrs.insert("submitted".into(), json!(row.submitted_at.map(|t| t.to_rfc3339())));
    attrs.insert("due".into(), json!(row.due_at.map(|t| t.to_rfc3339())));
    attrs.insert("public".into(), json!(service.publish.public));
    attrs.insert("access".into(), json!(crate::policy::applications::access_keys(service, &row.org)));
    if service.publish.public {
        for name in &service.publish.fields {
            if let Some(v) = row.form.0.get(name) {
                attrs.insert(format!("f_{name}"), v.clone());
            }
        }
    }
    Value::Object(attrs)
}

/// Creates or refreshes the application's feature (submitted applications with a site).
pub async fn sync_feature(
    conn: &mut PgConnection,
    service: &ServiceDef,
    row: &mut ApplicationRow,
    actor: &str,
) -> sqlx::Result<()> {
    if row.status == "draft" || row.geometry.is_none() {
        return Ok(());
    }
    let attrs = feature_attrs(service, row);
    row.feature_id = store::put_feature(conn, row.id, row.feature_id, &attrs, actor).await?;
    Ok(())
}

/// Keeps the application's stage visits (analytics' time per stage) in step with its history.
pub async fn record_visits(cx: &Ctx<'_>, conn: &mut PgConnection, row: &ApplicationRow) -> sqlx::Result<()> {
    let st = &row.state.0;
    let cal = cx.registry.calendar();
    let visits = timeline::visits(&cal, &st.history, &st.pauses_until(cx.now), cx.now);
    store::replace_visits(conn, row.id, &row.service_id, &visits).await
}

/// One journal entry of an action on application `id`: who, what, before and after.
pub async fn journal(
    conn: &mut PgConnection,
    actor: &str,
    id: i64,
    action: &str,
    before: Option<&ApplicationRow>,
    after: Option<&ApplicationRow>,
    extra: &Value,
) -> sqlx::Result<()> {
    let summary = |r: &ApplicationRow| json!({"status": r.status, "org": r.org, "stages": r.stages, "executors": r.executors, "version": r.version});
    let detail = json!({
        "before": before.map(summary),
        "after": after.map(summary),
        "detail": extra,
    });
    crate::auth::journal::record_in(
        &mut *conn,
        &format!("application.{action}"),
        Some(actor),
        None,
        Some(&format!("application:{id}")),
        "ok",
        detail,
    )
    .await
}

/// The applicant's e-mail and phone from the form (the first e-mail and phone fields filled).
fn contacts(service: &ServiceDef, row: &ApplicationRow) -> (Option<String>, Option<String>) {
    let find = |kind: FieldType| {
        service
            .form
            .iter()
            .filter(|f| f.kind == kind)
            .find_map(|f| row.form.0.get(&f.name).and_then(Value::as_str).map(str::to_string))
    };
    (find(FieldType::Email), find(FieldType::Phone))
}

/// The applicant's name from the form: the first personal text field filled, else the login.
fn applicant_name(service: &ServiceDef, row: &ApplicationRow) -> String {
    service
        .form
        .iter()
        .filter(|f| f.name.contains("name") && f.kind == FieldType::Text)
        .find_map(|f| row.form.0.get(&f.name).and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| row.applicant.clone())
}

/// The notification event of an engine event, for the applicant.
fn applicant_event(e: &Event) -> Option<&'static str> {
    Some(match e {
        Event::Submitted => "application.submitted",
        Event::ReturnedForCorrections { .. } => "application.returned",
        Event::Approved => "application.approved",
        Event::Refused { .. } => "application.refused",
        Event::Withdrawn => "application.withdrawn",
        _ => return None,
    })
}

/// Writes the notifications of `events` into the outbox (the applicant's, by e-mail and SMS, in
/// the application's language).
pub async fn notify(
    cx: &Ctx<'_>,
    conn: &mut PgConnection,
    service: &ServiceDef,
    row: &ApplicationRow,
    events: &[Event],
    comment: Option<&str>,
) -> sqlx::Result<()> {
    notify_assignees(cx, conn, service, row, events).await?;
    let lang = Lang::parse(&row.lang).unwrap_or_default();
    let (email, phone) = contacts(service, row);
    for e in events {
        let Some(event) = applicant_event(e) else { continue };
        let mut data = json!({
            "application": {"number": row.number, "url": format!("{}/api/applications/{}", cx.public_url, row.id)},
            "service": {"title": service.title.get(lang)},
            "recipient": {"name": applicant_name(service, row)},
            "due": {"date": row.due_at.map(|t| cx.registry.calendar().local_date(t).to_string())},
        });
        match e {
            Event::ReturnedForCorrections { fields, .. } => {
                data["fields"] = json!(fields.join(", "));
                data["comment"] = json!(comment.unwrap_or(""));
            }
            Event::Refused { code, text } => {
                let reason = service.refusal_reason(code).map(|r| r.title.get(lang).to_string());
                data["refusal"] = json!({"reason": reason.unwrap_or_else(|| code.clone()), "text": text});
            }
            Event::Approved => {
                data["document"] =
                    json!({"url": format!("{}/api/applications/{}/document.pdf", cx.public_url, row.id)});
            }
            _ => {}
        }
        for (channel, to) in [(Channel::Email, &email), (Channel::Sms, &phone)] {
            if let Some(to) = to {
                crate::notify::enqueue(
                    &mut *conn,
                    &NewNotification {
                        subject_kind: "application",
                        subject_id: Some(row.id),
                        event,
                        channel,
                        recipient: to,
                        lang,
                        data: &data,
                    },
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// `application.assigned` to a user a manager gave a stage to, from its user contacts, in its
/// language, with the stage's deadline.
async fn notify_assignees(
    cx: &Ctx<'_>,
    conn: &mut PgConnection,
    service: &ServiceDef,
    row: &ApplicationRow,
    events: &[Event],
) -> sqlx::Result<()> {
    let cal = cx.registry.calendar();
    for e in events {
        let Event::Assigned { stage, user } = e else { continue };
        let contact: Option<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT full_name, lang, email, phone FROM users WHERE login = $1 AND status = 'active'",
        )
        .bind(user)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((name, lang, email, phone)) = contact else { continue };
        let lang = Lang::parse(&lang).unwrap_or_default();
        let def = service.workflow.stage(stage);
        let due = deadlines::stages(&cal, service, &row.state.0, cx.now)
            .into_iter()
            .find(|(s, _)| s == stage)
            .map(|(_, t)| cal.local_date(t.due).to_string());
        let data = json!({
            "application": {"number": row.number, "url": format!("{}/api/applications/{}", cx.public_url, row.id)},
            "service": {"title": service.title.get(lang)},
            "recipient": {"name": if name.trim().is_empty() { user.clone() } else { name.clone() }},
            "stage": {"title": def.map(|d| d.title.get(lang).to_string())},
            "executor": {"name": if name.trim().is_empty() { user.clone() } else { name }},
            "due": {"date": due},
        });
        for (channel, to) in [(Channel::Email, email), (Channel::Sms, phone)] {
            let Some(to) = to else { continue };
            let n = NewNotification {
                subject_kind: "application",
                subject_id: Some(row.id),
                event: "application.assigned",
                channel,
                recipient: &to,
                lang,
                data: &data,
            };
            crate::notify::enqueue(&mut *conn, &n).await?;
        }
    }
    Ok(())
}
