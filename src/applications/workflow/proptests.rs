//! Property tests of the state machine: random action sequences by random people never leave the
//! declared graph; parallel branches join only when all are done; pausing and resuming keeps the
//! deadline arithmetic right.

use std::collections::{BTreeMap, BTreeSet};

use chrono::TimeDelta;
use proptest::prelude::*;
use proptest::strategy::ValueTree;

use super::engine::{Action, ApplicationState, Event, Status};
use super::tests::App;
use super::{APPROVED, REFUSED, StageKind, WorkflowDef, deadlines};
use crate::applications::calendar::Calendar;
use crate::applications::service::ServiceDef;
use crate::applications::service::tests::{excavation, network, trees};

/// One random step: what to do, on which stage, by whom, with which facts, after how long.
#[derive(Debug, Clone)]
struct Step {
    kind: u8,
    stage: u8,
    actor: u8,
    extra: u8,
    facts: bool,
    minutes: u32,
}

/// Kinds of action by weight: mostly claims and moves forward, rarely what ends an application.
const KINDS: [(u8, u8); 14] = [
    (0, 5),
    (1, 20),
    (2, 3),
    (3, 3),
    (4, 15),
    (5, 17),
    (6, 2),
    (7, 4),
    (8, 5),
    (9, 3),
    (10, 3),
    (11, 5),
    (12, 5),
    (13, 10),
];

fn kind_of(roll: u8) -> u8 {
    let mut acc = 0u8;
    KINDS
        .iter()
        .find(|(_, w)| {
            acc += w;
            roll < acc
        })
        .map_or(13, |(k, _)| *k)
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = (0u8..100, any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), 0u32..4 * 24 * 60).prop_map(
        |(roll, stage, actor, extra, facts, minutes)| Step {
            kind: kind_of(roll),
            stage,
            actor,
            extra,
            facts: facts < 200,
            minutes,
        },
    );
    prop::collection::vec(step, 1..120)
}

/// Turns a step into an action and an actor, biased towards what can succeed: mostly a current
/// stage and someone who works it, sometimes anything at all.
fn interpret(app: &App, st: &Step) -> (usize, Action) {
    let wf = &app.service.workflow;
    let declared: Vec<String> =
        wf.stages.iter().map(|s| s.id.clone()).chain(["nowhere".to_string()]).collect();
    let stage = match app.state.tokens.len() {
        n if n > 0 && !st.stage.is_multiple_of(5) => app.state.tokens[st.stage as usize % n].stage.clone(),
        _ => declared[st.stage as usize % declared.len()].clone(),
    };
    let qualified: Vec<usize> = (0..app.people.len())
        .filter(|&i| {
            let a = &app.people[i];
            wf.stage(&stage).is_some_and(|d| {
                d.role.as_deref().is_some_and(|r| a.has_role(r))
                    && a.org.as_deref() == Some(d.org.as_deref().unwrap_or(&app.state.org))
                    && d.dept.as_ref().is_none_or(|x| a.dept.as_ref() == Some(x))
            })
        })
        .collect();
    let holder = app.state.token(&stage).and_then(|t| t.executor.clone());
    let pick = st.actor as usize;
    let staff = match (pick % 4, &holder) {
        (0, _) => pick % app.people.len(),
        (1 | 2, Some(h)) => app.people.iter().position(|a| &a.user == h).unwrap_or(0),
        _ if !qualified.is_empty() => qualified[pick % qualified.len()],
        _ => pick % app.people.len(),
    };
    let applicant = if pick.is_multiple_of(7) { pick % app.people.len() } else { 0 };
    let fields =
        ["address", "floors", "title_deed", "iin", "contractor_name", "photos", "water_conditions_number"];
    let field = fields[st.extra as usize % fields.len()].to_string();
    let codes: Vec<String> =
        app.service.refusal_reasons.iter().map(|r| r.code.clone()).chain(["bogus".into()]).collect();
    let orgs = [None, Some("almaty-su"), Some("almaty-akimat"), Some("alatau-zharyk"), Some("almaty-green")];
    let s = stage.clone();
    match st.kind {
        0 => (applicant, Action::Submit),
        1 => (staff, Action::Claim { stage: s }),
        2 => (staff, Action::Release { stage: s }),
        3 => {
            (staff, Action::Assign { stage: s, to: app.people[st.extra as usize % app.people.len()].clone() })
        }
        4 => (staff, Action::Forward { stage: s, to: None }),
        5 => (staff, Action::Approve { stage: s }),
        6 => (
            staff,
            Action::Refuse {
                stage: s,
                code: codes[st.extra as usize % codes.len()].clone(),
                text: "Нет".into(),
            },
        ),
        7 => (staff, Action::ReturnForCorrections { stage: s, fields: vec![field] }),
        8 => {
            (applicant, Action::Resubmit { changed: vec![field].into_iter().filter(|_| st.facts).collect() })
        }
        9 => (staff, Action::ReturnToPrevious { stage: s }),
        10 => (
            staff,
            Action::NotCompetent {
                stage: s,
                reroute: orgs[st.extra as usize % orgs.len()].map(str::to_string),
            },
        ),
        11 => (staff, Action::Comment { stage: Some(s), text: "Комментарий".into(), to_applicant: st.facts }),
        12 => (staff, Action::Save { stage: Some(s) }),
        _ => (
            applicant,
            if st.extra.is_multiple_of(16) { Action::Withdraw } else { Action::Save { stage: None } },
        ),
    }
}

