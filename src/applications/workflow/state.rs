//! The workflow state of an application and what acts on it: [`ApplicationState`] (its stages
//! being worked as [`Token`]s, each with its executor lock, whether it is returned to the applicant,
//! its pauses and history), the [`Actor`], the [`Action`]s and the [`Event`]s they produce.
//! Applying an action is [`super::engine::apply`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Verb;
use crate::applications::calendar::Pause;
use crate::applications::service::ServiceDef;

/// Longest comment or refusal text, in characters.
pub const MAX_COMMENT: usize = 4000;
/// Most fields one return for corrections flags.
pub const MAX_FLAGGED: usize = 200;
/// Most history entries of one application; further actions are refused.
pub const MAX_HISTORY: usize = 10_000;

/// Who acts: a user with roles, organisation and department (the applicant has none of the last).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user: String,
    pub roles: Vec<String>,
    pub org: Option<String>,
    pub dept: Option<String>,
}

impl Actor {
    /// Whether the actor has `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// Administrators may work and manage every stage.
    pub fn is_admin(&self) -> bool {
        self.has_role("admin")
    }
}

/// Where an application is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    InProgress,
    /// With the applicant for corrections; the clock is paused.
    Returned,
    Approved,
    Refused,
    Withdrawn,
}

impl Status {
    /// Approved, refused or withdrawn: nothing more happens.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Approved | Status::Refused | Status::Withdrawn)
    }
}

/// A branch of a parallel stage a token runs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    pub parallel: String,
    pub index: usize,
}

/// A stage passed on the way to a token's current stage, for returning to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub stage: String,
    pub executor: Option<String>,
}

/// A stage being worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    pub stage: String,
    pub branch: Option<Branch>,
    /// Who holds it; `None`: in the common pool.
    pub executor: Option<String>,
    pub entered_at: DateTime<Utc>,
    /// Stages before this one on its line (the last is the previous stage).
    pub trail: Vec<Visit>,
}

/// The fields an application was returned for, by whom, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub stage: String,
    pub by: String,
    pub at: DateTime<Utc>,
    pub fields: Vec<String>,
}

/// A refusal decided on an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub code: String,
    pub text: String,
}

/// One action in an application's history, with the events it produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub events: Vec<Event>,
}

/// The workflow state of one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationState {
    pub applicant: String,
    /// The organisation the application is routed to (works stages that name none).
    pub org: String,
    pub status: Status,
    pub tokens: Vec<Token>,
    /// Finished branches of running parallel stages.
    pub done_branches: BTreeMap<String, BTreeSet<usize>>,
    pub returned: Option<Correction>,
    /// Closed pauses (returns to the applicant that were resubmitted).
    pub pauses: Vec<Pause>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub refusal: Option<Decision>,
    pub history: Vec<HistoryEntry>,
}

impl ApplicationState {
    /// A draft of `applicant`, routed to the service's provider.
    pub fn draft(service: &ServiceDef, applicant: &str) -> ApplicationState {
        ApplicationState {
            applicant: applicant.to_string(),
            org: service.provider.clone(),
            status: Status::Draft,
            tokens: Vec::new(),
            done_branches: BTreeMap::new(),
            returned: None,
            pauses: Vec::new(),
            submitted_at: None,
            closed_at: None,
            refusal: None,
            history: Vec::new(),
        }
    }

    /// The token on `stage`, if that stage is being worked.
    pub fn token(&self, stage: &str) -> Option<&Token> {
        self.tokens.iter().find(|t| t.stage == stage)
    }

    /// The pauses of its clock up to `now` (an open return counts until `now`).
    pub fn pauses_until(&self, now: DateTime<Utc>) -> Vec<Pause> {
        let mut v = self.pauses.clone();
        if let Some(c) = &self.returned {
            v.push(Pause { from: c.at, to: now.max(c.at) });
        }
        v
    }
}

/// An action on an application. `stage` names the stage being worked (one token per stage).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Submit,
    Claim {
        stage: String,
    },
    Release {
        stage: String,
    },
    Assign {
        stage: String,
        to: Actor,
    },
    /// Save without sending: an executor's work at `stage`, or the applicant's draft (no stage).
    Save {
        stage: Option<String>,
    },
    Comment {
        stage: Option<String>,
        text: String,
        to_applicant: bool,
    },
    ReturnForCorrections {
        stage: String,
        fields: Vec<String>,
    },
    /// The applicant sends the corrected application back; `changed`: the fields that differ.
    Resubmit {
        changed: Vec<String>,
    },
    ReturnToPrevious {
        stage: String,
    },
    Forward {
        stage: String,
        to: Option<String>,
    },
    Approve {
        stage: String,
    },
    Refuse {
        stage: String,
        code: String,
        text: String,
    },
    NotCompetent {
        stage: String,
        reroute: Option<String>,
    },
    Withdraw,
}

impl Action {
    /// The action's name in the history and the journal.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Claim { .. } => "claim",
            Action::Release { .. } => "release",
            Action::Assign { .. } => "assign",
            Action::Save { .. } => "save",
            Action::Comment { .. } => "comment",
            Action::ReturnForCorrections { .. } => "return_for_corrections",
            Action::Resubmit { .. } => "resubmit",
            Action::ReturnToPrevious { .. } => "return_to_previous",
            Action::Forward { .. } => "forward",
            Action::Approve { .. } => "approve",
            Action::Refuse { .. } => "refuse",
            Action::NotCompetent { .. } => "not_competent",
            Action::Withdraw => "withdraw",
        }
    }
}

/// What happened, for the journal and notifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Submitted,
    /// A stage is waiting in the pool of its role and organisation.
    StageEntered {
        stage: String,
        branch: Option<usize>,
        org: String,
    },
    Claimed {
        stage: String,
        user: String,
    },
    Released {
        stage: String,
        user: String,
    },
    Assigned {
        stage: String,
        user: String,
    },
    Saved {
        stage: Option<String>,
    },
    Commented {
        stage: Option<String>,
        to_applicant: bool,
        text: String,
    },
    ReturnedForCorrections {
        stage: String,
        fields: Vec<String>,
    },
    Resubmitted {
        changed: Vec<String>,
    },
    ReturnedToPrevious {
        from: String,
        to: String,
        executor: Option<String>,
    },
    /// A declared transition was taken.
    Moved {
        verb: Verb,
        from: String,
        to: String,
    },
    BranchDone {
        parallel: String,
        branch: usize,
    },
    /// Every branch of `parallel` is done.
    Joined {
        parallel: String,
    },
    /// A branch's stage stopped because the application was refused elsewhere.
    BranchCancelled {
        stage: String,
    },
    Rerouted {
        from: String,
        to: String,
    },
    SentToTriage {
        from: String,
    },
    Approved,
    Refused {
        code: String,
        text: String,
    },
    Withdrawn,
}
