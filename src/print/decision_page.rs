//! The page of an application's output document (pure): an A4 page with the service's title and
//! the application's number, the filled approval or refusal texts (Kazakh and Russian on a
//! bilingual document), the overlay as a table (district, zones with their share, networks with
//! their distance), a georeferenced map of the site at a true scale with a scale bar, and the QR
//! code of its record with the code printed. The same inputs, code and moment give the same file.

use std::path::PathBuf;

use pdf_writer::types::{LineCapStyle, LineJoinStyle};

use super::canvas::{Canvas, TextStyle};
use super::font::Weight;
use super::geopdf::GeoRef;
use super::layout::{self, Box2, PT_PER_MM, Paper};
use super::map::{Frame, LayerData};
use super::style::{PrintStyle, Rgba};
use super::texts::{DocLang, Word};

pub(crate) const MARGIN: f64 = 10.0 * PT_PER_MM;
/// The map inset: its height, and where its bottom edge is (above the footer).
pub(crate) const INSET_H: f64 = 80.0 * PT_PER_MM;
const INSET_Y0: f64 = MARGIN + 36.0 * PT_PER_MM;
const HIGHLIGHT: Rgba = Rgba { r: 0.85, g: 0.1, b: 0.1, a: 1.0 };
const GREY: Rgba = Rgba { r: 0.4, g: 0.4, b: 0.4, a: 1.0 };

/// One language's filled texts.
#[derive(Debug, Clone)]
pub struct PageText {
    pub title: String,
    pub body: String,
}

/// The map of the site.
#[derive(Debug)]
pub struct SiteMap {
    pub scale: f64,
    pub z: f64,
    pub crs_box: [f64; 4],
    pub georef: GeoRef,
    pub style: PrintStyle,
    pub data: Vec<LayerData>,
    /// The site, in the map's CRS (Web Mercator).
    pub site: geo::Geometry<f64>,
}

/// Everything the page shows but its code and moment.
#[derive(Debug)]
pub struct DecisionPage {
    pub lang: DocLang,
    /// The service's title (both languages joined on a bilingual document).
    pub service_title: String,
    pub number: String,
    pub texts: Vec<PageText>,
    /// The overlay's lines: (what, value).
    pub overlay: Vec<(String, String)>,
    pub map: Option<SiteMap>,
    pub issued_by: String,
    pub fonts_dir: PathBuf,
}

/// The inset's size on paper, mm.
pub fn inset_mm() -> (f64, f64) {
    let page_w = Paper::A4.portrait_mm().0 * PT_PER_MM;
    ((page_w - 2.0 * MARGIN) / PT_PER_MM, INSET_H / PT_PER_MM)
}

