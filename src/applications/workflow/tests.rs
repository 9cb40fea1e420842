//! The state machine on the shipped services: the whole lifecycle, parallel approvals, returns,
//! rerouting, locks and refusals (each refusal is checked to be the right kind and message).

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::engine::{
    Action, Actor, ApplicationState, Context, Event, Refusal, RefusalKind, Route, Status, apply,
};
use super::{Verb, deadlines};
use crate::applications::calendar::Calendar;
use crate::applications::service::ServiceDef;
use crate::applications::service::tests::{excavation, network};
use crate::i18n::Msg;

pub(super) fn actor(user: &str, roles: &[&str], org: Option<&str>, dept: Option<&str>) -> Actor {
    Actor {
        user: user.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        org: org.map(str::to_string),
        dept: dept.map(str::to_string),
    }
}

/// The people of the tests: the applicant, staff of the akimat, the water and power utilities.
pub(super) fn people() -> Vec<Actor> {
    vec![
        actor("aigerim", &["applicant"], None, None),
        actor("berik", &["reviewer"], Some("almaty-akimat"), Some("permits")),
        actor("dana", &["reviewer"], Some("almaty-akimat"), Some("engineering")),
        actor("head", &["org_admin", "reviewer"], Some("almaty-akimat"), None),
        actor("su1", &["reviewer"], Some("almaty-su"), Some("networks")),
        actor("su2", &["reviewer"], Some("almaty-su"), Some("billing")),
        actor("az1", &["reviewer"], Some("alatau-zharyk"), None),
        actor("root", &["admin"], None, None),
        actor("ghost", &["viewer"], None, None),
    ]
}

/// An application of `service` under test, with a clock and the filled fields and documents.
pub(super) struct App {
    pub service: ServiceDef,
    pub state: ApplicationState,
    pub at: DateTime<Utc>,
    pub filled: BTreeSet<String>,
    pub documents: BTreeSet<String>,
    pub people: Vec<Actor>,
    /// The routing the next `submit` gets.
    pub route: Route,
}

impl App {
    pub fn new(service: ServiceDef) -> App {
        let state = ApplicationState::draft(&service, "aigerim");
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 4, 0, 0).unwrap();
        App {
            service,
            state,
            at,
            filled: BTreeSet::new(),
            documents: BTreeSet::new(),
            people: people(),
            route: Route::Provider,
        }
    }

    pub fn who(&self, user: &str) -> Actor {
        self.people.iter().find(|a| a.user == user).unwrap().clone()
    }

    /// Applies an action of `user`; on success the state moves on, on refusal it stays.
    pub fn by(&mut self, user: &str, action: Action) -> Result<Vec<Event>, Refusal> {
        let a = self.who(user);
        self.act(&a, action)
    }

    pub fn act(&mut self, a: &Actor, action: Action) -> Result<Vec<Event>, Refusal> {
        self.at += TimeDelta::hours(1);
        let cx = Context {
            actor: a,
            at: self.at,
            filled: &self.filled,
            documents: &self.documents,
            route: self.route.clone(),
        };
        let before = self.state.clone();
        match apply(&self.service, &self.state, &cx, &action) {
            Ok(applied) => {
                self.state = applied.state;
                Ok(applied.events)
            }
            Err(r) => {
                assert_eq!(self.state, before);
                Err(r)
            }
        }
    }

    pub fn stages(&self) -> Vec<&str> {
        self.state.tokens.iter().map(|t| t.stage.as_str()).collect()
    }
}

fn s(x: &str) -> String {
    x.to_string()
}

fn refused(r: Result<Vec<Event>, Refusal>, kind: RefusalKind, msg: Msg) {
    let r = r.expect_err("should be refused");
    assert_eq!((r.kind, r.msg), (kind, msg), "{r:?}");
}

