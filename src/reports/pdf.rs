//! The usage report as a PDF: A4 pages of text tables in DejaVu Sans (the project's print fonts,
//! subset, with ToUnicode so `pdftotext` and readers can copy the figures), in one language or in
//! Kazakh and Russian side by side.

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::Langs;
use super::texts::t;
use super::usage::{ChangeRow, UsageReport};
use super::xlsx::local;
use crate::print::font::{Fonts, Weight};

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 40.0;
/// Most change rows printed per part (the XLSX has them all; the count is printed).
const MAX_PRINTED: usize = 300;

/// Pages of text laid out top to bottom.
struct Pages {
    fonts: Fonts,
    pages: Vec<Content>,
    y: f32,
}

impl Pages {
    fn new(fonts: Fonts) -> Pages {
        let mut p = Pages { fonts, pages: Vec::new(), y: 0.0 };
        p.page();
        p
    }

    fn page(&mut self) {
        self.pages.push(Content::new());
        self.y = HEIGHT - MARGIN;
    }

    /// Room for `h` points more, or a new page.
    fn room(&mut self, h: f32) {
        if self.y - h < MARGIN {
            self.page();
        }
    }

    /// `text` at `x` on the current line, cut to `max` points.
    fn text(&mut self, x: f32, text: &str, size: f32, w: Weight, max: f32) {
        let mut s = text.to_string();
        while !s.is_empty() && self.fonts.width(w, &s, size as f64) as f32 > max {
            s.pop();
        }
        let font = self.fonts.get(w);
        let bytes = font.encode(&s);
        let resource = font.resource;
        let y = self.y;
        if let Some(c) = self.pages.last_mut() {
            c.begin_text()
                .set_font(Name(resource.as_bytes()), size)
                .next_line(x, y)
                .show(Str(&bytes))
                .end_text();
        }
    }

    /// A line of text; a `kk / ru` line too wide for the page is written as two.
    fn line(&mut self, text: &str, size: f32, w: Weight) {
        if self.fonts.width(w, text, size as f64) as f32 > WIDTH - 2.0 * MARGIN
            && let Some((kk, ru)) = text.split_once(" / ")
        {
            self.line(kk, size, w);
            self.line(ru, size, w);
            return;
        }
        self.room(size * 1.5);
        self.y -= size * 1.4;
        self.text(MARGIN, text, size, w, WIDTH - 2.0 * MARGIN);
    }

    /// A table row: cells at the column offsets `cols` (from the margin).
    fn row(&mut self, cols: &[f32], cells: &[String], w: Weight) {
        self.room(12.0);
        self.y -= 11.0;
        for (i, (x, cell)) in cols.iter().zip(cells).enumerate() {
            let next = cols.get(i + 1).copied().unwrap_or(WIDTH - 2.0 * MARGIN);
            self.text(MARGIN + x, cell, 7.5, w, next - x - 3.0);
        }
    }

    fn gap(&mut self) {
        self.y -= 8.0;
    }
}

fn n(v: i64) -> String {
    v.to_string()
}

/// Evenly spaced columns after a first column `first` points wide.
fn columns(first: f32, count: usize) -> Vec<f32> {
    let rest = (WIDTH - 2.0 * MARGIN - first) / (count.max(2) - 1) as f32;
    (0..count).map(|i| if i == 0 { 0.0 } else { first + rest * (i - 1) as f32 }).collect()
}

