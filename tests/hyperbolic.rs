//! The hyperbolic plane: the Poincaré disk's formulas agree with the Lorentz (hyperboloid)
//! model's, stay finite at the rim, its datasets are what they say, and flows train on it.

use burn::tensor::Device;
use flowscope::data::{DistConfig, Points, build_sampler};
use flowscope::geometry::{Hyperbolic, MAX_RADIUS, Space};
use flowscope::rng::Rng;
use flowscope::scene::Scene;
use flowscope::space::SpaceKind;

/// The disk point as a point of the hyperboloid −X0² + X1² + X2² = −1.
fn lift(x: &[f64]) -> [f64; 3] {
    let r2 = x[0] * x[0] + x[1] * x[1];
    let d = 1.0 - r2;
    [(1.0 + r2) / d, 2.0 * x[0] / d, 2.0 * x[1] / d]
}

/// A hyperboloid point back in the disk.
fn lower(p: [f64; 3]) -> [f64; 2] {
    [p[1] / (1.0 + p[0]), p[2] / (1.0 + p[0])]
}

/// The lift's differential at x applied to v.
fn push(x: &[f64], v: &[f64]) -> [f64; 3] {
    let r2 = x[0] * x[0] + x[1] * x[1];
    let d = 1.0 - r2;
    let xv = x[0] * v[0] + x[1] * v[1];
    [
        4.0 * xv / (d * d),
        2.0 * v[0] / d + 4.0 * x[0] * xv / (d * d),
        2.0 * v[1] / d + 4.0 * x[1] * xv / (d * d),
    ]
}

fn minkowski(a: [f64; 3], b: [f64; 3]) -> f64 {
    -a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn random_points(n: usize, reach: f64, seed: u64) -> Vec<[f64; 2]> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let r = reach * rng.uniform().sqrt();
            let a = rng.uniform_in(0.0, std::f64::consts::TAU);
            [r * a.cos(), r * a.sin()]
        })
        .collect()
}

#[test]
fn distances_agree_with_the_lorentz_model() {
    let points = random_points(400, 0.95, 1);
    for (x, y) in points.iter().zip(points.iter().skip(1)) {
        let lorentz = (-minkowski(lift(x), lift(y))).max(1.0).acosh();
        let ours = Hyperbolic.distance(x, y);
        assert!(
            (ours - lorentz).abs() < 1e-9 * lorentz.max(1.0),
            "{ours} vs {lorentz}"
        );
    }
}

#[test]
fn exp_and_log_agree_with_the_lorentz_model() {
    let points = random_points(300, 0.9, 2);
    let mut rng = Rng::new(3);
    for x in &points {
        let v = [0.2 * rng.normal(), 0.2 * rng.normal()];
        // On the hyperboloid exp_X(V) = cosh|V|·X + sinh|V|·V/|V|, |V| the Minkowski norm.
        let (lifted, pushed) = (lift(x), push(x, &v));
        let norm = minkowski(pushed, pushed).sqrt();
        let moved = [0, 1, 2].map(|k| norm.cosh() * lifted[k] + norm.sinh() * pushed[k] / norm);
        let expected = lower(moved);
        if expected[0].hypot(expected[1]) > 0.9999 {
            // Beyond what the disk keeps (its clamp is checked below).
            continue;
        }
        let mut ours = [0.0; 2];
        Hyperbolic.exp(x, &v, &mut ours);
        assert!(
            (ours[0] - expected[0]).abs() < 1e-9 && (ours[1] - expected[1]).abs() < 1e-9,
            "exp {ours:?} vs {expected:?}"
        );
        // The Minkowski norm of the pushed vector is the Riemannian one, λ_x·|v|.
        let riemannian = Hyperbolic::conformal_factor(x) * v[0].hypot(v[1]);
        assert!((norm - riemannian).abs() < 1e-9 * norm.max(1.0));
        let mut back = [0.0; 2];
        Hyperbolic.log(x, &ours, &mut back);
        assert!((back[0] - v[0]).abs() < 1e-8 && (back[1] - v[1]).abs() < 1e-8);
    }
}

#[test]
fn the_rim_is_clamped_and_nothing_goes_non_finite() {
    let mut far = [0.0; 2];
    // Twenty units of hyperbolic length from the origin: far past the clamp.
    Hyperbolic.exp(&[0.0, 0.0], &[10.0, 0.0], &mut far);
    assert!(far[0] <= MAX_RADIUS && far[0] > 0.999);
    let mut v = [0.0; 2];
    Hyperbolic.log(&far, &[0.0, 0.0], &mut v);
    assert!(v.iter().all(|c| c.is_finite()));
    assert!(Hyperbolic.distance(&far, &[-far[0], 0.0]).is_finite());
    let mut outside = [1.2, 0.0];
    let message = Hyperbolic.accept_point(&mut outside).unwrap_err();
    assert!(message.contains("outside the open unit disk"), "{message}");
    let csv = Points::parse_csv("x,y\n0.1,0.2\n0.6,0.9\n", SpaceKind::HYPERBOLIC).unwrap_err();
    assert!(csv.contains("line 3") && csv.contains("unit disk"), "{csv}");
}

