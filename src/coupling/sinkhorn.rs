//! Entropic OT between two uniform samples by log-domain Sinkhorn iterations.

use super::CostMatrix;
use crate::rng::Rng;

/// Iterations stop when the row marginals are within this L1 distance of uniform.
const MARGINAL_TOLERANCE: f64 = 1e-6;
const MAX_ITERATIONS: usize = 5000;

/// The entropic plan π_ij = exp((f_i + g_j − c_ij)/ε) / n² between two uniform samples.
pub struct SinkhornPlan {
    n: usize,
    epsilon: f64,
    f: Vec<f64>,
    g: Vec<f64>,
    /// L1 distance of the row marginals to uniform when the iterations stopped.
    pub marginal_error: f64,
    pub iterations: usize,
}

/// log Σ exp(values), stable.
fn log_sum_exp(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let max = values.clone().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + values.map(|v| (v - max).exp()).sum::<f64>().ln()
}

impl SinkhornPlan {
    /// Runs Sinkhorn to convergence (or the iteration cap) with regularisation `epsilon`.
    pub fn solve(cost: &CostMatrix, epsilon: f64) -> Self {
        let n = cost.n();
        let log_n = (n as f64).ln();
        let mut f = vec![0.0; n];
        let mut g = vec![0.0; n];
        let mut column = vec![0.0; n];
        let mut marginal_error = f64::INFINITY;
        let mut iterations = 0;
        while iterations < MAX_ITERATIONS {
            iterations += 1;
            // f_i = ε log n − ε log Σ_j exp((g_j − c_ij)/ε), so that row i sums to 1/n.
            for (i, fi) in f.iter_mut().enumerate() {
                let row = cost.row(i);
                let lse = log_sum_exp(
                    row.iter()
                        .zip(&g)
                        .map(|(&c, &gj)| (gj - c as f64) / epsilon),
                );
                *fi = epsilon * (log_n - lse);
            }
            for (j, gj) in g.iter_mut().enumerate() {
                for (i, (value, fi)) in column.iter_mut().zip(&f).enumerate() {
                    *value = (fi - cost.get(i, j) as f64) / epsilon;
                }
                let lse = log_sum_exp(column.iter().copied());
                *gj = epsilon * (log_n - lse);
            }
            // Columns are exact after the g update; measure the rows.
            marginal_error = (0..n)
                .map(|i| {
                    let row = cost.row(i);
                    let mass: f64 = row
                        .iter()
                        .zip(&g)
                        .map(|(&c, &gj)| ((f[i] + gj - c as f64) / epsilon).exp())
                        .sum::<f64>()
                        / (n as f64 * n as f64);
                    (mass - 1.0 / n as f64).abs()
                })
                .sum();
            if marginal_error < MARGINAL_TOLERANCE {
                break;
            }
        }
        Self {
            n,
            epsilon,
            f,
            g,
            marginal_error,
            iterations,
        }
    }

    /// π_ij.
    pub fn plan(&self, cost: &CostMatrix, i: usize, j: usize) -> f64 {
        ((self.f[i] + self.g[j] - cost.get(i, j) as f64) / self.epsilon).exp()
            / (self.n as f64 * self.n as f64)
    }

    /// For each row, a column drawn from the plan's conditional π(· | i).
    pub fn sample_columns(&self, cost: &CostMatrix, rng: &mut Rng) -> Vec<usize> {
        let n = self.n;
        let mut weights = vec![0.0; n];
        (0..n)
            .map(|i| {
                let mut total = 0.0;
                for (j, w) in weights.iter_mut().enumerate() {
                    total += self.plan(cost, i, j);
                    *w = total;
                }
                let target = rng.uniform() * total;
                weights.partition_point(|&c| c <= target).min(n - 1)
            })
            .collect()
    }
}
