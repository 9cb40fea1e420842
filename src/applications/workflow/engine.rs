//! The workflow state machine: an application's [`ApplicationState`], an [`Action`] by an
//! [`Actor`] at an instant → the new state and the [`Event`]s it produced (for the journal and
//! notifications), or a [`Refusal`] that says why and changes nothing. Pure: the caller loads the
//! state, applies, and stores the result in one transaction. The state's types live in
//! [`super::state`] and are re-exported here; each action's rule is in `actions.rs`.
//!
//! The state holds one [`Token`] per stage being worked (several while parallel branches run),
//! each with its executor (the lock: one executor at a time; none = in the common pool). While the
//! application is returned to the applicant its clock is paused ([`ApplicationState::pauses`]).
//!
//! Refusals: [`RefusalKind::Conflict`] when the action is not possible in the application's
//! current state or stage (or someone else holds it), [`RefusalKind::Forbidden`] when the actor's
//! role, organisation or department does not allow it, [`RefusalKind::Invalid`] when the action's
//! own content is wrong (an unknown refusal code, a guard's missing fields).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{APPROVED, REFUSED, StageDef, StageKind, TransitionDef};
use crate::applications::calendar::Pause;
use crate::applications::service::ServiceDef;
use crate::i18n::Msg;

pub use super::state::{
    Action, Actor, ApplicationState, Branch, Correction, Decision, Event, HistoryEntry, MAX_COMMENT,
    MAX_FLAGGED, MAX_HISTORY, Status, Token, Visit,
};

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    /// Not possible now (the stage, the status, another executor holds it): HTTP 409.
    Conflict,
    /// Not for this actor's role, organisation or department: HTTP 403.
    Forbidden,
    /// The action's content is wrong: HTTP 422.
    Invalid,
}

/// A refused action: its kind, a message in kk/ru/en and a language-neutral detail (names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub kind: RefusalKind,
    pub msg: Msg,
    pub detail: Option<String>,
}

impl Refusal {
    /// Not possible in the current state (409).
    pub fn conflict(msg: Msg) -> Refusal {
        Refusal { kind: RefusalKind::Conflict, msg, detail: None }
    }
    /// Not for this actor ([`Msg::RoleNotAllowed`], 403).
    pub fn forbidden() -> Refusal {
        Refusal { kind: RefusalKind::Forbidden, msg: Msg::RoleNotAllowed, detail: None }
    }
    /// The action's content is wrong (422).
    pub fn invalid(msg: Msg) -> Refusal {
        Refusal { kind: RefusalKind::Invalid, msg, detail: None }
    }
    /// The same refusal with a detail (names of fields, stages, codes).
    pub fn with(mut self, detail: impl Into<String>) -> Refusal {
        self.detail = Some(detail.into());
        self
    }
}

/// What the caller knows of the application when acting: who, when, and what is filled.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub actor: &'a Actor,
    pub at: DateTime<Utc>,
    /// Names of the form fields that have a value.
    pub filled: &'a BTreeSet<String>,
    /// Ids of the passport documents that have a file.
    pub documents: &'a BTreeSet<String>,
    /// Where the overlay routed the application (read by `submit` only).
    pub route: Route,
}

/// The routing decision of a submission's overlay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Route {
    /// To the service's provider (no routing declared, or no routing polygon holds the site).
    #[default]
    Provider,
    /// To the organisation of the polygon that holds the site.
    Org(String),
    /// The site is near a boundary between organisations: to the workflow's `triage` stage (at the
    /// provider) when it has one, else to its start at the provider.
    Triage,
}

/// The result of an allowed action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub state: ApplicationState,
    pub events: Vec<Event>,
}

/// Applies `action` to `state`: the new state (with the action in its history) and its events,
/// or why not (nothing changes).
pub fn apply(
    service: &ServiceDef,
    state: &ApplicationState,
    cx: &Context<'_>,
    action: &Action,
) -> Result<Applied, Refusal> {
    if state.history.len() >= MAX_HISTORY {
        return Err(
            Refusal::conflict(Msg::ActionNotAllowed).with(format!("history of {MAX_HISTORY} actions"))
        );
    }
    let mut run = Run { service, cx, state: state.clone(), events: Vec::new() };
    super::actions::act(&mut run, action)?;
    let Run { mut state, events, .. } = run;
    if !events.is_empty() {
        state.history.push(HistoryEntry {
            at: cx.at,
            actor: cx.actor.user.clone(),
            action: action.name().to_string(),
            events: events.clone(),
        });
    }
    Ok(Applied { state, events })
}

/// An action being applied: the state it changes and the events so far.
pub(super) struct Run<'a> {
    pub service: &'a ServiceDef,
    pub cx: &'a Context<'a>,
    pub state: ApplicationState,
    pub events: Vec<Event>,
}

