//! The passport page (pure but for reading photo files): an A4 page with the object's attributes
//! labelled in Kazakh and Russian, a georeferenced map inset with the object outlined, its photos
//! (decoded within [`super::limits::image_limits`]; a photo refused says so in its place), the
//! layer's metadata and a QR code to its record. The same inputs, code and moment give the same
//! file, byte for byte (a passport served again from its record is the recorded document).

use std::path::PathBuf;
use std::sync::Arc;

use pdf_writer::types::{LineCapStyle, LineJoinStyle};
use serde_json::Value;

use super::canvas::{Canvas, ImageData, PageImage, TextStyle};
use super::font::Weight;
use super::geopdf::GeoRef;
use super::layout::{self, Box2, PT_PER_MM, Paper};
use super::limits::{ImageRefusal, decode_image};
use super::map::{Frame, LayerData};
use super::store::PassportFeature;
use super::style::{PrintStyle, Rgba};
use super::texts::{DocLang, Word};
use crate::layers::catalog::{AttrType, LayerDef};

pub(crate) const MARGIN: f64 = 10.0 * PT_PER_MM;
pub(crate) const INSET_H: f64 = 85.0 * PT_PER_MM;
const HIGHLIGHT: Rgba = Rgba { r: 0.85, g: 0.1, b: 0.1, a: 1.0 };
const GREY: Rgba = Rgba { r: 0.4, g: 0.4, b: 0.4, a: 1.0 };

/// A photo of the object: the stored file and its name.
#[derive(Debug, Clone)]
pub struct Photo {
    pub path: PathBuf,
    pub sha256: String,
    pub name: String,
}

/// Everything a passport page shows but its code and moment.
#[derive(Debug)]
pub struct PassportPage {
    pub layer: Arc<LayerDef>,
    pub fid: i64,
    pub feature: PassportFeature,
    pub lang: DocLang,
    /// Title under the heading (layer and the object's name or address).
    pub title: String,
    pub scale: f64,
    pub z: f64,
    pub crs_box: [f64; 4],
    pub georef: GeoRef,
    pub style: PrintStyle,
    /// The inset's layers, and the object itself (outlined).
    pub data: Vec<LayerData>,
    pub own: LayerData,
    pub photos: Vec<Photo>,
    /// Who issued it, as printed ("Organisation · Department", "registered user", "anonymous").
    pub issued_by: String,
    pub fonts_dir: PathBuf,
}

/// A value as people read it: enum labels in the document's language(s), numbers as written.
fn value_text(layer: &LayerDef, name: &str, v: &Value, lang: DocLang) -> String {
    let attr = layer.attribute(name);
    match (attr, v) {
        (Some(a), Value::String(s)) if a.kind == AttrType::Enum => {
            a.value_label(s).map(|t| lang.pick(t)).unwrap_or_else(|| s.clone())
        }
        (_, Value::Bool(b)) => if *b { "✓" } else { "—" }.to_string(),
        (_, v) => super::expr::to_text(v),
    }
}

