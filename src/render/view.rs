//! What one view keeps on the GPU and how a frame of it is drawn: its target, uniforms,
//! uploaded snapshot, backdrop and overlays, and the passes that draw them.

use glam::{Mat4, Vec3};
use wgpu::util::DeviceExt;

use super::content::{CloudData, ColourMode, DensityImage, Segment, Style};
use super::mesh::{self, MeshData};
use super::renderer::{CloudUniform, GpuMesh, Renderer, SurfaceUniform, ViewUniform};
use super::target::{COLOUR_FORMAT, RenderTarget};
use super::views::{Projection, Surface, ViewMode};
use crate::Result;

/// What a view shows at one moment: the picture, the camera and the time.
pub struct Frame<'a> {
    pub mode: ViewMode,
    pub clip_from_world: Mat4,
    /// Camera position (3-D views; any point above the plane for flat ones).
    pub eye: Vec3,
    /// Flow time of the particles' heads, in [0, 1].
    pub t: f32,
    pub style: &'a Style,
}

/// The per-snapshot content of a view; `version` changes whenever the content does.
#[derive(Debug, Clone, Default)]
pub struct DrawContent {
    pub version: u64,
    pub particles: CloudData,
    pub source: CloudData,
    pub target: CloudData,
    /// The current training batch's pairs x0 → x1.
    pub coupling: Vec<Segment>,
    /// The space's own surface (a curved mesh), for views that draw `Surface::Mesh`; whether it
    /// is closed.
    pub surface: Option<(std::sync::Arc<MeshData>, bool)>,
}

impl Renderer {
    /// Records the drawing of `frame` into the view's target (which must exist).
    pub fn draw(
        &self,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        view: &mut ViewResources,
        frame: &Frame,
    ) {
        let Some(size) = view.target.as_ref().map(|t| t.size.map(|side| side as f32)) else {
            return;
        };
        let style = frame.style;
        queue.write_buffer(
            &view.view_uniform,
            0,
            bytemuck::bytes_of(&ViewUniform {
                clip_from_world: frame.clip_from_world.to_cols_array(),
                eye: frame.eye.extend(1.0).to_array(),
                viewport_px: size,
                t: frame.t.clamp(0.0, 1.0),
                mode: frame.mode.shader_code(),
                back_alpha: style.back_alpha,
                pad: [0.0; 3],
            }),
        );
        let clouds = [
            (
                &view.source_samples,
                style.layers.source,
                style.sample_size_px,
                0.55,
            ),
            (
                &view.target_samples,
                style.layers.target,
                style.sample_size_px,
                0.55,
            ),
            (
                &view.particles,
                style.layers.particles || style.layers.trails,
                style.particle_size_px,
                1.0,
            ),
        ];
        for (cloud, shown, size_px, alpha) in &clouds {
            if let (Some(cloud), true) = (cloud, shown) {
                queue.write_buffer(
                    &cloud.uniform,
                    0,
                    bytemuck::bytes_of(&CloudUniform {
                        frames: cloud.frames,
                        count: cloud.count,
                        dim: cloud.dim,
                        colour_mode: u32::from(style.colour_mode == ColourMode::Speed),
                        size_px: *size_px,
                        alpha: *alpha,
                        speed_max: style.speed_max.max(1e-6),
                        trail_frames: style.trail_frames.max(1),
                    }),
                );
            }
        }
        let colour_load = self.draw_backdrop(queue, encoder, view, frame);
        let Some(target) = &view.target else {
            return;
        };
        let splatted = match (&view.particles, &view.canvas) {
            (Some(cloud), Some(canvas)) if style.layers.particles || style.layers.trails => {
                encoder.clear_buffer(&canvas.buffer, 0, None);
                let mode = frame.mode.shader_code() as usize;
                let mut pass = encoder.begin_compute_pass(&Default::default());
                pass.set_bind_group(0, &view.view_group, &[]);
                pass.set_bind_group(1, &cloud.group, &[]);
                pass.set_bind_group(2, &canvas.write_group, &[]);
                if style.layers.trails && cloud.frames > 1 {
                    pass.set_pipeline(&self.splat_trails[mode]);
                    dispatch(&mut pass, cloud.count);
                }
                if style.layers.particles {
                    pass.set_pipeline(&self.splat_particles[mode]);
                    dispatch(&mut pass, cloud.count);
                }
                Some(canvas)
            }
            _ => None,
        };
        // Nothing here is hidden by a surface (that is the backdrop's), so no depth buffer.
        let mut pass = begin_pass(
            encoder,
            "flowscope view",
            &target.colour_view,
            colour_load,
            None,
        );
        pass.set_bind_group(0, &view.view_group, &[]);
        if let Some(overlay) = &view.overlay {
            self.draw_segments(&mut pass, &self.overlay_segments, overlay, frame.mode);
        }
        if let Some(canvas) = splatted {
            pass.set_pipeline(&self.splat_resolve);
            pass.set_bind_group(1, &canvas.read_group, &[]);
            pass.draw(0..6, 0..1);
        }
    }

