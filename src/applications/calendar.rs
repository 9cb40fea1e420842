//! The Kazakh working-day calendar and deadline arithmetic in working days (pure; the loader reads
//! files, nothing else does IO).
//!
//! **Working day.** A Monday-Friday date that the calendar does not list as `holiday` or
//! `day_off_moved`, or a date it lists as `working_day_moved` (the rule of
//! `../shared/data/calendar/README.md`). Files are `kz-<year>.csv` with the columns
//! `date,kind,name_kk,name_ru,name_en`. For a year no file covers ([`Calendar::covers`] says
//! which do), the plain weekday rule applies: Monday-Friday work, Saturday and Sunday do not, and no
//! holiday is known. Callers that compute deadlines into such a year should warn that the year's
//! calendar is missing.
//!
//! **Local time.** Days are the days of Almaty, UTC+5 (all of Kazakhstan since 1 March 2024), a
//! fixed offset without summer time, so every day is 24 hours long.
//!
//! **The deadline rule.** A stage (or a whole application) started at instant `t` with `N` working
//! days is registered on its *registration day*: the local date of `t` when that is a working day,
//! otherwise the next working day (what is submitted on a day off is received on the next working
//! day). The registration day itself is not counted: the term starts the next day, and the stage is
//! due at the end (local midnight) of the `N`th working day after the registration day. This is how
//! Kazakh state-service standards state terms ("the day of receipt is not counted", requests outside
//! working days "are received on the next working day") and the general rule of counting terms in
//! days (a term starts on the day after its event); the seed names no other rule.
//!
//! **Working time and pauses.** The term is a budget of `N` working days of 24 hours; the clock runs
//! from the start of the day after the registration day ([`Calendar::clock_start`]) and only on
//! working days. While the application is returned to the applicant the clock stops: [`Pause`]
//! intervals are subtracted to the second. A deadline with pauses is the instant the budget runs
//! out ([`Calendar::due_with_pauses`]); without pauses that is the end of the `N`th working day,
//! with a pause that ended mid-day it can be within a day. The share of the term used
//! ([`Calendar::share_used`]) is elapsed working time over the budget: 1.0 exactly at the deadline,
//! and the alerts ([`Alert`]) fire at 0.5, 0.8 and 1.0.
//!
//! ```
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use qala::applications::calendar::Calendar;
//! let text = "date,kind,name_kk,name_ru,name_en\n\
//!             2026-03-24,day_off_moved,Наурыз,Наурыз,Nauryz\n\
//!             2026-03-25,day_off_moved,Наурыз,Наурыз,Nauryz\n";
//! let mut cal = Calendar::new();
//! cal.add_year_csv("kz-2026.csv", text).unwrap();
//! let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
//! assert!(!cal.is_working_day(d(3, 24)));
//! // Submitted on Friday 20 March at 10:00 Almaty time (05:00 UTC), 2 working days: Friday is
//! // not counted, Monday 23 March (not listed in this small file) is day 1, and day 2 comes after
//! // Nauryz: Thursday 26 March; due at its end, 27 March 00:00 Almaty = 26 March 19:00 UTC.
//! let t = Utc.with_ymd_and_hms(2026, 3, 20, 5, 0, 0).unwrap();
//! assert_eq!(cal.due(t, 2), Utc.with_ymd_and_hms(2026, 3, 26, 19, 0, 0).unwrap());
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Offset, TimeDelta, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::layers::catalog::Translated;

/// The offset of Almaty from UTC: +5 hours (Kazakhstan's single time zone since 1 March 2024).
pub const ALMATY_OFFSET_SECONDS: i32 = 5 * 3600;

/// Largest calendar file read, in bytes (a year has a few dozen rows).
pub const MAX_CALENDAR_FILE_BYTES: usize = 256 * 1024;

/// Most rows in one year's file.
pub const MAX_DAYS_PER_YEAR: usize = 366;

/// One working day of working time: 24 hours.
pub fn working_day() -> TimeDelta {
    TimeDelta::days(1)
}

/// How a listed date differs from the weekday rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday (it is a day off also when it falls on a weekend).
    Holiday,
    /// A day off moved onto a weekday (Labour Code or a government decree).
    DayOffMoved,
    /// A Saturday or Sunday made a working day by decree.
    WorkingDayMoved,
}

