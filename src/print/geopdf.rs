//! Writes a drawn page as a PDF (pure): optional content groups for the map layers, the ISO 32000
//! geospatial encoding of the map frame (`/VP` → `/Viewport` → `/Measure /Subtype /GEO`), fonts,
//! transparency states and images.
//!
//! pdf-writer writes reals as `f32`. The ground control points (`/GPTS`, latitude and longitude)
//! are therefore chosen on a 10⁻⁵ degree grid, which `f32` prints exactly, and their positions in
//! the frame (`/LPTS`) are computed from those exact values in `f64`
//! ([`super::store::georeference`]), so a reader's origin does not drift by centimetres.

use pdf_writer::{Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::canvas::{Canvas, ImageData};
use super::layout::Box2;

/// Where a map frame lies on the earth.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoRef {
    /// EPSG code of the map's CRS.
    pub epsg: u32,
    /// Its WKT (OGC WKT 1, as PostGIS has it).
    pub wkt: String,
    /// The frame on the page, pt.
    pub frame: Box2,
    /// Four control points: latitude, longitude on the CRS's own datum, in degrees.
    pub gpts: [(f64, f64); 4],
    /// The same points in the frame's unit square (0,0 lower left, 1,1 upper right).
    pub lpts: [(f64, f64); 4],
}

/// Document information.
#[derive(Debug, Clone)]
pub struct DocInfo {
    pub title: String,
    pub subject: String,
    pub author: String,
    /// Keywords, e.g. the verification code.
    pub keywords: String,
    /// When the document was issued (its creation date; the same moment as its record, so that
    /// a document rendered again from its record is the same file).
    pub issued: chrono::DateTime<chrono::Utc>,
}

/// Writes one page of size `page_w` × `page_h` points.
pub fn write(
    canvas: Canvas,
    page_w: f64,
    page_h: f64,
    georefs: &[GeoRef],
    info: &DocInfo,
) -> anyhow::Result<Vec<u8>> {
    write_pages(canvas, Vec::new(), page_w, page_h, georefs, info)
}

