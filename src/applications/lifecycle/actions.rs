//! Every action on an application but the draft's: the request as a caller sends it, turned
//! into the engine's [`Action`] (the server, not the caller, decides a resubmission's diff and an
//! assignee's roles), applied on the locked row at the caller's `If-Match` version, and stored
//! with its effects.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    Ctx, LifecycleError, Result, actor_of, check_version, documents_present, effects, filled, load_for,
};
use crate::applications::service::ServiceDef;
use crate::applications::service::form::Filler;
use crate::applications::service::values::{FormCheck, diff, validate_form};
use crate::applications::store::ApplicationRow;
use crate::applications::workflow::engine::{Action, Actor, Context, Event, Refusal, Route, apply};
use crate::applications::workflow::offers::Offer;
use crate::i18n::Msg;
use crate::policy::Caller;
use crate::policy::applications::View;

/// An action as a caller sends it (`{"action": "claim", "stage": "intake"}`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = ApplicationAction)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    Submit,
    Claim {
        stage: String,
    },
    Release {
        stage: String,
    },
    /// A manager gives the stage to the user `to` (a login).
    Assign {
        stage: String,
        to: String,
    },
    /// Save without sending: the executor's values of the provider's fields.
    Save {
        stage: Option<String>,
        #[serde(default)]
        #[schema(value_type = Object)]
        values: Map<String, Value>,
    },
    Comment {
        stage: Option<String>,
        text: String,
        #[serde(default)]
        to_applicant: bool,
    },
    ReturnForCorrections {
        stage: String,
        fields: Vec<String>,
        #[serde(default)]
        comment: Option<String>,
    },
    Resubmit,
    ReturnToPrevious {
        stage: String,
    },
    Forward {
        stage: String,
        #[serde(default)]
        to: Option<String>,
        #[serde(default)]
        #[schema(value_type = Object)]
        values: Map<String, Value>,
    },
    Approve {
        stage: String,
        #[serde(default)]
        #[schema(value_type = Object)]
        values: Map<String, Value>,
    },
    Refuse {
        stage: String,
        code: String,
        text: String,
    },
    NotCompetent {
        stage: String,
        #[serde(default)]
        reroute: Option<String>,
    },
    Withdraw,
}

