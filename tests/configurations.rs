//! A sample may be a whole configuration of particles: a space of two particles in the plane
//! (four coordinates a sample), defined and registered here, trains, and its views and exports
//! draw two particles for every sample.

use std::sync::OnceLock;

use burn::tensor::{Device, Tensor};
use flowscope::coupling::{CostMatrix, SpaceCoupling, snap_to_grid, solve_assignment};
use flowscope::data::{Dataset, FnSampler, Params, Points, Sampler};
use flowscope::flow::{Network, SpaceModel};
use flowscope::geometry::Space;
use flowscope::render::{
    ColourMode, Edge, Frame, Offscreen, Palette, PanZoomCamera, PlaneRender, Rgba, Segment,
    SpaceRender, Style, ViewMode, ViewResources, content_from_snapshot, hsl, push_arrow,
};
use flowscope::rng::Rng;
use flowscope::scene::Scene;
use flowscope::session::Session;
use flowscope::session::live::snapshot_of;
use flowscope::space::{SpaceEntry, SpaceKind, register};
use glam::{Vec2, Vec3, Vec4};

/// Two particles in the plane: (a_x, a_y, b_x, b_y), flat R⁴.
struct Pair;

impl Space for Pair {
    fn dim(&self) -> usize {
        4
    }
    fn exp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        for k in 0..4 {
            out[k] = x[k] + v[k];
        }
    }
    fn log(&self, x: &[f64], y: &[f64], out: &mut [f64]) {
        for k in 0..4 {
            out[k] = y[k] - x[k];
        }
    }
    fn squared_distance(&self, x: &[f64], y: &[f64]) -> f64 {
        x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum()
    }
    fn project_tangent(&self, _x: &[f64], _v: &mut [f64]) {}
    fn project(&self, _x: &mut [f64]) {}
    fn sample_uniform(&self, rng: &mut Rng, out: &mut [f64]) {
        out.iter_mut().for_each(|c| *c = rng.uniform_in(-4.0, 4.0));
    }
    fn accept_point(&self, _point: &mut [f64]) -> Result<(), String> {
        Ok(())
    }
    fn probe_points(&self, _data: &mut dyn Iterator<Item = &[f64]>) -> Vec<f64> {
        (0..9)
            .flat_map(|i| {
                let s = i as f64 - 4.0;
                [s, 0.0, 0.0, s]
            })
            .collect()
    }
    fn interpolate(
        &self,
        x0: &[f64],
        x1: &[f64],
        kappa: f64,
        dkappa: f64,
        xt: &mut [f64],
        ut: &mut [f64],
    ) {
        for k in 0..4 {
            xt[k] = (1.0 - kappa) * x0[k] + kappa * x1[k];
            ut[k] = dkappa * (x1[k] - x0[k]);
        }
    }
    fn exp_tensor(&self, x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        x + v
    }
    fn log_tensor(&self, x: Tensor<2>, y: Tensor<2>) -> Tensor<2> {
        y - x
    }
    fn project_tangent_tensor(&self, _x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        v
    }
    fn interpolate_tensor(
        &self,
        x0: Tensor<2>,
        x1: Tensor<2>,
        kappa: Tensor<2>,
        dkappa: Tensor<2>,
    ) -> (Tensor<2>, Tensor<2>) {
        let delta = x1 - x0.clone();
        (x0 + delta.clone() * kappa, delta * dkappa)
    }
}

impl SpaceModel for Pair {
    fn feature_dim(&self) -> usize {
        4
    }
    fn features(&self, x: Tensor<2>) -> Tensor<2> {
        x
    }
    fn output_dim(&self) -> usize {
        4
    }
    fn velocity(&self, _x: Tensor<2>, raw: Tensor<2>) -> Tensor<2> {
        raw
    }
}

impl SpaceCoupling for Pair {
    fn pair_cost(&self, a: &[f64], b: &[f64]) -> f64 {
        self.squared_distance(a, b)
    }
    fn cost_matrix(&self, a: &Points, b: &Points) -> CostMatrix {
        CostMatrix::from_pair_cost(a, b, |x, y| self.squared_distance(x, y))
    }
    fn optimal_assignment(&self, a: &Points, b: &Points) -> Vec<usize> {
        solve_assignment(&self.cost_matrix(a, b))
    }
    /// Keeps the first particle, the second at the origin.
    fn project_observation(&self, x: &[f64], y: &mut [f64]) {
        y.copy_from_slice(&[x[0], x[1], 0.0, 0.0]);
    }
    fn projection_summary(&self) -> &'static str {
        "keep the first particle"
    }
    fn quantize_observation(&self, x: &[f64], level: f64, y: &mut [f64]) {
        snap_to_grid(x, level, y);
    }
}

