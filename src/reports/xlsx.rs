//! The usage report as XLSX: one sheet per part (access, visits, changes), headers in bold.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::texts::t;
use super::usage::{ChangeRow, UsageReport};
use super::{Langs, almaty};
use crate::i18n::Lang;

/// A moment as Almaty's local time, `2026-10-05 14:03`.
pub fn local(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&almaty()).format("%Y-%m-%d %H:%M").to_string()
}

fn sheet_name(key: &str, langs: Langs) -> String {
    let one = match langs {
        Langs::KkRu => Langs::One(Lang::Ru),
        l => l,
    };
    t(key, one).chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect()
}

fn header(ws: &mut Worksheet, row: u32, cells: &[String], bold: &Format) -> Result<(), XlsxError> {
    for (c, v) in cells.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, v, bold)?;
    }
    Ok(())
}

fn numbers(
    ws: &mut Worksheet,
    row: u32,
    first: u16,
    values: impl IntoIterator<Item = i64>,
) -> Result<(), XlsxError> {
    for (i, v) in values.into_iter().enumerate() {
        ws.write_number(row, first + i as u16, v as f64)?;
    }
    Ok(())
}

/// Writes `r` as an XLSX workbook.
pub fn write(r: &UsageReport, langs: Langs) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let period = format!("{} {} — {} ({})", t("period", langs), local(r.from), local(r.to), r.quarter);

    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("access", langs))?;
    ws.write_string_with_format(0, 0, format!("{} — {}", t("access", langs), t("title", langs)), &bold)?;
    ws.write_string(1, 0, &period)?;
    let mut cols = vec![t("org", langs), t("dept", langs), t("users", langs)];
    cols.extend(r.roles.iter().cloned());
    header(ws, 3, &cols, &bold)?;
    let mut row = 4;
    for a in &r.access {
        ws.write_string(row, 0, &a.org)?;
        ws.write_string(row, 1, &a.dept)?;
        numbers(ws, row, 2, std::iter::once(a.users).chain(a.by_role.iter().copied()))?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, t("total", langs), &bold)?;
    let by_role = (0..r.roles.len()).map(|i| r.access.iter().map(|a| a.by_role[i]).sum::<i64>());
    numbers(ws, row, 2, std::iter::once(r.access.iter().map(|a| a.users).sum()).chain(by_role))?;
    ws.set_column_width(0, 30)?;
    ws.set_column_width(1, 24)?;

    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("visits", langs))?;
    ws.write_string_with_format(0, 0, t("visits", langs), &bold)?;
    ws.write_string(1, 0, &period)?;
    let mut cols = vec![t("month", langs)];
    cols.extend(r.methods.iter().map(|m| t(m, langs)));
    cols.extend([t("signins", langs), t("active", langs)]);
    header(ws, 3, &cols, &bold)?;
    let mut row = 4;
    for m in r.months.iter().chain(std::iter::once(&r.total)) {
        ws.write_string(row, 0, &m.month)?;
        numbers(ws, row, 1, m.by_method.iter().copied().chain([m.signins, m.users]))?;
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, t("by_org", langs), &bold)?;
    header(ws, row + 1, &[t("org", langs), t("signins", langs), t("active", langs)], &bold)?;
    row += 2;
    for o in &r.by_org {
        ws.write_string(row, 0, &o.org)?;
        numbers(ws, row, 1, [o.signins, o.users])?;
        row += 1;
    }
    ws.set_column_width(0, 30)?;

    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("changes", langs))?;
    ws.write_string_with_format(0, 0, t("changes", langs), &bold)?;
    ws.write_string(1, 0, &period)?;
    let mut row = 3;
    for (key, rows) in [("layers", &r.layers), ("services", &r.services), ("rights", &r.rights)] {
        row = changes(ws, row, key, rows, langs, &bold)? + 1;
    }
    ws.set_column_width(0, 18)?;
    ws.set_column_width(1, 40)?;
    ws.set_column_width(2, 16)?;
    Ok(wb.save_to_buffer()?)
}

/// A titled table of changes with its count; returns the next free row.
fn changes(
    ws: &mut Worksheet,
    mut row: u32,
    key: &str,
    rows: &[ChangeRow],
    langs: Langs,
    bold: &Format,
) -> Result<u32, XlsxError> {
    ws.write_string_with_format(row, 0, format!("{}: {}", t(key, langs), rows.len()), bold)?;
    header(ws, row + 1, &[t("at", langs), t("what", langs), t("change", langs), t("by", langs)], bold)?;
    row += 2;
    for c in rows {
        ws.write_string(row, 0, local(c.at))?;
        ws.write_string(row, 1, &c.what)?;
        ws.write_string(row, 2, t(&c.change, langs))?;
        ws.write_string(row, 3, c.by.as_deref().unwrap_or(""))?;
        row += 1;
    }
    Ok(row)
}
