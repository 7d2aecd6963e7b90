//! Conditional models and classifier-free guidance: w = 0 is the unconditional model and w = 1
//! the conditional one, labels are dropped at the asked rate, guidance sends samples to the
//! requested label, and few examples per label come from a fixed set.

use burn::tensor::{Device, Int, Tensor, TensorData};
use flowscope::data::{DistConfig, LabelledPool, Points, build_sampler};
use flowscope::flow::{
    Conditioning, Guidance, GuidanceConfig, RequestedLabel, Solver, drop_labels, integrate,
};
use flowscope::rng::Rng;
use flowscope::scene::Scene;
use flowscope::session::Session;
use flowscope::space::SpaceKind;

fn conditional_scene(steps: usize) -> Scene {
    let mut scene = Scene {
        source: DistConfig::named("gaussian"),
        target: DistConfig::named("8gaussians"),
        ..Scene::default()
    };
    scene.model.labels = 8;
    scene.train.steps = steps;
    scene.train.batch = 256;
    scene
}

fn final_points(session: &Session, x0: &Points, guidance: Option<&Guidance>) -> Vec<f32> {
    integrate(
        &session.model(),
        SpaceKind::PLANE,
        x0,
        Solver::Euler,
        20,
        Conditioning {
            guidance,
            observation: None,
        },
        false,
        session.device(),
    )
    .unwrap()
    .trajectory
}

#[test]
fn guidance_zero_is_the_unconditional_model_and_one_the_conditional() {
    let device = Device::flex();
    let mut session = Session::new(conditional_scene(50), &device).unwrap();
    session.train(|_| {}).unwrap();
    let x0 = session.source().sample(64, &mut Rng::new(3));
    let labels: Vec<u32> = (0..64).map(|i| i % 8).collect();
    let at = |w: f64| Guidance {
        labels: Some(labels.clone()),
        w,
    };
    assert_eq!(
        final_points(&session, &x0, Some(&at(0.0))),
        final_points(&session, &x0, None),
        "w = 0 must be the unconditional (null-label) model"
    );
    // w = 1: the conditional field itself, as the model computes it for these labels.
    let model = session.model();
    let features = Tensor::<2>::from_data(TensorData::new(x0.to_f32(), [64, 2]), &device);
    let time_row = model.time_features(&[0.3]);
    let time = Tensor::<2>::from_data(
        TensorData::new(time_row.repeat(64), [64, time_row.len()]),
        &device,
    );
    let label_tensor = Tensor::<1, Int>::from_data(
        TensorData::new(labels.iter().map(|&l| l as i64).collect::<Vec<_>>(), [64]),
        &device,
    );
    let conditional: Vec<f32> = model
        .forward(features.clone(), time.clone(), Some(label_tensor), None)
        .into_data()
        .try_to_vec()
        .unwrap();
    let unconditional: Vec<f32> = model
        .forward(features.clone(), time.clone(), None, None)
        .into_data()
        .try_to_vec()
        .unwrap();
    for w in [1.0f64, 2.5, -1.0] {
        let guided: Vec<f32> = model
            .guided(features.clone(), time.clone(), Some(&at(w)), None)
            .into_data()
            .try_to_vec()
            .unwrap();
        for ((g, c), u) in guided.iter().zip(&conditional).zip(&unconditional) {
            let expected = (1.0 - w as f32) * u + w as f32 * c;
            assert!(
                (g - expected).abs() < 1e-4,
                "w = {w}: guided {g}, expected (1−w)·uncond + w·cond = {expected}"
            );
        }
    }
}

#[test]
fn labels_are_dropped_at_the_asked_rate() {
    let labels: Vec<u32> = (0..100_000).map(|i| i % 8).collect();
    let mut rng = Rng::new(1);
    for p_drop in [0.0, 0.2, 0.5, 1.0] {
        let dropped = drop_labels(&labels, 8, p_drop, &mut rng);
        let nulls = dropped.iter().filter(|&&l| l == 8).count() as f64 / labels.len() as f64;
        assert!(
            (nulls - p_drop).abs() < 0.006,
            "p_drop {p_drop}: {nulls} of the labels became null"
        );
        assert!(
            dropped.iter().zip(&labels).all(|(d, l)| d == l || *d == 8),
            "labels that are not dropped stay as they were"
        );
    }
}

