//! Text burnt into exported frames (title, coupling, t, step), large enough for a projector.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

/// The font the window uses as its fallback, so exported captions match the panels' glyphs.
pub(crate) const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

pub struct Captioner {
    font: FontRef<'static>,
}

impl Captioner {
    pub fn new() -> Self {
        Self {
            font: FontRef::try_from_slice(FONT).expect("the bundled font parses"),
        }
    }

    /// Draws `text` with its top-left corner at (`x`, `y`), `size_px` tall, in `colour`, over a
    /// soft dark shadow, into an RGBA8 frame `width` pixels wide.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &self,
        frame: &mut [u8],
        width: u32,
        text: &str,
        x: f32,
        y: f32,
        size_px: f32,
        colour: [u8; 3],
    ) {
        let shadow = (size_px / 16.0).max(1.0);
        self.draw_once(
            frame,
            width,
            text,
            x + shadow,
            y + shadow,
            size_px,
            [0, 0, 0],
            0.7,
        );
        self.draw_once(frame, width, text, x, y, size_px, colour, 1.0);
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_once(
        &self,
        frame: &mut [u8],
        width: u32,
        text: &str,
        x: f32,
        y: f32,
        size_px: f32,
        colour: [u8; 3],
        opacity: f32,
    ) {
        let height = frame.len() as u32 / 4 / width.max(1);
        let font = self.font.as_scaled(PxScale::from(size_px));
        let mut caret = x;
        let baseline = y + font.ascent();
        let mut previous = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(before) = previous {
                caret += font.kern(before, id);
            }
            let glyph = id.with_scale_and_position(size_px, ab_glyph::point(caret, baseline));
            caret += font.h_advance(id);
            previous = Some(id);
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                if px < 0 || py < 0 || px >= i64::from(width) || py >= i64::from(height) {
                    return;
                }
                let i = ((py as u64 * u64::from(width) + px as u64) * 4) as usize;
                let a = (coverage * opacity).clamp(0.0, 1.0);
                for k in 0..3 {
                    let under = f32::from(frame[i + k]);
                    frame[i + k] = (under + (f32::from(colour[k]) - under) * a).round() as u8;
                }
            });
        }
    }
}
