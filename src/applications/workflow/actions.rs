//! Each [`Action`] of the state machine: who may take it, in which state, and what it changes.
//!
//! - `submit`, `resubmit`, `withdraw` and a draft `save`: the applicant only;
//! - `claim`: an actor who works the stage (its role, organisation and department), from the pool;
//!   claiming a stage one already holds changes nothing;
//! - `release`: its executor or a manager; `assign`: a manager, to someone who works the stage
//!   (reassigning included);
//! - `save`, `return_for_corrections`, `return_to_previous`, `forward`, `approve`, `refuse`,
//!   `not_competent`: the executor holding the stage;
//! - `comment`: the applicant (always to the applicant's thread), the executor of a current stage,
//!   anyone who works or manages one;
//! - `return_to_previous` goes back along the stage's own line: not out of a branch, nor into the
//!   branches after their join (the line starts again there);
//! - `not_competent` with another organisation reroutes the application (stages that name no
//!   organisation go back to that organisation's pool); without one it goes to the workflow's
//!   `triage` stage (outside branches).

use super::engine::{Action, Actor, Correction, Decision, Event, Refusal, Route, Run, Status, Visit};
use super::{StageDef, TransitionDef, Verb};
use crate::applications::calendar::Pause;
use crate::i18n::Msg;

use super::engine::{MAX_COMMENT, MAX_FLAGGED};

