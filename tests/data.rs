//! Distributions and point files: deterministic, matching the literature's conventions,
//! labelled where promised, and strict about malformed CSV.

use flowscope::data::{DistConfig, Points, Sampler, build_sampler};
use flowscope::rng::Rng;
use flowscope::space::SpaceKind;

fn sampler(space: SpaceKind, name: &str) -> Box<dyn Sampler> {
    build_sampler(space, &DistConfig::named(name)).expect("catalog distribution")
}

#[test]
fn every_catalog_distribution_is_deterministic_and_lies_on_its_space() {
    let datasets = flowscope::space::all()
        .into_iter()
        .flat_map(|space| space.datasets().iter().map(move |info| (space, info)));
    for (space, info) in datasets.filter(|(_, d)| !d.reads_file) {
        // A point cloud's dataset fixes its space's shape.
        let config = DistConfig::named(info.name);
        let space = space.fitted(&config, &config).unwrap();
        let s = sampler(space, info.name);
        let a = s.sample(500, &mut Rng::new(9));
        let b = s.sample(500, &mut Rng::new(9));
        assert_eq!(a, b, "{} is not deterministic", info.name);
        assert_eq!(
            a.labels().is_some(),
            info.labels.is_some(),
            "{}: labels as advertised",
            info.name
        );
        // One call of n equals n calls of one (couplings of any k see the same stream).
        let mut rng = Rng::new(9);
        let mut one_by_one = s.sample(1, &mut rng);
        for _ in 1..500 {
            one_by_one.extend(&s.sample(1, &mut rng));
        }
        assert_eq!(a.data(), one_by_one.data());
        for p in a.iter() {
            assert!(p.iter().all(|v| v.is_finite()));
            match space.name() {
                "sphere" => {
                    assert!((p.iter().map(|v| v * v).sum::<f64>().sqrt() - 1.0).abs() < 1e-9)
                }
                "torus" => {
                    assert!(p.iter().all(|v| (0.0..std::f64::consts::TAU).contains(v)))
                }
                "cloud" => {
                    let d = space.geometry().particle_dim();
                    for k in 0..d {
                        let centre: f64 = p.iter().skip(k).step_by(d).sum();
                        assert!(centre.abs() < 1e-9, "{}: mean-free", info.name);
                    }
                }
                _ => {}
            }
        }
    }
}

fn mean(points: &Points) -> Vec<f64> {
    let mut m = vec![0.0; points.dim()];
    for p in points.iter() {
        for (a, b) in m.iter_mut().zip(p) {
            *a += b / points.len() as f64;
        }
    }
    m
}

#[test]
fn eight_gaussians_follow_the_literature_convention() {
    let points = sampler(SpaceKind::PLANE, "8gaussians").sample(20_000, &mut Rng::new(1));
    let labels = points.labels().expect("8 labels");
    let mut counts = [0usize; 8];
    let mut variance = 0.0;
    for (p, &l) in points.iter().zip(labels) {
        counts[l as usize] += 1;
        let r = (p[0] * p[0] + p[1] * p[1]).sqrt();
        variance += (r - 5.0).powi(2) / points.len() as f64;
    }
    assert!(
        counts.iter().all(|&c| (2200..2800).contains(&c)),
        "balanced modes: {counts:?}"
    );
    assert!(
        (variance - 0.1).abs() < 0.01,
        "radial variance {variance} ≈ 0.1"
    );
}

#[test]
fn moons_are_scaled_by_three_and_shifted_by_minus_one() {
    let points = sampler(SpaceKind::PLANE, "moons").sample(20_000, &mut Rng::new(2));
    let m = mean(&points);
    // Unscaled moons have mean (0.5, 0.25); x·3 − 1 gives (0.5, −0.25).
    assert!(
        (m[0] - 0.5).abs() < 0.05 && (m[1] + 0.25).abs() < 0.05,
        "mean {m:?}"
    );
}

