//! A view of one run: camera input, the CPU overlays (grid, field arrows, density), and an
//! egui paint callback that draws the run with our pipelines into the view's own texture and
//! composites it into the window.

use std::collections::HashMap;
use std::sync::Arc;

use eframe::egui;
use eframe::egui_wgpu::{self, wgpu};
use glam::{Mat4, Vec2, Vec3};

use crate::geometry::SpaceKind;
use crate::render::{
    Compositor, DensityImage, DrawContent, Frame, OrbitCamera, PanZoomCamera, Renderer, Segment,
    Style, ViewMode, ViewResources, density_image, field_arrows, plane_grid,
};
use crate::session::live::Snapshot;

/// The cameras of the views; shared by every run in compare mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cameras {
    pub plane: PanZoomCamera,
    pub torus_flat: PanZoomCamera,
    pub orbit: OrbitCamera,
}

impl Default for Cameras {
    fn default() -> Self {
        let tau = std::f32::consts::TAU;
        Self {
            plane: PanZoomCamera::new(Vec2::ZERO, 9.0),
            torus_flat: PanZoomCamera::new(Vec2::splat(tau / 2.0), tau * 1.08),
            orbit: OrbitCamera::default(),
        }
    }
}

impl Cameras {
    /// The clip transform and eye of `mode` in a view of `size_px`.
    pub fn transform(&self, mode: ViewMode, size_px: Vec2) -> (Mat4, Vec3) {
        match mode {
            ViewMode::Plane => (self.plane.clip_from_world(size_px), Vec3::Z * 10.0),
            ViewMode::TorusFlat => (self.torus_flat.clip_from_world(size_px), Vec3::Z * 10.0),
            ViewMode::Sphere | ViewMode::TorusDonut => {
                (self.orbit.clip_from_world(size_px), self.orbit.eye())
            }
        }
    }

    /// Frames the plane's data (source and target samples) in a view of `size` points.
    pub fn fit_plane(&mut self, snapshot: &Snapshot, size: Vec2) {
        if snapshot.scene.space != SpaceKind::Plane {
            return;
        }
        let (min, max) = data_box(snapshot);
        let extent = max - min;
        let aspect = size.x.max(1.0) / size.y.max(1.0);
        // `span` is the shorter side's extent: fit both sides of the box.
        let span = if aspect >= 1.0 {
            extent.y.max(extent.x / aspect)
        } else {
            extent.x.max(extent.y * aspect)
        };
        self.plane = PanZoomCamera::new((min + max) * 0.5, span.max(1e-3));
    }

    /// Applies drags and the scroll wheel over a view.
    pub fn handle_input(&mut self, mode: ViewMode, response: &egui::Response, ui: &egui::Ui) {
        let size = Vec2::new(response.rect.width(), response.rect.height());
        let drag = response.drag_delta();
        let drag = Vec2::new(drag.x, drag.y);
        let scroll = if response.hovered() {
            ui.input(|i| i.smooth_scroll_delta.y)
        } else {
            0.0
        };
        let zoom = (scroll * 0.002).exp();
        let cursor = response
            .hover_pos()
            .map(|p| Vec2::new(p.x - response.rect.left(), p.y - response.rect.top()))
            .unwrap_or(size * 0.5);
        match mode {
            ViewMode::Plane | ViewMode::TorusFlat => {
                let camera = if mode == ViewMode::Plane {
                    &mut self.plane
                } else {
                    &mut self.torus_flat
                };
                if drag != Vec2::ZERO {
                    camera.pan(drag, size);
                }
                if zoom != 1.0 {
                    camera.zoom(zoom, cursor, size);
                }
            }
            ViewMode::Sphere | ViewMode::TorusDonut => {
                if drag != Vec2::ZERO {
                    self.orbit.rotate(drag);
                }
                if zoom != 1.0 {
                    self.orbit.zoom(zoom);
                }
            }
        }
        if response.double_clicked() {
            *self = Self::default();
        }
    }
}

/// GPU state of every view, kept in egui-wgpu's callback resources.
pub struct GpuViews {
    renderer: Renderer,
    compositor: Compositor,
    views: HashMap<u64, GpuView>,
}

struct GpuView {
    resources: ViewResources,
    picture: Option<(wgpu::BindGroup, [u32; 2])>,
}

impl GpuViews {
    pub fn new(device: &wgpu::Device, output_format: wgpu::TextureFormat) -> Self {
        Self {
            renderer: Renderer::new(device),
            compositor: Compositor::new(device, output_format),
            views: HashMap::new(),
        }
    }
}

/// Everything one view draws this frame.
pub struct ViewCallback {
    pub key: u64,
    pub size_px: [u32; 2],
    pub mode: ViewMode,
    pub clip_from_world: Mat4,
    pub eye: Vec3,
    pub t: f32,
    pub style: Style,
    pub content: Arc<DrawContent>,
    pub overlay: Arc<Vec<Segment>>,
    pub density: Option<Arc<DensityImage>>,
}

