//! The passport of one object (`GET /api/layers/{id}/items/{fid}/passport.pdf`): an A4 page
//! with its attributes labelled in Kazakh and Russian, a georeferenced map inset at a fitting
//! scale with the object outlined, its photos, the layer's metadata and a QR code to its record.

use std::sync::Arc;

use axum::http::HeaderMap;
use pdf_writer::types::{LineCapStyle, LineJoinStyle};
use serde_json::{Value, json};

use super::canvas::{Canvas, ImageData, PageImage, TextStyle};
use super::font::Weight;
use super::layout::{self, Box2, PT_PER_MM, Paper};
use super::map::{Frame, LayerData};
use super::store::{self, PRINT_CRS};
use super::style::Rgba;
use super::texts::{DocLang, Word};
use crate::auth::Caller;
use crate::auth::policy::FeatureScope;
use crate::error::ApiError;
use crate::http::AppState;
use crate::i18n::{Lang, Msg};
use crate::layers::catalog::{AttrType, LayerDef};

const MARGIN: f64 = 10.0 * PT_PER_MM;
const INSET_H: f64 = 85.0 * PT_PER_MM;
const HIGHLIGHT: Rgba = Rgba { r: 0.85, g: 0.1, b: 0.1, a: 1.0 };
const GREY: Rgba = Rgba { r: 0.4, g: 0.4, b: 0.4, a: 1.0 };

