//! The flat torus's pair cost (squared wrapped distance, computed on demand by the exact
//! solver) and its corruptions.

use super::{SpaceCoupling, snap_to_grid};
use crate::coupling::{CostMatrix, PlanarCosts, solve_assignment};
use crate::data::Points;
use crate::geometry::{Space, Torus};

pub struct TorusCoupling;

impl SpaceCoupling for TorusCoupling {
    fn pair_cost(&self, a: &[f64], b: &[f64]) -> f64 {
        Torus.squared_distance(a, b)
    }
    fn cost_matrix(&self, a: &Points, b: &Points) -> CostMatrix {
        CostMatrix::from_values(a.len(), PlanarCosts::torus(a, b).entries())
    }
    fn optimal_assignment(&self, a: &Points, b: &Points) -> Vec<usize> {
        solve_assignment(&PlanarCosts::torus(a, b))
    }
    fn project_observation(&self, x: &[f64], y: &mut [f64]) {
        y.copy_from_slice(&[x[0], 0.0]);
    }
    fn projection_summary(&self) -> &'static str {
        "keep only θ"
    }
    fn quantize_observation(&self, x: &[f64], level: f64, y: &mut [f64]) {
        snap_to_grid(x, level, y);
        Torus.project(y);
    }
}
