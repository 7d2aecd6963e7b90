//! Entropic OT between two uniform samples by log-domain Sinkhorn iterations.

use super::CostMatrix;
use crate::rng::Rng;

/// Iterations stop when the row marginals are within this L1 distance of uniform.
const MARGINAL_TOLERANCE: f64 = 1e-5;
const MAX_ITERATIONS: usize = 5000;
/// Iterations allowed to each warm-up stage of ε-scaling.
const STAGE_ITERATIONS: usize = 200;
/// The marginals are measured every this many iterations (a check costs one iteration).
const CHECK_EVERY: usize = 5;

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
    /// Runs Sinkhorn with regularisation `epsilon` until the row marginals are within
    /// `MARGINAL_TOLERANCE` of uniform (or the iteration cap).
    ///
    /// ε-scaling: a few stages at 64ε, 16ε and 4ε warm-start the potentials, which cuts the
    /// iterations a small ε needs from thousands to tens.
    pub fn solve(cost: &CostMatrix, epsilon: f64) -> Self {
        let n = cost.n();
        let mut plan = Self {
            n,
            epsilon,
            f: vec![0.0; n],
            g: vec![0.0; n],
            marginal_error: f64::INFINITY,
            iterations: 0,
        };
        for factor in [64.0, 16.0, 4.0] {
            plan.epsilon = epsilon * factor;
            plan.iterate(cost, 1e-3, STAGE_ITERATIONS);
        }
        plan.epsilon = epsilon;
        plan.iterate(cost, MARGINAL_TOLERANCE, MAX_ITERATIONS);
        plan
    }

    /// Sinkhorn updates at the current ε until the row marginals are within `tolerance`
    /// (checked every few iterations) or `max_iterations` have run.
    fn iterate(&mut self, cost: &CostMatrix, tolerance: f64, max_iterations: usize) {
        let n = self.n;
        let epsilon = self.epsilon;
        let log_n = (n as f64).ln();
        let mut column_max = vec![0.0; n];
        let mut column_sum = vec![0.0; n];
        for iteration in 1..=max_iterations {
            self.iterations += 1;
            // f_i = ε log n − ε log Σ_j exp((g_j − c_ij)/ε), so that row i sums to 1/n.
            for (i, fi) in self.f.iter_mut().enumerate() {
                let lse = log_sum_exp(
                    cost.row(i)
                        .iter()
                        .zip(&self.g)
                        .map(|(&c, &gj)| (gj - c as f64) / epsilon),
                );
                *fi = epsilon * (log_n - lse);
            }
            // g_j likewise for the columns, accumulated row by row (the matrix is row-major)
            // with a running maximum per column for stability.
            column_max.fill(f64::NEG_INFINITY);
            column_sum.fill(0.0);
            for (i, fi) in self.f.iter().enumerate() {
                let row = cost.row(i);
                for ((&c, max), sum) in row
                    .iter()
                    .zip(column_max.iter_mut())
                    .zip(column_sum.iter_mut())
                {
                    let v = (fi - c as f64) / epsilon;
                    if v > *max {
                        *sum = *sum * (*max - v).exp() + 1.0;
                        *max = v;
                    } else {
                        *sum += (v - *max).exp();
                    }
                }
            }
            for ((gj, max), sum) in self.g.iter_mut().zip(&column_max).zip(&column_sum) {
                *gj = epsilon * (log_n - (max + sum.ln()));
            }
            if iteration % CHECK_EVERY == 0 || iteration == max_iterations {
                // Columns are exact after the g update; measure the rows.
                self.marginal_error = (0..n)
                    .map(|i| {
                        let mass: f64 = (0..n).map(|j| self.plan(cost, i, j)).sum();
                        (mass - 1.0 / n as f64).abs()
                    })
                    .sum();
                if self.marginal_error < tolerance {
                    return;
                }
            }
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
