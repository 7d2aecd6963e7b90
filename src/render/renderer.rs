//! The pipelines (one WGSL file each, sharing common.wgsl), their bind-group layouts and the
//! shared meshes, built once per GPU device. What a view keeps and how it draws with them is in
//! `view.rs`.

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

use super::mesh::{self, MeshData, Vertex};
use super::target::{COLOUR_FORMAT, DEPTH_FORMAT};
use super::views::Projection;

const COMMON: &str = include_str!("../../shaders/common.wgsl");
const CLOUD: &str = include_str!("../../shaders/cloud.wgsl");
const CANVAS: &str = include_str!("../../shaders/canvas.wgsl");

/// Every pipeline's WGSL source as compiled (shared prelude included), by file name.
pub fn shader_sources() -> [(&'static str, String); 6] {
    [
        (
            "particles.wgsl",
            [COMMON, CLOUD, include_str!("../../shaders/particles.wgsl")].concat(),
        ),
        (
            "splat.wgsl",
            [
                COMMON,
                CLOUD,
                CANVAS,
                include_str!("../../shaders/splat.wgsl"),
            ]
            .concat(),
        ),
        (
            "splat_resolve.wgsl",
            [
                COMMON,
                CANVAS,
                include_str!("../../shaders/splat_resolve.wgsl"),
            ]
            .concat(),
        ),
        (
            "segments.wgsl",
            [COMMON, include_str!("../../shaders/segments.wgsl")].concat(),
        ),
        (
            "mesh.wgsl",
            [COMMON, include_str!("../../shaders/mesh.wgsl")].concat(),
        ),
        (
            "composite.wgsl",
            include_str!("../../shaders/composite.wgsl").to_string(),
        ),
    ]
}

/// Matches `View` in common.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(super) struct ViewUniform {
    pub(super) clip_from_world: [f32; 16],
    pub(super) eye: [f32; 4],
    pub(super) viewport_px: [f32; 2],
    pub(super) t: f32,
    pub(super) mode: u32,
    pub(super) back_alpha: f32,
    pub(super) pad: [f32; 3],
}

/// Matches `Cloud` in cloud.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(super) struct CloudUniform {
    pub(super) frames: u32,
    pub(super) count: u32,
    pub(super) dim: u32,
    pub(super) colour_mode: u32,
    pub(super) size_px: f32,
    pub(super) alpha: f32,
    pub(super) speed_max: f32,
    pub(super) trail_frames: u32,
}

/// Matches `Surface` in mesh.wgsl.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Pod, Zeroable)]
pub(super) struct SurfaceUniform {
    pub(super) colour: [f32; 4],
    pub(super) line_colour: [f32; 4],
    pub(super) lines: [f32; 2],
    pub(super) lit: f32,
    pub(super) density_alpha: f32,
}

pub(super) struct GpuMesh {
    pub(super) vertices: wgpu::Buffer,
    pub(super) indices: wgpu::Buffer,
    pub(super) index_count: u32,
    pub(super) closed: bool,
}

impl GpuMesh {
    pub(super) fn new(device: &wgpu::Device, data: &MeshData, closed: bool) -> Self {
        Self {
            vertices: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("flowscope mesh vertices"),
                contents: bytemuck::cast_slice(&data.vertices),
                usage: wgpu::BufferUsages::VERTEX,
            }),
            indices: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("flowscope mesh indices"),
                contents: bytemuck::cast_slice(&data.indices),
                usage: wgpu::BufferUsages::INDEX,
            }),
            index_count: data.indices.len() as u32,
            closed,
        }
    }
}

/// The compiled pipelines and shared meshes; one per GPU device.
pub struct Renderer {
    pub(super) view_layout: wgpu::BindGroupLayout,
    pub(super) cloud_layout: wgpu::BindGroupLayout,
    pub(super) segments_layout: wgpu::BindGroupLayout,
    pub(super) surface_layout: wgpu::BindGroupLayout,
    pub(super) canvas_write_layout: wgpu::BindGroupLayout,
    pub(super) canvas_read_layout: wgpu::BindGroupLayout,
    /// Source and target samples as small discs. This and the segment pipelines are made once
    /// per projection (indexed by `Projection::shader_code`), with the view mode fixed: lavapipe
    /// (Mesa 22.3) leaks memory on every draw whose vertex shader branches on it at run time,
    /// about 7 MB/s in the window.
    pub(super) particles: [wgpu::RenderPipeline; Projection::ALL.len()],
    /// The moving particles and their trails, drawn by compute into the view's canvas (one
    /// pipeline per projection, indexed by `Projection::shader_code`)...
    pub(super) splat_trails: [wgpu::ComputePipeline; Projection::ALL.len()],
    pub(super) splat_particles: [wgpu::ComputePipeline; Projection::ALL.len()],
    /// ...and turned into colours.
    pub(super) splat_resolve: wgpu::RenderPipeline,
    /// Lines in the backdrop (the batch's coupling)...
    pub(super) segments: [wgpu::RenderPipeline; Projection::ALL.len()],
    /// ...and over it every frame (grid, arrows), in a pass without a depth buffer.
    pub(super) overlay_segments: [wgpu::RenderPipeline; Projection::ALL.len()],
    /// Flat surfaces (both sides drawn) and closed ones (far half culled).
    pub(super) mesh: wgpu::RenderPipeline,
    pub(super) closed_mesh: wgpu::RenderPipeline,
    pub(super) sampler: wgpu::Sampler,
    pub(super) sphere: GpuMesh,
    pub(super) donut: GpuMesh,
    pub(super) torus_square: GpuMesh,
}

