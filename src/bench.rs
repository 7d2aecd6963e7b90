//! `flowscope bench`: the speed figures the README reports, measured on this machine.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use burn::tensor::Device;
use serde::Serialize;

use crate::Result;
use crate::coupling::{CouplingMethod, PairedApproach, matched_cost, optimal_assignment};
use crate::data::{DistConfig, Sampler, build_sampler};
use crate::flow::{Activation, Solver};
use crate::rng::Rng;
use crate::scene::Scene;
use crate::session::Session;
use crate::space::SpaceKind;

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
    /// Equivariant OT (orbit costs, assignment and alignment) of k = 256 mean-free Gaussian
    /// clouds against DW4 and LJ13 samples, in ms, keyed by system.
    pub orbit_ot_ms: BTreeMap<String, f64>,
    /// The mean orbit cost of those pairs.
    pub orbit_ot_cost: BTreeMap<String, f64>,
    /// Training steps per second of the EGNN (3×32 ReLU, batch 256) on point clouds, keyed by
    /// system and coupling.
    pub cloud_train_steps_per_sec: BTreeMap<String, f64>,
    /// Seconds for the K smallest Laplace–Beltrami eigenpairs of a UV sphere of 19 802
    /// vertices, keyed by K.
    pub mesh_spectrum_s: BTreeMap<String, f64>,
    /// Seconds for exact log-densities of 1000 plane points with 100 RK4 steps (the training
    /// scene's model), and for the window's coarse (48², 4 steps) and fine (96², 8 steps)
    /// density grids.
    pub likelihood_s: BTreeMap<String, f64>,
    /// Training steps per second of the bench scene as the window's worker trains it
    /// (snapshots included), with the density view off and on at 128², and of the shipped DW4
    /// scene; for the shipped LJ13 scene (not when quick), the step reached after a minute
    /// over that minute, the first batch's solve and the first scores included.
    pub live_training_steps_per_sec: BTreeMap<String, f64>,
    /// Seconds between the shipped DW4 and LJ13 scenes' pictures (snapshots of a newer model)
    /// as the window's worker trains them: their mean and the longest gap.
    pub live_picture_gap_s: BTreeMap<String, f64>,
}

/// The cells across the window's live density grid on the plane.
const LIVE_DENSITY_SIDE: u32 = 128;

/// How often something fresh came from the window's worker while it trained.
struct LiveArrivals {
    /// Seconds between fresh arrivals, after the first.
    mean_interval: f64,
    longest_interval: f64,
    steps_per_sec: f64,
    /// The newest snapshot's step over the time watched.
    steps_reached_per_sec: f64,
}

