//! The workflow of a service as declared in its file (`[workflow]`), and its checks at load time;
//! [`engine`] is the state machine that runs applications through it, [`deadlines`] their terms.
//!
//! ```toml
//! [workflow]
//! start = "intake"
//!
//! [[workflow.stages]]                 # a task: worked by one executor with `role` in `org`
//! id = "intake"
//! title = { kk = "Қабылдау", ru = "Приём", en = "Intake" }
//! role = "reviewer"                   # org omitted: the application's routed organisation
//! days = 2                            # the stage's term, working days
//! next = [
//!   { action = "forward", to = "approvals" },
//!   { action = "refuse", to = "refused" },
//! ]
//!
//! [[workflow.stages]]                 # parallel branches that join when all are done
//! id = "approvals"
//! kind = "parallel"
//! title = { kk = "Келісу", ru = "Согласование", en = "Approvals" }
//! branches = ["water", "power"]       # the first stage of each branch
//! join = "decision"                   # where the application goes when every branch reached it
//! ```
//!
//! Transitions (`next`) have an `action` (`forward`, `approve`, `refuse`), a target (a stage id, or
//! `approved` / `refused`, the two ends) and guards: `roles` (default: the stage's role), `fields`
//! that must be filled and `documents` that must be present. A branch is the set of stages reached
//! from its first stage before the join; it ends by a transition to the join (or is refused, which
//! refuses the application). Branches do not nest. Sequential approvals are stages chained by
//! `approve`. The optional `triage` stage receives applications an executor declares "not our
//! competence" without naming another organisation; `manager_role` (default `org_admin`) assigns
//! executors in its organisation.
//!
//! Checks: identifiers, known stages and targets, verbs that fit their targets (`refuse` →
//! `refused`, `forward` → a stage), roles among the staff roles, guards naming declared fields and
//! documents, every stage reachable from `start`, an end reachable from every stage and `approved`
//! from `start`, branches that reach their join and stay apart.

mod actions;
pub mod deadlines;
pub mod engine;
pub mod offers;
pub mod state;
pub mod timeline;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::applications::service::form::{is_name, is_org_id};
use crate::applications::service::{MAX_DAYS, ServiceDef, translated};
use crate::layers::catalog::Translated;

/// The end of an approved application.
pub const APPROVED: &str = "approved";
/// The end of a refused application.
pub const REFUSED: &str = "refused";
/// Most stages of a workflow.
pub const MAX_STAGES: usize = 100;
/// Roles that may work stages.
pub const STAFF_ROLES: &[&str] = &["reviewer", "editor", "org_admin", "admin"];

/// What a stage is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    /// Worked by one executor.
    #[default]
    Task,
    /// Starts its branches at once and waits for all of them at its join.
    Parallel,
}

/// The verb of a declared transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verb {
    Forward,
    Approve,
    Refuse,
}

/// A transition out of a task stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionDef {
    pub action: Verb,
    pub to: String,
    /// Roles that may take it (default: the stage's role).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Form fields that must be filled first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Documents that must be present first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<String>,
}

/// A stage of a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageDef {
    pub id: String,
    pub title: Translated,
    #[serde(default)]
    pub kind: StageKind,
    /// The role that works a task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The organisation that works it; none: the application's routed organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// The department within it, when only one works it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dept: Option<String>,
    /// The term of a task, in working days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u16>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next: Vec<TransitionDef>,
    /// First stages of the branches of a parallel stage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<String>,
    /// Where a parallel stage continues once every branch is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<String>,
}

/// The workflow of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowDef {
    pub start: String,
    #[serde(default = "org_admin")]
    pub manager_role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triage: Option<String>,
    pub stages: Vec<StageDef>,
}

fn org_admin() -> String {
    "org_admin".into()
}

impl WorkflowDef {
    /// The stage `id`.
    pub fn stage(&self, id: &str) -> Option<&StageDef> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// Where the branches of the parallel stage `parallel` join.
    pub fn join_of(&self, parallel: &str) -> Option<&str> {
        self.stage(parallel)?.join.as_deref()
    }

    /// Targets a stage leads to: its transitions' targets, or a parallel stage's branches and join.
    fn successors<'a>(&'a self, s: &'a StageDef) -> Vec<&'a str> {
        match s.kind {
            StageKind::Task => s.next.iter().map(|t| t.to.as_str()).collect(),
            StageKind::Parallel => s.branches.iter().map(String::as_str).chain(s.join.as_deref()).collect(),
        }
    }

    /// The stages of each branch of `parallel`: those reached from its first stage before the join.
    pub fn branch_stages(&self, parallel: &StageDef) -> Vec<BTreeSet<String>> {
        let join = parallel.join.as_deref().unwrap_or(APPROVED);
        parallel
            .branches
            .iter()
            .map(|b| {
                let mut seen = BTreeSet::new();
                let mut queue = VecDeque::from([b.as_str()]);
                while let Some(id) = queue.pop_front() {
                    if id == join || id == APPROVED || id == REFUSED || !seen.insert(id.to_string()) {
                        continue;
                    }
                    if let Some(s) = self.stage(id).filter(|s| s.kind == StageKind::Task) {
                        queue.extend(s.next.iter().map(|t| t.to.as_str()));
                    }
                }
                seen
            })
            .collect()
    }
}

