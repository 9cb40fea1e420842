//! Paper, page layout and scale arithmetic of a print (pure). Lengths on paper are in millimetres
//! or PDF points (1/72 inch); the page's origin is its lower left corner, as in PDF.

use serde::{Deserialize, Serialize};

/// Points per millimetre.
pub const PT_PER_MM: f64 = 72.0 / 25.4;
/// Printable scales (the denominators): 1:500 … 1:500,000.
pub const MIN_SCALE: f64 = 500.0;
pub const MAX_SCALE: f64 = 500_000.0;
/// The scales offered in the print dialog.
pub const SCALES: [u32; 10] = [500, 1000, 2000, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000];

/// Margin around the page's content, mm.
const MARGIN_MM: f64 = 10.0;
/// Height of the title band above the map, mm.
const TITLE_MM: f64 = 14.0;
/// Height of the band under the map (legend, scale, north arrow, QR code), mm.
const FOOTER_MM: f64 = 36.0;

/// ISO 216 paper sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Paper {
    A4,
    A3,
    A2,
    A1,
}

impl Paper {
    pub const ALL: [Paper; 4] = [Paper::A4, Paper::A3, Paper::A2, Paper::A1];

    /// Width and height in portrait, mm.
    pub fn portrait_mm(self) -> (f64, f64) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::A3 => (297.0, 420.0),
            Paper::A2 => (420.0, 594.0),
            Paper::A1 => (594.0, 841.0),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Paper::A4 => "A4",
            Paper::A3 => "A3",
            Paper::A2 => "A2",
            Paper::A1 => "A1",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    Portrait,
    #[default]
    Landscape,
}

/// A rectangle on the page, in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Box2 {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Box2 {
    pub fn w(&self) -> f64 {
        self.x1 - self.x0
    }
    pub fn h(&self) -> f64 {
        self.y1 - self.y0
    }
}

/// Where things go on a print page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageLayout {
    pub page_w: f64,
    pub page_h: f64,
    /// The map frame.
    pub frame: Box2,
    /// The title band above the frame.
    pub title: Box2,
    /// The band under the frame.
    pub footer: Box2,
}

impl PageLayout {
    pub fn new(paper: Paper, orientation: Orientation) -> PageLayout {
        let (pw, ph) = paper.portrait_mm();
        let (w, h) = match orientation {
            Orientation::Portrait => (pw, ph),
            Orientation::Landscape => (ph, pw),
        };
        let m = MARGIN_MM * PT_PER_MM;
        let (page_w, page_h) = (w * PT_PER_MM, h * PT_PER_MM);
        let footer = Box2 { x0: m, y0: m, x1: page_w - m, y1: m + FOOTER_MM * PT_PER_MM };
        let title = Box2 { x0: m, y0: page_h - m - TITLE_MM * PT_PER_MM, x1: page_w - m, y1: page_h - m };
        let frame =
            Box2 { x0: m, y0: footer.y1 + 2.0 * PT_PER_MM, x1: page_w - m, y1: title.y0 - 2.0 * PT_PER_MM };
        PageLayout { page_w, page_h, frame, title, footer }
    }

    /// The map frame's width and height in millimetres.
    pub fn frame_mm(&self) -> (f64, f64) {
        (self.frame.w() / PT_PER_MM, self.frame.h() / PT_PER_MM)
    }
}

/// The MapLibre zoom (512-pixel tiles) whose ground resolution matches a print at `scale` with
/// 1 CSS pixel = 0.75 pt, at latitude `lat` (degrees): the style's zoom-dependent widths and
/// visibility then look on paper as on a screen showing the same ground resolution.
///
/// ```
/// let z = qala::print::layout::style_zoom(2000.0, 43.24);
/// assert!((z - 16.7).abs() < 0.1);
/// ```
pub fn style_zoom(scale: f64, lat: f64) -> f64 {
    let metres_per_px_z0 = 2.0 * std::f64::consts::PI * 6_378_137.0 / 512.0;
    let ground_per_px = scale * 0.75 / PT_PER_MM / 1000.0;
    (metres_per_px_z0 * lat.to_radians().cos() / ground_per_px).log2()
}

/// A scale bar: its ground length (m) as 1, 2 or 5 × 10ⁿ, at most `max_mm` long on paper, and
/// its number of segments.
///
/// ```
/// assert_eq!(qala::print::layout::scale_bar(2000.0, 60.0), (100.0, 5));
/// assert_eq!(qala::print::layout::scale_bar(10_000.0, 60.0), (500.0, 5));
/// ```
pub fn scale_bar(scale: f64, max_mm: f64) -> (f64, u32) {
    let max_ground = max_mm / 1000.0 * scale;
    let pow = 10f64.powf(max_ground.log10().floor());
    let nice = [5.0, 2.0, 1.0].into_iter().map(|m| m * pow).find(|l| *l <= max_ground).unwrap_or(pow);
    let lead = (nice / pow).round() as u32;
    (nice, if lead == 2 { 4 } else { 5 })
}

/// A length for people: `500 м`, `1,5 км` in the language's units.
pub fn format_length(m: f64, km: &str, metres: &str) -> String {
    if m >= 1000.0 {
        let v = m / 1000.0;
        let s = if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v}") };
        format!("{} {km}", s.replace('.', ","))
    } else {
        format!("{m:.0} {metres}")
    }
}

/// `1:10 000` with a thin space between thousands.
pub fn format_scale(scale: f64) -> String {
    let digits = format!("{:.0}", scale);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    format!("1:{out}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_fit_the_paper() {
        for p in Paper::ALL {
            for o in [Orientation::Portrait, Orientation::Landscape] {
                let l = PageLayout::new(p, o);
                assert!(l.frame.x0 > 0.0 && l.frame.x1 < l.page_w);
                assert!(l.footer.y1 < l.frame.y0 && l.frame.y1 < l.title.y0 && l.title.y1 < l.page_h);
            }
        }
        let a4 = PageLayout::new(Paper::A4, Orientation::Landscape);
        let (w, h) = a4.frame_mm();
        assert!((w - 277.0).abs() < 1e-9 && (h - 136.0).abs() < 1e-9, "{w} {h}");
    }

    #[test]
    fn scale_bars_and_texts() {
        assert_eq!(scale_bar(500.0, 60.0), (20.0, 4));
        assert_eq!(scale_bar(500_000.0, 60.0), (20_000.0, 4));
        assert_eq!(format_length(1500.0, "км", "м"), "1,5 км");
        assert_eq!(format_length(200.0, "km", "m"), "200 m");
        assert_eq!(format_scale(10_000.0), "1:10\u{2009}000");
        assert_eq!(format_scale(500.0), "1:500");
    }
}