impl DayKind {
    /// The kind from its name in calendar files (`holiday`, `day_off_moved`, `working_day_moved`).
    pub fn parse(s: &str) -> Option<DayKind> {
        match s {
            "holiday" => Some(DayKind::Holiday),
            "day_off_moved" => Some(DayKind::DayOffMoved),
            "working_day_moved" => Some(DayKind::WorkingDayMoved),
            _ => None,
        }
    }

    /// Its name in calendar files.
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::DayOffMoved => "day_off_moved",
            DayKind::WorkingDayMoved => "working_day_moved",
        }
    }
}

/// A date the calendar lists, with its name in kk, ru and en.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: Translated,
}

/// Checks a listing an administrator sets: a working day moved is a Saturday or Sunday, a day off
/// moved is a weekday, and the names in kk, ru and en are given (at most 200 characters each).
///
/// ```
/// # use chrono::NaiveDate;
/// # use qala::applications::calendar::{check_day, CalendarDay, DayKind};
/// # use qala::layers::catalog::Translated;
/// let name = Translated { kk: "Қаулы".into(), ru: "Постановление".into(), en: "Decree".into() };
/// let sat = NaiveDate::from_ymd_opt(2026, 12, 19).unwrap();
/// assert!(check_day(&CalendarDay { date: sat, kind: DayKind::WorkingDayMoved, name: name.clone() }).is_ok());
/// assert!(check_day(&CalendarDay { date: sat, kind: DayKind::DayOffMoved, name }).is_err());
/// ```
pub fn check_day(day: &CalendarDay) -> Result<(), String> {
    let weekend = is_weekend(day.date);
    match day.kind {
        DayKind::WorkingDayMoved if !weekend => {
            return Err(format!("{} is a weekday: only a Saturday or Sunday is moved to work", day.date));
        }
        DayKind::DayOffMoved if weekend => {
            return Err(format!("{} is a weekend day: a day off is moved onto a weekday", day.date));
        }
        _ => {}
    }
    let names = [&day.name.kk, &day.name.ru, &day.name.en];
    if names.iter().any(|n| n.trim().is_empty() || n.chars().count() > 200) {
        return Err("the names in kk, ru and en must be given, at most 200 characters each".into());
    }
    Ok(())
}

/// A calendar file that cannot be used: which file, which line (1 is the header), and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CalendarError {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: line {}: {}", self.file, self.line, self.reason)
    }
}

/// An interval during which an application's clock stands still (returned to the applicant).
/// An open pause (not resubmitted yet) is given by the caller with `to` = now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// An alert on a stage's or an application's term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Alert {
    /// Half of the term is used.
    Half,
    /// 80% of the term is used.
    FourFifths,
    /// The term is used up: overdue.
    Overdue,
}

impl Alert {
    /// Every alert, with the share of the term at which it fires.
    pub const ALL: [(Alert, f64); 3] = [(Alert::Half, 0.5), (Alert::FourFifths, 0.8), (Alert::Overdue, 1.0)];

    /// The highest alert reached at `share` of the term, if any.
    pub fn at(share: f64) -> Option<Alert> {
        Alert::ALL.iter().rev().find(|(_, s)| share >= *s).map(|(a, _)| *a)
    }

    /// The alerts crossed when the share went from `before` to `after` (each is sent once).
    pub fn crossed(before: f64, after: f64) -> Vec<Alert> {
        Alert::ALL.iter().filter(|(_, s)| before < *s && after >= *s).map(|(a, _)| *a).collect()
    }
}

/// The working-day calendar: listed dates over the weekday rule, and the years its files cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    days: BTreeMap<NaiveDate, CalendarDay>,
    years: BTreeSet<i32>,
    offset: FixedOffset,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar::new()
    }
}

impl Calendar {
    /// A calendar that covers no year (the weekday rule everywhere), in Almaty time.
    pub fn new() -> Calendar {
        let offset = FixedOffset::east_opt(ALMATY_OFFSET_SECONDS).unwrap_or_else(|| Utc.fix());
        Calendar { days: BTreeMap::new(), years: BTreeSet::new(), offset }
    }

