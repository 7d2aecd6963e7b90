//! Choosing where training runs: a real GPU through wgpu, otherwise burn's pure-Rust CPU backend.
//!
//! Software adapters (lavapipe, llvmpipe, WARP) are not used for training: on this kind of
//! machine they train about 700× slower than the CPU backend. For testing only,
//! [`SOFTWARE_GPU_VARIABLE`] lets one act as the GPU, so the whole GPU path (burn's device shared
//! with the window, read-backs, offscreen export) runs on a machine without a GPU, as in CI.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The user's device choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// A hardware GPU when one is present, otherwise the CPU.
    #[default]
    Auto,
    /// A hardware GPU, or an error.
    Gpu,
    /// burn's flex CPU backend.
    Cpu,
}

/// Set to 1 to let a software adapter act as the training GPU (testing only: it is slow).
pub const SOFTWARE_GPU_VARIABLE: &str = "FLOWSCOPE_SOFTWARE_GPU";

/// Whether software adapters may train.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoftwareAdapters {
    /// Skipped: the CPU backend trains faster.
    Skip,
    /// Accepted when no hardware GPU is present, to exercise the GPU path without one.
    Accept,
}

impl SoftwareAdapters {
    /// `Accept` when [`SOFTWARE_GPU_VARIABLE`] is 1, `Skip` otherwise.
    pub fn from_environment() -> Self {
        match std::env::var(SOFTWARE_GPU_VARIABLE).as_deref() {
            Ok("1") => Self::Accept,
            _ => Self::Skip,
        }
    }
}

/// The chosen training device and a line describing it.
pub struct TrainingDevice {
    pub device: Device,
    pub description: String,
    pub is_gpu: bool,
    /// The GPU's wgpu handles, when they were requested for sharing with the window.
    pub shared: Option<burn::tensor::wgpu::WgpuSetup>,
}

/// Adapters that are CPU rasterisers pretending to be GPUs.
pub fn is_software(info: &wgpu::AdapterInfo) -> bool {
    let name = info.name.to_lowercase();
    info.device_type == wgpu::DeviceType::Cpu
        || [
            "llvmpipe",
            "lavapipe",
            "softpipe",
            "swiftshader",
            "warp",
            "microsoft basic render",
        ]
        .iter()
        .any(|s| name.contains(s))
}

/// Runs `probe` (which starts GPU drivers) with stderr muted when no desktop session is
/// running: Mesa's Vulkan driver then probes for Wayland, and libwayland prints
/// "error: XDG_RUNTIME_DIR is invalid…" although nothing is wrong. Errors we report are
/// returned, not printed, so nothing of ours is lost.
pub fn without_driver_noise<T>(probe: impl FnOnce() -> T) -> T {
    #[cfg(target_os = "linux")]
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        // SAFETY: dup/dup2/close on the process's own stderr and a fresh /dev/null descriptor;
        // the saved descriptor is restored before returning.
        unsafe {
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
            let saved = libc::dup(libc::STDERR_FILENO);
            if null >= 0 && saved >= 0 {
                libc::dup2(null, libc::STDERR_FILENO);
                let result = probe();
                libc::dup2(saved, libc::STDERR_FILENO);
                libc::close(saved);
                libc::close(null);
                return result;
            }
            for fd in [null, saved] {
                if fd >= 0 {
                    libc::close(fd);
                }
            }
        }
    }
    probe()
}

/// The best hardware GPU adapter present (or, when `software` accepts them and there is no
/// hardware one, a software adapter), and the names of the software ones skipped.
fn find_training_adapter(software: SoftwareAdapters) -> (Option<wgpu::AdapterInfo>, Vec<String>) {
    let (hardware, skipped, first_software) = without_driver_noise(find_adapters_loudly);
    match (hardware, software, first_software) {
        (None, SoftwareAdapters::Accept, Some(info)) => (Some(info), Vec::new()),
        (hardware, _, _) => (hardware, skipped),
    }
}

/// The best hardware adapter, the names of the software ones, and the first software one.
fn find_adapters_loudly() -> (
    Option<wgpu::AdapterInfo>,
    Vec<String>,
    Option<wgpu::AdapterInfo>,
) {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
    let adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
    let mut software = Vec::new();
    let mut first_software: Option<wgpu::AdapterInfo> = None;
    let mut best: Option<wgpu::AdapterInfo> = None;
    for adapter in adapters {
        let info = adapter.get_info();
        if is_software(&info) {
            // The same driver shows up once per backend (Vulkan, GL).
            if !software.contains(&info.name) {
                software.push(info.name.clone());
            }
            // burn's wgpu device runs on Vulkan (or Metal/DX12), not on GL.
            if first_software.is_none() && info.backend != wgpu::Backend::Gl {
                first_software = Some(info);
            }
        } else if best.as_ref().is_none_or(|b| {
            b.device_type != wgpu::DeviceType::DiscreteGpu
                && info.device_type == wgpu::DeviceType::DiscreteGpu
        }) {
            best = Some(info);
        }
    }
    (best, software, first_software)
}

/// Picks the training device for `choice`.
pub fn select(choice: DeviceChoice) -> Result<TrainingDevice> {
    select_with(choice, false, SoftwareAdapters::from_environment())
}

/// Picks the training device; on a GPU, also returns its wgpu handles so the window (or an
/// offscreen export) can draw with the same device (burn creates it, asking for the limits and
/// features its kernels need).
pub fn select_for_window(choice: DeviceChoice) -> Result<TrainingDevice> {
    select_with(choice, true, SoftwareAdapters::from_environment())
}

/// [`select_for_window`] with the software-adapter policy given rather than read from the
/// environment (tests use it to run the GPU path on lavapipe).
pub fn select_shared(choice: DeviceChoice, software: SoftwareAdapters) -> Result<TrainingDevice> {
    select_with(choice, true, software)
}

fn select_with(
    choice: DeviceChoice,
    share: bool,
    software: SoftwareAdapters,
) -> Result<TrainingDevice> {
    let cpu = |why: &str| TrainingDevice {
        device: Device::flex(),
        description: format!("cpu (burn flex){why}"),
        is_gpu: false,
        shared: None,
    };
    if choice == DeviceChoice::Cpu {
        return Ok(cpu(""));
    }
    let (adapter, software) = find_training_adapter(software);
    match adapter {
        Some(info) => {
            let failed = |e| Error::Device(format!("could not start the GPU '{}': {e}", info.name));
            let (device, shared) = without_driver_noise(|| {
                if share {
                    let (device, setup) =
                        Device::wgpu_options().init_with_setup().map_err(failed)?;
                    Ok::<_, Error>((device, Some(setup)))
                } else {
                    Ok((Device::wgpu_options().init().map_err(failed)?, None))
                }
            })?;
            Ok(TrainingDevice {
                device,
                description: format!(
                    "gpu (burn wgpu) on {} [{:?}]{}",
                    info.name,
                    info.backend,
                    if is_software(&info) {
                        ", a software adapter allowed by FLOWSCOPE_SOFTWARE_GPU (testing only)"
                    } else {
                        ""
                    }
                ),
                is_gpu: true,
                shared,
            })
        }
        None if choice == DeviceChoice::Gpu => Err(Error::Device(if software.is_empty() {
            "no GPU adapter was found; use --device cpu".to_string()
        } else {
            format!(
                "only a software adapter was found ({}), which trains far slower than the CPU; use --device cpu",
                software.join(", ")
            )
        })),
        None if software.is_empty() => Ok(cpu(", no GPU adapter found")),
        None => Ok(cpu(&format!(
            ", skipping software adapter {}",
            software.join(", ")
        ))),
    }
}
