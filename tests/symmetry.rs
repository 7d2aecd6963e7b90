//! Symmetric data in the plane: the groups C_m and D_m, and the alignment coupling, whose
//! orbit-cost assignment is optimal and whose aligned pairs are far shorter than independent ones.

use flowscope::coupling::{
    CouplingConfig, CouplingMethod, PairStream, PlaneGroup, mean_pair_cost, orbit_matching,
};
use flowscope::data::{DistConfig, Points, build_sampler};
use flowscope::geometry::Symmetry;
use flowscope::rng::Rng;
use flowscope::scene::Scene;
use flowscope::space::SpaceKind;

fn compose(a: &[f64; 4], b: &[f64; 4]) -> [f64; 4] {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
    ]
}

fn close(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
}

#[test]
fn cyclic_and_dihedral_groups_are_groups_of_the_right_order() {
    for m in 2..=12 {
        for (group, order) in [
            (Symmetry::Cyclic(m), m as usize),
            (Symmetry::Dihedral(m), 2 * m as usize),
        ] {
            let elements = group.elements();
            assert_eq!(elements.len(), order);
            assert_eq!(group.order(), order);
            assert!(close(&elements[0], &[1.0, 0.0, 0.0, 1.0]), "identity first");
            for a in &elements {
                // Orthogonal: aᵀa = I.
                let transpose = [a[0], a[2], a[1], a[3]];
                assert!(close(&compose(&transpose, a), &[1.0, 0.0, 0.0, 1.0]));
                for b in &elements {
                    let product = compose(a, b);
                    assert!(
                        elements.iter().any(|c| close(c, &product)),
                        "{} is not closed",
                        group.name()
                    );
                }
            }
            assert_eq!(Symmetry::parse(&group.name()), Ok(group));
        }
    }
    for bad in ["c1", "d13", "x4", "c", "", "d-2"] {
        let error = Symmetry::parse(bad).unwrap_err();
        assert!(
            error.contains("cM") && error.contains("12"),
            "{bad}: {error}"
        );
    }
}

fn points(data: &[[f64; 2]]) -> Points {
    Points::new(2, data.iter().flatten().copied().collect(), None)
}

fn orbit_cost(group: Symmetry, a: &[f64], b: &[f64]) -> f64 {
    Symmetry::nearest_image(&group.elements(), a, b).1
}

/// Every permutation of 0..n.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for rest in permutations(n - 1) {
        for at in 0..=rest.len() {
            let mut p = rest.clone();
            p.insert(at, n - 1);
            out.push(p);
        }
    }
    out
}

#[test]
fn the_orbit_assignment_is_optimal_and_each_source_point_is_aligned_to_its_partner() {
    let mut rng = Rng::new(3);
    for group in [
        Symmetry::Cyclic(5),
        Symmetry::Dihedral(4),
        Symmetry::Dihedral(8),
    ] {
        for _ in 0..5 {
            let draw = |rng: &mut Rng| -> Vec<[f64; 2]> {
                (0..6)
                    .map(|_| [3.0 * rng.normal(), 3.0 * rng.normal()])
                    .collect()
            };
            let (a, b) = (points(&draw(&mut rng)), points(&draw(&mut rng)));
            let (aligned, matched) = orbit_matching(&PlaneGroup::new(group), &a, &b);
            let ours: f64 = aligned
                .iter()
                .zip(matched.iter())
                .map(|(x, y)| (x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2))
                .sum();
            let best = permutations(6)
                .into_iter()
                .map(|p| {
                    (0..6)
                        .map(|i| orbit_cost(group, a.point(i), b.point(p[i])))
                        .sum::<f64>()
                })
                .fold(f64::INFINITY, f64::min);
            assert!(
                (ours - best).abs() <= 1e-6 * best,
                "{}: {ours} vs brute force {best}",
                group.name()
            );
            // Each aligned point is an image of its source point, and the targets are a permutation.
            for (i, x) in aligned.iter().enumerate() {
                let source = a.point(i);
                assert!(group.elements().iter().any(|g| {
                    let image = Symmetry::apply(g, source);
                    (image[0] - x[0]).abs() < 1e-12 && (image[1] - x[1]).abs() < 1e-12
                }));
            }
            let mut rows: Vec<u64> = matched.data().iter().map(|v| v.to_bits()).collect();
            let mut expected: Vec<u64> = b.data().iter().map(|v| v.to_bits()).collect();
            rows.sort_unstable();
            expected.sort_unstable();
            assert_eq!(rows, expected);
        }
    }
}

