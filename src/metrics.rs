//! Sample-quality and path metrics (definitions in DESIGN.md).

use serde::Serialize;

use crate::coupling::{matched_cost, mean_pair_cost, optimal_assignment};
use crate::data::{ParticleSystem, Points};
use crate::geometry::Cloud;
use crate::rng::Rng;
use crate::space::SpaceKind;
use crate::{Error, Result};

/// Exact W2 between equal-size samples: sqrt(min_σ mean c(a_i, b_σ(i))), c = squared geodesic
/// distance.
pub fn w2(space: SpaceKind, a: &Points, b: &Points) -> Result<f64> {
    Ok(w2_squared(space, a, b)?.sqrt())
}

/// Squared W2 between equal-size samples.
pub fn w2_squared(space: SpaceKind, a: &Points, b: &Points) -> Result<f64> {
    if a.len() != b.len() {
        return Err(Error::invalid(format!(
            "W2 between samples needs equal sizes, got {} and {} points",
            a.len(),
            b.len()
        )));
    }
    if !a.data().iter().chain(b.data()).all(|x| x.is_finite()) {
        return Err(Error::invalid(
            "W2 needs finite points, but the samples hold NaN or infinity",
        ));
    }
    let assignment = optimal_assignment(space, a, b);
    Ok(matched_cost(space, a, b, &assignment))
}

/// Energy distance 2E d(X,Y) − E d(X,X') − E d(Y,Y') with geodesic distance d (V-statistic).
/// Equal-size samples go through the space's cost matrices (on every core, and on a mesh from
/// each point's spectral coordinates found once rather than once per pair).
pub fn energy_distance(space: SpaceKind, a: &Points, b: &Points) -> f64 {
    let geometry = space.geometry();
    let mean_distance = |p: &Points, q: &Points| {
        if p.len() == q.len() && !p.is_empty() {
            let costs = crate::coupling::CostMatrix::squared_geodesic(space, p, q);
            let n = p.len();
            let total: f64 = (0..n)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .map(|(i, j)| f64::from(costs.get(i, j)).max(0.0).sqrt())
                .sum();
            return total / (n * n) as f64;
        }
        let mut total = 0.0;
        for x in p.iter() {
            for y in q.iter() {
                total += geometry.distance(x, y);
            }
        }
        total / (p.len() * q.len()).max(1) as f64
    };
    (2.0 * mean_distance(a, b) - mean_distance(a, a) - mean_distance(b, b)).max(0.0)
}

/// The evaluation report of a trained model.
#[derive(Debug, Clone, Serialize)]
pub struct FlowMetrics {
    /// W2 between generated and held-out target samples.
    pub w2: f64,
    pub energy_distance: f64,
    /// E ∫|v(x_t, t)|² dt along the learned ODE.
    pub path_energy: f64,
    /// E ∫|v(x_t, t)| dt along the learned ODE: how far particles travel.
    pub path_length: f64,
    /// |PE − W2²(source, target)| / W2²(source, target).
    pub npe: f64,
    /// E[∫|ẋ|² dt − d(x0, x1)²]: 0 exactly when every path is a constant-speed geodesic.
    pub straightness: f64,
    /// E d(x0, ψ1(x0))².
    pub transport_cost: f64,
    /// W2 between the held-out source and target samples (the scale NPE is relative to).
    pub source_target_w2: f64,
    /// Network evaluations per particle.
    pub nfe: usize,
}

/// Evaluates a flow from its pushed-forward held-out source: `start` (x0), `end` (ψ1(x0)),
/// its path energy and NFE, against a held-out `target`.
pub fn evaluate_flow(
    space: SpaceKind,
    start: &Points,
    end: &Points,
    target: &Points,
    path_energy: f64,
    path_length: f64,
    nfe: usize,
) -> Result<FlowMetrics> {
    let reference = w2_squared(space, start, target)?;
    let transport_cost = mean_pair_cost(space, start, end);
    // NPE and straightness weigh the path energy against squared distances; a mesh's premetric
    // is not the length of a path (metrics.json reports its geodesic W2 instead).
    let comparable = crate::space::mesh_of(space).is_none_or(|mesh| mesh.premetric().is_none());
    Ok(FlowMetrics {
        w2: w2(space, end, target)?,
        energy_distance: energy_distance(space, end, target),
        path_energy,
        path_length,
        npe: if reference > 0.0 && comparable {
            (path_energy - reference).abs() / reference
        } else {
            f64::NAN
        },
        straightness: if comparable {
            (path_energy - transport_cost).max(0.0)
        } else {
            f64::NAN
        },
        transport_cost,
        source_target_w2: reference.sqrt(),
        nfe,
    })
}

