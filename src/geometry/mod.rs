//! The spaces flows live on: the plane R², the unit sphere S² ⊂ R³ and the flat torus [0,2π)².
//!
//! Each space has an f64 reference implementation on single points (used by data, couplings,
//! metrics and tests) and batched versions on burn tensors (used inside training and sampling).
//! Points are stored in ambient coordinates: (x, y) in the plane, unit (x, y, z) on the sphere,
//! angles (θ, φ) in radians on the torus.

mod plane;
mod schedule;
mod sphere;
mod torus;

pub use plane::Plane;
pub use schedule::Scheduler;
pub use sphere::Sphere;
pub use torus::Torus;

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::rng::Rng;

/// Which space a scene lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SpaceKind {
    Plane,
    Sphere,
    Torus,
}

impl SpaceKind {
    /// The space's geometry.
    pub fn space(self) -> &'static dyn Space {
        match self {
            SpaceKind::Plane => &Plane,
            SpaceKind::Sphere => &Sphere,
            SpaceKind::Torus => &Torus,
        }
    }

    /// Coordinates stored per point.
    pub fn dim(self) -> usize {
        self.space().dim()
    }

    /// CSV column names, in storage order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            SpaceKind::Plane => &["x", "y"],
            SpaceKind::Sphere => &["x", "y", "z"],
            SpaceKind::Torus => &["theta", "phi"],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SpaceKind::Plane => "plane",
            SpaceKind::Sphere => "sphere",
            SpaceKind::Torus => "torus",
        }
    }
}

/// A Riemannian space with closed-form exp and log maps.
///
/// Tensor methods take points and vectors as `[N, dim]` tensors in the storage coordinates;
/// vectors are tangent vectors expressed in the same coordinates (angles/time on the torus).
pub trait Space: Send + Sync {
    fn kind(&self) -> SpaceKind;
    /// Coordinates stored per point.
    fn dim(&self) -> usize;

    /// exp_x(v): follow the geodesic from `x` with initial velocity `v` for unit time.
    fn exp(&self, x: &[f64], v: &[f64], out: &mut [f64]);
    /// log_x(y): the initial velocity of the shortest geodesic from `x` reaching `y` at time 1.
    fn log(&self, x: &[f64], y: &[f64], out: &mut [f64]);
    /// Geodesic distance.
    fn distance(&self, x: &[f64], y: &[f64]) -> f64 {
        self.squared_distance(x, y).sqrt()
    }
    /// Squared geodesic distance: the cost used by OT couplings and W2.
    fn squared_distance(&self, x: &[f64], y: &[f64]) -> f64;
    /// Orthogonal projection of `v` onto the tangent space at `x`.
    fn project_tangent(&self, x: &[f64], v: &mut [f64]);
    /// Closest point of the space (normalise on the sphere, wrap on the torus).
    fn project(&self, x: &mut [f64]);
    /// One point drawn uniformly (the plane draws from the box [-4, 4]²).
    fn sample_uniform(&self, rng: &mut Rng, out: &mut [f64]);

    /// Geodesic interpolant x_t = exp_{x0}(κ·log_{x0} x1) and its time derivative κ'·(d/dκ x_t).
    fn interpolate(
        &self,
        x0: &[f64],
        x1: &[f64],
        kappa: f64,
        dkappa: f64,
        xt: &mut [f64],
        ut: &mut [f64],
    );

    /// Batched exp map. # Shapes: x, v `[N, dim]` → `[N, dim]`.
    fn exp_tensor(&self, x: Tensor<2>, v: Tensor<2>) -> Tensor<2>;
    /// Batched log map. # Shapes: x, y `[N, dim]` → `[N, dim]`.
    fn log_tensor(&self, x: Tensor<2>, y: Tensor<2>) -> Tensor<2>;
    /// Batched tangent projection. # Shapes: x, v `[N, dim]` → `[N, dim]`.
    fn project_tangent_tensor(&self, x: Tensor<2>, v: Tensor<2>) -> Tensor<2>;
    /// Batched geodesic interpolant and velocity.
    /// # Shapes: x0, x1 `[N, dim]`; kappa, dkappa `[N, 1]` → (x_t, u_t) each `[N, dim]`.
    fn interpolate_tensor(
        &self,
        x0: Tensor<2>,
        x1: Tensor<2>,
        kappa: Tensor<2>,
        dkappa: Tensor<2>,
    ) -> (Tensor<2>, Tensor<2>);

    /// Model input features for points `[N, dim]` (e.g. cos/sin of the torus angles).
    fn features_tensor(&self, x: Tensor<2>) -> Tensor<2>;
    /// Number of model input features per point.
    fn feature_dim(&self) -> usize;
}

/// Squared norm of a batch of vectors. # Shapes: `[N, D]` → `[N, 1]`.
pub(crate) fn squared_norm(v: Tensor<2>) -> Tensor<2> {
    v.square().sum_dim(1)
}
