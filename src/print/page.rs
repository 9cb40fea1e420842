//! The furniture of a printed map (pure): title band, legend from the style and the layer
//! files, scale bar, numeric scale, north arrow, coordinate system, date, attribution, QR code.

use pdf_writer::types::{LineCapStyle, LineJoinStyle};
use serde_json::{Map, Value};

use super::canvas::{Canvas, TextStyle};
use super::font::Weight;
use super::layout::{self, Box2, PT_PER_MM};
use super::map::PT_PER_PX;
use super::style::{Kind, PrintStyle, Rgba};
use super::texts::{DocLang, Word};
use crate::layers::catalog::LayerDef;

/// How a legend entry looks.
#[derive(Debug, Clone, PartialEq)]
pub enum Swatch {
    Fill { color: Rgba, outline: Option<Rgba> },
    Line { color: Rgba, width: f64, dash: Vec<f64>, casing: Option<(Rgba, f64)> },
    Circle { color: Rgba, stroke: Option<(Rgba, f64)>, radius: f64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub label: String,
    pub swatch: Swatch,
}

/// The legend of one printed layer.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendGroup {
    pub title: String,
    pub entries: Vec<LegendEntry>,
}

/// The legend of `layer` as the style draws it at zoom `z`: one entry per category when its
/// colour is chosen by `match` on an attribute (labelled with the attribute's value labels from
/// the layer file), otherwise one entry.
pub fn legend(style: &PrintStyle, z: f64, layer: &LayerDef, lang: DocLang) -> LegendGroup {
    let title = lang.pick(&layer.title);
    let drawn: Vec<_> = style.for_layer(&layer.id, z).filter(|l| l.kind != Kind::Symbol).collect();
    let color_prop = |k: Kind| match k {
        Kind::Fill => "fill-color",
        Kind::Line => "line-color",
        _ => "circle-color",
    };
    let Some(main) =
        drawn.iter().rev().find(|l| l.match_categories(color_prop(l.kind)).is_some()).or(drawn.last())
    else {
        return LegendGroup { title, entries: Vec::new() };
    };
    let before: Vec<_> = drawn.iter().take_while(|l| !std::ptr::eq(**l, *main)).collect();
    let casing = before.into_iter().rev().find(|l| l.kind == Kind::Line && main.kind == Kind::Line);
    let swatch = |props: &Map<String, Value>| -> Swatch {
        match main.kind {
            Kind::Fill => Swatch::Fill {
                color: main.color("fill-color", props, z).unwrap_or(Rgba::BLACK).with_alpha(main.number(
                    "fill-opacity",
                    props,
                    z,
                    1.0,
                )
                    as f32),
                outline: main.color("fill-outline-color", props, z),
            },
            Kind::Line => Swatch::Line {
                color: main.color("line-color", props, z).unwrap_or(Rgba::BLACK),
                width: (main.number("line-width", props, z, 1.0) * PT_PER_PX).min(5.0),
                dash: main
                    .get("line-dasharray", props, z)
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_f64).collect())
                    .unwrap_or_default(),
                casing: casing.map(|c| {
                    (
                        c.color("line-color", props, z).unwrap_or(Rgba::BLACK),
                        (c.number("line-width", props, z, 1.0) * PT_PER_PX).min(7.0),
                    )
                }),
            },
            _ => Swatch::Circle {
                color: main.color("circle-color", props, z).unwrap_or(Rgba::BLACK),
                stroke: main
                    .color("circle-stroke-color", props, z)
                    .map(|c| (c, main.number("circle-stroke-width", props, z, 0.0) * PT_PER_PX)),
                radius: (main.number("circle-radius", props, z, 4.0) * PT_PER_PX).min(4.0),
            },
        }
    };
    let mut entries = Vec::new();
    match main.match_categories(color_prop(main.kind)) {
        Some((attr, values)) => {
            let def = layer.attributes.iter().find(|a| a.name == attr);
            for v in &values {
                let text = super::expr::to_text(v);
                let label = def
                    .and_then(|d| d.value_label(&text))
                    .map(|t| lang.pick(t))
                    .unwrap_or_else(|| text.clone());
                let mut props = Map::new();
                props.insert(attr.clone(), v.clone());
                entries.push(LegendEntry { label, swatch: swatch(&props) });
            }
            let covered = def.is_some_and(|d| {
                !d.values.is_empty()
                    && d.values.iter().all(|e| values.iter().any(|v| super::expr::to_text(v) == e.value()))
            });
            if !covered {
                let mut props = Map::new();
                props.insert(attr.clone(), Value::String("\u{0}".into()));
                entries.push(LegendEntry { label: lang.word(Word::Other), swatch: swatch(&props) });
            }
        }
        None => entries.push(LegendEntry { label: title.clone(), swatch: swatch(&Map::new()) }),
    }
    LegendGroup { title, entries }
}

