//! The closed-form densities behind the data's own NLL and the true-density view: each has
//! mass one on its space, and each describes the points its sampler draws (the mean
//! log-density of draws is the density's entropy, computed by quadrature).

use std::f64::consts::{PI, TAU};

use flowscope::data::{DistConfig, LogDensity, build_sampler, log_density};
use flowscope::rng::Rng;
use flowscope::space::SpaceKind;

/// Cell centres and areas of a quadrature over one space.
type Quadrature = Vec<(Vec<f64>, f64)>;

/// The square [−half, half]² in cells of side `step`.
fn plane_cells(half: f64, step: f64) -> Quadrature {
    let n = (2.0 * half / step).round() as usize;
    let mut cells = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            let x = -half + (i as f64 + 0.5) * step;
            let y = -half + (j as f64 + 0.5) * step;
            cells.push((vec![x, y], step * step));
        }
    }
    cells
}

/// [0, 2π)² in n × n cells.
fn torus_cells(n: usize) -> Quadrature {
    let step = TAU / n as f64;
    let mut cells = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            let point = vec![(i as f64 + 0.5) * step, (j as f64 + 0.5) * step];
            cells.push((point, step * step));
        }
    }
    cells
}

/// The sphere in latitude–longitude cells, each weighted by its exact area.
fn sphere_cells(lat: usize, lon: usize) -> Quadrature {
    let mut cells = Vec::with_capacity(lat * lon);
    for i in 0..lat {
        let (a, b) = (
            -PI / 2.0 + PI * i as f64 / lat as f64,
            -PI / 2.0 + PI * (i + 1) as f64 / lat as f64,
        );
        let area = (b.sin() - a.sin()) * TAU / lon as f64;
        let centre = 0.5 * (a + b);
        for j in 0..lon {
            let phi = TAU * (j as f64 + 0.5) / lon as f64;
            let point = vec![
                centre.cos() * phi.cos(),
                centre.cos() * phi.sin(),
                centre.sin(),
            ];
            cells.push((point, area));
        }
    }
    cells
}

/// ∫ p and −∫ p log p over the cells.
fn mass_and_entropy(density: &LogDensity, cells: &Quadrature) -> (f64, f64) {
    let (mut mass, mut entropy) = (0.0, 0.0);
    for (point, area) in cells {
        let log_p = density(point);
        if log_p.is_finite() {
            let p = log_p.exp();
            mass += p * area;
            entropy -= p * log_p * area;
        }
    }
    (mass, entropy)
}

/// Checks mass one within `mass_tolerance`, and that the mean log-density of 20 000 draws is
/// the quadrature's entropy within four standard errors (plus the quadrature's own error).
fn check(space: SpaceKind, config: DistConfig, cells: &Quadrature, mass_tolerance: f64) {
    let name = config.name.clone();
    let density = log_density(space, &config)
        .unwrap()
        .unwrap_or_else(|| panic!("{name} on the {} has a density", space.name()));
    let (mass, entropy) = mass_and_entropy(&density, cells);
    assert!(
        (mass - 1.0).abs() < mass_tolerance,
        "{name} on the {}: mass {mass}",
        space.name()
    );
    let draws = build_sampler(space, &config)
        .unwrap()
        .sample(20_000, &mut Rng::new(7));
    let values: Vec<f64> = draws.iter().map(&density).collect();
    assert!(
        values.iter().all(|v| v.is_finite()),
        "{name}: a draw where the density is zero"
    );
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let spread = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let tolerance = 4.0 * spread / n.sqrt() + 2.0 * mass_tolerance;
    assert!(
        (-mean - entropy).abs() < tolerance,
        "{name} on the {}: draws give entropy {}, quadrature {entropy} (±{tolerance})",
        space.name(),
        -mean
    );
}

#[test]
fn plane_densities_have_mass_one_and_describe_their_draws() {
    let cells = plane_cells(10.0, 0.02);
    for name in ["gaussian", "8gaussians", "25gaussians", "checkerboard"] {
        check(SpaceKind::PLANE, DistConfig::named(name), &cells, 2e-3);
    }
    let mut shifted = DistConfig::named("gaussian");
    shifted.params.insert("mean_x".into(), 2.0);
    shifted.params.insert("std".into(), 0.5);
    check(SpaceKind::PLANE, shifted, &cells, 2e-3);
    // 8gaussians' modes barely overlap: log 8 plus a Gaussian's entropy with variance 0.1.
    let density = log_density(SpaceKind::PLANE, &DistConfig::named("8gaussians"))
        .unwrap()
        .unwrap();
    let (_, entropy) = mass_and_entropy(&density, &cells);
    let separated = 8f64.ln() + (TAU * std::f64::consts::E * 0.1).ln();
    assert!(
        (entropy - separated).abs() < 1e-3,
        "{entropy} vs {separated}"
    );
}

#[test]
fn sphere_and_torus_densities_have_mass_one_and_describe_their_draws() {
    let sphere = sphere_cells(400, 800);
    for name in ["uniform", "vmf", "checkerboard"] {
        check(SpaceKind::SPHERE, DistConfig::named(name), &sphere, 3e-3);
    }
    let torus = torus_cells(600);
    for name in [
        "uniform",
        "wrapped_gaussians",
        "checkerboard",
        "ramachandran",
    ] {
        check(SpaceKind::TORUS, DistConfig::named(name), &torus, 3e-3);
    }
    // The uniform densities are the areas' reciprocals.
    let uniform = |space| {
        log_density(space, &DistConfig::named("uniform"))
            .unwrap()
            .unwrap()
    };
    assert!((uniform(SpaceKind::SPHERE)(&[0.0, 0.0, 1.0]) + (4.0 * PI).ln()).abs() < 1e-12);
    assert!((uniform(SpaceKind::TORUS)(&[1.0, 2.0]) + (TAU * TAU).ln()).abs() < 1e-12);
}

#[test]
fn distributions_without_a_closed_form_have_no_density() {
    for name in ["moons", "spirals"] {
        assert!(
            log_density(SpaceKind::PLANE, &DistConfig::named(name))
                .unwrap()
                .is_none(),
            "{name}"
        );
    }
    let mut point_mass = DistConfig::named("gaussian");
    point_mass.params.insert("std".into(), 0.0);
    assert!(
        log_density(SpaceKind::PLANE, &point_mass)
            .unwrap()
            .is_none()
    );
}