/// Which branch region each stage belongs to: (parallel, branch index).
fn regions(wf: &WorkflowDef) -> BTreeMap<String, (String, usize)> {
    let mut out = BTreeMap::new();
    for p in wf.stages.iter().filter(|s| s.kind == StageKind::Parallel) {
        for (i, set) in wf.branch_stages(p).into_iter().enumerate() {
            for id in set {
                out.insert(id, (p.id.clone(), i));
            }
        }
    }
    out
}

/// The state is inside the declared graph.
fn check_state(service: &ServiceDef, state: &ApplicationState) -> Result<(), TestCaseError> {
    let wf = &service.workflow;
    let regions = regions(wf);
    let mut seen = BTreeSet::new();
    for t in &state.tokens {
        let def = wf.stage(&t.stage);
        prop_assert!(def.is_some_and(|d| d.kind == StageKind::Task), "token on {}", t.stage);
        prop_assert!(seen.insert(t.stage.clone()), "two tokens on {}", t.stage);
        let region = regions.get(&t.stage).cloned();
        prop_assert_eq!(region, t.branch.as_ref().map(|b| (b.parallel.clone(), b.index)), "{}", t.stage);
        if let Some(b) = &t.branch {
            let done = state.done_branches.get(&b.parallel);
            prop_assert!(done.is_some_and(|d| !d.contains(&b.index)), "a token runs in a finished branch");
        }
        for v in &t.trail {
            prop_assert!(wf.stage(&v.stage).is_some_and(|d| d.kind == StageKind::Task));
        }
    }
    for (p, done) in &state.done_branches {
        let n = wf.stage(p).map_or(0, |d| d.branches.len());
        prop_assert!(done.len() < n && done.iter().all(|i| *i < n));
        prop_assert!(state.tokens.iter().any(|t| t.branch.as_ref().is_some_and(|b| &b.parallel == p)));
    }
    let open = matches!(state.status, Status::InProgress | Status::Returned);
    prop_assert_eq!(open, !state.tokens.is_empty(), "status {:?}", state.status);
    prop_assert_eq!(state.status == Status::Returned, state.returned.is_some());
    Ok(())
}

