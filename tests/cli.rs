//! The command line as scripts use it: outputs, JSON keys, and a one-line error with a non-zero
//! exit for every kind of bad input.

use std::path::Path;
use std::process::{Command, Output};

fn flowscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowscope"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts a clean failure: non-zero exit, one `error:` line naming `expected`, no panic.
fn fails_with(args: &[&str], expected: &str) {
    let output = flowscope(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{args:?} should fail");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{args:?} panicked: {stderr}"
    );
    let error_lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        error_lines.len(),
        1,
        "{args:?}: expected one error line in {stderr:?}"
    );
    assert!(
        error_lines[0]
            .to_lowercase()
            .contains(&expected.to_lowercase()),
        "{args:?}: {:?} does not mention {expected:?}",
        error_lines[0]
    );
}

fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout(output)).expect("JSON on stdout")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_string_lossy().into_owned()
}

#[test]
fn datasets_lists_every_distribution_with_its_defaults() {
    let output = flowscope(&["datasets"]);
    assert!(output.status.success());
    let text = stdout(&output);
    for name in [
        "8gaussians",
        "moons",
        "checkerboard",
        "pinwheel",
        "image",
        "vmf",
        "spiral",
        "wrapped_gaussians",
        "ramachandran",
    ] {
        assert!(text.contains(name), "missing {name}");
    }
    assert!(text.contains("variance") && text.contains("0.1"));
}