/// Draws the page and writes the PDF.
pub fn draw(
    p: &PassportPage,
    code: &str,
    issued: chrono::DateTime<chrono::Utc>,
    verify_url: &str,
) -> anyhow::Result<Vec<u8>> {
    let page_w = Paper::A4.portrait_mm().0 * PT_PER_MM;
    let page_h = Paper::A4.portrait_mm().1 * PT_PER_MM;
    let (l, f, layer_def, fid) = (p.lang, &p.feature, &p.layer, p.fid);
    let fonts = super::font::Fonts::load(&p.fonts_dir)?;
    let mut c = Canvas::new(fonts);
    let mut y = page_h - MARGIN;
    // Title.
    let head = TextStyle::plain(14.0, Weight::Bold);
    y -= 14.0;
    c.text(MARGIN, y, 0.0, &l.word(Word::Passport), &head);
    let sub = TextStyle::plain(10.5, Weight::Regular);
    y = c.paragraph(MARGIN, y - 15.0, page_w - 2.0 * MARGIN - 60.0, &p.title, &sub, 13.0);
    let small = TextStyle { color: GREY, ..TextStyle::plain(7.5, Weight::Regular) };
    let date = format!("{}: {}", l.word(Word::Date), issued.format("%Y-%m-%d %H:%M UTC"));
    let dw = c.text_width(&date, &small);
    c.text(page_w - MARGIN - dw, page_h - MARGIN - 12.0, 0.0, &date, &small);

    // Attributes.
    let mut rows: Vec<(String, String)> = vec![(l.word(Word::Identifier), format!("{}/{fid}", layer_def.id))];
    for a in &layer_def.attributes {
        if let Some(v) = f.attrs.get(&a.name).filter(|v| !v.is_null()) {
            rows.push((l.pick(&a.label), value_text(layer_def, &a.name, v, l)));
        }
    }
    if let Some(area) = f.area_m2 {
        rows.push((l.word(Word::Area), format!("{:.1} м²", area)));
    }
    if let Some(len) = f.length_m {
        rows.push((l.word(Word::Length), format!("{:.1} {}", len, l.word(Word::M))));
    }
    if let Some(k) = &f.kato {
        let names = [&f.kato_names[0], &f.kato_names[1]]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" / ");
        rows.push((l.word(Word::Kato), format!("{k} {names}")));
    }
    rows.push((l.word(Word::Location), format!("{:.6}° N, {:.6}° E (WGS 84)", f.point.1, f.point.0)));
    rows.push((l.word(Word::Version), f.version.to_string()));
    rows.push((
        l.word(Word::LastChange),
        format!("{} · {}", f.updated_at.format("%Y-%m-%d %H:%M UTC"), f.updated_by),
    ));
    y -= 8.0;
    let label_w = 70.0 * PT_PER_MM;
    let cell = TextStyle::plain(8.0, Weight::Regular);
    let cell_b = TextStyle { color: GREY, ..TextStyle::plain(8.0, Weight::Regular) };
    c.text(MARGIN, y - 10.0, 0.0, &l.word(Word::Attributes), &TextStyle::plain(10.0, Weight::Bold));
    y -= 16.0;
    for (k, v) in &rows {
        let kl = c.wrap(k, label_w - 6.0, &cell_b);
        let vl = c.wrap(v, page_w - 2.0 * MARGIN - label_w, &cell);
        let h = kl.len().max(vl.len()) as f64 * 10.0 + 4.0;
        for (i, t) in kl.iter().enumerate() {
            c.text(MARGIN, y - 10.0 - i as f64 * 10.0, 0.0, t, &cell_b);
        }
        for (i, t) in vl.iter().enumerate() {
            c.text(MARGIN + label_w, y - 10.0 - i as f64 * 10.0, 0.0, t, &cell);
        }
        y -= h;
        c.stroke(Rgba { r: 0.85, g: 0.85, b: 0.85, a: 1.0 });
        c.line_style(0.4, LineCapStyle::ButtCap, LineJoinStyle::MiterJoin, &[]);
        c.path([[(MARGIN, y + 1.0), (page_w - MARGIN, y + 1.0)].as_slice()], false);
        c.content.stroke();
    }

    // Map inset under the table.
    y -= 8.0;
    let inset = Box2 { x0: MARGIN, y0: y - INSET_H, x1: page_w - MARGIN, y1: y };
    let frame = Frame { page: inset, crs: p.crs_box };
    super::map::draw(&mut c, &p.style, p.z, &frame, &p.data);
    highlight(&mut c, &frame, &p.own);
    let caption = format!(
        "{} {} · EPSG:3857 · {}",
        l.word(Word::Scale),
        layout::format_scale(p.scale),
        p.style.credit()
    );
    y = c.paragraph(MARGIN, inset.y0 - 9.0, page_w - 2.0 * MARGIN, &caption, &small, 9.0);

    // Photos, as many as fit above the footer; a refused photo says why in its place.
    let footer_top = MARGIN + 32.0 * PT_PER_MM;
    let (pw, ph) = (60.0 * PT_PER_MM, 45.0 * PT_PER_MM);
    if !p.photos.is_empty() && y - ph - 14.0 > footer_top {
        c.text(MARGIN, y - 8.0, 0.0, &l.word(Word::Photos), &TextStyle::plain(10.0, Weight::Bold));
        let mut x = MARGIN;
        for ph_file in p.photos.iter().take(3) {
            match photo(&ph_file.path) {
                Ok(img) => {
                    c.image(img, x, y - 14.0 - ph, pw, ph);
                }
                Err(refusal) => {
                    let why = match refusal {
                        ImageRefusal::TooLarge(_) => Word::PhotoTooLarge,
                        _ => Word::PhotoUnreadable,
                    };
                    let note = format!("{} ({})", l.word(why), ph_file.name);
                    c.paragraph(x, y - 24.0, pw, &note, &small, 9.0);
                }
            }
            x += pw + 5.0 * PT_PER_MM;
        }
    }

    // Footer: layer metadata, QR code.
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
    let m = &layer_def.metadata;
    let mut fy = footer_top - 2.0;
    c.text(MARGIN, fy, 0.0, &l.word(Word::LayerMetadata), &TextStyle::plain(9.0, Weight::Bold));
    fy -= 11.0;
    let meta_w = page_w - 2.0 * MARGIN - qr - 8.0 * PT_PER_MM;
    for (k, v) in [
        (l.word(Word::Layer), format!("{} ({})", l.pick(&layer_def.title), layer_def.id)),
        (l.word(Word::Source), m.source.clone()),
        (l.word(Word::Owner), m.owner.clone()),
        (l.word(Word::DataDate), m.date.clone()),
        (l.word(Word::Accuracy), m.accuracy.clone()),
        (l.word(Word::Licence), m.licence.clone()),
        (l.word(Word::IssuedBy), p.issued_by.clone()),
    ] {
        if v.trim().is_empty() {
            continue;
        }
        fy = c.paragraph(MARGIN, fy, meta_w, &format!("{k}: {v}"), &small, 9.0);
    }
    let info = super::geopdf::DocInfo {
        title: p.title.clone(),
        subject: format!("{}/{fid}", layer_def.id),
        author: p.issued_by.clone(),
        keywords: code.to_string(),
        issued,
    };
    let georef = GeoRef { frame: inset, ..p.georef.clone() };
    super::geopdf::write(c, page_w, page_h, &[georef], &info)
}