fn particle(p: &[f64], which: usize) -> [f32; 3] {
    [p[2 * which] as f32, p[2 * which + 1] as f32, 0.0]
}

impl SpaceRender for Pair {
    fn particle_dim(&self) -> usize {
        2
    }
    fn source_colour(&self, p: &[f64]) -> Rgba {
        hsl(p[1].atan2(p[0]) / std::f64::consts::TAU + 0.5, 0.75, 0.6)
    }
    fn geodesic(&self, a: &[f64], b: &[f64], colour: Rgba, out: &mut Vec<Segment>) {
        for which in 0..2 {
            out.push(Segment::new(particle(a, which), particle(b, which), colour));
        }
    }
    fn arrow(&self, p: &[f64], v: &[f64], length: f64, colour: Rgba, out: &mut Vec<Segment>) {
        let tip: Vec<f64> = p.iter().zip(v).map(|(x, dx)| x + dx * length).collect();
        for which in 0..2 {
            let segment = |a, b| Segment::new(a, b, colour);
            push_arrow(
                particle(p, which),
                particle(&tip, which),
                Vec3::Z,
                segment,
                out,
            );
        }
    }
    fn arrow_spacing(&self, _probes: &Points) -> f64 {
        1.0
    }
    /// Placed in the heat map as the plane places its first particle.
    fn density_uv(&self, p: &[f64], min: Vec2, max: Vec2) -> (f64, f64) {
        PlaneRender.density_uv(p, min, max)
    }
    fn density_edges(&self) -> [Edge; 2] {
        PlaneRender.density_edges()
    }
}

/// Both particles standard normal.
fn together(_: &Params) -> flowscope::Result<Box<dyn Sampler>> {
    Ok(FnSampler::boxed(4, 0, |rng, out| {
        out.iter_mut().for_each(|c| *c = rng.normal());
        0
    }))
}

/// The first particle near (−gap, 0), the second near (gap, 0).
fn apart(p: &Params) -> flowscope::Result<Box<dyn Sampler>> {
    let gap = p.positive("gap")?;
    Ok(FnSampler::boxed(4, 0, move |rng, out| {
        out[0] = -gap + 0.2 * rng.normal();
        out[1] = 0.2 * rng.normal();
        out[2] = gap + 0.2 * rng.normal();
        out[3] = 0.2 * rng.normal();
        0
    }))
}

const DATASETS: &[Dataset] = &[
    Dataset {
        name: "together",
        summary: "both particles standard normal",
        labels: None,
        params: &[],
        reads_file: false,
        build: together,
        density: None,
    },
    Dataset {
        name: "apart",
        summary: "one particle on each side of the origin",
        labels: None,
        params: &[flowscope::data::param(
            "gap",
            2.0,
            "distance of each particle from the origin",
        )],
        reads_file: false,
        build: apart,
        density: None,
    },
];

const PAIR: SpaceEntry = SpaceEntry {
    name: "pair",
    summary: "two particles in the plane",
    columns: &["p0_x", "p0_y", "p1_x", "p1_y"],
    default_source: "together",
    default_target: "apart",
    views: &[ViewMode::PLANE],
    geometry: &Pair,
    datasets: DATASETS,
    coupling: &Pair,
    model: &Pair,
    render: &Pair,
    family: None,
};

/// The same space with a model layer that offers no network at all.
struct Untrainable;

impl SpaceModel for Untrainable {
    fn feature_dim(&self) -> usize {
        Pair.feature_dim()
    }
    fn features(&self, x: Tensor<2>) -> Tensor<2> {
        Pair.features(x)
    }
    fn output_dim(&self) -> usize {
        Pair.output_dim()
    }
    fn velocity(&self, x: Tensor<2>, raw: Tensor<2>) -> Tensor<2> {
        Pair.velocity(x, raw)
    }
    fn networks(&self) -> &'static [Network] {
        &[]
    }
}

const UNTRAINABLE: SpaceEntry = SpaceEntry {
    name: "untrainable_pair",
    model: &Untrainable,
    ..PAIR
};

#[test]
fn a_scene_asking_for_a_network_its_space_does_not_offer_is_refused_by_name() {
    register(&UNTRAINABLE).unwrap();
    let scene = Scene::from_toml(
        "space = \"untrainable_pair\"\n[source]\nname = \"together\"\n[target]\nname = \"apart\"\n",
    )
    .unwrap();
    let error = scene.validate().unwrap_err().to_string();
    assert!(
        error.contains("untrainable_pair") && error.contains("'mlp'") && error.contains("none"),
        "{error}"
    );
    assert!(Session::new(scene, &Device::flex()).is_err());
}