#[test]
fn draw_couple_and_metrics_work_together() {
    let dir = tempfile::tempdir().unwrap();
    let a = path(dir.path(), "a.csv");
    let b = path(dir.path(), "b.csv");
    assert!(
        flowscope(&[
            "draw", "--space", "plane", "--dist", "gaussian", "--n", "300", "--seed", "1", "--out",
            &a
        ])
        .status
        .success()
    );
    assert!(
        flowscope(&[
            "draw",
            "--space",
            "plane",
            "--dist",
            "8gaussians",
            "--n",
            "300",
            "--seed",
            "2",
            "--out",
            &b
        ])
        .status
        .success()
    );
    let labelled = std::fs::read_to_string(&b).unwrap();
    assert!(labelled.starts_with("x,y,label\n"));
    assert_eq!(labelled.lines().count(), 301);

    let exact = json(&flowscope(&[
        "couple", "--space", "plane", "--method", "exact", "--source", &a, "--target", &b,
    ]));
    assert_eq!(exact["k"], 300);
    let mut assignment: Vec<u64> = exact["assignment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assignment.sort();
    assert_eq!(assignment, (0..300).collect::<Vec<u64>>(), "a permutation");
    assert!(exact["millis"].as_f64().unwrap() >= 0.0);
    let sinkhorn = json(&flowscope(&[
        "couple",
        "--space",
        "plane",
        "--method",
        "sinkhorn",
        "--epsilon",
        "0.5",
        "--source",
        &a,
        "--target",
        &b,
    ]));
    assert!(sinkhorn["cost"].as_f64().unwrap() >= exact["cost"].as_f64().unwrap() - 1e-9);

    let metrics = json(&flowscope(&[
        "metrics", "--space", "plane", "--a", &b, "--b", &b,
    ]));
    assert!(metrics["w2"].as_f64().unwrap().abs() < 1e-9);
    let metrics = json(&flowscope(&[
        "metrics", "--space", "plane", "--a", &a, "--b", &b,
    ]));
    let w2 = metrics["w2"].as_f64().unwrap();
    assert!(
        (w2 * w2 - exact["cost"].as_f64().unwrap()).abs() < 1e-6,
        "W2² equals the exact coupling cost"
    );
    assert!(metrics["energy_distance"].as_f64().unwrap() > 0.0);
}

#[test]
fn train_then_sample_reproduces_headless() {
    let dir = tempfile::tempdir().unwrap();
    let run = path(dir.path(), "run");
    let output = flowscope(&[
        "train",
        "--space",
        "torus",
        "--coupling",
        "exact",
        "--k",
        "128",
        "--batch",
        "64",
        "--steps",
        "40",
        "--width",
        "32",
        "--depth",
        "2",
        "--activation",
        "silu",
        "--seed",
        "3",
        "--eval-points",
        "300",
        "--eval-steps",
        "50",
        "--device",
        "cpu",
        "--out",
        &run,
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("device:")).count(),
        1,
        "device printed once: {stderr}"
    );
    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("run/metrics.json")).unwrap(),
    )
    .unwrap();
    for key in [
        "w2",
        "energy_distance",
        "path_energy",
        "npe",
        "straightness",
        "transport_cost",
        "coupling_cost",
        "final_loss",
        "steps_per_sec",
        "nfe",
        "loss_curve",
    ] {
        assert!(!metrics[key].is_null(), "metrics.json lacks {key}");
    }
    assert_eq!(metrics["nfe"], 50, "--eval-steps reaches the evaluation");
    assert_eq!(metrics["loss_curve"].as_array().unwrap().len(), 40);
    assert_eq!(metrics["coupling_cost_curve"].as_array().unwrap().len(), 40);
    let scene = std::fs::read_to_string(dir.path().join("run/scene.toml")).unwrap();
    assert!(scene.contains("space = \"torus\"") && scene.contains("k = 128"));
    assert!(dir.path().join("run/model.bpk").is_file());

    let out = path(dir.path(), "samples.csv");
    let trajectories = path(dir.path(), "paths.csv");
    let sample = |out: &str| {
        flowscope(&[
            "sample",
            "--run",
            &run,
            "--n",
            "25",
            "--solver",
            "midpoint",
            "--steps",
            "10",
            "--device",
            "cpu",
            "--out",
            out,
            "--trajectories",
            &trajectories,
        ])
    };
    assert!(sample(&out).status.success());
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("theta,phi\n"));
    assert_eq!(text.lines().count(), 26);
    let paths = std::fs::read_to_string(&trajectories).unwrap();
    assert!(paths.starts_with("step,t,particle,theta,phi\n"));
    assert_eq!(paths.lines().count(), 1 + 11 * 25);
    let again = path(dir.path(), "again.csv");
    assert!(sample(&again).status.success());
    assert_eq!(
        text,
        std::fs::read_to_string(&again).unwrap(),
        "same seed, same samples"
    );

    // A scene file plus flag overrides.
    let scene_file = dir
        .path()
        .join("run/scene.toml")
        .to_string_lossy()
        .into_owned();
    let rerun = path(dir.path(), "rerun");
    let output = flowscope(&[
        "train",
        "--scene",
        &scene_file,
        "--steps",
        "5",
        "--device",
        "cpu",
        "--out",
        &rerun,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let resolved = std::fs::read_to_string(dir.path().join("rerun/scene.toml")).unwrap();
    assert!(resolved.contains("steps = 5") && resolved.contains("width = 32"));
}

#[test]
fn shipped_scenes_are_valid() {
    let scenes = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scenes")).unwrap();
    let mut count = 0;
    for entry in scenes {
        let path = entry.unwrap().path();
        flowscope::scene::Scene::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        count += 1;
    }
    assert!(count >= 5);
}

#[test]
fn bad_names_and_settings_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let out = path(dir.path(), "run");
    // A picture of another space is refused before any training, and nothing is written.
    let video = path(dir.path(), "flow.mp4");
    fails_with(
        &["export", "--view", "sphere", "--out", &video],
        "the sphere view does not show the plane space (its views: plane)",
    );
    fails_with(
        &["export", "--view", "donut", "--out", &video],
        "invalid value 'donut'",
    );
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    fails_with(
        &["train", "--target", "moon", "--steps", "1", "--out", &out],
        "moons",
    );
    fails_with(
        &[
            "train", "--space", "sphere", "--target", "moons", "--steps", "1", "--out", &out,
        ],
        "sphere distribution",
    );
    fails_with(
        &[
            "train",
            "--coupling",
            "exact",
            "--k",
            "0",
            "--steps",
            "1",
            "--out",
            &out,
        ],
        "k must be between 1",
    );
    fails_with(
        &[
            "train",
            "--coupling",
            "exact",
            "--k",
            "100000",
            "--steps",
            "1",
            "--out",
            &out,
        ],
        "k must be between 1",
    );
    fails_with(
        &[
            "train",
            "--coupling",
            "exact",
            "--reuse",
            "0",
            "--steps",
            "1",
            "--out",
            &out,
        ],
        "must be between 1 and 64, got 0",
    );
    fails_with(
        &["train", "--lr=-1", "--steps", "1", "--out", &out],
        "learning rate",
    );
    fails_with(
        &["train", "--batch", "0", "--steps", "1", "--out", &out],
        "batch",
    );
    fails_with(
        &["draw", "--space", "torus", "--dist", "vmf", "--out", &out],
        "torus distribution",
    );
    fails_with(
        &["draw", "--space", "plane", "--dist", "image", "--out", &out],
        "path",
    );
    let missing = path(dir.path(), "missing.png");
    fails_with(
        &[
            "draw", "--space", "plane", "--dist", "image", "--path", &missing, "--out", &out,
        ],
        "cannot read",
    );
}

