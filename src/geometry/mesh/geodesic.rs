//! The geodesic distance on a mesh by the heat method (Crane, Weischedel & Wardetzky 2013):
//! heat u diffused for a short time t = h² from the source, its normalised gradient
//! X = −∇u/|∇u| (which points away from the source and has unit length, as the distance's
//! gradient does), then the distance as the solution of the Poisson problem Δφ = ∇·X, shifted
//! to be zero at the source. Both linear systems are factorised once per mesh, so each source
//! costs two sparse triangular solves.

use faer::linalg::solvers::Solve;
use faer::sparse::linalg::solvers::Llt;
use faer::sparse::{SparseColMat, Triplet};
use faer::{Mat, Side};
use glam::DVec3;

use super::distance::barycentric_gradients;
use super::{TriMesh, cotangent_laplacian};
use crate::{Error, Result};

/// The factorised systems of one mesh.
pub struct GeodesicDistance {
    heat: Llt<usize, f64>,
    poisson: Llt<usize, f64>,
    mass: Vec<f64>,
    /// Per face: the gradients of its barycentric coordinates.
    gradients: Vec<[DVec3; 3]>,
    /// Per face and corner: ½ cot of the corner's angle.
    half_cotangents: Vec<[f64; 3]>,
}

impl std::fmt::Debug for GeodesicDistance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GeodesicDistance({} vertices)", self.mass.len())
    }
}

impl GeodesicDistance {
    pub fn new(mesh: &TriMesh) -> Result<Self> {
        let n = mesh.vertex_count();
        let (entries, mass) = cotangent_laplacian(mesh);
        let mean_edge = mesh.mean_edge_length();
        let time = mean_edge * mean_edge;
        // L alone is singular (constants); a tiny mass term fixes the constant, which the
        // shift to zero at the source removes anyway.
        let regular = 1e-8 / mesh.area();
        let factor = |scale_l: f64, scale_m: f64| -> Result<Llt<usize, f64>> {
            let triplets: Vec<Triplet<usize, usize, f64>> = entries
                .iter()
                .map(|&(i, j, v)| Triplet::new(i, j, scale_l * v))
                .chain(
                    mass.iter()
                        .enumerate()
                        .map(|(i, m)| Triplet::new(i, i, scale_m * m)),
                )
                .collect();
            SparseColMat::<usize, f64>::try_new_from_triplets(n, n, &triplets)
                .map_err(|e| Error::Internal(format!("could not assemble the heat system: {e:?}")))?
                .sp_cholesky(Side::Lower)
                .map_err(|e| {
                    Error::invalid(format!(
                        "the mesh's heat system could not be factorised ({e:?}); is the mesh degenerate?"
                    ))
                })
        };
        let heat = factor(time, 1.0)?;
        let poisson = factor(1.0, regular)?;
        let gradients = (0..mesh.faces().len())
            .map(|f| barycentric_gradients(mesh, f))
            .collect();
        let half_cotangents = (0..mesh.faces().len())
            .map(|f| {
                let corners = mesh.corners(f);
                std::array::from_fn(|k| {
                    let a = corners[(k + 1) % 3] - corners[k];
                    let b = corners[(k + 2) % 3] - corners[k];
                    0.5 * a.dot(b) / a.cross(b).length()
                })
            })
            .collect();
        Ok(Self {
            heat,
            poisson,
            mass,
            gradients,
            half_cotangents,
        })
    }

    /// The distance from the point of face `f` at barycentric `bary` to every vertex.
    pub fn from_point(&self, mesh: &TriMesh, f: usize, bary: [f64; 3]) -> Vec<f64> {
        let n = self.mass.len();
        let mut heat = Mat::<f64>::zeros(n, 1);
        for (corner, weight) in mesh.faces()[f].iter().zip(bary) {
            heat[(*corner as usize, 0)] += weight;
        }
        self.heat.solve_in_place(heat.as_mut());
        // The integrated divergence of X at each vertex: Σ over its faces of
        // ½ Σ cot(opposite angle)·(edge · X).
        let mut divergence = Mat::<f64>::zeros(n, 1);
        for (face_index, face) in mesh.faces().iter().enumerate() {
            let gradient: DVec3 = (0..3)
                .map(|k| self.gradients[face_index][k] * heat[(face[k] as usize, 0)])
                .sum();
            let length = gradient.length();
            if length == 0.0 {
                continue;
            }
            let field = -gradient / length;
            let corners = mesh.corners(face_index);
            let cot = self.half_cotangents[face_index];
            for k in 0..3 {
                let (i, j) = ((k + 1) % 3, (k + 2) % 3);
                let to_i = corners[i] - corners[k];
                let to_j = corners[j] - corners[k];
                // The angle at j faces the edge k→i; the angle at i faces the edge k→j.
                divergence[(face[k] as usize, 0)] +=
                    cot[j] * to_i.dot(field) + cot[i] * to_j.dot(field);
            }
        }
        // Δφ = ∇·X with Δ = −L.
        for v in 0..n {
            divergence[(v, 0)] = -divergence[(v, 0)];
        }
        self.poisson.solve_in_place(divergence.as_mut());
        let at_source: f64 = mesh.faces()[f]
            .iter()
            .zip(bary)
            .map(|(corner, w)| w * divergence[(*corner as usize, 0)])
            .sum();
        (0..n)
            .map(|v| (divergence[(v, 0)] - at_source).max(0.0))
            .collect()
    }

    /// The distance from vertex `v` to every vertex.
    pub fn from_vertex(&self, mesh: &TriMesh, v: usize) -> Vec<f64> {
        let (f, corner) = mesh
            .faces()
            .iter()
            .enumerate()
            .find_map(|(f, face)| face.iter().position(|&c| c as usize == v).map(|k| (f, k)))
            .expect("every vertex belongs to a face");
        let mut bary = [0.0; 3];
        bary[corner] = 1.0;
        self.from_point(mesh, f, bary)
    }
}