/// Draws the page and writes the PDF.
pub fn draw(
    p: &DecisionPage,
    code: &str,
    issued: chrono::DateTime<chrono::Utc>,
    verify_url: &str,
) -> anyhow::Result<Vec<u8>> {
    let page_w = Paper::A4.portrait_mm().0 * PT_PER_MM;
    let page_h = Paper::A4.portrait_mm().1 * PT_PER_MM;
    let l = p.lang;
    let fonts = super::font::Fonts::load(&p.fonts_dir)?;
    let mut c = Canvas::new(fonts);
    let width = page_w - 2.0 * MARGIN;
    let small = TextStyle { color: GREY, ..TextStyle::plain(7.5, Weight::Regular) };

    // Header: the service, the application's number, the date.
    let date = format!("{}: {}", l.word(Word::IssuedOn), issued.format("%Y-%m-%d %H:%M UTC"));
    let dw = c.text_width(&date, &small);
    c.text(page_w - MARGIN - dw, page_h - MARGIN - 8.0, 0.0, &date, &small);
    let mut y = page_h - MARGIN - 4.0;
    y = c.paragraph(
        MARGIN,
        y,
        width - dw - 10.0,
        &p.service_title,
        &TextStyle::plain(9.0, Weight::Regular),
        11.0,
    );
    let number = format!("{} № {}", l.word(Word::Application), p.number);
    y -= 13.0;
    c.text(MARGIN, y, 0.0, &number, &TextStyle::plain(11.0, Weight::Bold));
    y -= 6.0;
    rule(&mut c, y, page_w);
    y -= 6.0;

    // The texts, one language after the other; smaller type when they would reach the map, and
    // no map when even the smallest type would (the texts are what the document decides).
    let overlay_h = 14.0 + p.overlay.len() as f64 * 9.5;
    let footer_top = MARGIN + 36.0 * PT_PER_MM;
    let mut map = p.map.as_ref();
    let mut size = 9.5;
    loop {
        let room_bottom = if map.is_some() { INSET_Y0 + INSET_H + 10.0 } else { footer_top };
        let body = TextStyle::plain(size, Weight::Regular);
        let head = TextStyle::plain(size + 2.0, Weight::Bold);
        let mut h = 0.0;
        for t in &p.texts {
            h += 8.0 + c.wrap(&t.title, width, &head).len() as f64 * (size + 4.0);
            h += c.wrap(&t.body, width, &body).len() as f64 * (size + 2.5) + 6.0;
        }
        if y - h - overlay_h >= room_bottom {
            break;
        }
        if size > 6.0 {
            size -= 0.5;
        } else if map.is_some() {
            (map, size) = (None, 9.5);
        } else {
            break;
        }
    }
    let body = TextStyle::plain(size, Weight::Regular);
    let head = TextStyle::plain(size + 2.0, Weight::Bold);
    for t in &p.texts {
        y -= 8.0;
        y = c.paragraph(MARGIN, y, width, &t.title, &head, size + 4.0);
        y = c.paragraph(MARGIN, y, width, &t.body, &body, size + 2.5);
        y -= 6.0;
    }

    // The overlay.
    if !p.overlay.is_empty() {
        y -= 4.0;
        c.text(MARGIN, y - 8.0, 0.0, &l.word(Word::Overlay), &TextStyle::plain(9.0, Weight::Bold));
        y -= 12.0;
        let cell = TextStyle::plain(7.5, Weight::Regular);
        let cell_k = TextStyle { color: GREY, ..TextStyle::plain(7.5, Weight::Regular) };
        let label_w = 45.0 * PT_PER_MM;
        for (k, v) in &p.overlay {
            c.text(MARGIN, y - 8.0, 0.0, k, &cell_k);
            let lines = c.wrap(v, width - label_w, &cell);
            for (i, t) in lines.iter().enumerate() {
                c.text(MARGIN + label_w, y - 8.0 - i as f64 * 9.0, 0.0, t, &cell);
            }
            y -= lines.len().max(1) as f64 * 9.0 + 0.5;
        }
    }

    // The map of the site, with its scale bar.
    let mut georefs = Vec::new();
    if let Some(m) = map {
        let inset = Box2 { x0: MARGIN, y0: INSET_Y0, x1: page_w - MARGIN, y1: INSET_Y0 + INSET_H };
        let frame = Frame { page: inset, crs: m.crs_box };
        super::map::draw(&mut c, &m.style, m.z, &frame, &m.data);
        outline(&mut c, &frame, &m.site);
        c.stroke(Rgba::BLACK);
        c.line_style(0.5, LineCapStyle::ButtCap, LineJoinStyle::MiterJoin, &[]);
        c.rect(inset.x0, inset.y0, inset.w(), inset.h());
        c.content.stroke();
        c.text(MARGIN, inset.y1 + 3.0, 0.0, &l.word(Word::Site), &TextStyle::plain(9.0, Weight::Bold));
        scale_bar(&mut c, MARGIN, inset.y0 - 17.0, m.scale, l);
        let caption = format!(
            "{} {} · EPSG:3857 · {}",
            l.word(Word::Scale),
            layout::format_scale(m.scale),
            m.style.credit()
        );
        c.paragraph(
            MARGIN + 62.0 * PT_PER_MM,
            inset.y0 - 9.0,
            width - 95.0 * PT_PER_MM,
            &caption,
            &small,
            9.0,
        );
        georefs.push(GeoRef { frame: inset, ..m.georef.clone() });
    }

    // Footer: who issued it, the QR code of its record and the code.
    let qr = 28.0 * PT_PER_MM;
    c.qr(page_w - MARGIN - qr, MARGIN + 4.0 * PT_PER_MM, qr, verify_url)?;
    let code_text = format!("{} {code}", l.word(Word::Verify));
    let cw = c.text_width(&code_text, &small);
    c.text(
        (page_w - MARGIN - qr / 2.0 - cw / 2.0).min(page_w - MARGIN - cw),
        MARGIN,
        0.0,
        &code_text,
        &small,
    );
    let mut fy = MARGIN + 20.0 * PT_PER_MM;
    for line in [
        format!("{}: {}", l.word(Word::IssuedBy), p.issued_by),
        format!("{} {code}", l.word(Word::Document)),
        verify_url.to_string(),
    ] {
        fy = c.paragraph(MARGIN, fy, width - qr - 8.0 * PT_PER_MM, &line, &small, 9.0);
    }
    let info = super::geopdf::DocInfo {
        title: p.texts.first().map(|t| t.title.clone()).unwrap_or_default(),
        subject: p.number.clone(),
        author: p.issued_by.clone(),
        keywords: code.to_string(),
        issued,
    };
    super::geopdf::write(c, page_w, page_h, &georefs, &info)
}

