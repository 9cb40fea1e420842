//! The output document of a decided application (`GET /api/applications/{id}/document.pdf`):
//! its content from [`crate::applications::document`], drawn by [`super::decision_page`] with a
//! map of the site at the offered scale it fits (true at its centre, as a passport's inset),
//! recorded in `documents` as kind `decision` once per content and verifiable at `/verify/{code}`.
//!
//! The content key is a SHA-256 over everything the page shows but its code and moment: the
//! application (id, number, version, template), the filled texts, the overlay lines, the site,
//! the map's layers as the caller sees them, the style, the issuer and the verification address.
//! A request whose key has a live record gets that record's document again (same code and
//! moment, the same file; should it differ, a new record is made), as passports do.

use geo::{BoundingRect, Geometry, MapCoords};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::decision_page::{DecisionPage, PageText, SiteMap};
use super::issue::{self, Issued, PrintContext, RawLayer};
use super::layout::{self, Box2};
use super::store::{self, Issuer, PRINT_CRS};
use super::texts::{DocLang, Word};
use crate::applications::document::DecisionDoc;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::Lang;

/// Changes whenever what a decision document shows for the same data changes.
const PAGE_VERSION: &str = "decision-1";

/// Web Mercator (EPSG:3857) of a WGS84 point.
fn mercator(lon: f64, lat: f64) -> (f64, f64) {
    let r = 6_378_137.0;
    let lat = lat.clamp(-85.06, 85.06);
    (r * lon.to_radians(), r * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln())
}

/// The document's language: both when it has Kazakh and Russian texts, else its one language.
fn doc_lang(doc: &DecisionDoc) -> DocLang {
    match doc.texts.as_slice() {
        [one] => DocLang::from_lang(one.lang),
        _ => DocLang::KkRu,
    }
}

/// The overlay's lines as printed: the district, each zone with its share, each network with its
/// distance (layer titles from the catalog in the document's language).
fn overlay_lines(ctx: &PrintContext, doc: &DecisionDoc, l: DocLang) -> Vec<(String, String)> {
    let title =
        |layer: &str| ctx.catalog.get(layer).map(|d| l.pick(&d.title)).unwrap_or_else(|| layer.to_string());
    let mut out = Vec::new();
    let o = &doc.overlay;
    if let Some(d) = &o.district {
        out.push((l.word(Word::District), format!("{} ({})", l.pick(&d.name), d.code)));
    }
    for z in &o.zones {
        out.push((
            format!("{}: {}", l.word(Word::Zone), title(&z.layer)),
            format!(
                "{} = {} · {} {:.1} %",
                z.attribute,
                z.value.as_deref().unwrap_or("—"),
                l.word(Word::Share),
                z.share * 100.0
            ),
        ));
    }
    for n in &o.networks {
        out.push((
            format!("{}: {}", l.word(Word::Network), title(&n.layer)),
            format!(
                "{} #{} · {} {:.1} {}",
                n.value.as_deref().unwrap_or("—"),
                n.feature,
                l.word(Word::Distance),
                n.distance_m,
                l.word(Word::M)
            ),
        ));
    }
    out
}

/// What a decision document is drawn from, before its features are decoded.
struct Gathered {
    page: DecisionPage,
    raw: Vec<RawLayer>,
    style_digest: String,
    issuer: Issuer,
    verify_base: String,
}

