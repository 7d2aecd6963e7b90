use burn::tensor::Tensor;

use super::{Space, SpaceKind};
use crate::rng::Rng;

/// The Euclidean plane R².
pub struct Plane;

impl Space for Plane {
    fn kind(&self) -> SpaceKind {
        SpaceKind::Plane
    }
    fn dim(&self) -> usize {
        2
    }
    fn exp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        for i in 0..2 {
            out[i] = x[i] + v[i];
        }
    }
    fn log(&self, x: &[f64], y: &[f64], out: &mut [f64]) {
        for i in 0..2 {
            out[i] = y[i] - x[i];
        }
    }
    fn squared_distance(&self, x: &[f64], y: &[f64]) -> f64 {
        let (dx, dy) = (x[0] - y[0], x[1] - y[1]);
        dx * dx + dy * dy
    }
    fn project_tangent(&self, _x: &[f64], _v: &mut [f64]) {}
    fn project(&self, _x: &mut [f64]) {}
    fn sample_uniform(&self, rng: &mut Rng, out: &mut [f64]) {
        out[0] = rng.uniform_in(-4.0, 4.0);
        out[1] = rng.uniform_in(-4.0, 4.0);
    }
    fn interpolate(
        &self,
        x0: &[f64],
        x1: &[f64],
        kappa: f64,
        dkappa: f64,
        xt: &mut [f64],
        ut: &mut [f64],
    ) {
        for i in 0..2 {
            xt[i] = (1.0 - kappa) * x0[i] + kappa * x1[i];
            ut[i] = dkappa * (x1[i] - x0[i]);
        }
    }
    fn exp_tensor(&self, x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        x + v
    }
    fn log_tensor(&self, x: Tensor<2>, y: Tensor<2>) -> Tensor<2> {
        y - x
    }
    fn project_tangent_tensor(&self, _x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        v
    }
    fn interpolate_tensor(
        &self,
        x0: Tensor<2>,
        x1: Tensor<2>,
        kappa: Tensor<2>,
        dkappa: Tensor<2>,
    ) -> (Tensor<2>, Tensor<2>) {
        let delta = x1 - x0.clone();
        (x0 + delta.clone() * kappa, delta * dkappa)
    }
    fn features_tensor(&self, x: Tensor<2>) -> Tensor<2> {
        x
    }
    fn feature_dim(&self) -> usize {
        2
    }
}
