//! R^d for the dimension study: the target fixes d, its modes spread in the embedding plane the
//! projection view shows, and a flow trains and scores there.

use burn::tensor::Device;
use flowscope::geometry::Euclidean;
use flowscope::scene::Scene;
use flowscope::session::Session;

fn scene(d: usize, steps: usize) -> Scene {
    let mut scene = Scene::from_toml(&format!(
        "space = \"euclidean\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"mixture\"\ndim = {d}\n[model]\nwidth = 32\ndepth = 2\n[eval]\npoints = 200\nsteps = 20\n"
    ))
    .unwrap();
    scene.train.steps = steps;
    scene
}

#[test]
fn the_target_fixes_the_dimension_and_its_modes_lie_in_the_embedding_plane() {
    let scene = scene(24, 1);
    assert_eq!(scene.space.dim(), 24);
    assert_eq!(scene.space.columns()[23], "x23");
    let sampler = scene.sampler(&scene.target).unwrap();
    let points = sampler.sample(2000, &mut flowscope::rng::Rng::new(1));
    let embedding = Euclidean { d: 24 }.embedding();
    let radius: f64 = points
        .iter()
        .map(|p| {
            let [a, b] = embedding.project(p);
            a.hypot(b)
        })
        .sum::<f64>()
        / 2000.0;
    assert!(
        (radius - 5.0).abs() < 0.1,
        "mean radius in the plane {radius}"
    );
    let plane = embedding.directions();
    let dot: f64 = plane[0].iter().zip(&plane[1]).map(|(a, b)| a * b).sum();
    assert!(dot.abs() < 1e-12);
    let bad = Scene::from_toml(
        "space = \"euclidean\"\n[source]\nname = \"gaussian\"\ndim = 8\n[target]\nname = \"mixture\"\ndim = 16\n",
    )
    .unwrap();
    let message = bad.validate().unwrap_err().to_string();
    assert!(message.contains("dim"), "{message}");
}

#[test]
fn a_flow_in_r_d_trains_and_has_a_likelihood() {
    let mut session = Session::new(scene(8, 200), &Device::flex()).unwrap();
    session.train(|_| {}).unwrap();
    let report = session.report().unwrap();
    assert!(report.metrics.w2.is_finite() && report.metrics.straightness.is_finite());
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["nll"].as_f64().is_some_and(f64::is_finite), "{json}");
}
