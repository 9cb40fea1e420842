//! The furniture of a printed map (pure): title band, the legend's box (the legend itself is
//! [`super::legend`]), scale bar, numeric scale, north arrow, coordinate system, date,
//! attribution, QR code.

use super::canvas::{Canvas, TextStyle};
use super::font::Weight;
use super::layout::{self, Box2, PT_PER_MM};
use super::legend::LegendGroup;
use super::legend_layout::Item;
use super::style::Rgba;
use super::texts::{DocLang, Word};
use pdf_writer::types::{LineCapStyle, LineJoinStyle};

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

/// Draws the title band and the footer of a print page; returns the legend's rows that did not
/// fit in the footer (for continuation pages, [`super::legend_draw::draw_page`]).
pub fn draw(canvas: &mut Canvas, l: &layout::PageLayout, f: &Furniture) -> anyhow::Result<Vec<Item>> {
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
    let items = super::legend_draw::items(canvas, 1.0, f.legend);
    let b = Box2 { x0: fb.x0, y0: fb.y0, x1: sb_x0 - 4.0 * PT_PER_MM, y1: fb.y1 };
    let drawn = if items.is_empty() {
        0
    } else {
        super::legend_draw::draw_box(canvas, 1.0, b, &f.lang.word(Word::Legend), f.legend, &items)
    };
    Ok(items[drawn..].to_vec())
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
