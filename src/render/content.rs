//! What a view draws, on the CPU side: point clouds along trajectories, line segments, a density
//! image, and the style (layers, sizes, palette). The renderer uploads these as they are.

use std::sync::Arc;

use bytemuck::{Pod, Zeroable};
use glam::Vec2;

/// Points that move along recorded trajectories (or stand still, with one frame).
#[derive(Debug, Clone, Default)]
pub struct CloudData {
    pub frames: usize,
    pub count: usize,
    /// Coordinates per point: 2 or 3.
    pub dim: usize,
    /// Row-major `[frames, count, dim]` (shared with the snapshot it came from).
    pub positions: Arc<Vec<f32>>,
    /// One colour per point.
    pub colours: Vec<Rgba>,
}

impl CloudData {
    /// `count` points of `dim` coordinates, one frame, in one colour.
    pub fn still(dim: usize, positions: Vec<f32>, colour: Rgba) -> Self {
        let count = positions.len() / dim.max(1);
        Self {
            frames: 1,
            count,
            dim,
            positions: Arc::new(positions),
            colours: vec![colour; count],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0 || self.frames == 0
    }
}

/// An 8-bit sRGB colour with straight alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rgba(pub [u8; 4]);

impl Rgba {
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self([r, g, b, 255])
    }

    pub const fn with_alpha(self, a: u8) -> Self {
        Self([self.0[0], self.0[1], self.0[2], a])
    }

    /// Packed as WGSL's unpack4x8unorm reads it.
    pub fn packed(self) -> u32 {
        u32::from_le_bytes(self.0)
    }

    pub fn to_f32(self) -> [f32; 4] {
        self.0.map(|c| c as f32 / 255.0)
    }
}

/// A line segment in space coordinates, as segments.wgsl reads it.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct Segment {
    /// xyz, and w = 1 for a torus geodesic (drawn the short way round).
    pub start: [f32; 4],
    pub end: [f32; 4],
    pub colour: [f32; 4],
}

impl Segment {
    pub fn new(start: [f32; 3], end: [f32; 3], colour: Rgba) -> Self {
        Self {
            start: [start[0], start[1], start[2], 0.0],
            end: [end[0], end[1], end[2], 0.0],
            colour: colour.to_f32(),
        }
    }

    /// A segment between two torus points that takes the short way round.
    pub fn torus_geodesic(start: [f32; 2], end: [f32; 2], colour: Rgba) -> Self {
        Self {
            start: [start[0], start[1], 0.0, 1.0],
            end: [end[0], end[1], 0.0, 0.0],
            colour: colour.to_f32(),
        }
    }
}

/// A density picture laid over the view's surface: RGBA8 texels, row r at v = (r + ½)/height.
/// In the plane it covers `world_min..world_max` (v grows with y); on the sphere u is the
/// longitude from −π and v the polar angle from the north pole, both scaled to [0, 1]; on the
/// torus uv = (θ, φ)/2π.
#[derive(Debug, Clone, PartialEq)]
pub struct DensityImage {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
    pub world_min: Vec2,
    pub world_max: Vec2,
}

/// How particles are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ColourMode {
    /// By where each particle started (a smooth hue map of the source).
    #[default]
    SourcePosition,
    /// By class label (the requested label for conditional models).
    Label,
    /// By speed along the flow at the current time.
    Speed,
}

/// Which layers a view draws (field and density are drawn when their data is supplied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Layers {
    pub particles: bool,
    pub trails: bool,
    pub source: bool,
    pub target: bool,
    pub coupling: bool,
    pub field: bool,
    pub density: bool,
    /// What the density layer shows.
    #[serde(default)]
    pub density_source: DensitySource,
}

/// What the density heat map shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum DensitySource {
    /// Where the particles are at time t (a smoothed histogram).
    #[default]
    Particles,
    /// The model's own density q_t at time t, from its likelihood: log scale, with isolines.
    Model,
    /// The target's true density, where it has a closed form: log scale, with isolines.
    Data,
}

