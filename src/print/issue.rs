//! Issuing a map to scale: the context a print needs (pool, catalog, render gate, directories,
//! public URL), the style, the layers read under the caller's feature scope at most
//! `print_connections` at a time, drawing in a blocking thread, recording and journalling the
//! document. The HTTP layer parses the request and writes the response; passports share the
//! pieces.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::layout::{self, Orientation, PageLayout};
use super::limits::RenderGate;
use super::map::{Frame, LayerData};
use super::plan::PrintRequest;
use super::store::{self, Issuer, NewDocument, PrintCrs, RawFeature};
use super::style::PrintStyle;
use super::texts::DocLang;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::layers::Catalog;
use crate::layers::catalog::LayerDef;
use crate::policy::{Caller, feature_scope};

/// What issuing a document needs from the server.
#[derive(Debug, Clone)]
pub struct PrintContext {
    pub pool: PgPool,
    /// The catalog at the time of the request.
    pub catalog: Arc<Catalog>,
    /// Turns of PDF rendering and image decoding.
    pub render: RenderGate,
    /// MapLibre styles (the printed style is the web map's `qala.json`).
    pub styles_dir: PathBuf,
    /// TrueType fonts.
    pub fonts_dir: PathBuf,
    /// Where attachments (passport photos) are stored.
    pub attachments_dir: PathBuf,
    /// The server's public URL: the start of every verification link.
    pub public_url: String,
    /// Database connections one document reads its layers with at once.
    pub print_connections: usize,
    /// Orthophotos, surveys and the hillshade a print may draw under its layers.
    pub rasters: crate::rasters::RasterService,
}

/// Pixels per inch of a raster drawn in a print (at most [`crate::rasters::MAX_READ_PX`] a side).
pub const PRINT_RASTER_DPI: f64 = 150.0;

/// A map issued: the recorded document and what its response headers say of the map frame.
#[derive(Debug)]
pub struct PrintedMap {
    pub document: Issued,
    /// `x=..;y=..;width=..;height=..;unit=mm;origin=top-left`: the map frame on the page.
    pub frame_header: String,
    /// The frame's extent in the print CRS: `minx,miny,maxx,maxy`.
    pub extent_header: String,
    /// The CRS's scale factor at the centre.
    pub scale_factor: f64,
}

/// The style printed maps are drawn with: the web map's.
const STYLE_FILE: &str = "qala.json";

/// The style in `lang`, and the SHA-256 of its file (what a passport's content key names).
pub fn load_style(styles_dir: &Path, lang: DocLang) -> Result<(PrintStyle, String), ApiError> {
    let path = styles_dir.join(STYLE_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| ApiError::internal(lang.primary(), format!("{}: {e}", path.display())))?;
    let digest = hex::encode(Sha256::digest(text.as_bytes()));
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::internal(lang.primary(), format!("{}: {e}", path.display())))?;
    let name_field = match lang.primary() {
        Lang::Kk => "name_kk",
        Lang::Ru => "name_ru",
        Lang::En => "name_en",
    };
    Ok((PrintStyle::parse(&v, name_field), digest))
}

/// The printed style in `lang`, parsed once per language and version of the file (raster tiles,
/// WMS and WMTS draw many images a second from it).
pub fn cached_style(dir: &Path, lang: Lang) -> Result<Arc<PrintStyle>, ApiError> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    use std::time::SystemTime;
    type Styles = Mutex<HashMap<(PathBuf, u8), (Option<SystemTime>, Arc<PrintStyle>)>>;
    static STYLES: OnceLock<Styles> = OnceLock::new();
    let modified = std::fs::metadata(dir.join("qala.json")).and_then(|m| m.modified()).ok();
    let key = (dir.to_path_buf(), lang as u8);
    let styles = STYLES.get_or_init(Default::default);
    if let Some((m, s)) = styles.lock().unwrap_or_else(|e| e.into_inner()).get(&key)
        && *m == modified
        && modified.is_some()
    {
        return Ok(Arc::clone(s));
    }
    let (style, _) = load_style(dir, DocLang::from_lang(lang))?;
    let style = Arc::new(style);
    styles.lock().unwrap_or_else(|e| e.into_inner()).insert(key, (modified, Arc::clone(&style)));
    Ok(style)
}

