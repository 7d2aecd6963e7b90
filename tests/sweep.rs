//! Sweeps: the grid a setting asks for, errors that name the key, rows saved as runs finish,
//! resuming without repeating a finished run, and the plot.

use std::sync::atomic::{AtomicUsize, Ordering};

use burn::tensor::Device;
use flowscope::sweep::{
    Axis, PlotRequest, RESULTS_FILE, Results, Sweep, SweepEvent, SweepFile, draw_plot, run_sweep,
};

/// A scene that trains in well under a second.
const TINY: &str = r#"
space = "plane"
[source]
name = "gaussian"
[target]
name = "moons"
[coupling]
method = "exact"
[model]
width = 16
depth = 2
[train]
steps = 40
batch = 64
seed = 7
[eval]
points = 128
steps = 20
"#;

fn tiny() -> toml::Table {
    SweepFile::parse(TINY).unwrap().scene
}

fn error(settings: &[&str]) -> String {
    let axes: Vec<Axis> = settings.iter().map(|s| Axis::parse(s).unwrap()).collect();
    Sweep::new(&tiny(), axes, 1).unwrap_err().to_string()
}

#[test]
fn settings_read_as_typed_values_and_bad_ones_are_named() {
    let axis = Axis::parse("coupling.k=1, 16,256").unwrap();
    assert_eq!(axis.key, "coupling.k");
    assert_eq!(
        axis.values,
        vec![
            toml::Value::Integer(1),
            toml::Value::Integer(16),
            toml::Value::Integer(256)
        ]
    );
    let methods = Axis::parse("coupling.method=exact,independent").unwrap();
    assert_eq!(methods.values[0], toml::Value::String("exact".into()));
    assert_eq!(
        Axis::parse("train.lr=1e-3").unwrap().values[0],
        toml::Value::Float(1e-3)
    );
    for (bad, expected) in [
        ("coupling.k", "no '='"),
        ("coupling.k=", "no values"),
        ("coupling..k=1", "dotted scene key"),
    ] {
        let message = Axis::parse(bad).unwrap_err().to_string();
        assert!(message.contains(expected), "{bad}: {message}");
    }
    // A key the scene does not have, and a value of the wrong type, name the key.
    let unknown = error(&["coupling.kk=1,2"]);
    assert!(
        unknown.contains("coupling.kk") && unknown.contains("kk"),
        "{unknown}"
    );
    let mistyped = error(&["coupling.k=many"]);
    assert!(
        mistyped.contains("coupling.k=many") && mistyped.contains("expected usize"),
        "{mistyped}"
    );
    let twice = error(&["coupling.k=1", "coupling.k=2"]);
    assert!(twice.contains("twice"), "{twice}");
    let seeds = error(&["train.seed=1,2"]);
    assert!(seeds.contains("--repeat"), "{seeds}");
}

#[test]
fn the_grid_varies_the_first_key_slowest_with_seeds_innermost() {
    let axes = vec![
        Axis::parse("coupling.k=4,16").unwrap(),
        Axis::parse("model.width=8,16,32").unwrap(),
    ];
    let sweep = Sweep::new(&tiny(), axes, 2).unwrap();
    assert_eq!(sweep.variants.len(), 12);
    let first = &sweep.variants[0];
    assert_eq!(first.values, ["4", "8"]);
    assert_eq!((first.seed, first.scene.train.seed), (7, 7));
    let second = &sweep.variants[1];
    assert_eq!(
        (second.values.clone(), second.seed),
        (vec!["4".into(), "8".into()], 8)
    );
    let last = &sweep.variants[11];
    assert_eq!(last.values, ["16", "32"]);
    assert_eq!(last.scene.coupling.k, 16);
    assert_eq!(last.scene.model.width, 32);
    // Untouched settings keep the scene's values.
    assert_eq!(last.scene.train.steps, 40);
}

#[test]
fn a_sweep_file_carries_its_own_settings() {
    let text = format!(
        "{TINY}\n[sweep]\nset = [\"coupling.k=2,8\"]\nrepeat = 3\nplot = [\"npe\"]\nx = \"coupling.k\"\n"
    );
    let file = SweepFile::parse(&text).unwrap();
    assert_eq!(file.axes.len(), 1);
    assert_eq!(
        (file.repeat, file.plots.clone()),
        (Some(3), vec!["npe".to_string()])
    );
    assert!(!file.scene.contains_key("sweep"));
    let sweep = Sweep::new(&file.scene, file.axes, file.repeat.unwrap()).unwrap();
    assert_eq!(sweep.variants.len(), 6);
    let bad = format!("{TINY}\n[sweep]\nsets = []\n");
    let message = SweepFile::parse(&bad).unwrap_err().to_string();
    assert!(message.contains("sweep.sets"), "{message}");
}