#[test]
fn malformed_point_files_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = write(d, "good.csv", "x,y\n0,0\n1,1\n2,2\n");
    let cases = [
        ("noheader.csv", "0,0\n1,1\n", "header"),
        ("columns.csv", "x,y\n0,0\n1\n", "columns"),
        ("word.csv", "x,y\n0,0\n1,one\n", "not a number"),
        ("nan.csv", "x,y\n0,0\n1,nan\n", "finite"),
        ("short.csv", "x,y\n0,0\n", "at least 2"),
        ("two.csv", "x,y\n0,0\n1,1\n", "equal sizes"),
    ];
    for (name, text, expected) in cases {
        let bad = write(d, name, text);
        fails_with(
            &[
                "couple", "--space", "plane", "--method", "exact", "--source", &good, "--target",
                &bad,
            ],
            expected,
        );
    }
    let sphere = write(d, "sphere.csv", "x,y,z\n1,0,0\n0,0.5,0\n");
    fails_with(
        &[
            "metrics", "--space", "sphere", "--a", &sphere, "--b", &sphere,
        ],
        "unit length",
    );
    let nowhere = path(d, "nowhere.csv");
    fails_with(
        &["metrics", "--space", "plane", "--a", &nowhere, "--b", &good],
        "cannot read",
    );
    fails_with(
        &[
            "couple",
            "--space",
            "plane",
            "--method",
            "sinkhorn",
            "--epsilon",
            "0",
            "--source",
            &good,
            "--target",
            &good,
        ],
        "epsilon",
    );
}

#[test]
fn bad_scene_files_and_paths_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = path(d, "run");
    let broken = write(
        d,
        "broken.toml",
        "space = \"plane\"\n[source]\nname = \"gaussian\"\n[target\nname = \"moons\"\n",
    );
    fails_with(&["train", "--scene", &broken, "--out", &out], "line 4");
    let typo = write(
        d,
        "typo.toml",
        "space = \"plane\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"moons\"\n[train]\nstepz = 3\n",
    );
    fails_with(&["train", "--scene", &typo, "--out", &out], "stepz");
    let missing = path(d, "missing.toml");
    fails_with(
        &["train", "--scene", &missing, "--out", &out],
        "cannot read",
    );
    let file = write(d, "file", "not a directory");
    let inside_file = format!("{file}/run");
    fails_with(
        &[
            "train",
            "--steps",
            "1",
            "--device",
            "cpu",
            "--out",
            &inside_file,
        ],
        "cannot create",
    );
    let draws_into_file = format!("{file}/points.csv");
    fails_with(
        &[
            "draw",
            "--space",
            "plane",
            "--dist",
            "moons",
            "--out",
            &draws_into_file,
        ],
        "cannot write",
    );
    fails_with(
        &[
            "sample",
            "--run",
            &path(d, "no-run"),
            "--device",
            "cpu",
            "--out",
            &path(d, "s.csv"),
        ],
        "cannot read",
    );
    // A corrupt checkpoint is refused with a message.
    let run = path(d, "run2");
    assert!(
        flowscope(&["train", "--steps", "2", "--device", "cpu", "--out", &run])
            .status
            .success()
    );
    std::fs::write(d.join("run2/model.bpk"), b"garbage").unwrap();
    fails_with(
        &[
            "sample",
            "--run",
            &run,
            "--device",
            "cpu",
            "--out",
            &path(d, "s.csv"),
        ],
        "model.bpk",
    );
    assert!(!d.join("s.csv").exists(), "no partial output");
}

#[test]
fn a_diverging_run_names_the_step_and_keeps_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let run = path(dir.path(), "run");
    fails_with(
        &[
            "train", "--lr", "1e12", "--steps", "200", "--device", "cpu", "--out", &run,
        ],
        "smaller learning rate",
    );
    let output = flowscope(&[
        "train", "--lr", "1e12", "--steps", "200", "--device", "cpu", "--out", &run,
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("diverged at step"), "{stderr}");
    assert!(
        dir.path().join("run/model.bpk").is_file() && dir.path().join("run/scene.toml").is_file()
    );
    assert!(!dir.path().join("run/metrics.json").exists());
}

#[test]
fn asking_for_a_gpu_without_one_fails_with_a_pointer_to_the_cpu() {
    // These machines have no hardware GPU (at most Mesa's software Vulkan), which never trains.
    let dir = tempfile::tempdir().unwrap();
    fails_with(
        &[
            "train",
            "--steps",
            "1",
            "--device",
            "gpu",
            "--out",
            &path(dir.path(), "run"),
        ],
        "--device cpu",
    );
}

#[test]
fn oversized_inputs_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let big = path(dir.path(), "big.csv");
    assert!(
        flowscope(&[
            "draw", "--space", "plane", "--dist", "gaussian", "--n", "9000", "--out", &big
        ])
        .status
        .success()
    );
    fails_with(
        &["metrics", "--space", "plane", "--a", &big, "--b", &big],
        "at most 8192",
    );
    fails_with(
        &[
            "couple", "--space", "plane", "--method", "exact", "--source", &big, "--target", &big,
        ],
        "at most 8192",
    );
    let scene = write(
        dir.path(),
        "scene.toml",
        "space = \"plane\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"moons\"\n[eval]\npoints = 100000\n",
    );
    fails_with(
        &[
            "train",
            "--scene",
            &scene,
            "--out",
            &path(dir.path(), "run"),
        ],
        "eval.points",
    );
}