impl Run<'_> {
    /// The declaration of stage `id`.
    pub fn stage_def(&self, id: &str) -> Option<&StageDef> {
        self.service.workflow.stage(id)
    }

    /// The organisation that works `stage`.
    pub fn org_of(&self, stage: &StageDef) -> String {
        stage.org.clone().unwrap_or_else(|| self.state.org.clone())
    }

    /// Whether `actor` may work `stage` (role, organisation, department; admins always).
    pub fn works(&self, actor: &Actor, stage: &StageDef) -> bool {
        actor.is_admin()
            || (stage.role.as_deref().is_some_and(|r| actor.has_role(r))
                && actor.org.as_deref() == Some(self.org_of(stage).as_str())
                && stage.dept.as_ref().is_none_or(|d| actor.dept.as_ref() == Some(d)))
    }

    /// Whether `actor` manages `stage`: the workflow's manager role in its organisation, or admin.
    pub fn manages(&self, actor: &Actor, stage: &StageDef) -> bool {
        actor.is_admin()
            || (actor.has_role(&self.service.workflow.manager_role)
                && actor.org.as_deref() == Some(self.org_of(stage).as_str()))
    }

    /// Status check for staff actions: in progress, not returned, not closed.
    pub fn in_progress(&self) -> Result<(), Refusal> {
        match self.state.status {
            Status::InProgress => Ok(()),
            Status::Returned => Err(Refusal::conflict(Msg::ApplicationReturned)),
            Status::Draft => Err(Refusal::conflict(Msg::ActionNotAllowed)),
            _ => Err(Refusal::conflict(Msg::ApplicationClosed)),
        }
    }

    /// The index of the token at `stage` and its declaration, if that stage is being worked.
    pub fn current(&self, stage: &str) -> Result<(usize, StageDef), Refusal> {
        let i = self.state.tokens.iter().position(|t| t.stage == stage);
        let def = self.stage_def(stage);
        match (i, def) {
            (Some(i), Some(d)) => Ok((i, d.clone())),
            _ => {
                Err(Refusal::conflict(Msg::ActionNotAllowed)
                    .with(format!("`{stage}` is not a current stage")))
            }
        }
    }

    /// The token at `stage` when the actor holds it (the executor lock).
    pub fn held(&self, stage: &str) -> Result<(usize, StageDef), Refusal> {
        self.in_progress()?;
        let (i, def) = self.current(stage)?;
        if !self.works(self.cx.actor, &def) {
            return Err(Refusal::forbidden());
        }
        match self.state.tokens[i].executor.as_deref() {
            Some(u) if u == self.cx.actor.user => Ok((i, def)),
            Some(_) => Err(Refusal::conflict(Msg::ApplicationTaken)),
            None => Err(Refusal::conflict(Msg::ApplicationNotTaken)),
        }
    }

    /// Puts a token on `stage` (or spawns the branches of a parallel stage, or closes the
    /// application at an end).
    pub fn enter(&mut self, stage: &str, branch: Option<Branch>, trail: Vec<Visit>) {
        let at = self.cx.at;
        match stage {
            APPROVED => return self.close(Status::Approved),
            REFUSED => return self.close(Status::Refused),
            _ => {}
        }
        let Some(def) = self.stage_def(stage).cloned() else { return };
        if def.kind == StageKind::Parallel {
            self.state.done_branches.insert(def.id.clone(), BTreeSet::new());
            // A branch starts a line of its own: returning to a previous stage stops at its start.
            for (index, first) in def.branches.iter().enumerate() {
                let b = Branch { parallel: def.id.clone(), index };
                self.enter(first, Some(b), Vec::new());
            }
            return;
        }
        let org = self.org_of(&def);
        self.events.push(Event::StageEntered {
            stage: def.id.clone(),
            branch: branch.as_ref().map(|b| b.index),
            org,
        });
        self.state.tokens.push(Token { stage: def.id, branch, executor: None, entered_at: at, trail });
    }

    /// Ends the application: every running token stops.
    pub fn close(&mut self, status: Status) {
        for t in std::mem::take(&mut self.state.tokens) {
            if t.branch.is_some() {
                self.events.push(Event::BranchCancelled { stage: t.stage });
            }
        }
        self.state.done_branches.clear();
        self.state.status = status;
        self.state.closed_at = Some(self.cx.at);
        if let Some(c) = self.state.returned.take() {
            self.state.pauses.push(Pause { from: c.at, to: self.cx.at.max(c.at) });
        }
        match status {
            Status::Approved => self.events.push(Event::Approved),
            Status::Refused => {
                let d = self
                    .state
                    .refusal
                    .clone()
                    .unwrap_or(Decision { code: String::new(), text: String::new() });
                self.events.push(Event::Refused { code: d.code, text: d.text });
            }
            Status::Withdrawn => self.events.push(Event::Withdrawn),
            _ => {}
        }
    }

    /// Takes the declared transition `t` from the token at index `i`.
    pub fn take(&mut self, i: usize, t: &TransitionDef) {
        let token = self.state.tokens.remove(i);
        self.events.push(Event::Moved { verb: t.action, from: token.stage.clone(), to: t.to.clone() });
        if let Some(b) = &token.branch {
            let join = self.service.workflow.join_of(&b.parallel).unwrap_or(APPROVED).to_string();
            if t.to == join {
                return self.branch_done(b, &join);
            }
        }
        let mut trail = token.trail;
        trail.push(Visit { stage: token.stage, executor: token.executor });
        self.enter(&t.to, token.branch, trail);
    }

    fn branch_done(&mut self, b: &Branch, join: &str) {
        self.events.push(Event::BranchDone { parallel: b.parallel.clone(), branch: b.index });
        let all = self.stage_def(&b.parallel).map_or(0, |p| p.branches.len());
        let done = self.state.done_branches.entry(b.parallel.clone()).or_default();
        done.insert(b.index);
        if done.len() == all
            && !self.state.tokens.iter().any(|t| t.branch.as_ref().is_some_and(|x| x.parallel == b.parallel))
        {
            self.state.done_branches.remove(&b.parallel);
            self.events.push(Event::Joined { parallel: b.parallel.clone() });
            self.enter(join, None, Vec::new());
        }
    }
}
