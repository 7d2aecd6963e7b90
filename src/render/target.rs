//! A view's own colour and depth textures: drawn into by the renderer, then composited into the
//! window or read back for export and tests.

use crate::{Error, Result};

/// The colour format of every view texture (sRGB-encoded bytes, blended like egui blends).
pub const COLOUR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
pub const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

pub struct RenderTarget {
    pub colour: wgpu::Texture,
    pub colour_view: wgpu::TextureView,
    /// The same texels seen as sRGB, for compositing into an sRGB window surface.
    pub colour_view_srgb: wgpu::TextureView,
    pub depth_view: wgpu::TextureView,
    pub size: [u32; 2],
}

/// The largest view or export size accepted (also wgpu's guaranteed texture limit).
pub const MAX_SIDE_PX: u32 = 8192;

impl RenderTarget {
    pub fn new(device: &wgpu::Device, size: [u32; 2]) -> Result<Self> {
        if size[0] == 0 || size[1] == 0 || size[0] > MAX_SIDE_PX || size[1] > MAX_SIDE_PX {
            return Err(Error::invalid(format!(
                "a picture must be between 1×1 and {MAX_SIDE_PX}×{MAX_SIDE_PX} pixels, got {}×{}",
                size[0], size[1]
            )));
        }
        let extent = wgpu::Extent3d {
            width: size[0],
            height: size[1],
            depth_or_array_layers: 1,
        };
        let colour = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("flowscope view colour"),
            size: extent,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: COLOUR_FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT
                | wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::COPY_SRC
                | wgpu::TextureUsages::COPY_DST,
            view_formats: &[wgpu::TextureFormat::Rgba8UnormSrgb],
        });
        let depth = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("flowscope view depth"),
            size: extent,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: DEPTH_FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            view_formats: &[],
        });
        Ok(Self {
            colour_view: colour.create_view(&wgpu::TextureViewDescriptor::default()),
            colour_view_srgb: colour.create_view(&wgpu::TextureViewDescriptor {
                format: Some(wgpu::TextureFormat::Rgba8UnormSrgb),
                ..Default::default()
            }),
            depth_view: depth.create_view(&wgpu::TextureViewDescriptor::default()),
            colour,
            size,
        })
    }

    /// Copies the picture back to the CPU as tightly packed RGBA8 rows (top row first).
    pub fn read_rgba(&self, device: &wgpu::Device, queue: &wgpu::Queue) -> Result<Vec<u8>> {
        let [width, height] = self.size;
        let row_bytes = width * 4;
        // Buffer rows must be padded to 256 bytes.
        let padded_row_bytes = row_bytes.div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT)
            * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("flowscope readback"),
            size: padded_row_bytes as u64 * height as u64,
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        let mut encoder = device.create_command_encoder(&Default::default());
        encoder.copy_texture_to_buffer(
            self.colour.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(padded_row_bytes),
                    rows_per_image: Some(height),
                },
            },
            wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
        );
        queue.submit([encoder.finish()]);
        let slice = buffer.slice(..);
        let (sender, receiver) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |result| {
            let _ = sender.send(result);
        });
        device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::Device(format!("the GPU stopped while reading a picture: {e}")))?;
        receiver
            .recv()
            .map_err(|_| Error::Device("the GPU dropped a picture read-back".into()))?
            .map_err(|e| Error::Device(format!("could not read a picture back: {e}")))?;
        let mapped = slice
            .get_mapped_range()
            .map_err(|e| Error::Device(format!("could not map a picture read-back: {e:?}")))?;
        let mut pixels = Vec::with_capacity((row_bytes * height) as usize);
        for row in mapped.chunks(padded_row_bytes as usize) {
            pixels.extend_from_slice(&row[..row_bytes as usize]);
        }
        drop(mapped);
        buffer.unmap();
        Ok(pixels)
    }
}
