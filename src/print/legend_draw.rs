//! Drawing a legend on a PDF page: the rows of [`super::legend_layout`] in columns of a fixed
//! width filling a box (the footer of a map, then as many continuation pages as needed), labels
//! wrapped rather than cut, and the swatches of fills, lines, circles, labels, ramps and images.

use pdf_writer::types::{LineCapStyle, LineJoinStyle};

use super::canvas::{Canvas, TextStyle};
use super::font::Weight;
use super::layout::{Box2, PT_PER_MM, PageLayout};
use super::legend::{LegendGroup, LegendWord, Swatch};
use super::legend_layout::{self, Item};
use super::style::Rgba;
use super::texts::{DocLang, Word};

/// A legend column's width.
pub const COL_W: f64 = 38.0 * PT_PER_MM;
/// A line of the legend.
const LINE: f64 = 3.2 * PT_PER_MM;
/// Room left of an entry's label for its swatch.
const SWATCH_W: f64 = 8.0 * PT_PER_MM;
const GREY: Rgba = Rgba { r: 0.35, g: 0.35, b: 0.35, a: 1.0 };

fn title_style() -> TextStyle {
    TextStyle::plain(7.0, Weight::Bold)
}

fn item_style() -> TextStyle {
    TextStyle::plain(6.5, Weight::Regular)
}

/// The lines of a text in a column, a word too long for one cut with "…".
fn lines(canvas: &mut Canvas, text: &str, title: bool) -> Vec<String> {
    let (s, w) = if title { (title_style(), COL_W - 2.0) } else { (item_style(), COL_W - SWATCH_W - 2.0) };
    canvas
        .wrap(text, w, &s)
        .into_iter()
        .map(|mut l| {
            while canvas.text_width(&l, &s) > w && l.chars().count() > 2 {
                l = l.chars().take(l.chars().count() - 2).collect::<String>() + "…";
            }
            l
        })
        .collect()
}

/// The legend's rows, measured in this canvas's fonts.
pub fn items(canvas: &mut Canvas, groups: &[LegendGroup]) -> Vec<Item> {
    legend_layout::items(groups, |t, title| lines(canvas, t, title).len())
}

/// Draws `heading` and as many of `items` as fit in box `b`, in columns of [`COL_W`]; returns how
/// many were drawn (the rest continue elsewhere). A box narrower than a column takes none.
pub fn draw_box(
    canvas: &mut Canvas,
    b: Box2,
    heading: &str,
    groups: &[LegendGroup],
    items: &[Item],
) -> usize {
    let cols = (b.w() / COL_W).floor().max(0.0) as usize;
    if cols == 0 {
        return 0;
    }
    canvas.text(b.x0, b.y1 - 8.0, 0.0, heading, &TextStyle::plain(8.0, Weight::Bold));
    let top = b.y1 - 8.0 - 1.5 * PT_PER_MM;
    let rows = ((top - b.y0) / LINE).floor().max(0.0) as usize;
    let slots = legend_layout::fill(items, cols, rows);
    for (it, slot) in items.iter().zip(&slots) {
        let x = b.x0 + slot.col as f64 * COL_W;
        let y = top - (slot.line + 1) as f64 * LINE;
        let group = &groups[it.group];
        let (text, title) = match it.entry {
            None => (&group.title, true),
            Some(e) => (&group.entries[e].label, false),
        };
        let mut ls = lines(canvas, text, title);
        if ls.len() > slot.lines {
            ls.truncate(slot.lines);
            if let Some(last) = ls.last_mut() {
                last.push('…');
            }
        }
        let (tx, style) = if title { (x, title_style()) } else { (x + SWATCH_W, item_style()) };
        for (i, l) in ls.iter().enumerate() {
            canvas.text(tx, y + 0.8 - i as f64 * LINE, 0.0, l, &style);
        }
        if let Some(e) = it.entry {
            swatch(canvas, x, y + 0.2, &group.entries[e].swatch);
        }
    }
    slots.len()
}

