//! Training and sampling: a model learns (W2 falls), divergence is caught and the last good
//! weights kept, checkpoints round-trip, and every solver keeps particles on the space.

use burn::tensor::Device;
use flowscope::Error;
use flowscope::coupling::CouplingMethod;
use flowscope::data::DistConfig;
use flowscope::flow::Solver;
use flowscope::scene::Scene;
use flowscope::session::Session;
use flowscope::space::SpaceKind;

fn small_scene(space: SpaceKind, source: &str, target: &str, steps: usize) -> Scene {
    let mut scene = Scene {
        space,
        source: DistConfig::named(source),
        target: DistConfig::named(target),
        ..Scene::default()
    };
    scene.train.steps = steps;
    scene.train.batch = 256;
    scene.eval.points = 400;
    scene.eval.steps = 50;
    scene
}

#[test]
fn training_lowers_w2_on_every_space() {
    let device = Device::flex();
    for (space, source, target) in [
        (SpaceKind::PLANE, "gaussian", "8gaussians"),
        (SpaceKind::SPHERE, "uniform", "vmf"),
        (SpaceKind::TORUS, "uniform", "wrapped_gaussians"),
    ] {
        let mut scene = small_scene(space, source, target, 600);
        scene.coupling.method = CouplingMethod::Exact;
        scene.coupling.k = 256;
        scene.model.width = 96;
        let mut session = Session::new(scene, &device).unwrap();
        let before = session.evaluate().unwrap();
        session.train(|_| {}).unwrap();
        let after = session.evaluate().unwrap();
        assert!(
            after.w2 < 0.5 * before.w2,
            "{space:?}: W2 {:.3} → {:.3} (source–target {:.3})",
            before.w2,
            after.w2,
            after.source_target_w2
        );
        let losses = session.history();
        let early: f32 = losses[..50].iter().map(|r| r.loss).sum::<f32>() / 50.0;
        let late: f32 = losses[losses.len() - 50..]
            .iter()
            .map(|r| r.loss)
            .sum::<f32>()
            / 50.0;
        assert!(late < early, "{space:?}: loss {early} → {late}");
    }
}

#[test]
fn ot_coupling_gives_straighter_paths_than_independent() {
    let device = Device::flex();
    let mut straightness = Vec::new();
    for method in [CouplingMethod::Independent, CouplingMethod::Exact] {
        let mut scene = small_scene(SpaceKind::PLANE, "gaussian", "8gaussians", 800);
        scene.coupling.method = method;
        scene.coupling.k = 256;
        let mut session = Session::new(scene, &device).unwrap();
        session.train(|_| {}).unwrap();
        straightness.push(session.evaluate().unwrap().straightness);
    }
    assert!(
        straightness[1] < 0.5 * straightness[0],
        "independent {} vs OT {}",
        straightness[0],
        straightness[1]
    );
}

#[test]
fn a_diverging_run_stops_names_the_step_and_keeps_finite_weights() {
    let device = Device::flex();
    let mut scene = small_scene(SpaceKind::PLANE, "gaussian", "moons", 200);
    scene.train.lr = 1e12;
    let mut session = Session::new(scene, &device).unwrap();
    let error = session
        .train(|_| {})
        .expect_err("a learning rate of 1e12 diverges");
    let Error::Diverged { step, .. } = error else {
        panic!("expected a divergence error, got {error}");
    };
    assert!((1..=200).contains(&step));
    assert!(error.to_string().contains("smaller learning rate"));
    assert_eq!(
        session.steps_done(),
        step - 1,
        "the failed step is not counted"
    );
    // The kept weights are the last ones whose loss was finite: a step with a tiny learning
    // rate from them trains again.
    session.set_learning_rate(1e-9).unwrap();
    let report = session
        .step()
        .expect("training resumes from the last good weights");
    assert!(report.loss.is_finite());
}