#[test]
fn aligned_pairs_of_symmetric_data_are_far_shorter_than_independent_ones() {
    let space = SpaceKind::PLANE;
    let source = build_sampler(space, &DistConfig::named("gaussian")).unwrap();
    let target = build_sampler(space, &DistConfig::named("8gaussians")).unwrap();
    let cost = |method: CouplingMethod, k: usize| {
        let config = CouplingConfig {
            method,
            k,
            ..CouplingConfig::default()
        };
        let mut stream = PairStream::new(
            space,
            config,
            build_sampler(space, &DistConfig::named("gaussian")).unwrap(),
            build_sampler(space, &DistConfig::named("8gaussians")).unwrap(),
            7,
        )
        .with_group(Some(std::sync::Arc::new(PlaneGroup::new(
            Symmetry::Dihedral(8),
        ))));
        (0..8)
            .map(|_| stream.next_batch(256).coupling_cost)
            .sum::<f64>()
            / 8.0
    };
    let independent = cost(CouplingMethod::Independent, 1);
    let aligned = cost(CouplingMethod::Equivariant, 1);
    let exact = cost(CouplingMethod::Exact, 256);
    let equivariant = cost(CouplingMethod::Equivariant, 256);
    assert!(
        aligned < 0.6 * independent,
        "aligned {aligned} vs independent {independent}"
    );
    // The orbit cost never exceeds the plain cost, so its optimum is no dearer.
    assert!(
        equivariant <= exact * 1.02,
        "equivariant OT {equivariant} vs exact OT {exact}"
    );
    // Independent pairs of the same samples, for scale.
    let mut rng = Rng::new(1);
    let (a, b) = (source.sample(256, &mut rng), target.sample(256, &mut rng));
    assert!((mean_pair_cost(space, &a, &b) - independent).abs() < 0.3 * independent);
}

#[test]
fn a_scene_declares_its_symmetry_and_the_equivariant_coupling_needs_one() {
    let mut scene = Scene::from_toml(
        "space = \"plane\"\nsymmetry = \"d8\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"8gaussians\"\n[coupling]\nmethod = \"equivariant\"\nk = 64\n",
    )
    .unwrap();
    assert_eq!(scene.symmetry, Some(Symmetry::Dihedral(8)));
    scene.validate().unwrap();
    assert_eq!(Scene::from_toml(&scene.to_toml()).unwrap(), scene);
    assert_eq!(scene.coupling.label(), "equivariant OT, k = 64");
    scene.symmetry = None;
    assert!(
        scene
            .validate()
            .unwrap_err()
            .to_string()
            .contains("symmetry")
    );
    let error = Scene::from_toml("space = \"plane\"\nsymmetry = \"q3\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"moons\"\n")
        .unwrap_err();
    assert!(error.contains("line 2") && error.contains("q3"), "{error}");
    let mut sphere = Scene::from_toml(
        "space = \"sphere\"\n[source]\nname = \"uniform\"\n[target]\nname = \"vmf\"\n",
    )
    .unwrap();
    sphere.symmetry = Some(Symmetry::Cyclic(4));
    assert!(
        sphere
            .validate()
            .unwrap_err()
            .to_string()
            .contains("group of the plane")
    );
}

/// The largest |v(g·x) − g·v(x)| over the group and some points, relative to the largest |v|.
fn equivariance_error(session: &flowscope::session::Session, group: Symmetry) -> f64 {
    use flowscope::flow::{Conditioning, velocity_at};
    let mut rng = Rng::new(11);
    let x = points(
        &(0..64)
            .map(|_| [3.0 * rng.normal(), 3.0 * rng.normal()])
            .collect::<Vec<_>>(),
    );
    let velocity = |p: &Points| {
        velocity_at(
            &session.model(),
            SpaceKind::PLANE,
            p,
            0.4,
            Conditioning::default(),
            session.device(),
        )
        .unwrap()
    };
    let v = velocity(&x);
    let scale = v.chunks(2).map(|w| w[0].hypot(w[1])).fold(0.0, f64::max);
    let mut worst = 0.0f64;
    for g in group.elements() {
        let moved: Vec<[f64; 2]> = x.iter().map(|p| Symmetry::apply(&g, p)).collect();
        let v_moved = velocity(&points(&moved));
        for (w, u) in v.chunks(2).zip(v_moved.chunks(2)) {
            let turned = Symmetry::apply(&g, w);
            worst = worst.max((turned[0] - u[0]).hypot(turned[1] - u[1]));
        }
    }
    worst / scale
}