/// Applies one action to the run's state.
pub(super) fn act(run: &mut Run<'_>, action: &Action) -> Result<(), Refusal> {
    let cx = run.cx;
    let actor = cx.actor;
    let is_applicant = actor.user == run.state.applicant;
    match action {
        Action::Submit => {
            if !is_applicant {
                return Err(Refusal::forbidden());
            }
            if run.state.status != Status::Draft {
                return Err(closed_or(run, Msg::ActionNotAllowed));
            }
            run.state.status = Status::InProgress;
            run.state.submitted_at = Some(cx.at);
            run.events.push(Event::Submitted);
            let wf = &run.service.workflow;
            let start = match &cx.route {
                Route::Org(org) => {
                    run.state.org = org.clone();
                    wf.start.clone()
                }
                Route::Triage => match wf.triage.clone() {
                    Some(triage) => {
                        run.events.push(Event::SentToTriage { from: "submission".into() });
                        triage
                    }
                    None => wf.start.clone(),
                },
                Route::Provider => wf.start.clone(),
            };
            run.enter(&start, None, Vec::new());
        }
        Action::Claim { stage } => {
            run.in_progress()?;
            let (i, def) = run.current(stage)?;
            if !run.works(actor, &def) {
                return Err(Refusal::forbidden());
            }
            match run.state.tokens[i].executor.as_deref() {
                Some(u) if u == actor.user => {}
                Some(_) => return Err(Refusal::conflict(Msg::ApplicationTaken)),
                None => {
                    run.state.tokens[i].executor = Some(actor.user.clone());
                    run.events.push(Event::Claimed { stage: stage.clone(), user: actor.user.clone() });
                }
            }
        }
        Action::Release { stage } => {
            run.in_progress()?;
            let (i, def) = run.current(stage)?;
            let holder = run.state.tokens[i].executor.clone();
            let Some(user) = holder else { return Err(Refusal::conflict(Msg::ApplicationNotTaken)) };
            if user != actor.user && !run.manages(actor, &def) {
                return Err(Refusal::forbidden());
            }
            run.state.tokens[i].executor = None;
            run.events.push(Event::Released { stage: stage.clone(), user });
        }
        Action::Assign { stage, to } => {
            run.in_progress()?;
            let (i, def) = run.current(stage)?;
            if !run.manages(actor, &def) {
                return Err(Refusal::forbidden());
            }
            if !run.works(to, &def) {
                return Err(Refusal::invalid(Msg::AssigneeNotQualified).with(to.user.clone()));
            }
            run.state.tokens[i].executor = Some(to.user.clone());
            run.events.push(Event::Assigned { stage: stage.clone(), user: to.user.clone() });
        }
        Action::Save { stage: None } => {
            if !is_applicant {
                return Err(Refusal::forbidden());
            }
            if !matches!(run.state.status, Status::Draft | Status::Returned) {
                return Err(closed_or(run, Msg::ActionNotAllowed));
            }
            run.events.push(Event::Saved { stage: None });
        }
        Action::Save { stage: Some(stage) } => {
            run.held(stage)?;
            run.events.push(Event::Saved { stage: Some(stage.clone()) });
        }
        Action::Comment { stage, text, to_applicant } => {
            comment(run, actor, is_applicant, stage, text, *to_applicant)?
        }
        Action::ReturnForCorrections { stage, fields } => {
            run.held(stage)?;
            let distinct: std::collections::BTreeSet<&String> = fields.iter().collect();
            if fields.is_empty() || fields.len() > MAX_FLAGGED || distinct.len() != fields.len() {
                return Err(Refusal::invalid(Msg::ActionNotAllowed).with("name 1 to 200 different fields"));
            }
            if let Some(f) = fields.iter().find(|f| !run.service.is_correctable(f)) {
                return Err(Refusal::invalid(Msg::FieldUnknown).with(f.chars().take(100).collect::<String>()));
            }
            run.state.status = Status::Returned;
            run.state.returned = Some(Correction {
                stage: stage.clone(),
                by: actor.user.clone(),
                at: cx.at,
                fields: fields.clone(),
            });
            run.events.push(Event::ReturnedForCorrections { stage: stage.clone(), fields: fields.clone() });
        }
        Action::Resubmit { changed } => {
            if !is_applicant {
                return Err(Refusal::forbidden());
            }
            let Some(c) = run.state.returned.clone().filter(|_| run.state.status == Status::Returned) else {
                return Err(closed_or(run, Msg::ActionNotAllowed));
            };
            if let Some(f) = changed.iter().find(|f| !c.fields.contains(f)) {
                return Err(
                    Refusal::invalid(Msg::FieldNotEditable).with(f.chars().take(100).collect::<String>())
                );
            }
            run.state.pauses.push(Pause { from: c.at, to: cx.at.max(c.at) });
            run.state.returned = None;
            run.state.status = Status::InProgress;
            run.events.push(Event::Resubmitted { changed: changed.clone() });
        }
        Action::ReturnToPrevious { stage } => {
            let (i, _) = run.held(stage)?;
            let token = &mut run.state.tokens[i];
            let Some(Visit { stage: back, executor }) = token.trail.pop() else {
                return Err(Refusal::conflict(Msg::NoPreviousStage));
            };
            token.stage = back.clone();
            token.executor = executor.clone();
            token.entered_at = cx.at;
            run.events.push(Event::ReturnedToPrevious { from: stage.clone(), to: back, executor });
        }
        Action::Forward { stage, to } => {
            let (i, def) = run.held(stage)?;
            let options: Vec<&TransitionDef> =
                def.next.iter().filter(|t| t.action == Verb::Forward).collect();
            let t = match (to, options.as_slice()) {
                (_, []) => return Err(Refusal::conflict(Msg::ActionNotAllowed).with("forward")),
                (None, [one]) => *one,
                (None, _) => {
                    let names: Vec<&str> = options.iter().map(|t| t.to.as_str()).collect();
                    return Err(
                        Refusal::invalid(Msg::ActionNotAllowed).with(format!("choose: {}", names.join(", ")))
                    );
                }
                (Some(to), _) => *options.iter().find(|t| &t.to == to).ok_or_else(|| {
                    Refusal::conflict(Msg::ActionNotAllowed).with(to.chars().take(100).collect::<String>())
                })?,
            };
            transit(run, i, &def, t)?;
        }
        Action::Approve { stage } => {
            let (i, def) = run.held(stage)?;
            let t = declared(&def, Verb::Approve)?;
            transit(run, i, &def, &t)?;
        }
        Action::Refuse { stage, code, text } => {
            let (i, def) = run.held(stage)?;
            let t = declared(&def, Verb::Refuse)?;
            if run.service.refusal_reason(code).is_none() {
                return Err(Refusal::invalid(Msg::UnknownRefusalCode)
                    .with(code.chars().take(100).collect::<String>()));
            }
            bounded_text(text)?;
            run.state.refusal = Some(Decision { code: code.clone(), text: text.trim().to_string() });
            transit(run, i, &def, &t)?;
        }
        Action::NotCompetent { stage, reroute } => not_competent(run, stage, reroute.as_deref())?,
        Action::Withdraw => {
            if !is_applicant {
                return Err(Refusal::forbidden());
            }
            if run.state.status.is_closed() {
                return Err(Refusal::conflict(Msg::ApplicationClosed));
            }
            run.close(Status::Withdrawn);
        }
    }
    Ok(())
}

/// `ApplicationClosed` for a closed application, else `msg`, as a conflict.
fn closed_or(run: &Run<'_>, msg: Msg) -> Refusal {
    Refusal::conflict(if run.state.status.is_closed() { Msg::ApplicationClosed } else { msg })
}

