//! Exact likelihoods of a flow: the divergence against finite differences, the log-density
//! against the change of variables of the flow map, and the density's total mass.

use burn::tensor::Device;
use flowscope::data::Points;
use flowscope::flow::{Conditioning, Estimator, Integrator, velocity_at};
use flowscope::scene::Scene;
use flowscope::session::Session;
use flowscope::space::SpaceKind;

/// A plane scene from the standard Gaussian to the moons, trained for `steps` steps.
fn session(steps: usize) -> Session {
    session_with(
        "[target]\nname = \"moons\"\n[model]\nwidth = 32\ndepth = 3\n",
        steps,
    )
}

/// A plane scene from the standard Gaussian to the target and model in `toml`, trained for
/// `steps` steps.
fn session_with(toml: &str, steps: usize) -> Session {
    let mut scene = Scene::from_toml(&format!(
        "space = \"plane\"\n[source]\nname = \"gaussian\"\n{toml}"
    ))
    .unwrap();
    scene.train.steps = steps;
    let mut session = Session::new(scene, &Device::flex()).unwrap();
    session.train(|_| {}).unwrap();
    session
}

/// `n` plane points from N(0, 2²), seeded.
fn random_rows(seed: u64, n: usize) -> Vec<[f64; 2]> {
    let mut rng = flowscope::rng::Rng::new(seed);
    (0..n)
        .map(|_| [2.0 * rng.normal(), 2.0 * rng.normal()])
        .collect()
}

fn points(rows: &[[f64; 2]]) -> Points {
    Points::new(2, rows.iter().flatten().copied().collect(), None)
}

/// The model's velocity at one point and time, in f64.
fn velocity(session: &Session, x: [f64; 2], t: f64) -> [f64; 2] {
    let v = velocity_at(
        &session.model(),
        SpaceKind::PLANE,
        &points(&[x]),
        t,
        Conditioning::default(),
        session.device(),
    )
    .unwrap();
    [v[0], v[1]]
}

#[test]
fn the_exact_divergence_matches_finite_differences() {
    // Each activation's derivative, and a conditional field (the null label's density).
    for model in [
        "activation = \"silu\"",
        "activation = \"selu\"",
        "activation = \"relu\"",
        "activation = \"selu\"\nlabels = 8",
    ] {
        let session = session_with(
            &format!("[target]\nname = \"8gaussians\"\n[model]\nwidth = 32\ndepth = 3\n{model}\n"),
            100,
        );
        divergence_matches_finite_differences(&session, model);
    }
}

fn divergence_matches_finite_differences(session: &Session, model: &str) {
    let x = [0.3, -0.7, 1.5, 0.2, -2.0, 1.1];
    for t in [0.0, 0.4, 0.9] {
        let (v, divergence) = session
            .velocity_and_divergence(&Points::new(2, x.to_vec(), None), t)
            .unwrap();
        for (p, point) in x.chunks(2).enumerate() {
            let h = 1e-3;
            let at = |dx: f64, dy: f64| velocity(session, [point[0] + dx, point[1] + dy], t);
            let numeric = (at(h, 0.0)[0] - at(-h, 0.0)[0]) / (2.0 * h)
                + (at(0.0, h)[1] - at(0.0, -h)[1]) / (2.0 * h);
            assert!(
                (numeric - divergence[p]).abs() < 1e-2 * (1.0 + numeric.abs()),
                "{model}, t = {t}: {numeric} vs {}",
                divergence[p]
            );
            let direct = velocity(session, [point[0], point[1]], t);
            assert!((direct[0] - v[2 * p]).abs() < 1e-5 && (direct[1] - v[2 * p + 1]).abs() < 1e-5);
        }
    }
}

fn standard_normal_log_density(x: [f64; 2]) -> f64 {
    -(x[0] * x[0] + x[1] * x[1]) / 2.0 - std::f64::consts::TAU.ln()
}

