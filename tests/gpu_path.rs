//! The GPU path, run on a software adapter (Mesa's lavapipe in CI) because no GPU is here: burn
//! creates the wgpu device and hands out its handles, a tiny model trains on it, particles are
//! read back, and an export is drawn offscreen with the same device, as the window draws.
//!
//! burn registers one wgpu runtime per process, so the whole path is one test.

use flowscope::device::{DeviceChoice, SoftwareAdapters, select_shared};
use flowscope::export::{ExportRun, VideoSettings, export_video_on};
use flowscope::flow::Solver;
use flowscope::render::Offscreen;
use flowscope::scene::Scene;
use flowscope::session::Session;

/// A model small enough that lavapipe (about 0.3 training steps a second) runs it in CI.
fn tiny_scene() -> Scene {
    let mut scene = Scene::default();
    scene.model.width = 16;
    scene.model.depth = 2;
    scene.train.batch = 32;
    scene.train.steps = 3;
    scene.sample.particles = 64;
    scene.sample.steps = 4;
    scene
}

#[test]
fn the_gpu_path_trains_reads_back_and_draws_on_one_shared_device() {
    let training = select_shared(DeviceChoice::Gpu, SoftwareAdapters::Accept)
        .expect("a GPU adapter, software or not (CI installs Mesa's lavapipe)");
    assert!(training.is_gpu, "{}", training.description);
    assert!(
        training.description.contains("wgpu"),
        "{}",
        training.description
    );
    let setup = training
        .shared
        .as_ref()
        .expect("the window's handles come with the device");

    // Training on the shared device: three steps, each with a finite loss.
    let mut session = Session::new(tiny_scene(), &training.device).expect("a session on the GPU");
    let mut losses = Vec::new();
    session
        .train(|report| losses.push(report.loss))
        .expect("training on the GPU");
    assert_eq!(losses.len(), 3);
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");

    // A snapshot's particles come back from the GPU, moved by the model and finite.
    let (x0, integration) = session
        .sample(64, 7, Solver::Euler, 4, false)
        .expect("sampling on the GPU");
    let x1 = integration.final_points();
    assert_eq!(x1.len(), 64);
    assert!(x1.data().iter().all(|v| v.is_finite()));
    assert_ne!(x0.data(), x1.data(), "the flow moved the particles");

    // An export drawn offscreen with the training device's own handles.
    let gpu = Offscreen::sharing(setup);
    assert!(
        gpu.adapter.contains("shared with training"),
        "{}",
        gpu.adapter
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("frames/");
    let mut runs = [ExportRun {
        session,
        label: "gpu".into(),
    }];
    let settings = VideoSettings {
        width: 96,
        height: 64,
        fps: 2,
        duration_secs: 1.0,
        title: None,
        ..VideoSettings::default()
    };
    let report = export_video_on(&gpu, &mut runs, &settings, &out, &mut |_| true)
        .expect("an export on the shared device");
    assert_eq!(report.frames, 2);
    let first = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .min()
        .expect("frames written");
    let image = image::open(&first).expect("a PNG frame").to_rgba8();
    let background = *image.get_pixel(0, 0);
    let drawn = image.pixels().filter(|p| **p != background).count();
    assert!(drawn > 20, "particles are drawn ({drawn} pixels differ)");
}