fn content_key(doc: &DecisionDoc, g: &Gathered) -> String {
    let p = &g.page;
    let mut h = Sha256::new();
    let map = p.map.as_ref().map(
        |m| json!({"scale": m.scale, "z": m.z, "crs_box": m.crs_box, "georef": format!("{:?}", m.georef)}),
    );
    let head = json!({
        "page": PAGE_VERSION, "qala": env!("CARGO_PKG_VERSION"), "lang": p.lang.tag(),
        "application": doc.application, "number": doc.number, "version": doc.version,
        "template": doc.outcome.tag(), "service": [&doc.service_id, doc.service_version],
        "title": p.service_title, "texts": p.texts.iter().map(|t| [&t.title, &t.body]).collect::<Vec<_>>(),
        "overlay": p.overlay, "site": doc.site, "map": map, "style": g.style_digest,
        "fonts": p.fonts_dir, "issuer": [&g.issuer.login, &g.issuer.unit], "issued_by": p.issued_by,
        "verify": g.verify_base,
    });
    h.update(head.to_string().as_bytes());
    for l in &g.raw {
        h.update(format!("\nlayer {} {} {}\n", l.id.len(), l.id, l.title).as_bytes());
        for r in &l.features {
            let attrs = r.attrs.to_string();
            h.update(format!("{} {} {} ", r.id, attrs.len(), r.wkb.len()).as_bytes());
            h.update(attrs.as_bytes());
            h.update(&r.wkb);
        }
    }
    hex::encode(h.finalize())
}

/// Reads the map of the site and the issuer, as the caller may see them.
async fn gather(
    ctx: &PrintContext,
    caller: &Caller,
    lang: Lang,
    doc: &DecisionDoc,
) -> Result<Gathered, ApiError> {
    let l = doc_lang(doc);
    let db = |e| ApiError::database(lang, e);
    let site: Option<Geometry<f64>> = doc.site.as_ref().and_then(|s| {
        use geozero::ToGeo;
        geozero::geojson::GeoJsonString(s.to_string()).to_geo().ok()
    });
    let (style, style_digest) = issue::load_style(&ctx.styles_dir, l)?;
    let mut raw = Vec::new();
    let mut map = None;
    if let Some(site) = site
        && let Some(bbox) = site.bounding_rect()
    {
        let (w, s, e, n) = (bbox.min().x, bbox.min().y, bbox.max().x, bbox.max().y);
        let lat = (s + n) / 2.0;
        // At least 20 m around a point.
        let ground =
            (((e - w) * 111_320.0 * lat.to_radians().cos()).max(20.0), ((n - s) * 110_574.0).max(20.0));
        let inset_mm = super::decision_page::inset_mm();
        let scale = super::passport::fitting_scale(ground, inset_mm) as f64;
        let crs = PRINT_CRS[0];
        let inset_box = Box2 { x0: 0.0, y0: 0.0, x1: inset_mm.0, y1: inset_mm.1 };
        let placed = store::place_frame(&ctx.pool, crs, ((w + e) / 2.0, lat), scale, inset_box, inset_mm)
            .await
            .map_err(db)?;
        let z = layout::style_zoom(scale, lat);
        let layers = issue::printable_layers(&style, ctx.catalog.readable_all(caller).cloned().collect());
        let tolerance = 0.000_05 * scale * placed.k;
        raw = issue::layer_data(ctx, caller, &style, &layers, z, crs, placed.crs_box, tolerance, l)
            .await
            .map_err(db)?;
        let site = site.map_coords(|c| {
            let (x, y) = mercator(c.x, c.y);
            geo::Coord { x, y }
        });
        map = Some(SiteMap {
            scale,
            z,
            crs_box: placed.crs_box,
            georef: placed.georef,
            style,
            data: Vec::new(),
            site,
        });
    }
    let issuer = store::issuer(&ctx.pool, caller.principal().map(|p| p.login.as_str())).await.map_err(db)?;
    let page = DecisionPage {
        lang: l,
        service_title: doc.service_title.join(" / "),
        number: doc.number.clone(),
        texts: doc.texts.iter().map(|t| PageText { title: t.title.clone(), body: t.body.clone() }).collect(),
        overlay: overlay_lines(ctx, doc, l),
        map,
        issued_by: super::passport::issued_by_text(&issuer, l),
        fonts_dir: ctx.fonts_dir.clone(),
    };
    Ok(Gathered { page, raw, style_digest, issuer, verify_base: ctx.public_url.clone() })
}