/// Writes the canvas's page (with the georeferenced frames) followed by pages `more` of the same
/// size drawn with the same canvas's fonts and states (a legend's continuation pages).
pub fn write_pages(
    canvas: Canvas,
    more: Vec<pdf_writer::Content>,
    page_w: f64,
    page_h: f64,
    georefs: &[GeoRef],
    info: &DocInfo,
) -> anyhow::Result<Vec<u8>> {
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let (catalog_id, pages_id, page_id, content_id, info_id) = (alloc(), alloc(), alloc(), alloc(), alloc());
    let font_ids: [[Ref; 5]; 2] =
        [[alloc(), alloc(), alloc(), alloc(), alloc()], [alloc(), alloc(), alloc(), alloc(), alloc()]];
    let ocg_ids: Vec<Ref> = canvas.layers.iter().map(|_| alloc()).collect();
    let image_ids: Vec<Ref> = canvas.images.iter().map(|_| alloc()).collect();
    let res_id = alloc();
    let more_ids: Vec<(Ref, Ref)> = more.iter().map(|_| (alloc(), alloc())).collect();
    // Soft masks of the images with alpha (heat maps), after every other object.
    let smask_ids: Vec<Option<Ref>> = canvas
        .images
        .iter()
        .map(|i| matches!(i.data, ImageData::RgbaDeflated { .. }).then(&mut alloc))
        .collect();

    let mut pdf = Pdf::new();
    {
        let mut cat = pdf.catalog(catalog_id);
        cat.pages(pages_id);
        if !ocg_ids.is_empty() {
            let mut oc = cat.insert(Name(b"OCProperties")).dict();
            oc.insert(Name(b"OCGs")).array().items(ocg_ids.iter().copied());
            let mut d = oc.insert(Name(b"D")).dict();
            d.pair(Name(b"Name"), TextStr("Qala"));
            d.insert(Name(b"Order")).array().items(ocg_ids.iter().copied());
            d.insert(Name(b"ON")).array().items(ocg_ids.iter().copied());
            d.pair(Name(b"BaseState"), Name(b"ON"));
            d.finish();
            oc.finish();
            cat.page_mode(pdf_writer::types::PageMode::UseOC);
        }
    }
    let kids: Vec<Ref> = std::iter::once(page_id).chain(more_ids.iter().map(|(p, _)| *p)).collect();
    pdf.pages(pages_id).kids(kids.iter().copied()).count(kids.len() as i32);

    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, page_w as f32, page_h as f32)).parent(pages_id).contents(content_id);
    if !georefs.is_empty() {
        let mut vps = page.insert(Name(b"VP")).array();
        for g in georefs {
            let mut vp = vps.push().dict();
            vp.pair(Name(b"Type"), Name(b"Viewport"));
            vp.pair(Name(b"Name"), TextStr("Map"));
            vp.pair(
                Name(b"BBox"),
                Rect::new(g.frame.x0 as f32, g.frame.y0 as f32, g.frame.x1 as f32, g.frame.y1 as f32),
            );
            let mut m = vp.insert(Name(b"Measure")).dict();
            m.pair(Name(b"Type"), Name(b"Measure"));
            m.pair(Name(b"Subtype"), Name(b"GEO"));
            m.insert(Name(b"Bounds")).array().items([0.0f32, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0]);
            m.insert(Name(b"GPTS"))
                .array()
                .items(g.gpts.iter().flat_map(|(lat, lon)| [*lat as f32, *lon as f32]));
            m.insert(Name(b"LPTS")).array().items(g.lpts.iter().flat_map(|(u, v)| [*u as f32, *v as f32]));
            m.insert(Name(b"PDU")).array().items([Name(b"M"), Name(b"SQM"), Name(b"DEG")]);
            let mut gcs = m.insert(Name(b"GCS")).dict();
            gcs.pair(Name(b"Type"), Name(b"PROJCS"));
            gcs.pair(Name(b"EPSG"), g.epsg as i32);
            gcs.pair(Name(b"WKT"), Str(g.wkt.as_bytes()));
        }
    }
    page.pair(Name(b"Resources"), res_id);
    page.finish();
    for ((pid, cid), content) in more_ids.iter().zip(more) {
        pdf.page(*pid)
            .media_box(Rect::new(0.0, 0.0, page_w as f32, page_h as f32))
            .parent(pages_id)
            .contents(*cid)
            .pair(Name(b"Resources"), res_id);
        pdf.stream(*cid, &super::deflate(&content.finish())).filter(Filter::FlateDecode);
    }
    let mut res = pdf.indirect(res_id).start::<pdf_writer::writers::Resources>();
    {
        let mut fonts = res.fonts();
        fonts.pair(Name(b"F0"), font_ids[0][0]);
        fonts.pair(Name(b"F1"), font_ids[1][0]);
    }
    {
        let mut gs = res.ext_g_states();
        for (fa, sa) in &canvas.alphas {
            let name = format!("A{fa}_{sa}");
            gs.insert(Name(name.as_bytes()))
                .dict()
                .pair(Name(b"ca"), *fa as f32 / 100.0)
                .pair(Name(b"CA"), *sa as f32 / 100.0);
        }
    }
    if !ocg_ids.is_empty() {
        let mut props = res.insert(Name(b"Properties")).dict();
        for (i, id) in ocg_ids.iter().enumerate() {
            let name = format!("L{i}");
            props.pair(Name(name.as_bytes()), *id);
        }
    }
    if !image_ids.is_empty() {
        let mut xo = res.x_objects();
        for (img, id) in canvas.images.iter().zip(&image_ids) {
            xo.pair(Name(img.name.as_bytes()), *id);
        }
    }
    res.finish();

    for (name, id) in canvas.layers.iter().zip(&ocg_ids) {
        pdf.indirect(*id).dict().pair(Name(b"Type"), Name(b"OCG")).pair(Name(b"Name"), TextStr(name));
    }
    for ((img, id), smask) in canvas.images.iter().zip(&image_ids).zip(&smask_ids) {
        let (data, filter) = match &img.data {
            ImageData::Jpeg(b) => (b.as_slice(), Filter::DctDecode),
            ImageData::RgbDeflated(b) | ImageData::RgbaDeflated { rgb: b, .. } => {
                (b.as_slice(), Filter::FlateDecode)
            }
        };
        let mut x = pdf.image_xobject(*id, data);
        x.filter(filter);
        x.width(img.width as i32).height(img.height as i32);
        x.color_space().device_rgb();
        x.bits_per_component(8);
        if let Some(m) = smask {
            x.s_mask(*m);
        }
        x.finish();
        if let (Some(m), ImageData::RgbaDeflated { alpha, .. }) = (smask, &img.data) {
            let mut a = pdf.image_xobject(*m, alpha);
            a.filter(Filter::FlateDecode);
            a.width(img.width as i32).height(img.height as i32);
            a.color_space().device_gray();
            a.bits_per_component(8);
        }
    }
    canvas.fonts.regular.write(&mut pdf, font_ids[0], "QALAAA")?;
    canvas.fonts.bold.write(&mut pdf, font_ids[1], "QALAAB")?;

    let content = super::deflate(&canvas.content.finish());
    pdf.stream(content_id, &content).filter(Filter::FlateDecode);

    let now = info.issued;
    use chrono::{Datelike, Timelike};
    let date = Date::new(now.year() as u16)
        .month(now.month() as u8)
        .day(now.day() as u8)
        .hour(now.hour() as u8)
        .minute(now.minute() as u8)
        .second(now.second() as u8)
        .utc_offset_hour(0);
    pdf.document_info(info_id)
        .title(TextStr(&info.title))
        .subject(TextStr(&info.subject))
        .author(TextStr(&info.author))
        .keywords(TextStr(&info.keywords))
        .creator(TextStr("Qala"))
        .producer(TextStr(concat!("Qala ", env!("CARGO_PKG_VERSION"), " (pdf-writer)")))
        .creation_date(date);
    pdf.set_file_id((info.keywords.as_bytes().to_vec(), info.keywords.as_bytes().to_vec()));
    Ok(pdf.finish())
}
