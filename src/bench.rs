//! `flowscope bench`: the speed figures the README reports, measured on this machine.

use std::collections::BTreeMap;
use std::time::Instant;

use burn::tensor::Device;
use serde::Serialize;

use crate::Result;
use crate::coupling::{CostMatrix, CouplingMethod, solve_assignment};
use crate::data::{DistConfig, build_sampler};
use crate::flow::{Activation, Solver};
use crate::geometry::SpaceKind;
use crate::rng::Rng;
use crate::scene::Scene;
use crate::session::Session;

#[derive(Debug, Serialize)]
pub struct BenchReport {
    /// 3×64 SELU MLP, batch 512, gaussian → 8gaussians, independent coupling.
    pub train_steps_per_sec_independent: f64,
    /// Same with exact mini-batch OT, k = 512.
    pub train_steps_per_sec_exact_ot: f64,
    /// Exact OT solve (cost matrix included) in ms, N(0, I) against N(1, 4I) in 2-D, keyed by k.
    pub ot_ms: BTreeMap<String, f64>,
    /// Mean cost of each bench solve, to compare with an independent solver.
    pub ot_cost: BTreeMap<String, f64>,
    /// Particles × Euler steps per second when sampling 10 000 particles.
    pub sample_particle_steps_per_sec: f64,
}

fn bench_scene(method: CouplingMethod) -> Scene {
    let mut scene = Scene {
        source: DistConfig::named("gaussian"),
        target: DistConfig::named("8gaussians"),
        ..Scene::default()
    };
    scene.model.width = 64;
    scene.model.depth = 3;
    scene.model.activation = Activation::Selu;
    scene.train.batch = 512;
    scene.coupling.method = method;
    scene.coupling.k = 512;
    scene
}

fn train_rate(method: CouplingMethod, steps: usize, device: &Device) -> Result<f64> {
    let mut session = Session::new(bench_scene(method), device)?;
    for _ in 0..10 {
        session.step()?;
    }
    let start = Instant::now();
    for _ in 0..steps {
        session.step()?;
    }
    Ok(steps as f64 / start.elapsed().as_secs_f64())
}

/// Runs every benchmark; `quick` uses fewer repetitions.
pub fn run(quick: bool, device: &Device) -> Result<BenchReport> {
    let train_steps = if quick { 100 } else { 1000 };
    let train_steps_per_sec_independent =
        train_rate(CouplingMethod::Independent, train_steps, device)?;
    let train_steps_per_sec_exact_ot = train_rate(CouplingMethod::Exact, train_steps, device)?;

    let mut ot_ms = BTreeMap::new();
    let mut ot_cost = BTreeMap::new();
    let gaussian = build_sampler(SpaceKind::Plane, &DistConfig::named("gaussian"))?;
    let mut shifted = DistConfig::named("gaussian");
    shifted.params.insert("std".into(), 2.0);
    shifted.params.insert("mean_x".into(), 1.0);
    shifted.params.insert("mean_y".into(), 1.0);
    let shifted = build_sampler(SpaceKind::Plane, &shifted)?;
    let mut rng = Rng::new(0);
    for k in [256usize, 1024, 4096] {
        let repetitions = if quick { 1 } else { (4096 / k).max(2) };
        let mut total_secs = 0.0;
        let mut total_cost = 0.0;
        for _ in 0..repetitions {
            let a = gaussian.sample(k, &mut rng);
            let b = shifted.sample(k, &mut rng);
            let start = Instant::now();
            let costs = CostMatrix::squared_geodesic(SpaceKind::Plane, &a, &b);
            let assignment = solve_assignment(&costs);
            total_secs += start.elapsed().as_secs_f64();
            total_cost += costs.mean_cost(&assignment);
        }
        ot_ms.insert(k.to_string(), total_secs * 1e3 / repetitions as f64);
        ot_cost.insert(k.to_string(), total_cost / repetitions as f64);
    }

    let session = Session::new(bench_scene(CouplingMethod::Independent), device)?;
    let (particles, steps) = (10_000, if quick { 20 } else { 100 });
    session.sample(particles, 0, Solver::Euler, 2, false)?;
    let start = Instant::now();
    session.sample(particles, 0, Solver::Euler, steps, false)?;
    let sample_particle_steps_per_sec = (particles * steps) as f64 / start.elapsed().as_secs_f64();

    Ok(BenchReport {
        train_steps_per_sec_independent,
        train_steps_per_sec_exact_ot,
        ot_ms,
        ot_cost,
        sample_particle_steps_per_sec,
    })
}