/// Checks the workflow of a service: the first problem as (field path, reason).
pub fn check_workflow(service: &ServiceDef) -> Result<(), (String, String)> {
    let wf = &service.workflow;
    let e = |f: String, r: String| Err((format!("workflow.{f}"), r));
    if wf.stages.is_empty() || wf.stages.len() > MAX_STAGES {
        return e("stages".into(), format!("a workflow has 1 to {MAX_STAGES} stages"));
    }
    if !STAFF_ROLES.contains(&wf.manager_role.as_str()) {
        return e(
            "manager_role".into(),
            format!("`{}` is not one of {}", wf.manager_role, STAFF_ROLES.join(", ")),
        );
    }
    let mut ids = BTreeSet::new();
    for (i, s) in wf.stages.iter().enumerate() {
        if !is_name(&s.id) || s.id == APPROVED || s.id == REFUSED {
            return e(
                format!("stages[{i}].id"),
                format!("`{}` is not an identifier, or is `approved`/`refused`", s.id),
            );
        }
        if !ids.insert(s.id.as_str()) {
            return e(format!("stages[{i}].id"), format!("`{}` is declared twice", s.id));
        }
    }
    let known = |id: &str| ids.contains(id) || id == APPROVED || id == REFUSED;
    for (i, s) in wf.stages.iter().enumerate() {
        check_stage(service, s, &format!("stages[{i}]"), &known)?;
    }
    if wf.stage(&wf.start).is_none() {
        return e("start".into(), format!("`{}` is not a stage", wf.start));
    }
    if let Some(t) = &wf.triage
        && wf.stage(t).is_none_or(|s| s.kind != StageKind::Task)
    {
        return e("triage".into(), format!("`{t}` is not a task stage"));
    }
    check_branches(wf)?;
    check_reachability(wf)
}

fn check_stage(
    service: &ServiceDef,
    s: &StageDef,
    path: &str,
    known: &dyn Fn(&str) -> bool,
) -> Result<(), (String, String)> {
    let e = |f: &str, r: String| Err((format!("workflow.{path}.{f}"), r));
    translated(&format!("workflow.{path}.title"), &s.title)?;
    match s.kind {
        StageKind::Parallel => {
            if s.role.is_some()
                || s.org.is_some()
                || s.dept.is_some()
                || s.days.is_some()
                || !s.next.is_empty()
            {
                return e(
                    "kind",
                    "a parallel stage has only `branches` and `join`; its branches do the work".into(),
                );
            }
            let distinct: BTreeSet<&String> = s.branches.iter().collect();
            if s.branches.len() < 2 || distinct.len() != s.branches.len() {
                return e("branches", "a parallel stage needs at least two different branches".into());
            }
            if let Some(b) = s.branches.iter().find(|b| !known(b) || *b == APPROVED || *b == REFUSED) {
                return e("branches", format!("`{b}` is not a stage"));
            }
            match s.join.as_deref() {
                None => return e("join", "a parallel stage needs the stage its branches join at".into()),
                Some(j) if !known(j) || j == REFUSED || j == s.id => {
                    return e("join", format!("`{j}` is not a stage (or `approved`) after the branches"));
                }
                _ => {}
            }
        }
        StageKind::Task => {
            if !s.branches.is_empty() || s.join.is_some() {
                return e("branches", "only parallel stages have branches and a join".into());
            }
            match s.role.as_deref() {
                Some(r) if STAFF_ROLES.contains(&r) => {}
                other => {
                    return e(
                        "role",
                        format!("`{}` is not one of {}", other.unwrap_or(""), STAFF_ROLES.join(", ")),
                    );
                }
            }
            if let Some(o) = s.org.iter().chain(&s.dept).find(|o| !is_org_id(o)) {
                return e("org", format!("`{o}` is not an identifier"));
            }
            if s.days.is_none_or(|d| d == 0 || d > MAX_DAYS.min(service.deadlines.total)) {
                return e(
                    "days",
                    format!(
                        "give the stage's term, 1 to {} working days (the total)",
                        service.deadlines.total
                    ),
                );
            }
            if s.next.is_empty() {
                return e("next", "a task needs at least one transition".into());
            }
            for verb in [Verb::Approve, Verb::Refuse] {
                if s.next.iter().filter(|t| t.action == verb).count() > 1 {
                    return e("next", format!("at most one `{verb:?}` transition per stage").to_lowercase());
                }
            }
            for (j, t) in s.next.iter().enumerate() {
                check_transition(service, t, &format!("{path}.next[{j}]"), known)?;
            }
        }
    }
    Ok(())
}