#[test]
fn rows_are_saved_as_runs_finish_and_a_rerun_trains_only_the_missing_ones() {
    let dir = tempfile::tempdir().unwrap();
    let axes = vec![Axis::parse("coupling.k=4,64").unwrap()];
    let sweep = Sweep::new(&tiny(), axes, 2).unwrap();
    let device = Device::flex();

    // Stop after the first run has finished: the others are left for the rerun.
    let finished = AtomicUsize::new(0);
    let mut first = None;
    let outcome = run_sweep(
        &sweep,
        dir.path(),
        1,
        &device,
        |event| {
            if let SweepEvent::Finished { index, .. } = event {
                finished.fetch_add(1, Ordering::SeqCst);
                first = Some(index);
            }
        },
        &|| finished.load(Ordering::SeqCst) >= 1,
    )
    .unwrap();
    assert!(outcome.stopped);
    assert_eq!(outcome.results.rows.len(), 1);
    let saved = Results::load(&dir.path().join(RESULTS_FILE), &sweep.keys()).unwrap();
    assert_eq!(saved.rows.len(), 1);

    let mut trained = Vec::new();
    let outcome = run_sweep(
        &sweep,
        dir.path(),
        2,
        &device,
        |event| {
            if let SweepEvent::Planned { pending, done } = event {
                assert_eq!(done, 1);
                trained = pending;
            }
        },
        &|| false,
    )
    .unwrap();
    // The longest runs (k = 64) start first; the finished one is not trained again.
    assert_eq!(first, Some(2));
    trained.sort();
    assert_eq!(trained, [0, 1, 3], "the finished run is not trained again");
    assert!(!outcome.stopped && outcome.failures.is_empty());
    let results = Results::load(&dir.path().join(RESULTS_FILE), &sweep.keys()).unwrap();
    assert_eq!(results.rows.len(), 4);
    // Rows in grid order, with the scalar metrics of each run's report.
    let order: Vec<(String, u64)> = results
        .rows
        .iter()
        .map(|row| (row.values[0].clone(), row.seed))
        .collect();
    assert_eq!(
        order,
        [
            ("4".to_string(), 7),
            ("4".to_string(), 8),
            ("64".to_string(), 7),
            ("64".to_string(), 8)
        ]
    );
    for row in &results.rows {
        for metric in ["coupling_cost", "w2", "npe", "straightness", "path_energy"] {
            let value = row.metrics[metric];
            assert!(value.is_finite(), "{metric} = {value}");
        }
        assert_eq!(row.metrics["steps"], 40.0);
    }
    let header = std::fs::read_to_string(dir.path().join(RESULTS_FILE)).unwrap();
    assert!(header.starts_with("coupling.k,seed,"), "{header}");
    assert!(
        dir.path()
            .join("runs/coupling.k-64_seed-8/model.bpk")
            .is_file()
    );
    assert!(
        dir.path()
            .join("runs/coupling.k-64_seed-8/metrics.json")
            .is_file()
    );

    // Another sweep in the same directory is refused, not mixed in.
    let other = Sweep::new(&tiny(), vec![Axis::parse("model.width=8").unwrap()], 1).unwrap();
    let message = run_sweep(&other, dir.path(), 1, &device, |_| {}, &|| false)
        .unwrap_err()
        .to_string();
    assert!(message.contains("another --out"), "{message}");
}

