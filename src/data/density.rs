//! Closed-form log-densities, the pieces the dataset tables build theirs from: mixtures of
//! isotropic Gaussians, of wrapped normals on the torus and of von Mises–Fisher distributions
//! on the sphere, and uniform densities on a region. They give the target's own cross-entropy
//! beside a model's NLL (the gap is the model's KL) and the true density beside the model's.

use std::f64::consts::TAU;

use super::dataset::LogDensity;

/// log Σ exp(values), without overflow; −∞ for no values.
pub(crate) fn log_sum_exp(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let peak = values.clone().fold(f64::NEG_INFINITY, f64::max);
    if !peak.is_finite() {
        return peak;
    }
    peak + values.map(|v| (v - peak).exp()).sum::<f64>().ln()
}

/// Log-weights normalised to sum to one.
fn log_weights(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    weights.iter().map(|w| (w / total).ln()).collect()
}

/// A mixture of Gaussians N(centre, std² I) in as many dimensions as the centres have.
pub(crate) fn gaussian_mixture(centres: Vec<Vec<f64>>, weights: &[f64], std: f64) -> LogDensity {
    let dim = centres.first().map_or(0, Vec::len) as f64;
    let variance = std * std;
    let normaliser = 0.5 * dim * (TAU * variance).ln();
    let log_weights = log_weights(weights);
    Box::new(move |x: &[f64]| {
        let terms = centres.iter().zip(&log_weights).map(|(centre, w)| {
            let squared: f64 = x.iter().zip(centre).map(|(a, b)| (a - b) * (a - b)).sum();
            w - squared / (2.0 * variance) - normaliser
        });
        log_sum_exp(terms)
    })
}

/// A mode of a wrapped-normal mixture on the torus: centre and standard deviation per angle.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WrappedMode {
    pub centre: [f64; 2],
    pub std: [f64; 2],
}

/// A mixture of wrapped normals on [0, 2π)²: each angle's normal summed over its windings
/// (enough that the ones left out weigh less than e⁻⁵⁰).
pub(crate) fn wrapped_mixture(modes: Vec<WrappedMode>, weights: &[f64]) -> LogDensity {
    let log_weights = log_weights(weights);
    Box::new(move |x: &[f64]| {
        let terms = modes.iter().zip(&log_weights).map(|(mode, w)| {
            let per_angle = (0..2).map(|a| {
                let std = mode.std[a];
                let windings = (10.0 * std / TAU).ceil() as i64 + 1;
                let normaliser = 0.5 * (TAU * std * std).ln();
                log_sum_exp((-windings..=windings).map(|k| {
                    let offset = x[a] - mode.centre[a] + k as f64 * TAU;
                    -offset * offset / (2.0 * std * std) - normaliser
                }))
            });
            w + per_angle.sum::<f64>()
        });
        log_sum_exp(terms)
    })
}

/// An equal mixture of von Mises–Fisher distributions on S² with concentration κ:
/// κ/(4π sinh κ)·exp(κ μ·x), written to stay finite for large κ.
pub(crate) fn vmf_mixture(centres: Vec<[f64; 3]>, kappa: f64) -> LogDensity {
    // log(κ/(4π sinh κ)) = log κ − log 2π − κ − log(1 − e^{−2κ}).
    let normaliser = kappa.ln() - TAU.ln() - kappa - (-(-2.0 * kappa).exp()).ln_1p();
    let log_weight = -(centres.len() as f64).ln();
    Box::new(move |x: &[f64]| {
        log_sum_exp(centres.iter().map(|mu| {
            let cosine = mu[0] * x[0] + mu[1] * x[1] + mu[2] * x[2];
            log_weight + normaliser + kappa * cosine
        }))
    })
}

/// The uniform density on the region where `inside` holds, of area (or volume) `area`; −∞
/// elsewhere.
pub(crate) fn uniform_on(
    area: f64,
    inside: impl Fn(&[f64]) -> bool + Send + Sync + 'static,
) -> LogDensity {
    let value = -area.ln();
    Box::new(move |x: &[f64]| if inside(x) { value } else { f64::NEG_INFINITY })
}
