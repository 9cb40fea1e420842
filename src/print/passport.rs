//! The passport of one object (`GET /api/layers/{id}/items/{fid}/passport.pdf`): its data read
//! under the one access policy, drawn by [`super::passport_page`], recorded once per content.
//!
//! Every GET of the same object would otherwise add a document record. A passport's content is
//! keyed by a SHA-256 over everything the page shows but its code and moment: the object (its
//! version, attributes, KATO unit, geometry), the inset's features as the caller sees them, the
//! photos (by their content hashes), the layer file, the style, the document's language, the
//! issuer and the verification address. A request whose key has a live record gets that record's
//! document again: it is drawn with the recorded code and moment, and it is the same file (its
//! hash is checked against the record; should it differ, a new record is made). A new version
//! of the object, a changed neighbour, another photo or another issuer make a new record.

use std::sync::Arc;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::issue::{self, Issued, PrintContext, RawLayer};
use super::layout::{self, Box2, PT_PER_MM, Paper};
use super::passport_page::{INSET_H, MARGIN, PassportPage, Photo};
use super::store::{self, Issuer, PRINT_CRS};
use super::texts::{DocLang, Word};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::{Lang, Msg};
use crate::layers::catalog::LayerDef;
use crate::policy::FeatureScope;

/// Changes whenever what a passport shows for the same data changes (new records then).
const PAGE_VERSION: &str = "passport-2";

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

/// The object's name (or address) for the title.
fn object_title(layer: &LayerDef, attrs: &Value, fid: i64, lang: DocLang) -> String {
    let name = ["name_kk", "name_ru", "name", "address_kk", "address_ru", "address"]
        .iter()
        .filter_map(|k| attrs.get(*k).and_then(Value::as_str))
        .take(2)
        .collect::<Vec<_>>()
        .join(" / ");
    // Objects without a name are known by their address.
    let name = if name.is_empty() {
        [attrs.get("street"), attrs.get("house_number")]
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        name
    };
    if name.is_empty() {
        format!("{} #{fid}", lang.pick(&layer.title))
    } else {
        format!("{} — {name}", lang.pick(&layer.title))
    }
}

/// How the issuer is printed and shown publicly: its organisation and department, never its login.
pub(crate) fn issued_by_text(issuer: &Issuer, lang: DocLang) -> String {
    match (&issuer.login, &issuer.unit) {
        (None, _) => lang.word(Word::Anonymous),
        (Some(_), Some(unit)) => unit.clone(),
        (Some(_), None) => lang.word(Word::RegisteredUser),
    }
}

/// What a passport is drawn from, before its features are decoded.
struct Gathered {
    page: PassportPage,
    raw: Vec<RawLayer>,
    own: Vec<store::RawFeature>,
    style_digest: String,
    issuer: Issuer,
    verify_base: String,
}

