//! The pictures a space can be drawn in. A view is a value: how stored coordinates reach the
//! world (one of common.wgsl's view functions, a [`Projection`]), which camera looks at it, what
//! lies under the particles, and what is written along its edges. The built-in views are here;
//! a space can define its own from these parts in its own render file and list it in its
//! registry entry. A new projection is a variant of [`Projection`] and its view function in
//! common.wgsl.

use glam::Vec2;

/// The view functions of common.wgsl (its MODE_* constants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// Coordinates are world positions in the plane z = 0.
    Flat,
    /// Unit vectors on the sphere, seen in 3-D.
    Sphere,
    /// Angles in the square [0, 2π)², differences taken the short way round.
    FlatTorus,
    /// Angles mapped onto a donut in 3-D.
    Donut,
    /// Coordinates are world positions in 3-D (the particles of a cloud in space).
    Space,
}

impl Projection {
    /// Every projection, in `shader_code` order.
    pub const ALL: [Projection; 5] = [
        Projection::Flat,
        Projection::Sphere,
        Projection::FlatTorus,
        Projection::Donut,
        Projection::Space,
    ];

    /// The code the shaders switch on; the projection's index in [`Self::ALL`].
    pub fn shader_code(self) -> u32 {
        match self {
            Projection::Flat => 0,
            Projection::Sphere => 1,
            Projection::FlatTorus => 2,
            Projection::Donut => 3,
            Projection::Space => 4,
        }
    }
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
    /// The space's own triangle mesh: a curved surface lit, each face flat; a floor in one
    /// colour, its walls (holes) left as background.
    Mesh,
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

/// How a view lays out the samples it draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Every sample where its coordinates put it.
    Together,
    /// Point clouds: the first samples each in a cell of a grid, as their particles.
    Multiples,
    /// Point clouds: every sample turned and relabelled onto one reference configuration.
    Aligned,
}

/// A picture of a space; views are told apart by name.
#[derive(Debug, Clone, Copy)]
pub struct ViewMode {
    /// The name in the window.
    pub name: &'static str,
    /// The name `flowscope export --view` takes.
    pub cli_name: &'static str,
    /// What the view shows, for a tooltip where a space offers several.
    pub description: &'static str,
    pub projection: Projection,
    pub camera: ViewCamera,
    pub surface: Surface,
    /// Whether grid lines and axes are drawn over the visible part of the world.
    pub grid: bool,
    pub edge_labels: EdgeLabels,
    pub layout: Layout,
}

impl PartialEq for ViewMode {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for ViewMode {}

impl std::hash::Hash for ViewMode {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

const TAU: f32 = std::f32::consts::TAU;

impl ViewMode {
    pub const PLANE: ViewMode = ViewMode {
        name: "plane",
        cli_name: "plane",
        description: "The plane, seen from above.",
        projection: Projection::Flat,
        camera: ViewCamera::PanZoom {
            centre: Vec2::ZERO,
            span: 9.0,
            fits_data: true,
        },
        surface: Surface::Background,
        grid: true,
        edge_labels: EdgeLabels::Ticks,
        layout: Layout::Together,
    };

    pub const SPHERE: ViewMode = ViewMode {
        name: "sphere",
        cli_name: "sphere",
        description: "The sphere in 3-D.",
        projection: Projection::Sphere,
        camera: ViewCamera::Orbit,
        surface: Surface::Sphere,
        grid: false,
        edge_labels: EdgeLabels::None,
        layout: Layout::Together,
    };

    /// The torus unrolled to the square [0, 2π)².
    pub const TORUS_FLAT: ViewMode = ViewMode {
        name: "unrolled",
        cli_name: "torus-flat",
        description: "The torus cut open into the square [0, 2π)²; trails cross the seams.",
        projection: Projection::FlatTorus,
        camera: ViewCamera::PanZoom {
            centre: Vec2::splat(TAU / 2.0),
            span: TAU * 1.08,
            fits_data: false,
        },
        surface: Surface::Square,
        grid: false,
        edge_labels: EdgeLabels::Angles,
        layout: Layout::Together,
    };

