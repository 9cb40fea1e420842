//! The stages an application went through, read back from its history: each visit of a stage
//! (a branch's stage is a visit of its own), who held it, when it was entered and left, and the
//! working days it took with the applicant's corrections taken out. The card shows it as the
//! application's path; analytics sums it up as time per stage. Pure.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use qala::applications::calendar::Calendar;
//! use qala::applications::workflow::Verb;
//! use qala::applications::workflow::engine::{Event, HistoryEntry};
//! use qala::applications::workflow::timeline::visits;
//! let at = |d| Utc.with_ymd_and_hms(2026, 12, d, 5, 0, 0).unwrap(); // 10:00 in Almaty
//! let entry = |d, events| HistoryEntry { at: at(d), actor: "a".into(), action: "x".into(), events };
//! let history = vec![
//!     entry(1, vec![Event::Submitted, Event::StageEntered { stage: "intake".into(), branch: None, org: "city".into() }]),
//!     entry(2, vec![Event::Claimed { stage: "intake".into(), user: "berik".into() }]),
//!     entry(3, vec![Event::Moved { verb: Verb::Approve, from: "intake".into(), to: "approved".into() }, Event::Approved]),
//! ];
//! let v = visits(&Calendar::new(), &history, &[], at(4));
//! assert_eq!(v.len(), 1);
//! assert_eq!(v[0].executor.as_deref(), Some("berik"));
//! assert_eq!(v[0].left_at, Some(at(3)));
//! assert_eq!(v[0].working_days, 2.0); // 1 and 2 December 2026 are working days
//! ```

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::engine::{Event, HistoryEntry};
use crate::applications::calendar::{Calendar, Pause, working_day};

/// One visit of a stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageVisit {
    pub stage: String,
    /// The branch of a parallel stage it ran on.
    pub branch: Option<usize>,
    /// The last executor who held it (none: it stayed in the pool).
    pub executor: Option<String>,
    pub entered_at: DateTime<Utc>,
    /// None while the stage is being worked.
    pub left_at: Option<DateTime<Utc>>,
    /// Working time spent, in working days, pauses for corrections excluded; up to `now` for a
    /// visit still open. Rounded to hundredths.
    pub working_days: f64,
}

