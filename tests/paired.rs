//! Paired data: observations are the corrupted targets, starting points lie σ from their
//! observation on the space, training pairs keep each x0 with its own x1, and the paired
//! flow restores observations far better than an unconditional model.

use std::sync::Arc;

use burn::tensor::Device;
use flowscope::coupling::{Corruption, CouplingMethod, Observation, PairedApproach, PairedConfig};
use flowscope::data::{DistConfig, build_sampler};
use flowscope::rng::Rng;
use flowscope::scene::Scene;
use flowscope::session::Session;
use flowscope::space::SpaceKind;

fn observation(
    space: SpaceKind,
    target: &str,
    corruption: Corruption,
    level: f64,
    sigma: f64,
) -> Observation {
    let target = build_sampler(space, &DistConfig::named(target)).unwrap();
    let (source, _) = space.default_distributions();
    let source = build_sampler(space, &DistConfig::named(source)).unwrap();
    Observation::new(
        space,
        PairedConfig {
            corruption,
            level,
            sigma,
            approach: PairedApproach::Start,
        },
        Arc::from(source),
        Arc::from(target),
    )
}

#[test]
fn projections_keep_one_coordinate_on_every_space() {
    let plane = observation(SpaceKind::PLANE, "moons", Corruption::Project, 0.5, 0.0)
        .draw(200, &mut Rng::new(0));
    for (y, x1) in plane.y.iter().zip(plane.x1.iter()) {
        assert_eq!(y, &[x1[0], 0.0][..], "the plane keeps x and drops y");
    }
    assert_eq!(plane.x0, plane.y, "σ = 0 starts at the observation itself");

    let sphere = observation(SpaceKind::SPHERE, "vmf", Corruption::Project, 0.5, 0.0)
        .draw(200, &mut Rng::new(0));
    for (y, x1) in sphere.y.iter().zip(sphere.x1.iter()) {
        assert!((y[2] - x1[2]).abs() < 1e-12, "same latitude");
        assert!(y[1].abs() < 1e-12 && y[0] >= 0.0, "longitude 0");
        assert!((y.iter().map(|v| v * v).sum::<f64>() - 1.0).abs() < 1e-9);
    }

    let torus = observation(
        SpaceKind::TORUS,
        "wrapped_gaussians",
        Corruption::Project,
        0.5,
        0.0,
    )
    .draw(200, &mut Rng::new(0));
    for (y, x1) in torus.y.iter().zip(torus.x1.iter()) {
        assert_eq!(y, &[x1[0], 0.0][..], "the torus keeps θ");
    }
}

#[test]
fn quantisation_snaps_to_cell_centres_and_noise_has_its_level() {
    let grid = observation(SpaceKind::PLANE, "moons", Corruption::Quantize, 0.5, 0.0)
        .draw(300, &mut Rng::new(1));
    for (y, x1) in grid.y.iter().zip(grid.x1.iter()) {
        for (v, x) in y.iter().zip(x1) {
            let cell = (v / 0.5 - 0.5).round();
            assert!(
                (v - (cell + 0.5) * 0.5).abs() < 1e-12,
                "{v} is a cell centre"
            );
            assert!((v - x).abs() <= 0.25 + 1e-12, "{x} snapped to {v}");
        }
    }
    let torus = observation(SpaceKind::TORUS, "uniform", Corruption::Quantize, 1.0, 0.0)
        .draw(300, &mut Rng::new(1));
    assert!(
        torus
            .y
            .iter()
            .flatten()
            .all(|a| (0.0..std::f64::consts::TAU).contains(a))
    );

    // Noise of level s moves a point by s·√2 on average in two dimensions (Rayleigh mean s·√(π/2)).
    for space in [SpaceKind::PLANE, SpaceKind::SPHERE, SpaceKind::TORUS] {
        let (_, target) = space.default_distributions();
        let noisy =
            observation(space, target, Corruption::Noise, 0.1, 0.05).draw(4000, &mut Rng::new(2));
        let geometry = space.geometry();
        let mean = |a: &flowscope::data::Points, b: &flowscope::data::Points| {
            a.iter()
                .zip(b.iter())
                .map(|(p, q)| geometry.distance(p, q))
                .sum::<f64>()
                / a.len() as f64
        };
        let rayleigh = (std::f64::consts::PI / 2.0).sqrt();
        let observed = mean(&noisy.y, &noisy.x1);
        let started = mean(&noisy.x0, &noisy.y);
        assert!(
            (observed / (0.1 * rayleigh) - 1.0).abs() < 0.05,
            "{space:?}: observation noise {observed}"
        );
        assert!(
            (started / (0.05 * rayleigh) - 1.0).abs() < 0.05,
            "{space:?}: start noise {started}"
        );
        for p in noisy.x0.iter() {
            let mut q = p.to_vec();
            geometry.project(&mut q);
            assert!(
                q.iter().zip(p).all(|(a, b)| (a - b).abs() < 1e-9),
                "{space:?}: x0 lies on the space"
            );
        }
    }
}

