//! Couplings π(x0, x1) between source and target samples: independent, exact mini-batch OT
//! (a permutation minimising the squared geodesic cost) and entropic OT (Sinkhorn).

mod assignment;
mod cost;
mod prefetch;
mod sinkhorn;

pub use assignment::solve_assignment;
pub use cost::CostMatrix;
pub use prefetch::PrefetchedPairs;
pub use sinkhorn::SinkhornPlan;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::data::{Points, Sampler};
use crate::geometry::SpaceKind;
use crate::rng::Rng;
use crate::{Error, Result};

/// The largest OT batch k accepted (a k² cost matrix of f32 must fit comfortably in memory).
pub const MAX_K: usize = 8192;

/// How training pairs are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CouplingMethod {
    /// x0 and x1 drawn independently (the same as exact OT with k = 1).
    Independent,
    /// Exact mini-batch OT: the permutation of k target points minimising the total cost.
    Exact,
    /// Entropic mini-batch OT: pairs drawn from the Sinkhorn plan with regularisation ε.
    Sinkhorn,
}

impl CouplingMethod {
    pub fn name(self) -> &'static str {
        match self {
            CouplingMethod::Independent => "independent",
            CouplingMethod::Exact => "exact",
            CouplingMethod::Sinkhorn => "sinkhorn",
        }
    }
}

/// Coupling settings of a scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CouplingConfig {
    pub method: CouplingMethod,
    /// OT batch size: points matched per solve. Ignored by the independent coupling.
    pub k: usize,
    /// Entropic regularisation for Sinkhorn, as a fraction of the batch's mean pairwise cost
    /// (so one value suits every space and scale).
    pub epsilon: f64,
}

impl Default for CouplingConfig {
    fn default() -> Self {
        Self {
            method: CouplingMethod::Independent,
            k: 256,
            epsilon: 0.05,
        }
    }
}

impl CouplingConfig {
    /// How runs with this coupling are labelled in views, plots and videos.
    pub fn label(&self) -> String {
        match self.method {
            CouplingMethod::Independent => "independent".to_string(),
            CouplingMethod::Exact => format!("exact OT, k = {}", self.k),
            CouplingMethod::Sinkhorn => format!("Sinkhorn ε = {}, k = {}", self.epsilon, self.k),
        }
    }

    pub fn validate(&self) -> Result<()> {
        if self.k == 0 || self.k > MAX_K {
            return Err(Error::invalid(format!(
                "k must be between 1 and {MAX_K}, got {}",
                self.k
            )));
        }
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            return Err(Error::invalid(format!(
                "epsilon must be positive, got {}",
                self.epsilon
            )));
        }
        Ok(())
    }
}

/// The matching of one OT problem.
pub struct Matching {
    /// Target row for each source row.
    pub assignment: Vec<usize>,
    /// Mean squared geodesic cost of the pairs.
    pub cost: f64,
}

/// Matches two equal-size samples with the exact or entropic method.
pub fn couple(
    space: SpaceKind,
    method: CouplingMethod,
    epsilon: f64,
    source: &Points,
    target: &Points,
    rng: &mut Rng,
) -> Matching {
    let costs = CostMatrix::squared_geodesic(space, source, target);
    let assignment = match method {
        CouplingMethod::Independent => (0..source.len()).collect(),
        CouplingMethod::Exact => solve_assignment(&costs),
        CouplingMethod::Sinkhorn => {
            let scale = costs.sum() / (costs.n() * costs.n()) as f64;
            SinkhornPlan::solve(&costs, epsilon * scale.max(f64::MIN_POSITIVE))
                .sample_columns(&costs, rng)
        }
    };
    let cost = matched_cost(space, source, target, &assignment);
    Matching { assignment, cost }
}

/// Mean squared geodesic distance between source row i and target row `assignment[i]`, in f64.
pub fn matched_cost(
    space: SpaceKind,
    source: &Points,
    target: &Points,
    assignment: &[usize],
) -> f64 {
    mean_squared_distance(
        space,
        assignment
            .iter()
            .enumerate()
            .map(|(i, &j)| (source.point(i), target.point(j))),
    )
}

/// Mean squared geodesic distance between row-aligned pairs, in f64.
pub fn mean_pair_cost(space: SpaceKind, a: &Points, b: &Points) -> f64 {
    mean_squared_distance(space, a.iter().zip(b.iter()))
}

fn mean_squared_distance<'p>(
    space: SpaceKind,
    pairs: impl Iterator<Item = (&'p [f64], &'p [f64])>,
) -> f64 {
    let geometry = space.space();
    let (total, n) = pairs.fold((0.0, 0usize), |(total, n), (x, y)| {
        (total + geometry.squared_distance(x, y), n + 1)
    });
    total / n.max(1) as f64
}

/// A training batch of coupled pairs.
pub struct PairBatch {
    pub x0: Points,
    /// Targets, with labels when the target distribution is labelled.
    pub x1: Points,
    /// Mean squared geodesic cost over the batch's pairs.
    pub coupling_cost: f64,
}

/// An endless stream of coupled pairs following DESIGN.md: each solve matches k source and k
/// target draws; its pairs are served in order across as many batches as they fill (k > B),
/// and as many solves as needed fill one batch (k < B). Every pair is used exactly once.
pub struct PairStream {
    space: SpaceKind,
    config: CouplingConfig,
    source: Arc<dyn Sampler>,
    target: Arc<dyn Sampler>,
    source_rng: Rng,
    target_rng: Rng,
    coupling_rng: Rng,
    pending_x0: Points,
    pending_x1: Points,
}

impl PairStream {
    pub fn new(
        space: SpaceKind,
        config: CouplingConfig,
        source: impl Into<Arc<dyn Sampler>>,
        target: impl Into<Arc<dyn Sampler>>,
        seed: u64,
    ) -> Self {
        let (source, target) = (source.into(), target.into());
        let dim = space.dim();
        let empty_labels = (target.num_labels() > 0).then(Vec::new);
        Self {
            space,
            config,
            source,
            target,
            source_rng: Rng::stream(seed, "train-source"),
            target_rng: Rng::stream(seed, "train-target"),
            coupling_rng: Rng::stream(seed, "coupling"),
            pending_x0: Points::new(dim, Vec::new(), None),
            pending_x1: Points::new(dim, Vec::new(), empty_labels),
        }
    }

    /// Changes the coupling from the next solve on (pairs already matched are still served).
    pub fn set_config(&mut self, config: CouplingConfig) {
        self.config = config;
    }

    pub fn config(&self) -> &CouplingConfig {
        &self.config
    }

    /// The next `batch` pairs.
    pub fn next_batch(&mut self, batch: usize) -> PairBatch {
        let k = match self.config.method {
            CouplingMethod::Independent => batch,
            _ => self.config.k,
        };
        while self.pending_x0.len() < batch {
            let x0 = self.source.sample(k, &mut self.source_rng);
            let x1 = self.target.sample(k, &mut self.target_rng);
            let x1 = if k == 1 || self.config.method == CouplingMethod::Independent {
                x1
            } else {
                let matching = couple(
                    self.space,
                    self.config.method,
                    self.config.epsilon,
                    &x0,
                    &x1,
                    &mut self.coupling_rng,
                );
                x1.reordered(&matching.assignment)
            };
            self.pending_x0.extend(&x0);
            self.pending_x1.extend(&x1);
        }
        let x0 = self.pending_x0.take_front(batch);
        let x1 = self.pending_x1.take_front(batch);
        let coupling_cost = mean_pair_cost(self.space, &x0, &x1);
        PairBatch {
            x0,
            x1,
            coupling_cost,
        }
    }
}