impl egui_wgpu::CallbackTrait for ViewCallback {
    fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        _screen: &egui_wgpu::ScreenDescriptor,
        encoder: &mut wgpu::CommandEncoder,
        resources: &mut egui_wgpu::CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        let Some(gpu) = resources.get_mut::<GpuViews>() else {
            return Vec::new();
        };
        let GpuViews {
            renderer,
            compositor,
            views,
        } = gpu;
        let view = views.entry(self.key).or_insert_with(|| GpuView {
            resources: ViewResources::new(renderer, device),
            picture: None,
        });
        view.resources.set_content(renderer, device, &self.content);
        view.resources.set_overlay(renderer, device, &self.overlay);
        view.resources
            .set_density(renderer, device, queue, self.density.as_deref());
        let Ok(target) = view.resources.ensure_target(renderer, device, self.size_px) else {
            return Vec::new();
        };
        if view
            .picture
            .as_ref()
            .is_none_or(|(_, size)| *size != target.size)
        {
            view.picture = Some((compositor.bind(device, target), target.size));
        }
        renderer.draw(
            queue,
            encoder,
            &view.resources,
            &Frame {
                mode: self.mode,
                clip_from_world: self.clip_from_world,
                eye: self.eye,
                t: self.t,
                style: &self.style,
            },
        );
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        pass: &mut wgpu::RenderPass<'static>,
        resources: &egui_wgpu::CallbackResources,
    ) {
        let Some(gpu) = resources.get::<GpuViews>() else {
            return;
        };
        if let Some(GpuView {
            picture: Some((picture, _)),
            ..
        }) = gpu.views.get(&self.key)
        {
            gpu.compositor.paint(pass, picture);
        }
    }
}

/// Overlays computed on the CPU for one frame of one view.
pub struct Overlays {
    pub segments: Vec<Segment>,
    pub density: Option<DensityImage>,
    /// Grid step for tick labels (plane only).
    pub grid_step: Option<f32>,
}

/// Builds the grid, arrows at time `t`, and the density at `t` for `snapshot`.
pub fn overlays(
    snapshot: &Snapshot,
    mode: ViewMode,
    cameras: &Cameras,
    size_px: Vec2,
    t: f32,
    style: &Style,
) -> Overlays {
    let space = snapshot.scene.space;
    let mut segments = Vec::new();
    let mut grid_step = None;
    if mode == ViewMode::Plane {
        let (min, max) = cameras.plane.visible_world(size_px);
        let (grid, step) = plane_grid(min, max, &style.palette);
        segments = grid;
        grid_step = Some(step);
    }
    let field = &snapshot.field;
    if style.layers.field && !field.times.is_empty() && !field.points.is_empty() {
        let nearest = ((t as f64) * (field.times.len() - 1) as f64).round() as usize;
        let velocities = &field.velocities[nearest.min(field.velocities.len() - 1)];
        if !velocities.is_empty() {
            let dim = field.points.dim();
            let max_speed = velocities
                .chunks(dim)
                .map(|v| v.iter().map(|x| x * x).sum::<f64>().sqrt())
                .fold(0.0, f64::max)
                .max(1e-9);
            let spacing = match space {
                SpaceKind::Plane => {
                    let xs: Vec<f64> = field.points.iter().map(|p| p[0]).collect();
                    let span = xs.iter().copied().fold(f64::MIN, f64::max)
                        - xs.iter().copied().fold(f64::MAX, f64::min);
                    span / 20.0
                }
                SpaceKind::Sphere => 0.17,
                SpaceKind::Torus => std::f64::consts::TAU / 20.0,
            };
            segments.extend(field_arrows(
                space,
                &field.points,
                velocities,
                0.9 * spacing / max_speed,
                style.palette.field,
            ));
        }
    }
    let density = (style.layers.density && snapshot.trajectories.count > 0).then(|| {
        let trajectories = &snapshot.trajectories;
        let frame = ((t as f64) * (trajectories.frames - 1) as f64).round() as usize;
        let points = trajectories.frame(frame);
        let (min, max) = data_box(snapshot);
        // About one particle per cell on average at the densest: a smooth picture at any count.
        let resolution = ((points.len() as f64).sqrt() * 1.2).clamp(24.0, 160.0) as u32;
        density_image(space, &points, min, max, resolution, &style.palette)
    });
    Overlays {
        segments,
        density,
        grid_step,
    }
}

/// The plane rectangle the density covers: the source and target samples' box, padded.
fn data_box(snapshot: &Snapshot) -> (Vec2, Vec2) {
    let mut min = Vec2::splat(f32::MAX);
    let mut max = Vec2::splat(f32::MIN);
    for p in snapshot
        .source_samples
        .iter()
        .chain(snapshot.target_samples.iter())
    {
        let q = Vec2::new(p[0] as f32, p[1] as f32);
        min = min.min(q);
        max = max.max(q);
    }
    if min.x > max.x {
        return (Vec2::splat(-4.0), Vec2::splat(4.0));
    }
    let pad = (max - min) * 0.1;
    (min - pad, max + pad)
}