/// Everything printed around the map.
#[derive(Debug, Clone)]
pub struct Furniture<'a> {
    pub title: &'a str,
    pub lang: DocLang,
    pub scale: f64,
    /// `EPSG:3857 · WGS 84 / Pseudo-Mercator`.
    pub crs: &'a str,
    /// Issue time as printed (`2026-12-01 15:42 UTC`).
    pub issued: &'a str,
    pub code: &'a str,
    pub verify_url: &'a str,
    pub attribution: &'a str,
    /// Angle of true north from the frame's up direction, degrees clockwise.
    pub north_deg: f64,
    pub legend: &'a [LegendGroup],
}

const GREY: Rgba = Rgba { r: 0.35, g: 0.35, b: 0.35, a: 1.0 };

/// Draws the title band and the footer of a print page.
pub fn draw(canvas: &mut Canvas, l: &layout::PageLayout, f: &Furniture) -> anyhow::Result<()> {
    // Title band.
    let t = l.title;
    let right = TextStyle { color: GREY, ..TextStyle::plain(8.0, Weight::Regular) };
    let date = format!("{}: {}", f.lang.word(Word::Date), f.issued);
    let date_w = canvas.text_width(&date, &right);
    let mut ts = TextStyle::plain(16.0, Weight::Bold);
    let room = t.w() - date_w - 8.0 * PT_PER_MM;
    while canvas.text_width(f.title, &ts) > room && ts.size > 8.0 {
        ts.size -= 1.0;
    }
    canvas.text(t.x0, t.y0 + 4.0 * PT_PER_MM, 0.0, f.title, &ts);
    canvas.text(t.x1 - date_w, t.y0 + 4.0 * PT_PER_MM, 0.0, &date, &right);
    let sub = format!("{} {}  ·  {}", f.lang.word(Word::Scale), layout::format_scale(f.scale), f.crs);
    canvas.text(t.x0, t.y0 + 0.5 * PT_PER_MM, 0.0, &sub, &right);

    // Attribution in the frame's lower right corner, on white.
    let small = TextStyle { color: GREY, ..TextStyle::plain(6.0, Weight::Regular) };
    let aw = canvas.text_width(f.attribution, &small).min(l.frame.w() - 4.0);
    canvas.fill(Rgba::WHITE);
    canvas.alpha(0.8, 1.0);
    canvas.rect(l.frame.x1 - aw - 4.0, l.frame.y0 + 0.4, aw + 3.6, 9.0);
    canvas.content.fill_nonzero();
    canvas.alpha(1.0, 1.0);
    canvas.text(l.frame.x1 - aw - 2.0, l.frame.y0 + 3.0, 0.0, f.attribution, &small);

    // Footer, from the right: QR code, north arrow, scale block; the legend takes the rest.
    let fb = l.footer;
    let qr = 30.0 * PT_PER_MM;
    canvas.qr(fb.x1 - qr, fb.y1 - qr, qr, f.verify_url)?;
    let code_text = format!("{} {}", f.lang.word(Word::Verify), f.code);
    let cw = canvas.text_width(&code_text, &small);
    canvas.text((fb.x1 - qr / 2.0 - cw / 2.0).min(fb.x1 - cw), fb.y0 + 1.0, 0.0, &code_text, &small);
    let north_x = fb.x1 - qr - 9.0 * PT_PER_MM;
    north_arrow(
        canvas,
        north_x,
        fb.y0 + fb.h() / 2.0,
        8.0 * PT_PER_MM,
        f.north_deg,
        &f.lang.word(Word::North),
    );
    let sb_x1 = north_x - 8.0 * PT_PER_MM;
    let sb_x0 = sb_x1 - 60.0 * PT_PER_MM;
    scale_block(canvas, Box2 { x0: sb_x0, y0: fb.y0, x1: sb_x1, y1: fb.y1 }, f);
    draw_legend(canvas, Box2 { x0: fb.x0, y0: fb.y0, x1: sb_x0 - 6.0 * PT_PER_MM, y1: fb.y1 }, f);
    Ok(())
}