    /// Brings the view's backdrop (background, surface, coupling lines, source and target
    /// samples: nothing that moves with t) up to date and copies it into the picture; returns
    /// how the picture's pass starts. A bare background is a clear, with nothing to copy.
    fn draw_backdrop(
        &self,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        view: &mut ViewResources,
        frame: &Frame,
    ) -> wgpu::LoadOp<wgpu::Color> {
        let style = frame.style;
        let background = style.palette.background.to_f32();
        let clear = wgpu::LoadOp::Clear(wgpu::Color {
            r: background[0] as f64,
            g: background[1] as f64,
            b: background[2] as f64,
            a: 1.0,
        });
        let plane_quad = view.plane_quad.as_ref().map(|(_, quad)| quad);
        let space_surface = view.space_surface.as_ref().map(|(_, mesh)| mesh);
        let surface = self.surface_for(
            frame.mode,
            style,
            view.density_shown,
            plane_quad,
            space_surface,
        );
        let layers = &style.layers;
        let bare = surface.is_none()
            && !(layers.coupling && view.coupling.is_some())
            && !(layers.source && view.source_samples.is_some())
            && !(layers.target && view.target_samples.is_some());
        let (Some(target), Some(backdrop), false) = (&view.target, &mut view.backdrop, bare) else {
            return clear;
        };
        let key = BackdropKey {
            mode: frame.mode,
            clip_from_world: frame.clip_from_world.to_cols_array(),
            eye: frame.eye.to_array(),
            style: *style,
            surface: surface.map(|(_, uniform)| uniform),
            density_generation: view.density_generation,
            content_version: view.content_version,
        };
        if backdrop.drawn.as_ref() != Some(&key) {
            let mut pass = begin_pass(
                encoder,
                "flowscope backdrop",
                &backdrop.view,
                clear,
                Some(&target.depth_view),
            );
            pass.set_bind_group(0, &view.view_group, &[]);
            if let Some((mesh, uniform)) = surface {
                queue.write_buffer(&view.surface_uniform, 0, bytemuck::bytes_of(&uniform));
                pass.set_pipeline(if mesh.closed {
                    &self.closed_mesh
                } else {
                    &self.mesh
                });
                pass.set_bind_group(1, &view.surface_group, &[]);
                pass.set_vertex_buffer(0, mesh.vertices.slice(..));
                pass.set_index_buffer(mesh.indices.slice(..), wgpu::IndexFormat::Uint32);
                pass.draw_indexed(0..mesh.index_count, 0, 0..1);
            }
            if let (Some(coupling), true) = (&view.coupling, style.layers.coupling) {
                self.draw_segments(&mut pass, &self.segments, coupling, frame.mode);
            }
            for (cloud, shown) in [
                (&view.source_samples, style.layers.source),
                (&view.target_samples, style.layers.target),
            ] {
                if let (Some(cloud), true) = (cloud, shown) {
                    pass.set_pipeline(&self.particles[frame.mode.shader_code() as usize]);
                    pass.set_bind_group(1, &cloud.group, &[]);
                    pass.draw(0..4, 0..cloud.count);
                }
            }
            drop(pass);
            backdrop.drawn = Some(key);
        }
        encoder.copy_texture_to_texture(
            backdrop.texture.as_image_copy(),
            target.colour.as_image_copy(),
            backdrop.texture.size(),
        );
        wgpu::LoadOp::Load
    }

    fn draw_segments(
        &self,
        pass: &mut wgpu::RenderPass,
        pipelines: &[wgpu::RenderPipeline; Projection::ALL.len()],
        segments: &GpuSegments,
        mode: ViewMode,
    ) {
        // Seam-crossing segments on the unrolled torus are drawn a second time from the other side.
        let copies = mode.segment_copies();
        pass.set_pipeline(&pipelines[mode.shader_code() as usize]);
        pass.set_bind_group(1, &segments.group, &[]);
        // Each segment is a quad one pixel wide, a triangle strip.
        pass.draw(0..4, 0..segments.count * copies);
    }