/// Readable layers the style draws, in the style's drawing order.
pub fn printable_layers(style: &PrintStyle, readable: Vec<Arc<LayerDef>>) -> Vec<Arc<LayerDef>> {
    let mut out: Vec<Arc<LayerDef>> = Vec::new();
    for sl in &style.layers {
        if let Some(l) = readable.iter().find(|l| l.id == sl.source_layer)
            && !out.iter().any(|o| o.id == l.id)
        {
            out.push(Arc::clone(l));
        }
    }
    out
}

/// A rendered document: the PDF and its SHA-256 (hex), hashed in the rendering thread.
#[derive(Debug)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub sha256: String,
}

impl Rendered {
    /// Hashes a finished PDF (CPU work: in a blocking thread).
    pub fn of(pdf: Vec<u8>) -> Rendered {
        let sha256 = hex::encode(Sha256::digest(&pdf));
        Rendered { pdf, sha256 }
    }
}

/// A recorded document.
#[derive(Debug)]
pub struct Issued {
    pub code: String,
    pub pdf: Vec<u8>,
    pub sha256: String,
}

/// Draws, records and journals a map to scale for `caller` (a turn of the render gate held while
/// drawing; 503 with `Retry-After` when none comes in time).
pub async fn print_map(
    ctx: &PrintContext,
    caller: &Caller,
    req: PrintRequest,
    lang: Lang,
) -> Result<PrintedMap, ApiError> {
    let (style, _) = load_style(&ctx.styles_dir, req.lang.unwrap_or(DocLang::from_lang(lang)))?;
    let p = super::plan::plan(req, caller, &ctx.catalog, &style, lang)?;
    let elang = p.lang.primary();
    let turn = ctx.render.enter(elang).await?;
    let layout = PageLayout::new(p.paper, p.orientation);
    let placed = store::place_frame(&ctx.pool, p.crs, p.center, p.scale, layout.frame, layout.frame_mm())
        .await
        .map_err(|e| ApiError::database(elang, e))?;
    let z = layout::style_zoom(p.scale, p.center.1);
    // A twentieth of a millimetre on paper, in CRS units.
    let tolerance = 0.000_05 * p.scale * placed.k;
    let raw = layer_data(ctx, caller, &style, &p.layers, z, p.crs, placed.crs_box, tolerance, p.lang)
        .await
        .map_err(|e| ApiError::database(elang, e))?;
    let (backdrops, raster_titles) =
        print_rasters(ctx, caller, &p, placed.crs_box, layout.frame_mm()).await?;
    let issuer = store::issuer(&ctx.pool, caller.principal().map(|pr| pr.login.as_str()))
        .await
        .map_err(|e| ApiError::database(elang, e))?;
    let legend_layers: Vec<Arc<LayerDef>> =
        p.layers.iter().filter(|l| raw.iter().any(|d| d.id == l.id)).cloned().collect();
    let code = super::new_code();
    let verify_url = format!("{}/verify/{code}", ctx.public_url);
    let issued = chrono::Utc::now();
    let attribution = style.credit();
    let fonts_dir = ctx.fonts_dir.clone();
    let crs_text = format!("EPSG:{} · {}", p.crs.srid, p.crs.title);
    let frame = Frame { page: layout.frame, crs: placed.crs_box };
    let info = super::geopdf::DocInfo {
        title: p.title.clone(),
        subject: format!("{} {}, {}", p.paper.name(), layout::format_scale(p.scale), crs_text),
        author: super::passport::issued_by_text(&issuer, p.lang),
        keywords: code.clone(),
        issued,
    };
    let (title, doc_lang, scale, north) = (p.title.clone(), p.lang, p.scale, placed.north_deg);
    let georef = placed.georef.clone();
    let code2 = code.clone();
    let rendered = tokio::task::spawn_blocking(move || -> anyhow::Result<Rendered> {
        let data = decode_layers(raw);
        let fonts = super::font::Fonts::load(&fonts_dir)?;
        let mut canvas = super::canvas::Canvas::new(fonts);
        let finish = super::map::Finish {
            background: Some(style.background.unwrap_or(super::style::Rgba::WHITE)),
            backdrops: &backdrops,
            border: true,
        };
        super::map::draw_with(&mut canvas, &style, z, &frame, &data, &finish);
        drop(backdrops);
        // The legend of what the frame shows: the layers, style layers and classes drawn (a
        // clustered layer's clusters, as the map draws them).
        let clustered = super::cluster::apply(&style, z, &frame, super::map::PT_PER_PX, &data);
        let shown: Vec<_> = legend_layers
            .iter()
            .filter_map(|l| {
                let i = data.iter().position(|d| d.id == l.id)?;
                Some((l.as_ref(), super::legend::in_frame(&clustered[i], frame.crs)))
            })
            .collect();
        let drawn: Vec<_> = shown
            .iter()
            .map(|(l, f)| (*l, super::legend::Shown::Features { features: f, frame: Some(frame.crs) }))
            .collect();
        let mut legend = super::legend::map_legend(&style, z, &drawn, doc_lang);
        legend.extend(raster_titles.iter().map(|t| super::legend::raster_group(t)));
        drop(drawn);
        drop(shown);
        drop(clustered);
        drop(data);
        let issued_text = issued.format("%Y-%m-%d %H:%M UTC").to_string();
        let furniture = super::page::Furniture {
            title: &title,
            lang: doc_lang,
            scale,
            crs: &crs_text,
            issued: &issued_text,
            code: &code2,
            verify_url: &verify_url,
            attribution: &attribution,
            north_deg: north,
            legend: &legend,
        };
        let mut rest = super::page::draw(&mut canvas, &layout, &furniture)?;
        // What the footer cannot hold continues on pages of its own.
        let mut more = Vec::new();
        let first = std::mem::replace(&mut canvas.content, pdf_writer::Content::new());
        while !rest.is_empty() {
            let n = super::legend_draw::draw_page(
                &mut canvas,
                &layout,
                doc_lang,
                (&title, &code2),
                &legend,
                &rest,
            );
            more.push(std::mem::replace(&mut canvas.content, pdf_writer::Content::new()));
            anyhow::ensure!(n > 0, "a legend page holds no row");
            rest.drain(..n);
        }
        canvas.content = first;
        super::geopdf::write_pages(canvas, more, layout.page_w, layout.page_h, &[georef], &info)
            .map(Rendered::of)
    })
    .await
    .map_err(|e| ApiError::internal(elang, e))?
    .map_err(|e| ApiError::internal(elang, e))?;
    drop(turn);
    let subject = json!({
        "paper": p.paper.name(), "orientation": match p.orientation { Orientation::Portrait => "portrait", Orientation::Landscape => "landscape" },
        "scale": p.scale, "crs": format!("EPSG:{}", p.crs.srid), "center": [p.center.0, p.center.1],
        "extent": placed.crs_box, "layers": p.layers.iter().map(|l| l.id.clone()).collect::<Vec<_>>(), "lang": p.lang.tag(),
        "rasters": p.rasters,
    });
    let doc = NewDocument {
        code: &code,
        kind: "print",
        sha256: &rendered.sha256,
        size: rendered.pdf.len(),
        title: &p.title,
        subject: &subject,
        issuer: &issuer,
        issued_at: issued,
        content_key: None,
    };
    store::record_document(&ctx.pool, &doc).await.map_err(|e| ApiError::database(elang, e))?;
    journal_issue(&ctx.pool, &issuer, &code, "print", &p.title, &subject, &rendered, "issue").await;
    let (fw, fh) = layout.frame_mm();
    let frame_hdr = format!(
        "x={:.3};y={:.3};width={:.3};height={:.3};unit=mm;origin=top-left",
        layout.frame.x0 / layout::PT_PER_MM,
        (layout.page_h - layout.frame.y1) / layout::PT_PER_MM,
        fw,
        fh
    );
    let extent_hdr = placed.crs_box.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>().join(",");
    Ok(PrintedMap {
        document: Issued { code, pdf: rendered.pdf, sha256: rendered.sha256 },
        frame_header: frame_hdr,
        extent_header: extent_hdr,
        scale_factor: placed.k,
    })
}

