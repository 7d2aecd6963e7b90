//! The window's surface when it draws on the device burn trains on.
//!
//! wgpu reconfigures a surface (on a resize, or when the window is restored) only if no other
//! thread submits to the device while it waits for the GPU to go idle. burn's runner thread
//! submits all through training, so that configure fails and the surface keeps its old size,
//! and egui's next frame, drawn at the new size, is refused by validation. [`SurfaceRepair`]
//! notices the failed configure, parks burn's runner for one frame and has egui configure the
//! surface again in that frame, before it draws.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::time::Duration;

use burn::backend::DispatchDevice;
use burn::tensor::Device;
use eframe::egui;
use eframe::egui_wgpu::{SurfaceConfig, wgpu};

/// Set when a configure failed for a busy GPU; taken by the next frame.
static CONFIGURE_FAILED: AtomicBool = AtomicBool::new(false);

/// How long a frame waits for burn's runner to finish the work queued ahead of the pause
/// (at most one training step, as training reads its loss after each).
const PARK_PATIENCE: Duration = Duration::from_secs(5);
/// The runner goes on by itself after this, should the window stop drawing (minimised).
const PARK_LIMIT: Duration = Duration::from_secs(2);

/// The surface configuration the window asks for: eframe's default, a frame latency of 2.
pub const SURFACE: SurfaceConfig = SurfaceConfig::HIGH_THROUGHPUT;
/// The same configuration spelled differently (wgpu's default latency is 2), so that setting
/// it makes egui configure the surface again.
const SURFACE_AGAIN: SurfaceConfig = SurfaceConfig {
    desired_maximum_frame_latency: None,
    ..SURFACE
};

/// Installs the device's error handler: a configure refused for a busy GPU is noted for
/// [`SurfaceRepair`]; any other error panics, as wgpu's own handler does.
pub fn watch_configures(device: &wgpu::Device) {
    device.on_uncaptured_error(Arc::new(|error: wgpu::Error| {
        let text = error.to_string();
        if text.contains("Surface::configure") && text.contains("come idle") {
            CONFIGURE_FAILED.store(true, Ordering::SeqCst);
            return;
        }
        panic!("wgpu error: {error}");
    }));
}

/// Configures the surface again, with burn's runner parked, after a configure failed.
#[derive(Default)]
pub struct SurfaceRepair {
    parked: Option<ParkedRunner>,
    spelled_again: bool,
    said: bool,
}

impl SurfaceRepair {
    /// Lets the runner go on. Called before the frame's UI, which may stop runs (joining
    /// threads that wait on the runner), so the runner is never parked while it runs.
    pub fn resume(&mut self) {
        self.parked = None;
    }

    /// Called after the frame's UI, before egui paints: when a configure failed, parks the
    /// runner and has egui configure the surface in this paint.
    pub fn before_paint(
        &mut self,
        device: &Device,
        frame: &mut eframe::Frame,
        ctx: &egui::Context,
    ) {
        if !CONFIGURE_FAILED.swap(false, Ordering::SeqCst) {
            return;
        }
        self.parked = park_runner(device);
        if !self.said {
            self.said = true;
            eprintln!(
                "note: the window resized while the GPU trained; training paused for a frame while it did"
            );
        }
        self.spelled_again = !self.spelled_again;
        frame.set_wgpu_surface_config(if self.spelled_again {
            SURFACE_AGAIN
        } else {
            SURFACE
        });
        // The runner is let go at the next frame.
        ctx.request_repaint();
    }
}

/// burn's runner thread for a device, held in a task of ours until this is dropped.
struct ParkedRunner {
    _release: Sender<()>,
}

/// Queues a task on the device's runner that holds it, and waits until it does: nothing of
/// burn's reaches the GPU meanwhile, from any thread. None for devices without a runner.
fn park_runner(device: &Device) -> Option<ParkedRunner> {
    let DispatchDevice::Cube(cube) = device.as_dispatch() else {
        return None;
    };
    let client = cube.client();
    let (parked, is_parked) = channel();
    let (release, released) = channel::<()>();
    std::thread::Builder::new()
        .name("flowscope-surface".into())
        .spawn(move || {
            let _ = client.exclusive(move || {
                let _ = parked.send(());
                // Ends when the ParkedRunner is dropped (the sender with it), or at the limit.
                let _ = released.recv_timeout(PARK_LIMIT);
            });
        })
        .ok()?;
    is_parked.recv_timeout(PARK_PATIENCE).ok()?;
    Some(ParkedRunner { _release: release })
}