#[test]
fn the_window_without_a_display_points_to_the_command_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_flowscope"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("no display") && stderr.contains("flowscope --help"),
        "{stderr}"
    );
}

#[test]
fn render_bench_reports_every_view() {
    let output = flowscope(&["bench", "--render", "--quick"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    for key in [
        "plane_20k_trails32",
        "plane_200k",
        "sphere_20k_trails32",
        "sphere_200k",
    ] {
        let fps = report["render_fps"][key].as_f64().unwrap_or(0.0);
        assert!(fps > 0.0, "{key}: {fps}");
    }
}

#[test]
fn train_resume_continues_a_run_and_refuses_a_different_model() {
    let dir = tempfile::tempdir().unwrap();
    let first = path(dir.path(), "first");
    let second = path(dir.path(), "second");
    let quick = [
        "--steps",
        "20",
        "--batch",
        "64",
        "--eval-points",
        "100",
        "--eval-steps",
        "10",
    ];
    let mut args = vec!["train", "--device", "cpu", "--out", &first];
    args.extend(quick);
    assert!(flowscope(&args).status.success());
    let output = flowscope(&[
        "train",
        "--resume",
        &first,
        "--steps",
        "10",
        "--eval-points",
        "100",
        "--eval-steps",
        "10",
        "--device",
        "cpu",
        "--out",
        &second,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("second/metrics.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(metrics["steps"], 30);
    assert_eq!(
        metrics["loss_curve"][0][0], 21,
        "the curve continues from step 21"
    );
    let scene = flowscope::scene::Scene::load(&dir.path().join("second/scene.toml")).unwrap();
    assert_eq!(scene.train.steps, 30);
    fails_with(
        &[
            "train", "--resume", &first, "--width", "128", "--device", "cpu", "--out", &second,
        ],
        "the model changed",
    );
}

#[test]
fn a_checkpoint_for_another_model_is_refused_naming_the_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let run = path(dir.path(), "run");
    assert!(
        flowscope(&["train", "--steps", "5", "--device", "cpu", "--out", &run])
            .status
            .success()
    );
    let scene_path = dir.path().join("run/scene.toml");
    let scene = std::fs::read_to_string(&scene_path).unwrap();
    std::fs::write(&scene_path, scene.replace("width = 64", "width = 32")).unwrap();
    fails_with(
        &[
            "sample",
            "--run",
            &run,
            "--device",
            "cpu",
            "--out",
            &path(dir.path(), "x.csv"),
        ],
        "hidden.0.weight: shape mismatch",
    );
}

#[test]
fn conditional_guided_paired_and_reflow_runs_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let quick = [
        "--device",
        "cpu",
        "--steps",
        "30",
        "--batch",
        "64",
        "--eval-points",
        "100",
        "--eval-steps",
        "10",
    ];
    let run = |name: &str, extra: &[&str]| {
        let out = path(dir.path(), name);
        let mut args = vec!["train", "--out", &out];
        args.extend(quick);
        args.extend(extra);
        let output = flowscope(&args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let metrics: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(name).join("metrics.json")).unwrap(),
        )
        .unwrap();
        (out, metrics)
    };

    let (conditional, metrics) = run(
        "conditional",
        &["--target", "8gaussians", "--conditional", "--p-drop", "0.3"],
    );
    let sweep = metrics["guidance"].as_array().expect("a guidance sweep");
    assert_eq!(sweep.len(), 4);
    assert!(sweep[0]["label_fraction"].is_number() && sweep[0]["diversity"].is_number());
    let scene = std::fs::read_to_string(dir.path().join("conditional/scene.toml")).unwrap();
    assert!(
        scene.contains("labels = 8") && scene.contains("p_drop = 0.3"),
        "{scene}"
    );

    let samples = path(dir.path(), "guided.csv");
    let output = flowscope(&[
        "sample",
        "--run",
        &conditional,
        "--n",
        "16",
        "--label",
        "3",
        "--guidance",
        "2.5",
        "--device",
        "cpu",
        "--out",
        &samples,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&samples).unwrap();
    assert_eq!(text.lines().next(), Some("x,y,label"));
    assert!(text.lines().skip(1).all(|l| l.ends_with(",3")), "{text}");
    let unconditional = path(dir.path(), "unconditional.csv");
    let output = flowscope(&[
        "sample",
        "--run",
        &conditional,
        "--n",
        "16",
        "--label",
        "none",
        "--device",
        "cpu",
        "--out",
        &unconditional,
    ]);
    assert!(output.status.success());
    fails_with(
        &[
            "sample",
            "--run",
            &conditional,
            "--label",
            "8",
            "--device",
            "cpu",
            "--out",
            &samples,
        ],
        "label 8 does not exist",
    );
    fails_with(
        &[
            "sample",
            "--run",
            &conditional,
            "--guidance",
            "12",
            "--device",
            "cpu",
            "--out",
            &samples,
        ],
        "between -1 and 8",
    );
    fails_with(
        &[
            "sample",
            "--run",
            &conditional,
            "--label",
            "first",
            "--device",
            "cpu",
            "--out",
            &samples,
        ],
        "not a label",
    );

    let (plain, _) = run("plain", &[]);
    fails_with(
        &[
            "sample",
            "--run",
            &plain,
            "--guidance",
            "2",
            "--device",
            "cpu",
            "--out",
            &samples,
        ],
        "--conditional",
    );
    fails_with(
        &[
            "train",
            "--target",
            "checkerboard",
            "--conditional",
            "--out",
            &path(dir.path(), "x"),
        ],
        "labelled target",
    );

    let (_, metrics) = run(
        "paired",
        &[
            "--coupling",
            "paired",
            "--corruption",
            "quantize",
            "--corruption-level",
            "1",
            "--sigma",
            "0.2",
        ],
    );
    assert!(
        metrics["restoration"]["error"].is_number() && metrics["restoration"]["w2"].is_number()
    );
    let scene = std::fs::read_to_string(dir.path().join("paired/scene.toml")).unwrap();
    assert!(scene.contains("corruption = \"quantize\""), "{scene}");
    fails_with(
        &[
            "train",
            "--corruption",
            "noise",
            "--out",
            &path(dir.path(), "x"),
        ],
        "--coupling paired",
    );

    let (_, metrics) = run(
        "reflow",
        &["--reflow-from", &plain, "--reflow-pairs", "500"],
    );
    assert_eq!(metrics["reflow_level"], 2);
    let (_, metrics) = run("reflow3", &["--reflow-from", &path(dir.path(), "reflow")]);
    assert_eq!(metrics["reflow_level"], 3);
    fails_with(
        &[
            "train",
            "--reflow-from",
            &path(dir.path(), "missing"),
            "--out",
            &path(dir.path(), "x"),
        ],
        "no run there",
    );
    fails_with(
        &[
            "train",
            "--coupling",
            "reflow",
            "--out",
            &path(dir.path(), "x"),
        ],
        "--reflow-from",
    );

    // Guided, reflow and paired runs export like any other.
    for (run, name) in [
        (conditional.clone(), "guided.gif"),
        (path(dir.path(), "reflow"), "reflow.gif"),
        (path(dir.path(), "paired"), "paired.gif"),
    ] {
        let out = path(dir.path(), name);
        let output = flowscope(&[
            "export",
            "--run",
            &run,
            "--out",
            &out,
            "--width",
            "160",
            "--height",
            "90",
            "--fps",
            "10",
            "--duration-secs",
            "0.5",
            "--device",
            "cpu",
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(std::fs::metadata(&out).unwrap().len() > 0);
    }
}

#[test]
fn quality_bench_reports_guidance_restoration_straightening_and_point_clouds() {
    let report = json(&flowscope(&[
        "bench",
        "--quality",
        "--quick",
        "--device",
        "cpu",
    ]));
    let guidance = report["guidance"].as_array().unwrap();
    assert!(guidance.iter().any(|p| p["w"] == 4.0));
    for key in [
        "paired",
        "conditional_model",
        "unconditional_from_observations",
    ] {
        assert!(
            report[key]["error"].is_number() && report[key]["w2"].is_number(),
            "{key}"
        );
    }
    let runs: Vec<&str> = report["straightening"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run"].as_str().unwrap())
        .collect();
    assert_eq!(
        runs,
        [
            "independent (1-rectified)",
            "2-rectified flow",
            "3-rectified flow",
            "exact OT, k = 256"
        ]
    );
    // DW4 with each coupling: orbit alignment pairs closest whatever the model has learnt.
    let clouds = report["point_clouds"].as_array().unwrap();
    let cost = |i: usize| clouds[i]["coupling_cost"].as_f64().unwrap();
    assert!(
        cost(2) < cost(1) && cost(1) < cost(0),
        "independent, batch OT, equivariant OT: {} {} {}",
        cost(0),
        cost(1),
        cost(2)
    );
    assert!(
        clouds[2]["run"]
            .as_str()
            .unwrap()
            .starts_with("equivariant OT")
    );
    for run in clouds {
        for key in ["path_length", "dopri5_nfe", "distance_w1", "energy_w1_se"] {
            assert!(run[key].is_number(), "{key} in {run}");
        }
        assert!(run["equivariance_error"].as_f64().unwrap() < 1e-5);
    }
}

#[test]
fn point_clouds_are_drawn_coupled_and_compared_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (noise, dw4, other) = (path("noise.csv"), path("dw4.csv"), path("dw4b.csv"));
    let drawn = flowscope(&[
        "draw", "--space", "cloud", "--dist", "dw4", "--n", "64", "--out", &dw4,
    ]);
    assert!(drawn.status.success());
    let stderr = String::from_utf8_lossy(&drawn.stderr);
    assert!(
        stderr.contains("Metropolis chains") && stderr.contains("acceptance"),
        "{stderr}"
    );
    let header = std::fs::read_to_string(&dw4).unwrap();
    assert!(header.starts_with("p0_x,p0_y,p1_x,p1_y,p2_x,p2_y,p3_x,p3_y\n"));
    for (dist, out, seed) in [("gaussian", &noise, "1"), ("dw4", &other, "2")] {
        let args = [
            "draw", "--space", "cloud", "--dist", dist, "--n", "64", "--seed", seed, "--out", out,
        ];
        assert!(flowscope(&args).status.success());
    }
    let output = flowscope(&[
        "couple",
        "--space",
        "cloud",
        "--method",
        "equivariant",
        "--source",
        &noise,
        "--target",
        &dw4,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let assignment = json["assignment"].as_array().unwrap();
    let pair_costs = json["pair_costs"].as_array().unwrap();
    assert_eq!(assignment.len(), 64);
    assert_eq!(pair_costs.len(), 64);
    assert_eq!(
        json["aligned"].as_array().unwrap()[0]
            .as_array()
            .unwrap()
            .len(),
        8
    );
    let mean = pair_costs.iter().map(|c| c.as_f64().unwrap()).sum::<f64>() / 64.0;
    assert!((mean - json["cost"].as_f64().unwrap()).abs() < 1e-9);
    let exact = flowscope(&[
        "couple", "--space", "cloud", "--method", "exact", "--source", &noise, "--target", &dw4,
    ]);
    let exact: serde_json::Value = serde_json::from_str(&stdout(&exact)).unwrap();
    assert!(json["cost"].as_f64().unwrap() < exact["cost"].as_f64().unwrap());
    let compared = flowscope(&["metrics", "--space", "cloud", "--a", &dw4, "--b", &other]);
    let compared: serde_json::Value = serde_json::from_str(&stdout(&compared)).unwrap();
    assert!(compared["distance_w1"].as_f64().unwrap() < 0.3);
    assert!(compared["energy_w1"].as_f64().unwrap() < 2.0);
    // Each W1 comes with its bootstrap standard error: positive, and well under the W1 of two
    // samples of the same target.
    for key in ["distance_w1_se", "energy_w1_se"] {
        let se = compared[key].as_f64().unwrap();
        assert!(se > 0.0 && se < 0.5, "{key} = {se}");
    }
    // Clouds of another shape, a bad header, and networks a space does not offer.
    let lj13 = path("lj13.csv");
    let args = [
        "draw", "--space", "cloud", "--dist", "lj13", "--n", "64", "--out", &lj13,
    ];
    assert!(flowscope(&args).status.success());
    fails_with(
        &[
            "couple",
            "--space",
            "cloud",
            "--method",
            "equivariant",
            "--source",
            &noise,
            "--target",
            &lj13,
        ],
        "coupling needs one shape",
    );
    let bad = path("bad.csv");
    std::fs::write(&bad, "p0_x,p0_y,p1_x\n0,0,1\n1,1,2\n").unwrap();
    fails_with(
        &["metrics", "--space", "cloud", "--a", &bad, "--b", &dw4],
        "not a whole number",
    );
    let run = path("run");
    fails_with(
        &[
            "train", "--space", "plane", "--model", "egnn", "--steps", "1", "--out", &run,
        ],
        "no 'egnn' velocity network",
    );
    let plane = path("plane.csv");
    let args = [
        "draw", "--space", "plane", "--dist", "moons", "--n", "64", "--out", &plane,
    ];
    assert!(flowscope(&args).status.success());
    fails_with(
        &[
            "couple",
            "--space",
            "plane",
            "--method",
            "equivariant",
            "--source",
            &plane,
            "--target",
            &plane,
        ],
        "--symmetry",
    );
    let with_group = flowscope(&[
        "couple",
        "--space",
        "plane",
        "--method",
        "equivariant",
        "--symmetry",
        "d4",
        "--source",
        &plane,
        "--target",
        &plane,
    ]);
    let with_group: serde_json::Value = serde_json::from_str(&stdout(&with_group)).unwrap();
    assert!(
        with_group["cost"].as_f64().unwrap() < 1e-9,
        "a sample is its own best match"
    );
}

#[test]
fn cloud_and_hyperbolic_runs_write_their_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let cloud = out("dw4");
    let trained = flowscope(&[
        "train",
        "--space",
        "cloud",
        "--target",
        "dw4",
        "--model",
        "egnn",
        "--width",
        "16",
        "--depth",
        "2",
        "--coupling",
        "equivariant",
        "--k",
        "32",
        "--batch",
        "64",
        "--steps",
        "10",
        "--eval-points",
        "64",
        "--eval-steps",
        "10",
        "--out",
        &cloud,
    ]);
    assert!(
        trained.status.success(),
        "{}",
        String::from_utf8_lossy(&trained.stderr)
    );
    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("dw4/metrics.json")).unwrap(),
    )
    .unwrap();
    for key in [
        "path_length",
        "dopri5_nfe",
        "distance_w1",
        "energy_w1",
        "distance_w1_floor",
        "energy_w1_floor",
        "distance_w1_se",
        "energy_w1_se",
        "equivariance_error",
    ] {
        assert!(metrics[key].is_number(), "{key} in {metrics}");
    }
    assert!(metrics["equivariance_error"].as_f64().unwrap() < 1e-5);
    let scene = std::fs::read_to_string(dir.path().join("dw4/scene.toml")).unwrap();
    assert!(scene.contains("space = \"cloud\"") && scene.contains("title = \"gaussian → dw4\""));
    let disk = out("disk");
    let trained = flowscope(&[
        "train",
        "--space",
        "hyperbolic",
        "--steps",
        "10",
        "--eval-points",
        "64",
        "--out",
        &disk,
    ]);
    assert!(
        trained.status.success(),
        "{}",
        String::from_utf8_lossy(&trained.stderr)
    );
    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("disk/metrics.json")).unwrap(),
    )
    .unwrap();
    assert!(metrics["w2"].is_number() && metrics["path_length"].is_number());
    assert!(
        metrics.get("dopri5_nfe").is_none(),
        "dopri5 is for flat spaces"
    );
    fails_with(
        &[
            "train",
            "--space",
            "hyperbolic",
            "--coupling",
            "equivariant",
            "--steps",
            "1",
            "--out",
            &out("bad"),
        ],
        "symmetry",
    );
}

/// Starts `args`, waits until `ready` holds (at most a minute), then sends SIGINT; the exit
/// status and stderr.
fn interrupted(args: &[&str], ready: impl Fn() -> bool) -> (Option<i32>, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_flowscope"))
        .args(args)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts");
    let start = std::time::Instant::now();
    while !ready() && start.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    // SAFETY: a plain kill(2) of our own child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn ctrl_c_keeps_a_training_run_resumable_and_leaves_no_partial_export() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let run_text = run.to_str().unwrap().to_string();
    let (status, stderr) = interrupted(
        &["train", "--steps", "10000000", "--out", &run_text],
        || run.is_dir(),
    );
    assert_eq!(status, Some(130), "{stderr}");
    assert!(stderr.contains("--resume"), "{stderr}");
    assert!(run.join("model.bpk").is_file() && run.join("scene.toml").is_file());
    let resumed = flowscope(&[
        "train",
        "--resume",
        &run_text,
        "--steps",
        "5",
        "--eval-points",
        "64",
        "--out",
        dir.path().join("resumed").to_str().unwrap(),
    ]);
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );

    let videos = dir.path().join("videos");
    std::fs::create_dir_all(&videos).unwrap();
    let out = videos.join("flow.mp4");
    let partial_exists = || {
        std::fs::read_dir(&videos)
            .map(|entries| entries.count() > 0)
            .unwrap_or(false)
    };
    let (status, stderr) = interrupted(
        &[
            "export",
            "--run",
            &run_text,
            "--out",
            out.to_str().unwrap(),
            "--width",
            "320",
            "--height",
            "240",
            "--duration-secs",
            "600",
            "--device",
            "cpu",
        ],
        partial_exists,
    );
    assert_eq!(status, Some(130), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&videos).unwrap().collect();
    assert!(left.is_empty(), "the export left {left:?}");
}

#[test]
fn huge_and_tiny_numbers_are_quoted_short() {
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("huge.toml");
    std::fs::write(
        &scene,
        "space = \"plane\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"moons\"\nnoise = -1e308\n",
    )
    .unwrap();
    let out = dir.path().join("run");
    fails_with(
        &[
            "train",
            "--scene",
            scene.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        "moons.noise must not be negative, got -1e308",
    );
    fails_with(
        &["train", "--lr=-1e-300", "--out", out.to_str().unwrap()],
        "got -1e-300",
    );
}

#[test]
fn mesh_info_reports_sizes_and_the_spectrum_of_named_meshes_and_obj_files() {
    let report = json(&flowscope(&[
        "mesh-info",
        "--mesh",
        "sphere",
        "--eigenpairs",
        "5",
    ]));
    assert_eq!(report["vertices"], 2562);
    assert_eq!(report["faces"], 5120);
    assert_eq!(report["boundary_edges"], 0);
    let eigenvalues: Vec<f64> = report["eigenvalues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(eigenvalues.len(), 5);
    assert!(eigenvalues[0].abs() < 1e-8, "{eigenvalues:?}");
    assert!(eigenvalues.windows(2).all(|w| w[0] <= w[1]));
    assert!((eigenvalues[1] - 2.0).abs() < 0.02, "{eigenvalues:?}");
    assert!(report["seconds"].as_f64().unwrap() >= 0.0);

    let maze = json(&flowscope(&["mesh-info", "--mesh", "maze"]));
    assert_eq!(maze["planar"], true);
    assert!(maze["boundary_edges"].as_u64().unwrap() > 100);

    let dir = tempfile::tempdir().unwrap();
    let square = write(
        dir.path(),
        "square.obj",
        "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf 1 2 3 4\n",
    );
    let report = json(&flowscope(&[
        "mesh-info",
        "--mesh",
        &square,
        "--eigenpairs",
        "4",
    ]));
    assert_eq!(report["faces"], 2);
    let broken = write(dir.path(), "broken.obj", "v 0 0 0\nv 1 0 0\nf 1 2 3\n");
    fails_with(
        &["mesh-info", "--mesh", &broken],
        "line 3: vertex 3 does not exist",
    );
    fails_with(
        &["mesh-info", "--mesh", &square, "--eigenpairs", "9"],
        "choose 1 to 4",
    );
    fails_with(
        &["mesh-info", "--mesh", "labyrinth"],
        "unknown mesh 'labyrinth'",
    );
    fails_with(
        &["mesh-info", "--mesh", &path(dir.path(), "missing.obj")],
        "cannot read",
    );
}

#[test]
fn likelihood_scores_points_with_the_trained_model() {
    let dir = tempfile::tempdir().unwrap();
    let run = path(dir.path(), "run");
    let output = flowscope(&[
        "train", "--target", "moons", "--steps", "200", "--out", &run,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let near = write(dir.path(), "near.csv", "x,y\n0.0,0.0\n2.0,-1.0\n");
    let far = write(dir.path(), "far.csv", "x,y\n30.0,30.0\n-30.0,30.0\n");
    let scored = path(dir.path(), "scored.csv");
    let output = flowscope(&[
        "likelihood",
        "--run",
        &run,
        "--points",
        &near,
        "--out",
        &scored,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&scored).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("x,y,log_density"));
    let near_values: Vec<f64> = lines
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(near_values.len(), 2);
    assert!(near_values.iter().all(|v| v.is_finite()), "{near_values:?}");
    let far_scored = path(dir.path(), "far_scored.csv");
    let output = flowscope(&[
        "likelihood",
        "--run",
        &run,
        "--points",
        &far,
        "--out",
        &far_scored,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let far_value: f64 = std::fs::read_to_string(&far_scored)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .rsplit(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        near_values.iter().all(|&v| v > far_value + 10.0),
        "{near_values:?} vs {far_value}"
    );

    let estimated = path(dir.path(), "estimated.csv");
    let output = flowscope(&[
        "likelihood",
        "--run",
        &run,
        "--points",
        &near,
        "--estimator",
        "hutchinson",
        "--probes",
        "8",
        "--out",
        &estimated,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&estimated).unwrap();
    assert_eq!(text.lines().next(), Some("x,y,log_density,log_density_se"));
    fails_with(
        &[
            "likelihood",
            "--run",
            &run,
            "--points",
            &near,
            "--estimator",
            "hutchinson",
            "--probes",
            "0",
            "--out",
            &estimated,
        ],
        "--probes must be between 1 and 1024",
    );

    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("run/metrics.json")).unwrap(),
    )
    .unwrap();
    let (nll, bits) = (
        metrics["nll"].as_f64().unwrap(),
        metrics["bits_per_dim"].as_f64().unwrap(),
    );
    assert!(nll.is_finite() && nll > 0.0, "{nll}");
    assert!((bits - nll / (2.0 * std::f64::consts::LN_2)).abs() < 1e-9);

    // The sphere's uniform source has a density, so a sphere run reports its NLL.
    let sphere_run = path(dir.path(), "sphere");
    let output = flowscope(&[
        "train",
        "--space",
        "sphere",
        "--steps",
        "5",
        "--out",
        &sphere_run,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sphere_metrics = std::fs::read_to_string(dir.path().join("sphere/metrics.json")).unwrap();
    assert!(sphere_metrics.contains("\"nll\""));
    let on_sphere = write(dir.path(), "s.csv", "x,y,z\n0,0,1\n1,0,0\n");
    let output = flowscope(&[
        "likelihood",
        "--run",
        &sphere_run,
        "--points",
        &on_sphere,
        "--out",
        &scored,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let from_moons = path(dir.path(), "from_moons");
    let output = flowscope(&[
        "train",
        "--source",
        "moons",
        "--target",
        "gaussian",
        "--steps",
        "2",
        "--out",
        &from_moons,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    fails_with(
        &[
            "likelihood",
            "--run",
            &from_moons,
            "--points",
            &near,
            "--out",
            &scored,
        ],
        "the source 'moons' has no closed-form density",
    );
    fails_with(
        &[
            "likelihood",
            "--run",
            &run,
            "--points",
            &near,
            "--steps",
            "0",
            "--out",
            &scored,
        ],
        "--steps must be between 1 and 10000",
    );
}
