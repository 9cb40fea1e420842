//! The card of an application: what a caller sees of it, by its [`View`]. Pure. Personal data
//! (the form's personal fields, files, the history with names) only for views that may see it;
//! the public gets the status, the published fields and, when published, the site.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::calendar::Calendar;
use super::service::ServiceDef;
use super::store::ApplicationRow;
use super::workflow::engine::Event;
use super::workflow::{deadlines, timeline};
use crate::i18n::Lang;
use crate::policy::applications::View;

/// The card of `row` for `view` at `now`, texts in `lang`.
pub fn card(
    row: &ApplicationRow,
    service: &ServiceDef,
    view: View,
    cal: &Calendar,
    now: DateTime<Utc>,
    lang: Lang,
) -> Value {
    let st = &row.state.0;
    let total = deadlines::total(cal, service, st, now);
    let terms = deadlines::stages(cal, service, st, now);
    let stages: Vec<Value> = st
        .tokens
        .iter()
        .map(|t| {
            let def = service.workflow.stage(&t.stage);
            json!({
                "stage": t.stage,
                "title": def.map(|d| d.title.get(lang)),
                "role": def.and_then(|d| d.role.clone()),
                "org": def.and_then(|d| d.org.clone()).unwrap_or_else(|| st.org.clone()),
                "dept": def.and_then(|d| d.dept.clone()),
                "branch": t.branch.as_ref().map(|b| json!({"parallel": b.parallel, "index": b.index})),
                "executor": if view.personal() { json!(t.executor) } else { Value::Null },
                "entered_at": t.entered_at,
                "term": terms.iter().find(|(s, _)| s == &t.stage).map(|(_, term)| json!(term)),
            })
        })
        .collect();
    let mut card = json!({
        "id": row.id,
        "number": row.number,
        "service": {"id": service.id, "version": service.version, "title": service.title.get(lang)},
        "status": row.status,
        "org": row.org,
        "district": row.district,
        "stages": stages,
        "term": total,
        "submitted_at": row.submitted_at,
        "due_at": row.due_at,
        "closed_at": row.closed_at,
        "version": row.version,
    });
    let form: Map<String, Value> = if view.personal() {
        row.form.0.clone()
    } else {
        service
            .publish
            .fields
            .iter()
            .filter_map(|f| row.form.0.get(f).map(|v| (f.clone(), v.clone())))
            .collect()
    };
    card["form"] = Value::Object(form);
    if view.personal() || service.publish.geometry {
        card["geometry"] = row.geometry.as_ref().map(|g| g.0.clone()).unwrap_or(Value::Null);
    }
    // The path from submission to result: every stage visited, branches as branches; who held
    // each only for views that may see names.
    let timeline: Vec<Value> = timeline::visits(cal, &st.history, &st.pauses_until(now), now)
        .into_iter()
        .map(|v| {
            let def = service.workflow.stage(&v.stage);
            json!({
                "stage": v.stage,
                "title": def.map(|d| d.title.get(lang)),
                "branch": v.branch,
                "executor": if view.personal() { json!(v.executor) } else { Value::Null },
                "entered_at": v.entered_at,
                "left_at": v.left_at,
                "working_days": v.working_days,
            })
        })
        .collect();
    card["timeline"] = json!(timeline);
    if let Some(r) = &st.refusal {
        card["refusal"] = json!({
            "code": r.code,
            "reason": service.refusal_reason(&r.code).map(|x| x.title.get(lang)),
            "text": if view.personal() { json!(r.text) } else { Value::Null },
        });
    }
    if view.personal() {
        card["applicant"] = json!(row.applicant);
        card["documents"] = Value::Object(row.documents.0.clone());
        let mut overlay = row.overlay.as_ref().map(|o| o.0.clone()).unwrap_or(Value::Null);
        // Open applications nearby are other applicants' (their numbers and status): for the staff
        // who check duplicates, never for an applicant.
        if view == View::Applicant
            && let Some(o) = overlay.as_object_mut()
        {
            o.remove("nearby");
        }
        card["overlay"] = overlay;
        card["returned"] = json!(st.returned);
        card["history"] = if view == View::Applicant {
            // The applicant reads the comments sent to it, not the staff's internal ones.
            let visible: Vec<_> = st
                .history
                .iter()
                .filter(|h| {
                    !h.events.iter().any(|e| matches!(e, Event::Commented { to_applicant: false, .. }))
                })
                .collect();
            json!(visible)
        } else {
            json!(st.history)
        };
        card["created_at"] = json!(row.created_at);
        card["updated_at"] = json!(row.updated_at);
    }
    card
}
