//! What a caller may do with an application now: every action the workflow declares at its
//! current stages (and the applicant's own), each tried against the engine on a copy of the state,
//! so that the answer and its refusal are exactly what acting would give. Pure.
//!
//! The workstation shows these as buttons (allowed ones active, the others with the engine's
//! reason); acting still goes through [`super::engine::apply`], which decides again.

use serde::Serialize;

use super::engine::{Action, Actor, ApplicationState, Context, Refusal, Run, Status, apply};
use super::{StageKind, Verb};
use crate::applications::service::ServiceDef;

/// One action the caller might take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    /// The action's name, as `POST /actions` takes it.
    pub action: &'static str,
    /// The stage it acts on (none: the applicant's actions).
    pub stage: Option<String>,
    /// Whether the engine would take it now.
    pub allowed: bool,
    /// Why not, when it would not.
    #[serde(skip)]
    pub refusal: Option<Refusal>,
    /// Stages a `forward` may go to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
}

fn offer(
    service: &ServiceDef,
    state: &ApplicationState,
    cx: &Context<'_>,
    action: Action,
    stage: Option<&str>,
) -> Offer {
    let result = apply(service, state, cx, &action);
    Offer {
        action: action.name(),
        stage: stage.map(str::to_string),
        allowed: result.is_ok(),
        refusal: result.err(),
        to: Vec::new(),
    }
}

