//! Exports of the monitoring table, CSV and XLSX, with exactly the rows of its filter (at most
//! [`MAX_ROWS`]; the caller says when more were left out), column titles in the caller's language.

use rust_xlsxwriter::{Format, Workbook};

use super::TableRow;
use crate::i18n::Lang;

/// Most rows of one export.
pub const MAX_ROWS: i64 = 100_000;

/// Column titles in kk, ru, en.
const COLUMNS: [[&str; 3]; 12] = [
    ["Нөмірі", "Номер", "Number"],
    ["Қызмет", "Услуга", "Service"],
    ["Мәртебесі", "Статус", "Status"],
    ["Кезеңдер", "Этапы", "Stages"],
    ["Орындаушылар", "Исполнители", "Executors"],
    ["Ұйым", "Организация", "Organisation"],
    ["Аудан (ӘАОЖ)", "Район (КАТО)", "District (KATO)"],
    ["Өтініш беруші", "Заявитель", "Applicant"],
    ["Берілген", "Подана", "Submitted"],
    ["Мерзімі", "Срок", "Due"],
    ["Жабылған", "Закрыта", "Closed"],
    ["Мерзімі өткен", "Просрочена", "Overdue"],
];

fn title(i: usize, lang: Lang) -> &'static str {
    COLUMNS[i][match lang {
        Lang::Kk => 0,
        Lang::Ru => 1,
        Lang::En => 2,
    }]
}

fn cells(r: &TableRow) -> [String; 12] {
    let t = |v: Option<chrono::DateTime<chrono::Utc>>| v.map(|t| t.to_rfc3339()).unwrap_or_default();
    [
        r.number.clone().unwrap_or_default(),
        r.service_id.clone(),
        r.status.clone(),
        r.stages.join(", "),
        r.executors.join(", "),
        r.org.clone(),
        r.district.clone().unwrap_or_default(),
        r.applicant.clone(),
        t(r.submitted_at),
        t(r.due_at),
        t(r.closed_at),
        r.overdue.to_string(),
    ]
}

/// The rows as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read Cyrillic).
pub fn csv(rows: &[TableRow], lang: Lang) -> anyhow::Result<Vec<u8>> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record((0..COLUMNS.len()).map(|i| title(i, lang)))?;
        for r in rows {
            w.write_record(cells(r))?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// The rows as an XLSX workbook.
pub fn xlsx(rows: &[TableRow], lang: Lang) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("applications")?;
    let bold = Format::new().set_bold();
    for i in 0..COLUMNS.len() {
        ws.write_string_with_format(0, i as u16, title(i, lang), &bold)?;
    }
    for (n, r) in rows.iter().enumerate() {
        for (c, v) in cells(r).iter().enumerate() {
            ws.write_string(n as u32 + 1, c as u16, v)?;
        }
    }
    Ok(wb.save_to_buffer()?)
}