    /// The surface a view draws under everything else, and its settings.
    fn surface_for<'a>(
        &'a self,
        mode: ViewMode,
        style: &Style,
        density_shown: bool,
        plane_quad: Option<&'a GpuMesh>,
        space_surface: Option<&'a GpuMesh>,
    ) -> Option<(&'a GpuMesh, SurfaceUniform)> {
        let palette = &style.palette;
        let density_alpha = if density_shown { 1.0 } else { 0.0 };
        let uniform = |lines: [f32; 2], lit: bool| SurfaceUniform {
            colour: palette.surface.to_f32(),
            line_colour: palette.surface_lines.to_f32(),
            lines,
            lit: if lit { 1.0 } else { 0.0 },
            density_alpha,
        };
        match mode.surface {
            Surface::Sphere => Some((&self.sphere, uniform([12.0, 6.0], true))),
            Surface::Donut => Some((&self.donut, uniform([12.0, 4.0], true))),
            Surface::Square => Some((&self.torus_square, uniform([4.0, 4.0], false))),
            // A floor under the heat map gives way to the plane's quad, which carries it.
            Surface::Mesh if density_shown && mode.projection == Projection::Flat => plane_quad
                .map(|quad| {
                    let mut flat = uniform([0.0, 0.0], false);
                    flat.colour = palette.background.to_f32();
                    (quad, flat)
                }),
            Surface::Mesh => space_surface.map(|mesh| {
                (
                    mesh,
                    uniform([0.0, 0.0], mode.projection != Projection::Flat),
                )
            }),
            // Without the heat map the plane is the cleared background: no full-screen pass.
            Surface::Background if !density_shown => None,
            Surface::Background => plane_quad.map(|quad| {
                let mut flat = uniform([0.0, 0.0], false);
                flat.colour = palette.background.to_f32();
                (quad, flat)
            }),
        }
    }
}

/// A render pass into `colour` (started as `load` says), with a fresh depth buffer if given one.
fn begin_pass<'e>(
    encoder: &'e mut wgpu::CommandEncoder,
    label: &str,
    colour: &wgpu::TextureView,
    load: wgpu::LoadOp<wgpu::Color>,
    depth: Option<&wgpu::TextureView>,
) -> wgpu::RenderPass<'e> {
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some(label),
        color_attachments: &[Some(wgpu::RenderPassColorAttachment {
            view: colour,
            depth_slice: None,
            resolve_target: None,
            ops: wgpu::Operations {
                load,
                store: wgpu::StoreOp::Store,
            },
        })],
        depth_stencil_attachment: depth.map(|view| wgpu::RenderPassDepthStencilAttachment {
            view,
            depth_ops: Some(wgpu::Operations {
                load: wgpu::LoadOp::Clear(1.0),
                store: wgpu::StoreOp::Discard,
            }),
            stencil_ops: None,
        }),
        timestamp_writes: None,
        occlusion_query_set: None,
        multiview_mask: None,
    })
}

struct GpuCloud {
    uniform: wgpu::Buffer,
    group: wgpu::BindGroup,
    frames: u32,
    count: u32,
    dim: u32,
}

/// Workgroups of 64 covering `invocations`, in rows of at most 65 535 groups.
fn dispatch(pass: &mut wgpu::ComputePass, invocations: u32) {
    const ROW: u32 = 65_535;
    let groups = invocations.div_ceil(64).max(1);
    pass.dispatch_workgroups(groups.min(ROW), groups.div_ceil(ROW), 1);
}

/// The splat pass's output: one u32 per pixel, then the rectangle plotted in (canvas.wgsl).
struct Canvas {
    buffer: wgpu::Buffer,
    write_group: wgpu::BindGroup,
    read_group: wgpu::BindGroup,
}

impl Canvas {
    fn new(renderer: &Renderer, device: &wgpu::Device, size: [u32; 2]) -> Self {
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("flowscope canvas"),
            size: (u64::from(size[0]) * u64::from(size[1]) + 4) * 4,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let group = |layout: &wgpu::BindGroupLayout| {
            device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("flowscope canvas"),
                layout,
                entries: &[wgpu::BindGroupEntry {
                    binding: 0,
                    resource: buffer.as_entire_binding(),
                }],
            })
        };
        Self {
            write_group: group(&renderer.canvas_write_layout),
            read_group: group(&renderer.canvas_read_layout),
            buffer,
        }
    }
}

