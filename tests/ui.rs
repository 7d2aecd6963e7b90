//! The window's controls, driven through egui_kittest without a GPU: the app trains when
//! Start is clicked, a new k reaches the running session, and scene files update the panel.

use std::time::{Duration, Instant};

use burn::tensor::Device;
use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{By, NodeT, Queryable};
use flowscope::scene::Scene;
use flowscope::ui::{DeviceInfo, FlowscopeApp};

fn quick_scene() -> Scene {
    let mut scene = Scene::default();
    scene.train.steps = 200;
    scene.train.batch = 128;
    scene.sample.particles = 200;
    scene.sample.steps = 20;
    scene.eval.points = 200;
    scene.eval.steps = 20;
    scene
}

fn harness(scene: Scene) -> Harness<'static, FlowscopeApp> {
    harness_sized(scene, [1400.0, 900.0])
}

fn harness_sized(scene: Scene, size: [f32; 2]) -> Harness<'static, FlowscopeApp> {
    let app = FlowscopeApp::with_scene(
        &eframe::egui::Context::default(),
        Device::flex(),
        DeviceInfo {
            training: "cpu (burn flex)".into(),
            adapter: "none (test)".into(),
            software: false,
        },
        scene,
        None,
    );
    Harness::builder()
        .with_size(size)
        .with_context_setup(FlowscopeApp::install_fonts)
        .build_ui_state(|ui, app: &mut FlowscopeApp| app.frame_ui(ui), app)
}

/// Steps the UI until `done` holds (the worker runs on its own thread).
fn run_until(
    harness: &mut Harness<'static, FlowscopeApp>,
    what: &str,
    done: impl Fn(&FlowscopeApp) -> bool,
) {
    let start = Instant::now();
    while !done(harness.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
}

#[test]
fn clicking_start_trains_and_pause_stops() {
    let mut harness = harness(quick_scene());
    run_until(&mut harness, "the first snapshot arrives", |app| {
        app.runs()[0].snapshot.is_some()
    });
    assert_eq!(harness.state().runs()[0].step(), 0);
    harness.get_by_label("▶ Start").click();
    harness.step();
    run_until(&mut harness, "training has taken steps", |app| {
        app.runs()[0].step() > 0
    });
    run_until(&mut harness, "the loss curve has points", |app| {
        !app.runs()[0].losses.is_empty()
    });
    run_until(&mut harness, "training finishes its 200 steps", |app| {
        app.runs()[0].step() == 200 && !app.runs()[0].running()
    });
}

/// Opens an exact-OT run of `scene`, sets the coupling slider `slider` to `value` once its
/// first snapshot arrives, and steps the UI until a snapshot's coupling shows `reached`.
fn slide_coupling_until(
    mut scene: Scene,
    slider: &str,
    value: f64,
    reached: impl Fn(&flowscope::coupling::CouplingConfig) -> bool,
) -> Harness<'static, FlowscopeApp> {
    scene.coupling.method = flowscope::coupling::CouplingMethod::Exact;
    let mut harness = harness(scene);
    run_until(&mut harness, "the first snapshot arrives", |app| {
        app.runs()[0].snapshot.is_some()
    });
    harness
        .get_by_role_and_label(Role::Slider, slider)
        .set_value_accesskit(value);
    harness.step();
    run_until(
        &mut harness,
        &format!("the session reports {slider} = {value}"),
        |app| {
            app.runs()[0]
                .snapshot
                .as_ref()
                .is_some_and(|s| reached(&s.scene.coupling))
        },
    );
    harness
}

#[test]
fn changing_k_reaches_the_running_session() {
    let mut scene = quick_scene();
    scene.coupling.k = 64;
    let harness = slide_coupling_until(scene, "k", 512.0, |coupling| coupling.k == 512);
    assert_eq!(harness.state().scene().coupling.k, 512);
}

#[test]
fn steps_a_batch_reaches_the_running_session_and_names_its_runs() {
    let harness = slide_coupling_until(quick_scene(), "steps a batch", 8.0, |coupling| {
        coupling.reuse == 8
    });
    assert_eq!(
        harness.state().scene().coupling.label(),
        "exact OT, k = 256, 8 steps a batch"
    );
}

