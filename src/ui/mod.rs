//! The desktop window (eframe + egui-wgpu): one file per part, as in egui's demo app.
//! `flowscope` with no arguments opens it.

mod app;
mod controls;
mod dialogs;
mod distances;
mod draw;
mod export;
mod histograms;
mod plots;
mod run;
mod scenes;
mod surface;
mod sweep;
mod viewport;

pub use app::{DeviceInfo, FlowscopeApp};
pub use run::Run;
pub use scenes::{SHIPPED, Variant, coupling_comparison, shipped};

use std::path::PathBuf;

use eframe::egui;
use eframe::egui_wgpu::{self, wgpu};

use crate::device::{self, DeviceChoice};
use crate::{Error, Result};

/// Where the last scene is kept between sessions: $XDG_CONFIG_HOME/flowscope or
/// ~/.config/flowscope.
pub fn last_scene_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(base.join("flowscope").join("last_scene.toml"))
}

/// Opens the window and runs until it is closed.
pub fn run_window(choice: DeviceChoice) -> Result<()> {
    if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        return Err(Error::Device(
            "no display was found (DISPLAY and WAYLAND_DISPLAY are unset); the command line works without one: see `flowscope --help`".into(),
        ));
    }
    let training = device::select_for_window(choice)?;
    let description = training.description.clone();
    eprintln!("device: {description}");
    let burn_device = training.device.clone();
    let mut options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("flowscope")
            .with_inner_size([1400.0, 900.0])
            .with_min_inner_size([480.0, 360.0])
            .with_drag_and_drop(true),
        // Dithering only hides banding in gradients, which the interface has none of, and a
        // software rasteriser pays for it at every pixel egui draws.
        dithering: false,
        ..Default::default()
    };
    options.wgpu_options.surface = surface::SURFACE;
    if training.shared.is_none() {
        // Vulkan, Metal or DX12 only: the views read storage buffers in their vertex shaders,
        // which wgpu's GL backend (the fallback where no Vulkan driver is installed) cannot.
        let mut setup = egui_wgpu::WgpuSetupCreateNew::without_display_handle();
        setup.instance_descriptor.backends =
            wgpu::Backends::from_env().unwrap_or(wgpu::Backends::PRIMARY);
        let egui_descriptor = setup.device_descriptor.clone();
        setup.device_descriptor = std::sync::Arc::new(move |adapter| wgpu::DeviceDescriptor {
            memory_hints: crate::render::DRAWING_MEMORY_HINTS,
            ..egui_descriptor(adapter)
        });
        options.wgpu_options.wgpu_setup = egui_wgpu::WgpuSetup::CreateNew(setup);
    }
    if let Some(setup) = training.shared {
        surface::watch_configures(&setup.device);
        // Draw with the device burn trains on.
        options.wgpu_options.wgpu_setup =
            egui_wgpu::WgpuSetup::Existing(egui_wgpu::WgpuSetupExisting {
                instance: setup.instance,
                adapter: setup.adapter,
                device: setup.device,
                queue: setup.queue,
            });
    }
    eframe::run_native(
        "flowscope",
        options,
        Box::new(move |cc| {
            Ok(Box::new(FlowscopeApp::new(
                cc,
                burn_device,
                description,
                last_scene_file(),
            )))
        }),
    )
    .map_err(|e| {
        Error::Device(format!(
            "could not open the window ({e}); it needs a Vulkan, Metal or DirectX 12 driver (on Linux, Mesa's mesa-vulkan-drivers will do), and without one the command line works: see `flowscope --help`"
        ))
    })
}