struct GpuSegments {
    group: wgpu::BindGroup,
    count: u32,
}

/// Everything the backdrop depends on.
#[derive(PartialEq)]
struct BackdropKey {
    mode: ViewMode,
    clip_from_world: [f32; 16],
    eye: [f32; 3],
    style: Style,
    surface: Option<SurfaceUniform>,
    density_generation: u64,
    content_version: Option<u64>,
}

/// The view's layers that do not move with t (background, surface, the batch's coupling lines,
/// source and target samples) as last drawn. A software rasteriser spends longer on them than
/// on all the moving particles (every sample disc and mesh triangle costs a set-up), so they
/// are drawn again only when the camera, the style or the snapshot changes, and copied
/// otherwise.
struct Backdrop {
    texture: wgpu::Texture,
    view: wgpu::TextureView,
    drawn: Option<BackdropKey>,
}

impl Backdrop {
    fn new(device: &wgpu::Device, size: [u32; 2]) -> Self {
        let texture = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("flowscope backdrop"),
            size: wgpu::Extent3d {
                width: size[0],
                height: size[1],
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: COLOUR_FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        Self {
            view: texture.create_view(&wgpu::TextureViewDescriptor::default()),
            texture,
            drawn: None,
        }
    }
}

/// What one view keeps on the GPU: its target, uniforms, uploaded snapshot and overlays.
pub struct ViewResources {
    target: Option<RenderTarget>,
    canvas: Option<Canvas>,
    backdrop: Option<Backdrop>,
    view_uniform: wgpu::Buffer,
    view_group: wgpu::BindGroup,
    surface_uniform: wgpu::Buffer,
    surface_group: wgpu::BindGroup,
    density_texture: wgpu::Texture,
    density_shown: bool,
    /// Changes whenever the heat map's pixels or placement do.
    density_generation: u64,
    /// The heat map last uploaded.
    density_image: Option<DensityImage>,
    /// The plane's heat-map quad and the world rectangle it covers.
    plane_quad: Option<([f32; 4], GpuMesh)>,
    /// The space's own surface on the GPU, with the mesh it was made from.
    space_surface: Option<(std::sync::Arc<MeshData>, GpuMesh)>,
    particles: Option<GpuCloud>,
    source_samples: Option<GpuCloud>,
    target_samples: Option<GpuCloud>,
    coupling: Option<GpuSegments>,
    overlay: Option<GpuSegments>,
    /// The segments `overlay` holds, to tell when they change.
    overlay_segments: Vec<Segment>,
    content_version: Option<u64>,
}

impl ViewResources {
    pub fn new(renderer: &Renderer, device: &wgpu::Device) -> Self {
        let view_uniform = parameter_buffer::<ViewUniform>(device, "flowscope view uniform");
        let view_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("flowscope view"),
            layout: &renderer.view_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: view_uniform.as_entire_binding(),
            }],
        });
        let surface_uniform =
            parameter_buffer::<SurfaceUniform>(device, "flowscope surface uniform");
        let density_texture = density_texture(device, 1, 1);
        let surface_group = surface_group(renderer, device, &surface_uniform, &density_texture);
        Self {
            target: None,
            canvas: None,
            backdrop: None,
            view_uniform,
            view_group,
            surface_uniform,
            surface_group,
            density_texture,
            density_shown: false,
            density_generation: 0,
            density_image: None,
            plane_quad: None,
            space_surface: None,
            particles: None,
            source_samples: None,
            target_samples: None,
            coupling: None,
            overlay: None,
            overlay_segments: Vec::new(),
            content_version: None,
        }
    }

    /// The view's picture, resized to `size` (recreated only when the size changes).
    pub fn ensure_target(
        &mut self,
        renderer: &Renderer,
        device: &wgpu::Device,
        size: [u32; 2],
    ) -> Result<&RenderTarget> {
        if self.target.as_ref().is_none_or(|t| t.size != size) {
            self.target = Some(RenderTarget::new(device, size)?);
            self.canvas = Some(Canvas::new(renderer, device, size));
            self.backdrop = Some(Backdrop::new(device, size));
        }
        Ok(self.target.as_ref().expect("just created"))
    }

    pub fn target(&self) -> Option<&RenderTarget> {
        self.target.as_ref()
    }

    /// Uploads a snapshot's content unless this version is already on the GPU.
    pub fn set_content(
        &mut self,
        renderer: &Renderer,
        device: &wgpu::Device,
        content: &DrawContent,
    ) {
        if self.content_version == Some(content.version) {
            return;
        }
        self.particles = upload_cloud(renderer, device, &content.particles);
        self.source_samples = upload_cloud(renderer, device, &content.source);
        self.target_samples = upload_cloud(renderer, device, &content.target);
        self.coupling = upload_segments(renderer, device, &content.coupling);
        match &content.surface {
            // The same mesh stays on the GPU from snapshot to snapshot.
            Some((data, _))
                if self
                    .space_surface
                    .as_ref()
                    .is_some_and(|(uploaded, _)| std::sync::Arc::ptr_eq(uploaded, data)) => {}
            Some((data, closed)) => {
                self.space_surface = Some((data.clone(), GpuMesh::new(device, data, *closed)));
            }
            None => self.space_surface = None,
        }
        self.content_version = Some(content.version);
    }

    /// Replaces the per-frame segments (grid, axes, field arrows), uploading them only when
    /// they change (most frames they do not: the camera stands still).
    pub fn set_overlay(
        &mut self,
        renderer: &Renderer,
        device: &wgpu::Device,
        segments: &[Segment],
    ) {
        if self.overlay_segments == segments {
            return;
        }
        self.overlay = upload_segments(renderer, device, segments);
        self.overlay_segments = segments.to_vec();
    }

    /// Shows `image` on the view's surface, or hides the density layer.
    pub fn set_density(
        &mut self,
        renderer: &Renderer,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        image: Option<&DensityImage>,
    ) {
        let Some(image) = image else {
            self.density_shown = false;
            self.plane_quad = None;
            return;
        };
        if self.density_shown && self.density_image.as_ref() == Some(image) {
            return;
        }
        let size = self.density_texture.size();
        if size.width != image.width || size.height != image.height {
            self.density_texture = density_texture(device, image.width, image.height);
            self.surface_group = surface_group(
                renderer,
                device,
                &self.surface_uniform,
                &self.density_texture,
            );
        }
        queue.write_texture(
            self.density_texture.as_image_copy(),
            &image.rgba,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(image.width * 4),
                rows_per_image: Some(image.height),
            },
            self.density_texture.size(),
        );
        self.density_shown = true;
        self.density_image = Some(image.clone());
        self.density_generation += 1;
        let rect = [
            image.world_min.x,
            image.world_min.y,
            image.world_max.x,
            image.world_max.y,
        ];
        if self.plane_quad.as_ref().is_none_or(|(r, _)| *r != rect) {
            let quad = mesh::quad([rect[0], rect[1]], [rect[2], rect[3]]);
            self.plane_quad = Some((rect, GpuMesh::new(device, &quad, false)));
        }
    }
}

