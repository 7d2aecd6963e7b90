//! The plane's pair cost (squared Euclidean, computed on demand by the exact solver) and its
//! corruptions.

use super::{SpaceCoupling, snap_to_grid};
use crate::coupling::{CostMatrix, PlanarCosts, solve_assignment};
use crate::data::Points;
use crate::geometry::{Plane, Space};

pub struct PlaneCoupling;

impl SpaceCoupling for PlaneCoupling {
    fn pair_cost(&self, a: &[f64], b: &[f64]) -> f64 {
        Plane.squared_distance(a, b)
    }
    fn cost_matrix(&self, a: &Points, b: &Points) -> CostMatrix {
        // One formula for the matrix and the solver's on-demand rows.
        CostMatrix::from_values(a.len(), PlanarCosts::plane(a, b).entries())
    }
    fn optimal_assignment(&self, a: &Points, b: &Points) -> Vec<usize> {
        solve_assignment(&PlanarCosts::plane(a, b))
    }
    fn project_observation(&self, x: &[f64], y: &mut [f64]) {
        y.copy_from_slice(&[x[0], 0.0]);
    }
    fn projection_summary(&self) -> &'static str {
        "keep x, drop y"
    }
    fn quantize_observation(&self, x: &[f64], level: f64, y: &mut [f64]) {
        snap_to_grid(x, level, y);
    }
}