    /// Reads every `*.csv` of `dir` in file-name order; all errors are returned, not the first.
    pub fn load_dir(dir: &Path) -> Result<Calendar, Vec<CalendarError>> {
        let dir_err = |e: std::io::Error| {
            vec![CalendarError { file: dir.display().to_string(), line: 0, reason: e.to_string() }]
        };
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(dir_err)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .collect();
        files.sort();
        let mut cal = Calendar::new();
        let mut errors = Vec::new();
        for path in files {
            let name = path.display().to_string();
            let text = match std::fs::metadata(&path) {
                Ok(m) if m.len() > MAX_CALENDAR_FILE_BYTES as u64 => {
                    Err(format!("larger than {MAX_CALENDAR_FILE_BYTES} bytes"))
                }
                _ => std::fs::read_to_string(&path).map_err(|e| e.to_string()),
            };
            match text {
                Ok(text) => {
                    if let Err(e) = cal.add_year_csv(&name, &text) {
                        errors.push(e);
                    }
                }
                Err(reason) => errors.push(CalendarError { file: name, line: 0, reason }),
            }
        }
        if errors.is_empty() { Ok(cal) } else { Err(errors) }
    }

    /// Adds one year's file. The year is the file name's (`kz-2026.csv`) or, without one, that of
    /// its dates; every date must be in it and listed once; a `working_day_moved` must be a
    /// Saturday or Sunday and a `day_off_moved` a weekday. Nothing is added when the file is wrong.
    pub fn add_year_csv(&mut self, file: &str, text: &str) -> Result<(), CalendarError> {
        let err = |line: usize, reason: String| CalendarError { file: file.to_string(), line, reason };
        if text.len() > MAX_CALENDAR_FILE_BYTES {
            return Err(err(0, format!("larger than {MAX_CALENDAR_FILE_BYTES} bytes")));
        }
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
        let header = reader.headers().map_err(|e| err(1, e.to_string()))?.clone();
        let expected = ["date", "kind", "name_kk", "name_ru", "name_en"];
        if header.iter().map(str::trim).ne(expected) {
            return Err(err(1, format!("the header must be `{}`", expected.join(","))));
        }
        let mut year = year_of_file_name(file);
        let mut rows: BTreeMap<NaiveDate, CalendarDay> = BTreeMap::new();
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let r = record.map_err(|e| err(line, e.to_string()))?;
            if rows.len() >= MAX_DAYS_PER_YEAR {
                return Err(err(line, format!("more than {MAX_DAYS_PER_YEAR} rows")));
            }
            let field = |k: usize| r.get(k).unwrap_or("").trim();
            let date = NaiveDate::parse_from_str(field(0), "%Y-%m-%d")
                .map_err(|_| err(line, format!("`{}` is not a date YYYY-MM-DD", field(0))))?;
            let kind = DayKind::parse(field(1)).ok_or_else(|| {
                err(line, format!("`{}` is not holiday, day_off_moved or working_day_moved", field(1)))
            })?;
            let y = *year.get_or_insert(date.year());
            if y != date.year() {
                return Err(err(line, format!("{date} is not in the file's year {y}")));
            }
            let weekend = is_weekend(date);
            if kind == DayKind::WorkingDayMoved && !weekend {
                return Err(err(
                    line,
                    format!("{date} is a weekday: only a Saturday or Sunday is moved to work"),
                ));
            }
            if kind == DayKind::DayOffMoved && weekend {
                return Err(err(line, format!("{date} is a weekend day: a day off is moved onto a weekday")));
            }
            let name = Translated { kk: field(2).into(), ru: field(3).into(), en: field(4).into() };
            if [&name.kk, &name.ru, &name.en].iter().any(|n| n.is_empty()) {
                return Err(err(line, "the names in kk, ru and en must not be empty".into()));
            }
            if rows.insert(date, CalendarDay { date, kind, name }).is_some() {
                return Err(err(line, format!("{date} is listed twice")));
            }
        }
        let Some(year) = year else {
            return Err(err(1, "no rows, and the file name (`kz-<year>.csv`) gives no year".into()));
        };
        self.days.retain(|d, _| d.year() != year);
        self.days.extend(rows);
        self.years.insert(year);
        Ok(())
    }

    /// Lists `day` (an administrator's edit), replacing what was listed for its date; its year is
    /// then covered.
    pub fn set_day(&mut self, day: CalendarDay) {
        self.years.insert(day.date.year());
        self.days.insert(day.date, day);
    }

    /// Removes the listing of `date`, which then follows the weekday rule.
    pub fn remove_day(&mut self, date: NaiveDate) -> Option<CalendarDay> {
        self.days.remove(&date)
    }

    /// The listed dates, in order.
    pub fn days(&self) -> impl Iterator<Item = &CalendarDay> {
        self.days.values()
    }

    /// The listing of `date`, if any.
    pub fn day(&self, date: NaiveDate) -> Option<&CalendarDay> {
        self.days.get(&date)
    }

    /// Whether a file (or an administrator's edit) covers `year`; outside, the weekday rule applies.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// Whether `date` is a working day (see the module docs).
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.days.get(&date).map(|d| d.kind) {
            Some(DayKind::WorkingDayMoved) => true,
            Some(DayKind::Holiday | DayKind::DayOffMoved) => false,
            None => !is_weekend(date),
        }
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        self.add_working_days(date, 1)
    }

    /// The `n`th working day strictly after `date` (`date` itself for `n = 0`).
    ///
    /// ```
    /// # use chrono::NaiveDate;
    /// let cal = qala::applications::calendar::Calendar::new();
    /// let fri = NaiveDate::from_ymd_opt(2030, 1, 4).unwrap();
    /// assert_eq!(cal.add_working_days(fri, 1), NaiveDate::from_ymd_opt(2030, 1, 7).unwrap());
    /// ```
    pub fn add_working_days(&self, date: NaiveDate, n: u16) -> NaiveDate {
        let mut d = date;
        let mut left = n;
        while left > 0 {
            let Some(next) = d.succ_opt() else { return d };
            d = next;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The number of working days `d` with `from < d <= to` (0 when `to <= from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        match from.succ_opt() {
            Some(start) => self.count_working_days(start, to.succ_opt().unwrap_or(to)),
            None => 0,
        }
    }

    /// Working days in `[from, to)`, by arithmetic over whole weeks and the listed dates.
    fn count_working_days(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        if to <= from {
            return 0;
        }
        let total = (to - from).num_days();
        let mut count = (total / 7) * 5;
        let mut d = from + TimeDelta::days(total / 7 * 7);
        while d < to {
            if !is_weekend(d) {
                count += 1;
            }
            d = d.succ_opt().unwrap_or(to);
        }
        for day in self.days.range(from..to).map(|(_, v)| v) {
            match (day.kind, is_weekend(day.date)) {
                (DayKind::Holiday | DayKind::DayOffMoved, false) => count -= 1,
                (DayKind::WorkingDayMoved, true) => count += 1,
                _ => {}
            }
        }
        u32::try_from(count.max(0)).unwrap_or(u32::MAX)
    }

    /// The local (Almaty) date of an instant.
    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.offset).date_naive()
    }

    /// The instant a local date begins (its local midnight).
    pub fn start_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        let naive = date.and_time(NaiveTime::MIN) - TimeDelta::seconds(self.offset.local_minus_utc().into());
        naive.and_utc()
    }

    /// The instant a local date ends: the next day's local midnight.
    pub fn end_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        self.start_of_day(date) + working_day()
    }

    /// The day something that arrives at `t` is registered: its local date when that is a working
    /// day, else the next working day.
    pub fn registration_day(&self, t: DateTime<Utc>) -> NaiveDate {
        let d = self.local_date(t);
        if self.is_working_day(d) { d } else { self.next_working_day(d) }
    }

    /// When the clock of a term started at `t` begins to run: the end of its registration day.
    pub fn clock_start(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.end_of_day(self.registration_day(t))
    }

    /// The deadline of a term of `n` working days started at `t`: the end of the `n`th working day
    /// after the registration day.
    pub fn due(&self, t: DateTime<Utc>, n: u16) -> DateTime<Utc> {
        self.end_of_day(self.add_working_days(self.registration_day(t), n))
    }

    /// Working time within `[from, to)`: the part of it that lies on working days.
    pub fn working_time(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> TimeDelta {
        if to <= from {
            return TimeDelta::zero();
        }
        let (da, db) = (self.local_date(from), self.local_date(to));
        if da == db {
            return if self.is_working_day(da) { to - from } else { TimeDelta::zero() };
        }
        let first = if self.is_working_day(da) { self.end_of_day(da) - from } else { TimeDelta::zero() };
        let last = if self.is_working_day(db) { to - self.start_of_day(db) } else { TimeDelta::zero() };
        let middle = da.succ_opt().map_or(0, |s| self.count_working_days(s, db));
        first + last + working_day() * i32::try_from(middle).unwrap_or(i32::MAX)
    }

    /// Working time of a term started at `t` that has run by `now`, pauses subtracted (overlapping
    /// pauses count once; pauses before the clock starts change nothing).
    pub fn elapsed(&self, t: DateTime<Utc>, now: DateTime<Utc>, pauses: &[Pause]) -> TimeDelta {
        let start = self.clock_start(t);
        let paused: TimeDelta = merge(pauses)
            .iter()
            .map(|p| self.working_time(p.from.max(start), p.to.min(now)))
            .fold(TimeDelta::zero(), |a, b| a + b);
        (self.working_time(start, now) - paused).max(TimeDelta::zero())
    }

    /// The deadline of a term of `n` working days started at `t`, extended by `pauses`: the
    /// instant its budget of `n` working days of working time runs out. Never earlier than
    /// [`Calendar::due`].
    pub fn due_with_pauses(&self, t: DateTime<Utc>, n: u16, pauses: &[Pause]) -> DateTime<Utc> {
        let mut at = self.clock_start(t);
        if n == 0 {
            return at;
        }
        let mut left = working_day() * i32::from(n);
        let pauses = merge(pauses);
        let mut next_pause = pauses.iter().peekable();
        loop {
            while next_pause.next_if(|p| p.to <= at).is_some() {}
            if let Some(p) = next_pause.peek()
                && p.from <= at
            {
                at = p.to;
                continue;
            }
            let date = self.local_date(at);
            let mut segment_end = self.end_of_day(date);
            if let Some(p) = next_pause.peek() {
                segment_end = segment_end.min(p.from);
            }
            if self.is_working_day(date) {
                let available = segment_end - at;
                if available >= left {
                    return at + left;
                }
                left -= available;
            }
            if segment_end <= at {
                return at;
            }
            at = segment_end;
        }
    }

    /// The share of a term of `n` working days started at `t` used by `now`: elapsed working time
    /// over the budget (1.0 at the deadline; above it when overdue). A term of 0 days is 1.0 once
    /// its clock has started.
    pub fn share_used(&self, t: DateTime<Utc>, n: u16, now: DateTime<Utc>, pauses: &[Pause]) -> f64 {
        if n == 0 {
            return if now >= self.clock_start(t) { 1.0 } else { 0.0 };
        }
        let budget = (working_day() * i32::from(n)).num_milliseconds() as f64;
        self.elapsed(t, now, pauses).num_milliseconds() as f64 / budget
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// `kz-2026.csv` → 2026.
fn year_of_file_name(file: &str) -> Option<i32> {
    let stem = Path::new(file).file_stem()?.to_str()?;
    stem.rsplit('-').next()?.parse().ok().filter(|y| (1..=9999).contains(y))
}

/// Pauses sorted and merged where they overlap or touch; empty and inverted ones dropped.
fn merge(pauses: &[Pause]) -> Vec<Pause> {
    let mut v: Vec<Pause> = pauses.iter().filter(|p| p.from < p.to).copied().collect();
    v.sort_by_key(|p| p.from);
    let mut out: Vec<Pause> = Vec::with_capacity(v.len());
    for p in v {
        match out.last_mut() {
            Some(last) if p.from <= last.to => last.to = last.to.max(p.to),
            _ => out.push(p),
        }
    }
    out
}

#[cfg(test)]
mod tests;