/// Fraction of `samples` that land in the region of the label they asked for: sample i counts
/// when the nearest point of the labelled `reference` sample carries `requested[i]`.
pub fn label_fraction(
    space: SpaceKind,
    samples: &Points,
    requested: &[u32],
    reference: &Points,
) -> Result<f64> {
    let labels = reference.labels().ok_or_else(|| {
        Error::invalid("the fraction in the requested label's region needs a labelled target")
    })?;
    if samples.is_empty() || reference.is_empty() || requested.len() != samples.len() {
        return Err(Error::invalid(
            "the label fraction needs samples, a label per sample and a reference sample",
        ));
    }
    let geometry = space.geometry();
    let hits = samples
        .iter()
        .zip(requested)
        .filter(|(x, asked)| {
            let nearest = reference
                .iter()
                .map(|r| geometry.squared_distance(x, r))
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map_or(0, |(i, _)| i);
            labels[nearest] == **asked
        })
        .count();
    Ok(hits as f64 / samples.len() as f64)
}

/// Sample diversity: the mean geodesic distance between distinct samples (of the first 500).
pub fn diversity(space: SpaceKind, samples: &Points) -> f64 {
    let geometry = space.geometry();
    let n = samples.len().min(500);
    let mut total = 0.0;
    for i in 0..n {
        for j in i + 1..n {
            total += geometry.distance(samples.point(i), samples.point(j));
        }
    }
    let pairs = n * n.saturating_sub(1) / 2;
    if pairs == 0 {
        0.0
    } else {
        total / pairs as f64
    }
}

/// How well a flow restores clean points from their noisy observations.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Restoration {
    /// E d(ψ1(X0), X1): geodesic distance between each restored point and its own clean point.
    pub error: f64,
    /// W2 between the restored and the clean sample.
    pub w2: f64,
}

/// Scores `restored` = ψ1(X0) against the clean points `clean` they were observed from.
pub fn restoration(space: SpaceKind, restored: &Points, clean: &Points) -> Result<Restoration> {
    let geometry = space.geometry();
    let error = restored
        .iter()
        .zip(clean.iter())
        .map(|(a, b)| geometry.distance(a, b))
        .sum::<f64>()
        / restored.len().max(1) as f64;
    Ok(Restoration {
        error,
        w2: w2(space, restored, clean)?,
    })
}

/// W1 between two samples of numbers (their histograms): ∫|F_a − F_b|, exact for the
/// empirical distribution functions, whatever the sample sizes.
pub fn w1_1d(a: &[f64], b: &[f64]) -> f64 {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    w1_sorted(&a, &b)
}

/// [`w1_1d`] of two samples already in ascending order.
pub fn w1_sorted(a: &[f64], b: &[f64]) -> f64 {
    let na = a.len() as f64;
    w1_merge(a, |i| i as f64 / na, b)
}

/// ∫|F_a − F_b| for ascending `a` and `b`, where `cdf_a(i)` is the mass of `a`'s first i values
/// (i/n unweighted) and `b` is unweighted.
fn w1_merge(a: &[f64], cdf_a: impl Fn(usize) -> f64, b: &[f64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return f64::NAN;
    }
    let nb = b.len() as f64;
    let (mut i, mut j) = (0, 0);
    let mut previous = a[0].min(b[0]);
    let mut total = 0.0;
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        total += (cdf_a(i) - j as f64 / nb).abs() * (next - previous);
        while i < a.len() && a[i] <= next {
            i += 1;
        }
        while j < b.len() && b[j] <= next {
            j += 1;
        }
        previous = next;
    }
    total
}

/// Every interparticle distance of every configuration of `samples`.
pub fn interparticle_distances(cloud: Cloud, samples: &Points) -> Vec<f64> {
    samples
        .iter()
        .flat_map(|x| cloud.distances(x).collect::<Vec<_>>())
        .collect()
}

/// W1 between the interparticle-distance histograms of two samples of clouds.
pub fn distance_w1(cloud: Cloud, a: &Points, b: &Points) -> f64 {
    w1_1d(
        &interparticle_distances(cloud, a),
        &interparticle_distances(cloud, b),
    )
}

/// Each configuration's energy under `system`.
pub fn energies(system: &ParticleSystem, samples: &Points) -> Vec<f64> {
    samples
        .iter()
        .map(|x| (system.energy)(&system.cloud, x))
        .collect()
}

/// W1 between the energy histograms of two samples of clouds.
pub fn energy_w1(system: &ParticleSystem, a: &Points, b: &Points) -> f64 {
    w1_1d(&energies(system, a), &energies(system, b))
}

/// Resamples behind a bootstrap standard error: its own relative error is about 1/√(2·100),
/// 7 %, enough to tell noise from a difference.
pub const BOOTSTRAP_RESAMPLES: usize = 100;

