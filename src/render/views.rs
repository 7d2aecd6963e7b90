//! The pictures a space can be drawn in. Each view says how stored coordinates reach the world
//! (its view function in common.wgsl, picked by `shader_code`), which camera looks at it, what
//! lies under the particles, and what is written along its edges. A space lists the views that
//! can show it in its registry entry; a new kind of picture is a variant here and its view
//! function in the shader.

use glam::Vec2;

/// A picture of a space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ViewMode {
    Plane,
    Sphere,
    /// The torus unrolled to the square [0, 2π)².
    TorusFlat,
    /// The torus embedded in 3-D as a donut.
    TorusDonut,
}

/// How a view is looked at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ViewCamera {
    /// From above, panned and zoomed; `fits_data` frames the samples when a run starts.
    PanZoom {
        centre: Vec2,
        span: f32,
        fits_data: bool,
    },
    /// Around the origin in 3-D.
    Orbit,
}

/// What a view draws under everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// The cleared background (a quad only under a heat map).
    Background,
    /// The unit sphere, lit, with a latitude–longitude grid.
    Sphere,
    /// The donut, lit, with its grid of angles.
    Donut,
    /// The square [0, 2π)², with a grid of quarter turns.
    Square,
}

/// What the window writes along a view's edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeLabels {
    None,
    /// Coordinates at the grid lines.
    Ticks,
    /// 0, π and 2π, and the names of the angles.
    Angles,
}

impl ViewMode {
    /// Every view, in `shader_code` order.
    pub const ALL: [ViewMode; 4] = [
        ViewMode::Plane,
        ViewMode::Sphere,
        ViewMode::TorusFlat,
        ViewMode::TorusDonut,
    ];

    /// The code the shaders switch on (common.wgsl's MODE_* constants); the view's index in
    /// [`Self::ALL`].
    pub fn shader_code(self) -> u32 {
        match self {
            ViewMode::Plane => 0,
            ViewMode::Sphere => 1,
            ViewMode::TorusFlat => 2,
            ViewMode::TorusDonut => 3,
        }
    }

    /// The name in the window.
    pub fn name(self) -> &'static str {
        match self {
            ViewMode::Plane => "plane",
            ViewMode::Sphere => "sphere",
            ViewMode::TorusFlat => "unrolled",
            ViewMode::TorusDonut => "donut",
        }
    }

    /// The name `flowscope export --view` takes.
    pub fn cli_name(self) -> &'static str {
        match self {
            ViewMode::Plane => "plane",
            ViewMode::Sphere => "sphere",
            ViewMode::TorusFlat => "torus-flat",
            ViewMode::TorusDonut => "torus",
        }
    }

    /// What the view shows, for a tooltip where a space offers several.
    pub fn description(self) -> &'static str {
        match self {
            ViewMode::Plane => "The plane, seen from above.",
            ViewMode::Sphere => "The sphere in 3-D.",
            ViewMode::TorusFlat => {
                "The torus cut open into the square [0, 2π)²; trails cross the seams."
            }
            ViewMode::TorusDonut => "The torus embedded in 3-D.",
        }
    }

    pub fn camera(self) -> ViewCamera {
        let tau = std::f32::consts::TAU;
        match self {
            ViewMode::Plane => ViewCamera::PanZoom {
                centre: Vec2::ZERO,
                span: 9.0,
                fits_data: true,
            },
            ViewMode::TorusFlat => ViewCamera::PanZoom {
                centre: Vec2::splat(tau / 2.0),
                span: tau * 1.08,
                fits_data: false,
            },
            ViewMode::Sphere | ViewMode::TorusDonut => ViewCamera::Orbit,
        }
    }

    /// Views with an orbit camera.
    pub fn is_3d(self) -> bool {
        self.camera() == ViewCamera::Orbit
    }

    pub fn surface(self) -> Surface {
        match self {
            ViewMode::Plane => Surface::Background,
            ViewMode::Sphere => Surface::Sphere,
            ViewMode::TorusFlat => Surface::Square,
            ViewMode::TorusDonut => Surface::Donut,
        }
    }

    /// Whether grid lines and axes are drawn over the visible part of the world.
    pub fn grid(self) -> bool {
        self == ViewMode::Plane
    }

    pub fn edge_labels(self) -> EdgeLabels {
        match self {
            ViewMode::Plane => EdgeLabels::Ticks,
            ViewMode::TorusFlat => EdgeLabels::Angles,
            ViewMode::Sphere | ViewMode::TorusDonut => EdgeLabels::None,
        }
    }

    /// How many times a line segment is drawn: on the unrolled torus a segment crossing a
    /// seam is drawn again from the other side.
    pub fn segment_copies(self) -> u32 {
        if self == ViewMode::TorusFlat { 2 } else { 1 }
    }
}
