//! Drawing for a lecture long: new content and new draw parameters, frame after frame, compile
//! no new shaders. Alone in its binary, so no other test compiles pipelines meanwhile.
#![cfg(target_os = "linux")]

use std::sync::Arc;

use flowscope::render::{
    CloudData, ColourMode, DrawContent, Frame, Offscreen, PanZoomCamera, Rgba, Style, ViewMode,
    ViewResources,
};
use glam::{Vec2, Vec3};

/// Anonymous executable mappings of this process: code a driver compiled at run time (Mesa's
/// lavapipe JIT-compiles every shader variant into pages of its own).
fn compiled_code_pages() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .expect("/proc/self/maps")
        .lines()
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.len() == 5 && fields[1] == "r-xp"
        })
        .count()
}

/// Frame `index` of a training run: `count` particles on straight 9-state tracks that end a
/// little further left each frame, and 50 static target samples.
fn training_frame(index: usize) -> DrawContent {
    let (count, frames) = (2 + index % 5, 9);
    let mut positions = Vec::new();
    for frame in 0..frames {
        let s = frame as f32 / (frames - 1) as f32;
        for i in 0..count {
            let end = 4.0 - index as f32 * 0.1;
            positions.extend_from_slice(&[-4.0 + (end + 4.0) * s, i as f32 - 2.0]);
        }
    }
    DrawContent {
        version: index as u64 + 1,
        particles: CloudData {
            frames,
            count,
            dim: 2,
            positions: Arc::new(positions),
            colours: vec![Rgba::rgb(255, 40, 40); count],
        },
        target: CloudData {
            frames: 1,
            count: 50,
            dim: 2,
            positions: Arc::new((0..100).map(|i| (i as f32 * 0.37).sin() * 4.0).collect()),
            colours: vec![Rgba::rgb(240, 240, 240); 50],
        },
        ..DrawContent::default()
    }
}

/// A window that trains or animates uploads new content (particles with their trajectories,
/// static target samples) and new draw parameters (time, sizes, trail length, colour mode) frame
/// after frame. On lavapipe, parameters read as uniforms made it compile, and keep, a shader copy
/// each time their buffer was bound anew (a training export grew by 280 kB a frame, the window
/// by 10 MB a minute).
#[test]
fn new_content_and_parameters_compile_no_new_shaders() {
    let gpu = Offscreen::new().expect("a GPU adapter for drawing (CI installs Mesa's lavapipe)");
    let clip = PanZoomCamera::new(Vec2::ZERO, 10.0).clip_from_world(Vec2::new(200.0, 200.0));
    let mut view = ViewResources::new(&gpu.renderer, &gpu.device);
    let mut draw_frame = |index: usize| {
        view.set_content(&gpu.renderer, &gpu.device, &training_frame(index));
        let style = Style {
            particle_size_px: 2.0 + (index % 7) as f32,
            trail_frames: 1 + (index % 8) as u32,
            colour_mode: if index.is_multiple_of(2) {
                ColourMode::Speed
            } else {
                ColourMode::default()
            },
            ..Style::default()
        };
        let frame = Frame {
            mode: ViewMode::PLANE,
            clip_from_world: clip,
            eye: Vec3::Z,
            t: (index % 10) as f32 / 9.0,
            style: &style,
        };
        gpu.render_rgba(&mut view, &frame, [200, 200])
            .expect("the frame renders");
    };
    // Each kind of draw compiles once, on its first use.
    for index in 0..4 {
        draw_frame(index);
    }
    let before = compiled_code_pages();
    for index in 4..40 {
        draw_frame(index);
    }
    let after = compiled_code_pages();
    assert!(
        after <= before + 2,
        "36 frames of new content compiled {} new code pages ({before} → {after})",
        after - before
    );
}
