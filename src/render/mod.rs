//! Drawing: our own wgpu pipelines (WGSL in shaders/, one file per pipeline) for particles,
//! trails, line segments and surfaces. The window composites each view's picture through an
//! egui paint callback; export, the render benchmark and the tests draw the same pictures
//! offscreen.

mod camera;
mod composite;
mod content;
mod mesh;
mod multiples;
mod offscreen;
mod overlay;
mod picture;
mod renderer;
mod spaces;
mod target;
mod view;
mod views;

pub use camera::{OrbitCamera, PanZoomCamera};
pub use composite::Compositor;
pub use content::{
    CloudData, ColourMode, DensityImage, DensitySource, Layers, Palette, Rgba, Segment, Style, hsl,
    label_colour,
};
pub use offscreen::{DRAWING_MEMORY_HINTS, Offscreen};
pub use overlay::{
    coupling_segments, density_grid, density_image, density_request, field_arrows,
    log_density_image, plane_grid,
};
pub use picture::{
    Cameras, Overlays, content_for_view, content_from_snapshot, density_box, log_density_overlay,
    overlays,
};
pub use renderer::{Renderer, shader_sources};
pub use spaces::{
    CloudRender, Edge, EuclideanRender, HyperbolicRender, MeshRender, PlaneRender, SpaceRender,
    SphereRender, TorusRender, position, push_arrow,
};
pub use target::{COLOUR_FORMAT, MAX_SIDE_PX, RenderTarget};
pub use view::{DrawContent, Frame, ViewResources};
pub use views::{EdgeLabels, Layout, Projection, Surface, ViewCamera, ViewMode};