fn storage_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    storage_entry_for(binding, ALL_STAGES, true)
}

const ALL_STAGES: wgpu::ShaderStages =
    wgpu::ShaderStages::VERTEX_FRAGMENT.union(wgpu::ShaderStages::COMPUTE);

fn storage_entry_for(
    binding: u32,
    visibility: wgpu::ShaderStages,
    read_only: bool,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

/// A filterable 2-D texture read by the fragment stage.
pub(super) fn texture_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Float { filterable: true },
            view_dimension: wgpu::TextureViewDimension::D2,
            multisampled: false,
        },
        count: None,
    }
}

/// A filtering sampler for the fragment stage.
pub(super) fn sampler_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
        count: None,
    }
}

/// How a pipeline uses the depth buffer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DepthUse {
    /// Hidden behind nearer points of the surface, and hiding what is farther.
    Nearest,
    /// Drawn over everything before it, in a pass that has a depth buffer.
    Over,
    /// For a pass without a depth buffer.
    NoBuffer,
}

const ALPHA_BLEND: wgpu::BlendState = wgpu::BlendState {
    color: wgpu::BlendComponent {
        src_factor: wgpu::BlendFactor::SrcAlpha,
        dst_factor: wgpu::BlendFactor::OneMinusSrcAlpha,
        operation: wgpu::BlendOperation::Add,
    },
    alpha: wgpu::BlendComponent::OVER,
};