#[test]
fn loading_a_scene_file_updates_the_panel_and_a_bad_one_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut sphere = quick_scene();
    sphere.title = "A sphere for the test".into();
    sphere.space = flowscope::space::SpaceKind::SPHERE;
    sphere.source = flowscope::data::DistConfig::named("uniform");
    sphere.target = flowscope::data::DistConfig::named("vmf");
    let good = dir.path().join("sphere.toml");
    sphere.save(&good).unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "space = \"plane\"\n[source\nname = 1\n").unwrap();

    let mut harness = harness(quick_scene());
    harness.step();
    let ctx = harness.ctx.clone();
    harness.state_mut().open_scene_file(&ctx, &good);
    harness.step();
    harness.step();
    assert_eq!(harness.state().scene().title, "A sphere for the test");
    harness.get_by_label("A sphere for the test");
    for shown in ["sphere", "uniform", "vmf"] {
        harness.get(By::new().role(Role::ComboBox).value(shown));
    }

    harness.state_mut().open_scene_file(&ctx, &bad);
    harness.step();
    let notice = harness.state().notice().unwrap_or_default().to_string();
    assert!(
        notice.contains("line 2"),
        "the error names the line: {notice}"
    );
    assert_eq!(harness.state().scene().title, "A sphere for the test");
    run_until(&mut harness, "the sphere run publishes", |app| {
        app.runs()[0]
            .snapshot
            .as_ref()
            .is_some_and(|s| s.scene.space == flowscope::space::SpaceKind::SPHERE)
    });
}

#[test]
fn compare_mode_runs_three_couplings_side_by_side() {
    let mut harness = harness(quick_scene());
    harness.step();
    harness.key_press(eframe::egui::Key::C);
    harness.step();
    harness.step();
    let names = run_names(&harness);
    assert_eq!(
        names,
        ["independent", "exact OT, k = 64", "exact OT, k = 1024"]
    );
    run_until(&mut harness, "every run publishes", |app| {
        app.runs().iter().all(|r| r.snapshot.is_some())
    });
    let ks: Vec<usize> = harness
        .state()
        .runs()
        .iter()
        .map(|r| r.snapshot.as_ref().unwrap().scene.coupling.k)
        .collect();
    assert_eq!(ks[1..], [64, 1024]);

    // The comparison goes on with other data.
    let mut moons = quick_scene();
    moons.target = flowscope::data::DistConfig::named("moons");
    let ctx = harness.ctx.clone();
    harness.state_mut().load_scene(&ctx, moons, None);
    harness.step();
    let names = run_names(&harness);
    assert_eq!(
        names,
        ["independent", "exact OT, k = 64", "exact OT, k = 1024"]
    );
}

#[test]
fn every_shipped_scene_loads_from_the_number_keys() {
    for index in 0..flowscope::ui::SHIPPED.len() {
        let scene = flowscope::ui::shipped(index)
            .unwrap_or_else(|| panic!("shipped scene {} does not parse", index + 1));
        scene.validate().unwrap();
    }
}

#[test]
fn a_diverging_run_stops_with_a_notice_and_keeps_drawing() {
    let mut scene = quick_scene();
    // As in the CLI's divergence test: this rate overflows the loss within a few steps.
    scene.train.lr = 1e12;
    scene.train.batch = 512;
    let mut harness = harness(scene);
    run_until(&mut harness, "the first snapshot arrives", |app| {
        app.runs()[0].snapshot.is_some()
    });
    harness.get_by_label("▶ Start").click();
    harness.step();
    run_until(&mut harness, "training has stopped", |app| {
        app.runs()[0].step() > 0 && !app.runs()[0].running()
    });
    let notice = harness.state().notice().unwrap_or_default().to_string();
    assert!(
        notice.contains("diverged at step") && notice.contains("smaller learning rate"),
        "{notice}"
    );
    // The last good weights still integrate to finite particles.
    let snapshot = harness.state().runs()[0].snapshot.clone().unwrap();
    assert!(snapshot.trajectories.count > 0);
    assert!(
        snapshot
            .trajectories
            .positions
            .iter()
            .all(|v| v.is_finite())
    );
}

