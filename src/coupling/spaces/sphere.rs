//! The sphere's pair cost (squared arc length; costlier to evaluate than to read, so the exact
//! solver gets the whole matrix) and its corruptions in latitude and longitude.

use std::f64::consts::FRAC_PI_2;

use super::SpaceCoupling;
use crate::coupling::{CostMatrix, solve_assignment};
use crate::data::Points;
use crate::geometry::{Space, Sphere};

pub struct SphereCoupling;

impl SpaceCoupling for SphereCoupling {
    fn pair_cost(&self, a: &[f64], b: &[f64]) -> f64 {
        Sphere.squared_distance(a, b)
    }
    fn cost_matrix(&self, a: &Points, b: &Points) -> CostMatrix {
        CostMatrix::squared_arc_lengths(a, b)
    }
    fn optimal_assignment(&self, a: &Points, b: &Points) -> Vec<usize> {
        solve_assignment(&self.cost_matrix(a, b))
    }
    fn project_observation(&self, x: &[f64], y: &mut [f64]) {
        let z = x[2].clamp(-1.0, 1.0);
        y.copy_from_slice(&[(1.0 - z * z).sqrt(), 0.0, z]);
    }
    fn projection_summary(&self) -> &'static str {
        "keep only the latitude"
    }
    /// Snaps latitude and longitude (in radians) to the grid.
    fn quantize_observation(&self, x: &[f64], level: f64, y: &mut [f64]) {
        let snap = |angle: f64| ((angle / level).floor() + 0.5) * level;
        let latitude = snap(x[2].clamp(-1.0, 1.0).asin()).clamp(-FRAC_PI_2, FRAC_PI_2);
        let longitude = snap(x[1].atan2(x[0]));
        y.copy_from_slice(&[
            latitude.cos() * longitude.cos(),
            latitude.cos() * longitude.sin(),
            latitude.sin(),
        ]);
    }
}