/// Resolves the user an assignment names: its roles, organisation and department.
async fn assignee(cx: &Ctx<'_>, login: &str) -> Result<Actor> {
    let row: Option<(Vec<String>, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT roles, org_id, dept_id FROM users WHERE login = $1 AND status = 'active'")
            .bind(login)
            .fetch_optional(cx.pool)
            .await?;
    let (roles, org, dept) = row.ok_or_else(|| {
        LifecycleError::Refused(
            Refusal::invalid(Msg::AssigneeNotQualified).with(login.chars().take(64).collect::<String>()),
        )
    })?;
    Ok(Actor { user: login.to_string(), roles, org, dept })
}

/// Applies `request` to application `id` as `caller`, if it is still at version `if_match`.
pub async fn act(
    cx: &Ctx<'_>,
    caller: &Caller,
    id: i64,
    if_match: i32,
    request: Request,
) -> Result<Vec<Event>> {
    let actor = actor_of(caller)?;
    let mut tx = cx.pool.begin().await?;
    let mut loaded = load_for(cx, &mut tx, caller, id, true).await?;
    check_version(&loaded.row, if_match)?;
    if loaded.view == View::Public {
        return Err(LifecycleError::Refused(Refusal::forbidden()));
    }
    let before = loaded.row.clone();
    let service = loaded.service.clone();
    let mut comment = None;
    let applied = if matches!(request, Request::Submit) {
        super::submit::submit(cx, &mut tx, cx.catalog, &mut loaded, &actor).await?
    } else {
        let row = &mut loaded.row;
        let values = match &request {
            Request::Save { values, .. }
            | Request::Forward { values, .. }
            | Request::Approve { values, .. } => Some(values),
            _ => None,
        };
        if let Some(values) = values.filter(|v| !v.is_empty()) {
            // Only the executor holding a stage fills the provider's fields.
            if !row.state.tokens.iter().any(|t| t.executor.as_deref() == Some(actor.user.as_str())) {
                return Err(LifecycleError::Refused(Refusal::forbidden()));
            }
            let check = FormCheck { filler: Filler::Provider, complete: false, others: Some(&row.form.0) };
            let clean = validate_form(&service.form, values, &check).map_err(LifecycleError::Invalid)?;
            row.form.0.extend(clean);
        }
        let action = match request {
            Request::Submit => unreachable!("handled above"),
            Request::Claim { stage } => Action::Claim { stage },
            Request::Release { stage } => Action::Release { stage },
            Request::Assign { stage, to } => Action::Assign { stage, to: assignee(cx, &to).await? },
            Request::Save { stage, .. } => Action::Save { stage },
            Request::Comment { stage, text, to_applicant } => Action::Comment { stage, text, to_applicant },
            Request::ReturnForCorrections { stage, fields, comment: c } => {
                comment = c;
                Action::ReturnForCorrections { stage, fields }
            }
            Request::Resubmit => {
                let base = row.returned_form.as_ref().map(|f| f.0.clone()).unwrap_or_default();
                Action::Resubmit { changed: diff(&base, &row.form.0).into_iter().map(|c| c.field).collect() }
            }
            Request::ReturnToPrevious { stage } => Action::ReturnToPrevious { stage },
            Request::Forward { stage, to, .. } => Action::Forward { stage, to },
            Request::Approve { stage, .. } => Action::Approve { stage },
            Request::Refuse { stage, code, text } => Action::Refuse { stage, code, text },
            Request::NotCompetent { stage, reroute } => Action::NotCompetent { stage, reroute },
            Request::Withdraw => Action::Withdraw,
        };
        let (filled, documents) = (filled(&row.form.0), documents_present(&row.documents.0));
        let ecx = Context {
            actor: &actor,
            at: cx.now,
            filled: &filled,
            documents: &documents,
            route: Route::Provider,
        };
        let mut applied = apply(&service, &row.state.0, &ecx, &action).map_err(LifecycleError::Refused)?;
        // The comment of a return goes to the applicant with it: in the history, at its stage.
        if let (Action::ReturnForCorrections { stage, .. }, Some(text)) = (&action, comment.as_deref())
            && !text.trim().is_empty()
        {
            if text.chars().count() > crate::applications::workflow::engine::MAX_COMMENT {
                return Err(LifecycleError::Refused(
                    Refusal::invalid(Msg::ActionNotAllowed).with("comment: too long"),
                ));
            }
            let e =
                Event::Commented { stage: Some(stage.clone()), to_applicant: true, text: text.to_string() };
            if let Some(last) = applied.state.history.last_mut() {
                last.events.push(e.clone());
            }
            applied.events.push(e);
        }
        row.state.0 = applied.state.clone();
        for e in &applied.events {
            match e {
                Event::ReturnedForCorrections { .. } => row.returned_form = Some(row.form.clone()),
                Event::Resubmitted { .. } => row.returned_form = None,
                _ => {}
            }
        }
        effects::denormalise(cx, &service, row);
        applied
    };
    let row = &mut loaded.row;
    effects::sync_feature(&mut tx, &service, row, &actor.user).await?;
    row.version = crate::applications::store::save(&mut tx, row).await?;
    effects::record_visits(cx, &mut tx, row).await?;
    let action = applied.state.history.last().map(|h| h.action.clone()).unwrap_or_else(|| "none".into());
    effects::journal(
        &mut tx,
        &actor.user,
        id,
        &action,
        Some(&before),
        Some(row),
        &json!({"events": applied.events}),
    )
    .await?;
    effects::notify(cx, &mut tx, &service, row, &applied.events, comment.as_deref()).await?;
    let executors_before: Vec<String> =
        before.state.0.tokens.iter().filter_map(|t| t.executor.clone()).collect();
    crate::applications::inbox::record(
        &mut tx,
        &service,
        row,
        &actor.user,
        &applied.events,
        &executors_before,
    )
    .await?;
    tx.commit().await?;
    Ok(applied.events)
}

/// What `caller` may do with `row` now ([`crate::applications::workflow::offers`]), as the
/// workstation and the applicant's page show it.
pub fn offers_for(cx: &Ctx<'_>, caller: &Caller, row: &ApplicationRow, service: &ServiceDef) -> Vec<Offer> {
    let Ok(actor) = actor_of(caller) else { return Vec::new() };
    let (filled, documents) = (filled(&row.form.0), documents_present(&row.documents.0));
    let ecx =
        Context { actor: &actor, at: cx.now, filled: &filled, documents: &documents, route: Route::Provider };
    let changed: Vec<String> = match &row.returned_form {
        Some(base) => diff(&base.0, &row.form.0).into_iter().map(|c| c.field).collect(),
        None => Vec::new(),
    };
    crate::applications::workflow::offers::offers(service, &row.state.0, &ecx, &changed)
}