impl Default for Layers {
    fn default() -> Self {
        Self {
            particles: true,
            trails: true,
            source: false,
            target: true,
            coupling: false,
            field: false,
            density: false,
            density_source: DensitySource::Particles,
        }
    }
}

/// Colours of everything that is not a particle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    pub background: Rgba,
    pub surface: Rgba,
    pub surface_lines: Rgba,
    pub grid: Rgba,
    pub axis: Rgba,
    pub source: Rgba,
    pub target: Rgba,
    pub coupling: Rgba,
    pub field: Rgba,
}

impl Palette {
    pub const DARK: Palette = Palette {
        background: Rgba::rgb(18, 20, 26),
        surface: Rgba::rgb(52, 58, 74),
        surface_lines: Rgba::rgb(90, 98, 118).with_alpha(160),
        grid: Rgba::rgb(60, 64, 76),
        axis: Rgba::rgb(110, 116, 130),
        source: Rgba::rgb(120, 160, 255).with_alpha(110),
        target: Rgba::rgb(255, 170, 80).with_alpha(110),
        coupling: Rgba::rgb(220, 220, 230).with_alpha(90),
        field: Rgba::rgb(150, 230, 160).with_alpha(200),
    };

    /// For projectors: black background, saturated colours, stronger lines.
    pub const HIGH_CONTRAST: Palette = Palette {
        background: Rgba::rgb(0, 0, 0),
        surface: Rgba::rgb(70, 70, 80),
        surface_lines: Rgba::rgb(150, 150, 160).with_alpha(220),
        grid: Rgba::rgb(70, 70, 70),
        axis: Rgba::rgb(190, 190, 190),
        source: Rgba::rgb(90, 150, 255).with_alpha(170),
        target: Rgba::rgb(255, 160, 0).with_alpha(170),
        coupling: Rgba::rgb(255, 255, 255).with_alpha(140),
        field: Rgba::rgb(80, 255, 120).with_alpha(230),
    };
}

/// Sizes, layers and colours of a view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub layers: Layers,
    pub colour_mode: ColourMode,
    pub particle_size_px: f32,
    pub sample_size_px: f32,
    /// Trail length in recorded frames.
    pub trail_frames: u32,
    /// Speed shown at the top of the speed colour ramp.
    pub speed_max: f32,
    pub palette: Palette,
    /// Opacity of what lies behind a sphere or donut.
    pub back_alpha: f32,
}

impl Default for Style {
    fn default() -> Self {
        Self {
            layers: Layers::default(),
            colour_mode: ColourMode::SourcePosition,
            particle_size_px: 4.0,
            sample_size_px: 3.0,
            trail_frames: 32,
            speed_max: 4.0,
            palette: Palette::DARK,
            back_alpha: 0.25,
        }
    }
}

/// Eight well-separated colours for labels (the requested label, or a class).
pub fn label_colour(label: u32) -> Rgba {
    const COLOURS: [Rgba; 8] = [
        Rgba::rgb(230, 85, 70),
        Rgba::rgb(80, 160, 240),
        Rgba::rgb(250, 200, 60),
        Rgba::rgb(110, 200, 110),
        Rgba::rgb(200, 110, 220),
        Rgba::rgb(60, 210, 210),
        Rgba::rgb(250, 140, 40),
        Rgba::rgb(235, 235, 235),
    ];
    COLOURS[label as usize % COLOURS.len()]
}

/// HSL (all in [0, 1]) to sRGB.
pub fn hsl(hue: f64, saturation: f64, lightness: f64) -> Rgba {
    let h = hue.rem_euclid(1.0) * 6.0;
    let c = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = lightness - c / 2.0;
    let byte = |v: f64| ((v + m).clamp(0.0, 1.0) * 255.0).round() as u8;
    Rgba::rgb(byte(r), byte(g), byte(b))
}
