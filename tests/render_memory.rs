//! Resizing for a lecture long: views drawn at one size after another (a window dragged, a
//! projector plugged in, compare mode's three views) give their memory back. Alone in its
//! binary, so that the process's resident memory is this test's.
#![cfg(all(target_os = "linux", target_env = "gnu"))]

use flowscope::render::{Frame, Offscreen, PanZoomCamera, Style, ViewMode, ViewResources};
use glam::{Vec2, Vec3};

/// This process's resident memory, in MiB, once the allocator has handed back what is free.
fn resident_mib() -> f64 {
    // SAFETY: malloc_trim only releases free memory.
    unsafe {
        libc::malloc_trim(0);
    }
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .expect("VmRSS in /proc/self/status");
    kib / 1024.0
}

/// A software rasteriser (lavapipe, as in CI) takes device memory from the process's heap.
/// wgpu's default hints reserve it in blocks of 128–256 MiB and keep them while anything lives
/// in them, so the texels a large view touched stayed resident after it shrank again: 60 MiB
/// here, a second block and about 100 MB in the window's soak. With the drawing devices' small
/// blocks, 3–18 MiB stay (the allocator's own arenas).
#[test]
fn views_grown_and_shrunk_again_give_their_memory_back() {
    let gpu = Offscreen::new().expect("a GPU adapter for drawing (CI installs Mesa's lavapipe)");
    let style = Style::default();
    let frame = Frame {
        mode: ViewMode::PLANE,
        clip_from_world: PanZoomCamera::new(Vec2::ZERO, 10.0)
            .clip_from_world(Vec2::new(400.0, 300.0)),
        eye: Vec3::Z,
        t: 0.5,
        style: &style,
    };
    let mut view = ViewResources::new(&gpu.renderer, &gpu.device);
    let mut draw = |size: [u32; 2]| {
        gpu.render_rgba(&mut view, &frame, size)
            .expect("the frame renders");
    };
    let small = [640, 480];
    draw(small);
    draw([660, 500]);
    draw(small);
    let before = resident_mib();
    // A projector plugged in, the window dragged across it, then unplugged.
    for size in [
        [1400, 900],
        [2400, 1350],
        [1920, 1080],
        [2560, 1440],
        [1000, 700],
    ] {
        draw(size);
    }
    draw(small);
    let after = resident_mib();
    eprintln!("resident memory: {before:.0} MiB before, {after:.0} MiB after");
    assert!(
        after <= before + 32.0,
        "the large views left {:.0} MiB behind ({before:.0} → {after:.0} MiB)",
        after - before
    );
}