/// Every transition taken is declared; a join follows the completion of all its branches.
fn check_events(
    wf: &WorkflowDef,
    events: &[Event],
    running: &mut BTreeMap<String, BTreeSet<usize>>,
) -> Result<(), TestCaseError> {
    for e in events {
        match e {
            Event::Moved { verb, from, to } => {
                let declared =
                    wf.stage(from).is_some_and(|d| d.next.iter().any(|t| t.action == *verb && &t.to == to));
                prop_assert!(declared, "{from} -{verb:?}-> {to} is not declared");
                prop_assert!(to == APPROVED || to == REFUSED || wf.stage(to).is_some());
                if let Some(p) = wf.stage(to).filter(|d| d.kind == StageKind::Parallel) {
                    running.insert(p.id.clone(), BTreeSet::new());
                }
            }
            Event::BranchDone { parallel, branch } => {
                prop_assert!(
                    running.get_mut(parallel).is_some_and(|d| d.insert(*branch)),
                    "branch done twice"
                );
            }
            Event::Joined { parallel } => {
                let all = wf.stage(parallel).map_or(0, |d| d.branches.len());
                let done = running.remove(parallel).unwrap_or_default();
                prop_assert_eq!(done.len(), all, "joined before every branch was done");
            }
            Event::Refused { .. } | Event::Withdrawn => running.clear(),
            _ => {}
        }
    }
    Ok(())
}

/// How often random runs reached what the properties are about.
#[derive(Debug, Default)]
struct Seen {
    joined: usize,
    approved: usize,
    resubmitted: usize,
}

fn run(service: ServiceDef, steps: &[Step]) -> Result<Seen, TestCaseError> {
    let mut seen = Seen::default();
    let cal = Calendar::new();
    let mut app = App::new(service);
    let mut running = BTreeMap::new();
    let mut last_due = None;
    for st in steps {
        app.at += TimeDelta::minutes(i64::from(st.minutes));
        let (who, action) = interpret(&app, st);
        app.filled = if st.facts {
            app.service.form.iter().map(|f| f.name.clone()).collect()
        } else {
            BTreeSet::new()
        };
        app.documents = if st.facts {
            app.service.passport.documents.iter().map(|d| d.id.clone()).collect()
        } else {
            BTreeSet::new()
        };
        let actor = app.people[who].clone();
        if let Ok(events) = app.act(&actor, action) {
            check_events(&app.service.workflow, &events, &mut running)?;
            for e in &events {
                match e {
                    Event::Joined { .. } => seen.joined += 1,
                    Event::Approved => seen.approved += 1,
                    Event::Resubmitted { .. } => seen.resubmitted += 1,
                    _ => {}
                }
            }
        }
        check_state(&app.service, &app.state)?;
        // The total term: the budget is used exactly at the deadline, which never moves earlier.
        if let Some(term) = deadlines::total(&cal, &app.service, &app.state, app.at) {
            let started = app.state.submitted_at.unwrap_or(app.at);
            let pauses = app.state.pauses_until(app.at);
            let budget = TimeDelta::days(app.service.deadlines.total.into());
            prop_assert!(term.due >= cal.due(started, app.service.deadlines.total));
            prop_assert_eq!(cal.elapsed(started, term.due, &pauses), budget);
            let end = app.state.closed_at.unwrap_or(app.at);
            prop_assert_eq!(
                end >= term.due,
                term.share >= 1.0,
                "share {} at {} due {}",
                term.share,
                end,
                term.due
            );
            prop_assert!(term.elapsed <= budget || term.overdue);
            if !app.state.status.is_closed() {
                prop_assert!(last_due.is_none_or(|d| term.due >= d), "the deadline moved earlier");
                last_due = Some(term.due);
            }
        }
    }
    Ok(seen)
}

/// The random runs are not vacuous: with a fixed seed, some of them join branches, approve and
/// resubmit (a property that never meets a join would prove nothing about joins).
#[test]
fn random_runs_reach_joins_approvals_and_resubmissions() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut total = Seen::default();
    for _ in 0..300 {
        let s = steps().new_tree(&mut runner).unwrap().current();
        let seen = run(network(), &s).unwrap();
        total.joined += seen.joined;
        total.approved += seen.approved;
        total.resubmitted += seen.resubmitted;
    }
    assert!(total.joined > 0 && total.approved > 0 && total.resubmitted > 0, "{total:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_actions_stay_in_the_network_connection_graph(s in steps()) {
        run(network(), &s).map(drop)?;
    }

    #[test]
    fn random_actions_stay_in_the_excavation_graph(s in steps()) {
        run(excavation(), &s).map(drop)?;
    }

    #[test]
    fn random_actions_stay_in_the_tree_felling_graph(s in steps()) {
        run(trees(), &s).map(drop)?;
    }
}