fn check_transition(
    service: &ServiceDef,
    t: &TransitionDef,
    path: &str,
    known: &dyn Fn(&str) -> bool,
) -> Result<(), (String, String)> {
    let e = |f: &str, r: String| Err((format!("workflow.{path}.{f}"), r));
    if !known(&t.to) {
        return e("to", format!("`{}` is not a stage, `approved` or `refused`", t.to));
    }
    match (t.action, t.to.as_str()) {
        (Verb::Refuse, REFUSED) if service.refusal_reasons.is_empty() => {
            return e("action", "a refusal needs `[[refusal_reasons]]` to choose a code from".into());
        }
        (Verb::Refuse, REFUSED) => {}
        (Verb::Refuse, _) => return e("to", "`refuse` leads to `refused`".into()),
        (_, REFUSED) => return e("to", "only `refuse` leads to `refused`".into()),
        (Verb::Forward, APPROVED) => {
            return e("to", "`forward` leads to a stage; `approve` leads to `approved`".into());
        }
        _ => {}
    }
    if let Some(r) = t.roles.iter().find(|r| !STAFF_ROLES.contains(&r.as_str())) {
        return e("roles", format!("`{r}` is not one of {}", STAFF_ROLES.join(", ")));
    }
    if let Some(f) = t.fields.iter().find(|f| service.field(f).is_none()) {
        return e("fields", format!("`{f}` is not a form field"));
    }
    if let Some(d) = t.documents.iter().find(|d| service.document(d).is_none()) {
        return e("documents", format!("`{d}` is not a document of the passport"));
    }
    Ok(())
}

fn check_branches(wf: &WorkflowDef) -> Result<(), (String, String)> {
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    for (i, p) in wf.stages.iter().enumerate().filter(|(_, s)| s.kind == StageKind::Parallel) {
        let path = format!("workflow.stages[{i}]");
        let join = p.join.as_deref().unwrap_or(APPROVED);
        for (b, stages) in p.branches.iter().zip(wf.branch_stages(p)) {
            let mut reaches_join = false;
            for id in &stages {
                let Some(s) = wf.stage(id) else { continue };
                if s.kind == StageKind::Parallel {
                    return Err((
                        format!("{path}.branches"),
                        format!("branch `{b}` reaches the parallel stage `{id}`: branches do not nest"),
                    ));
                }
                if id == &wf.start || wf.triage.as_deref() == Some(id) {
                    return Err((
                        format!("{path}.branches"),
                        format!("branch `{b}` reaches `{id}`, the start or triage"),
                    ));
                }
                if let Some(other) = owner.insert(id.clone(), format!("{}/{b}", p.id)) {
                    return Err((
                        format!("{path}.branches"),
                        format!("`{id}` is in branch `{b}` and in `{other}`: branches stay apart"),
                    ));
                }
                for t in &s.next {
                    if t.to == join {
                        reaches_join = true;
                    } else if t.to == APPROVED {
                        return Err((
                            format!("{path}.branches"),
                            format!(
                                "`{id}` in branch `{b}` approves the application before the join `{join}`"
                            ),
                        ));
                    }
                }
            }
            if !reaches_join {
                return Err((
                    format!("{path}.join"),
                    format!("branch `{b}` never reaches the join `{join}`"),
                ));
            }
        }
    }
    for (i, p) in wf.stages.iter().enumerate().filter(|(_, s)| s.kind == StageKind::Parallel) {
        if let Some(branch) = p.join.as_ref().and_then(|j| owner.get(j)) {
            return Err((
                format!("workflow.stages[{i}].join"),
                format!("the join is a stage of branch `{branch}`"),
            ));
        }
    }
    // A stage of a branch may be entered only from within its branch (or as the branch's start).
    for (i, s) in wf.stages.iter().enumerate().filter(|(_, s)| s.kind == StageKind::Task) {
        for (j, t) in s.next.iter().enumerate() {
            if let Some(branch) = owner.get(&t.to)
                && owner.get(&s.id) != Some(branch)
            {
                return Err((
                    format!("workflow.stages[{i}].next[{j}].to"),
                    format!("`{}` enters branch `{branch}` from outside its parallel stage", t.to),
                ));
            }
        }
    }
    Ok(())
}

fn check_reachability(wf: &WorkflowDef) -> Result<(), (String, String)> {
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([from.to_string()]);
        while let Some(id) = queue.pop_front() {
            if seen.insert(id.clone())
                && let Some(s) = wf.stage(&id)
            {
                queue.extend(wf.successors(s).into_iter().map(str::to_string));
            }
        }
        seen
    };
    let from_start = reach(&wf.start);
    let triage = wf.triage.as_deref().map(reach).unwrap_or_default();
    if let Some(s) = wf.stages.iter().find(|s| !from_start.contains(&s.id) && !triage.contains(&s.id)) {
        return Err(("workflow.stages".into(), format!("`{}` cannot be reached from `{}`", s.id, wf.start)));
    }
    if !from_start.contains(APPROVED) {
        return Err(("workflow.start".into(), "no path from the start reaches `approved`".into()));
    }
    for s in &wf.stages {
        let r = reach(&s.id);
        if !r.contains(APPROVED) && !r.contains(REFUSED) {
            return Err((
                "workflow.stages".into(),
                format!("from `{}` no path reaches `approved` or `refused`", s.id),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;