fn north_arrow(canvas: &mut Canvas, cx: f64, cy: f64, len: f64, deg: f64, letter: &str) {
    let a = -deg.to_radians();
    let rot = |x: f64, y: f64| (cx + x * a.cos() - y * a.sin(), cy + x * a.sin() + y * a.cos());
    let tip = rot(0.0, len / 2.0);
    let left = rot(-len / 5.0, -len / 2.0);
    let right = rot(len / 5.0, -len / 2.0);
    let notch = rot(0.0, -len / 4.0);
    canvas.fill(Rgba::BLACK);
    canvas.path([[tip, left, notch].as_slice()], true);
    canvas.content.fill_nonzero();
    canvas.fill(Rgba::WHITE);
    canvas.stroke(Rgba::BLACK);
    canvas.line_style(0.6, LineCapStyle::ButtCap, LineJoinStyle::MiterJoin, &[]);
    canvas.path([[tip, right, notch].as_slice()], true);
    canvas.content.fill_nonzero_and_stroke();
    let ts = TextStyle::plain(9.0, Weight::Bold);
    let w = canvas.text_width(letter, &ts);
    let (lx, ly) = rot(0.0, len / 2.0 + 3.0);
    canvas.text(lx - w / 2.0, ly, 0.0, letter, &ts);
}

fn scale_block(canvas: &mut Canvas, b: Box2, f: &Furniture) {
    let (ground, parts) = layout::scale_bar(f.scale, 50.0);
    let len = ground / f.scale * 1000.0 * PT_PER_MM;
    let (x0, y) = (b.x0 + 2.0, b.y1 - 9.0 * PT_PER_MM);
    let h = 1.6 * PT_PER_MM;
    canvas.stroke(Rgba::BLACK);
    canvas.line_style(0.5, LineCapStyle::ButtCap, LineJoinStyle::MiterJoin, &[]);
    for i in 0..parts {
        let seg = len / parts as f64;
        canvas.fill(if i % 2 == 0 { Rgba::BLACK } else { Rgba::WHITE });
        canvas.rect(x0 + i as f64 * seg, y, seg, h);
        canvas.content.fill_nonzero_and_stroke();
    }
    let small = TextStyle::plain(6.5, Weight::Regular);
    let (km, m) = (f.lang.word(Word::Km), f.lang.word(Word::M));
    for (x, v) in [(x0, 0.0), (x0 + len / 2.0, ground / 2.0), (x0 + len, ground)] {
        let s = if v == 0.0 { "0".to_string() } else { layout::format_length(v, &km, &m) };
        let w = canvas.text_width(&s, &small);
        canvas.text(x - w / 2.0, y + h + 1.5, 0.0, &s, &small);
    }
    let bold = TextStyle::plain(9.0, Weight::Bold);
    let line = format!("{} {}", f.lang.word(Word::Scale), layout::format_scale(f.scale));
    canvas.text(x0, y - 5.0 * PT_PER_MM, 0.0, &line, &bold);
    let mut yy = y - 9.0 * PT_PER_MM;
    let info = TextStyle { color: GREY, ..TextStyle::plain(6.5, Weight::Regular) };
    for text in [
        format!("{}: {}", f.lang.word(Word::Crs), f.crs),
        format!("{} {} · {}", f.lang.word(Word::Document), f.code, f.issued),
    ] {
        yy = canvas.paragraph(x0, yy, b.w() - 4.0, &text, &info, 8.0);
    }
}