/// The rasters of a print read for its frame, at [`PRINT_RASTER_DPI`] (less when the frame is
/// too big for [`crate::rasters::MAX_READ_PX`]), and their titles in the print's language. A
/// raster the caller may not read is refused exactly like an unknown one (400).
async fn print_rasters(
    ctx: &PrintContext,
    caller: &Caller,
    p: &super::plan::PrintPlan,
    crs_box: [f64; 4],
    frame_mm: (f64, f64),
) -> Result<(Vec<crate::render::RgbaImage>, Vec<String>), ApiError> {
    let elang = p.lang.primary();
    let mut found = Vec::new();
    let mut unknown = Vec::new();
    for id in &p.rasters {
        match ctx.rasters.get_readable(caller, id).await.map_err(|e| ApiError::internal(elang, e))? {
            Some(def) => found.push(def),
            None => unknown.push(id.as_str()),
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::bad_request(elang, format!("unknown rasters: {}", unknown.join(", ")))
            .with_details(json!(
                unknown
                    .iter()
                    .map(|id| json!({"field": "rasters", "value": id, "problem": "unknown raster"}))
                    .collect::<Vec<_>>()
            )));
    }
    let max = f64::from(crate::rasters::MAX_READ_PX);
    let dpi = PRINT_RASTER_DPI.min(max / (frame_mm.0.max(frame_mm.1) / 25.4));
    let (w, h) = ((frame_mm.0 / 25.4 * dpi).round() as u32, (frame_mm.1 / 25.4 * dpi).round() as u32);
    let mut images = Vec::new();
    let mut titles = Vec::new();
    for def in found {
        let read = ctx.rasters.read(&def.id, p.crs.srid, crs_box, w.max(1), h.max(1));
        if let Some(pixmap) = read.await.map_err(|e| ApiError::internal(elang, e))?
            && let Some(image) = crate::render::RgbaImage::new(
                pixmap.width(),
                pixmap.height(),
                crate::render::to_rgba(&pixmap),
            )
        {
            images.push(image);
            titles.push(p.lang.pick(&def.title));
        }
    }
    Ok((images, titles))
}

