//! The terms of an application and of its current stages, in working days of the calendar, with
//! the clock paused while the application is with the applicant (see [`crate::applications::calendar`]
//! for the rule).
//!
//! The total term runs from submission for `[deadlines] total` working days; a stage's from the
//! moment its token entered it for the stage's `days`. A finished application's term stops at its
//! closing: its `elapsed` is the working time it took.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::engine::ApplicationState;
use crate::applications::calendar::{Alert, Calendar};
use crate::applications::service::ServiceDef;

/// A term and how much of it is used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Term {
    pub started: DateTime<Utc>,
    /// Working days.
    pub days: u16,
    /// The deadline, pauses included.
    pub due: DateTime<Utc>,
    /// Working time used (pauses excluded).
    #[serde(serialize_with = "seconds")]
    pub elapsed: TimeDelta,
    /// Working time left; negative when overdue.
    #[serde(serialize_with = "seconds")]
    pub left: TimeDelta,
    /// `elapsed` over the term's budget: 1.0 at the deadline.
    pub share: f64,
    pub overdue: bool,
    /// The highest alert reached.
    pub alert: Option<Alert>,
}

fn seconds<S: serde::Serializer>(d: &TimeDelta, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(d.num_seconds())
}

/// The term of `days` started at `started`, measured at `end` (now, or the closing).
pub fn term(
    cal: &Calendar,
    state: &ApplicationState,
    started: DateTime<Utc>,
    days: u16,
    end: DateTime<Utc>,
) -> Term {
    let pauses = state.pauses_until(end);
    let due = cal.due_with_pauses(started, days, &pauses);
    let elapsed = cal.elapsed(started, end, &pauses);
    let share = cal.share_used(started, days, end, &pauses);
    Term {
        started,
        days,
        due,
        elapsed,
        left: TimeDelta::days(days.into()) - elapsed,
        share,
        overdue: end > due,
        alert: Alert::at(share),
    }
}

/// The application's total term (none for a draft), measured at `now` or at its closing.
pub fn total(
    cal: &Calendar,
    service: &ServiceDef,
    state: &ApplicationState,
    now: DateTime<Utc>,
) -> Option<Term> {
    let started = state.submitted_at?;
    let end = state.closed_at.unwrap_or(now);
    Some(term(cal, state, started, service.deadlines.total, end))
}

/// The terms of the stages being worked, by stage id.
pub fn stages(
    cal: &Calendar,
    service: &ServiceDef,
    state: &ApplicationState,
    now: DateTime<Utc>,
) -> Vec<(String, Term)> {
    state
        .tokens
        .iter()
        .filter_map(|t| {
            let days = service.workflow.stage(&t.stage)?.days?;
            Some((t.stage.clone(), term(cal, state, t.entered_at, days, now)))
        })
        .collect()
}
