//! What metrics.json reports of a run on point clouds: how its samples' interparticle
//! distances and energies compare with held-out Metropolis samples, and how equivariant its
//! field is under random rotations, reflections and relabellings.

use serde::Serialize;

use super::Session;
use crate::Result;
use crate::data::{DistConfig, Points, system};
use crate::flow::{Conditioning, velocity_at};
use crate::geometry::Cloud;
use crate::metrics::{
    distance_w1, distance_w1_standard_error, energy_w1, energy_w1_standard_error,
};
use crate::rng::Rng;
use crate::scene::EvalConfig;

/// The report of a run on point clouds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CloudReport {
    /// W1 between the interparticle-distance histograms of generated and held-out samples.
    pub distance_w1: f64,
    /// W1 between their energy histograms (targets with an energy: DW4, LJ13).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy_w1: Option<f64>,
    /// Bootstrap standard errors of the two: how far another draw of as many points would move
    /// them (the model's histograms are often heavier-tailed than the target's, so these exceed
    /// the floors below).
    pub distance_w1_se: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy_w1_se: Option<f64>,
    /// The same two for held-out samples against the training chains' own: sampling noise.
    pub distance_w1_floor: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy_w1_floor: Option<f64>,
    /// max |v(g·x) − g·v(x)| over random g in O(d) × S(n), held-out source points and
    /// t = 0, ½, 1, relative to the largest |v(x)|.
    pub equivariance_error: f64,
    /// E|y| − E|x0| over held-out target and source configurations: no flow from the source
    /// to the target travels less on average (∫|v| dt ≥ |x1 − x0| ≥ |x1| − |x0|, and |·| is
    /// 1-Lipschitz, so this is a dual bound on W1).
    pub path_length_floor: f64,
}

/// The mean Euclidean norm of mean-free configurations: their mean spread from the centre.
fn mean_norm(points: &Points) -> f64 {
    let total: f64 = points
        .iter()
        .map(|x| x.iter().map(|c| c * c).sum::<f64>().sqrt())
        .sum();
    total / points.len().max(1) as f64
}

/// Random motions the equivariance error is measured over.
const MOTIONS: usize = 8;

impl Session {
    /// The report of a run on point clouds; none on other spaces.
    pub fn cloud_report(&self, eval: &EvalConfig) -> Result<Option<CloudReport>> {
        let Some(cloud) = Cloud::of(self.scene.space.geometry()) else {
            return Ok(None);
        };
        let (x0, end, training_reference, _) = self.held_out_flow(eval)?;
        let seed = self.scene.train.seed;
        let held_out = self
            .held_out_target()?
            .sample(eval.points, &mut Rng::stream(seed, "eval-held-out"));
        let energy_system = system(&self.scene.target.name);
        let mut bootstrap = Rng::stream(seed, "eval-bootstrap");
        Ok(Some(CloudReport {
            distance_w1: distance_w1(cloud, &end, &held_out),
            energy_w1: energy_system.map(|s| energy_w1(s, &end, &held_out)),
            distance_w1_se: distance_w1_standard_error(cloud, &end, &held_out, &mut bootstrap),
            energy_w1_se: energy_system
                .map(|s| energy_w1_standard_error(s, &end, &held_out, &mut bootstrap)),
            distance_w1_floor: distance_w1(cloud, &training_reference, &held_out),
            energy_w1_floor: energy_system.map(|s| energy_w1(s, &training_reference, &held_out)),
            equivariance_error: self.cloud_equivariance_error(cloud, &x0)?,
            path_length_floor: mean_norm(&held_out) - mean_norm(&x0),
        }))
    }

    /// The target drawn from chains of their own: another seed for a system sampled by MCMC,
    /// the target itself otherwise.
    fn held_out_target(&self) -> Result<Box<dyn crate::data::Sampler>> {
        let target = &self.scene.target;
        if system(&target.name).is_none() {
            return self.scene.sampler(target);
        }
        let seed = target.params.get("seed").copied().unwrap_or(0.0);
        let mut held_out: DistConfig = target.clone();
        held_out.params.insert("seed".into(), seed + 1.0);
        self.scene.sampler(&held_out)
    }

    pub(super) fn cloud_equivariance_error(&self, cloud: Cloud, x0: &Points) -> Result<f64> {
        let model = self.model();
        let mut rng = Rng::stream(self.scene.train.seed, "eval-motions");
        let dim = cloud.n * cloud.d;
        let (mut worst, mut scale) = (0.0f64, 0.0f64);
        for t in [0.0, 0.5, 1.0] {
            let velocity = |points: &Points| {
                velocity_at(
                    &model,
                    self.scene.space,
                    points,
                    t,
                    Conditioning::default(),
                    &self.device,
                )
            };
            let v = velocity(x0)?;
            scale = v
                .chunks(dim)
                .map(|w| w.iter().map(|c| c * c).sum::<f64>().sqrt())
                .fold(scale, f64::max);
            for _ in 0..MOTIONS {
                let g = cloud.random_motion(&mut rng);
                let mut moved = vec![0.0; x0.len() * dim];
                for (out, x) in moved.chunks_exact_mut(dim).zip(x0.iter()) {
                    cloud.apply(&g, x, out);
                }
                let v_moved = velocity(&Points::new(dim, moved, None))?;
                let mut turned = vec![0.0; dim];
                for (w, u) in v.chunks(dim).zip(v_moved.chunks(dim)) {
                    cloud.apply(&g, w, &mut turned);
                    let gap = turned
                        .iter()
                        .zip(u)
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                        .sqrt();
                    worst = worst.max(gap);
                }
            }
        }
        Ok(worst / scale.max(f64::MIN_POSITIVE))
    }
}
