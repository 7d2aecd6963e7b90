//! The space seam is real: a circle S¹ defined here, in the test crate, and registered at run
//! time is read from a scene file, trained, sampled, coupled and drawn offscreen like the
//! built-in spaces, without a line of it in src/.

use std::f64::consts::TAU;
use std::sync::OnceLock;

use burn::tensor::{Device, Tensor};
use flowscope::coupling::{
    CostMatrix, CouplingMethod, SpaceCoupling, couple, mean_pair_cost, solve_assignment,
};
use flowscope::data::{Dataset, FnSampler, Params, Points, Sampler, build_sampler, param};
use flowscope::flow::SpaceModel;
use flowscope::geometry::{Space, squared_norm};
use flowscope::render::{
    Cameras, ColourMode, Edge, EdgeLabels, Frame, Layout, Offscreen, Palette, PlaneRender,
    Projection, Rgba, Segment, SpaceRender, Style, Surface, ViewCamera, ViewMode, ViewResources,
    content_from_snapshot, hsl, position, push_arrow,
};
use flowscope::rng::Rng;
use flowscope::scene::Scene;
use flowscope::session::Session;
use flowscope::session::live::snapshot_of;
use flowscope::space::{SpaceEntry, SpaceKind, register};
use glam::{Vec2, Vec3, Vec4};

/// The unit circle, stored as unit vectors (x, y) of the plane.
struct Circle;

fn angle_of(p: &[f64]) -> f64 {
    p[1].atan2(p[0])
}

/// The signed angle from `x` to `y`, in (−π, π].
fn signed_angle(x: &[f64], y: &[f64]) -> f64 {
    (x[0] * y[1] - x[1] * y[0]).atan2(x[0] * y[0] + x[1] * y[1])
}

/// `p` turned a quarter turn anticlockwise: the unit tangent of the circle at `p`.
fn quarter_turn(p: Tensor<2>) -> Tensor<2> {
    Tensor::cat(vec![-p.clone().narrow(1, 1, 1), p.narrow(1, 0, 1)], 1)
}