fn claim(stage: &str) -> Action {
    Action::Claim { stage: s(stage) }
}
fn approve(stage: &str) -> Action {
    Action::Approve { stage: s(stage) }
}
fn forward(stage: &str) -> Action {
    Action::Forward { stage: s(stage), to: None }
}

#[test]
fn the_whole_lifecycle_with_parallel_approvals() {
    let mut app = App::new(network());
    refused(app.by("berik", claim("intake")), RefusalKind::Conflict, Msg::ActionNotAllowed);
    refused(app.by("berik", Action::Submit), RefusalKind::Forbidden, Msg::RoleNotAllowed);
    let ev = app.by("aigerim", Action::Submit).unwrap();
    assert_eq!(ev[1], Event::StageEntered { stage: s("intake"), branch: None, org: s("almaty-akimat") });
    refused(app.by("su1", claim("intake")), RefusalKind::Forbidden, Msg::RoleNotAllowed);
    refused(app.by("aigerim", claim("intake")), RefusalKind::Forbidden, Msg::RoleNotAllowed);
    app.by("berik", claim("intake")).unwrap();
    refused(app.by("dana", claim("intake")), RefusalKind::Conflict, Msg::ApplicationTaken);
    refused(app.by("dana", forward("intake")), RefusalKind::Conflict, Msg::ApplicationTaken);
    refused(app.by("berik", approve("intake")), RefusalKind::Conflict, Msg::ActionNotAllowed);
    let ev = app.by("berik", forward("intake")).unwrap();
    assert_eq!(ev[0], Event::Moved { verb: Verb::Forward, from: s("intake"), to: s("approvals") });
    assert_eq!(app.stages(), vec!["water", "power"]);
    assert!(ev.contains(&Event::StageEntered {
        stage: s("power"),
        branch: Some(1),
        org: s("alatau-zharyk")
    }));

    refused(app.by("su2", claim("water")), RefusalKind::Forbidden, Msg::RoleNotAllowed);
    app.by("su1", claim("water")).unwrap();
    let r = app.by("su1", approve("water")).unwrap_err();
    assert_eq!((r.msg, r.detail.as_deref()), (Msg::FieldsMissing, Some("water_conditions_number")));
    app.filled.insert(s("water_conditions_number"));
    let r = app.by("su1", approve("water")).unwrap_err();
    assert_eq!((r.msg, r.detail.as_deref()), (Msg::DocumentsMissing, Some("water_conditions")));
    app.documents.insert(s("water_conditions"));
    let ev = app.by("su1", approve("water")).unwrap();
    assert_eq!(ev.last(), Some(&Event::BranchDone { parallel: s("approvals"), branch: 0 }));
    assert_eq!(app.stages(), vec!["power"], "the join waits for the power branch");

    app.by("az1", claim("power")).unwrap();
    app.filled.insert(s("power_conditions_number"));
    app.documents.insert(s("power_conditions"));
    let ev = app.by("az1", approve("power")).unwrap();
    assert_eq!(ev[2], Event::Joined { parallel: s("approvals") });
    assert_eq!(app.stages(), vec!["decision"]);

    app.by("berik", claim("decision")).unwrap();
    app.by("berik", approve("decision")).unwrap();
    refused(app.by("berik", claim("head_approval")), RefusalKind::Forbidden, Msg::RoleNotAllowed);
    app.by("head", claim("head_approval")).unwrap();
    let ev = app.by("head", approve("head_approval")).unwrap();
    assert_eq!(ev.last(), Some(&Event::Approved));
    assert_eq!(app.state.status, Status::Approved);
    assert!(app.state.tokens.is_empty() && app.state.closed_at.is_some());
    refused(app.by("aigerim", Action::Withdraw), RefusalKind::Conflict, Msg::ApplicationClosed);
    let comment = Action::Comment { stage: None, text: s("Спасибо"), to_applicant: true };
    refused(app.by("aigerim", comment), RefusalKind::Conflict, Msg::ApplicationClosed);
    assert_eq!(app.state.history.len(), 11, "one entry per allowed action, none for refusals");
}

