//! Flow matching: probability paths, the velocity model, the training step and ODE solvers.

mod egnn;
mod fused_silu;
mod guidance;
mod likelihood;
mod model;
mod network;
mod solver;
mod spaces;
mod train;

pub use egnn::Egnn;
pub use guidance::{GUIDANCE_RANGE, Guidance, GuidanceConfig, RequestedLabel};
pub use likelihood::{
    DensityChange, Estimator, Integrator, MAX_PROBES, Probe, has_likelihood, log_density_change,
    velocity_and_divergences,
};
pub use model::{Activation, ModelConfig, VelocityField};
pub use network::Network;
pub use solver::{Conditioning, Integration, Solver, integrate, velocity_at};
pub use spaces::{
    CloudModel, EuclideanModel, HyperbolicModel, MeshModel, PlaneModel, SpaceModel, SphereModel,
    TorusModel,
};
pub use train::{StepReport, TrainConfig, Trainer, drop_labels};

use serde::{Deserialize, Serialize};

use crate::geometry::Scheduler;

/// The conditional probability path x_t between a coupled pair (x0, x1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PathConfig {
    /// κ(t) along the geodesic from x0 (t = 0) to x1 (t = 1).
    pub scheduler: Scheduler,
}