/// Trains `scene` on a live session (the window's worker) for `watch`, after `prepare` sent it
/// any commands, and times the snapshots that `fresh` says bring something new.
fn watch_live_training(
    mut scene: Scene,
    device: &Device,
    watch: Duration,
    prepare: impl FnOnce(&crate::session::live::LiveSession),
    mut fresh: impl FnMut(&crate::session::live::Snapshot) -> bool,
) -> Result<LiveArrivals> {
    use crate::session::live::{Command, LiveSession, Start};
    scene.train.steps = 1_000_000;
    let live = LiveSession::start(
        Start::Fresh(Box::new(scene)),
        device.clone(),
        &crate::session::Turns::default(),
        || {},
    )?;
    prepare(&live);
    live.send(Command::Play);
    let start = Instant::now();
    let (mut arrivals, mut steps_per_sec, mut step) = (Vec::new(), 0.0, 0);
    while start.elapsed() < watch {
        for snapshot in live.receive() {
            steps_per_sec = snapshot.steps_per_sec;
            step = snapshot.step;
            if fresh(&snapshot) {
                arrivals.push(Instant::now());
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let intervals: Vec<f64> = arrivals
        .windows(2)
        .map(|pair| (pair[1] - pair[0]).as_secs_f64())
        .collect();
    Ok(LiveArrivals {
        mean_interval: intervals.iter().sum::<f64>() / intervals.len().max(1) as f64,
        longest_interval: intervals.iter().copied().fold(0.0, f64::max),
        steps_per_sec,
        steps_reached_per_sec: step as f64 / start.elapsed().as_secs_f64(),
    })
}

/// The bench scene trained live for `watch` with the density view asked for on a `side`² grid
/// of 4 RK4 steps over [−5, 5]² (none when `side` is 0): how often a fresh density arrives.
fn live_density(scene: Scene, device: &Device, side: u32, watch: Duration) -> Result<LiveArrivals> {
    use crate::session::live::Command;
    let (min, max) = (glam::Vec2::splat(-5.0), glam::Vec2::splat(5.0));
    let request = crate::render::density_request(scene.space, min, max, side, 1.0, 4);
    let mut last_step = None;
    watch_live_training(
        scene,
        device,
        watch,
        |live| {
            if let Some(request) = request {
                live.send(Command::Density(Some(std::sync::Arc::new(request))));
            }
        },
        |snapshot| {
            let step = snapshot.model_density.as_ref().map(|density| density.step);
            let fresh = step.is_some() && step != last_step;
            if fresh {
                last_step = step;
            }
            fresh
        },
    )
}

/// A shipped scene (`toml`, named `name`) trained live for `watch`: how often a picture of a
/// newer model arrives.
fn live_pictures(name: &str, toml: &str, device: &Device, watch: Duration) -> Result<LiveArrivals> {
    let scene = Scene::from_toml(toml)
        .map_err(|e| crate::Error::Internal(format!("the shipped {name} scene: {e}")))?;
    let mut last_step = 0;
    watch_live_training(
        scene,
        device,
        watch,
        |_| {},
        |snapshot| {
            let fresh = snapshot.step > last_step;
            if fresh {
                last_step = snapshot.step;
            }
            fresh
        },
    )
}

/// The spectrum timings: K = 25 and K = 200 on a 20k-vertex sphere (K = 25 only when quick).
fn mesh_figures(quick: bool, report: &mut BenchReport) -> Result<()> {
    let mesh = crate::geometry::mesh::uv_sphere(100, 200);
    for k in [25, 200].into_iter().take(if quick { 1 } else { 2 }) {
        let start = Instant::now();
        crate::geometry::mesh::Spectrum::of(&mesh, k)?;
        report
            .mesh_spectrum_s
            .insert(k.to_string(), start.elapsed().as_secs_f64());
    }
    Ok(())
}

/// A point-cloud scene as the window trains it: the EGNN, 3×32 ReLU, batch 256, k = 256.
fn cloud_scene(system: &crate::data::ParticleSystem, method: CouplingMethod) -> Result<Scene> {
    let mut scene = Scene {
        title: format!("bench {}", system.name),
        space: crate::space::cloud_space(system.cloud)?,
        source: DistConfig::named("gaussian"),
        target: DistConfig::named(system.name),
        ..Scene::default()
    };
    scene.model.network = crate::flow::Network::Egnn;
    scene.model.width = 32;
    scene.model.depth = 3;
    scene.model.activation = Activation::Relu;
    scene.train.batch = 256;
    scene.coupling.method = method;
    scene.coupling.k = 256;
    Ok(scene)
}

/// Training steps per second of `scene`, after ten steps of warming up.
fn session_rate(scene: Scene, steps: usize, device: &Device) -> Result<f64> {
    let mut session = Session::new(scene, device)?;
    for _ in 0..10 {
        session.step()?;
    }
    let start = Instant::now();
    for _ in 0..steps {
        session.step()?;
    }
    Ok(steps as f64 / start.elapsed().as_secs_f64())
}

/// The orbit-OT timings and training rates of the point clouds.
fn cloud_figures(quick: bool, report: &mut BenchReport, device: &Device) -> Result<()> {
    use crate::data::{DW4, LJ13};
    for (system, repetitions) in [(&DW4, if quick { 1 } else { 5 }), (&LJ13, 1)] {
        let scene = cloud_scene(system, CouplingMethod::Equivariant)?;
        let (source, target) = (scene.sampler(&scene.source)?, scene.sampler(&scene.target)?);
        let group = scene
            .alignment()
            .expect("point clouds carry their own group");
        let mut rng = Rng::new(1);
        let (mut secs, mut cost) = (0.0, 0.0);
        for _ in 0..repetitions {
            let (x0, x1) = (source.sample(256, &mut rng), target.sample(256, &mut rng));
            let start = Instant::now();
            let (aligned, matched) = crate::coupling::orbit_matching(group.as_ref(), &x0, &x1);
            secs += start.elapsed().as_secs_f64();
            cost += crate::coupling::mean_pair_cost(scene.space, &aligned, &matched);
        }
        report
            .orbit_ot_ms
            .insert(system.name.into(), secs * 1e3 / repetitions as f64);
        report
            .orbit_ot_cost
            .insert(system.name.into(), cost / repetitions as f64);
    }
    let dw4_steps = if quick { 10 } else { 200 };
    for method in [CouplingMethod::Independent, CouplingMethod::Equivariant] {
        let rate = session_rate(cloud_scene(&DW4, method)?, dw4_steps, device)?;
        report
            .cloud_train_steps_per_sec
            .insert(format!("dw4 {}", method.name()), rate);
    }
    let pictures = live_pictures(
        "DW4",
        include_str!("../assets/scenes/dw4_equivariant.toml"),
        device,
        Duration::from_secs(if quick { 6 } else { 30 }),
    )?;
    report
        .live_picture_gap_s
        .insert("dw4 equivariant: mean".into(), pictures.mean_interval);
    report
        .live_picture_gap_s
        .insert("dw4 equivariant: longest".into(), pictures.longest_interval);
    report
        .live_training_steps_per_sec
        .insert("dw4 equivariant".into(), pictures.steps_per_sec);
    let rate = session_rate(
        cloud_scene(&LJ13, CouplingMethod::Exact)?,
        if quick { 3 } else { 30 },
        device,
    )?;
    report
        .cloud_train_steps_per_sec
        .insert("lj13 exact".into(), rate);
    // LJ13's orbit costs take about a second a batch on two cores: live training reuses each
    // batch while the next is solved.
    let mut lj13 = cloud_scene(&LJ13, CouplingMethod::Equivariant)?;
    lj13.coupling.reuse = 8;
    let rate = session_rate(lj13, if quick { 24 } else { 160 }, device)?;
    report
        .cloud_train_steps_per_sec
        .insert("lj13 equivariant, 8 steps a batch".into(), rate);
    if !quick {
        let pictures = live_pictures(
            "LJ13",
            include_str!("../assets/scenes/lj13_equivariant.toml"),
            device,
            Duration::from_secs(60),
        )?;
        report
            .live_picture_gap_s
            .insert("lj13 equivariant: mean".into(), pictures.mean_interval);
        report.live_picture_gap_s.insert(
            "lj13 equivariant: longest".into(),
            pictures.longest_interval,
        );
        report
            .live_training_steps_per_sec
            .insert("lj13 equivariant".into(), pictures.steps_reached_per_sec);
    }
    Ok(())
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
    session_rate(bench_scene(method), steps, device)
}

/// Runs every benchmark; `quick` uses fewer repetitions.
pub fn run(quick: bool, device: &Device) -> Result<BenchReport> {
    let train_steps = if quick { 100 } else { 1000 };
    let train_steps_per_sec_independent =
        train_rate(CouplingMethod::Independent, train_steps, device)?;
    let train_steps_per_sec_exact_ot = train_rate(CouplingMethod::Exact, train_steps, device)?;

    let mut ot_ms = BTreeMap::new();
    let mut ot_cost = BTreeMap::new();
    let gaussian = build_sampler(SpaceKind::PLANE, &DistConfig::named("gaussian"))?;
    let mut shifted = DistConfig::named("gaussian");
    shifted.params.insert("std".into(), 2.0);
    shifted.params.insert("mean_x".into(), 1.0);
    shifted.params.insert("mean_y".into(), 1.0);
    let shifted = build_sampler(SpaceKind::PLANE, &shifted)?;
    let mut rng = Rng::new(0);
    for k in [256usize, 1024, 4096] {
        let repetitions = if quick { 1 } else { (4096 / k).max(2) };
        let mut total_secs = 0.0;
        let mut total_cost = 0.0;
        for _ in 0..repetitions {
            let a = gaussian.sample(k, &mut rng);
            let b = shifted.sample(k, &mut rng);
            let start = Instant::now();
            let assignment = optimal_assignment(SpaceKind::PLANE, &a, &b);
            total_secs += start.elapsed().as_secs_f64();
            total_cost += matched_cost(SpaceKind::PLANE, &a, &b, &assignment);
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

    let mut likelihood_s = BTreeMap::new();
    let points = gaussian.sample(1000, &mut rng);
    let exact = crate::flow::Estimator::Exact;
    let rk4 = |steps| crate::flow::Integrator::Rk4 { steps };
    let rk4_steps = if quick { 10 } else { 100 };
    let start = Instant::now();
    session.log_density_with(&points, rk4(rk4_steps), exact)?;
    likelihood_s.insert(
        format!("1000 points, {rk4_steps} rk4"),
        start.elapsed().as_secs_f64(),
    );
    // Seconds for the log-densities of side² points drawn from `points`.
    let mut time_grid = |session: &Session, points: &dyn Sampler, side: usize, steps| {
        let grid = points.sample(side * side, &mut rng);
        let start = Instant::now();
        session.log_density_at(&grid, 1.0, rk4(steps), exact)?;
        Ok::<_, crate::Error>(start.elapsed().as_secs_f64())
    };
    for (side, steps) in [(48, 4), (96, 8), (128, 4), (160, 8)] {
        let secs = time_grid(&session, gaussian.as_ref(), side, steps)?;
        likelihood_s.insert(format!("grid {side}, {steps} rk4"), secs);
    }

    // The sphere scene's model (3×128 SiLU), also on forward-mode divergences.
    let mut sphere = Scene {
        space: SpaceKind::SPHERE,
        source: DistConfig::named("uniform"),
        target: DistConfig::named("vmf"),
        ..Scene::default()
    };
    sphere.model.width = 128;
    sphere.model.depth = 3;
    sphere.model.activation = Activation::Silu;
    let sphere = Session::new(sphere, device)?;
    for side in [48, 128] {
        let secs = time_grid(&sphere, sphere.source().as_ref(), side, 4)?;
        likelihood_s.insert(format!("sphere 3x128 grid {side}, 4 rk4"), secs);
    }

    let watch = Duration::from_secs(if quick { 4 } else { 15 });
    let plane = || bench_scene(CouplingMethod::Independent);
    let live = live_density(plane(), device, LIVE_DENSITY_SIDE, watch)?;
    likelihood_s.insert("live grid 128: mean refresh".into(), live.mean_interval);
    likelihood_s.insert(
        "live grid 128: longest refresh".into(),
        live.longest_interval,
    );
    let without = live_density(plane(), device, 0, watch)?;
    let mut live_training_steps_per_sec = BTreeMap::new();
    live_training_steps_per_sec.insert("density view off".into(), without.steps_per_sec);
    live_training_steps_per_sec.insert("density view 128".into(), live.steps_per_sec);
    // The shipped sphere scene: its 3×128 SiLU model costs several times the plane's.
    let sphere_scene = Scene::from_toml(include_str!("../assets/scenes/sphere_vmf.toml"))
        .map_err(|e| crate::Error::Internal(format!("the shipped sphere scene: {e}")))?;
    // Its worker needs a few seconds to start (pools, the first OT batches), so it is watched
    // longer.
    let sphere_watch = Duration::from_secs(if quick { 10 } else { 30 });
    let live = live_density(sphere_scene, device, LIVE_DENSITY_SIDE, sphere_watch)?;
    likelihood_s.insert(
        "live sphere grid 128: mean refresh".into(),
        live.mean_interval,
    );
    likelihood_s.insert(
        "live sphere grid 128: longest refresh".into(),
        live.longest_interval,
    );
    live_training_steps_per_sec.insert("sphere, density view 128".into(), live.steps_per_sec);

    let mut report = BenchReport {
        train_steps_per_sec_independent,
        train_steps_per_sec_exact_ot,
        ot_ms,
        ot_cost,
        sample_particle_steps_per_sec,
        orbit_ot_ms: BTreeMap::new(),
        orbit_ot_cost: BTreeMap::new(),
        cloud_train_steps_per_sec: BTreeMap::new(),
        mesh_spectrum_s: BTreeMap::new(),
        likelihood_s,
        live_training_steps_per_sec,
        live_picture_gap_s: BTreeMap::new(),
    };
    cloud_figures(quick, &mut report, device)?;
    mesh_figures(quick, &mut report)?;
    Ok(report)
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
            if space == SpaceKind::SPHERE {
                let polar = (b * 0.9 + 0.05) * std::f64::consts::PI * (1.0 - 0.5 * s);
                positions.extend_from_slice(&[
                    (polar.sin() * angle.cos()) as f32,
                    (polar.sin() * angle.sin()) as f32,
                    polar.cos() as f32,
                ]);
            } else {
                let radius = 0.5 + 3.0 * b + s;
                positions.extend_from_slice(&[
                    (radius * angle.cos()) as f32,
                    (radius * angle.sin()) as f32,
                ]);
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
        ("plane_20k_trails32", SpaceKind::PLANE, 20_000, true),
        ("plane_200k", SpaceKind::PLANE, 200_000, false),
        ("sphere_20k_trails32", SpaceKind::SPHERE, 20_000, true),
        ("sphere_200k", SpaceKind::SPHERE, 200_000, false),
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
        let (mode, clip_from_world, eye) = if space == SpaceKind::SPHERE {
            let camera = OrbitCamera::default();
            (ViewMode::SPHERE, camera.clip_from_world(size), camera.eye())
        } else {
            (
                ViewMode::PLANE,
                PanZoomCamera::new(glam::Vec2::ZERO, 10.0).clip_from_world(size),
                glam::Vec3::Z * 10.0,
            )
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

/// `flowscope bench --quality`: the guidance, paired-data, reflow and point-cloud figures of
/// the README.
#[derive(Debug, Serialize)]
pub struct QualityReport {
    /// Conditional gaussian → 8gaussians (every label in turn): per w, the share of samples in
    /// the requested label's mode and their diversity.
    pub guidance: Vec<crate::session::GuidancePoint>,
    /// Moons observed through the line projection (y dropped), σ = 0.1: the paired model's
    /// restoration against an unconditional gaussian → moons model pushed from the same X0.
    pub paired: crate::metrics::Restoration,
    /// The conditional-model approach to the same task: noise → v(x, t | Y).
    pub conditional_model: crate::metrics::Restoration,
    pub unconditional_from_observations: crate::metrics::Restoration,
    /// paired W2 / unconditional W2 (the bar: at most 0.5).
    pub restoration_w2_ratio: f64,
    /// Gaussian → moons: the independent coupling (1-rectified), its 2- and 3-rectified
    /// reflows, and exact mini-batch OT with k = 256, each trained as long.
    pub straightening: Vec<PathFigures>,
    /// Gaussian → DW4 with independent pairs, batch OT and equivariant OT (k = 256), the same
    /// EGNN, steps and seed: the point-cloud figures of the README.
    pub point_clouds: Vec<CloudFigures>,
}

/// What one coupling's DW4 run reaches, as its metrics.json reports it.
#[derive(Debug, Serialize)]
pub struct CloudFigures {
    pub run: String,
    pub coupling_cost: f64,
    pub path_length: f64,
    pub straightness: f64,
    pub dopri5_nfe: Option<usize>,
    #[serde(flatten)]
    pub cloud: crate::session::CloudReport,
}

#[derive(Debug, Serialize)]
pub struct PathFigures {
    pub run: String,
    pub straightness: f64,
    /// W2 to the target of a single Euler step.
    pub one_step_w2: f64,
    /// W2 to the target with 100 Euler steps.
    pub w2: f64,
}

/// Trains the runs behind the guidance, paired-data, reflow and point-cloud bars; `quick`
/// trains fewer steps (for tests).
pub fn run_quality(quick: bool, device: &Device) -> Result<QualityReport> {
    let steps = if quick { 300 } else { 2000 };
    let scene = |target: &str| {
        let mut scene = Scene {
            source: DistConfig::named("gaussian"),
            target: DistConfig::named(target),
            ..Scene::default()
        };
        scene.train.steps = steps;
        scene
    };
    let trained = |scene: Scene| -> Result<Session> {
        let mut session = Session::new(scene, device)?;
        session.train(|_| {})?;
        Ok(session)
    };

    let mut conditional = scene("8gaussians");
    conditional.model.labels = 8;
    let guidance =
        trained(conditional)?.guidance_sweep(&[-1.0, 0.0, 0.5, 1.0, 2.0, 4.0, 8.0], 1000, 100)?;

    let base = trained(scene("moons"))?;
    let paired_run = |approach: PairedApproach| -> Result<Session> {
        let mut paired = scene("moons");
        paired.coupling.method = CouplingMethod::Paired;
        paired.coupling.paired.approach = approach;
        trained(paired)
    };
    let paired = paired_run(PairedApproach::Start)?;
    let conditional_model = paired_run(PairedApproach::Condition)?;
    let observations = paired
        .observation()
        .expect("a paired session has an observation model")
        .draw(1000, &mut Rng::stream(0, "eval-pairs"));
    let restoration = |session: &Session, x0: &crate::data::Points| {
        crate::metrics::restoration(
            SpaceKind::PLANE,
            &session.push_forward(x0, Some(&observations.y), 100)?,
            &observations.x1,
        )
    };
    let paired_restoration = restoration(&paired, &observations.x0)?;
    let unconditional = restoration(&base, &observations.x0)?;
    // The conditional model starts from noise, as it was trained to.
    let noise = base
        .source()
        .sample(observations.x0.len(), &mut Rng::stream(0, "eval-noise"));
    let conditional_restoration = restoration(&conditional_model, &noise)?;

    let mut ot = scene("moons");
    ot.coupling.method = CouplingMethod::Exact;
    ot.coupling.k = 256;
    let ot = path_figures(&trained(ot)?)?;
    let dir = std::env::temp_dir().join(format!("flowscope-quality-{}", std::process::id()));
    let reflow = reflow_figures(base, &dir, device);
    // The runs written for reflow are only scaffolding.
    let _ = std::fs::remove_dir_all(&dir);
    let mut straightening = reflow?;
    straightening.push(ot);
    let point_clouds = [
        CouplingMethod::Independent,
        CouplingMethod::Exact,
        CouplingMethod::Equivariant,
    ]
    .into_iter()
    .map(|method| dw4_figures(method, quick, device))
    .collect::<Result<Vec<_>>>()?;
    Ok(QualityReport {
        guidance,
        paired: paired_restoration,
        conditional_model: conditional_restoration,
        unconditional_from_observations: unconditional,
        restoration_w2_ratio: paired_restoration.w2 / unconditional.w2,
        straightening,
        point_clouds,
    })
}

/// DW4 trained with one coupling as in the README's table: EGNN 3×64 ReLU, batch 512, 10 000
/// steps, seed 1 (`quick`: 3×16, 100 steps, scored on 200 points).
fn dw4_figures(method: CouplingMethod, quick: bool, device: &Device) -> Result<CloudFigures> {
    let mut scene = cloud_scene(&crate::data::DW4, method)?;
    // The batch `flowscope train` uses, as the README's runs did.
    scene.train.batch = Scene::default().train.batch;
    scene.train.seed = 1;
    if quick {
        scene.model.width = 16;
        scene.train.steps = 100;
        scene.eval.points = 200;
    } else {
        scene.model.width = 64;
        scene.train.steps = 10_000;
    }
    let mut session = Session::new(scene, device)?;
    session.train(|_| {})?;
    let report = session.report()?;
    Ok(CloudFigures {
        run: session.scene().coupling.label(),
        coupling_cost: report.coupling_cost,
        path_length: report.metrics.path_length,
        straightness: report.metrics.straightness,
        dopri5_nfe: report.dopri5_nfe,
        cloud: report
            .cloud
            .ok_or_else(|| crate::Error::Internal("a DW4 run reports its clouds".into()))?,
    })
}

/// Straightness and one-step quality of a trained run.
fn path_figures(session: &Session) -> Result<PathFigures> {
    let metrics = session.evaluate()?;
    let one_step_w2 = session.w2_with(&crate::scene::EvalConfig {
        steps: 1,
        ..session.scene().eval.clone()
    })?;
    let run = match session.scene().coupling.method {
        CouplingMethod::Independent => "independent (1-rectified)".to_string(),
        _ => session.scene().coupling.label(),
    };
    Ok(PathFigures {
        run,
        straightness: metrics.straightness,
        one_step_w2,
        w2: metrics.w2,
    })
}

/// `base` (1-rectified) and its 2- and 3-rectified reflows, trained through run directories
/// under `dir`.
fn reflow_figures(
    base: Session,
    dir: &std::path::Path,
    device: &Device,
) -> Result<Vec<PathFigures>> {
    let mut report = vec![path_figures(&base)?];
    let mut parent = base;
    for level in 2..=3 {
        let parent_dir = dir.join(format!("rectified-{}", level - 1));
        parent.save_checkpoint(&parent_dir)?;
        let mut scene = parent.scene().clone();
        scene.coupling.method = CouplingMethod::Reflow;
        scene.coupling.reflow = Some(crate::coupling::ReflowConfig::new(parent_dir));
        let mut session = Session::new(scene, device)?;
        session.train(|_| {})?;
        report.push(path_figures(&session)?);
        parent = session;
    }
    Ok(report)
}