fn rule(c: &mut Canvas, y: f64, page_w: f64) {
    c.stroke(Rgba { r: 0.7, g: 0.7, b: 0.7, a: 1.0 });
    c.line_style(0.5, LineCapStyle::ButtCap, LineJoinStyle::MiterJoin, &[]);
    c.path([[(MARGIN, y), (page_w - MARGIN, y)].as_slice()], false);
    c.content.stroke();
}

/// A scale bar of at most 50 mm whose left end is at (`x`, `y`).
fn scale_bar(c: &mut Canvas, x: f64, y: f64, scale: f64, l: DocLang) {
    let (ground, parts) = layout::scale_bar(scale, 50.0);
    let len = ground / scale * 1000.0 * PT_PER_MM;
    let h = 1.6 * PT_PER_MM;
    c.stroke(Rgba::BLACK);
    c.line_style(0.5, LineCapStyle::ButtCap, LineJoinStyle::MiterJoin, &[]);
    for i in 0..parts {
        let seg = len / parts as f64;
        c.fill(if i % 2 == 0 { Rgba::BLACK } else { Rgba::WHITE });
        c.rect(x + i as f64 * seg, y, seg, h);
        c.content.fill_nonzero_and_stroke();
    }
    c.fill(Rgba::BLACK);
    let small = TextStyle::plain(6.5, Weight::Regular);
    let (km, m) = (l.word(Word::Km), l.word(Word::M));
    for (xx, v) in [(x, 0.0), (x + len / 2.0, ground / 2.0), (x + len, ground)] {
        let s = if v == 0.0 { "0".to_string() } else { layout::format_length(v, &km, &m) };
        let w = c.text_width(&s, &small);
        c.text((xx - w / 2.0).max(x - 2.0), y + h + 1.5, 0.0, &s, &small);
    }
}

/// Outlines the site on the map.
fn outline(c: &mut Canvas, frame: &Frame, g: &geo::Geometry<f64>) {
    use geo::Geometry;
    c.stroke(HIGHLIGHT);
    c.line_style(1.6, LineCapStyle::RoundCap, LineJoinStyle::RoundJoin, &[]);
    let ring = |ls: &geo::LineString<f64>| -> Vec<(f64, f64)> {
        ls.0.iter().map(|p| frame.to_page(p.x, p.y)).collect()
    };
    let mut lines: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut points = Vec::new();
    let polys: Vec<&geo::Polygon<f64>> = match g {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(m) => m.0.iter().collect(),
        _ => Vec::new(),
    };
    for p in polys {
        lines.push(ring(p.exterior()));
        lines.extend(p.interiors().iter().map(ring));
    }
    match g {
        Geometry::LineString(l) => lines.push(ring(l)),
        Geometry::MultiLineString(m) => lines.extend(m.0.iter().map(ring)),
        Geometry::Point(p) => points.push(frame.to_page(p.x(), p.y())),
        Geometry::MultiPoint(m) => points.extend(m.0.iter().map(|p| frame.to_page(p.x(), p.y()))),
        _ => {}
    }
    c.path(lines.iter().map(Vec::as_slice), false);
    c.content.stroke();
    for (x, y) in points {
        c.circle(x, y, 7.0);
        c.content.stroke();
    }
}