/// The actions of `cx.actor` on `state` now.
///
/// Staff get, per current task stage: claim, release, assign (managers), save, comment,
/// return for corrections, return to the previous stage, forward/approve/refuse where the stage
/// declares them, and not competent. The applicant gets submit (a draft), resubmit (returned),
/// withdraw and comment. Actions that cannot apply to the caller's side at all are left out;
/// those that could but not now are kept with `allowed: false` and the engine's refusal.
///
/// `changed`: the fields a resubmission would name (the form against the returned one).
pub fn offers(
    service: &ServiceDef,
    state: &ApplicationState,
    cx: &Context<'_>,
    changed: &[String],
) -> Vec<Offer> {
    let mut out = Vec::new();
    if cx.actor.user == state.applicant {
        match state.status {
            Status::Draft => out.push(offer(service, state, cx, Action::Submit, None)),
            Status::Returned => {
                out.push(offer(service, state, cx, Action::Resubmit { changed: changed.to_vec() }, None));
            }
            _ => {}
        }
        if !state.status.is_closed() && state.status != Status::Draft {
            out.push(offer(
                service,
                state,
                cx,
                Action::Comment { stage: None, text: "?".into(), to_applicant: true },
                None,
            ));
        }
        if !state.status.is_closed() {
            out.push(offer(service, state, cx, Action::Withdraw, None));
        }
        return out;
    }
    if state.status == Status::Draft {
        return out;
    }
    let first_field = service.form.iter().map(|f| f.name.clone()).find(|f| service.is_correctable(f));
    for token in &state.tokens {
        let Some(def) = service.workflow.stage(&token.stage) else { continue };
        if def.kind != StageKind::Task {
            continue;
        }
        // Staff who neither work nor manage the stage have nothing to do there.
        let run = Run { service, cx, state: state.clone(), events: Vec::new() };
        if !run.works(cx.actor, def) && !run.manages(cx.actor, def) {
            continue;
        }
        let stage = token.stage.as_str();
        let s = || stage.to_string();
        let org = def.org.clone().unwrap_or_else(|| state.org.clone());
        let worker = Actor {
            user: "\u{0}probe".into(),
            roles: def.role.iter().cloned().collect(),
            org: Some(org),
            dept: def.dept.clone(),
        };
        let mut actions = vec![
            Action::Claim { stage: s() },
            Action::Release { stage: s() },
            Action::Assign { stage: s(), to: worker },
            Action::Save { stage: Some(s()) },
            Action::Comment { stage: Some(s()), text: "?".into(), to_applicant: false },
        ];
        if let Some(f) = &first_field {
            actions.push(Action::ReturnForCorrections { stage: s(), fields: vec![f.clone()] });
        }
        actions.push(Action::ReturnToPrevious { stage: s() });
        let forwards: Vec<String> =
            def.next.iter().filter(|t| t.action == Verb::Forward).map(|t| t.to.clone()).collect();
        if let Some(first) = forwards.first() {
            actions.push(Action::Forward { stage: s(), to: Some(first.clone()) });
        }
        if def.next.iter().any(|t| t.action == Verb::Approve) {
            actions.push(Action::Approve { stage: s() });
        }
        if def.next.iter().any(|t| t.action == Verb::Refuse)
            && let Some(code) = service.refusal_reasons.first().map(|r| r.code.clone())
        {
            actions.push(Action::Refuse { stage: s(), code, text: "?".into() });
        }
        actions.push(Action::NotCompetent { stage: s(), reroute: None });
        for a in actions {
            let is_forward = matches!(a, Action::Forward { .. });
            let mut o = offer(service, state, cx, a, Some(stage));
            if is_forward {
                o.to = forwards.clone();
            }
            out.push(o);
        }
    }
    // Staff who neither work nor manage any current stage have nothing to offer.
    if out.iter().all(|o| {
        !o.allowed && o.refusal.as_ref().is_some_and(|r| r.kind == super::engine::RefusalKind::Forbidden)
    }) {
        out.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::engine::{Action, Context};
    use super::super::tests::App;
    use super::offers;
    use crate::applications::service::tests::network;

    fn offers_of(app: &App, user: &str) -> Vec<super::Offer> {
        let a = app.who(user);
        let cx = Context {
            actor: &a,
            at: app.at,
            filled: &app.filled,
            documents: &app.documents,
            route: app.route.clone(),
        };
        offers(&app.service, &app.state, &cx, &[])
    }

    fn of(app: &App, user: &str) -> Vec<(&'static str, Option<String>, bool)> {
        offers_of(app, user).into_iter().map(|o| (o.action, o.stage, o.allowed)).collect()
    }

    fn allowed(o: &[(&'static str, Option<String>, bool)]) -> Vec<&'static str> {
        o.iter().filter(|x| x.2).map(|x| x.0).collect()
    }

    #[test]
    fn the_applicant_submits_a_draft_and_staff_get_nothing_of_it() {
        let app = App::new(network());
        assert_eq!(allowed(&of(&app, "aigerim")), ["submit", "withdraw"]);
        assert!(of(&app, "berik").is_empty());
    }

    #[test]
    fn a_reviewer_claims_first_then_works_the_stage() {
        let mut app = App::new(network());
        app.by("aigerim", Action::Submit).unwrap();
        let before = of(&app, "berik");
        assert_eq!(allowed(&before), ["claim", "comment"], "{before:?}");
        assert!(before.iter().any(|o| o.0 == "approve" || o.0 == "forward"), "{before:?}");
        app.by("berik", Action::Claim { stage: "intake".into() }).unwrap();
        let after = allowed(&of(&app, "berik"));
        for a in ["release", "save", "comment", "return_for_corrections"] {
            assert!(after.contains(&a), "{a} in {after:?}");
        }
        assert!(!after.contains(&"claim") || after.contains(&"release"));
        // Someone of another organisation sees nothing to do.
        assert!(of(&app, "su1").is_empty());
        // The manager may assign; the applicant may comment and withdraw, not approve.
        assert!(allowed(&of(&app, "head")).contains(&"assign"));
        assert_eq!(allowed(&of(&app, "aigerim")), ["comment", "withdraw"]);
    }

    #[test]
    fn every_allowed_offer_is_what_acting_gives() {
        let mut app = App::new(network());
        app.by("aigerim", Action::Submit).unwrap();
        app.by("berik", Action::Claim { stage: "intake".into() }).unwrap();
        for o in offers_of(&app, "berik") {
            assert_eq!(o.allowed, o.refusal.is_none(), "{o:?}");
        }
    }
}