#[test]
fn datasets_are_what_they_say() {
    let space = SpaceKind::HYPERBOLIC;
    let sample = |name: &str, params: &[(&str, f64)]| {
        let mut config = DistConfig::named(name);
        for (k, v) in params {
            config.params.insert((*k).into(), *v);
        }
        build_sampler(space, &config)
            .unwrap()
            .sample(4000, &mut Rng::new(7))
    };
    let origin = [0.0, 0.0];
    // Uniform on a hyperbolic disk of radius R: the share within ρ is (cosh ρ − 1)/(cosh R − 1).
    let uniform = sample("uniform_disk", &[("radius", 2.0)]);
    let within = uniform
        .iter()
        .filter(|p| Hyperbolic.distance(p, &origin) < 1.0)
        .count() as f64
        / 4000.0;
    let expected = (1f64.cosh() - 1.0) / (2f64.cosh() - 1.0);
    assert!((within - expected).abs() < 0.02, "{within} vs {expected}");
    assert!(
        uniform
            .iter()
            .all(|p| Hyperbolic.distance(p, &origin) <= 2.0 + 1e-9)
    );
    // The wrapped normal's squared distance from the origin has mean about 2σ² (two tangent
    // directions) for small σ.
    let normal = sample("wrapped_normal", &[("std", 0.1)]);
    let mean: f64 = normal
        .iter()
        .map(|p| Hyperbolic.squared_distance(p, &origin))
        .sum::<f64>()
        / 4000.0;
    assert!((mean - 0.02).abs() < 0.002, "{mean}");
    // Mixture centres sit at the asked distance from the origin.
    let mixture = sample("wrapped_mixture", &[("radius", 3.0), ("std", 0.05)]);
    let mean_radius: f64 = mixture
        .iter()
        .map(|p| Hyperbolic.distance(p, &origin))
        .sum::<f64>()
        / 4000.0;
    assert!((mean_radius - 3.0).abs() < 0.05, "{mean_radius}");
    assert_eq!(
        mixture.labels().map(|l| l.iter().max().copied()),
        Some(Some(4))
    );
    // The tree reaches depth × edge from the root and no further (noise aside).
    let tree = sample("tree", &[("depth", 3.0), ("edge", 1.0), ("noise", 0.0)]);
    let reach = tree
        .iter()
        .map(|p| Hyperbolic.distance(p, &origin))
        .fold(0.0, f64::max);
    assert!(reach <= 3.0 + 1e-6 && reach > 2.9, "{reach}");
}

#[test]
fn a_flow_on_the_disk_learns_its_target() {
    let mut scene = Scene::from_toml(
        "space = \"hyperbolic\"\n[source]\nname = \"wrapped_normal\"\n[target]\nname = \"wrapped_mixture\"\n\
         [coupling]\nmethod = \"exact\"\nk = 256\n",
    )
    .unwrap();
    scene.train.steps = 2000;
    scene.train.batch = 512;
    scene.eval.points = 500;
    scene.eval.steps = 50;
    let mut session = flowscope::session::Session::new(scene, &Device::flex()).unwrap();
    session.train(|_| {}).unwrap();
    let metrics = session.evaluate().unwrap();
    assert!(
        metrics.w2 < 0.45 * metrics.source_target_w2,
        "W2 {} against {} from source to target",
        metrics.w2,
        metrics.source_target_w2
    );
    let (samples, _) = session
        .sample(500, 1, flowscope::flow::Solver::Rk4, 20, false)
        .unwrap();
    assert!(samples.iter().all(|p| p[0].hypot(p[1]) < 1.0));
}

#[test]
fn the_backdrop_is_the_rim_and_a_tiling_inside_it() {
    use flowscope::render::{HyperbolicRender, Rgba, SpaceRender};
    let mut segments = Vec::new();
    HyperbolicRender.backdrop(Rgba::rgb(60, 64, 76), &mut segments);
    assert!(segments.len() > 1000, "{} segments", segments.len());
    for segment in &segments {
        for p in [segment.start, segment.end] {
            assert!(p[0].hypot(p[1]) <= 1.0 + 1e-5, "{p:?} outside the disk");
        }
    }
    // The central heptagon's corners sit at the {7,3} radius, √(cos(π/7 + π/3)/cos(π/7 − π/3)).
    let pi = std::f64::consts::PI;
    let corner = ((pi / 7.0 + pi / 3.0).cos() / (pi / 7.0 - pi / 3.0).cos()).sqrt() as f32;
    let near_corner = segments
        .iter()
        .filter(|s| (s.start[0].hypot(s.start[1]) - corner).abs() < 1e-4)
        .count();
    assert!(
        near_corner >= 7,
        "{near_corner} segments start at a central corner"
    );
}
