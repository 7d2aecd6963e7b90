//! The hyperbolic plane's pair cost (the squared hyperbolic distance) and its corruptions:
//! `project` keeps the distance from the origin (drops the direction), `quantize` snaps the
//! chart's coordinates.

use super::{SpaceCoupling, snap_to_grid};
use crate::coupling::{CostMatrix, solve_assignment};
use crate::data::Points;
use crate::geometry::{Hyperbolic, Space};

pub struct HyperbolicCoupling;

impl SpaceCoupling for HyperbolicCoupling {
    fn pair_cost(&self, a: &[f64], b: &[f64]) -> f64 {
        Hyperbolic.squared_distance(a, b)
    }
    fn cost_matrix(&self, a: &Points, b: &Points) -> CostMatrix {
        CostMatrix::from_pair_cost(a, b, |p, q| Hyperbolic.squared_distance(p, q))
    }
    fn optimal_assignment(&self, a: &Points, b: &Points) -> Vec<usize> {
        solve_assignment(&self.cost_matrix(a, b))
    }
    fn project_observation(&self, x: &[f64], y: &mut [f64]) {
        y.copy_from_slice(&[x[0].hypot(x[1]), 0.0]);
    }
    fn projection_summary(&self) -> &'static str {
        "keep the distance from the origin"
    }
    fn quantize_observation(&self, x: &[f64], level: f64, y: &mut [f64]) {
        snap_to_grid(x, level, y);
        Hyperbolic.project(y);
    }
}
