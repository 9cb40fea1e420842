//! Calendar cases around the moved days off of 2026 and properties of the deadline arithmetic.

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;

use super::*;

/// The published calendars beside the repository (`../shared/data/calendar`, or
/// `$QALA_OPEN_DATA_DIR/calendar`): read from there, never copied into the repository.
fn calendar_dir() -> std::path::PathBuf {
    let data = std::env::var("QALA_OPEN_DATA_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let dir = data.join("calendar");
    assert!(
        dir.join("kz-2026.csv").exists(),
        "calendar not found at {} (set QALA_OPEN_DATA_DIR)",
        dir.display()
    );
    dir
}

fn cal() -> Calendar {
    let text = std::fs::read_to_string(calendar_dir().join("kz-2026.csv")).unwrap();
    let mut c = Calendar::new();
    c.add_year_csv("kz-2026.csv", &text).unwrap();
    c
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// An instant given in Almaty local time.
fn local(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap() - TimeDelta::hours(5)
}

#[test]
fn the_published_2026_file_loads() {
    let c = cal();
    assert_eq!(c.days().count(), 21);
    assert!(c.covers(2026));
    assert!(!c.covers(2027));
    assert_eq!(c.day(d(2026, 3, 22)).unwrap().name.en, "Nauryz");
    assert_eq!(Calendar::load_dir(&calendar_dir()).unwrap(), c);
}

#[test]
fn womens_day_on_sunday_moves_to_monday_9_march() {
    let c = cal();
    assert!(c.is_working_day(d(2026, 3, 6)));
    assert!(!c.is_working_day(d(2026, 3, 8)));
    assert!(!c.is_working_day(d(2026, 3, 9)));
    assert!(c.is_working_day(d(2026, 3, 10)));
    assert_eq!(c.next_working_day(d(2026, 3, 6)), d(2026, 3, 10));
    // Submitted on Saturday 7 March: received Tuesday 10 March, which is not counted.
    assert_eq!(c.registration_day(local(2026, 3, 7, 11, 0)), d(2026, 3, 10));
    assert_eq!(c.due(local(2026, 3, 7, 11, 0), 1), c.end_of_day(d(2026, 3, 11)));
}

#[test]
fn nauryz_2026_is_five_days_off() {
    let c = cal();
    for day in 21..=25 {
        assert!(!c.is_working_day(d(2026, 3, day)), "{day} March");
    }
    assert!(c.is_working_day(d(2026, 3, 20)) && c.is_working_day(d(2026, 3, 26)));
    assert_eq!(c.add_working_days(d(2026, 3, 20), 1), d(2026, 3, 26));
    assert_eq!(c.working_days_between(d(2026, 3, 20), d(2026, 3, 31)), 4);
    // Friday 20 March 10:00, 3 working days: 26, 27 and 30 March; due at the end of the 30th,
    // which is 31 March 00:00 in Almaty, 30 March 19:00 UTC.
    let t = local(2026, 3, 20, 10, 0);
    assert_eq!(c.due(t, 3), Utc.with_ymd_and_hms(2026, 3, 30, 19, 0, 0).unwrap());
    assert_eq!(c.share_used(t, 3, c.due(t, 3), &[]), 1.0);
    // Over the holidays the clock stands still: one working day has run by Thursday evening.
    assert_eq!(c.elapsed(t, local(2026, 3, 26, 23, 0), &[]), TimeDelta::hours(23));
    assert_eq!(c.elapsed(t, local(2026, 3, 25, 23, 0), &[]), TimeDelta::zero());
}

#[test]
fn may_2026_holidays() {
    let c = cal();
    assert!(!c.is_working_day(d(2026, 5, 1)));
    assert!(!c.is_working_day(d(2026, 5, 7)));
    assert!(c.is_working_day(d(2026, 5, 8)));
    assert!(!c.is_working_day(d(2026, 5, 9)));
    assert!(!c.is_working_day(d(2026, 5, 11)));
    assert_eq!(c.add_working_days(d(2026, 5, 8), 1), d(2026, 5, 12));
    assert_eq!(c.add_working_days(d(2026, 4, 30), 2), d(2026, 5, 5));
}

#[test]
fn a_day_is_a_day_in_almaty_not_in_utc() {
    let c = cal();
    // Friday 6 March 20:00 UTC is Saturday 01:00 in Almaty.
    let t = Utc.with_ymd_and_hms(2026, 3, 6, 20, 0, 0).unwrap();
    assert_eq!(c.local_date(t), d(2026, 3, 7));
    assert_eq!(c.registration_day(t), d(2026, 3, 10));
    assert_eq!(c.start_of_day(d(2026, 3, 10)), Utc.with_ymd_and_hms(2026, 3, 9, 19, 0, 0).unwrap());
}

#[test]
fn year_end_falls_back_to_weekdays_until_next_years_file_is_added() {
    let mut c = cal();
    assert!(c.is_working_day(d(2026, 12, 31)));
    assert!(!c.is_working_day(d(2026, 12, 16)));
    // 2027 is not covered: New Year's Day, a Friday, counts as a working day by the weekday rule.
    assert!(!c.covers(2027));
    assert_eq!(c.add_working_days(d(2026, 12, 31), 1), d(2027, 1, 1));
    let kz2027 = "date,kind,name_kk,name_ru,name_en\n\
                  2027-01-01,holiday,Жаңа жыл,Новый год,New Year\n\
                  2027-01-02,holiday,Жаңа жыл,Новый год,New Year\n\
                  2027-01-04,day_off_moved,Жаңа жыл,Новый год,New Year (day off moved)\n";
    c.add_year_csv("kz-2027.csv", kz2027).unwrap();
    assert!(c.covers(2027));
    assert_eq!(c.add_working_days(d(2026, 12, 31), 1), d(2027, 1, 5));
    assert_eq!(c.working_days_between(d(2026, 12, 30), d(2027, 1, 5)), 2);
}

#[test]
fn a_working_day_moved_onto_a_saturday_counts() {
    let mut c = Calendar::new();
    let text = "date,kind,name_kk,name_ru,name_en\n2030-01-05,working_day_moved,Ж,Р,W\n";
    c.add_year_csv("kz-2030.csv", text).unwrap();
    assert!(c.is_working_day(d(2030, 1, 5)));
    assert_eq!(c.add_working_days(d(2030, 1, 4), 1), d(2030, 1, 5));
    assert_eq!(c.working_days_between(d(2030, 1, 3), d(2030, 1, 7)), 3);
}

#[test]
fn a_pause_moves_the_deadline_by_the_working_time_it_covers() {
    let c = cal();
    let t = local(2026, 3, 2, 9, 0); // Monday
    let due = c.due(t, 5);
    assert_eq!(due, c.end_of_day(d(2026, 3, 10)));
    // Returned Wednesday 4 March 10:00, resubmitted Friday 6 March 10:00: two working days.
    let pause = Pause { from: local(2026, 3, 4, 10, 0), to: local(2026, 3, 6, 10, 0) };
    assert_eq!(c.due_with_pauses(t, 5, &[pause]), c.end_of_day(d(2026, 3, 12)));
    // Returned over Nauryz, Friday 20 March noon to Thursday 26 March noon: one working day.
    let t = local(2026, 3, 19, 9, 0);
    let pause = Pause { from: local(2026, 3, 20, 12, 0), to: local(2026, 3, 26, 12, 0) };
    assert_eq!(c.working_time(pause.from, pause.to), TimeDelta::days(1));
    assert_eq!(c.due(t, 2), c.end_of_day(d(2026, 3, 26)));
    assert_eq!(c.due_with_pauses(t, 2, &[pause]), c.end_of_day(d(2026, 3, 27)));
    // A pause still open at `now` is given up to now; the share of the term stops growing.
    let now = local(2026, 3, 27, 12, 0);
    let open = Pause { from: local(2026, 3, 20, 12, 0), to: now };
    assert_eq!(c.share_used(t, 2, now, &[open]), 0.25);
}

#[test]
fn alerts_fire_once_at_half_four_fifths_and_the_deadline() {
    assert_eq!(Alert::at(0.49), None);
    assert_eq!(Alert::at(0.5), Some(Alert::Half));
    assert_eq!(Alert::at(0.95), Some(Alert::FourFifths));
    assert_eq!(Alert::at(1.0), Some(Alert::Overdue));
    assert_eq!(Alert::crossed(0.4, 0.85), vec![Alert::Half, Alert::FourFifths]);
    assert_eq!(Alert::crossed(0.85, 0.9), vec![]);
    assert_eq!(Alert::crossed(0.9, 1.2), vec![Alert::Overdue]);
}

#[test]
fn wrong_files_are_refused_with_line_and_reason() {
    let mut c = Calendar::new();
    let h = "date,kind,name_kk,name_ru,name_en\n";
    let cases = [
        ("date;kind\n", 1, "header"),
        (&format!("{h}2026-13-01,holiday,a,b,c\n") as &str, 2, "not a date"),
        (&format!("{h}2026-01-01,feast,a,b,c\n"), 2, "not holiday"),
        (&format!("{h}2026-01-01,holiday,a,b,c\n2026-01-01,holiday,a,b,c\n"), 3, "twice"),
        (&format!("{h}2026-01-06,working_day_moved,a,b,c\n"), 2, "weekday"),
        (&format!("{h}2026-01-03,day_off_moved,a,b,c\n"), 2, "weekend"),
        (&format!("{h}2027-01-01,holiday,a,b,c\n"), 2, "year 2026"),
        (&format!("{h}2026-01-01,holiday,a,,c\n"), 2, "empty"),
    ];
    for (text, line, reason) in cases {
        let e = c.add_year_csv("kz-2026.csv", text).unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("kz-2026.csv", line), "{e}");
        assert!(e.reason.contains(reason), "{e}");
    }
    assert_eq!(c, Calendar::new(), "a wrong file adds nothing");
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 2025-06-01 .. 2027-06-01, to the second: across the covered year and both fallbacks.
    (1_748_736_000i64..1_811_808_000).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

fn pauses() -> impl Strategy<Value = Vec<Pause>> {
    prop::collection::vec((instant(), 0i64..20 * 86_400), 0..4).prop_map(|v| {
        v.into_iter().map(|(from, len)| Pause { from, to: from + TimeDelta::seconds(len) }).collect()
    })
}

proptest! {
    #[test]
    fn adding_then_counting_gives_n_back(t in instant(), n in 0u16..400) {
        let c = cal();
        let date = c.local_date(t);
        let end = c.add_working_days(date, n);
        prop_assert_eq!(c.working_days_between(date, end), u32::from(n));
        prop_assert!(n == 0 || c.is_working_day(end));
    }

    #[test]
    fn counting_by_weeks_equals_counting_day_by_day(t in instant(), span in 0i64..800) {
        let c = cal();
        let from = c.local_date(t);
        let to = from + TimeDelta::days(span);
        let slow = from.iter_days().skip(1).take_while(|x| *x <= to).filter(|x| c.is_working_day(*x)).count();
        prop_assert_eq!(c.working_days_between(from, to) as usize, slow);
    }

    #[test]
    fn the_deadline_is_the_instant_the_budget_is_used(t in instant(), n in 1u16..60, ps in pauses()) {
        let c = cal();
        let due = c.due(t, n);
        prop_assert_eq!(c.due_with_pauses(t, n, &[]), due);
        prop_assert_eq!(c.elapsed(t, due, &[]), TimeDelta::days(n.into()));
        let with = c.due_with_pauses(t, n, &ps);
        prop_assert_eq!(c.elapsed(t, with, &ps), TimeDelta::days(n.into()));
        prop_assert!(c.share_used(t, n, with - TimeDelta::seconds(1), &ps) < 1.0);
    }

    #[test]
    fn pauses_never_make_a_deadline_earlier(t in instant(), n in 0u16..60, ps in pauses(), extra in pauses()) {
        let c = cal();
        let base = c.due_with_pauses(t, n, &ps);
        prop_assert!(base >= c.due(t, n));
        let mut more = ps.clone();
        more.extend(extra);
        prop_assert!(c.due_with_pauses(t, n, &more) >= base);
    }

    #[test]
    fn elapsed_time_never_decreases(t in instant(), a in 0i64..5_000_000, b in 0i64..5_000_000, ps in pauses()) {
        let c = cal();
        let (x, y) = (t + TimeDelta::seconds(a.min(b)), t + TimeDelta::seconds(a.max(b)));
        prop_assert!(c.elapsed(t, x, &ps) <= c.elapsed(t, y, &ps));
        prop_assert!(c.elapsed(t, y, &ps) <= c.elapsed(t, y, &[]));
    }
}