/// Writes `r` as a PDF.
pub fn write(r: &UsageReport, langs: Langs, fonts_dir: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let mut p = Pages::new(Fonts::load(fonts_dir)?);
    for part in t("title", langs).split(" / ") {
        p.line(part, 13.0, Weight::Bold);
    }
    p.line(
        &format!("{}: {} — {} ({})", t("period", langs), local(r.from), local(r.to), r.quarter),
        9.0,
        Weight::Regular,
    );
    p.gap();

    p.line(&t("access", langs), 11.0, Weight::Bold);
    let roles = r.roles.len();
    let cols = columns(150.0, roles + 3);
    let cols: Vec<f32> = cols.iter().enumerate().map(|(i, x)| if i == 1 { 75.0 } else { *x }).collect();
    let mut head = vec![t("org", langs), t("dept", langs), t("users", langs)];
    head.extend(r.roles.iter().cloned());
    p.row(&cols, &head, Weight::Bold);
    for a in &r.access {
        let mut cells = vec![a.org.clone(), a.dept.clone(), n(a.users)];
        cells.extend(a.by_role.iter().map(|v| n(*v)));
        p.row(&cols, &cells, Weight::Regular);
    }
    let mut total = vec![t("total", langs), String::new(), n(r.access.iter().map(|a| a.users).sum())];
    total.extend((0..roles).map(|i| n(r.access.iter().map(|a| a.by_role[i]).sum())));
    p.row(&cols, &total, Weight::Bold);
    p.gap();

    p.line(&t("visits", langs), 11.0, Weight::Bold);
    let cols = columns(90.0, r.methods.len() + 3);
    let mut head = vec![t("month", langs)];
    head.extend(r.methods.iter().map(|m| t(m, langs)));
    head.extend([t("signins", langs), t("active", langs)]);
    p.row(&cols, &head, Weight::Bold);
    for m in r.months.iter().chain(std::iter::once(&r.total)) {
        let mut cells = vec![m.month.clone()];
        cells.extend(m.by_method.iter().chain([&m.signins, &m.users]).map(|v| n(*v)));
        p.row(&cols, &cells, Weight::Regular);
    }
    p.gap();
    p.line(&t("by_org", langs), 9.0, Weight::Bold);
    let cols = [0.0, 300.0, 400.0];
    p.row(&cols, &[t("org", langs), t("signins", langs), t("active", langs)], Weight::Bold);
    for o in &r.by_org {
        p.row(&cols, &[o.org.clone(), n(o.signins), n(o.users)], Weight::Regular);
    }
    p.gap();

    p.line(&t("changes", langs), 11.0, Weight::Bold);
    for (key, rows) in [("layers", &r.layers), ("services", &r.services), ("rights", &r.rights)] {
        changes(&mut p, key, rows, langs);
    }
    finish(p, &format!("{} {}", t("title", langs), r.quarter))
}

fn changes(p: &mut Pages, key: &str, rows: &[ChangeRow], langs: Langs) {
    p.line(&format!("{}: {}", t(key, langs), rows.len()), 9.0, Weight::Bold);
    let cols = [0.0, 80.0, 330.0, 420.0];
    p.row(&cols, &[t("at", langs), t("what", langs), t("change", langs), t("by", langs)], Weight::Bold);
    for c in rows.iter().take(MAX_PRINTED) {
        let cells = [local(c.at), c.what.clone(), t(&c.change, langs), c.by.clone().unwrap_or_default()];
        p.row(&cols, &cells, Weight::Regular);
    }
    if rows.len() > MAX_PRINTED {
        p.row(&cols, &[String::new(), format!("… +{}", rows.len() - MAX_PRINTED)], Weight::Regular);
    }
    p.gap();
}

/// The document: catalog, pages, fonts, contents.
fn finish(p: Pages, title: &str) -> anyhow::Result<Vec<u8>> {
    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut alloc = || {
        next += 1;
        Ref::new(next - 1)
    };
    let (catalog, tree, info) = (alloc(), alloc(), alloc());
    let fonts: [[Ref; 5]; 2] =
        [[alloc(), alloc(), alloc(), alloc(), alloc()], [alloc(), alloc(), alloc(), alloc(), alloc()]];
    let ids: Vec<(Ref, Ref)> = p.pages.iter().map(|_| (alloc(), alloc())).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(ids.iter().map(|(page, _)| *page)).count(ids.len() as i32);
    for ((page_id, content_id), content) in ids.iter().zip(p.pages) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT)).parent(tree).contents(*content_id);
        page.resources().fonts().pair(Name(b"F0"), fonts[0][0]).pair(Name(b"F1"), fonts[1][0]);
        page.finish();
        let data = crate::print::deflate(&content.finish());
        pdf.stream(*content_id, &data).filter(Filter::FlateDecode);
    }
    p.fonts.regular.write(&mut pdf, fonts[0], "QALARA")?;
    p.fonts.bold.write(&mut pdf, fonts[1], "QALARB")?;
    pdf.document_info(info).title(TextStr(title)).creator(TextStr("Qala"));
    Ok(pdf.finish())
}