#[test]
fn exporting_from_the_window_writes_the_current_flow() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(quick_scene());
    run_until(&mut harness, "the first snapshot arrives", |app| {
        app.runs()[0].snapshot.is_some()
    });
    let out = dir.path().join("flow.gif");
    let notice = export_from_the_window(&mut harness, &out);
    assert!(notice.starts_with("Exported 5 frames"), "{notice}");
    assert!(out.is_file());

    // The window's checkpoint is the CLI's run directory.
    let run = dir.path().join("run");
    harness.state_mut().save_checkpoint(&run);
    assert!(run.join("scene.toml").is_file() && run.join("model.bpk").is_file());
    let ctx = harness.ctx.clone();
    harness.state_mut().open_checkpoint(&ctx, &run);
    run_until(&mut harness, "the reopened run publishes", |app| {
        app.runs()[0].snapshot.is_some()
    });
    assert_eq!(harness.state().scene(), &quick_scene_saved(&run));
}

#[test]
fn the_window_exports_twice_in_a_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(quick_scene());
    run_until(&mut harness, "the first snapshot arrives", |app| {
        app.runs()[0].snapshot.is_some()
    });
    for (round, name) in ["first.gif", "second.mp4"].into_iter().enumerate() {
        let out = dir.path().join(name);
        let notice = export_from_the_window(&mut harness, &out);
        assert!(
            notice.starts_with("Exported 5 frames"),
            "export {round}: {notice}"
        );
        assert!(
            std::fs::metadata(&out).unwrap().len() > 0,
            "{name} is written"
        );
    }
}

/// Exports the window's runs to `out` (96×64, 5 fps, 1 s) and returns the notice it ends with.
fn export_from_the_window(
    harness: &mut Harness<'static, FlowscopeApp>,
    out: &std::path::Path,
) -> String {
    let settings = flowscope::export::VideoSettings {
        width: 96,
        height: 64,
        fps: 5,
        duration_secs: 1.0,
        ..Default::default()
    };
    harness
        .state_mut()
        .start_export(out.to_path_buf(), settings);
    let name = out.file_name().unwrap().to_string_lossy().to_string();
    run_until(harness, "the export reports back", |app| {
        app.notice()
            // A failure ends the wait too; a success names its file (an earlier one may show).
            .is_some_and(|n| {
                n.starts_with("Export") && (n.contains(&name) || !n.starts_with("Exported"))
            })
    });
    harness.state().notice().unwrap_or_default().to_string()
}

fn quick_scene_saved(run: &std::path::Path) -> Scene {
    Scene::load(&run.join("scene.toml")).unwrap()
}

/// The names of the window's runs, left to right.
fn run_names(harness: &Harness<'static, FlowscopeApp>) -> Vec<String> {
    harness
        .state()
        .runs()
        .iter()
        .map(|r| r.name.clone())
        .collect()
}

fn last_scene(app: &FlowscopeApp, run: usize) -> Option<Scene> {
    app.runs()
        .get(run)?
        .snapshot
        .as_ref()
        .map(|s| s.scene.clone())
}

#[test]
fn guidance_controls_reach_the_session() {
    let mut scene = quick_scene();
    scene.target = flowscope::data::DistConfig::named("8gaussians");
    let mut harness = harness(scene);
    run_until(&mut harness, "the first snapshot arrives", |app| {
        last_scene(app, 0).is_some()
    });
    harness.get_by_label("Labels and guidance").click();
    harness.step();
    harness.get_by_label("condition on labels").click();
    harness.step();
    run_until(
        &mut harness,
        "the run restarts conditioned on 8 labels",
        |app| last_scene(app, 0).is_some_and(|s| s.model.labels == 8),
    );
    harness.get_by_role_and_label(Role::Button, "20").click();
    harness.step();
    run_until(
        &mut harness,
        "the run restarts on 20 examples per label",
        |app| last_scene(app, 0).is_some_and(|s| s.train.samples_per_label == 20),
    );
    harness.get_by_label("guidance").click();
    harness.step();
    harness
        .get_by_role_and_label(Role::Slider, "w")
        .set_value_accesskit(4.0);
    harness.step();
    run_until(&mut harness, "the session samples with w = 4", |app| {
        last_scene(app, 0)
            .and_then(|s| s.sample.guidance)
            .is_some_and(|g| g.w == 4.0)
    });
    harness
        .get_all_by_role(Role::ComboBox)
        .find(|node| node.value().as_deref() == Some("all labels, coloured"))
        .expect("the label picker shows every label")
        .click();
    harness.step();
    harness.step();
    harness.get_by_label("label 2").click();
    harness.step();
    run_until(&mut harness, "the session asks for label 2", |app| {
        last_scene(app, 0)
            .and_then(|s| s.sample.guidance)
            .is_some_and(|g| g.label == flowscope::flow::RequestedLabel::One(2))
    });
    harness.get_by_label("▶ Start").click();
    harness.step();
    run_until(&mut harness, "a guidance sweep arrives", |app| {
        app.runs()[0].guidance_sweep.is_some()
    });
    let sweep = harness.state().runs()[0].guidance_sweep.clone().unwrap();
    assert!(sweep.iter().any(|p| p.w == 0.0) && sweep.iter().any(|p| p.w == 8.0));
}