#[test]
fn vmf_mixture_concentrates_around_its_components() {
    let points = sampler(SpaceKind::SPHERE, "vmf").sample(4000, &mut Rng::new(3));
    let labels = points.labels().expect("one label per component");
    assert_eq!(labels.iter().max(), Some(&3));
    let uniform = sampler(SpaceKind::SPHERE, "uniform").sample(4000, &mut Rng::new(3));
    // With κ = 20 a component's points sit within ~0.3 rad of their mean direction.
    let spread = |p: &Points| {
        let m = mean(p);

        m.iter().map(|v| v * v).sum::<f64>().sqrt()
    };
    let first: Vec<usize> = (0..points.len()).filter(|&i| labels[i] == 0).collect();
    assert!(spread(&points.reordered(&first)) > 0.9);
    assert!(spread(&uniform) < 0.1);
}

#[test]
fn image_density_puts_points_where_the_image_is_dark() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("half.png");
    // Left half black, right half white.
    let image =
        image::GrayImage::from_fn(40, 20, |x, _| image::Luma([if x < 20 { 0 } else { 255 }]));
    image.save(&path).unwrap();
    let mut config = DistConfig::named("image");
    config.path = Some(path);
    let points = build_sampler(SpaceKind::PLANE, &config)
        .unwrap()
        .sample(2000, &mut Rng::new(4));
    assert!(
        points
            .iter()
            .all(|p| p[0] <= 0.0 && p[0] >= -4.0 && p[1].abs() <= 2.0),
        "inside the dark half"
    );

    let white = dir.path().join("white.png");
    image::GrayImage::from_pixel(8, 8, image::Luma([255]))
        .save(&white)
        .unwrap();
    config.path = Some(white);
    let error = build_sampler(SpaceKind::PLANE, &config)
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("white"), "{error}");
}

#[test]
fn unknown_names_and_parameters_are_rejected_with_the_choices() {
    let error = build_sampler(SpaceKind::PLANE, &DistConfig::named("moon"))
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("moon") && error.contains("moons"), "{error}");
    let error = build_sampler(SpaceKind::SPHERE, &DistConfig::named("moons"))
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("sphere distribution"), "{error}");
    let mut config = DistConfig::named("moons");
    config.params.insert("nosie".into(), 0.1);
    let error = build_sampler(SpaceKind::PLANE, &config)
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.contains("nosie") && error.contains("noise"),
        "{error}"
    );
    let mut config = DistConfig::named("vmf");
    config.params.insert("components".into(), 2.5);
    assert!(build_sampler(SpaceKind::SPHERE, &config).is_err());
}

#[test]
fn csv_round_trips_with_labels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("points.csv");
    let points = sampler(SpaceKind::TORUS, "ramachandran").sample(100, &mut Rng::new(5));
    points.write_csv(&path, SpaceKind::TORUS).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("theta,phi,label\n"));
    assert_eq!(Points::read_csv(&path, SpaceKind::TORUS).unwrap(), points);
}

#[test]
fn malformed_csv_is_rejected_with_a_reason() {
    let cases = [
        ("", SpaceKind::PLANE, "empty"),
        ("1,2\n3,4\n", SpaceKind::PLANE, "header"),
        ("x,y\n1,2\n3\n", SpaceKind::PLANE, "line 3 has 1 columns"),
        ("x,y\n1,2\n3,abc\n", SpaceKind::PLANE, "'abc'"),
        ("x,y\n1,2\n3,NaN\n", SpaceKind::PLANE, "not a finite number"),
        ("x,y\n1,2\n3,inf\n", SpaceKind::PLANE, "not a finite number"),
        ("x,y\n1,2\n", SpaceKind::PLANE, "at least 2"),
        ("x,y,z\n1,0,0\n0,2,0\n", SpaceKind::SPHERE, "unit length"),
        ("x,y,label\n1,2,0\n3,4,-1\n", SpaceKind::PLANE, "label"),
    ];
    for (text, space, expected) in cases {
        let error = Points::parse_csv(text, space).expect_err(text);
        assert!(error.contains(expected), "{text:?}: {error}");
    }
    assert!(
        Points::parse_csv("theta,phi\n7,1\n-1,2\n", SpaceKind::TORUS).is_ok(),
        "torus angles are wrapped"
    );
}
