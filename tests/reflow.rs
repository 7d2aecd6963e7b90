//! Reflow: a rectified flow trains on its parent's own endpoints (x0, ψ1(x0)), starts from the
//! parent's weights, counts its level, and its paths are straighter.

use burn::tensor::Device;
use flowscope::coupling::{CouplingMethod, ReflowConfig};
use flowscope::flow::{Conditioning, integrate};
use flowscope::scene::Scene;
use flowscope::session::Session;

#[test]
fn reflow_trains_on_the_parents_endpoints_and_straightens_paths() {
    let device = Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let mut scene = Scene::default();
    scene.train.steps = 500;
    scene.train.batch = 256;
    scene.sample.steps = 40;
    let mut parent = Session::new(scene.clone(), &device).unwrap();
    parent.train(|_| {}).unwrap();
    let parent_dir = dir.path().join("parent");
    parent.save_checkpoint(&parent_dir).unwrap();

    let mut reflow_scene = parent.scene().clone();
    reflow_scene.coupling.method = CouplingMethod::Reflow;
    let mut config = ReflowConfig::new(parent_dir.clone());
    config.pairs = 2000;
    reflow_scene.coupling.reflow = Some(config);
    reflow_scene.train.steps = 500;
    let mut child = Session::new(reflow_scene, &device).unwrap();
    assert_eq!(child.scene().coupling.reflow.as_ref().unwrap().level, 2);
    assert_eq!(child.scene().coupling.label(), "2-rectified flow");

    child.step().unwrap();
    let (x0, x1) = child.last_pairs().unwrap();
    let endpoints = integrate(
        &parent.model(),
        parent.scene().space,
        x0,
        parent.scene().sample.solver,
        parent.scene().sample.steps,
        Conditioning::default(),
        false,
        &device,
    )
    .unwrap()
    .final_points();
    for (ours, theirs) in x1.iter().zip(endpoints.iter()) {
        for (a, b) in ours.iter().zip(theirs) {
            assert!(
                (a - b).abs() < 1e-4,
                "pair target {ours:?} is the parent's ψ1(x0) {theirs:?}"
            );
        }
    }
    child.train(|_| {}).unwrap();
    let before = parent.evaluate().unwrap();
    let after = child.evaluate().unwrap();
    assert!(
        after.straightness <= 0.5 * before.straightness,
        "2-rectified straightness {} vs 1-rectified {}",
        after.straightness,
        before.straightness
    );

    // A reflow of the reflow is level 3; a missing parent is named.
    let child_dir = dir.path().join("child");
    child.save_checkpoint(&child_dir).unwrap();
    let mut third = child.scene().clone();
    third.coupling.reflow = Some(ReflowConfig::new(child_dir));
    let third = Session::new(third, &device).unwrap();
    assert_eq!(third.scene().coupling.reflow.as_ref().unwrap().level, 3);
    let mut orphan = child.scene().clone();
    orphan.coupling.reflow = Some(ReflowConfig::new(dir.path().join("nowhere")));
    let error = Session::new(orphan, &device).err().unwrap().to_string();
    assert!(error.contains("nowhere"), "{error}");
}