/// Outlines the object on the inset.
fn highlight(c: &mut Canvas, frame: &Frame, layer: &LayerData) {
    use geo::Geometry;
    c.stroke(HIGHLIGHT);
    c.line_style(1.6, LineCapStyle::RoundCap, LineJoinStyle::RoundJoin, &[]);
    let ring = |ls: &geo::LineString<f64>| -> Vec<(f64, f64)> {
        ls.0.iter().map(|p| frame.to_page(p.x, p.y)).collect()
    };
    for f in &layer.features {
        let mut lines: Vec<Vec<(f64, f64)>> = Vec::new();
        let mut points = Vec::new();
        let polys: Vec<&geo::Polygon<f64>> = match &f.geom {
            Geometry::Polygon(p) => vec![p],
            Geometry::MultiPolygon(m) => m.0.iter().collect(),
            _ => Vec::new(),
        };
        for p in polys {
            lines.push(ring(p.exterior()));
            lines.extend(p.interiors().iter().map(ring));
        }
        match &f.geom {
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
}

/// A photo decoded within the limits, scaled to at most 1200 pixels and written as an RGB JPEG.
fn photo(path: &std::path::Path) -> Result<PageImage, ImageRefusal> {
    let img = decode_image(path)?;
    let img = if img.width().max(img.height()) > 1200 { img.thumbnail(1200, 1200) } else { img };
    let rgb = image::DynamicImage::ImageRgb8(img.to_rgb8());
    let mut out = std::io::Cursor::new(Vec::new());
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    rgb.write_with_encoder(enc).map_err(|e| ImageRefusal::Unreadable(e.to_string()))?;
    Ok(PageImage {
        name: String::new(),
        width: rgb.width(),
        height: rgb.height(),
        data: ImageData::Jpeg(out.into_inner()),
    })
}
