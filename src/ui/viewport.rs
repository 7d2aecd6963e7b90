//! A view of one run in the window: camera input, and an egui paint callback that draws the run with our pipelines into the view's own texture and
//! composites it into the window.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;
use eframe::egui_wgpu::{self, wgpu};
use glam::{Mat4, Vec2, Vec3};

use crate::render::{
    Cameras, Compositor, DensityImage, DrawContent, Frame, Renderer, Segment, Style, ViewCamera,
    ViewMode, ViewResources,
};

/// Applies drags and the scroll wheel over a view to the shared cameras.
pub fn camera_input(
    cameras: &mut Cameras,
    mode: ViewMode,
    response: &egui::Response,
    ui: &egui::Ui,
) {
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
    match mode.camera {
        ViewCamera::PanZoom { .. } => {
            let camera = cameras.pan_zoom_mut(mode);
            if drag != Vec2::ZERO {
                camera.pan(drag, size);
            }
            if zoom != 1.0 {
                camera.zoom(zoom, cursor, size);
            }
        }
        ViewCamera::Orbit => {
            if drag != Vec2::ZERO {
                cameras.orbit.rotate(drag);
            }
            if zoom != 1.0 {
                cameras.orbit.zoom(zoom);
            }
        }
    }
    if response.double_clicked() {
        *cameras = Cameras::default();
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
    last_drawn: Instant,
}

/// A view not drawn for this long has gone (its run ended, or its scene was replaced) and its
/// GPU memory is released; one that comes back is simply made again.
const UNDRAWN_VIEW_LIFETIME: Duration = Duration::from_secs(5);

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
        let now = Instant::now();
        views.retain(|key, view| {
            *key == self.key || now.duration_since(view.last_drawn) < UNDRAWN_VIEW_LIFETIME
        });
        let view = views.entry(self.key).or_insert_with(|| GpuView {
            resources: ViewResources::new(renderer, device),
            picture: None,
            last_drawn: now,
        });
        view.last_drawn = now;
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
            &mut view.resources,
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
