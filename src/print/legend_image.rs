//! A legend as an image (pure; WMS `GetLegendGraphic`, the web): the same entries and swatches
//! as a print's legend ([`super::legend`], [`super::legend_draw`]) drawn on a
//! [`RasterSurface`] in one column, one row per class (a title row per layer when there are
//! several), sized to its content and bounded.

use std::path::Path;

use tiny_skia::Pixmap;

use super::layout::Box2;
use super::legend::{LegendGroup, Shown, map_legend};
use super::legend_draw::{self, LINE, SWATCH_W};
use super::legend_layout::{self, Item};
use super::raster::RasterSurface;
use super::style::{PrintStyle, Rgba};
use super::surface::Surface;
use super::texts::DocLang;
use crate::layers::catalog::LayerDef;

/// Surface pixels per point of the print's legend at pixel ratio 1: text of 6.5 pt is ~10 px.
const PX_PER_PT: f64 = 1.5;
/// The widest label, pt (longer ones are wrapped).
const MAX_LABEL_W: f64 = 160.0;
/// Rows an image holds at most (a legend with more is refused, never cut).
pub const MAX_ROWS: usize = 300;
/// Padding around the rows, pt.
const PAD: f64 = 3.0;

/// What a legend image shows.
#[derive(Debug, Clone, Copy)]
pub struct LegendImage<'a> {
    pub style: &'a PrintStyle,
    /// The style zoom (from the map's scale).
    pub zoom: f64,
    /// The layers, each with every class of the style ([`Shown::All`]) or only the classes of the
    /// features it shows in a frame ([`Shown::Features`]).
    pub layers: &'a [(&'a LayerDef, Shown<'a>)],
    pub lang: DocLang,
    /// Pixels per CSS pixel: 1, 2 (`@2x`) … at most 4.
    pub ratio: f64,
    /// DejaVu Sans (the print fonts).
    pub fonts_dir: &'a Path,
    /// Transparent when `None`.
    pub background: Option<Rgba>,
}

/// The legend of `req.layers` as an image: one row per class with its swatch and label, a title
/// row per layer when there are several. A layer with nothing to show gives no rows; an image
/// without rows is one line high and empty. More than [`MAX_ROWS`] rows, or a ratio beyond 4, is
/// an error.
pub fn legend_image(req: &LegendImage<'_>) -> anyhow::Result<Pixmap> {
    let groups = map_legend(req.style, req.zoom, req.layers, req.lang);
    draw_groups(&groups, req.ratio, req.fonts_dir, req.background)
}