/// A data layer as read for a print, before its geometries are decoded.
#[derive(Debug, Clone)]
pub struct RawLayer {
    pub id: String,
    pub title: String,
    pub features: Vec<RawFeature>,
}

/// Layers ready to draw (CPU work: in a blocking thread).
pub fn decode_layers(raw: Vec<RawLayer>) -> Vec<LayerData> {
    raw.into_iter()
        .map(|l| LayerData { id: l.id, title: l.title, features: store::decode_features(l.features) })
        .collect()
}

/// The features of the layers the style draws at zoom `z`, inside a frame, as the caller may see
/// them (the one policy's feature scope): at most `print_connections` layers are read at once,
/// in the style's order.
#[allow(clippy::too_many_arguments)]
pub async fn layer_data(
    ctx: &PrintContext,
    caller: &Caller,
    style: &PrintStyle,
    layers: &[Arc<LayerDef>],
    z: f64,
    crs: PrintCrs,
    crs_box: [f64; 4],
    tolerance: f64,
    lang: DocLang,
) -> sqlx::Result<Vec<RawLayer>> {
    let at_once = ctx.print_connections.max(1);
    let fetches: Vec<_> = layers
        .iter()
        .filter(|l| style.for_layer(&l.id, z).next().is_some())
        .map(|l| {
            let scope = feature_scope(caller, l);
            let (pool, l) = (ctx.pool.clone(), Arc::clone(l));
            let title = lang.pick(&l.title);
            async move {
                store::features_in_frame(&pool, &l, &scope, crs, crs_box, tolerance)
                    .await
                    .map(|features| RawLayer { id: l.id.clone(), title, features })
            }
        })
        .collect();
    futures_util::stream::iter(fetches).buffered(at_once).try_collect().await
}

