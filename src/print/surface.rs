//! What a map is drawn on (pure): the [`Surface`] trait, the drawing operations of maps and
//! legend swatches, implemented by the PDF page ([`super::canvas::Canvas`], points) and by an
//! image ([`super::raster::RasterSurface`], pixels). Coordinates are y-up with the origin at the
//! lower left (as in PDF); the image surface flips. One drawing code ([`super::map`]), two outputs.

use super::canvas::TextStyle;
use super::layout::Box2;
use super::style::Rgba;

/// Line ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cap {
    #[default]
    Butt,
    Round,
    Square,
}

/// Line corners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Join {
    #[default]
    Miter,
    Round,
    Bevel,
}

/// How lines are stroked: colour (its alpha is the opacity), width and dashes in surface units.
#[derive(Debug, Clone, PartialEq)]
pub struct StrokeStyle {
    pub color: Rgba,
    pub width: f64,
    pub cap: Cap,
    pub join: Join,
    /// Dash and gap lengths (empty: solid).
    pub dash: Vec<f64>,
}

impl StrokeStyle {
    /// A solid line with butt caps and miter joins.
    pub fn solid(color: Rgba, width: f64) -> StrokeStyle {
        StrokeStyle { color, width, cap: Cap::Butt, join: Join::Miter, dash: Vec::new() }
    }
}

/// An RGBA image (8 bits a channel, straight alpha, rows from the top).
#[derive(Debug, Clone, PartialEq)]
pub struct RgbaImage {
    pub width: u32,
    pub height: u32,
    /// `width * height * 4` bytes.
    pub data: Vec<u8>,
}

impl RgbaImage {
    /// `None` when `data` is not `width * height * 4` bytes or a side is 0.
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Option<RgbaImage> {
        (width > 0 && height > 0 && data.len() as u64 == u64::from(width) * u64::from(height) * 4)
            .then_some(RgbaImage { width, height, data })
    }
}

/// The operations a map and a legend are drawn with.
pub trait Surface {
    /// Surface units per CSS pixel (PDF: 0.75 pt; an image: its pixel ratio, 1 or 2).
    fn px(&self) -> f64;

    /// Fills rings (polygons with their holes; several polygons may share one call) with the
    /// even-odd rule, `color`'s alpha as opacity; then strokes them with `outline` (colour, width).
    fn fill_rings(&mut self, rings: &[&[(f64, f64)]], color: Rgba, outline: Option<(Rgba, f64)>);

    /// Fills a rectangle (non-zero), e.g. a background or a swatch.
    fn fill_rect(&mut self, b: Box2, color: Rgba);

    /// Strokes a rectangle's outline.
    fn stroke_rect(&mut self, b: Box2, stroke: &StrokeStyle);

    /// Strokes open lines.
    fn stroke_lines(&mut self, lines: &[&[(f64, f64)]], stroke: &StrokeStyle);

    /// Circles of radius `r` at `centres`, filled with `fill`, outlined by `outline` (colour, width).
    fn circles(&mut self, centres: &[(f64, f64)], r: f64, fill: Rgba, outline: Option<(Rgba, f64)>);

    /// Width of `text` in `style` (surface units). The same on every surface for the same size:
    /// the fonts' advances, no kerning, plus the letter spacing after each character.
    fn text_width(&mut self, text: &str, style: &TextStyle) -> f64;

    /// `text` with its baseline starting at (x, y), turned by `angle` radians counter-clockwise,
    /// its halo (if any) drawn first as a stroke of the glyph outlines.
    fn text(&mut self, x: f64, y: f64, angle: f64, text: &str, style: &TextStyle);

    /// An image stretched over the box `b` (heat maps, orthophotos, hillshade).
    fn image(&mut self, img: &RgbaImage, b: Box2);

    /// Clips what follows to `b` until the matching [`Surface::restore`].
    fn clip_rect(&mut self, b: Box2);

    /// Ends the innermost [`Surface::clip_rect`].
    fn restore(&mut self);

    /// Starts the content of a named layer (PDF optional content; nothing on images).
    fn begin_layer(&mut self, name: &str);

    /// Ends [`Surface::begin_layer`].
    fn end_layer(&mut self);
}