impl Renderer {
    pub fn new(device: &wgpu::Device) -> Self {
        let view_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("flowscope view"),
            entries: &[storage_entry(0)],
        });
        let cloud_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("flowscope cloud"),
            entries: &[storage_entry(0), storage_entry(1), storage_entry(2)],
        });
        let canvas_write_layout =
            device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("flowscope canvas (write)"),
                entries: &[storage_entry_for(0, wgpu::ShaderStages::COMPUTE, false)],
            });
        let canvas_read_layout =
            device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("flowscope canvas (read)"),
                entries: &[storage_entry_for(
                    0,
                    wgpu::ShaderStages::VERTEX_FRAGMENT,
                    true,
                )],
            });
        let segments_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("flowscope segments"),
            entries: &[storage_entry(0)],
        });
        let surface_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("flowscope surface"),
            entries: &[storage_entry(0), texture_entry(1), sampler_entry(2)],
        });
        let sources = shader_sources();
        let module = |name: &str| {
            let source = &sources
                .iter()
                .find(|(file, _)| *file == name)
                .expect("every pipeline has a shader")
                .1;
            let desc = wgpu::ShaderModuleDescriptor {
                label: Some(name),
                source: wgpu::ShaderSource::Wgsl(source.as_str().into()),
            };
            // SAFETY: every loop in our shaders is bounded (trail length, MAX_STEPS, a clamped
            // disc radius), so dropping wgpu's loop counters (a tenth of the trail pass on a
            // software rasteriser) cannot turn an infinite loop into undefined behaviour.
            // Buffer bounds checks stay on.
            unsafe {
                device.create_shader_module_trusted(
                    desc,
                    wgpu::ShaderRuntimeChecks {
                        force_loop_bounding: false,
                        ..wgpu::ShaderRuntimeChecks::checked()
                    },
                )
            }
        };
        let pipeline = |name: &str,
                        entry_point: &str,
                        groups: &[&wgpu::BindGroupLayout],
                        primitive: wgpu::PrimitiveState,
                        buffers: &[Option<wgpu::VertexBufferLayout>],
                        depth: DepthUse,
                        projection: Option<Projection>| {
            let shader = module(name);
            let fixed = projection.map(|p| [("FIXED_MODE", f64::from(p.shader_code()))]);
            let compilation_options = || wgpu::PipelineCompilationOptions {
                constants: fixed.as_ref().map_or(&[], |c| c.as_slice()),
                ..Default::default()
            };
            let layouts: Vec<Option<&wgpu::BindGroupLayout>> =
                groups.iter().map(|g| Some(*g)).collect();
            let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(name),
                bind_group_layouts: &layouts,
                immediate_size: 0,
            });
            device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some(name),
                layout: Some(&layout),
                vertex: wgpu::VertexState {
                    module: &shader,
                    entry_point: Some(entry_point),
                    compilation_options: compilation_options(),
                    buffers,
                },
                primitive,
                depth_stencil: (depth != DepthUse::NoBuffer).then(|| {
                    let nearest = depth == DepthUse::Nearest;
                    wgpu::DepthStencilState {
                        format: DEPTH_FORMAT,
                        depth_write_enabled: Some(nearest),
                        depth_compare: Some(if nearest {
                            wgpu::CompareFunction::Less
                        } else {
                            wgpu::CompareFunction::Always
                        }),
                        stencil: Default::default(),
                        bias: Default::default(),
                    }
                }),
                multisample: Default::default(),
                fragment: Some(wgpu::FragmentState {
                    module: &shader,
                    entry_point: Some("fs_main"),
                    compilation_options: compilation_options(),
                    targets: &[Some(wgpu::ColorTargetState {
                        format: COLOUR_FORMAT,
                        blend: Some(ALPHA_BLEND),
                        write_mask: wgpu::ColorWrites::ALL,
                    })],
                }),
                multiview_mask: None,
                cache: None,
            })
        };
        let vertex_layout = wgpu::VertexBufferLayout {
            array_stride: std::mem::size_of::<Vertex>() as u64,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3, 2 => Float32x2],
        };
        use wgpu::PrimitiveTopology::{TriangleList, TriangleStrip};
        let all_faces = |topology| wgpu::PrimitiveState {
            topology,
            ..Default::default()
        };
        // Closed surfaces (mesh.rs winds them outwards) hide their own far half.
        let front_faces = wgpu::PrimitiveState {
            cull_mode: Some(wgpu::Face::Back),
            ..all_faces(TriangleList)
        };
        let splat = module("splat.wgsl");
        let splat_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("splat.wgsl"),
            bind_group_layouts: &[
                Some(&view_layout),
                Some(&cloud_layout),
                Some(&canvas_write_layout),
            ],
            immediate_size: 0,
        });
        let compute = |entry_point: &str| {
            Projection::ALL.map(|projection| {
                device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(entry_point),
                    layout: Some(&splat_layout),
                    module: &splat,
                    entry_point: Some(entry_point),
                    compilation_options: wgpu::PipelineCompilationOptions {
                        constants: &[("FIXED_MODE", f64::from(projection.shader_code()))],
                        ..Default::default()
                    },
                    cache: None,
                })
            })
        };
        let segment_pipelines = |depth| {
            Projection::ALL.map(|projection| {
                pipeline(
                    "segments.wgsl",
                    "vs_main",
                    &[&view_layout, &segments_layout],
                    all_faces(TriangleStrip),
                    &[],
                    depth,
                    Some(projection),
                )
            })
        };
        let tau = std::f32::consts::TAU;
        Self {
            particles: Projection::ALL.map(|projection| {
                pipeline(
                    "particles.wgsl",
                    "vs_main",
                    &[&view_layout, &cloud_layout],
                    all_faces(TriangleStrip),
                    &[],
                    DepthUse::Over,
                    Some(projection),
                )
            }),
            splat_trails: compute("trails"),
            splat_particles: compute("particles"),
            splat_resolve: pipeline(
                "splat_resolve.wgsl",
                "vs_main",
                &[&view_layout, &canvas_read_layout],
                all_faces(TriangleList),
                &[],
                DepthUse::NoBuffer,
                None,
            ),
            segments: segment_pipelines(DepthUse::Over),
            overlay_segments: segment_pipelines(DepthUse::NoBuffer),
            mesh: pipeline(
                "mesh.wgsl",
                "vs_main",
                &[&view_layout, &surface_layout],
                all_faces(TriangleList),
                &[Some(vertex_layout.clone())],
                DepthUse::Nearest,
                None,
            ),
            closed_mesh: pipeline(
                "mesh.wgsl",
                "vs_main",
                &[&view_layout, &surface_layout],
                front_faces,
                &[Some(vertex_layout)],
                DepthUse::Nearest,
                None,
            ),
            sampler: device.create_sampler(&wgpu::SamplerDescriptor {
                label: Some("flowscope density"),
                address_mode_u: wgpu::AddressMode::Repeat,
                address_mode_v: wgpu::AddressMode::ClampToEdge,
                mag_filter: wgpu::FilterMode::Linear,
                min_filter: wgpu::FilterMode::Linear,
                ..Default::default()
            }),
            sphere: GpuMesh::new(device, &mesh::sphere(), true),
            donut: GpuMesh::new(device, &mesh::donut(), true),
            torus_square: GpuMesh::new(device, &mesh::quad([0.0, 0.0], [tau, tau]), false),
            view_layout,
            cloud_layout,
            segments_layout,
            surface_layout,
            canvas_write_layout,
            canvas_read_layout,
        }
    }
}