fn declared(def: &StageDef, verb: Verb) -> Result<TransitionDef, Refusal> {
    def.next
        .iter()
        .find(|t| t.action == verb)
        .cloned()
        .ok_or_else(|| Refusal::conflict(Msg::ActionNotAllowed).with(format!("{verb:?}").to_lowercase()))
}

fn bounded_text(text: &str) -> Result<(), Refusal> {
    if text.trim().is_empty() {
        return Err(Refusal::invalid(Msg::FieldRequired).with("text"));
    }
    if text.chars().count() > MAX_COMMENT {
        return Err(Refusal::invalid(Msg::TextTooLong).with(MAX_COMMENT.to_string()));
    }
    if text.contains('\0') {
        return Err(Refusal::invalid(Msg::NulCharacter));
    }
    Ok(())
}

/// Takes a declared transition after its guards: roles, filled fields, present documents.
fn transit(run: &mut Run<'_>, i: usize, def: &StageDef, t: &TransitionDef) -> Result<(), Refusal> {
    let actor = run.cx.actor;
    let roles: Vec<&str> = if t.roles.is_empty() {
        def.role.iter().map(String::as_str).collect()
    } else {
        t.roles.iter().map(String::as_str).collect()
    };
    if !actor.is_admin() && !roles.iter().any(|r| actor.has_role(r)) {
        return Err(Refusal::forbidden());
    }
    let missing: Vec<&str> =
        t.fields.iter().filter(|f| !run.cx.filled.contains(*f)).map(String::as_str).collect();
    if !missing.is_empty() {
        return Err(Refusal::invalid(Msg::FieldsMissing).with(missing.join(", ")));
    }
    let missing: Vec<&str> =
        t.documents.iter().filter(|d| !run.cx.documents.contains(*d)).map(String::as_str).collect();
    if !missing.is_empty() {
        return Err(Refusal::invalid(Msg::DocumentsMissing).with(missing.join(", ")));
    }
    run.take(i, t);
    Ok(())
}

fn comment(
    run: &mut Run<'_>,
    actor: &Actor,
    is_applicant: bool,
    stage: &Option<String>,
    text: &str,
    to_applicant: bool,
) -> Result<(), Refusal> {
    if !matches!(run.state.status, Status::InProgress | Status::Returned) {
        return Err(closed_or(run, Msg::ActionNotAllowed));
    }
    bounded_text(text)?;
    let allowed = if is_applicant {
        stage.is_none() && to_applicant
    } else {
        let defs: Vec<StageDef> = match stage {
            Some(s) => vec![run.current(s)?.1],
            None => run.state.tokens.iter().filter_map(|t| run.stage_def(&t.stage).cloned()).collect(),
        };
        defs.iter().any(|d| run.works(actor, d) || run.manages(actor, d))
    };
    if !allowed {
        return Err(Refusal::forbidden());
    }
    run.events.push(Event::Commented { stage: stage.clone(), to_applicant, text: text.trim().to_string() });
    Ok(())
}

fn not_competent(run: &mut Run<'_>, stage: &str, reroute: Option<&str>) -> Result<(), Refusal> {
    let (i, _) = run.held(stage)?;
    match reroute {
        Some(org) => {
            if org == run.state.org || !crate::applications::service::form::is_org_id(org) {
                return Err(
                    Refusal::invalid(Msg::NoRerouteTarget).with(org.chars().take(100).collect::<String>())
                );
            }
            let from = std::mem::replace(&mut run.state.org, org.to_string());
            run.events.push(Event::Rerouted { from, to: org.to_string() });
            // Stages of the routed organisation go to the new organisation's pool.
            let at = run.cx.at;
            for t in run.state.tokens.iter_mut() {
                if run.service.workflow.stage(&t.stage).is_some_and(|d| d.org.is_none()) {
                    t.executor = None;
                    t.entered_at = at;
                }
            }
        }
        None => {
            let triage = run.service.workflow.triage.clone();
            let token = &run.state.tokens[i];
            let Some(triage) = triage.filter(|t| token.branch.is_none() && t != stage) else {
                return Err(Refusal::conflict(Msg::NoRerouteTarget));
            };
            let token = run.state.tokens.remove(i);
            run.events.push(Event::SentToTriage { from: token.stage.clone() });
            let mut trail = token.trail;
            trail.push(Visit { stage: token.stage, executor: token.executor });
            run.enter(&triage, None, trail);
        }
    }
    Ok(())
}
