//! The coupling layer of each space: the pair cost its couplings minimise and the corruptions
//! its paired data can be made with.

mod cloud;
mod euclidean;
mod hyperbolic;
mod mesh;
mod planar_orbits;
mod plane;
mod sphere;
mod torus;

pub use cloud::{CloudCoupling, EXHAUSTIVE_PARTICLES, OrbitMatch, hungarian, kabsch};
pub use euclidean::EuclideanCoupling;
pub use hyperbolic::HyperbolicCoupling;
pub use mesh::MeshCoupling;
pub use plane::PlaneCoupling;
pub use sphere::SphereCoupling;
pub use torus::TorusCoupling;

use super::{Alignment, CostMatrix};
use crate::data::Points;

/// How a space's points are paired and corrupted.
pub trait SpaceCoupling: Send + Sync {
    /// The cost c(a, b) of one pair: what OT couplings minimise and the coupling cost reports
    /// (the squared geodesic distance on the built-in spaces).
    fn pair_cost(&self, a: &[f64], b: &[f64]) -> f64;
    /// Every cost between two equal-size samples, rows `a`, columns `b`.
    fn cost_matrix(&self, a: &Points, b: &Points) -> CostMatrix;
    /// The permutation minimising the summed cost: the `b` row for each `a` row.
    fn optimal_assignment(&self, a: &Points, b: &Points) -> Vec<usize>;
    /// The `project` corruption: an observation that keeps part of `x`.
    fn project_observation(&self, x: &[f64], y: &mut [f64]);
    /// What `project` keeps, in a few words.
    fn projection_summary(&self) -> &'static str;
    /// The `quantize` corruption: the centre of the cell, `level` wide, that holds `x`.
    fn quantize_observation(&self, x: &[f64], level: f64, y: &mut [f64]);
    /// The group the space's own points carry (the relabellings and rotations of a point
    /// cloud), which the equivariant coupling aligns along; none for the others, whose scenes
    /// may declare one.
    fn alignment(&self) -> Option<&dyn Alignment> {
        None
    }
}

/// Each coordinate snapped to the centre of its cell of width `level`.
pub fn snap_to_grid(x: &[f64], level: f64, y: &mut [f64]) {
    for (out, v) in y.iter_mut().zip(x) {
        *out = ((v / level).floor() + 0.5) * level;
    }
}