#[test]
fn guidance_is_disabled_for_an_unlabelled_target() {
    let mut scene = quick_scene();
    scene.target = flowscope::data::DistConfig::named("checkerboard");
    let mut harness = harness(scene);
    harness.step();
    harness.get_by_label("Labels and guidance").click();
    harness.step();
    assert!(
        harness
            .get_by_label("condition on labels")
            .accesskit_node()
            .is_disabled()
    );
    assert!(
        harness
            .get_by_label("guidance")
            .accesskit_node()
            .is_disabled()
    );
    harness.get_by_label("condition on labels").click();
    harness.step();
    assert_eq!(harness.state().scene().model.labels, 0);
}

#[test]
fn paired_coupling_and_reflow_from_the_window() {
    let mut harness = harness(quick_scene());
    run_until(&mut harness, "the first snapshot arrives", |app| {
        last_scene(app, 0).is_some()
    });
    assert!(
        !harness.state().can_reflow(),
        "an untrained run cannot be reflowed"
    );
    harness.get_by_label("▶ Start").click();
    harness.step();
    run_until(&mut harness, "training finishes", |app| {
        app.runs()[0].step() == 200 && !app.runs()[0].running()
    });
    harness.step();
    harness.get_by_label("Reflow").click();
    harness.step();
    run_until(
        &mut harness,
        "a 2-rectified flow trains beside the run",
        |app| {
            app.runs().len() == 2
                && last_scene(app, 1).is_some_and(|s| {
                    s.coupling.method == flowscope::coupling::CouplingMethod::Reflow
                        && s.coupling.reflow.as_ref().is_some_and(|r| r.level == 2)
                })
                && app.runs()[1].step() > 0
        },
    );
    assert_eq!(harness.state().runs()[1].name, "2-rectified flow");

    // The reflow belongs to the run it rectified: another scene starts on its own.
    let ctx = harness.ctx.clone();
    harness.state_mut().load_scene(&ctx, quick_scene(), None);
    harness.step();
    let names = run_names(&harness);
    assert_eq!(
        names,
        ["independent"],
        "a new scene leaves the reflow's comparison"
    );
    assert_eq!(
        harness.state().notice(),
        None,
        "the old runs' last words are not about the new one"
    );
    harness.get_by_label("Paired").click();
    harness.step();
    run_until(
        &mut harness,
        "the run restarts with the paired coupling",
        |app| {
            last_scene(app, 0)
                .is_some_and(|s| s.coupling.method == flowscope::coupling::CouplingMethod::Paired)
        },
    );
    harness.get_by_label("▶ Start").click();
    harness.step();
    run_until(&mut harness, "restoration scores arrive", |app| {
        app.runs()[0]
            .metrics
            .iter()
            .any(|m| m.restoration.is_some())
    });

    // One click puts the conditional-model approach beside the paired-data one.
    harness.get_by_label("Compare").click();
    harness.step();
    harness
        .get_by_label("Paired data vs conditional model")
        .click();
    harness.step();
    run_until(&mut harness, "both approaches run side by side", |app| {
        let approach = |run| last_scene(app, run).map(|s| s.coupling.paired.approach);
        app.runs().len() == 2
            && approach(0) == Some(flowscope::coupling::PairedApproach::Start)
            && approach(1) == Some(flowscope::coupling::PairedApproach::Condition)
    });
}

fn quick_cloud_scene() -> Scene {
    let mut scene = Scene::from_toml(
        "space = \"cloud\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"dw4\"\n\
         [coupling]\nmethod = \"equivariant\"\nk = 64\n[model]\nnetwork = \"egnn\"\nwidth = 16\ndepth = 2\n",
    )
    .unwrap();
    scene.train.steps = 40;
    scene.train.batch = 64;
    scene.sample.particles = 32;
    scene.sample.steps = 10;
    scene.eval.points = 64;
    scene.eval.steps = 10;
    scene
}