#[test]
fn returned_for_corrections_pauses_the_clock() {
    let cal = Calendar::new();
    let mut app = App::new(network());
    app.by("aigerim", Action::Submit).unwrap();
    app.by("berik", claim("intake")).unwrap();
    let ret = |fields: &[&str]| Action::ReturnForCorrections {
        stage: s("intake"),
        fields: fields.iter().map(|f| s(f)).collect(),
    };
    refused(app.by("berik", ret(&["water_conditions_number"])), RefusalKind::Invalid, Msg::FieldUnknown);
    refused(app.by("berik", ret(&[])), RefusalKind::Invalid, Msg::ActionNotAllowed);
    refused(app.by("dana", ret(&["address"])), RefusalKind::Conflict, Msg::ApplicationTaken);
    let due_before = deadlines::total(&cal, &app.service, &app.state, app.at).unwrap().due;
    app.by("berik", ret(&["address", "title_deed"])).unwrap();
    assert_eq!(app.state.status, Status::Returned);
    refused(app.by("berik", forward("intake")), RefusalKind::Conflict, Msg::ApplicationReturned);
    refused(
        app.by("berik", Action::Resubmit { changed: vec![] }),
        RefusalKind::Forbidden,
        Msg::RoleNotAllowed,
    );
    // Returned on Monday 2 March at 15:00 in Almaty (each call here is an hour after the last),
    // the day of submission, which is not counted; resubmitted two days later at 19:00.
    app.at += TimeDelta::days(2);
    let resubmit = |c: &[&str]| Action::Resubmit { changed: c.iter().map(|f| s(f)).collect() };
    refused(app.by("aigerim", resubmit(&["address", "floors"])), RefusalKind::Invalid, Msg::FieldNotEditable);
    let ev = app.by("aigerim", resubmit(&["address"])).unwrap();
    assert_eq!(ev, vec![Event::Resubmitted { changed: vec![s("address")] }]);
    assert_eq!(app.state.pauses.len(), 1);
    let term = deadlines::total(&cal, &app.service, &app.state, app.at).unwrap();
    // The clock stood still from Tuesday 00:00 to Wednesday 19:00: 43 hours of working time.
    assert_eq!(app.state.pauses[0].to - app.state.pauses[0].from, TimeDelta::hours(52));
    assert_eq!(term.due, due_before + TimeDelta::hours(43));
    // The executor keeps the application and goes on.
    app.by("berik", forward("intake")).unwrap();
    refused(app.by("aigerim", resubmit(&["address"])), RefusalKind::Conflict, Msg::ActionNotAllowed);
}

#[test]
fn returning_to_the_previous_executor() {
    let mut app = App::new(excavation());
    app.filled.insert(s("order_number"));
    app.by("aigerim", Action::Submit).unwrap();
    refused(app.by("dana", claim("intake")), RefusalKind::Forbidden, Msg::RoleNotAllowed);
    app.by("berik", claim("intake")).unwrap();
    let back = |st: &str| Action::ReturnToPrevious { stage: s(st) };
    refused(app.by("berik", back("intake")), RefusalKind::Conflict, Msg::NoPreviousStage);
    app.by("berik", forward("intake")).unwrap();
    app.by("dana", claim("engineering")).unwrap();
    let ev = app.by("dana", back("engineering")).unwrap();
    assert_eq!(
        ev,
        vec![Event::ReturnedToPrevious {
            from: s("engineering"),
            to: s("intake"),
            executor: Some(s("berik"))
        }]
    );
    assert_eq!(app.state.tokens[0].executor.as_deref(), Some("berik"));
    app.by("berik", forward("intake")).unwrap();
    app.by("dana", claim("engineering")).unwrap();
    app.by("dana", approve("engineering")).unwrap();
    app.by("head", claim("head")).unwrap();
    app.by("head", back("head")).unwrap();
    assert_eq!(app.state.tokens[0].executor.as_deref(), Some("dana"));
    // In a branch the line starts at the branch: nothing to return to.
    let mut app = App::new(network());
    app.by("aigerim", Action::Submit).unwrap();
    app.by("berik", claim("intake")).unwrap();
    app.by("berik", forward("intake")).unwrap();
    app.by("su1", claim("water")).unwrap();
    refused(app.by("su1", back("water")), RefusalKind::Conflict, Msg::NoPreviousStage);
}