impl Space for Circle {
    fn dim(&self) -> usize {
        2
    }
    fn exp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        // A tangent vector's length is the arc turned through; its sign, the direction.
        let a = angle_of(x) + (x[0] * v[1] - x[1] * v[0]);
        out.copy_from_slice(&[a.cos(), a.sin()]);
    }
    fn log(&self, x: &[f64], y: &[f64], out: &mut [f64]) {
        let theta = signed_angle(x, y);
        out.copy_from_slice(&[-x[1] * theta, x[0] * theta]);
    }
    fn squared_distance(&self, x: &[f64], y: &[f64]) -> f64 {
        signed_angle(x, y).powi(2)
    }
    fn project_tangent(&self, x: &[f64], v: &mut [f64]) {
        let along = v[0] * x[0] + v[1] * x[1];
        v[0] -= along * x[0];
        v[1] -= along * x[1];
    }
    fn project(&self, x: &mut [f64]) {
        let norm = x[0].hypot(x[1]).max(1e-12);
        x.iter_mut().for_each(|c| *c /= norm);
    }
    fn sample_uniform(&self, rng: &mut Rng, out: &mut [f64]) {
        let a = rng.uniform_in(0.0, TAU);
        out.copy_from_slice(&[a.cos(), a.sin()]);
    }
    fn accept_point(&self, point: &mut [f64]) -> Result<(), String> {
        let norm = point[0].hypot(point[1]);
        if (norm - 1.0).abs() > 1e-3 {
            return Err(format!(
                "circle points must have unit length, not {norm:.4}"
            ));
        }
        self.project(point);
        Ok(())
    }
    fn probe_points(&self, _data: &mut dyn Iterator<Item = &[f64]>) -> Vec<f64> {
        (0..32)
            .flat_map(|i| {
                let a = TAU * i as f64 / 32.0;
                [a.cos(), a.sin()]
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
        let theta = signed_angle(x0, x1);
        let a = angle_of(x0) + kappa * theta;
        xt.copy_from_slice(&[a.cos(), a.sin()]);
        ut.copy_from_slice(&[-a.sin() * dkappa * theta, a.cos() * dkappa * theta]);
    }
    fn exp_tensor(&self, x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        let speed = squared_norm(v.clone()).sqrt();
        let direction = v / speed.clone().clamp_min(1e-12);
        x * speed.clone().cos() + direction * speed.sin()
    }
    fn log_tensor(&self, x: Tensor<2>, y: Tensor<2>) -> Tensor<2> {
        let tangent = quarter_turn(x.clone());
        let cos = (x * y.clone()).sum_dim(1);
        let sin = (tangent.clone() * y).sum_dim(1);
        tangent * sin.atan2(cos)
    }
    fn project_tangent_tensor(&self, x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        let along = (x.clone() * v.clone()).sum_dim(1);
        v - x * along
    }
    fn interpolate_tensor(
        &self,
        x0: Tensor<2>,
        x1: Tensor<2>,
        kappa: Tensor<2>,
        dkappa: Tensor<2>,
    ) -> (Tensor<2>, Tensor<2>) {
        let tangent = quarter_turn(x0.clone());
        let theta = (tangent.clone() * x1.clone())
            .sum_dim(1)
            .atan2((x0.clone() * x1).sum_dim(1));
        let turned = kappa * theta.clone();
        let (sin, cos) = (turned.clone().sin(), turned.cos());
        let xt = x0.clone() * cos.clone() + tangent.clone() * sin.clone();
        let ut = (tangent * cos - x0 * sin) * (dkappa * theta);
        (xt, ut)
    }
}

impl SpaceModel for Circle {
    fn feature_dim(&self) -> usize {
        2
    }
    fn features(&self, x: Tensor<2>) -> Tensor<2> {
        x
    }
    fn output_dim(&self) -> usize {
        2
    }
    fn velocity(&self, x: Tensor<2>, raw: Tensor<2>) -> Tensor<2> {
        self.project_tangent_tensor(x, raw)
    }
}

impl SpaceCoupling for Circle {
    fn pair_cost(&self, a: &[f64], b: &[f64]) -> f64 {
        self.squared_distance(a, b)
    }
    fn cost_matrix(&self, a: &Points, b: &Points) -> CostMatrix {
        CostMatrix::from_pair_cost(a, b, |x, y| self.squared_distance(x, y))
    }
    fn optimal_assignment(&self, a: &Points, b: &Points) -> Vec<usize> {
        solve_assignment(&self.cost_matrix(a, b))
    }
    /// Keeps the height: the point folded onto the upper half.
    fn project_observation(&self, x: &[f64], y: &mut [f64]) {
        y.copy_from_slice(&[x[0], x[1].abs()]);
    }
    fn projection_summary(&self) -> &'static str {
        "fold onto the upper half"
    }
    fn quantize_observation(&self, x: &[f64], level: f64, y: &mut [f64]) {
        let a = ((angle_of(x) / level).floor() + 0.5) * level;
        y.copy_from_slice(&[a.cos(), a.sin()]);
    }
}

/// The arc from `a` to `b` at fraction `s`.
fn along_arc(a: &[f64], b: &[f64], s: f64) -> [f32; 3] {
    let angle = angle_of(a) + s * signed_angle(a, b);
    position(&[angle.cos(), angle.sin()])
}

impl SpaceRender for Circle {
    fn particle_dim(&self) -> usize {
        2
    }
    fn source_colour(&self, p: &[f64]) -> Rgba {
        hsl(angle_of(p) / TAU + 0.5, 0.75, 0.6)
    }
    fn geodesic(&self, a: &[f64], b: &[f64], colour: Rgba, out: &mut Vec<Segment>) {
        for piece in 0..8 {
            let (s0, s1) = (piece as f64 / 8.0, (piece + 1) as f64 / 8.0);
            out.push(Segment::new(
                along_arc(a, b, s0),
                along_arc(a, b, s1),
                colour,
            ));
        }
    }
    fn arrow(&self, p: &[f64], v: &[f64], length: f64, colour: Rgba, out: &mut Vec<Segment>) {
        let mut tip = [p[0] + v[0] * length, p[1] + v[1] * length];
        self.project(&mut tip);
        let segment = |a, b| Segment::new(a, b, colour);
        push_arrow(position(p), position(&tip), Vec3::Z, segment, out);
    }
    fn arrow_spacing(&self, _probes: &Points) -> f64 {
        TAU / 32.0
    }
    /// Placed in the heat map as the plane places its points.
    fn density_uv(&self, p: &[f64], min: Vec2, max: Vec2) -> (f64, f64) {
        PlaneRender.density_uv(p, min, max)
    }
    fn density_edges(&self) -> [Edge; 2] {
        PlaneRender.density_edges()
    }
}