fn density_texture(device: &wgpu::Device, width: u32, height: u32) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some("flowscope density"),
        size: wgpu::Extent3d {
            width: width.max(1),
            height: height.max(1),
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba8Unorm,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    })
}

fn surface_group(
    renderer: &Renderer,
    device: &wgpu::Device,
    uniform: &wgpu::Buffer,
    texture: &wgpu::Texture,
) -> wgpu::BindGroup {
    let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("flowscope surface"),
        layout: &renderer.surface_layout,
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: uniform.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::TextureView(&view),
            },
            wgpu::BindGroupEntry {
                binding: 2,
                resource: wgpu::BindingResource::Sampler(&renderer.sampler),
            },
        ],
    })
}

fn storage_buffer(device: &wgpu::Device, label: &str, bytes: &[u8]) -> wgpu::Buffer {
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(label),
        contents: bytes,
        usage: wgpu::BufferUsages::STORAGE,
    })
}

/// A buffer for one draw's parameters (a view, a cloud, a surface), bound as read-only storage
/// rather than as a uniform: Mesa's lavapipe (22.3) compiles a new copy of a shader whose
/// branches or loop bounds read a uniform each time a new uniform buffer is bound to it, and
/// never frees the copies (a window training or animating grew by 10 MB a minute).
fn parameter_buffer<T>(device: &wgpu::Device, label: &str) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: std::mem::size_of::<T>() as u64,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