/// The content key: SHA-256 over everything the page shows but its code and moment.
fn content_key(g: &Gathered) -> String {
    let p = &g.page;
    let f = &p.feature;
    let mut h = Sha256::new();
    let head = json!({
        "page": PAGE_VERSION, "qala": env!("CARGO_PKG_VERSION"), "lang": p.lang.tag(),
        "layer": &*p.layer, "fid": p.fid, "title": p.title,
        "feature": {"attrs": f.attrs, "version": f.version, "updated_at": f.updated_at, "updated_by": f.updated_by,
                    "kato": f.kato, "kato_names": f.kato_names, "bbox": f.bbox, "area": f.area_m2,
                    "length": f.length_m, "point": [f.point.0, f.point.1]},
        "scale": p.scale, "z": p.z, "crs_box": p.crs_box, "georef": format!("{:?}", p.georef),
        "style": g.style_digest, "fonts": p.fonts_dir, "issuer": [&g.issuer.login, &g.issuer.unit],
        "verify": g.verify_base,
        "photos": p.photos.iter().map(|ph| [&ph.sha256, &ph.name]).collect::<Vec<_>>(),
    });
    h.update(head.to_string().as_bytes());
    let own = RawLayer { id: String::new(), title: String::new(), features: g.own.clone() };
    for l in g.raw.iter().chain(std::iter::once(&own)) {
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

pub async fn render(
    ctx: &PrintContext,
    caller: &Caller,
    lang: Lang,
    layer: &Arc<LayerDef>,
    scope: &FeatureScope,
    fid: i64,
) -> Result<Issued, ApiError> {
    let turn = ctx.render.enter(lang).await?;
    let g = gather(ctx, caller, lang, layer, scope, fid).await?;
    let (g, key) = tokio::task::spawn_blocking(move || {
        let key = content_key(&g);
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
    let page = Arc::new(decode(g).await.map_err(|e| ApiError::internal(lang, e))?);
    let rendered = draw(&page, &code, issued, &verify_base).await.map_err(|e| ApiError::internal(lang, e))?;
    let subject = json!({"layer": layer.id, "feature": fid, "version": page.feature.version});
    let title = format!("{} {}/{fid}", DocLang::KkRu.word(Word::Passport), layer.id);
    let rec =
        issue::KeyedRecord { kind: "passport", title: &title, subject: &subject, issuer: &issuer, key: &key };
    let redraw = |code: String, issued| {
        let (page, verify_base) = (page.clone(), verify_base.clone());
        async move { draw(&page, &code, issued, &verify_base).await }
    };
    issue::record_keyed(ctx, lang, &rec, existing, (code, issued, rendered), turn, redraw).await
}

/// Reads what the passport shows, as the caller may see it.
async fn gather(
    ctx: &PrintContext,
    caller: &Caller,
    lang: Lang,
    layer: &Arc<LayerDef>,
    scope: &FeatureScope,
    fid: i64,
) -> Result<Gathered, ApiError> {
    let doc_lang = DocLang::KkRu;
    let db = |e| ApiError::database(lang, e);
    let f = store::passport_feature(&ctx.pool, &layer.id, fid)
        .await
        .map_err(db)?
        .ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    // The inset: Web Mercator, centred on the object, at the offered scale it fits.
    let page_w = Paper::A4.portrait_mm().0 * PT_PER_MM;
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
    let placed = store::place_frame(&ctx.pool, crs, center, scale, inset_box, inset_mm).await.map_err(db)?;
    let (style, style_digest) = issue::load_style(&ctx.styles_dir, doc_lang)?;
    let z = layout::style_zoom(scale, lat);
    let layers = issue::printable_layers(&style, ctx.catalog.readable_all(caller).cloned().collect());
    let tolerance = 0.000_05 * scale * placed.k;
    let raw = issue::layer_data(ctx, caller, &style, &layers, z, crs, placed.crs_box, tolerance, doc_lang)
        .await
        .map_err(db)?;
    // The object to outline: from the inset's data when its layer is drawn at this scale, else
    // read for the outline alone.
    let own: Vec<store::RawFeature> = match raw.iter().find(|d| d.id == layer.id) {
        Some(d) => d.features.iter().filter(|x| x.id == fid).cloned().collect(),
        None => store::features_in_frame(&ctx.pool, layer, scope, crs, placed.crs_box, tolerance)
            .await
            .map_err(db)?
            .into_iter()
            .filter(|x| x.id == fid)
            .collect(),
    };
    let photos = store::passport_photos(&ctx.pool, &layer.id, fid)
        .await
        .map_err(db)?
        .into_iter()
        .map(|(sha, name, _media)| Photo {
            path: crate::features::attachments::stored_path(&ctx.attachments_dir, &sha),
            sha256: sha,
            name,
        })
        .collect();
    let issuer = store::issuer(&ctx.pool, caller.principal().map(|p| p.login.as_str())).await.map_err(db)?;
    let page = PassportPage {
        layer: Arc::clone(layer),
        fid,
        title: object_title(layer, &f.attrs, fid, doc_lang),
        feature: f,
        lang: doc_lang,
        scale,
        z,
        crs_box: placed.crs_box,
        georef: placed.georef,
        style,
        data: Vec::new(),
        own: super::map::LayerData { id: layer.id.clone(), title: String::new(), features: Vec::new() },
        photos,
        issued_by: issued_by_text(&issuer, doc_lang),
        fonts_dir: ctx.fonts_dir.clone(),
    };
    let verify_base = ctx.public_url.clone();
    Ok(Gathered { page, raw, own, style_digest, issuer, verify_base })
}

/// Decodes the gathered features into the page (blocking thread).
async fn decode(g: Gathered) -> anyhow::Result<PassportPage> {
    tokio::task::spawn_blocking(move || {
        let mut page = g.page;
        page.data = issue::decode_layers(g.raw);
        page.own.features = store::decode_features(g.own);
        page
    })
    .await
    .map_err(anyhow::Error::from)
}

/// Draws the page with a code and moment, and hashes it (blocking thread).
async fn draw(
    page: &Arc<PassportPage>,
    code: &str,
    issued: chrono::DateTime<chrono::Utc>,
    verify_base: &str,
) -> anyhow::Result<issue::Rendered> {
    let (page, code) = (Arc::clone(page), code.to_string());
    let verify_url = format!("{verify_base}/verify/{code}");
    tokio::task::spawn_blocking(move || {
        super::passport_page::draw(&page, &code, issued, &verify_url).map(issue::Rendered::of)
    })
    .await?
}