#[test]
fn a_refusal_in_one_branch_refuses_the_application() {
    let mut app = App::new(network());
    app.by("aigerim", Action::Submit).unwrap();
    app.by("berik", claim("intake")).unwrap();
    app.by("berik", forward("intake")).unwrap();
    app.by("su1", claim("water")).unwrap();
    let refuse = |code: &str, text: &str| Action::Refuse { stage: s("water"), code: s(code), text: s(text) };
    refused(app.by("su1", refuse("too_far", "Далеко")), RefusalKind::Invalid, Msg::UnknownRefusalCode);
    refused(app.by("su1", refuse("no_capacity", " ")), RefusalKind::Invalid, Msg::FieldRequired);
    refused(app.by("su1", refuse("no_capacity", &"я".repeat(4001))), RefusalKind::Invalid, Msg::TextTooLong);
    let ev = app.by("su1", refuse("no_capacity", "Нет мощности на вводе")).unwrap();
    assert!(ev.contains(&Event::BranchCancelled { stage: s("power") }));
    assert_eq!(ev.last(), Some(&Event::Refused { code: s("no_capacity"), text: s("Нет мощности на вводе") }));
    assert_eq!((app.state.status, app.state.tokens.len()), (Status::Refused, 0));
    assert!(app.state.done_branches.is_empty());
}

#[test]
fn not_our_competence_reroutes_or_goes_to_triage() {
    let mut app = App::new(network());
    app.by("aigerim", Action::Submit).unwrap();
    app.by("berik", claim("intake")).unwrap();
    let nc = |st: &str, to: Option<&str>| Action::NotCompetent { stage: s(st), reroute: to.map(s) };
    refused(app.by("berik", nc("intake", Some("almaty-akimat"))), RefusalKind::Invalid, Msg::NoRerouteTarget);
    let ev = app.by("berik", nc("intake", Some("almaty-su"))).unwrap();
    assert_eq!(ev, vec![Event::Rerouted { from: s("almaty-akimat"), to: s("almaty-su") }]);
    assert_eq!(app.state.tokens[0].executor, None);
    refused(app.by("berik", claim("intake")), RefusalKind::Forbidden, Msg::RoleNotAllowed);
    app.by("su1", claim("intake")).unwrap();
    let ev = app.by("su1", nc("intake", None)).unwrap();
    assert_eq!(ev[0], Event::SentToTriage { from: s("intake") });
    assert_eq!(ev[1], Event::StageEntered { stage: s("triage"), branch: None, org: s("almaty-akimat") });
    app.by("head", claim("triage")).unwrap();
    app.by("head", nc("triage", Some("almaty-akimat"))).unwrap();
    assert_eq!(app.state.tokens[0].executor.as_deref(), Some("head"), "triage's organisation is fixed");
    app.by("head", forward("triage")).unwrap();
    assert_eq!(app.stages(), vec!["intake"]);
    app.by("berik", claim("intake")).unwrap();
    // Excavation permits have no triage.
    let mut app = App::new(excavation());
    app.by("aigerim", Action::Submit).unwrap();
    app.by("berik", claim("intake")).unwrap();
    refused(app.by("berik", nc("intake", None)), RefusalKind::Conflict, Msg::NoRerouteTarget);
}

