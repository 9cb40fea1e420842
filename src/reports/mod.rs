//! The quarterly usage report (RPT-1, seed 004 §16.3): who has access (users by organisation,
//! department and role), visits (sign-ins by method, distinct users, by month and organisation,
//! from the journal), and changes of indicators and functions in the quarter (layers added,
//! changed or retired from `layer_changes`, service versions from `services`, roles and grants
//! from the journal). [`usage::gather`] reads it; [`xlsx`] and [`pdf`] write it.
//!
//! Quarters are in Almaty time (UTC+5): `2026-Q4` is 2026-10-01 00:00 to 2027-01-01 00:00 +05:00.

pub mod pdf;
pub mod texts;
pub mod usage;
pub mod xlsx;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

pub use usage::{UsageReport, gather};

/// A calendar quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub q: u32,
}

/// Almaty's offset from UTC (five hours, all year since 2024).
pub fn almaty() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600).expect("UTC+5 is a valid offset")
}

impl Quarter {
    /// Parses `2026-Q4` (also `2026-q4`); years 2000 to 2100.
    ///
    /// ```
    /// use qala::reports::Quarter;
    /// assert_eq!(Quarter::parse("2026-Q4"), Some(Quarter { year: 2026, q: 4 }));
    /// assert_eq!(Quarter::parse("2026-Q5"), None);
    /// assert_eq!(Quarter::parse("26-Q1"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Quarter> {
        let (y, q) = s.trim().split_once(['-', ' '])?;
        let q = q.strip_prefix(['Q', 'q'])?;
        let (year, q) = (y.parse::<i32>().ok()?, q.parse::<u32>().ok()?);
        ((2000..=2100).contains(&year) && (1..=4).contains(&q) && y.len() == 4).then_some(Quarter { year, q })
    }

    /// The first day of month `i` (0 to 3; 3 is the next quarter's first month).
    fn month_start(self, i: u32) -> NaiveDate {
        let m = (self.q - 1) * 3 + i;
        let (year, month) = (self.year + (m / 12) as i32, m % 12 + 1);
        NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default()
    }

    fn at(day: NaiveDate) -> DateTime<Utc> {
        let local = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        almaty().from_local_datetime(&local).single().map(|t| t.with_timezone(&Utc)).unwrap_or_default()
    }

    /// The quarter's first moment.
    pub fn start(self) -> DateTime<Utc> {
        Self::at(self.month_start(0))
    }

    /// The next quarter's first moment.
    pub fn end(self) -> DateTime<Utc> {
        Self::at(self.month_start(3))
    }

    /// Its three months as `2026-10`.
    pub fn months(self) -> [String; 3] {
        [0, 1, 2].map(|i| self.month_start(i).format("%Y-%m").to_string())
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-Q{}", self.year, self.q)
    }
}

/// The format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Pdf,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "xlsx" => Some(Format::Xlsx),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Pdf => "pdf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Pdf => "application/pdf",
        }
    }
}

/// The languages of a report's words: one, or Kazakh and Russian side by side (the default of
/// the PDF, as official documents are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Langs {
    One(crate::i18n::Lang),
    KkRu,
}

/// Writes `report` as `format` in `langs`; `fonts_dir` holds DejaVu Sans for the PDF.
pub fn render(
    report: &UsageReport,
    format: Format,
    langs: Langs,
    fonts_dir: &std::path::Path,
) -> anyhow::Result<Vec<u8>> {
    match format {
        Format::Xlsx => xlsx::write(report, langs),
        Format::Pdf => pdf::write(report, langs, fonts_dir),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_are_in_almaty_time() {
        let q = Quarter::parse("2026-Q4").unwrap_or(Quarter { year: 0, q: 0 });
        assert_eq!(q.start().to_rfc3339(), "2026-09-30T19:00:00+00:00");
        assert_eq!(q.end().to_rfc3339(), "2026-12-31T19:00:00+00:00");
        assert_eq!(q.months(), ["2026-10".to_string(), "2026-11".into(), "2026-12".into()]);
        let q1 = Quarter { year: 2027, q: 1 };
        assert_eq!(q1.start(), q.end());
        assert_eq!(q.to_string(), "2026-Q4");
    }
}