    /// The torus embedded in 3-D as a donut.
    pub const TORUS_DONUT: ViewMode = ViewMode {
        name: "donut",
        cli_name: "torus",
        description: "The torus embedded in 3-D.",
        projection: Projection::Donut,
        camera: ViewCamera::Orbit,
        surface: Surface::Donut,
        grid: false,
        edge_labels: EdgeLabels::None,
        layout: Layout::Together,
    };

    /// Particles in 3-D space, seen from around their centre.
    pub const SPACE: ViewMode = ViewMode {
        name: "3-D",
        cli_name: "space",
        description: "The particles in 3-D, seen from around their centre of mass.",
        projection: Projection::Space,
        camera: ViewCamera::Orbit,
        surface: Surface::Background,
        grid: false,
        edge_labels: EdgeLabels::None,
        layout: Layout::Together,
    };

    /// The hyperbolic plane in the Poincaré disk, with its rim and a geodesic grid.
    pub const DISK: ViewMode = ViewMode {
        name: "disk",
        cli_name: "disk",
        description: "The hyperbolic plane as the Poincaré disk: geodesics are arcs meeting the rim at right angles.",
        projection: Projection::Flat,
        camera: ViewCamera::PanZoom {
            centre: Vec2::ZERO,
            span: 2.2,
            fits_data: false,
        },
        surface: Surface::Background,
        grid: false,
        edge_labels: EdgeLabels::None,
        layout: Layout::Together,
    };

    /// Point clouds as small multiples: sixteen samples, each in its own cell.
    pub const CONFIGURATIONS: ViewMode = ViewMode {
        name: "configurations",
        cli_name: "configurations",
        description: "Sixteen samples side by side, each drawn as its particles (coloured by index) with their trails and bonds.",
        projection: Projection::Flat,
        camera: ViewCamera::PanZoom {
            centre: Vec2::new(1.5, -1.5),
            span: 4.2,
            fits_data: false,
        },
        surface: Surface::Background,
        grid: false,
        edge_labels: EdgeLabels::None,
        layout: Layout::Multiples,
    };

    /// Point clouds overlaid: every sample aligned to a reference configuration.
    pub const ALIGNED: ViewMode = ViewMode {
        name: "aligned",
        cli_name: "aligned",
        description: "Every sample turned and relabelled onto one target configuration (white), each particle in the colour of the reference particle it matches: the learned density in one frame.",
        projection: Projection::Flat,
        camera: ViewCamera::PanZoom {
            centre: Vec2::ZERO,
            span: 9.0,
            fits_data: true,
        },
        surface: Surface::Background,
        grid: true,
        edge_labels: EdgeLabels::Ticks,
        layout: Layout::Aligned,
    };

    /// A planar mesh (a maze, a room) from above: its walls over its floor.
    pub const MESH_FLOOR: ViewMode = ViewMode {
        name: "floor",
        cli_name: "floor",
        description: "A planar mesh from above: the floor, and its walls, which the flows must go around.",
        projection: Projection::Flat,
        camera: ViewCamera::PanZoom {
            centre: Vec2::splat(0.5),
            span: 1.12,
            fits_data: false,
        },
        surface: Surface::Mesh,
        grid: false,
        edge_labels: EdgeLabels::None,
        layout: Layout::Together,
    };

    /// A curved mesh surface in 3-D, its edges drawn under the particles.
    pub const MESH_SURFACE: ViewMode = ViewMode {
        name: "surface",
        cli_name: "surface",
        description: "A curved mesh surface in 3-D: its faces lit and flat-shaded, its edges drawn faintly over them.",
        projection: Projection::Space,
        camera: ViewCamera::Orbit,
        surface: Surface::Mesh,
        grid: false,
        edge_labels: EdgeLabels::None,
        layout: Layout::Together,
    };

    /// The code the shaders switch on.
    pub fn shader_code(self) -> u32 {
        self.projection.shader_code()
    }

    /// Views with an orbit camera.
    pub fn is_3d(self) -> bool {
        self.camera == ViewCamera::Orbit
    }

    /// How many times a line segment is drawn: on the unrolled torus a segment crossing a
    /// seam is drawn again from the other side.
    pub fn segment_copies(self) -> u32 {
        if self.projection == Projection::FlatTorus {
            2
        } else {
            1
        }
    }
}