#[test]
fn submission_follows_the_overlay_routing() {
    let mut app = App::new(network());
    app.route = Route::Org(s("almaty-su"));
    app.by("aigerim", Action::Submit).unwrap();
    assert_eq!(app.state.org, "almaty-su");
    assert_eq!(app.stages(), vec!["intake"]);
    // Near a boundary: to triage at the provider, not to a guessed organisation.
    let mut app = App::new(network());
    app.route = Route::Triage;
    let ev = app.by("aigerim", Action::Submit).unwrap();
    assert_eq!(ev[1], Event::SentToTriage { from: s("submission") });
    assert_eq!((app.state.org.as_str(), app.stages()), ("almaty-akimat", vec!["triage"]));
    app.by("head", claim("triage")).unwrap();
    app.by("head", forward("triage")).unwrap();
    assert_eq!(app.stages(), vec!["intake"]);
    // A workflow without triage starts at its start at the provider.
    let mut app = App::new(excavation());
    app.route = Route::Triage;
    app.by("aigerim", Action::Submit).unwrap();
    assert_eq!(app.stages(), vec!["intake"]);
}

#[test]
fn managers_assign_and_release() {
    let mut app = App::new(network());
    app.by("aigerim", Action::Submit).unwrap();
    let assign = |to: &Actor| Action::Assign { stage: s("intake"), to: to.clone() };
    let (dana, su1) = (app.who("dana"), app.who("su1"));
    refused(app.by("berik", assign(&dana)), RefusalKind::Forbidden, Msg::RoleNotAllowed);
    refused(app.by("head", assign(&su1)), RefusalKind::Invalid, Msg::AssigneeNotQualified);
    let ev = app.by("head", assign(&dana)).unwrap();
    assert_eq!(ev, vec![Event::Assigned { stage: s("intake"), user: s("dana") }]);
    refused(
        app.by("berik", Action::Release { stage: s("intake") }),
        RefusalKind::Forbidden,
        Msg::RoleNotAllowed,
    );
    app.by("dana", Action::Save { stage: Some(s("intake")) }).unwrap();
    app.by("head", Action::Release { stage: s("intake") }).unwrap();
    refused(
        app.by("dana", Action::Save { stage: Some(s("intake")) }),
        RefusalKind::Conflict,
        Msg::ApplicationNotTaken,
    );
    app.by("root", claim("intake")).unwrap();
    app.by("root", forward("intake")).unwrap();
}

#[test]
fn comments_drafts_and_withdrawal() {
    let mut app = App::new(network());
    app.by("aigerim", Action::Save { stage: None }).unwrap();
    refused(app.by("berik", Action::Save { stage: None }), RefusalKind::Forbidden, Msg::RoleNotAllowed);
    app.by("aigerim", Action::Submit).unwrap();
    refused(app.by("aigerim", Action::Submit), RefusalKind::Conflict, Msg::ActionNotAllowed);
    refused(app.by("aigerim", Action::Save { stage: None }), RefusalKind::Conflict, Msg::ActionNotAllowed);
    let c = |stage: Option<&str>, to_applicant: bool| Action::Comment {
        stage: stage.map(s),
        text: s("Нужен план"),
        to_applicant,
    };
    app.by("aigerim", c(None, true)).unwrap();
    refused(app.by("aigerim", c(Some("intake"), false)), RefusalKind::Forbidden, Msg::RoleNotAllowed);
    app.by("dana", c(Some("intake"), false)).unwrap();
    app.by("head", c(None, true)).unwrap();
    refused(app.by("su1", c(None, false)), RefusalKind::Forbidden, Msg::RoleNotAllowed);
    refused(app.by("dana", c(Some("water"), false)), RefusalKind::Conflict, Msg::ActionNotAllowed);
    let ev = app.by("aigerim", Action::Withdraw).unwrap();
    assert_eq!(ev, vec![Event::Withdrawn]);
    assert_eq!(app.state.status, Status::Withdrawn);
    refused(app.by("dana", claim("intake")), RefusalKind::Conflict, Msg::ApplicationClosed);
}