/// The visits of the stages of `history`, in the order they were entered; `pauses` are the
/// application's (`ApplicationState::pauses_until(now)`), `now` ends the open ones' time.
pub fn visits(
    cal: &Calendar,
    history: &[HistoryEntry],
    pauses: &[Pause],
    now: DateTime<Utc>,
) -> Vec<StageVisit> {
    let mut out: Vec<StageVisit> = Vec::new();
    // The open visit of `stage` (the latest, should a stage be entered twice).
    fn open<'a>(out: &'a mut [StageVisit], stage: &str) -> Option<&'a mut StageVisit> {
        out.iter_mut().rev().find(|v| v.left_at.is_none() && v.stage == stage)
    }
    for entry in history {
        let at = entry.at;
        for event in &entry.events {
            match event {
                Event::StageEntered { stage, branch, .. } => out.push(StageVisit {
                    stage: stage.clone(),
                    branch: *branch,
                    executor: None,
                    entered_at: at,
                    left_at: None,
                    working_days: 0.0,
                }),
                Event::Claimed { stage, user } | Event::Assigned { stage, user } => {
                    if let Some(v) = open(&mut out, stage) {
                        v.executor = Some(user.clone());
                    }
                }
                Event::Moved { from, .. } | Event::SentToTriage { from } => {
                    if let Some(v) = open(&mut out, from) {
                        v.left_at = Some(at);
                    }
                }
                Event::BranchCancelled { stage } => {
                    if let Some(v) = open(&mut out, stage) {
                        v.left_at = Some(at);
                    }
                }
                Event::ReturnedToPrevious { from, to, executor } => {
                    let branch = open(&mut out, from).map(|v| {
                        v.left_at = Some(at);
                        v.branch
                    });
                    out.push(StageVisit {
                        stage: to.clone(),
                        branch: branch.flatten(),
                        executor: executor.clone(),
                        entered_at: at,
                        left_at: None,
                        working_days: 0.0,
                    });
                }
                Event::Approved | Event::Refused { .. } | Event::Withdrawn => {
                    for v in out.iter_mut().filter(|v| v.left_at.is_none()) {
                        v.left_at = Some(at);
                    }
                }
                _ => {}
            }
        }
    }
    for v in &mut out {
        let end = v.left_at.unwrap_or(now);
        let paused = pauses
            .iter()
            .map(|p| cal.working_time(p.from.max(v.entered_at), p.to.min(end)))
            .fold(chrono::TimeDelta::zero(), |a, b| a + b);
        let spent = (cal.working_time(v.entered_at, end) - paused).max(chrono::TimeDelta::zero());
        let days = spent.num_seconds() as f64 / working_day().num_seconds() as f64;
        v.working_days = (days * 100.0).round() / 100.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::applications::workflow::Verb;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, h, 0, 0).unwrap()
    }

    fn entry(t: DateTime<Utc>, events: Vec<Event>) -> HistoryEntry {
        HistoryEntry { at: t, actor: "x".into(), action: "x".into(), events }
    }

    fn entered(stage: &str, branch: Option<usize>) -> Event {
        Event::StageEntered { stage: stage.into(), branch, org: "city".into() }
    }

    fn moved(from: &str, to: &str) -> Event {
        Event::Moved { verb: Verb::Forward, from: from.into(), to: to.into() }
    }

    #[test]
    fn parallel_branches_are_visits_of_their_own_and_a_refusal_ends_the_rest() {
        let history = vec![
            entry(at(1, 5), vec![Event::Submitted, entered("water", Some(0)), entered("power", Some(1))]),
            entry(
                at(2, 5),
                vec![moved("water", "decision"), Event::BranchDone { parallel: "p".into(), branch: 0 }],
            ),
            entry(
                at(3, 5),
                vec![
                    Event::BranchCancelled { stage: "power".into() },
                    Event::Refused { code: "c".into(), text: "t".into() },
                ],
            ),
        ];
        let v = visits(&Calendar::new(), &history, &[], at(9, 0));
        assert_eq!(
            v.iter().map(|v| (v.stage.as_str(), v.branch)).collect::<Vec<_>>(),
            [("water", Some(0)), ("power", Some(1))]
        );
        assert_eq!((v[0].left_at, v[0].working_days), (Some(at(2, 5)), 1.0));
        assert_eq!((v[1].left_at, v[1].working_days), (Some(at(3, 5)), 2.0));
    }

    #[test]
    fn returns_to_a_previous_stage_and_corrections_are_accounted_for() {
        let history = vec![
            entry(at(1, 5), vec![entered("intake", None)]),
            entry(at(1, 6), vec![Event::Claimed { stage: "intake".into(), user: "a".into() }]),
            entry(at(1, 7), vec![moved("intake", "review"), entered("review", None)]),
            entry(
                at(2, 7),
                vec![Event::ReturnedToPrevious {
                    from: "review".into(),
                    to: "intake".into(),
                    executor: Some("a".into()),
                }],
            ),
        ];
        // The applicant held it from 2 Dec 07:00 to 3 Dec 07:00 (a pause of one working day).
        let pauses = [Pause { from: at(2, 7), to: at(3, 7) }];
        let v = visits(&Calendar::new(), &history, &pauses, at(4, 7));
        assert_eq!(v.len(), 3);
        assert_eq!((v[1].stage.as_str(), v[1].working_days), ("review", 1.0));
        assert_eq!((v[2].stage.as_str(), v[2].executor.as_deref()), ("intake", Some("a")));
        // Open until now (4 Dec 07:00): two days, one of them paused.
        assert_eq!((v[2].left_at, v[2].working_days), (None, 1.0));
    }

    #[test]
    fn days_off_do_not_count() {
        // 5 and 6 December 2026 are a Saturday and a Sunday.
        let history = vec![
            entry(at(4, 5), vec![entered("intake", None)]),
            entry(at(7, 5), vec![moved("intake", "approved"), Event::Approved]),
        ];
        let v = visits(&Calendar::new(), &history, &[], at(9, 0));
        assert_eq!(v[0].working_days, 1.0);
    }
}