fn pair() -> SpaceKind {
    static SPACE: OnceLock<SpaceKind> = OnceLock::new();
    *SPACE.get_or_init(|| register(&PAIR).expect("the pair space registers"))
}

/// Which halves of the picture (left of the centre, right of it) hold red pixels.
fn red_halves(pixels: &[u8], width: u32) -> (usize, usize) {
    let (mut left, mut right) = (0, 0);
    for (i, rgba) in pixels.chunks_exact(4).enumerate() {
        if rgba[0] > 180 && rgba[1] < 110 && rgba[2] < 110 {
            if (i as u32 % width) < width / 2 {
                left += 1;
            } else {
                right += 1;
            }
        }
    }
    (left, right)
}

#[test]
fn every_sample_of_a_configuration_space_is_drawn_as_its_particles() {
    let space = pair();
    let mut scene = Scene::from_toml(
        "space = \"pair\"\n[source]\nname = \"together\"\n[target]\nname = \"apart\"\n",
    )
    .unwrap();
    scene.train.steps = 300;
    scene.train.batch = 256;
    scene.sample.particles = 200;
    scene.sample.steps = 20;
    scene.eval.points = 200;
    scene.eval.steps = 20;
    assert_eq!(scene.space, space);
    let device = Device::flex();
    let mut session = Session::new(scene, &device).unwrap();
    session.train(|_| {}).unwrap();
    let snapshot = snapshot_of(&session).unwrap();
    let samples = snapshot.trajectories.count;
    let red = Rgba::rgb(255, 40, 40);
    let mut content =
        content_from_snapshot(&snapshot, ColourMode::SourcePosition, &Palette::DARK, 1);
    assert_eq!(content.particles.dim, 2);
    assert_eq!(
        content.particles.count,
        2 * samples,
        "two particles a sample"
    );
    assert_eq!(content.particles.colours.len(), 2 * samples);
    assert_eq!(
        content.target.count,
        2 * snapshot.target_samples.len(),
        "target samples are drawn as their particles too"
    );
    content.particles.colours.iter_mut().for_each(|c| *c = red);

    let gpu = Offscreen::new().expect("a GPU adapter for drawing (CI installs Mesa's lavapipe)");
    let mut view = ViewResources::new(&gpu.renderer, &gpu.device);
    view.set_content(&gpu.renderer, &gpu.device, &content);
    let size = [200u32, 200];
    let clip_from_world =
        PanZoomCamera::new(Vec2::ZERO, 8.0).clip_from_world(Vec2::new(200.0, 200.0));
    let mut style = Style::default();
    style.layers.trails = false;
    style.layers.target = false;
    style.particle_size_px = 4.0;
    let mut frame = Frame {
        mode: ViewMode::PLANE,
        clip_from_world,
        eye: Vec3::Z * 10.0,
        t: 1.0,
        style: &style,
    };
    // At t = 1 the first particle of every sample has gone left and the second right; at
    // t = 0 both start around the origin.
    let end = gpu.render_rgba(&mut view, &frame, size).unwrap();
    let (left, right) = red_halves(&end, size[0]);
    assert!(
        left > 100 && right > 100,
        "red pixels left {left}, right {right}"
    );
    let centre_x = |x: f32| {
        let clip = clip_from_world * Vec4::new(x, 0.0, 0.0, 1.0);
        (clip.x + 1.0) * size[0] as f32 / 2.0
    };
    let gap_px = centre_x(2.0) - centre_x(0.0);
    let mut far_from_both = 0;
    for (i, rgba) in end.chunks_exact(4).enumerate() {
        if rgba[0] > 180 && rgba[1] < 110 && rgba[2] < 110 {
            let x = (i as u32 % size[0]) as f32 + 0.5;
            let off = (x - centre_x(-2.0)).abs().min((x - centre_x(2.0)).abs());
            if off > 0.5 * gap_px {
                far_from_both += 1;
            }
        }
    }
    assert!(
        far_from_both * 10 < left + right,
        "{far_from_both} of {} red pixels far from both targets",
        left + right
    );
    frame.t = 0.0;
    let start = gpu.render_rgba(&mut view, &frame, size).unwrap();
    let (left, right) = red_halves(&start, size[0]);
    assert!(
        left > 50 && right > 50,
        "both halves at the start: {left}, {right}"
    );
}
