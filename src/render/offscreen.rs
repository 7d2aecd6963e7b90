//! A GPU device without a window, for export, the render benchmark and tests. Any adapter will
//! do, software ones included: drawing (unlike training) is fine on lavapipe.

use super::renderer::Renderer;
use super::view::{Frame, ViewResources};
use crate::{Error, Result};

/// How the devices that only draw (the window's, the exports') reserve memory. wgpu's default
/// reserves it in blocks of 128–256 MiB and keeps them while anything lives in them; a software
/// rasteriser takes device memory from the process's own heap, so a burst of window resizes
/// (each frame's view targets at a new size) left a second 128 MiB block resident for the rest
/// of a lecture (heaptrack, in the soak). Blocks of 4–8 MiB hold the small resources; a large
/// view's targets get allocations of their own, given back as soon as they are dropped.
pub const DRAWING_MEMORY_HINTS: wgpu::MemoryHints = wgpu::MemoryHints::Manual {
    suballocated_device_memory_block_size: 4 << 20..8 << 20,
};

pub struct Offscreen {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub renderer: Renderer,
    /// The adapter's name and backend, for reports.
    pub adapter: String,
}

impl Offscreen {
    pub fn new() -> Result<Self> {
        crate::device::without_driver_noise(Self::open)
    }

    /// Draws with the device burn trains on (the handles [`crate::device::select_for_window`]
    /// returns), as the window does, so a GPU run's export needs no second device.
    pub fn sharing(setup: &burn::tensor::wgpu::WgpuSetup) -> Self {
        let info = setup.adapter.get_info();
        Self {
            renderer: Renderer::new(&setup.device),
            device: setup.device.clone(),
            queue: setup.queue.clone(),
            adapter: format!("{} [{:?}], shared with training", info.name, info.backend),
        }
    }

    fn open() -> Result<Self> {
        // Not GL: the views read storage buffers in their vertex shaders, which it cannot.
        let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle();
        descriptor.backends = wgpu::Backends::from_env().unwrap_or(wgpu::Backends::PRIMARY);
        let instance = wgpu::Instance::new(descriptor);
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        }))
        .map_err(|e| {
            Error::Device(format!(
                "no GPU adapter for drawing was found ({e}); on Linux install Mesa's Vulkan driver (mesa-vulkan-drivers)"
            ))
        })?;
        let info = adapter.get_info();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("flowscope offscreen"),
            required_limits: adapter.limits(),
            memory_hints: DRAWING_MEMORY_HINTS,
            ..Default::default()
        }))
        .map_err(|e| Error::Device(format!("could not open the GPU '{}': {e}", info.name)))?;
        let renderer = Renderer::new(&device);
        Ok(Self {
            device,
            queue,
            renderer,
            adapter: format!("{} [{:?}]", info.name, info.backend),
        })
    }

    /// Draws `frame` at `size` into `view`'s target and submits the work.
    pub fn render(&self, view: &mut ViewResources, frame: &Frame, size: [u32; 2]) -> Result<()> {
        view.ensure_target(&self.renderer, &self.device, size)?;
        let mut encoder = self.device.create_command_encoder(&Default::default());
        self.renderer.draw(&self.queue, &mut encoder, view, frame);
        self.queue.submit([encoder.finish()]);
        Ok(())
    }

    /// Draws `frame` and returns its RGBA8 pixels, top row first.
    pub fn render_rgba(
        &self,
        view: &mut ViewResources,
        frame: &Frame,
        size: [u32; 2],
    ) -> Result<Vec<u8>> {
        self.render(view, frame, size)?;
        view.target()
            .expect("render created the target")
            .read_rgba(&self.device, &self.queue)
    }

    /// Waits until the GPU has finished everything submitted.
    pub fn finish(&self) -> Result<()> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| Error::Device(format!("the GPU stopped: {e}")))
    }
}