/// The smallest offered scale at which `ground` (width, height in metres, with a margin) fits
/// a frame of `frame_mm`.
///
/// ```
/// use qala::print::passport::fitting_scale;
/// assert_eq!(fitting_scale((30.0, 20.0), (190.0, 85.0)), 500);
/// assert_eq!(fitting_scale((900.0, 100.0), (190.0, 85.0)), 10_000);
/// ```
pub fn fitting_scale(ground: (f64, f64), frame_mm: (f64, f64)) -> u32 {
    let need = (ground.0 * 1.4 / (frame_mm.0 / 1000.0)).max(ground.1 * 1.4 / (frame_mm.1 / 1000.0));
    layout::SCALES
        .iter()
        .copied()
        .find(|s| *s as f64 >= need)
        .unwrap_or(layout::SCALES[layout::SCALES.len() - 1])
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

pub async fn render(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    headers: &HeaderMap,
    layer: &Arc<LayerDef>,
    scope: &FeatureScope,
    fid: i64,
) -> Result<super::routes::Issued, ApiError> {
    let doc_lang = DocLang::KkRu;
    let f = store::passport_feature(&state.pool, &layer.id, fid)
        .await
        .map_err(|e| ApiError::database(lang, e))?
        .ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;

    // The inset: Web Mercator, centred on the object, at the offered scale it fits.
    let page_w = Paper::A4.portrait_mm().0 * PT_PER_MM;
    let page_h = Paper::A4.portrait_mm().1 * PT_PER_MM;
    let [w, s, e, n] = f.bbox;
    let lat = (s + n) / 2.0;
    let ground = ((e - w) * 111_320.0 * lat.to_radians().cos(), (n - s) * 110_574.0);
    let inset_mm = ((page_w - 2.0 * MARGIN) / PT_PER_MM, INSET_H / PT_PER_MM);
    let scale = fitting_scale(ground, inset_mm) as f64;
    let center = ((w + e) / 2.0, lat);
    let crs = PRINT_CRS[0];
    // Where the inset sits is known once the attribute table is drawn; the control points only
    // need its size now (the viewport's box is replaced then).
    let inset_box = Box2 { x0: MARGIN, y0: 0.0, x1: page_w - MARGIN, y1: INSET_H };
    let placed = store::place_frame(&state.pool, crs, center, scale, inset_box, inset_mm)
        .await
        .map_err(|e| ApiError::database(lang, e))?;
    let style = super::routes::load_style(state, doc_lang)?;
    let z = layout::style_zoom(scale, lat);
    let catalog = state.catalog();
    let layers = super::routes::printable_layers(&style, catalog.readable_all(caller).cloned().collect());
    let tolerance = 0.000_05 * scale * placed.k;
    let data = super::routes::layer_data(
        state,
        caller,
        &style,
        &layers,
        z,
        crs,
        placed.crs_box,
        tolerance,
        doc_lang,
    )
    .await
    .map_err(|e| ApiError::database(lang, e))?;
    // The object to outline: from the inset's data when its layer is drawn at this scale, else
    // read for the outline alone.
    let own: Vec<_> = match data.iter().find(|d| d.id == layer.id) {
        Some(d) => d.features.iter().filter(|x| x.id == fid).cloned().collect(),
        None => store::features_in_frame(&state.pool, layer, scope, crs, placed.crs_box, tolerance)
            .await
            .map_err(|e| ApiError::database(lang, e))?
            .into_iter()
            .filter(|x| x.id == fid)
            .collect(),
    };

    let mut photos = Vec::new();
    for (sha, _name, _media) in
        store::passport_photos(&state.pool, &layer.id, fid).await.map_err(|e| ApiError::database(lang, e))?
    {
        photos.push(crate::features::attachments::stored_path(&state.settings.attachments_dir, &sha));
    }

    let code = super::new_code();
    let verify_url = format!("{}/verify/{code}", crate::tiles::routes::base_url(headers));
    let issued = chrono::Utc::now();
    let fonts_dir = state.settings.fonts_dir.clone();
    let name = ["name_kk", "name_ru", "name", "address_kk", "address_ru", "address"]
        .iter()
        .filter_map(|k| f.attrs.get(*k).and_then(Value::as_str))
        .take(2)
        .collect::<Vec<_>>()
        .join(" / ");
    // Objects without a name are known by their address.
    let name = if name.is_empty() {
        [f.attrs.get("street"), f.attrs.get("house_number")]
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        name
    };
    let title = if name.is_empty() {
        format!("{} #{fid}", doc_lang.pick(&layer.title))
    } else {
        format!("{} — {name}", doc_lang.pick(&layer.title))
    };
    let layer_def = Arc::clone(layer);
    let attribution = style.credit();
    let code2 = code.clone();
    let issuer = caller.principal().map(|p| p.login.clone());
    let pdf = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        let fonts = super::font::Fonts::load(&fonts_dir)?;
        let mut c = Canvas::new(fonts);
        let l = doc_lang;
        let mut y = page_h - MARGIN;
        // Title.
        let head = TextStyle::plain(14.0, Weight::Bold);
        y -= 14.0;
        c.text(MARGIN, y, 0.0, &l.word(Word::Passport), &head);
        let sub = TextStyle::plain(10.5, Weight::Regular);
        y = c.paragraph(MARGIN, y - 15.0, page_w - 2.0 * MARGIN - 60.0, &title, &sub, 13.0);
        let small = TextStyle { color: GREY, ..TextStyle::plain(7.5, Weight::Regular) };
        let date = format!("{}: {}", l.word(Word::Date), issued.format("%Y-%m-%d %H:%M UTC"));
        let dw = c.text_width(&date, &small);
        c.text(page_w - MARGIN - dw, page_h - MARGIN - 12.0, 0.0, &date, &small);

        // Attributes.
        let mut rows: Vec<(String, String)> =
            vec![(l.word(Word::Identifier), format!("{}/{fid}", layer_def.id))];
        for a in &layer_def.attributes {
            if let Some(v) = f.attrs.get(&a.name).filter(|v| !v.is_null()) {
                rows.push((l.pick(&a.label), value_text(&layer_def, &a.name, v, l)));
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
        let frame = Frame { page: inset, crs: placed.crs_box };
        super::map::draw(&mut c, &style, z, &frame, &data);
        let hl = LayerData { id: layer_def.id.clone(), title: String::new(), features: own };
        highlight(&mut c, &frame, &hl);
        let caption =
            format!("{} {} · EPSG:3857 · {}", l.word(Word::Scale), layout::format_scale(scale), attribution);
        y = c.paragraph(MARGIN, inset.y0 - 9.0, page_w - 2.0 * MARGIN, &caption, &small, 9.0);

        // Photos, as many as fit above the footer.
        let footer_top = MARGIN + 32.0 * PT_PER_MM;
        let (pw, ph) = (60.0 * PT_PER_MM, 45.0 * PT_PER_MM);
        if !photos.is_empty() && y - ph - 14.0 > footer_top {
            c.text(MARGIN, y - 8.0, 0.0, &l.word(Word::Photos), &TextStyle::plain(10.0, Weight::Bold));
            let mut x = MARGIN;
            for p in photos.iter().take(3) {
                if let Some(img) = photo(p) {
                    c.image(img, x, y - 14.0 - ph, pw, ph);
                    x += pw + 5.0 * PT_PER_MM;
                }
            }
        }

        // Footer: layer metadata, QR code.
        let qr = 28.0 * PT_PER_MM;
        c.qr(page_w - MARGIN - qr, MARGIN + 4.0 * PT_PER_MM, qr, &verify_url)?;
        let code_text = format!("{} {code2}", l.word(Word::Verify));
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
            (l.word(Word::IssuedBy), issuer.clone().unwrap_or_else(|| l.word(Word::Anonymous))),
        ] {
            if v.trim().is_empty() {
                continue;
            }
            fy = c.paragraph(MARGIN, fy, meta_w, &format!("{k}: {v}"), &small, 9.0);
        }
        let info = super::geopdf::DocInfo {
            title: title.clone(),
            subject: format!("{}/{fid}", layer_def.id),
            author: issuer.clone().unwrap_or_else(|| "Qala".into()),
            keywords: code2.clone(),
        };
        let georef = super::geopdf::GeoRef { frame: inset, ..placed.georef.clone() };
        super::geopdf::write(c, page_w, page_h, &[georef], &info)
    })
    .await
    .map_err(|e| ApiError::internal(lang, e))?
    .map_err(|e| ApiError::internal(lang, e))?;
    let subject = json!({"layer": layer.id, "feature": fid, "version": f.version});
    let title = format!("{} {}/{fid}", DocLang::KkRu.word(Word::Passport), layer.id);
    super::routes::issue(state, caller, code, pdf, "passport", &title, &subject, lang).await
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

/// A photo scaled to at most 1200 pixels and written as an RGB JPEG.
fn photo(path: &std::path::Path) -> Option<PageImage> {
    let img = image::ImageReader::open(path).ok()?.with_guessed_format().ok()?.decode().ok()?;
    let img = if img.width().max(img.height()) > 1200 { img.thumbnail(1200, 1200) } else { img };
    let rgb = image::DynamicImage::ImageRgb8(img.to_rgb8());
    let mut out = std::io::Cursor::new(Vec::new());
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    rgb.write_with_encoder(enc).ok()?;
    Some(PageImage {
        name: String::new(),
        width: rgb.width(),
        height: rgb.height(),
        data: ImageData::Jpeg(out.into_inner()),
    })
}