fn upload_cloud(renderer: &Renderer, device: &wgpu::Device, cloud: &CloudData) -> Option<GpuCloud> {
    if cloud.is_empty() {
        return None;
    }
    let uniform = parameter_buffer::<CloudUniform>(device, "flowscope cloud uniform");
    let (frames, positions) =
        fitting_frames(cloud, device.limits().max_storage_buffer_binding_size);
    let order = walk_order(&positions, frames, cloud.count, cloud.dim);
    let positions = storage_buffer(
        device,
        "flowscope positions",
        bytemuck::cast_slice(&particle_major(&positions, frames, cloud.dim, &order)),
    );
    let colours: Vec<u32> = order.iter().map(|&i| cloud.colours[i].packed()).collect();
    let colours = storage_buffer(device, "flowscope colours", bytemuck::cast_slice(&colours));
    let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("flowscope cloud"),
        layout: &renderer.cloud_layout,
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: uniform.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: positions.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 2,
                resource: colours.as_entire_binding(),
            },
        ],
    });
    Some(GpuCloud {
        uniform,
        group,
        frames: frames as u32,
        count: cloud.count as u32,
        dim: cloud.dim as u32,
    })
}

/// The order in which the GPU walks the particles: by the length of their recorded path. A
/// software rasteriser runs eight neighbouring invocations in lock-step, each vector as long as
/// its longest trail, so neighbours with trails of similar length waste far fewer steps.
fn walk_order(positions: &[f32], frames: usize, count: usize, dim: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..count).collect();
    if frames < 2 {
        return order;
    }
    let mut lengths = vec![0.0f32; count];
    for pair in positions
        .chunks_exact(count * dim)
        .collect::<Vec<_>>()
        .windows(2)
    {
        let steps = pair[0].chunks_exact(dim).zip(pair[1].chunks_exact(dim));
        for (length, (a, b)) in lengths.iter_mut().zip(steps) {
            *length += a
                .iter()
                .zip(b)
                .map(|(a, b)| (b - a) * (b - a))
                .sum::<f32>()
                .sqrt();
        }
    }
    order.sort_unstable_by(|a, b| lengths[*a].total_cmp(&lengths[*b]).then(a.cmp(b)));
    order
}

/// `[frames, count, dim]` rows reordered to `[count, frames, dim]` with the particles in `order`:
/// a trail's states are then neighbours in memory, so walking it reads a few cache lines
/// instead of one per state.
fn particle_major(positions: &[f32], frames: usize, dim: usize, order: &[usize]) -> Vec<f32> {
    let count = order.len();
    let mut out = vec![0.0; positions.len()];
    for (frame, states) in positions.chunks_exact(count * dim).enumerate() {
        for (slot, &particle) in order.iter().enumerate() {
            let at = (slot * frames + frame) * dim;
            out[at..at + dim].copy_from_slice(&states[particle * dim..(particle + 1) * dim]);
        }
    }
    out
}

/// The cloud's frames, thinned evenly (first and last kept) when all of them would not fit in
/// one storage buffer binding: many particles then animate with fewer recorded states.
fn fitting_frames(cloud: &CloudData, max_bytes: u64) -> (usize, std::borrow::Cow<'_, [f32]>) {
    let frame_len = cloud.count * cloud.dim;
    let frame_bytes = (frame_len * 4) as u64;
    let fit = (max_bytes / frame_bytes.max(1)).max(2) as usize;
    if cloud.frames <= fit {
        return (
            cloud.frames,
            std::borrow::Cow::Borrowed(&cloud.positions[..]),
        );
    }
    let mut kept = Vec::with_capacity(fit * frame_len);
    for i in 0..fit {
        let frame = (i * (cloud.frames - 1) + (fit - 1) / 2) / (fit - 1);
        kept.extend_from_slice(&cloud.positions[frame * frame_len..(frame + 1) * frame_len]);
    }
    (fit, std::borrow::Cow::Owned(kept))
}

fn upload_segments(
    renderer: &Renderer,
    device: &wgpu::Device,
    segments: &[Segment],
) -> Option<GpuSegments> {
    if segments.is_empty() {
        return None;
    }
    let buffer = storage_buffer(device, "flowscope segments", bytemuck::cast_slice(segments));
    let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("flowscope segments"),
        layout: &renderer.segments_layout,
        entries: &[wgpu::BindGroupEntry {
            binding: 0,
            resource: buffer.as_entire_binding(),
        }],
    });
    Some(GpuSegments {
        group,
        count: segments.len() as u32,
    })
}
