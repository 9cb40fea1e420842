//! The rules of a maintenance window (ADM-2), pure: announced at least [`NOTICE_WORKING_DAYS`]
//! working days ahead, at most [`MAX_LENGTH_HOURS`] hours long, never overlapping another, with a
//! message in kk, ru and en.
//!
//! **Notice.** The working days are the applications' Kazakh calendar (holidays and moved days
//! off), in Almaty time, counted by the project's one deadline rule ([`Calendar::due`]): the day of
//! the announcement is not counted (announced on a day off, it counts from the next working day),
//! and the window may start once the third working day after it has ended. Announced on Friday
//! 11 December 2026, the days are Monday 14, Tuesday 15 and (Wednesday 16 being Independence Day)
//! Thursday 17: the earliest start is Friday 18 December, 00:00 in Almaty.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use qala::applications::calendar::Calendar;
//! use qala::maintenance::rules::earliest_start;
//! let mut cal = Calendar::new();
//! cal.add_year_csv("kz-2026.csv", "date,kind,name_kk,name_ru,name_en\n2026-12-16,holiday,Т,Н,I\n").unwrap();
//! let friday = Utc.with_ymd_and_hms(2026, 12, 11, 9, 0, 0).unwrap();
//! assert_eq!(earliest_start(&cal, friday), Utc.with_ymd_and_hms(2026, 12, 17, 19, 0, 0).unwrap());
//! ```

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::applications::calendar::Calendar;
use crate::i18n::Lang;

/// Working days of notice a window needs.
pub const NOTICE_WORKING_DAYS: u16 = 3;

/// Longest window, in hours.
pub const MAX_LENGTH_HOURS: i64 = 8;

/// Longest message in one language, in characters.
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// A window's message in the three languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Texts {
    pub kk: String,
    pub ru: String,
    pub en: String,
}

impl Texts {
    /// The message in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Kk => &self.kk,
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        }
    }
}

/// A window announced and not cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Window {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub message: Texts,
}

impl Window {
    /// Whether the window is under way at `now` (its start included, its end not).
    pub fn is_current(&self, now: DateTime<Utc>) -> bool {
        self.starts_at <= now && now < self.ends_at
    }
}

/// Why a window is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// It ends before (or when) it starts.
    EndsBeforeStart,
    /// It starts before the notice is over; the earliest start allowed.
    TooSoon { earliest: DateTime<Utc> },
    /// It is longer than [`MAX_LENGTH_HOURS`].
    TooLong,
    /// It overlaps the window `id`.
    Overlaps { id: i64 },
    /// A language's message is empty or longer than [`MAX_MESSAGE_CHARS`].
    Message { lang: Lang },
}

/// The earliest start a window announced at `now` may have (see the module docs).
pub fn earliest_start(calendar: &Calendar, now: DateTime<Utc>) -> DateTime<Utc> {
    calendar.due(now, NOTICE_WORKING_DAYS)
}

/// Checks a window announced at `now` against the rules and the windows already announced.
pub fn check(
    calendar: &Calendar,
    now: DateTime<Utc>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    message: &Texts,
    existing: &[Window],
) -> Result<(), Refusal> {
    for lang in [Lang::Kk, Lang::Ru, Lang::En] {
        let text = message.get(lang).trim();
        if text.is_empty() || text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(Refusal::Message { lang });
        }
    }
    if ends_at <= starts_at {
        return Err(Refusal::EndsBeforeStart);
    }
    if ends_at - starts_at > TimeDelta::hours(MAX_LENGTH_HOURS) {
        return Err(Refusal::TooLong);
    }
    let earliest = earliest_start(calendar, now);
    if starts_at < earliest {
        return Err(Refusal::TooSoon { earliest });
    }
    if let Some(w) = existing.iter().find(|w| w.starts_at < ends_at && starts_at < w.ends_at) {
        return Err(Refusal::Overlaps { id: w.id });
    }
    Ok(())
}

/// The window under way at `now`, if any.
pub fn current(windows: &[Window], now: DateTime<Utc>) -> Option<&Window> {
    windows.iter().find(|w| w.is_current(now))
}