#[test]
fn point_clouds_offer_equivariant_ot_the_egnn_and_a_three_way_comparison() {
    let mut harness = harness(quick_cloud_scene());
    run_until(&mut harness, "the first snapshot arrives", |app| {
        app.runs()[0].snapshot.is_some()
    });
    // The views of a cloud: small multiples first.
    harness.get_by_label("configurations");
    harness.get_by_label("plane");
    harness.get_by_label("Equivariant OT");
    harness.get_by_label("MLP").click();
    harness.step();
    assert_eq!(
        harness.state().scene().model.network,
        flowscope::flow::Network::Mlp
    );
    // An aligned coupling with a plain MLP is the pitfall the panel warns about.
    harness.step();
    assert!(
        harness
            .query_all_by_label_contains("a plain MLP learns to flow from that aligned source")
            .next()
            .is_some()
    );
    harness.get_by_label("EGNN").click();
    harness.step();
    assert_eq!(
        harness.state().scene().model.network,
        flowscope::flow::Network::Egnn
    );
    // The Training section folded away, so that the Compare section fits in the panel.
    harness.get_by_label("Training").click();
    harness.step();
    harness.get_by_label("Compare").click();
    harness.step();
    harness.step();
    harness
        .get_by_label("Independent vs OT vs equivariant OT")
        .click();
    harness.step();
    harness.step();
    let names = run_names(&harness);
    assert_eq!(
        names,
        ["independent", "exact OT, k = 64", "equivariant OT, k = 64"]
    );
    run_until(&mut harness, "every run publishes", |app| {
        app.runs().iter().all(|r| r.snapshot.is_some())
    });
}

#[test]
fn the_cloud_histograms_give_each_runs_w1_with_its_standard_error() {
    let mut harness = harness(quick_cloud_scene());
    run_until(&mut harness, "the first snapshot arrives", |app| {
        app.runs()[0].snapshot.is_some()
    });
    harness.step();
    // "W1 0.52 ± 0.08" beside each histogram's title: two readouts, each two numbers (joined
    // by no-break spaces, so that a readout wraps whole).
    let fit = |label: &str| -> Option<(f64, f64)> {
        let (w1, error) = label.split_once("\u{a0}±\u{a0}")?;
        Some((w1.parse().ok()?, error.parse().ok()?))
    };
    // Each label's text shows on its node and on the node of its text run.
    let mut fits: Vec<(f64, f64)> = harness
        .query_all(By::new().predicate(move |node| {
            let text = node.label().or_else(|| node.value());
            text.as_deref().and_then(fit).is_some()
        }))
        .map(|node| {
            let node = node.accesskit_node();
            fit(&node.label().or_else(|| node.value()).unwrap_or_default()).unwrap()
        })
        .collect();
    fits.dedup();
    assert_eq!(fits.len(), 2, "distances and energies: {fits:?}");
    for (w1, error) in fits {
        // An untrained flow is far from the target, and 32 samples leave a visible error.
        assert!(w1 > 0.0 && error > 0.0 && error < w1, "{w1} ± {error}");
    }
}

#[test]
fn the_live_scores_of_a_point_cloud_run_carry_its_equivariance_error() {
    let mut harness = harness(quick_cloud_scene());
    run_until(&mut harness, "the first snapshot arrives", |app| {
        app.runs()[0].snapshot.is_some()
    });
    harness.get_by_label("▶ Start").click();
    harness.step();
    run_until(&mut harness, "the run is scored", |app| {
        !app.runs()[0].metrics.is_empty()
    });
    let error = harness.state().runs()[0]
        .metrics
        .last()
        .and_then(|m| m.equivariance_error)
        .expect("an equivariance error");
    assert!(error < 1e-5, "the EGNN is equivariant: {error}");
    // Its density is invariant too, to rounding: the live readout beside the NLL.
    let scores = harness.state().runs()[0].metrics.last().unwrap().clone();
    let invariance = scores
        .likelihood_invariance
        .expect("a likelihood invariance");
    assert!(
        invariance < 1e-3,
        "the EGNN's density is invariant: {invariance}"
    );
    assert!(scores.nll.is_some_and(f64::is_finite));
}