/// Draws (a turn of the render gate held; 503 with `Retry-After` when none comes in time),
/// records once per content and journals the output document of an application.
pub async fn render(
    ctx: &PrintContext,
    caller: &Caller,
    lang: Lang,
    doc: &DecisionDoc,
) -> Result<Issued, ApiError> {
    let turn = ctx.render.enter(lang).await?;
    let g = gather(ctx, caller, lang, doc).await?;
    let doc2 = doc.clone();
    let (mut g, key) = tokio::task::spawn_blocking(move || {
        let key = content_key(&doc2, &g);
        (g, key)
    })
    .await
    .map_err(|e| ApiError::internal(lang, e))?;
    let existing =
        store::document_by_content(&ctx.pool, &key).await.map_err(|e| ApiError::database(lang, e))?;
    let (code, issued) = match &existing {
        Some(d) => (d.code.clone(), d.issued_at),
        None => (super::new_code(), chrono::Utc::now()),
    };
    let (issuer, verify_base) = (g.issuer.clone(), g.verify_base.clone());
    let raw = std::mem::take(&mut g.raw);
    let page = with_map(g.page, raw, lang).await?;
    let rendered = draw(&page, &code, issued, &verify_base).await.map_err(|e| ApiError::internal(lang, e))?;
    let langs: Vec<&str> = doc.texts.iter().map(|t| t.lang.tag()).collect();
    let subject = json!({
        "application": doc.application, "number": doc.number, "version": doc.version,
        "template": doc.outcome.tag(), "service": doc.service_id, "languages": langs,
    });
    let title = format!(
        "{} — {} № {}",
        page.texts.first().map(|t| t.title.as_str()).unwrap_or(""),
        page.lang.word(Word::Application),
        doc.number
    );
    let rec =
        issue::KeyedRecord { kind: "decision", title: &title, subject: &subject, issuer: &issuer, key: &key };
    let redraw = |code: String, issued| {
        let (page, verify_base) = (page.clone(), verify_base.clone());
        async move { draw(&page, &code, issued, &verify_base).await }
    };
    issue::record_keyed(ctx, lang, &rec, existing, (code, issued, rendered), turn, redraw).await
}

/// The page with its map's layers decoded (blocking thread).
async fn with_map(
    mut page: DecisionPage,
    raw: Vec<RawLayer>,
    lang: Lang,
) -> Result<std::sync::Arc<DecisionPage>, ApiError> {
    tokio::task::spawn_blocking(move || {
        if let Some(m) = &mut page.map {
            m.data = issue::decode_layers(raw);
        }
        std::sync::Arc::new(page)
    })
    .await
    .map_err(|e| ApiError::internal(lang, e))
}

/// The code a preview carries instead of a record's: it verifies nothing.
pub const PREVIEW_CODE: &str = "PREVIEW";

/// The document as it would be issued, for the executor to read before deciding: drawn the same
/// way, with [`PREVIEW_CODE`] for its code, and neither recorded nor journalled as issued.
pub async fn render_preview(
    ctx: &PrintContext,
    caller: &Caller,
    lang: Lang,
    doc: &DecisionDoc,
) -> Result<Vec<u8>, ApiError> {
    let _turn = ctx.render.enter(lang).await?;
    let mut g = gather(ctx, caller, lang, doc).await?;
    let raw = std::mem::take(&mut g.raw);
    let page = with_map(g.page, raw, lang).await?;
    let rendered = draw(&page, PREVIEW_CODE, chrono::Utc::now(), &g.verify_base)
        .await
        .map_err(|e| ApiError::internal(lang, e))?;
    Ok(rendered.pdf)
}

/// Draws the page with a code and moment, and hashes it (blocking thread).
async fn draw(
    page: &std::sync::Arc<DecisionPage>,
    code: &str,
    issued: chrono::DateTime<chrono::Utc>,
    verify_base: &str,
) -> anyhow::Result<issue::Rendered> {
    let (page, code) = (std::sync::Arc::clone(page), code.to_string());
    let verify_url = format!("{verify_base}/verify/{code}");
    tokio::task::spawn_blocking(move || {
        super::decision_page::draw(&page, &code, issued, &verify_url).map(issue::Rendered::of)
    })
    .await?
}
