//! The geometry layer of the spaces (the registry of spaces lists one per space): the plane R²,
//! the unit sphere S² ⊂ R³, the flat torus [0,2π)², the hyperbolic plane (Poincaré disk) and
//! point clouds.
//!
//! Each geometry has an f64 reference implementation on single points (used by data, couplings,
//! metrics and tests) and batched versions on burn tensors (used inside training and sampling).
//! Points are stored in ambient coordinates: (x, y) in the plane, unit (x, y, z) on the sphere,
//! angles (θ, φ) in radians on the torus.

mod cloud;
mod euclidean;
mod hyperbolic;
pub mod mesh;
mod plane;
mod schedule;
mod sphere;
mod symmetry;
mod torus;

pub use cloud::{Cloud, CloudMotion, MIN_SEPARATION};
pub use euclidean::{Embedding, Euclidean};
pub use hyperbolic::{Hyperbolic, MAX_RADIUS};
pub use plane::Plane;
pub use schedule::Scheduler;
pub use sphere::{Sphere, direction_uv, uv_direction};
pub use symmetry::{Element, Symmetry};
pub use torus::Torus;

use crate::rng::Rng;
use burn::tensor::Tensor;

/// The geometry of a space: where its points live and how the conditional path joins them.
///
/// The built-in spaces have closed-form exp and log maps and their interpolant is the geodesic.
/// A space without closed-form geodesics implements `interpolate` by integrating its
/// conditional field (a premetric flow) and may leave exp/log as the integrator's steps; its pair
/// cost, which need not be a geodesic distance, belongs to its coupling layer.
///
/// Tensor methods take points and vectors as `[N, dim]` tensors in the storage coordinates;
/// vectors are tangent vectors expressed in the same coordinates (angles/time on the torus).
pub trait Space: Send + Sync {
    /// Coordinates stored per point.
    fn dim(&self) -> usize;
    /// Coordinates of one particle: a point of a space of configurations (a point cloud) is
    /// several particles, consecutive groups of this many.
    fn particle_dim(&self) -> usize {
        self.dim()
    }
    /// Whether the space is flat with exp(x, v) = x + v, so that solvers built for R^n (the
    /// adaptive dopri5) integrate on it as they are.
    fn is_euclidean(&self) -> bool {
        false
    }
    /// Whether `interpolate` simulates its path (a premetric flow) instead of evaluating a
    /// closed form: training then solves each batch's x_t ahead, with its pairs, on the
    /// coupling's thread.
    fn simulates_paths(&self) -> bool {
        false
    }

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
    /// Checks a point read from a file and brings it to its stored form (wrapped angles, say);
    /// the error says what is wrong with it, without the file or line.
    fn accept_point(&self, point: &mut [f64]) -> std::result::Result<(), String>;
    /// Points spread evenly over the region `data` occupies (the whole space where it is
    /// compact), row-major: where the window draws the velocity field's arrows.
    fn probe_points(&self, data: &mut dyn Iterator<Item = &[f64]>) -> Vec<f64>;

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

    /// The Riemannian squared norm of tangent vectors `v` at `x`: what the loss and the path
    /// energy measure (the coordinates' own on every space but the hyperbolic disk).
    /// # Shapes: x, v `[N, dim]` → `[N, 1]`.
    fn squared_norm_tensor(&self, _x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        v.square().sum_dim(1)
    }
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
}

/// Squared norm of a batch of vectors. # Shapes: `[N, D]` → `[N, 1]`.
pub fn squared_norm(v: Tensor<2>) -> Tensor<2> {
    v.square().sum_dim(1)
}

/// The straight line x_t = (1 − κ)·x0 + κ·x1 and its velocity κ'·(x1 − x0): the interpolant of
/// the flat spaces. # Shapes: x0, x1 `[N, D]`; kappa, dkappa `[N, 1]` → each `[N, D]`.
pub(crate) fn straight_interpolation_tensor(
    x0: Tensor<2>,
    x1: Tensor<2>,
    kappa: Tensor<2>,
    dkappa: Tensor<2>,
) -> (Tensor<2>, Tensor<2>) {
    let delta = x1 - x0.clone();
    (x0 + delta.clone() * kappa, delta * dkappa)
}
