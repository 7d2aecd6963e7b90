//! A mesh's pair cost, the squared premetric (the squared Euclidean distance for the
//! baseline), and its corruptions: `project` keeps the x coordinate, `quantize` snaps to a
//! grid; both observations are brought back onto the mesh.

use super::{SpaceCoupling, snap_to_grid};
use crate::coupling::{CostMatrix, solve_assignment};
use crate::data::Points;
use crate::geometry::Space;
use crate::geometry::mesh::MeshSpace;

pub struct MeshCoupling {
    pub space: &'static MeshSpace,
}

impl MeshCoupling {
    /// Each point's spectral coordinates, whose squared distances are the costs (spectral
    /// premetrics only).
    fn spectral_coordinates(&self, points: &Points) -> Option<Points> {
        let rows: Option<Vec<Vec<f64>>> = points
            .iter()
            .map(|p| self.space.spectral_coordinates(p))
            .collect();
        let rows = rows?;
        let dim = rows.first().map_or(1, Vec::len);
        Some(Points::new(dim, rows.concat(), None))
    }
}

impl SpaceCoupling for MeshCoupling {
    fn pair_cost(&self, a: &[f64], b: &[f64]) -> f64 {
        self.space.squared_distance(a, b)
    }
    fn cost_matrix(&self, a: &Points, b: &Points) -> CostMatrix {
        let squared = |p: &[f64], q: &[f64]| p.iter().zip(q).map(|(x, y)| (x - y).powi(2)).sum();
        if self.space.premetric().is_none() {
            return CostMatrix::from_pair_cost(a, b, squared);
        }
        if let (Some(ea), Some(eb)) = (self.spectral_coordinates(a), self.spectral_coordinates(b)) {
            return CostMatrix::from_pair_cost(&ea, &eb, squared);
        }
        // The geodesic premetric: one distance field per column.
        CostMatrix::from_values(a.len(), self.space.squared_geodesic_costs(a, b))
    }
    fn optimal_assignment(&self, a: &Points, b: &Points) -> Vec<usize> {
        solve_assignment(&self.cost_matrix(a, b))
    }
    fn project_observation(&self, x: &[f64], y: &mut [f64]) {
        let (lo, hi) = self.space.bounds();
        let middle = (lo + hi) * 0.5;
        y.copy_from_slice(&[x[0], middle.y, middle.z][..y.len()]);
        self.space.project(y);
    }
    fn projection_summary(&self) -> &'static str {
        "keep x, the rest moved to the middle of the mesh"
    }
    fn quantize_observation(&self, x: &[f64], level: f64, y: &mut [f64]) {
        snap_to_grid(x, level, y);
        self.space.project(y);
    }
}
