//! Copies a view's picture into the window's render pass (egui's paint callback).

use super::renderer::{sampler_entry, texture_entry};
use super::target::RenderTarget;

pub struct Compositor {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    sampler: wgpu::Sampler,
    /// Whether the window's format is sRGB (then the picture is sampled through its sRGB view,
    /// so the bytes arrive unchanged).
    srgb_output: bool,
}

impl Compositor {
    pub fn new(device: &wgpu::Device, output_format: wgpu::TextureFormat) -> Self {
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("flowscope composite"),
            entries: &[texture_entry(0), sampler_entry(1)],
        });
        let source = super::shader_sources()
            .into_iter()
            .find(|(name, _)| *name == "composite.wgsl")
            .expect("the composite shader exists")
            .1;
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("composite.wgsl"),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("flowscope composite"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("flowscope composite"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &shader,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            primitive: Default::default(),
            depth_stencil: None,
            multisample: Default::default(),
            fragment: Some(wgpu::FragmentState {
                module: &shader,
                entry_point: Some("fs_main"),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format: output_format,
                    blend: None,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        });
        Self {
            pipeline,
            layout,
            sampler: device.create_sampler(&wgpu::SamplerDescriptor::default()),
            srgb_output: output_format.is_srgb(),
        }
    }

    /// A bind group showing `target`'s picture.
    pub fn bind(&self, device: &wgpu::Device, target: &RenderTarget) -> wgpu::BindGroup {
        let view = if self.srgb_output {
            &target.colour_view_srgb
        } else {
            &target.colour_view
        };
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("flowscope composite"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::TextureView(view),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::Sampler(&self.sampler),
                },
            ],
        })
    }

    pub fn paint(&self, pass: &mut wgpu::RenderPass<'static>, picture: &wgpu::BindGroup) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, picture, &[]);
        pass.draw(0..3, 0..1);
    }
}
