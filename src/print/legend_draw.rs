//! Drawing a legend on a [`Surface`] (a PDF page, an image): the rows of
//! [`super::legend_layout`] in columns of a fixed width filling a box (the footer of a map, then
//! as many continuation pages as needed), labels wrapped rather than cut, and the swatches of
//! fills, lines, circles, labels, ramps and images. Sizes are points times `k`, the surface's
//! units per point (1 on a PDF page).

use super::canvas::TextStyle;
use super::font::Weight;
use super::layout::{Box2, PT_PER_MM, PageLayout};
use super::legend::{LegendGroup, LegendWord, Swatch};
use super::legend_layout::{self, Item};
use super::style::Rgba;
use super::surface::{StrokeStyle, Surface};
use super::texts::{DocLang, Word};

/// A legend column's width, pt.
pub const COL_W: f64 = 38.0 * PT_PER_MM;
/// A line of the legend, pt.
pub const LINE: f64 = 3.2 * PT_PER_MM;
/// Room left of an entry's label for its swatch, pt.
pub const SWATCH_W: f64 = 8.0 * PT_PER_MM;
const GREY: Rgba = Rgba { r: 0.35, g: 0.35, b: 0.35, a: 1.0 };

pub fn title_style(k: f64) -> TextStyle {
    TextStyle::plain(7.0 * k, Weight::Bold)
}

pub fn item_style(k: f64) -> TextStyle {
    TextStyle::plain(6.5 * k, Weight::Regular)
}

/// Breaks `text` at spaces into lines no wider than `width` (a longer word stays whole).
fn wrap(s: &mut dyn Surface, text: &str, width: f64, style: &TextStyle) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if !line.is_empty() && s.text_width(&candidate, style) > width {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    lines.push(line);
    lines
}

/// The lines of a text `width` pt wide at most (a label: less its swatch), a word too long for
/// one cut with "…".
pub fn lines(s: &mut dyn Surface, k: f64, text: &str, title: bool, width: f64) -> Vec<String> {
    let (style, w) = if title {
        (title_style(k), (width - 2.0) * k)
    } else {
        (item_style(k), (width - SWATCH_W - 2.0) * k)
    };
    wrap(s, text, w, &style)
        .into_iter()
        .map(|mut l| {
            while s.text_width(&l, &style) > w && l.chars().count() > 2 {
                l = l.chars().take(l.chars().count() - 2).collect::<String>() + "…";
            }
            l
        })
        .collect()
}

/// The legend's rows in columns of [`COL_W`], measured on this surface.
pub fn items(s: &mut dyn Surface, k: f64, groups: &[LegendGroup]) -> Vec<Item> {
    legend_layout::items(groups, |t, title| lines(s, k, t, title, COL_W).len())
}

/// Draws `heading` and as many of `items` as fit in box `b` (in surface units), in columns of
/// [`COL_W`]; returns how many were drawn (the rest continue elsewhere). A box narrower than a
/// column takes none.
pub fn draw_box(
    s: &mut dyn Surface,
    k: f64,
    b: Box2,
    heading: &str,
    groups: &[LegendGroup],
    items: &[Item],
) -> usize {
    let cols = (b.w() / (COL_W * k)).floor().max(0.0) as usize;
    if cols == 0 {
        return 0;
    }
    s.text(b.x0, b.y1 - 8.0 * k, 0.0, heading, &TextStyle::plain(8.0 * k, Weight::Bold));
    let top = b.y1 - (8.0 + 1.5 * PT_PER_MM) * k;
    let rows = ((top - b.y0) / (LINE * k)).floor().max(0.0) as usize;
    let slots = legend_layout::fill(items, cols, rows);
    for (it, slot) in items.iter().zip(&slots) {
        let x = b.x0 + slot.col as f64 * COL_W * k;
        let y = top - (slot.line + 1) as f64 * LINE * k;
        draw_item(s, k, (x, y), groups, it, slot.lines, COL_W);
    }
    slots.len()
}

/// Draws one row whose first line's lower left corner is (x, y), at most `max_lines` lines of a
/// column `width` pt wide.
pub fn draw_item(
    s: &mut dyn Surface,
    k: f64,
    (x, y): (f64, f64),
    groups: &[LegendGroup],
    it: &Item,
    max_lines: usize,
    width: f64,
) {
    let group = &groups[it.group];
    let (text, title) = match it.entry {
        None => (&group.title, true),
        Some(e) => (&group.entries[e].label, false),
    };
    let mut ls = lines(s, k, text, title, width);
    if ls.len() > max_lines {
        ls.truncate(max_lines);
        if let Some(last) = ls.last_mut() {
            last.push('…');
        }
    }
    let (tx, style) = if title { (x, title_style(k)) } else { (x + SWATCH_W * k, item_style(k)) };
    for (i, l) in ls.iter().enumerate() {
        s.text(tx, y + (0.8 - i as f64 * LINE) * k, 0.0, l, &style);
    }
    if let Some(e) = it.entry {
        swatch(s, k, x, y + 0.2 * k, &group.entries[e].swatch);
    }
}