#[test]
fn guidance_sends_samples_to_the_requested_label() {
    let device = Device::flex();
    let mut session = Session::new(conditional_scene(400), &device).unwrap();
    session.train(|_| {}).unwrap();
    let sweep = session.guidance_sweep(&[0.0, 1.0, 4.0], 400, 50).unwrap();
    let (w0, w4) = (sweep[0], sweep[2]);
    assert!(
        w0.label_fraction < 0.3,
        "without guidance about 1/8 of samples land in their label's mode, got {}",
        w0.label_fraction
    );
    assert!(
        w4.label_fraction > 0.9 && w4.label_fraction >= sweep[1].label_fraction - 0.02,
        "at w = 4 nearly every sample reaches its label: {sweep:?}"
    );
    assert!(
        w4.diversity < w0.diversity,
        "guidance narrows the samples: {sweep:?}"
    );

    // One requested label: samples carry it into the CSV and gather in that mode.
    let mut scene = session.scene().clone();
    scene.sample.guidance = Some(GuidanceConfig {
        label: RequestedLabel::One(2),
        w: 4.0,
    });
    session.apply_scene(&scene).unwrap();
    let (_, flow) = session.sample(200, 5, Solver::Euler, 50, false).unwrap();
    let mean_y = flow.final_points().iter().map(|p| p[1]).sum::<f64>() / 200.0;
    // Label 2 of 8gaussians is the mode at (0, 5).
    assert!(mean_y > 2.0, "label 2 is the upper mode, mean y {mean_y}");
}

#[test]
fn guidance_settings_are_checked() {
    let mut scene = conditional_scene(10);
    scene.sample.guidance = Some(GuidanceConfig {
        label: RequestedLabel::One(8),
        w: 1.0,
    });
    let error = scene.validate().unwrap_err().to_string();
    assert!(error.contains("label 8 does not exist"), "{error}");
    scene.sample.guidance = Some(GuidanceConfig {
        label: RequestedLabel::All,
        w: 9.0,
    });
    let error = scene.validate().unwrap_err().to_string();
    assert!(error.contains("between -1 and 8"), "{error}");
    scene.model.labels = 0;
    scene.sample.guidance = Some(GuidanceConfig::default());
    let error = scene.validate().unwrap_err().to_string();
    assert!(error.contains("trained with labels"), "{error}");
    for text in ["none", "all", "3"] {
        let label: RequestedLabel = text.parse().unwrap();
        assert_eq!(label.to_string(), text);
    }
    assert!("seven".parse::<RequestedLabel>().is_err());
}

#[test]
fn few_samples_per_label_come_from_a_fixed_set() {
    let target = build_sampler(SpaceKind::PLANE, &DistConfig::named("8gaussians")).unwrap();
    let pool = LabelledPool::draw(target.as_ref(), 5, &mut Rng::new(0)).unwrap();
    let labels = pool.points().labels().unwrap();
    assert_eq!(labels.len(), 40);
    for label in 0..8 {
        assert_eq!(labels.iter().filter(|&&l| l == label).count(), 5);
    }
    // Every training draw is one of the 40 examples.
    use flowscope::data::Sampler;
    let draws = pool.sample(500, &mut Rng::new(1));
    for point in draws.iter() {
        assert!(pool.points().iter().any(|p| p == point));
    }
    let unlabelled = build_sampler(SpaceKind::PLANE, &DistConfig::named("gaussian")).unwrap();
    assert!(LabelledPool::draw(unlabelled.as_ref(), 5, &mut Rng::new(0)).is_err());

    // A data-starved run trains on at most 5 × 8 distinct targets.
    let device = Device::flex();
    let mut scene = conditional_scene(20);
    scene.train.samples_per_label = 5;
    let mut session = Session::new(scene, &device).unwrap();
    let mut seen: Vec<Vec<u64>> = Vec::new();
    for _ in 0..3 {
        session.step().unwrap();
        let (_, x1) = session.last_pairs().unwrap();
        for point in x1.iter() {
            let bits: Vec<u64> = point.iter().map(|v| v.to_bits()).collect();
            if !seen.contains(&bits) {
                seen.push(bits);
            }
        }
    }
    assert!(
        seen.len() <= 40,
        "{} distinct training targets from a 40-example set",
        seen.len()
    );
}