fn quick_maze_scene() -> Scene {
    let mut scene =
        Scene::from_toml(include_str!("../assets/scenes/maze_biharmonic.toml")).unwrap();
    scene.train.steps = 40;
    scene.sample.particles = 100;
    scene.sample.steps = 20;
    scene.eval.points = 100;
    scene.eval.steps = 20;
    scene
}

#[test]
fn a_maze_offers_its_mesh_and_premetric_and_trains_on_the_one_chosen() {
    use flowscope::geometry::mesh::PremetricKind;
    let mut harness = harness(quick_maze_scene());
    run_until(&mut harness, "the first snapshot arrives", |app| {
        app.runs()[0].snapshot.is_some()
    });
    harness.get_by_label("Mesh");
    harness.get_by_label("Eigenpairs");
    harness
        .get(By::new().role(Role::ComboBox).value("biharmonic"))
        .click();
    harness.step();
    harness.step();
    harness.step();
    harness.get_by_label("geodesic").click();
    harness.step();
    harness.step();
    let scene = harness.state().scene().clone();
    assert_eq!(
        scene.mesh.as_ref().map(|m| m.premetric),
        Some(PremetricKind::Geodesic)
    );
    let space = flowscope::space::mesh_of(scene.space).expect("still a mesh space");
    assert_eq!(space.config.premetric, PremetricKind::Geodesic);
    run_until(&mut harness, "the geodesic run publishes", |app| {
        app.runs()[0].snapshot.as_ref().is_some_and(|s| {
            flowscope::space::mesh_of(s.scene.space)
                .is_some_and(|m| m.config.premetric == PremetricKind::Geodesic)
        })
    });
}

/// Clicks an item of the menu bar's View menu (the side panel has a section of the same name).
fn open_view_menu_item(harness: &mut Harness<'static, FlowscopeApp>, item: &str) {
    harness
        .query_all_by_label("View")
        .find(|node| node.accesskit_node().role() != Role::Label)
        .unwrap()
        .click();
    harness.step();
    harness.step();
    harness.step();
    harness.get_by_label(item).click();
}

#[test]
fn the_distance_field_window_draws_a_maze_and_explains_itself_elsewhere() {
    let mut harness = harness(quick_maze_scene());
    harness.step();
    open_view_menu_item(&mut harness, "Distance fields…");
    harness.step();
    harness.step();
    harness.get_by_label_contains("Click a point of the floor");
    let image = harness.get(By::new().role(Role::Image));
    image.click();
    harness.step();
    harness.step();
    // The middle of the picture is the biharmonic panel's centre: floor or wall, the window
    // either redraws or says it is a wall, and stays open.
    harness.get_by_label_contains("Click a point of the floor");
    let mut plane = harness_for_plane();
    plane.step();
    open_view_menu_item(&mut plane, "Distance fields…");
    plane.step();
    plane.step();
    plane.get_by_label_contains("Distance fields are drawn on planar meshes");
}

fn harness_for_plane() -> Harness<'static, FlowscopeApp> {
    harness(quick_scene())
}

/// Replaces the text of the window's text field now holding `old` (one whose value it is).
fn replace_text(harness: &mut Harness<'static, FlowscopeApp>, old: &str, new: &str) {
    let holding = |value: &str| {
        let value = value.to_string();
        By::new().predicate(move |node| {
            matches!(node.role(), Role::TextInput | Role::MultilineTextInput)
                && node.value().as_deref() == Some(value.as_str())
        })
    };
    harness.get(holding(old)).focus();
    harness.step();
    harness.key_combination_modifiers(eframe::egui::Modifiers::COMMAND, &[eframe::egui::Key::A]);
    harness.step();
    harness.get(holding(old)).type_text(new);
    harness.step();
    harness.step();
    harness.get(holding(new));
}