/// Draws a continuation page of the legend of document `code` titled `title`: the heading
/// "Legend (continued)" and as many of `items` as fit the page; returns how many were drawn.
pub fn draw_page(
    s: &mut dyn Surface,
    l: &PageLayout,
    lang: DocLang,
    (title, code): (&str, &str),
    groups: &[LegendGroup],
    items: &[Item],
) -> usize {
    let small = TextStyle { color: GREY, ..TextStyle::plain(8.0, Weight::Regular) };
    s.text(l.title.x0, l.title.y0 + 4.0 * PT_PER_MM, 0.0, title, &TextStyle::plain(12.0, Weight::Bold));
    let doc = format!("{} {code}", lang.word(Word::Document));
    let w = s.text_width(&doc, &small);
    s.text(l.title.x1 - w, l.title.y0 + 4.0 * PT_PER_MM, 0.0, &doc, &small);
    let b = Box2 { x0: l.frame.x0, y0: l.footer.y0, x1: l.frame.x1, y1: l.frame.y1 };
    draw_box(s, 1.0, b, &super::legend::word(lang, LegendWord::Continued), groups, items)
}

/// Draws a swatch with its lower left corner at (x, y).
pub fn swatch(s: &mut dyn Surface, k: f64, x: f64, y: f64, sw: &Swatch) {
    let (w, h) = (6.0 * PT_PER_MM * k, 2.6 * PT_PER_MM * k);
    let b = Box2 { x0: x, y0: y, x1: x + w, y1: y + h };
    match sw {
        Swatch::Fill { color, outline } => {
            s.fill_rect(b, *color);
            s.stroke_rect(b, &StrokeStyle::solid(outline.unwrap_or(Rgba { a: 1.0, ..*color }), 0.4 * k));
        }
        Swatch::Line { color, width, dash, casing } => {
            let seg = [(x, y + h / 2.0), (x + w, y + h / 2.0)];
            if let Some((c, cw)) = casing {
                s.stroke_lines(&[seg.as_slice()], &StrokeStyle::solid(*c, cw * k));
            }
            let width = width.max(0.3) * k;
            let dash = dash.iter().map(|d| d * width.max(0.5 * k)).collect();
            s.stroke_lines(&[seg.as_slice()], &StrokeStyle { dash, ..StrokeStyle::solid(*color, width) });
        }
        Swatch::Circle { color, stroke, radius } => {
            let outline = stroke
                .filter(|(_, sw)| *sw > 0.0)
                .map(|(c, sw)| (if c == Rgba::WHITE { GREY } else { c }, sw.min(1.0) * k));
            s.circles(&[(x + w / 2.0, y + h / 2.0)], radius * k, *color, outline);
        }
        Swatch::Label { color, halo } => {
            let style = TextStyle {
                color: *color,
                halo: halo.map(|c| (c, 0.8 * k)),
                ..TextStyle::plain(7.0 * k, Weight::Regular)
            };
            s.text(x + 0.5 * k, y + 0.3 * k, 0.0, "Aa", &style);
        }
        Swatch::Ramp { colors } => {
            let n = colors.len().max(1) as f64;
            for (i, c) in colors.iter().enumerate() {
                let x0 = x + i as f64 * w / n;
                s.fill_rect(Box2 { x0, y0: y, x1: x0 + w / n + 0.05 * k, y1: y + h }, *c);
            }
            s.stroke_rect(b, &StrokeStyle::solid(GREY, 0.3 * k));
        }
        Swatch::Raster => {
            // A small shaded relief: four tones of grey in a frame.
            for (i, g) in [0.45f32, 0.7, 0.85, 0.6].iter().enumerate() {
                let (cx, cy) = ((i % 2) as f64, (i / 2) as f64);
                let x0 = x + cx * w / 2.0;
                let y0 = y + cy * h / 2.0;
                s.fill_rect(
                    Box2 { x0, y0, x1: x0 + w / 2.0, y1: y0 + h / 2.0 },
                    Rgba { r: *g, g: *g, b: *g, a: 1.0 },
                );
            }
            s.stroke_rect(b, &StrokeStyle::solid(GREY, 0.3 * k));
        }
    }
}