#[test]
fn a_plot_draws_each_line_where_its_values_are() {
    use flowscope::sweep::Row;
    let mut results = Results::new(vec!["coupling.k".into(), "coupling.method".into()]);
    for (k, method, seed, cost) in [
        ("1", "ot", 0, 2.0),
        ("1", "ot", 1, 2.2),
        ("64", "ot", 0, 1.0),
        ("64", "ot", 1, 1.1),
        ("4096", "ot", 0, 0.5),
        ("1", "independent", 0, 2.1),
        ("4096", "independent", 0, 2.1),
    ] {
        let mut row = Row::from_report(
            vec![k.into(), method.into()],
            seed,
            &serde_json::json!({ "coupling_cost": cost }),
        );
        row.metrics.insert("npe".into(), 0.1);
        results.insert(row);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("coupling_cost.png");
    let request = PlotRequest {
        metric: "coupling_cost".into(),
        x: "coupling.k".into(),
        ratio: None,
    };
    draw_plot(&results, &request, &path).unwrap();
    let image = image::open(&path).unwrap().to_rgb8();
    assert_eq!(image.dimensions(), (900, 560));
    // Two lines in two colours, each a sizeable run of saturated pixels.
    let mut colours = std::collections::HashMap::new();
    for pixel in image.pixels() {
        let [r, g, b] = pixel.0;
        let (high, low) = (r.max(g).max(b), r.min(g).min(b));
        if high - low > 120 {
            *colours.entry([r / 32, g / 32, b / 32]).or_insert(0usize) += 1;
        }
    }
    let strong = colours.values().filter(|&&n| n > 300).count();
    assert!(strong >= 2, "line colours: {colours:?}");

    let missing = PlotRequest {
        metric: "nll".into(),
        x: "coupling.k".into(),
        ratio: None,
    };
    let message = draw_plot(&results, &missing, &path)
        .unwrap_err()
        .to_string();
    assert!(message.contains("no metric named nll"), "{message}");
}

#[test]
fn a_ratio_plot_divides_the_means_of_two_values_of_a_key() {
    use flowscope::sweep::{Ratio, Row, plot_lines};
    let mut results = Results::new(vec!["target.dim".into(), "coupling.method".into()]);
    for (d, method, seed, straightness) in [
        ("2", "exact", 0, 0.1),
        ("2", "exact", 1, 0.3),
        ("2", "independent", 0, 4.0),
        ("2", "independent", 1, 4.0),
        ("128", "exact", 0, 9.0),
        ("128", "independent", 0, 12.0),
        // A third method stays out of the ratio.
        ("128", "sinkhorn", 0, 100.0),
    ] {
        results.insert(Row::from_report(
            vec![d.into(), method.into()],
            seed,
            &serde_json::json!({ "straightness": straightness }),
        ));
    }
    let ratio = Ratio::parse("coupling.method=exact/independent").unwrap();
    let request = PlotRequest {
        metric: "straightness".into(),
        x: "target.dim".into(),
        ratio: Some(ratio.clone()),
    };
    let (scale, lines) = plot_lines(&results, &request).unwrap();
    assert_eq!(scale, flowscope::sweep::Scale::Log2);
    assert_eq!(scale.label(7.0), "128");
    assert_eq!(lines.len(), 1);
    let (name, points) = &lines[0];
    assert_eq!(name, "straightness ratio, exact / independent");
    // 2 … 128 spans six doublings: a log₂ axis.
    let expected = [(1.0, 0.2 / 4.0), (7.0, 9.0 / 12.0)];
    assert_eq!(points.len(), 2);
    for (&(x, mean, spread), (want_x, want_mean)) in points.iter().zip(expected) {
        assert!((x - want_x).abs() < 1e-12, "{points:?}");
        assert!((mean - want_mean).abs() < 1e-12, "{points:?}");
        assert_eq!(spread, 0.0);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("straightness_ratio.png");
    draw_plot(&results, &request, &path).unwrap();
    assert!(path.is_file());

    // Over the x axis itself, over a key the sweep does not vary, and malformed.
    let over_x = PlotRequest {
        ratio: Some(Ratio::parse("target.dim=2/128").unwrap()),
        ..request.clone()
    };
    let message = plot_lines(&results, &over_x).unwrap_err().to_string();
    assert!(message.contains("is the x axis"), "{message}");
    let unknown = PlotRequest {
        ratio: Some(Ratio::parse("model.width=8/16").unwrap()),
        ..request
    };
    let message = plot_lines(&results, &unknown).unwrap_err().to_string();
    assert!(
        message.contains("model.width") && message.contains("varies"),
        "{message}"
    );
    for bad in ["coupling.method", "coupling.method=exact", "=a/b", "k=a/"] {
        let message = Ratio::parse(bad).unwrap_err().to_string();
        assert!(message.contains("KEY=A/B"), "{bad}: {message}");
    }
}

#[test]
fn the_longest_runs_start_first_so_no_core_waits_at_the_end() {
    let axes = vec![
        Axis::parse("coupling.k=4,4096,64").unwrap(),
        Axis::parse("train.steps=2,4").unwrap(),
    ];
    let sweep = Sweep::new(&tiny(), axes, 1).unwrap();
    // Estimates grow with k and with the steps.
    let estimate = |k: &str, steps: &str| {
        sweep
            .variants
            .iter()
            .find(|v| v.values == [k.to_string(), steps.to_string()])
            .unwrap()
            .estimated_seconds()
    };
    assert!(estimate("4096", "2") > estimate("64", "2"));
    assert!(estimate("64", "4") > estimate("64", "2"));
    let dir = tempfile::tempdir().unwrap();
    let mut planned = None;
    run_sweep(
        &sweep,
        dir.path(),
        1,
        &Device::flex(),
        |event| {
            if let SweepEvent::Planned { pending, .. } = event {
                planned = Some(pending);
            }
        },
        &|| true,
    )
    .unwrap();
    let order: Vec<Vec<String>> = planned
        .unwrap()
        .iter()
        .map(|&i| sweep.variants[i].values.clone())
        .collect();
    assert_eq!(order[0], ["4096", "4"], "{order:?}");
    assert_eq!(order[1], ["4096", "2"], "{order:?}");
    assert_eq!(order.last().unwrap(), &["4", "2"], "{order:?}");
}