#[test]
fn checkpoints_round_trip_to_identical_samples() {
    let device = Device::flex();
    let mut session = Session::new(
        small_scene(SpaceKind::SPHERE, "uniform", "vmf", 30),
        &device,
    )
    .unwrap();
    session.train(|_| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    session.save_checkpoint(dir.path()).unwrap();
    let reopened = Session::load_checkpoint(dir.path(), &device).unwrap();
    assert_eq!(reopened.steps_done(), 30);
    let (_, a) = session.sample(50, 7, Solver::Rk4, 10, false).unwrap();
    let (_, b) = reopened.sample(50, 7, Solver::Rk4, 10, false).unwrap();
    assert_eq!(a.trajectory, b.trajectory);
}

#[test]
fn a_checkpoint_of_another_model_size_is_refused() {
    let device = Device::flex();
    let session = Session::new(
        small_scene(SpaceKind::PLANE, "gaussian", "moons", 1),
        &device,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    session.save_checkpoint(dir.path()).unwrap();
    let scene_path = dir.path().join("scene.toml");
    let text = std::fs::read_to_string(&scene_path)
        .unwrap()
        .replace("width = 64", "width = 32");
    std::fs::write(&scene_path, text).unwrap();
    let error = Session::load_checkpoint(dir.path(), &device)
        .err()
        .expect("mismatch refused")
        .to_string();
    assert!(error.contains("does not match"), "{error}");
}

#[test]
fn every_solver_keeps_particles_on_the_space_and_counts_evaluations() {
    let device = Device::flex();
    for space in [SpaceKind::SPHERE, SpaceKind::TORUS] {
        let (source, target) = if space == SpaceKind::SPHERE {
            ("uniform", "vmf")
        } else {
            ("uniform", "ramachandran")
        };
        let session = Session::new(small_scene(space, source, target, 1), &device).unwrap();
        for (solver, per_step) in [(Solver::Euler, 1), (Solver::Midpoint, 2), (Solver::Rk4, 4)] {
            let (_, flow) = session.sample(64, 1, solver, 8, true).unwrap();
            assert_eq!(flow.nfe, 8 * per_step);
            assert_eq!(flow.trajectory.len(), 9 * 64 * space.dim());
            for p in flow.trajectory.chunks(space.dim()) {
                match space.name() {
                    "sphere" => {
                        let norm = p.iter().map(|v| v * v).sum::<f32>().sqrt();
                        assert!(
                            (norm - 1.0).abs() < 1e-4,
                            "{solver:?} left the sphere: |x| = {norm}"
                        );
                    }
                    _ => assert!(
                        p.iter().all(|a| (0.0..=std::f32::consts::TAU).contains(a)),
                        "{solver:?}: {p:?}"
                    ),
                }
            }
        }
        let error = session
            .sample(8, 1, Solver::Dopri5, 4, false)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("flat spaces only"), "{error}");
    }
}

#[test]
fn dopri5_agrees_with_rk4_in_the_plane() {
    let device = Device::flex();
    let mut session = Session::new(
        small_scene(SpaceKind::PLANE, "gaussian", "moons", 100),
        &device,
    )
    .unwrap();
    session.train(|_| {}).unwrap();
    let (_, rk4) = session.sample(100, 3, Solver::Rk4, 200, false).unwrap();
    let (_, dopri) = session.sample(100, 3, Solver::Dopri5, 5, false).unwrap();
    let (a, b) = (rk4.final_points(), dopri.final_points());
    let worst = a
        .data()
        .iter()
        .zip(b.data())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    assert!(worst < 2e-3, "dopri5 and rk4 differ by {worst}");
    assert!(dopri.nfe >= 6 * 5);
}

#[test]
fn activations_match_their_definitions() {
    use burn::tensor::activation::{relu, selu, silu};
    use burn::tensor::{Tensor, TensorData};
    use flowscope::flow::Activation;
    let device = Device::flex();
    let values: Vec<f32> = (-40..=40).map(|i| i as f32 * 0.2).collect();
    let x = || Tensor::<2>::from_data(TensorData::new(values.clone(), [9, 9]), &device);
    for (activation, reference) in [
        (Activation::Selu, selu(x())),
        (Activation::Silu, silu(x())),
        (Activation::Relu, relu(x())),
    ] {
        let ours: Vec<f32> = activation.apply(x()).into_data().try_to_vec().unwrap();
        let expected: Vec<f32> = reference.into_data().try_to_vec().unwrap();
        for (a, b) in ours.iter().zip(&expected) {
            assert!((a - b).abs() < 1e-5, "{activation:?}: {a} vs {b}");
        }
    }
}

#[test]
fn a_reopened_checkpoint_keeps_its_weights_when_the_folder_goes_away() {
    let device = Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let mut session = Session::new(
        small_scene(SpaceKind::PLANE, "gaussian", "moons", 20),
        &device,
    )
    .unwrap();
    session.train(|_| {}).unwrap();
    session.save_checkpoint(&run).unwrap();
    let (_, before) = session.sample(50, 3, Solver::Euler, 10, false).unwrap();
    let reopened = Session::load_checkpoint(&run, &device).unwrap();
    std::fs::remove_dir_all(&run).unwrap();
    let (_, after) = reopened.sample(50, 3, Solver::Euler, 10, false).unwrap();
    assert_eq!(before.trajectory, after.trajectory);
}

#[test]
fn reused_batches_train_several_steps_each_on_the_stream_of_single_use_batches() {
    let batches_seen = |reuse: usize, steps: usize| {
        let mut scene = small_scene(SpaceKind::PLANE, "gaussian", "8gaussians", steps);
        scene.coupling.method = CouplingMethod::Exact;
        scene.coupling.k = 64;
        scene.train.batch = 64;
        scene.coupling.reuse = reuse;
        let mut session = Session::new(scene, &Device::flex()).unwrap();
        let mut seen = Vec::new();
        for _ in 0..steps {
            let report = session.step().unwrap();
            let (x0, x1) = session.last_pairs().unwrap();
            seen.push((x0.data().to_vec(), x1.data().to_vec(), report.loss));
        }
        seen
    };
    let reused = batches_seen(3, 7);
    let single = batches_seen(1, 3);
    for (group, step) in [(0, 0), (1, 3), (2, 6)] {
        // Step `step` starts a new batch: the stream's next, as a single-use run gets it.
        assert_eq!(reused[step].0, single[group].0, "sources of batch {group}");
        assert_eq!(reused[step].1, single[group].1, "targets of batch {group}");
        if step > 0 {
            assert_ne!(
                reused[step].0,
                reused[step - 1].0,
                "step {step} took a new batch"
            );
        }
    }
    for step in [1, 2, 4, 5] {
        assert_eq!(
            reused[step].0,
            reused[step - 1].0,
            "step {step} reused its batch"
        );
        assert_eq!(reused[step].1, reused[step - 1].1);
        // Fresh times each step: the loss on the same pairs moves.
        assert_ne!(reused[step].2, reused[step - 1].2);
    }
}

#[test]
fn reuse_outside_one_to_sixty_four_is_refused_in_one_sentence() {
    for (reuse, accepted) in [(0, false), (1, true), (64, true), (65, false)] {
        let text = format!(
            "space = \"plane\"\nsource = {{ name = \"gaussian\" }}\ntarget = {{ name = \"moons\" }}\n\
             [coupling]\nmethod = \"exact\"\nreuse = {reuse}\n"
        );
        let scene = Scene::from_toml(&text).unwrap();
        match scene.validate().map(|()| scene) {
            Ok(scene) => {
                assert!(accepted, "reuse = {reuse} was accepted");
                assert_eq!(scene.coupling.reuse, reuse);
            }
            Err(error) => {
                assert!(!accepted, "reuse = {reuse} was refused: {error}");
                let message = error.to_string();
                assert!(message.contains("between 1 and 64"), "{message}");
                assert!(!message.contains('\n'), "{message}");
            }
        }
    }
    // The default is left out of saved scenes; other values round-trip.
    let mut scene = Scene::default();
    assert!(!scene.to_toml().contains("reuse"));
    scene.coupling.reuse = 8;
    let saved = scene.to_toml();
    assert_eq!(Scene::from_toml(&saved).unwrap().coupling.reuse, 8);
}