/// Journals the issue (or the copy, for a passport served again from its record) of a document.
#[allow(clippy::too_many_arguments)]
pub async fn journal_issue(
    pool: &PgPool,
    issuer: &Issuer,
    code: &str,
    kind: &str,
    title: &str,
    subject: &Value,
    doc: &Rendered,
    op: &str,
) {
    crate::auth::journal::record(
        pool,
        "document",
        issuer.login.as_deref(),
        None,
        Some(code),
        "ok",
        json!({"op": op, "kind": kind, "title": title, "sha256": doc.sha256, "size": doc.pdf.len(), "subject": subject}),
    )
    .await;
}

/// What a content-keyed document (a passport, a decision) is recorded as.
#[derive(Debug)]
pub struct KeyedRecord<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub subject: &'a Value,
    pub issuer: &'a Issuer,
    /// The SHA-256 of everything the page shows but its code and time.
    pub key: &'a str,
}

/// Records a content-keyed document drawn as `rendered` with `code` and `issued` (the existing
/// record's, when `existing` holds one): the same file as the record gives the record again (a
/// copy); a file that differs, or a new content, gets a record of its own (drawn again with a new
/// code when a record existed). When another request recorded the same content meanwhile, this
/// document is recorded without the key. The render turn is given back before the database work.
#[allow(clippy::too_many_arguments)]
pub async fn record_keyed<F, Fut>(
    ctx: &PrintContext,
    lang: Lang,
    rec: &KeyedRecord<'_>,
    existing: Option<store::DocumentRecord>,
    (code, issued, rendered): (String, chrono::DateTime<chrono::Utc>, Rendered),
    turn: tokio::sync::OwnedSemaphorePermit,
    redraw: F,
) -> Result<Issued, ApiError>
where
    F: FnOnce(String, chrono::DateTime<chrono::Utc>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Rendered>>,
{
    let had_record = existing.is_some();
    if let Some(d) = existing {
        if d.sha256 == rendered.sha256 {
            drop(turn);
            journal_issue(
                &ctx.pool,
                rec.issuer,
                &d.code,
                rec.kind,
                rec.title,
                rec.subject,
                &rendered,
                "copy",
            )
            .await;
            return Ok(Issued { code: d.code, pdf: rendered.pdf, sha256: rendered.sha256 });
        }
        tracing::warn!(code = %d.code, kind = rec.kind, "a document drawn again from its record differs from it; recording a new one");
    }
    let (code, issued, rendered) = if had_record {
        let code = super::new_code();
        let issued = chrono::Utc::now();
        let r = redraw(code.clone(), issued).await.map_err(|e| ApiError::internal(lang, e))?;
        (code, issued, r)
    } else {
        (code, issued, rendered)
    };
    drop(turn);
    let mut doc = NewDocument {
        code: &code,
        kind: rec.kind,
        sha256: &rendered.sha256,
        size: rendered.pdf.len(),
        title: rec.title,
        subject: rec.subject,
        issuer: rec.issuer,
        issued_at: issued,
        content_key: (!had_record).then_some(rec.key),
    };
    let recorded = store::record_document(&ctx.pool, &doc).await.map_err(|e| ApiError::database(lang, e))?;
    if !recorded {
        doc.content_key = None;
        store::record_document(&ctx.pool, &doc).await.map_err(|e| ApiError::database(lang, e))?;
    }
    journal_issue(&ctx.pool, rec.issuer, &code, rec.kind, rec.title, rec.subject, &rendered, "issue").await;
    Ok(Issued { code, pdf: rendered.pdf, sha256: rendered.sha256 })
}