/// The windows not yet over at `now`, earliest first.
pub fn upcoming(windows: &[Window], now: DateTime<Utc>) -> Vec<Window> {
    let mut out: Vec<Window> = windows.iter().filter(|w| w.ends_at > now).cloned().collect();
    out.sort_by_key(|w| w.starts_at);
    out
}

/// Seconds from `now` to the end of `w`, at least 1 (a `Retry-After`).
pub fn retry_after(w: &Window, now: DateTime<Utc>) -> u64 {
    u64::try_from((w.ends_at - now).num_seconds()).unwrap_or(0).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn cal() -> Calendar {
        let mut c = Calendar::new();
        let text = "date,kind,name_kk,name_ru,name_en\n\
                    2026-12-16,holiday,Тәуелсіздік күні,День Независимости,Independence Day\n";
        c.add_year_csv("kz-2026.csv", text).unwrap();
        c
    }

    fn texts() -> Texts {
        Texts { kk: "Жөндеу".into(), ru: "Ремонт".into(), en: "Upgrade".into() }
    }

    /// Almaty local time (UTC+5) as UTC.
    fn almaty(m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap() - TimeDelta::hours(5)
    }

    #[test]
    fn notice_counts_working_days_over_weekends_and_holidays() {
        let c = cal();
        // Announced Friday 11 December at 14:00: Mon 14, Tue 15, (Wed 16 holiday), Thu 17.
        let now = almaty(12, 11, 14);
        assert_eq!(earliest_start(&c, now), almaty(12, 18, 0));
        let too_soon = check(&c, now, almaty(12, 17, 20), almaty(12, 17, 23), &texts(), &[]);
        assert_eq!(too_soon, Err(Refusal::TooSoon { earliest: almaty(12, 18, 0) }));
        assert!(check(&c, now, almaty(12, 18, 1), almaty(12, 18, 9), &texts(), &[]).is_ok());
        // Announced on Saturday: it counts from Monday (not counted), so Tue, Thu, Fri.
        assert_eq!(earliest_start(&c, almaty(12, 12, 10)), almaty(12, 19, 0));
        // An ordinary week: Monday's announcement allows Friday.
        assert_eq!(earliest_start(&c, almaty(11, 2, 9)), almaty(11, 6, 0));
    }

    #[test]
    fn length_order_messages_and_overlap() {
        let c = cal();
        let now = almaty(11, 2, 9);
        let s = almaty(11, 10, 1);
        assert_eq!(check(&c, now, s, s + TimeDelta::hours(8), &texts(), &[]), Ok(()));
        assert_eq!(
            check(&c, now, s, s + TimeDelta::hours(8) + TimeDelta::seconds(1), &texts(), &[]),
            Err(Refusal::TooLong)
        );
        assert_eq!(check(&c, now, s, s, &texts(), &[]), Err(Refusal::EndsBeforeStart));
        let empty_kk = Texts { kk: " ".into(), ..texts() };
        assert_eq!(
            check(&c, now, s, s + TimeDelta::hours(1), &empty_kk, &[]),
            Err(Refusal::Message { lang: Lang::Kk })
        );
        let other = Window {
            id: 7,
            starts_at: s + TimeDelta::hours(2),
            ends_at: s + TimeDelta::hours(4),
            message: texts(),
        };
        assert_eq!(
            check(&c, now, s, s + TimeDelta::hours(3), &texts(), std::slice::from_ref(&other)),
            Err(Refusal::Overlaps { id: 7 })
        );
        // Touching ends do not overlap.
        assert!(check(&c, now, s, s + TimeDelta::hours(2), &texts(), std::slice::from_ref(&other)).is_ok());
        let ws = vec![other.clone()];
        assert_eq!(current(&ws, s + TimeDelta::hours(2)), Some(&other));
        assert_eq!(current(&ws, s + TimeDelta::hours(4)), None);
        assert_eq!(retry_after(&other, s + TimeDelta::hours(3)), 3600);
        assert_eq!(upcoming(&ws, s + TimeDelta::hours(5)), Vec::<Window>::new());
    }
}