#[test]
fn the_group_averaged_model_is_equivariant_and_the_plain_mlp_is_not() {
    use flowscope::flow::Network;
    use flowscope::session::Session;
    let group = Symmetry::Dihedral(8);
    let scene = |network: Network| {
        let mut scene = Scene {
            target: DistConfig::named("8gaussians"),
            symmetry: Some(group),
            ..Scene::default()
        };
        scene.model.network = network;
        scene.coupling.method = CouplingMethod::Equivariant;
        scene.coupling.k = 64;
        scene.train.steps = 100;
        scene.train.batch = 128;
        scene
    };
    let device = burn::tensor::Device::flex();
    let mut averaged = Session::new(scene(Network::GroupAveraged), &device).unwrap();
    averaged.train(|_| {}).unwrap();
    let error = equivariance_error(&averaged, group);
    assert!(error <= 1e-5, "group-averaged equivariance error {error:e}");
    // metrics.json reports the same, and the samples' invariance beside its noise floor.
    let eval = flowscope::scene::EvalConfig {
        points: 300,
        steps: 20,
    };
    let report = averaged
        .symmetry_report(&eval)
        .unwrap()
        .expect("a symmetric scene");
    assert!(report.equivariance_error <= 1e-5, "{report:?}");
    assert!(
        report.invariance_w2.is_finite() && report.invariance_w2_floor > 0.0,
        "{report:?}"
    );
    let mut plain = Session::new(scene(Network::Mlp), &device).unwrap();
    plain.train(|_| {}).unwrap();
    let error = equivariance_error(&plain, group);
    assert!(
        error > 1e-2,
        "the plain MLP should not be equivariant: {error:e}"
    );
    let report = plain
        .symmetry_report(&eval)
        .unwrap()
        .expect("a symmetric scene");
    assert!(report.equivariance_error > 1e-2, "{report:?}");
    // Without a group there is nothing to average over.
    let mut orphan = scene(Network::GroupAveraged);
    orphan.symmetry = None;
    orphan.coupling.method = CouplingMethod::Exact;
    let message = orphan.validate().unwrap_err().to_string();
    assert!(
        message.contains("group-averaged") && message.contains("symmetry"),
        "{message}"
    );
}

#[test]
fn a_symmetrised_target_is_the_union_of_its_images() {
    use flowscope::data::Sampler;
    let toml = "space = \"plane\"\nsymmetry = \"c4\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"moons\"\nsymmetrised = true\n";
    let scene = Scene::from_toml(toml).unwrap();
    assert!(scene.target.symmetrised);
    assert_eq!(Scene::from_toml(&scene.to_toml()).unwrap(), scene);
    let symmetrised = scene.sampler(&scene.target).unwrap();
    let plain = build_sampler(SpaceKind::PLANE, &DistConfig::named("moons")).unwrap();
    assert_eq!(
        symmetrised.num_labels(),
        plain.num_labels(),
        "labels are kept"
    );
    // Turned a quarter, the symmetrised moons look the same; the moons do not.
    let quarter = Symmetry::Cyclic(4).elements()[1];
    let turned = |p: &Points| {
        points(
            &p.iter()
                .map(|x| Symmetry::apply(&quarter, x))
                .collect::<Vec<_>>(),
        )
    };
    let w2 = |sampler: &dyn Sampler| {
        let a = sampler.sample(600, &mut Rng::new(1));
        let b = sampler.sample(600, &mut Rng::new(2));
        flowscope::metrics::w2(SpaceKind::PLANE, &turned(&a), &b).unwrap()
    };
    let (symmetric, asymmetric) = (w2(symmetrised.as_ref()), w2(plain.as_ref()));
    assert!(
        symmetric < 0.5 * asymmetric,
        "symmetrised {symmetric} vs plain {asymmetric}"
    );
    // Draws one at a time equal draws in bulk, as for every distribution.
    let bulk = symmetrised.sample(50, &mut Rng::new(4));
    let mut rng = Rng::new(4);
    let mut single = vec![0.0; 100];
    for p in single.chunks_exact_mut(2) {
        symmetrised.sample_one(&mut rng, p);
    }
    assert_eq!(bulk.data(), &single[..]);
    // Without a symmetry there is nothing to symmetrise along.
    let mut orphan = scene.clone();
    orphan.symmetry = None;
    let error = orphan.validate().unwrap_err().to_string();
    assert!(
        error.contains("moons") && error.contains("no symmetry"),
        "{error}"
    );
}

#[test]
fn the_pinwheel_of_m_arms_has_the_symmetry_c_m() {
    let space = SpaceKind::PLANE;
    let mut config = DistConfig::named("pinwheel");
    config.params.insert("arms".into(), 5.0);
    let sampler = build_sampler(space, &config).unwrap();
    let a = sampler.sample(1500, &mut Rng::new(1));
    let b = sampler.sample(1500, &mut Rng::new(2));
    let turned = |points: &Points, angle: f64| {
        let (s, c) = angle.sin_cos();
        let data = points
            .iter()
            .flat_map(|p| [c * p[0] - s * p[1], s * p[0] + c * p[1]])
            .collect();
        Points::new(2, data, None)
    };
    let w2 = |x: &Points, y: &Points| flowscope::metrics::w2(space, x, y).unwrap();
    let floor = w2(&a, &b);
    let fifth = std::f64::consts::TAU / 5.0;
    // A fifth of a turn maps the pinwheel onto itself: as close as another sample of it.
    assert!(
        w2(&turned(&a, fifth), &b) < 1.3 * floor,
        "{} vs {floor}",
        w2(&turned(&a, fifth), &b)
    );
    // Half of that is not in the group.
    assert!(w2(&turned(&a, fifth / 2.0), &b) > 2.0 * floor);
    let scene = Scene::from_toml(
        "space = \"plane\"\nsymmetry = \"c5\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"pinwheel\"\narms = 5\n",
    )
    .unwrap();
    scene.validate().unwrap();
}