fn moons_scene(method: CouplingMethod) -> Scene {
    let mut scene = Scene::default();
    scene.coupling.method = method;
    scene.train.steps = 600;
    scene.train.batch = 256;
    scene
}

#[test]
fn paired_training_keeps_pairs_and_restores_observations() {
    let device = Device::flex();
    let mut paired = Session::new(moons_scene(CouplingMethod::Paired), &device).unwrap();
    paired.step().unwrap();
    let (x0, x1) = paired.last_pairs().unwrap();
    for (start, clean) in x0.iter().zip(x1.iter()) {
        // Projection keeps x exactly; σ = 0.1 noise moves it a little.
        assert!(
            (start[0] - clean[0]).abs() < 0.6,
            "x0 {start:?} was made from x1 {clean:?}"
        );
    }
    paired.train(|_| {}).unwrap();
    let mut baseline = Session::new(moons_scene(CouplingMethod::Independent), &device).unwrap();
    baseline.train(|_| {}).unwrap();

    let observed = paired.observation().unwrap().draw(500, &mut Rng::new(9));
    let restored = paired.push_forward(&observed.x0, None, 50).unwrap();
    let ours = flowscope::metrics::restoration(SpaceKind::PLANE, &restored, &observed.x1).unwrap();
    let theirs = flowscope::metrics::restoration(
        SpaceKind::PLANE,
        &baseline.push_forward(&observed.x0, None, 50).unwrap(),
        &observed.x1,
    )
    .unwrap();
    assert!(
        ours.w2 <= 0.5 * theirs.w2 && ours.error < theirs.error,
        "paired {ours:?} vs unconditional from the same starts {theirs:?}"
    );
    let report = paired.report().unwrap();
    assert!(report.restoration.is_some());

    // The conditional-model approach: noise in, Y given to the network, the same task solved.
    let mut scene = moons_scene(CouplingMethod::Paired);
    scene.coupling.paired.approach = PairedApproach::Condition;
    let mut conditional = Session::new(scene, &device).unwrap();
    conditional.step().unwrap();
    let (x0, x1) = conditional.last_pairs().unwrap();
    let far = x0
        .iter()
        .zip(x1.iter())
        .filter(|(start, clean)| (start[0] - clean[0]).abs() > 0.6)
        .count();
    assert!(
        far > x0.len() / 4,
        "starting points are noise, not observations"
    );
    conditional.train(|_| {}).unwrap();
    let noise = baseline.source().sample(500, &mut Rng::new(10));
    let restored = conditional
        .push_forward(&noise, Some(&observed.y), 50)
        .unwrap();
    let by_condition =
        flowscope::metrics::restoration(SpaceKind::PLANE, &restored, &observed.x1).unwrap();
    assert!(
        by_condition.error < 0.6 * theirs.error,
        "the conditional model {by_condition:?} restores too: unconditional {theirs:?}"
    );
    let restoration = conditional.restoration(300, 50).unwrap().unwrap();
    assert!(restoration.error < 0.6 * theirs.error);
}

#[test]
fn paired_settings_are_checked() {
    let mut scene = moons_scene(CouplingMethod::Paired);
    scene.coupling.paired.sigma = -1.0;
    assert!(scene.validate().unwrap_err().to_string().contains("sigma"));
    scene.coupling.paired = PairedConfig {
        corruption: Corruption::Quantize,
        level: 0.0,
        sigma: 0.1,
        approach: PairedApproach::Start,
    };
    assert!(
        scene
            .validate()
            .unwrap_err()
            .to_string()
            .contains("positive level")
    );
}

#[test]
fn starting_points_drawn_together_equal_those_drawn_one_by_one() {
    use flowscope::data::Sampler;
    for space in [SpaceKind::PLANE, SpaceKind::SPHERE, SpaceKind::TORUS] {
        let (_, target) = space.default_distributions();
        let model = observation(space, target, Corruption::Noise, 0.1, 0.05);
        let together = model.sample(200, &mut Rng::new(5));
        let mut rng = Rng::new(5);
        let mut one_by_one = vec![0.0; 200 * space.dim()];
        for point in one_by_one.chunks_exact_mut(space.dim()) {
            model.sample_one(&mut rng, point);
        }
        assert_eq!(together.data(), &one_by_one[..], "{space:?}");
    }
}
