//! Choosing where training runs: a real GPU through wgpu, otherwise burn's pure-Rust CPU backend.
//!
//! Software adapters (lavapipe, llvmpipe, WARP) are never used for training: on this kind of
//! machine they train about 700× slower than the CPU backend.

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

/// The chosen training device and a line describing it.
pub struct TrainingDevice {
    pub device: Device,
    pub description: String,
    pub is_gpu: bool,
}

/// Adapters that are CPU rasterisers pretending to be GPUs.
fn is_software(info: &wgpu::AdapterInfo) -> bool {
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

/// The best hardware GPU adapter present, if any, and the names of the software ones skipped.
fn find_hardware_adapter() -> (Option<wgpu::AdapterInfo>, Vec<String>) {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
    let adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
    let mut software = Vec::new();
    let mut best: Option<wgpu::AdapterInfo> = None;
    for adapter in adapters {
        let info = adapter.get_info();
        if is_software(&info) {
            software.push(info.name.clone());
        } else if best.as_ref().is_none_or(|b| {
            b.device_type != wgpu::DeviceType::DiscreteGpu
                && info.device_type == wgpu::DeviceType::DiscreteGpu
        }) {
            best = Some(info);
        }
    }
    (best, software)
}

/// Picks the training device for `choice`.
pub fn select(choice: DeviceChoice) -> Result<TrainingDevice> {
    let cpu = |why: &str| TrainingDevice {
        device: Device::flex(),
        description: format!("cpu (burn flex){why}"),
        is_gpu: false,
    };
    if choice == DeviceChoice::Cpu {
        return Ok(cpu(""));
    }
    let (hardware, software) = find_hardware_adapter();
    match hardware {
        Some(info) => {
            let device = Device::wgpu_options().init().map_err(|e| {
                Error::Device(format!("could not start the GPU '{}': {e}", info.name))
            })?;
            Ok(TrainingDevice {
                device,
                description: format!("gpu (burn wgpu) on {} [{:?}]", info.name, info.backend),
                is_gpu: true,
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