#[test]
fn a_sweep_from_the_window_trains_its_grid_and_draws_its_curve() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("k");
    let mut harness = harness(quick_scene());
    harness.step();
    open_view_menu_item(&mut harness, "Sweep…");
    harness.step();
    harness.step();

    // A key the scene does not have: one sentence naming it, nothing started.
    replace_text(&mut harness, "coupling.k=1,4,16,64,256", "coupling.q=1,2");
    replace_text(&mut harness, "sweeps/window", &dir.display().to_string());
    harness.get_by_label("▶ Run sweep").click();
    harness.step();
    harness.step();
    harness.get_by_label_contains("Not started");
    harness.get_by_label_contains("coupling.q");
    assert!(!dir.join("results.csv").exists());

    replace_text(&mut harness, "coupling.q=1,2", "coupling.k=1,64");
    harness.get_by_label("▶ Run sweep").click();
    let start = Instant::now();
    while harness.query_by_label_contains("Done:").is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(240),
            "the sweep did not finish"
        );
        std::thread::sleep(Duration::from_millis(50));
        harness.step();
    }
    harness.get_by_label_contains("2 of 2 runs");
    let rows = std::fs::read_to_string(dir.join("results.csv")).unwrap();
    assert_eq!(rows.lines().count(), 3, "{rows}");
    assert!(rows.starts_with("coupling.k,seed,"), "{rows}");
    assert!(dir.join("coupling_cost.png").is_file());
    // The curve is drawn: its line is in the plot's legend.
    assert!(harness.query_by_label_contains("No finished run").is_none());
    harness.get_by_label("coupling_cost");
}

/// A drag from `from` to `to` in thirty steps.
fn stroke(
    harness: &mut Harness<'static, FlowscopeApp>,
    from: eframe::egui::Pos2,
    to: eframe::egui::Pos2,
) {
    harness.hover_at(from);
    harness.step();
    harness.drag_at(from);
    harness.step();
    for i in 1..=30 {
        harness.hover_at(from + (to - from) * (i as f32 / 30.0));
        harness.step();
    }
    harness.drop_at(to);
    harness.step();
    harness.step();
}

/// The Draw tool's "N points" count.
fn count(harness: &Harness<'static, FlowscopeApp>) -> usize {
    let counted = |label: &str| {
        let (number, rest) = label.split_once(' ')?;
        (rest == "points").then(|| number.parse::<usize>().ok())?
    };
    // A label's text is its node's label or its value, depending on the widget.
    let node = harness
        .query_all(By::new().predicate(move |node| {
            let text = node.label().or_else(|| node.value());
            text.as_deref().and_then(counted).is_some()
        }))
        .next()
        .expect("the tool's point count");
    let node = node.accesskit_node();
    let text = node.label().or_else(|| node.value()).unwrap_or_default();
    counted(&text).unwrap()
}

/// Opens the Draw section and turns drawing on.
fn start_drawing(harness: &mut Harness<'static, FlowscopeApp>) {
    harness.step();
    harness.get_by_label("Draw").click();
    // The section opens over a few frames.
    for _ in 0..20 {
        harness.step();
    }
    harness.get_by_label("draw on the view").click();
    harness.step();
}

#[test]
fn drawing_on_the_plane_makes_a_target_the_runs_train_on() {
    // Tall enough that the side panel shows the Draw section without scrolling.
    let mut harness = harness_sized(quick_scene(), [1400.0, 1400.0]);
    start_drawing(&mut harness);
    let (from, to) = (
        eframe::egui::pos2(800.0, 300.0),
        eframe::egui::pos2(1100.0, 420.0),
    );
    stroke(&mut harness, from, to);
    let drawn = count(&harness);
    assert!(drawn >= 20, "{drawn} points drawn");
    // Undo takes the whole stroke back; the stroke is drawn again.
    harness.get_by_label("undo").click();
    // The click lands in the next frame; the count, drawn before the button, in the one after.
    harness.step();
    harness.step();
    assert_eq!(count(&harness), 0);
    stroke(&mut harness, from, to);
    let drawn = count(&harness);
    assert!(drawn >= 20, "{drawn} points drawn again");

    harness.get_by_label("use as target").click();
    run_until(&mut harness, "the run trains on the drawing", |app| {
        last_scene(app, 0).is_some_and(|scene| scene.target.name == "points")
    });
    let target = harness.state().scene().target.clone();
    let path = target.path.expect("the drawing's file");
    let rows = std::fs::read_to_string(&path).unwrap();
    assert_eq!(rows.lines().count(), drawn + 1, "{rows}");
    assert!(rows.starts_with("x,y\n"), "{rows}");
}