fn draw_legend(canvas: &mut Canvas, b: Box2, f: &Furniture) {
    if b.w() < 30.0 * PT_PER_MM {
        return;
    }
    let head = TextStyle::plain(8.0, Weight::Bold);
    let group = TextStyle::plain(7.0, Weight::Bold);
    let item = TextStyle::plain(6.5, Weight::Regular);
    canvas.text(b.x0, b.y1 - 8.0, 0.0, &f.lang.word(Word::Legend), &head);
    let col_w = 50.0 * PT_PER_MM;
    let top = b.y1 - 8.0 - 3.4 * PT_PER_MM;
    let mut rows = Rows {
        x: b.x0,
        y: top,
        top,
        bottom: b.y0 + 1.0,
        right: b.x1 + 10.0 * PT_PER_MM,
        col_w,
        row: 3.4 * PT_PER_MM,
    };
    for g in f.legend {
        if g.entries.is_empty() {
            continue;
        }
        if !(g.entries.len() == 1 && g.entries[0].label == g.title) {
            // A group's title is not left alone at the foot of a column: it needs its first entry.
            let Some((x, y)) = rows.take(2) else { return };
            canvas.text(x, y + 2.0, 0.0, &g.title, &group);
        }
        for e in &g.entries {
            let Some((x, y)) = rows.take(1) else { return };
            swatch(canvas, x, y + 1.0, &e.swatch);
            let label_w = col_w - 10.0 * PT_PER_MM;
            let mut label = e.label.clone();
            while canvas.text_width(&label, &item) > label_w && label.chars().count() > 4 {
                label = label.chars().take(label.chars().count() - 2).collect::<String>() + "…";
            }
            canvas.text(x + 8.0 * PT_PER_MM, y + 2.0, 0.0, &label, &item);
        }
    }
}

/// The legend's rows, filled column by column.
struct Rows {
    x: f64,
    y: f64,
    top: f64,
    bottom: f64,
    right: f64,
    col_w: f64,
    row: f64,
}

impl Rows {
    /// The lower left corner of the next row. The column must hold `keep` more rows (this one
    /// included), or the row starts the next column; `None` when the legend is full.
    fn take(&mut self, keep: usize) -> Option<(f64, f64)> {
        if self.y - keep as f64 * self.row < self.bottom {
            self.x += self.col_w;
            self.y = self.top;
        }
        if self.x + self.col_w > self.right {
            return None;
        }
        self.y -= self.row;
        Some((self.x, self.y))
    }
}

fn swatch(canvas: &mut Canvas, x: f64, y: f64, s: &Swatch) {
    let (w, h) = (6.0 * PT_PER_MM, 2.6 * PT_PER_MM);
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
            canvas.line_style(0.4, LineCapStyle::ButtCap, LineJoinStyle::MiterJoin, &[]);
            canvas.rect(x, y, w, h);
            canvas.content.stroke();
        }
        Swatch::Line { color, width, dash, casing } => {
            let seg = [(x, y + h / 2.0), (x + w, y + h / 2.0)];
            if let Some((c, cw)) = casing {
                canvas.stroke(*c);
                canvas.line_style(*cw, LineCapStyle::ButtCap, LineJoinStyle::MiterJoin, &[]);
                canvas.path([seg.as_slice()], false);
                canvas.content.stroke();
            }
            canvas.stroke(*color);
            let dash: Vec<f64> = dash.iter().map(|d| d * width.max(0.5)).collect();
            canvas.line_style(width.max(0.3), LineCapStyle::ButtCap, LineJoinStyle::MiterJoin, &dash);
            canvas.path([seg.as_slice()], false);
            canvas.content.stroke();
        }
        Swatch::Circle { color, stroke, radius } => {
            canvas.fill(*color);
            canvas.circle(x + w / 2.0, y + h / 2.0, *radius);
            match stroke {
                Some((c, sw)) if *sw > 0.0 => {
                    canvas.stroke(if *c == Rgba::WHITE { GREY } else { *c });
                    canvas.line_style(sw.min(1.0), LineCapStyle::ButtCap, LineJoinStyle::MiterJoin, &[]);
                    canvas.content.fill_nonzero_and_stroke();
                }
                _ => {
                    canvas.content.fill_nonzero();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_rows_fill_columns_and_keep_titles_with_an_entry() {
        // Three rows of 10 pt per column, two columns.
        let mut r = Rows { x: 0.0, y: 30.0, top: 30.0, bottom: 0.0, right: 100.0, col_w: 50.0, row: 10.0 };
        assert_eq!(r.take(1), Some((0.0, 20.0)));
        assert_eq!(r.take(1), Some((0.0, 10.0)));
        // A title needs itself and one entry: only one row is left, so it starts the next column.
        assert_eq!(r.take(2), Some((50.0, 20.0)));
        assert_eq!(r.take(1), Some((50.0, 10.0)));
        assert_eq!(r.take(1), Some((50.0, 0.0)));
        assert_eq!(r.take(1), None, "the legend is full");
    }
}
