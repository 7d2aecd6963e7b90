//! A mesh's pair cost, the squared premetric (the squared Euclidean distance for the
//! baseline), and its corruptions: `project` keeps the x coordinate, `quantize` snaps to a
//! grid; both observations are brought back onto the mesh.

use super::{SpaceCoupling, snap_to_grid};
use crate::coupling::{CostMatrix, solve_assignment};
use crate::data::Points;
use crate::geometry::Space;
use crate::geometry::mesh::{MeshSpace, PreparedTarget};

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
        // The geodesic premetric: one distance field per column, solved on every core.
        let fields: Vec<PreparedTarget> = parallel_map(b, |q| {
            self.space
                .prepare(q)
                .expect("a premetric space prepares its targets")
        });
        let n = a.len();
        let mut data = vec![0f32; n * n];
        for (i, p) in a.iter().enumerate() {
            for (j, field) in fields.iter().enumerate() {
                data[i * n + j] = self.space.premetric_distance(p, p, Some(field)).powi(2) as f32;
            }
        }
        CostMatrix::from_values(n, data)
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

/// `f` of every point, the points shared among the cores, in order.
fn parallel_map<T: Send>(points: &Points, f: impl Fn(&[f64]) -> T + Sync) -> Vec<T> {
    let n = points.len();
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let chunk = n.div_ceil(cores).max(1);
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    std::thread::scope(|scope| {
        for (part, slots) in out.chunks_mut(chunk).enumerate() {
            let f = &f;
            scope.spawn(move || {
                for (offset, slot) in slots.iter_mut().enumerate() {
                    *slot = Some(f(points.point(part * chunk + offset)));
                }
            });
        }
    });
    out.into_iter().flatten().collect()
}
