//! R^d's pair cost (the squared Euclidean distance) and its corruptions.

use super::{SpaceCoupling, snap_to_grid};
use crate::coupling::{CostMatrix, solve_assignment};
use crate::data::Points;
use crate::geometry::{Embedding, Euclidean, Space};

pub struct EuclideanCoupling {
    pub space: Euclidean,
    pub embedding: Embedding,
}

impl SpaceCoupling for EuclideanCoupling {
    fn pair_cost(&self, a: &[f64], b: &[f64]) -> f64 {
        self.space.squared_distance(a, b)
    }
    fn cost_matrix(&self, a: &Points, b: &Points) -> CostMatrix {
        CostMatrix::from_pair_cost(a, b, |p, q| self.pair_cost(p, q))
    }
    fn optimal_assignment(&self, a: &Points, b: &Points) -> Vec<usize> {
        solve_assignment(&self.cost_matrix(a, b))
    }
    /// The point's shadow on the embedding plane.
    fn project_observation(&self, x: &[f64], y: &mut [f64]) {
        let [a, b] = self.embedding.project(x);
        self.embedding.embed(a, b, y);
    }
    fn projection_summary(&self) -> &'static str {
        "keep the embedding plane, drop the other directions"
    }
    fn quantize_observation(&self, x: &[f64], level: f64, y: &mut [f64]) {
        snap_to_grid(x, level, y);
    }
}