#[test]
fn the_log_density_is_the_change_of_variables_of_the_flow_map() {
    let session = session(200);
    // The flow map Φ by 400 RK4 steps in f64 on the CPU, and its Jacobian by central
    // differences: log q(Φ(x0)) = log p0(x0) − log |det DΦ(x0)|.
    let flow = |x0: [f64; 2]| {
        let (mut x, steps) = (x0, 400);
        let h = 1.0 / steps as f64;
        for k in 0..steps {
            let t = k as f64 * h;
            let k1 = velocity(&session, x, t);
            let k2 = velocity(
                &session,
                [x[0] + h / 2.0 * k1[0], x[1] + h / 2.0 * k1[1]],
                t + h / 2.0,
            );
            let k3 = velocity(
                &session,
                [x[0] + h / 2.0 * k2[0], x[1] + h / 2.0 * k2[1]],
                t + h / 2.0,
            );
            let k4 = velocity(&session, [x[0] + h * k3[0], x[1] + h * k3[1]], t + h);
            for i in 0..2 {
                x[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
            }
        }
        x
    };
    for x0 in [[0.2, -0.4], [1.3, 0.8], [-0.9, -1.2]] {
        let x1 = flow(x0);
        let e = 1e-3;
        let column = |dx: f64, dy: f64| {
            let (plus, minus) = (
                flow([x0[0] + dx, x0[1] + dy]),
                flow([x0[0] - dx, x0[1] - dy]),
            );
            [
                (plus[0] - minus[0]) / (2.0 * e),
                (plus[1] - minus[1]) / (2.0 * e),
            ]
        };
        let (a, b) = (column(e, 0.0), column(0.0, e));
        let expected = standard_normal_log_density(x0) - (a[0] * b[1] - a[1] * b[0]).abs().ln();
        let found = session.log_density(&points(&[x1]), 100).unwrap()[0];
        assert!(
            (found - expected).abs() < 2e-3,
            "x0 = {x0:?}: {found} vs {expected}"
        );
    }
}

#[test]
fn the_learned_density_integrates_to_one() {
    let mass = mass_at(&session(300), 1.0, 20);
    assert!((mass - 1.0).abs() < 0.02, "total mass {mass}");
}

#[test]
fn likelihoods_need_a_source_with_a_known_density() {
    let mut scene = Scene::from_toml(
        "space = \"plane\"\n[source]\nname = \"moons\"\n[target]\nname = \"gaussian\"\n",
    )
    .unwrap();
    scene.train.steps = 1;
    let session = Session::new(scene, &Device::flex()).unwrap();
    let error = session
        .log_density(&points(&[[0.0, 0.0]]), 10)
        .unwrap_err()
        .to_string();
    assert!(error.contains("no closed-form density"), "{error}");
}

#[test]
fn hutchinson_estimates_are_unbiased_with_honest_standard_errors() {
    use flowscope::flow::Probe;
    let session = session(200);
    let rows = random_rows(3, 150);
    let exact = session.log_density(&points(&rows), 20).unwrap();
    for probe in [Probe::Rademacher, Probe::Gaussian] {
        let (estimate, errors) = session
            .log_density_with(
                &points(&rows),
                Integrator::Rk4 { steps: 20 },
                Estimator::Hutchinson { probes: 24, probe },
            )
            .unwrap();
        let errors = errors.expect("several probes give a standard error");
        // Unbiased: the mean deviation from the exact value is within three of its standard
        // errors. Honest: the deviations' root mean square matches the reported errors'.
        // (Per-point ratios would mislead: a Gaussian probe's εᵀJε is skewed, so its sample
        // mean and spread are correlated.)
        let n = estimate.len() as f64;
        let deviations: Vec<f64> = estimate.iter().zip(&exact).map(|(e, x)| e - x).collect();
        let mean = deviations.iter().sum::<f64>() / n;
        let reported = (errors.iter().map(|s| s * s).sum::<f64>() / n).sqrt();
        let actual = (deviations.iter().map(|d| d * d).sum::<f64>() / n).sqrt();
        assert!(
            mean.abs() < 3.0 * reported / n.sqrt(),
            "{probe:?}: mean deviation {mean} against {reported}/√n"
        );
        assert!(
            (0.75..1.33).contains(&(actual / reported)),
            "{probe:?}: deviations {actual} against reported errors {reported}"
        );
    }
    let error = session
        .log_density_with(
            &points(&rows),
            Integrator::Rk4 { steps: 20 },
            Estimator::Hutchinson {
                probes: 0,
                probe: Probe::Gaussian,
            },
        )
        .unwrap_err()
        .to_string();
    assert!(error.contains("between 1 and 1024"), "{error}");
}

#[test]
fn a_large_batch_shared_among_the_cores_gives_each_point_its_own_log_density() {
    // 1200 points are split among the cores; the same points scored 100 at a time are not.
    let session = session(100);
    let rows = random_rows(9, 1200);
    let whole = session.log_density(&points(&rows), 8).unwrap();
    let pieces: Vec<f64> = rows
        .chunks(100)
        .flat_map(|chunk| session.log_density(&points(chunk), 8).unwrap())
        .collect();
    assert_eq!(whole.len(), 1200);
    for (i, (a, b)) in whole.iter().zip(&pieces).enumerate() {
        assert!((a - b).abs() < 1e-6, "point {i}: {a} against {b}");
    }
}

#[test]
fn a_thousand_single_probe_estimates_average_to_the_exact_trace() {
    // The check of unbiasedness: the mean of 1000 single-probe estimates lies within
    // two of its standard errors of the exact value (at four points together: their summed
    // deviation against its combined standard error).
    use flowscope::flow::Probe;
    let session = session(200);
    let rows = [[0.4, -1.1], [2.2, 0.3], [-1.5, 1.7], [0.0, 0.0]];
    let exact = session.log_density(&points(&rows), 20).unwrap();
    for probe in [Probe::Rademacher, Probe::Gaussian] {
        let (estimate, errors) = session
            .log_density_with(
                &points(&rows),
                Integrator::Rk4 { steps: 20 },
                Estimator::Hutchinson {
                    probes: 1000,
                    probe,
                },
            )
            .unwrap();
        let errors = errors.expect("a thousand probes give a standard error");
        let deviation: f64 = estimate.iter().zip(&exact).map(|(e, x)| e - x).sum();
        let error = errors.iter().map(|s| s * s).sum::<f64>().sqrt();
        assert!(
            deviation.abs() < 2.0 * error,
            "{probe:?}: summed deviation {deviation} against a standard error of {error}"
        );
        // The probes do vary: a standard error of zero would make the check empty.
        assert!(error > 1e-4, "{probe:?}: standard error {error}");
    }
}

/// A scene on `space` from its uniform distribution to `target`, trained for `steps` steps.
fn curved_session(space: &str, target: &str, steps: usize) -> Session {
    let mut scene = Scene::from_toml(&format!(
        "space = \"{space}\"\n[source]\nname = \"uniform\"\n[target]\nname = \"{target}\"\n\
         [model]\nwidth = 32\ndepth = 3\n"
    ))
    .unwrap();
    scene.train.steps = steps;
    let mut session = Session::new(scene, &Device::flex()).unwrap();
    session.train(|_| {}).unwrap();
    session
}

#[test]
fn densities_on_the_torus_and_the_sphere_integrate_to_one() {
    // The torus [0, 2π)² on a 60 × 60 grid of cells.
    let session = curved_session("torus", "wrapped_gaussians", 300);
    let side = 60;
    let cell = std::f64::consts::TAU / side as f64;
    let grid: Vec<[f64; 2]> = (0..side)
        .flat_map(|i| (0..side).map(move |j| [(i as f64 + 0.5) * cell, (j as f64 + 0.5) * cell]))
        .collect();
    let log_q = session.log_density(&points(&grid), 20).unwrap();
    let mass: f64 = log_q.iter().map(|l| l.exp() * cell * cell).sum();
    assert!((mass - 1.0).abs() < 0.02, "torus: total mass {mass}");

    // The sphere on a latitude–longitude grid, each cell weighted by its area.
    let session = curved_session("sphere", "vmf", 300);
    let (rings, segments) = (60, 120);
    let mut rows = Vec::new();
    let mut areas = Vec::new();
    for r in 0..rings {
        let (top, bottom) = (
            std::f64::consts::PI * r as f64 / rings as f64,
            std::f64::consts::PI * (r + 1) as f64 / rings as f64,
        );
        let polar = 0.5 * (top + bottom);
        for s in 0..segments {
            let azimuth = std::f64::consts::TAU * (s as f64 + 0.5) / segments as f64;
            rows.extend([
                polar.sin() * azimuth.cos(),
                polar.sin() * azimuth.sin(),
                polar.cos(),
            ]);
            areas.push((top.cos() - bottom.cos()) * std::f64::consts::TAU / segments as f64);
        }
    }
    let log_q = session
        .log_density(&Points::new(3, rows, None), 20)
        .unwrap();
    let mass: f64 = log_q.iter().zip(&areas).map(|(l, a)| l.exp() * a).sum();
    assert!((mass - 1.0).abs() < 0.02, "sphere: total mass {mass}");
}

#[test]
fn the_torus_divergence_is_the_chart_divergence() {
    // The flat chart: Σᵢ ∂vᵢ/∂θᵢ by central differences in each angle, against the
    // divergence computed through the network's (cos θ, sin θ) features.
    let session = curved_session("torus", "wrapped_gaussians", 100);
    let x = [1.1, 4.0];
    let (_, divergence) = session
        .velocity_and_divergence(&Points::new(2, x.to_vec(), None), 0.5)
        .unwrap();
    let at = |p: [f64; 2]| {
        velocity_at(
            &session.model(),
            SpaceKind::TORUS,
            &Points::new(2, p.to_vec(), None),
            0.5,
            Conditioning::default(),
            session.device(),
        )
        .unwrap()
    };
    let h = 1e-3;
    let numeric = (at([x[0] + h, x[1]])[0] - at([x[0] - h, x[1]])[0]) / (2.0 * h)
        + (at([x[0], x[1] + h])[1] - at([x[0], x[1] - h])[1]) / (2.0 * h);
    assert!(
        (numeric - divergence[0]).abs() < 1e-2 * (1.0 + numeric.abs()),
        "{numeric} vs {}",
        divergence[0]
    );
}

#[test]
fn the_sphere_divergence_is_the_surface_divergence() {
    // Along the surface: finite differences of the tangent field in an orthonormal tangent
    // frame (e1, e2) at x, of the field's components along that frame, moving along great
    // circles.
    let session = curved_session("sphere", "vmf", 100);
    let x = [0.36, 0.48, 0.8];
    let (_, divergence) = session
        .velocity_and_divergence(&Points::new(3, x.to_vec(), None), 0.5)
        .unwrap();
    let e1 = [0.8, -0.6, 0.0];
    let e2 = [
        x[1] * e1[2] - x[2] * e1[1],
        x[2] * e1[0] - x[0] * e1[2],
        x[0] * e1[1] - x[1] * e1[0],
    ];
    let at = |direction: [f64; 3], s: f64| {
        let p: Vec<f64> = (0..3)
            .map(|i| x[i] * s.cos() + direction[i] * s.sin())
            .collect();
        velocity_at(
            &session.model(),
            SpaceKind::SPHERE,
            &Points::new(3, p, None),
            0.5,
            Conditioning::default(),
            session.device(),
        )
        .unwrap()
    };
    let h = 1e-3;
    let dot = |a: &[f64], b: [f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    // Along a great circle the frame vector e1 turns into −x·sin s; the field's component
    // along the transported frame is what the derivative reads.
    let transported = |direction: [f64; 3], s: f64| -> [f64; 3] {
        std::array::from_fn(|i| direction[i] * s.cos() - x[i] * s.sin())
    };
    let numeric = (dot(&at(e1, h), transported(e1, h)) - dot(&at(e1, -h), transported(e1, -h)))
        / (2.0 * h)
        + (dot(&at(e2, h), transported(e2, h)) - dot(&at(e2, -h), transported(e2, -h))) / (2.0 * h);
    assert!(
        (numeric - divergence[0]).abs() < 1e-2 * (1.0 + numeric.abs()),
        "{numeric} vs {}",
        divergence[0]
    );
}

#[test]
fn densities_on_the_hyperbolic_plane_integrate_to_one_over_hyperbolic_area() {
    // A polar grid in hyperbolic radius ρ, each cell of area sinh ρ dρ dθ.
    let (radii, angles, reach) = (140, 90, 7.0);
    let mut rows = Vec::new();
    let mut areas = Vec::new();
    for i in 0..radii {
        let rho = (i as f64 + 0.5) * reach / radii as f64;
        for j in 0..angles {
            let angle = std::f64::consts::TAU * (j as f64 + 0.5) / angles as f64;
            let r = (rho / 2.0).tanh();
            rows.extend([r * angle.cos(), r * angle.sin()]);
            areas.push(rho.sinh() * reach / radii as f64 * std::f64::consts::TAU / angles as f64);
        }
    }
    let grid = Points::new(2, rows, None);
    let source = flowscope::data::log_density(
        SpaceKind::HYPERBOLIC,
        &flowscope::data::DistConfig::named("wrapped_normal"),
    )
    .unwrap()
    .unwrap();
    let mass: f64 = grid
        .iter()
        .zip(&areas)
        .map(|(x, a)| source(x).exp() * a)
        .sum();
    assert!(
        (mass - 1.0).abs() < 0.01,
        "the wrapped normal's mass {mass}"
    );

    let mut scene = Scene::from_toml(
        "space = \"hyperbolic\"\n[source]\nname = \"wrapped_normal\"\n[target]\n\
         name = \"wrapped_mixture\"\n[model]\nwidth = 32\ndepth = 3\n",
    )
    .unwrap();
    scene.train.steps = 300;
    let mut session = Session::new(scene, &Device::flex()).unwrap();
    session.train(|_| {}).unwrap();
    let log_q = session.log_density(&grid, 20).unwrap();
    let mass: f64 = log_q.iter().zip(&areas).map(|(l, a)| l.exp() * a).sum();
    assert!(
        (mass - 1.0).abs() < 0.03,
        "the learned density's mass {mass}"
    );
}

#[test]
fn cloud_divergences_live_on_the_mean_free_subspace() {
    // A plain MLP reads raw coordinates, so it is not translation invariant; the divergence
    // along the mean-free subspace is checked by finite differences in an orthonormal basis of
    // that subspace.
    let mut scene = Scene::from_toml(
        "space = \"cloud\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"dw4\"\n\
         [model]\nnetwork = \"mlp\"\nwidth = 32\ndepth = 2\n",
    )
    .unwrap();
    scene.train.steps = 50;
    let space = scene.space;
    let mut session = Session::new(scene, &Device::flex()).unwrap();
    session.train(|_| {}).unwrap();
    let x = [1.1, 0.3, -0.9, 0.8, 0.2, -1.4, -0.4, 0.3];
    let (_, divergence) = session
        .velocity_and_divergence(&Points::new(8, x.to_vec(), None), 0.5)
        .unwrap();
    // An orthonormal basis of the mean-free subspace by Gram–Schmidt on the centred axes.
    let mut basis: Vec<[f64; 8]> = Vec::new();
    for i in 0..8 {
        let mut u = [0.0; 8];
        u[i] = 1.0;
        for k in 0..2 {
            let mean = (0..4).map(|p| u[p * 2 + k]).sum::<f64>() / 4.0;
            for p in 0..4 {
                u[p * 2 + k] -= mean;
            }
        }
        for b in &basis {
            let overlap: f64 = (0..8).map(|j| u[j] * b[j]).sum();
            for j in 0..8 {
                u[j] -= overlap * b[j];
            }
        }
        let length = u.iter().map(|c| c * c).sum::<f64>().sqrt();
        if length > 1e-6 {
            basis.push(u.map(|c| c / length));
        }
    }
    assert_eq!(basis.len(), 6);
    let at = |shift: &[f64; 8], s: f64| {
        let p: Vec<f64> = (0..8).map(|j| x[j] + s * shift[j]).collect();
        velocity_at(
            &session.model(),
            space,
            &Points::new(8, p, None),
            0.5,
            Conditioning::default(),
            session.device(),
        )
        .unwrap()
    };
    let h = 1e-3;
    let numeric: f64 = basis
        .iter()
        .map(|u| {
            let (plus, minus) = (at(u, h), at(u, -h));
            (0..8).map(|j| u[j] * (plus[j] - minus[j])).sum::<f64>() / (2.0 * h)
        })
        .sum();
    assert!(
        (numeric - divergence[0]).abs() < 1e-2 * (1.0 + numeric.abs()),
        "{numeric} vs {}",
        divergence[0]
    );
}

#[test]
fn an_equivariant_flow_has_an_invariant_likelihood() {
    let gap = |network: &str| {
        let mut scene = Scene::from_toml(&format!(
            "space = \"cloud\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"dw4\"\n\
             [model]\nnetwork = \"{network}\"\nwidth = 16\ndepth = 2\nactivation = \"relu\"\n"
        ))
        .unwrap();
        scene.train.steps = 100;
        scene.eval.points = 40;
        let eval = scene.eval.clone();
        let mut session = Session::new(scene, &Device::flex()).unwrap();
        session.train(|_| {}).unwrap();
        let report = session.likelihood_report(&eval).unwrap().unwrap();
        assert!(report.nll.is_finite() && report.nll_se.is_some());
        report.likelihood_invariance.unwrap()
    };
    let (egnn, mlp) = (gap("egnn"), gap("mlp"));
    assert!(egnn < 1e-3, "EGNN: |log q(g·x) − log q(x)| = {egnn}");
    assert!(mlp > 20.0 * egnn.max(1e-4), "MLP {mlp} against EGNN {egnn}");
}

#[test]
fn adaptive_dopri5_agrees_with_fine_rk4() {
    let session = session(200);
    let rows = random_rows(5, 40);
    let fine = session
        .log_density_with(
            &points(&rows),
            Integrator::Rk4 { steps: 200 },
            Estimator::Exact,
        )
        .unwrap()
        .0;
    let adaptive = session
        .log_density_with(
            &points(&rows),
            Integrator::Dopri5 { tolerance: 1e-5 },
            Estimator::Exact,
        )
        .unwrap()
        .0;
    let worst = fine
        .iter()
        .zip(&adaptive)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 5e-3, "dopri5 differs from RK4-200 by {worst} nats");
    let error = session
        .log_density_with(
            &points(&rows),
            Integrator::Dopri5 { tolerance: 0.0 },
            Estimator::Exact,
        )
        .unwrap_err()
        .to_string();
    assert!(error.contains("tolerance"), "{error}");
}

/// The mass of the model's density at time `t` (`steps` RK4 steps back) over a grid of
/// [−7, 7]², which holds all but a sliver of it.
fn mass_at(session: &Session, t: f64, steps: usize) -> f64 {
    let (side, half) = (90, 7.0);
    let cell = 2.0 * half / side as f64;
    let grid: Vec<[f64; 2]> = (0..side)
        .flat_map(|i| {
            (0..side).map(move |j| {
                [
                    -half + (i as f64 + 0.5) * cell,
                    -half + (j as f64 + 0.5) * cell,
                ]
            })
        })
        .collect();
    let (log_q, _) = session
        .log_density_at(
            &points(&grid),
            t,
            Integrator::Rk4 { steps },
            Estimator::Exact,
        )
        .unwrap();
    log_q.iter().map(|l| l.exp() * cell * cell).sum()
}

#[test]
fn the_density_at_any_time_is_a_density_and_starts_as_the_source() {
    let session = session(300);
    // Halfway, the density view's picture has mass one too.
    for t in [0.5, 1.0] {
        let mass = mass_at(&session, t, 10);
        assert!((mass - 1.0).abs() < 0.03, "mass {mass} at t = {t}");
    }
    // At t = 0 it is the source's: the standard normal.
    let grid = [[0.0, 0.0], [1.0, -2.0], [3.0, 0.5]];
    let (at_zero, _) = session
        .log_density_at(
            &points(&grid),
            0.0,
            Integrator::Rk4 { steps: 10 },
            Estimator::Exact,
        )
        .unwrap();
    for (x, value) in grid.iter().zip(at_zero) {
        assert!((value - standard_normal_log_density(*x)).abs() < 1e-12);
    }
    // Near t = 0 the flow has barely moved.
    let (near_zero, _) = session
        .log_density_at(
            &points(&grid),
            1e-3,
            Integrator::Rk4 { steps: 2 },
            Estimator::Exact,
        )
        .unwrap();
    for (x, value) in grid.iter().zip(near_zero) {
        assert!((value - standard_normal_log_density(*x)).abs() < 0.02);
    }
    let error = session
        .log_density_at(
            &points(&grid),
            1.5,
            Integrator::Rk4 { steps: 2 },
            Estimator::Exact,
        )
        .unwrap_err()
        .to_string();
    assert!(error.contains("(0, 1]"), "{error}");
}

/// A trained scene's held-out NLL and the data's own NLL of the same points.
fn held_out_nll(toml: &str, steps: usize) -> (f64, f64) {
    let mut scene = Scene::from_toml(toml).unwrap();
    scene.train.steps = steps;
    let mut session = Session::new(scene, &Device::flex()).unwrap();
    session.train(|_| {}).unwrap();
    let nll = session.held_out_nll(1000, 50).unwrap().unwrap();
    (
        nll.nll,
        nll.data_nll.expect("the target's density is known"),
    )
}

#[test]
fn uniform_to_uniform_keeps_the_uniform_density() {
    // Uniform to uniform: every coupling's marginal field is zero, so the flow keeps the
    // density 1/area, log 4π on the sphere and log 4π² on the torus.
    for (space, area) in [
        ("sphere", 4.0 * std::f64::consts::PI),
        ("torus", std::f64::consts::TAU.powi(2)),
    ] {
        let (nll, data_nll) = held_out_nll(
            &format!(
                "space = \"{space}\"\n[source]\nname = \"uniform\"\n[target]\nname = \"uniform\"\n\
                 [model]\nwidth = 32\ndepth = 3\n[train]\nbatch = 512\n"
            ),
            400,
        );
        assert!((data_nll - area.ln()).abs() < 1e-12);
        assert!(
            (nll - area.ln()).abs() < 0.01,
            "{space}: NLL {nll}, log area {}",
            area.ln()
        );
    }
}

#[test]
fn gaussian_to_gaussian_learns_the_closed_form_density() {
    // N(0, 1) to N((1, −0.5), 0.7²): an affine map, which the flow learns almost exactly. The
    // model's NLL and the data's, on the same 1000 points, agree to 0.01 nats: the KL left is
    // below the sampling noise of either alone (about 0.03 nats).
    let (nll, data_nll) = held_out_nll(
        "space = \"plane\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"gaussian\"\n\
         std = 0.7\nmean_x = 1.0\nmean_y = -0.5\n[coupling]\nmethod = \"exact\"\nk = 256\n\
         [model]\nwidth = 64\ndepth = 3\n[train]\nbatch = 256\n",
        1500,
    );
    let entropy = 1.0 + (std::f64::consts::TAU * 0.49).ln();
    assert!((data_nll - entropy).abs() < 0.1, "{data_nll} vs {entropy}");
    assert!(
        (nll - data_nll).abs() < 0.01,
        "model NLL {nll}, data NLL {data_nll}"
    );
}

#[test]
fn mlps_on_every_space_but_the_clouds_have_cheap_densities() {
    let cheap = |toml: &str| {
        let scene = Scene::from_toml(toml).unwrap();
        Session::new(scene, &Device::flex())
            .unwrap()
            .density_is_cheap()
    };
    let plane =
        "space = \"plane\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"8gaussians\"\n";
    assert!(cheap(plane), "a plain MLP on the plane takes forward mode");
    assert!(
        cheap(&format!(
            "symmetry = \"d8\"\n{plane}[model]\nnetwork = \"group-averaged\"\n"
        )),
        "a group-averaged model's Jacobian is its copies' turned back"
    );
    assert!(
        cheap("space = \"sphere\"\n[source]\nname = \"uniform\"\n[target]\nname = \"vmf\"\n"),
        "the sphere's surface divergence is in closed form from the Jacobian"
    );
    assert!(
        cheap(
            "space = \"hyperbolic\"\n[source]\nname = \"wrapped_normal\"\n[target]\nname = \"tree\"\n"
        ),
        "the hyperbolic divergence is in closed form from the Jacobian"
    );
    assert!(
        cheap("space = \"mesh\"\n[source]\nname = \"uniform\"\n[target]\nname = \"blob\"\n"),
        "a mesh's divergence is in closed form from the Jacobian"
    );
    assert!(
        !cheap(
            "space = \"cloud\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"dw4\"\n\
             [model]\nnetwork = \"egnn\"\n"
        ),
        "the EGNN takes the backward passes"
    );
}

/// Σₖ eₖ·∂v/∂eₖ by central differences along the orthonormal directions `frame` at `x`.
fn finite_difference_divergence(session: &Session, x: &[f64], frame: &[Vec<f64>], t: f64) -> f64 {
    let space = session.scene().space;
    let h = 1e-3;
    let at = |s: f64, e: &[f64]| {
        let p: Vec<f64> = x.iter().zip(e).map(|(a, b)| a + s * b).collect();
        velocity_at(
            &session.model(),
            space,
            &Points::new(x.len(), p, None),
            t,
            Conditioning::default(),
            session.device(),
        )
        .unwrap()
    };
    frame
        .iter()
        .map(|e| {
            let (ahead, behind) = (at(h, e), at(-h, e));
            (0..x.len())
                .map(|k| e[k] * (ahead[k] - behind[k]) / (2.0 * h))
                .sum::<f64>()
        })
        .sum()
}

#[test]
fn forward_mode_divergences_match_finite_differences_on_every_space() {
    let trained = |toml: &str| {
        let mut scene = Scene::from_toml(toml).unwrap();
        scene.train.steps = 60;
        scene.model.width = 32;
        let mut session = Session::new(scene, &Device::flex()).unwrap();
        assert!(session.density_is_cheap(), "{toml}");
        session.train(|_| {}).unwrap();
        session
    };
    let check =
        |session: &Session, x: &[f64], frame: &[Vec<f64>], extra: &dyn Fn(&[f64]) -> f64| {
            for t in [0.1, 0.6] {
                let (v, divergence) = session
                    .velocity_and_divergence(&Points::new(x.len(), x.to_vec(), None), t)
                    .unwrap();
                let numeric = finite_difference_divergence(session, x, frame, t) + extra(&v);
                assert!(
                    (numeric - divergence[0]).abs() < 1e-2 * (1.0 + numeric.abs()),
                    "{:?} at {x:?}, t = {t}: {numeric} by differences, {} by forward mode",
                    session.scene().space,
                    divergence[0]
                );
            }
        };
    let axes = |d: usize| -> Vec<Vec<f64>> {
        (0..d)
            .map(|k| (0..d).map(|j| f64::from(u8::from(j == k))).collect())
            .collect()
    };
    let none = |_: &[f64]| 0.0;

    // The plane's D4-averaged MLP.
    let averaged = trained(
        "symmetry = \"d4\"\nspace = \"plane\"\n[source]\nname = \"gaussian\"\n\
         [target]\nname = \"checkerboard\"\n[model]\nnetwork = \"group-averaged\"\n",
    );
    for x in [[0.3, -0.7], [1.5, 0.2]] {
        check(&averaged, &x, &axes(2), &none);
    }

    // The Poincaré disk: the chart's trace plus the area element's 4 v·x/(1 − |x|²).
    let disk = trained(
        "space = \"hyperbolic\"\n[source]\nname = \"wrapped_normal\"\n\
         [target]\nname = \"wrapped_mixture\"\n",
    );
    for x in [[0.2, -0.3], [-0.6, 0.5]] {
        let growth =
            move |v: &[f64]| 4.0 * (v[0] * x[0] + v[1] * x[1]) / (1.0 - x[0] * x[0] - x[1] * x[1]);
        check(&disk, &x, &axes(2), &growth);
    }

    // A maze's floor, and a curved mesh along its face's plane.
    let floor =
        trained("space = \"mesh\"\n[source]\nname = \"uniform\"\n[target]\nname = \"blob\"\n");
    let maze = flowscope::space::mesh_of(floor.scene().space).unwrap();
    let mut rng = flowscope::rng::Rng::new(3);
    for _ in 0..2 {
        let p = maze.position(maze.mesh().random_point(&mut rng));
        check(&floor, &[p.x, p.y], &axes(2), &none);
    }
    let surface = trained(
        "space = \"mesh\"\n[mesh]\nname = \"bumpy-sphere\"\neigenpairs = 30\n\
         [source]\nname = \"uniform\"\n[target]\nname = \"blob\"\n",
    );
    let bumpy = flowscope::space::mesh_of(surface.scene().space).unwrap();
    for _ in 0..2 {
        // Inside a face, away from its edges, so that every evaluation reads the same normal.
        let mut point = bumpy.mesh().random_point(&mut rng);
        point.bary = [0.4, 0.3, 0.3];
        let p = bumpy.position(point);
        let [a, b, c] = bumpy.mesh().corners(point.face);
        let e1 = (b - a).normalize();
        let e2 = (b - a).cross(c - a).normalize().cross(e1);
        check(
            &surface,
            &[p.x, p.y, p.z],
            &[e1.to_array().to_vec(), e2.to_array().to_vec()],
            &none,
        );
    }
}

/// The window's worker with the density view on: fresh densities keep arriving while it
/// trains, and training goes on between them.
#[test]
fn a_live_density_view_refreshes_while_training_goes_on() {
    use flowscope::session::Turns;
    use flowscope::session::live::{Command, LiveSession, Start};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    let mut scene = Scene::from_toml(
        "space = \"plane\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"8gaussians\"\n",
    )
    .unwrap();
    scene.train.steps = 1_000_000;
    scene.train.batch = 128;
    scene.eval.points = 200;
    let live = LiveSession::start(
        Start::Fresh(Box::new(scene)),
        Device::flex(),
        &Turns::default(),
        || {},
    )
    .unwrap();
    let (side, min, max) = (32u32, glam::Vec2::splat(-4.0), glam::Vec2::splat(4.0));
    let request =
        flowscope::render::density_request(SpaceKind::PLANE, min, max, side, 1.0, 4).unwrap();
    live.send(Command::Density(Some(Arc::new(request))));
    live.send(Command::Play);
    let (mut density_steps, mut cheap) = (Vec::new(), false);
    let deadline = Instant::now() + Duration::from_secs(120);
    while density_steps.len() < 4 && Instant::now() < deadline {
        for snapshot in live.receive() {
            cheap = snapshot.cheap_density;
            if let Some(density) = &snapshot.model_density {
                assert_eq!(density.log_density.len(), (side * side) as usize);
                assert!(density.log_density.iter().all(|v| v.is_finite()));
                if density_steps.last() != Some(&density.step) {
                    density_steps.push(density.step);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(cheap, "the plane's MLP is marked cheap");
    assert_eq!(
        density_steps.len(),
        4,
        "densities arrived: {density_steps:?}"
    );
    assert!(
        density_steps.windows(2).all(|pair| pair[1] > pair[0] + 10),
        "training went on between densities: {density_steps:?}"
    );
}
