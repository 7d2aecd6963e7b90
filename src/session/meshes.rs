//! What metrics.json reports of a run on a mesh: how many sampled trajectories pass through a
//! wall (none may, for a flow that respects the geometry; the euclidean baseline's do), and W2
//! under the mesh's geodesic distance, the same yardstick for every premetric.

use serde::Serialize;

use super::Session;
use crate::Result;
use crate::flow::{Conditioning, Solver, integrate};
use crate::metrics::geodesic_w2;
use crate::rng::Rng;
use crate::scene::EvalConfig;

/// The report of a run on a mesh.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MeshReport {
    /// Planar domains: the share of held-out trajectories (Euler, eval.steps) with a point off
    /// the floor or a step that passes through a wall.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wall_crossing_fraction: Option<f64>,
    /// W2 under the geodesic distance between the flow's samples and held-out targets.
    pub geodesic_w2: f64,
    /// The same between held-out source and target samples: how far there was to go.
    pub geodesic_w2_source: f64,
}

/// Most held-out points the geodesic W2 uses (one heat solve each).
const GEODESIC_W2_POINTS: usize = 500;

impl Session {
    /// The report of a run on a mesh; none on other spaces.
    pub fn mesh_report(&self, eval: &EvalConfig) -> Result<Option<MeshReport>> {
        let Some(space) = crate::space::mesh_of(self.scene.space) else {
            return Ok(None);
        };
        let seed = self.scene.train.seed;
        let (x0, observation) =
            self.starting_points(eval.points, &mut Rng::stream(seed, "eval-source"));
        let flow = integrate(
            &self.model(),
            self.scene.space,
            &x0,
            Solver::Euler,
            eval.steps,
            Conditioning {
                guidance: None,
                observation: observation.as_ref(),
            },
            true,
            &self.device,
        )?;
        let (n, dim) = (flow.n, flow.dim);
        let frames = flow.trajectory.len() / (n * dim).max(1);
        let point = |frame: usize, i: usize| -> [f64; 3] {
            let start = (frame * n + i) * dim;
            std::array::from_fn(|k| {
                if k < dim {
                    flow.trajectory[start + k] as f64
                } else {
                    0.0
                }
            })
        };
        let wall_crossing_fraction = space.is_planar().then(|| {
            let crossing = (0..n)
                .filter(|&i| {
                    (1..frames).any(|f| space.crosses_wall(&point(f - 1, i), &point(f, i)))
                })
                .count();
            crossing as f64 / n.max(1) as f64
        });
        let m = eval.points.min(GEODESIC_W2_POINTS);
        let rows: Vec<usize> = (0..m).collect();
        let end = flow.final_points().reordered(&rows);
        let reference = self.target.sample(m, &mut Rng::stream(seed, "eval-target"));
        Ok(Some(MeshReport {
            wall_crossing_fraction,
            geodesic_w2: geodesic_w2(space, &end, &reference)?,
            geodesic_w2_source: geodesic_w2(space, &x0.reordered(&rows), &reference)?,
        }))
    }
}
