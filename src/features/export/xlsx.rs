//! The XLSX export, written row by row as the rows come (constant memory: rust_xlsxwriter keeps
//! each finished row in its own temporary file, not in memory) into a temporary file.
//!
//! Excel holds at most [`CELL_MAX`] characters in a cell and [`ROWS_MAX`] rows in a sheet. A
//! longer text is cut to the limit and ends with [`CUT_MARK`]; a WKT geometry that does not fit
//! is left out (a cut one would be a wrong geometry); rows beyond the sheet's limit are left out.
//! Each of these is listed on a second sheet, `notes` (row id, column, full length), so that the
//! file says what it lacks; the response says how many cells were cut in `Qala-Truncated-Cells`.

use rust_xlsxwriter::{Format as XFormat, Workbook};
use serde_json::Value;
use tokio::sync::mpsc::Receiver;

use super::{Row, cell};
use crate::layers::catalog::{AttrType, LayerDef};

/// Excel keeps at most this many characters in a cell.
pub const CELL_MAX: usize = 32_767;
/// Rows of a sheet, the header row included.
pub const ROWS_MAX: u32 = 1_048_576;
/// The end of a cut text.
pub const CUT_MARK: &str = " […]";
/// Notes listed one by one; more are counted in one last note.
const NOTES_MAX: usize = 10_000;

/// What an XLSX file lacks.
#[derive(Debug, Default)]
pub struct Report {
    /// Cells whose text was cut or left out.
    pub cut_cells: usize,
    /// Rows left out beyond the sheet's limit.
    pub rows_left_out: u64,
    notes: Vec<(i64, String, usize, &'static str)>,
}

impl Report {
    fn note(&mut self, id: i64, column: &str, len: usize, what: &'static str) {
        self.cut_cells += 1;
        if self.notes.len() < NOTES_MAX {
            self.notes.push((id, column.to_string(), len, what));
        }
    }
}

/// A text fitted to a cell: itself, or cut to [`CELL_MAX`] characters ending with [`CUT_MARK`].
///
/// ```
/// use qala::features::export::xlsx::{fit, CELL_MAX, CUT_MARK};
/// assert_eq!(fit("short"), ("short".into(), false));
/// let (cut, was_cut) = fit(&"ж".repeat(40_000));
/// assert!(was_cut && cut.chars().count() == CELL_MAX && cut.ends_with(CUT_MARK));
/// ```
pub fn fit(s: &str) -> (String, bool) {
    if s.chars().count() <= CELL_MAX {
        return (s.to_string(), false);
    }
    let keep = CELL_MAX - CUT_MARK.chars().count();
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(CUT_MARK);
    (out, true)
}

/// Writes the rows as they arrive into an anonymous temporary file (blocking: run it in a
/// blocking thread); the file and what it lacks.
pub(super) fn write(
    layer: &LayerDef,
    head: &[String],
    lang: crate::i18n::Lang,
    mut rows: Receiver<Row>,
) -> anyhow::Result<(std::fs::File, Report)> {
    let mut wb = Workbook::new();
    let mut report = Report::default();
    let ws = wb.add_worksheet_with_constant_memory();
    ws.set_name(layer.id.chars().take(31).collect::<String>())?;
    let bold = XFormat::new().set_bold();
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
    }
    let n = layer.attributes.len() as u16;
    let mut row: u32 = 0;
    while let Some(r) = rows.blocking_recv() {
        if row + 1 >= ROWS_MAX {
            report.rows_left_out += 1;
            continue;
        }
        row += 1;
        ws.write_number(row, 0, r.id as f64)?;
        for (j, a) in layer.attributes.iter().enumerate() {
            let col = (j + 1) as u16;
            match (a.kind, r.attrs.get(&a.name)) {
                (_, None | Some(Value::Null)) => {}
                (AttrType::Integer | AttrType::Number, Some(Value::Number(v))) => {
                    ws.write_number(row, col, v.as_f64().unwrap_or_default())?;
                }
                (AttrType::Boolean, Some(Value::Bool(b))) => {
                    ws.write_boolean(row, col, *b)?;
                }
                (_, v) => {
                    let text = cell(v);
                    let (fitted, was_cut) = fit(&text);
                    if was_cut {
                        report.note(r.id, &head[j + 1], text.chars().count(), "cut");
                    }
                    ws.write_string(row, col, fitted)?;
                }
            }
        }
        ws.write_string(row, n + 1, r.kato.clone().unwrap_or_default())?;
        ws.write_number(row, n + 2, f64::from(r.version))?;
        ws.write_string(row, n + 3, r.updated_at.to_rfc3339())?;
        let wkt = r.wkt.as_deref().unwrap_or_default();
        if wkt.chars().count() <= CELL_MAX {
            ws.write_string(row, n + 4, wkt)?;
        } else {
            report.note(r.id, &head[head.len() - 1], wkt.chars().count(), "left out");
        }
    }
    ws.autofilter(0, 0, row, (head.len() - 1) as u16)?;
    ws.set_freeze_panes(1, 0)?;
    if report.cut_cells > 0 || report.rows_left_out > 0 {
        notes_sheet(&mut wb, &report, lang)?;
    }
    let mut file = tempfile::tempfile()?;
    wb.save_to_writer(&mut file)?;
    Ok((file, report))
}

/// The `notes` sheet: one row per cut or left out cell, and the rows left out.
fn notes_sheet(wb: &mut Workbook, report: &Report, lang: crate::i18n::Lang) -> anyhow::Result<()> {
    use crate::i18n::Lang;
    let words = match lang {
        Lang::Kk => ["id", "Баған", "Толық ұзындығы", "Не болды"],
        Lang::Ru => ["id", "Столбец", "Полная длина", "Что сделано"],
        Lang::En => ["id", "Column", "Full length", "What was done"],
    };
    let ws = wb.add_worksheet_with_constant_memory();
    ws.set_name("notes")?;
    let bold = XFormat::new().set_bold();
    for (c, h) in words.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let mut row = 0u32;
    for (id, column, len, what) in &report.notes {
        row += 1;
        ws.write_number(row, 0, *id as f64)?;
        ws.write_string(row, 1, column)?;
        ws.write_number(row, 2, *len as f64)?;
        let what = match *what {
            "cut" => {
                format!("cut to {CELL_MAX} characters (Excel's limit), ending with \"{}\"", CUT_MARK.trim())
            }
            _ => format!("left out: longer than {CELL_MAX} characters (Excel's limit)"),
        };
        ws.write_string(row, 3, what)?;
    }
    let unlisted = report.cut_cells - report.notes.len();
    if unlisted > 0 {
        ws.write_string(row + 1, 3, format!("{unlisted} more cells cut or left out"))?;
        row += 1;
    }
    if report.rows_left_out > 0 {
        ws.write_string(
            row + 1,
            3,
            format!("{} rows left out beyond Excel's {ROWS_MAX} rows a sheet", report.rows_left_out),
        )?;
    }
    Ok(())
}