/// Draws legend groups as an image (see [`legend_image`]).
pub fn draw_groups(
    groups: &[LegendGroup],
    ratio: f64,
    fonts_dir: &Path,
    background: Option<Rgba>,
) -> anyhow::Result<Pixmap> {
    anyhow::ensure!(ratio > 0.0 && ratio <= 4.0, "pixel ratio {ratio} out of 0-4");
    let k = PX_PER_PT * ratio;
    let mut measure = RasterSurface::new(1, 1, ratio, fonts_dir)?;
    let mut items: Vec<Item> = legend_layout::items(groups, |t, title| {
        legend_draw::lines(&mut measure, k, t, title, MAX_LABEL_W + SWATCH_W).len()
    });
    if groups.len() == 1 {
        items.retain(|it| it.entry.is_some());
    }
    anyhow::ensure!(items.len() <= MAX_ROWS, "a legend of {} rows, more than {MAX_ROWS}", items.len());
    let mut width: f64 = 0.0;
    for it in &items {
        let g = &groups[it.group];
        let (text, title) = match it.entry {
            None => (&g.title, true),
            Some(e) => (&g.entries[e].label, false),
        };
        let lines = legend_draw::lines(&mut measure, k, text, title, MAX_LABEL_W + SWATCH_W);
        let style = if title { legend_draw::title_style(k) } else { legend_draw::item_style(k) };
        let room = if title { 0.0 } else { SWATCH_W * k };
        for l in &lines {
            width = width.max(room + measure.text_width(l, &style));
        }
    }
    let rows: usize = items.iter().map(|it| it.lines).sum::<usize>().max(1);
    let w = (width + 2.0 * PAD * k).ceil().clamp(1.0, 4096.0) as u32;
    let h = (rows as f64 * LINE * k + 2.0 * PAD * k).ceil().clamp(1.0, 16384.0) as u32;
    let mut s = RasterSurface::new(w, h, ratio, fonts_dir)?;
    if let Some(bg) = background {
        s.fill_rect(Box2 { x0: 0.0, y0: 0.0, x1: f64::from(w), y1: f64::from(h) }, bg);
    }
    let mut line = 0;
    for it in &items {
        let y = f64::from(h) - PAD * k - (line + 1) as f64 * LINE * k;
        legend_draw::draw_item(&mut s, k, (PAD * k, y), groups, it, it.lines, MAX_LABEL_W + SWATCH_W);
        line += it.lines;
    }
    Ok(s.into_pixmap())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::catalog::load_dir;

    fn fonts() -> std::path::PathBuf {
        std::path::PathBuf::from("/usr/share/fonts/truetype/dejavu")
    }

    /// Vertical runs of drawn pixels in column `x` (rows from the top).
    fn runs(p: &Pixmap, x: u32) -> usize {
        let mut n = 0;
        let mut inside = false;
        for y in 0..p.height() {
            let a = p.pixel(x, y).map_or(0, |c| c.alpha());
            if a > 128 && !inside {
                n += 1;
            }
            inside = a > 128;
        }
        n
    }

    #[test]
    fn one_swatch_row_per_class() {
        let text = std::fs::read_to_string("styles/qala.json").unwrap_or_default();
        let style = PrintStyle::parse(&serde_json::from_str(&text).unwrap_or_default(), "name_ru");
        let layers = load_dir(Path::new("layers")).unwrap_or_default();
        let buildings = layers.iter().find(|l| l.id == "buildings").expect("buildings");
        let list = [(buildings, Shown::All)];
        let req = LegendImage {
            style: &style,
            zoom: 16.0,
            layers: &list,
            lang: DocLang::Ru,
            ratio: 1.0,
            fonts_dir: &fonts(),
            background: None,
        };
        let img = legend_image(&req).expect("image");
        let _ = std::fs::create_dir_all("target/artifacts/legends");
        let _ = img.save_png("target/artifacts/legends/buildings-legend.png");
        // The swatches' column: as many runs as the four declared uses.
        let x = (PAD * PX_PER_PT + 3.0 * super::super::layout::PT_PER_MM * PX_PER_PT) as u32;
        assert_eq!(runs(&img, x), 4);
        assert!(img.height() as f64 >= 4.0 * LINE * PX_PER_PT);
        // Twice the pixels at ratio 2, the same rows.
        let big = legend_image(&LegendImage { ratio: 2.0, ..req }).expect("image");
        assert!(big.width() >= 2 * img.width() - 2 && big.width() <= 2 * img.width() + 2);
        assert_eq!(runs(&big, 2 * x), 4);
        // With the features of a frame: only the class drawn.
        let f = crate::print::map::PrintFeature {
            id: 1,
            props: serde_json::json!({"use": "public"}).as_object().cloned().unwrap_or_default(),
            geom: geo::Geometry::Polygon(geo::Polygon::new(
                geo::LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]),
                vec![],
            )),
        };
        let refs = [&f];
        let list = [(buildings, Shown::Features { features: &refs, frame: None })];
        let one = legend_image(&LegendImage { layers: &list, ..req }).expect("image");
        assert_eq!(runs(&one, x), 1);
        assert!(one.height() < img.height());
        assert!(legend_image(&LegendImage { ratio: 9.0, ..req }).is_err());
    }
}