/// `flowscope bench --render`: offscreen frames per second of the views at 1280×720.
#[derive(Debug, Serialize)]
pub struct RenderReport {
    pub adapter: String,
    pub width: u32,
    pub height: u32,
    /// Frames per second keyed by view, particle count and trail length.
    pub render_fps: BTreeMap<String, f64>,
}

/// Synthetic trajectories: particles spiralling outwards (plane) or sliding along circles of
/// latitude towards the north pole (sphere), `frames` recorded states each.
pub fn synthetic_cloud(space: SpaceKind, count: usize, frames: usize) -> crate::render::CloudData {
    let mut rng = Rng::stream(7, "render-bench");
    let dim = space.dim();
    let starts: Vec<[f64; 2]> = (0..count).map(|_| [rng.uniform(), rng.uniform()]).collect();
    let mut positions = Vec::with_capacity(frames * count * dim);
    for frame in 0..frames {
        let s = frame as f64 / (frames.max(2) - 1) as f64;
        for [a, b] in &starts {
            let angle = a * std::f64::consts::TAU + 2.0 * s;
            match space {
                SpaceKind::Sphere => {
                    let polar = (b * 0.9 + 0.05) * std::f64::consts::PI * (1.0 - 0.5 * s);
                    positions.extend_from_slice(&[
                        (polar.sin() * angle.cos()) as f32,
                        (polar.sin() * angle.sin()) as f32,
                        polar.cos() as f32,
                    ]);
                }
                _ => {
                    let radius = 0.5 + 3.0 * b + s;
                    positions.extend_from_slice(&[
                        (radius * angle.cos()) as f32,
                        (radius * angle.sin()) as f32,
                    ]);
                }
            }
        }
    }
    crate::render::CloudData {
        frames,
        count,
        dim,
        positions: std::sync::Arc::new(positions),
        colours: (0..count)
            .map(|i| crate::render::hsl(i as f64 / count as f64, 0.7, 0.6))
            .collect(),
    }
}

pub fn run_render(quick: bool) -> Result<RenderReport> {
    use crate::render::{
        DrawContent, Frame, Offscreen, OrbitCamera, PanZoomCamera, Style, ViewMode, ViewResources,
    };
    let offscreen = Offscreen::new()?;
    let (width, height) = (1280u32, 720u32);
    let size = glam::Vec2::new(width as f32, height as f32);
    let frames_measured = if quick { 10 } else { 40 };
    let mut render_fps = BTreeMap::new();
    let cases = [
        ("plane_20k_trails32", SpaceKind::Plane, 20_000, true),
        ("plane_200k", SpaceKind::Plane, 200_000, false),
        ("sphere_20k_trails32", SpaceKind::Sphere, 20_000, true),
        ("sphere_200k", SpaceKind::Sphere, 200_000, false),
    ];
    for (name, space, count, trails) in cases {
        let content = DrawContent {
            version: 1,
            particles: synthetic_cloud(space, count, 101),
            ..DrawContent::default()
        };
        let mut style = Style::default();
        style.layers.trails = trails;
        style.layers.target = false;
        style.trail_frames = 32;
        let (mode, clip_from_world, eye) = match space {
            SpaceKind::Sphere => {
                let camera = OrbitCamera::default();
                (ViewMode::Sphere, camera.clip_from_world(size), camera.eye())
            }
            _ => (
                ViewMode::Plane,
                PanZoomCamera::new(glam::Vec2::ZERO, 10.0).clip_from_world(size),
                glam::Vec3::Z * 10.0,
            ),
        };
        let mut view = ViewResources::new(&offscreen.renderer, &offscreen.device);
        view.set_content(&offscreen.renderer, &offscreen.device, &content);
        let frame_at = |i: usize| Frame {
            mode,
            clip_from_world,
            eye,
            t: 0.5 + 0.5 * (i as f32 / frames_measured as f32),
            style: &style,
        };
        // Warm-up: pipelines, uploads, first-use compilation.
        offscreen.render(&mut view, &frame_at(0), [width, height])?;
        offscreen.finish()?;
        let start = Instant::now();
        for i in 0..frames_measured {
            offscreen.render(&mut view, &frame_at(i), [width, height])?;
            offscreen.finish()?;
        }
        render_fps.insert(
            name.to_string(),
            frames_measured as f64 / start.elapsed().as_secs_f64(),
        );
    }
    Ok(RenderReport {
        adapter: offscreen.adapter.clone(),
        width,
        height,
        render_fps,
    })
}