/// Draws a continuation page of the legend of document `code` titled `title`: the heading
/// "Legend (continued)" and as many of `items` as fit the page; returns how many were drawn.
pub fn draw_page(
    canvas: &mut Canvas,
    l: &PageLayout,
    lang: DocLang,
    (title, code): (&str, &str),
    groups: &[LegendGroup],
    items: &[Item],
) -> usize {
    let small = TextStyle { color: GREY, ..TextStyle::plain(8.0, Weight::Regular) };
    canvas.text(l.title.x0, l.title.y0 + 4.0 * PT_PER_MM, 0.0, title, &TextStyle::plain(12.0, Weight::Bold));
    let doc = format!("{} {code}", lang.word(Word::Document));
    let w = canvas.text_width(&doc, &small);
    canvas.text(l.title.x1 - w, l.title.y0 + 4.0 * PT_PER_MM, 0.0, &doc, &small);
    let b = Box2 { x0: l.frame.x0, y0: l.footer.y0, x1: l.frame.x1, y1: l.frame.y1 };
    draw_box(canvas, b, &super::legend::word(lang, LegendWord::Continued), groups, items)
}

/// Draws a swatch with its lower left corner at (x, y).
pub fn swatch(canvas: &mut Canvas, x: f64, y: f64, s: &Swatch) {
    let (w, h) = (6.0 * PT_PER_MM, 2.6 * PT_PER_MM);
    let plain = |c: &mut Canvas, width: f64| {
        c.line_style(width, LineCapStyle::ButtCap, LineJoinStyle::MiterJoin, &[])
    };
    match s {
        Swatch::Fill { color, outline } => {
            if color.a < 1.0 {
                canvas.alpha(color.a, 1.0);
            }
            canvas.fill(*color);
            canvas.rect(x, y, w, h);
            canvas.content.fill_nonzero();
            if color.a < 1.0 {
                canvas.alpha(1.0, 1.0);
            }
            canvas.stroke(outline.unwrap_or(*color));
            plain(canvas, 0.4);
            canvas.rect(x, y, w, h);
            canvas.content.stroke();
        }
        Swatch::Line { color, width, dash, casing } => {
            let seg = [(x, y + h / 2.0), (x + w, y + h / 2.0)];
            if let Some((c, cw)) = casing {
                canvas.stroke(*c);
                plain(canvas, *cw);
                canvas.path([seg.as_slice()], false);
                canvas.content.stroke();
            }
            if color.a < 1.0 {
                canvas.alpha(1.0, color.a);
            }
            canvas.stroke(*color);
            let dash: Vec<f64> = dash.iter().map(|d| d * width.max(0.5)).collect();
            canvas.line_style(width.max(0.3), LineCapStyle::ButtCap, LineJoinStyle::MiterJoin, &dash);
            canvas.path([seg.as_slice()], false);
            canvas.content.stroke();
            if color.a < 1.0 {
                canvas.alpha(1.0, 1.0);
            }
        }
        Swatch::Circle { color, stroke, radius } => {
            canvas.fill(*color);
            canvas.circle(x + w / 2.0, y + h / 2.0, *radius);
            match stroke {
                Some((c, sw)) if *sw > 0.0 => {
                    canvas.stroke(if *c == Rgba::WHITE { GREY } else { *c });
                    plain(canvas, sw.min(1.0));
                    canvas.content.fill_nonzero_and_stroke();
                }
                _ => {
                    canvas.content.fill_nonzero();
                }
            }
        }
        Swatch::Label { color, halo } => {
            let style = TextStyle {
                color: *color,
                halo: halo.map(|c| (c, 0.8)),
                ..TextStyle::plain(7.0, Weight::Regular)
            };
            canvas.text(x + 0.5, y + 0.3, 0.0, "Aa", &style);
        }
        Swatch::Ramp { colors } => {
            let n = colors.len().max(1);
            for (i, c) in colors.iter().enumerate() {
                canvas.fill(*c);
                canvas.rect(x + i as f64 * w / n as f64, y, w / n as f64 + 0.05, h);
                canvas.content.fill_nonzero();
            }
            canvas.stroke(GREY);
            plain(canvas, 0.3);
            canvas.rect(x, y, w, h);
            canvas.content.stroke();
        }
        Swatch::Raster => {
            // A small shaded relief: four tones of grey in a frame.
            for (i, g) in [0.45f32, 0.7, 0.85, 0.6].iter().enumerate() {
                canvas.fill(Rgba { r: *g, g: *g, b: *g, a: 1.0 });
                let (cx, cy) = ((i % 2) as f64, (i / 2) as f64);
                canvas.rect(x + cx * w / 2.0, y + cy * h / 2.0, w / 2.0, h / 2.0);
                canvas.content.fill_nonzero();
            }
            canvas.stroke(GREY);
            plain(canvas, 0.3);
            canvas.rect(x, y, w, h);
            canvas.content.stroke();
        }
    }
}