#[test]
fn drawing_on_the_sphere_puts_the_points_on_it() {
    let mut scene = quick_scene();
    scene.space = flowscope::space::SpaceKind::SPHERE;
    scene.source = flowscope::data::DistConfig::named("uniform");
    scene.target = flowscope::data::DistConfig::named("vmf");
    let mut harness = harness_sized(scene, [1400.0, 1400.0]);
    start_drawing(&mut harness);
    // Across the middle of the view (right of the side panel, above the plots), where the
    // sphere faces the camera.
    let centre = eframe::egui::pos2(860.0, 620.0);
    stroke(
        &mut harness,
        centre - eframe::egui::vec2(200.0, 0.0),
        centre + eframe::egui::vec2(200.0, 60.0),
    );
    let drawn = count(&harness);
    assert!(drawn >= 10, "{drawn} points drawn");
    harness.get_by_label("use as target").click();
    run_until(&mut harness, "the run trains on the drawing", |app| {
        last_scene(app, 0).is_some_and(|scene| scene.target.name == "points")
    });
    let path = harness.state().scene().target.path.clone().unwrap();
    let rows = std::fs::read_to_string(&path).unwrap();
    let mut lines = rows.lines();
    assert_eq!(lines.next(), Some("x,y,z"));
    for line in lines {
        let p: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        let norm = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
        assert!((norm - 1.0).abs() < 1e-9, "{line} is off the sphere");
    }
}

#[test]
fn a_scene_file_changed_on_disk_is_reloaded_and_a_broken_one_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lecture.toml");
    let mut scene = quick_scene();
    scene.title = "Before the edit".into();
    scene.save(&path).unwrap();
    let mut harness = harness(quick_scene());
    harness.step();
    let ctx = harness.ctx.clone();
    harness.state_mut().open_scene_file(&ctx, &path);
    harness.step();
    assert_eq!(harness.state().scene().title, "Before the edit");

    // Written by a text editor beside the window: reloaded within about a second.
    std::thread::sleep(Duration::from_millis(20));
    scene.title = "After the edit".into();
    scene.coupling.k = 64;
    scene.save(&path).unwrap();
    run_until(&mut harness, "the edited file is reloaded", |app| {
        app.scene().title == "After the edit"
    });
    assert_eq!(harness.state().scene().coupling.k, 64);
    let notice = harness.state().notice().unwrap_or_default().to_string();
    assert!(
        notice.contains("Reloaded") && notice.contains("lecture.toml"),
        "{notice}"
    );

    // Half-written: one sentence in the status line, and the scene stays as it was.
    std::fs::write(&path, "title = \"Broken\"\n[coupling\n").unwrap();
    run_until(&mut harness, "the broken file is reported", |app| {
        app.notice().is_some_and(|n| n.contains("cannot be used"))
    });
    let notice = harness.state().notice().unwrap_or_default().to_string();
    assert!(
        notice.contains("line 2"),
        "the error names the line: {notice}"
    );
    assert_eq!(harness.state().scene().title, "After the edit");

    // Removed: said, and nothing changes.
    std::fs::remove_file(&path).unwrap();
    run_until(&mut harness, "the removal is reported", |app| {
        app.notice().is_some_and(|n| n.contains("was removed"))
    });
    assert_eq!(harness.state().scene().title, "After the edit");
}

/// The model's density is offered on a curved mesh with a uniform source (its only
/// closed-form density), and refused with a reason on a point cloud.
#[test]
fn a_curved_mesh_offers_the_model_density_and_a_cloud_does_not() {
    let mut scene = Scene::from_toml(
        "space = \"mesh\"\n[mesh]\nname = \"bumpy-sphere\"\neigenpairs = 30\n\
         [source]\nname = \"uniform\"\n[target]\nname = \"opposite_blob\"\n",
    )
    .unwrap();
    scene.train.steps = 20;
    scene.sample.particles = 100;
    scene.sample.steps = 20;
    scene.eval.points = 100;
    scene.eval.steps = 20;
    for (scene, offered) in [(scene, true), (quick_cloud_scene(), false)] {
        let mut harness = harness(scene);
        harness.step();
        harness.get_by_label("density").click();
        harness.step();
        let model = harness.get_by_label("model");
        assert_eq!(
            !model.accesskit_node().is_disabled(),
            offered,
            "the model's density on {}",
            harness.state().scene().space.name()
        );
    }
}