fn uniform(_: &Params) -> flowscope::Result<Box<dyn Sampler>> {
    Ok(FnSampler::boxed(2, 0, |rng, out| {
        Circle.sample_uniform(rng, out);
        0
    }))
}

/// Modes at evenly spaced angles, each a wrapped normal in angle.
fn modes(p: &Params) -> flowscope::Result<Box<dyn Sampler>> {
    let (count, spread) = (p.count("modes", 1, 16)?, p.positive("spread")?);
    Ok(FnSampler::boxed(2, count, move |rng, out| {
        let mode = rng.below(count);
        let a = TAU * mode as f64 / count as f64 + spread * rng.normal();
        out.copy_from_slice(&[a.cos(), a.sin()]);
        mode as u32
    }))
}

const DATASETS: &[Dataset] = &[
    Dataset {
        name: "uniform",
        summary: "uniform on the circle",
        labels: None,
        params: &[],
        reads_file: false,
        build: uniform,
        density: None,
    },
    Dataset {
        name: "modes",
        summary: "wrapped normals at evenly spaced angles",
        labels: Some("one per mode"),
        params: &[
            param("modes", 3.0, "number of modes"),
            param("spread", 0.15, "angular standard deviation"),
        ],
        reads_file: false,
        build: modes,
        density: None,
    },
];

/// The circle's own picture: the plane's projection, framed on the unit circle.
const CIRCLE_VIEW: ViewMode = ViewMode {
    name: "circle",
    cli_name: "circle",
    description: "The unit circle in the plane.",
    projection: Projection::Flat,
    camera: ViewCamera::PanZoom {
        centre: Vec2::ZERO,
        span: 3.0,
        fits_data: false,
    },
    surface: Surface::Background,
    grid: true,
    edge_labels: EdgeLabels::Ticks,
    layout: Layout::Together,
};

const CIRCLE: SpaceEntry = SpaceEntry {
    name: "circle",
    summary: "the unit circle S¹",
    columns: &["x", "y"],
    default_source: "uniform",
    default_target: "modes",
    views: &[CIRCLE_VIEW],
    geometry: &Circle,
    datasets: DATASETS,
    coupling: &Circle,
    model: &Circle,
    render: &Circle,
    family: None,
};

/// The circle, registered once for all tests of this file.
fn circle() -> SpaceKind {
    static SPACE: OnceLock<SpaceKind> = OnceLock::new();
    *SPACE.get_or_init(|| register(&CIRCLE).expect("the circle registers"))
}

fn circle_scene() -> Scene {
    circle();
    let mut scene = Scene::from_toml(
        "space = \"circle\"\n\
         [source]\nname = \"uniform\"\n\
         [target]\nname = \"modes\"\nmodes = 1\nspread = 0.3\n",
    )
    .expect("a scene on the registered circle parses");
    scene.validate().expect("the circle scene is valid");
    scene.train.steps = 600;
    scene.train.batch = 256;
    scene.eval.points = 1000;
    scene.eval.steps = 40;
    scene.sample.particles = 300;
    scene.sample.steps = 40;
    scene
}

#[test]
fn a_registered_space_is_listed_and_named_like_the_built_in_ones() {
    let space = circle();
    assert!(flowscope::space::all().contains(&space));
    assert!(flowscope::space::views().contains(&CIRCLE_VIEW));
    assert_eq!(SpaceKind::named("circle").unwrap(), space);
    assert_eq!("circle".parse::<SpaceKind>().unwrap(), space);
    assert!(register(&CIRCLE).is_err(), "a name is registered once");
    let mut scene = circle_scene();
    scene.title = "circle".into();
    assert_eq!(Scene::from_toml(&scene.to_toml()).unwrap(), scene);
    let unknown =
        Scene::from_toml("space = \"moebius\"\n[source]\nname = \"x\"\n[target]\nname = \"y\"\n")
            .unwrap_err();
    assert!(unknown.contains("circle"), "{unknown}");
    let points = build_sampler(space, &flowscope::data::DistConfig::named("modes"))
        .unwrap()
        .sample(50, &mut Rng::new(1));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("circle.csv");
    points.write_csv(&path, space).unwrap();
    assert_eq!(Points::read_csv(&path, space).unwrap().data().len(), 100);
    std::fs::write(&path, "x,y\n0.5,0.5\n1,0\n").unwrap();
    let error = Points::read_csv(&path, space).unwrap_err().to_string();
    assert!(
        error.contains("line 2") && error.contains("unit length"),
        "{error}"
    );
}