/// The bootstrap standard error of [`w1_1d`] between two samples of configurations that
/// contribute `per_configuration` consecutive values each (one energy, or every interparticle
/// distance): the spread of the W1 when whole configurations of both samples are drawn again
/// with replacement. A heavy-tailed histogram, as a model's energies often are, makes the W1 of
/// 1000 configurations swing by far more than the target's own sampling floor.
pub fn w1_standard_error(a: &[f64], b: &[f64], per_configuration: usize, rng: &mut Rng) -> f64 {
    let group = per_configuration.max(1);
    if a.len() < 2 * group || b.len() < 2 * group {
        return f64::NAN;
    }
    let (mut ra, mut rb) = (Vec::with_capacity(a.len()), Vec::with_capacity(b.len()));
    spread((0..BOOTSTRAP_RESAMPLES).map(|_| {
        resample(a, group, rng, &mut ra);
        resample(b, group, rng, &mut rb);
        w1_1d(&ra, &rb)
    }))
}

/// [`w1_standard_error`] with the reference sample held fixed (ascending): the spread over
/// redraws of `a`'s configurations alone, for a reference far larger than `a` (the window's
/// target histogram against a run's few hundred displayed samples).
pub fn w1_standard_error_against(
    a: &[f64],
    sorted_reference: &[f64],
    per_configuration: usize,
    rng: &mut Rng,
) -> f64 {
    let group = per_configuration.max(1);
    if a.len() < 2 * group || sorted_reference.is_empty() {
        return f64::NAN;
    }
    // A resample only changes how often each configuration counts: `a` is sorted once, each
    // value with its configuration, and every resample reweights it (no sort per resample).
    let configurations = a.len() / group;
    let mut order: Vec<(f64, usize)> = a[..configurations * group]
        .iter()
        .enumerate()
        .map(|(i, &value)| (value, i / group))
        .collect();
    order.sort_by(|x, y| x.0.total_cmp(&y.0));
    let (values, owners): (Vec<f64>, Vec<usize>) = order.into_iter().unzip();
    let mut counts = vec![0u32; configurations];
    let mut cumulative = vec![0.0; values.len() + 1];
    let value_weight = 1.0 / (configurations * group) as f64;
    spread((0..BOOTSTRAP_RESAMPLES).map(|_| {
        counts.fill(0);
        for _ in 0..configurations {
            counts[rng.below(configurations)] += 1;
        }
        for (i, &owner) in owners.iter().enumerate() {
            cumulative[i + 1] = cumulative[i] + counts[owner] as f64 * value_weight;
        }
        w1_merge(&values, |i| cumulative[i], sorted_reference)
    }))
}

/// As many configurations as `values` holds (`group` consecutive values each), drawn from it
/// with replacement, into `out`.
fn resample(values: &[f64], group: usize, rng: &mut Rng, out: &mut Vec<f64>) {
    let configurations = values.len() / group;
    out.clear();
    for _ in 0..configurations {
        let c = rng.below(configurations);
        out.extend_from_slice(&values[c * group..][..group]);
    }
}

/// The sample standard deviation of the estimates.
fn spread(estimates: impl Iterator<Item = f64>) -> f64 {
    let estimates: Vec<f64> = estimates.collect();
    let mean = estimates.iter().sum::<f64>() / estimates.len() as f64;
    let variance = estimates
        .iter()
        .map(|e| (e - mean) * (e - mean))
        .sum::<f64>()
        / (estimates.len() - 1) as f64;
    variance.sqrt()
}

/// The bootstrap standard error of [`distance_w1`].
pub fn distance_w1_standard_error(cloud: Cloud, a: &Points, b: &Points, rng: &mut Rng) -> f64 {
    let pairs = cloud.n * (cloud.n - 1) / 2;
    w1_standard_error(
        &interparticle_distances(cloud, a),
        &interparticle_distances(cloud, b),
        pairs,
        rng,
    )
}

/// The bootstrap standard error of [`energy_w1`].
pub fn energy_w1_standard_error(
    system: &ParticleSystem,
    a: &Points,
    b: &Points,
    rng: &mut Rng,
) -> f64 {
    w1_standard_error(&energies(system, a), &energies(system, b), 1, rng)
}

/// W2 between equal-size samples of a mesh under its geodesic distance (heat method), whatever
/// premetric the space's couplings use: the same yardstick for every premetric and for the
/// euclidean baseline (whose points off the floor count from the nearest point of it).
pub fn geodesic_w2(
    space: &crate::geometry::mesh::MeshSpace,
    a: &Points,
    b: &Points,
) -> Result<f64> {
    if a.len() != b.len() {
        return Err(Error::invalid(format!(
            "W2 between samples needs equal sizes, got {} and {} points",
            a.len(),
            b.len()
        )));
    }
    let n = a.len();
    let costs = space.squared_geodesic_costs(a, b);
    let matrix = crate::coupling::CostMatrix::from_values(n, costs);
    let assignment = crate::coupling::solve_assignment(&matrix);
    let total: f64 = assignment
        .iter()
        .enumerate()
        .map(|(i, &j)| matrix.get(i, j) as f64)
        .sum();
    Ok((total / n.max(1) as f64).sqrt())
}