#[test]
fn a_registered_space_trains_samples_on_itself_and_couples() {
    let space = circle();
    let device = Device::flex();
    let mut session = Session::new(circle_scene(), &device).unwrap();
    let before = session.evaluate().unwrap();
    session.train(|_| {}).unwrap();
    let after = session.evaluate().unwrap();
    assert!(
        after.w2 < 0.25 * before.w2,
        "W2 on the circle {:.3} → {:.3}",
        before.w2,
        after.w2
    );
    let (samples, _) = session
        .sample(200, 3, flowscope::flow::Solver::Rk4, 20, false)
        .unwrap();
    for p in samples.iter() {
        assert!(
            (p[0].hypot(p[1]) - 1.0).abs() < 1e-4,
            "{p:?} left the circle"
        );
    }

    let mut rng = Rng::new(4);
    let source = session.source().sample(128, &mut rng);
    let target = session.target().sample(128, &mut rng);
    let exact = couple(
        space,
        CouplingMethod::Exact,
        0.05,
        &source,
        &target,
        &mut rng,
    );
    let mut seen = exact.assignment.clone();
    seen.sort_unstable();
    assert_eq!(seen, (0..128).collect::<Vec<_>>(), "a permutation");
    let independent = mean_pair_cost(space, &source, &target);
    assert!(
        exact.cost < 0.8 * independent,
        "OT on arc lengths: {} vs independent {independent}",
        exact.cost
    );
    // Optimal, so no exchange of two partners lowers the summed arc-length cost.
    let cost = |i: usize, j: usize| Circle.squared_distance(source.point(i), target.point(j));
    let sigma = &exact.assignment;
    for i in 0..128 {
        for j in i + 1..128 {
            let kept = cost(i, sigma[i]) + cost(j, sigma[j]);
            let swapped = cost(i, sigma[j]) + cost(j, sigma[i]);
            assert!(
                kept <= swapped + 1e-6,
                "swapping the partners of {i} and {j} is cheaper"
            );
        }
    }
}

#[test]
fn a_registered_space_draws_offscreen() {
    let device = Device::flex();
    let mut scene = circle_scene();
    scene.train.steps = 150;
    let mut session = Session::new(scene, &device).unwrap();
    session.train(|_| {}).unwrap();
    let snapshot = snapshot_of(&session).unwrap();
    let mut content =
        content_from_snapshot(&snapshot, ColourMode::SourcePosition, &Palette::DARK, 1);
    let colour = Rgba::rgb(255, 40, 40);
    content
        .particles
        .colours
        .iter_mut()
        .for_each(|c| *c = colour);

    let gpu = Offscreen::new().expect("a GPU adapter for drawing (CI installs Mesa's lavapipe)");
    let mut view = ViewResources::new(&gpu.renderer, &gpu.device);
    view.set_content(&gpu.renderer, &gpu.device, &content);
    let size = [160u32, 160];
    // The view's own camera frames it.
    let picture = snapshot.scene.space.views()[0];
    assert_eq!(picture, CIRCLE_VIEW);
    let (clip_from_world, eye) = Cameras::default().transform(picture, Vec2::new(160.0, 160.0));
    let mut style = Style::default();
    style.layers.trails = false;
    style.layers.target = false;
    style.particle_size_px = 4.0;
    let frame = Frame {
        mode: picture,
        clip_from_world,
        eye,
        t: 1.0,
        style: &style,
    };
    let pixels = gpu.render_rgba(&mut view, &frame, size).unwrap();
    // Every red pixel lies near the unit circle, and there are many of them.
    let ndc_x = |x: f32| (clip_from_world * Vec4::new(x, 0.0, 0.0, 1.0)).x;
    let radius_px = (ndc_x(1.0) - ndc_x(0.0)) * size[0] as f32 / 2.0;
    let mut red = 0;
    for y in 0..size[1] {
        for x in 0..size[0] {
            let i = ((y * size[0] + x) * 4) as usize;
            let [r, g, b] = [pixels[i], pixels[i + 1], pixels[i + 2]];
            if r > 180 && g < 110 && b < 110 {
                red += 1;
                let (dx, dy) = (x as f32 + 0.5 - 80.0, y as f32 + 0.5 - 80.0);
                let off = ((dx * dx + dy * dy).sqrt() - radius_px).abs();
                assert!(
                    off < 5.0,
                    "a particle drawn {off:.1} px off the circle at ({x}, {y})"
                );
            }
        }
    }
    assert!(red > 100, "only {red} particle pixels");
}
