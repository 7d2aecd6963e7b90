use burn::tensor::Tensor;

use super::Space;
use crate::rng::Rng;

/// The Euclidean plane R².
pub struct Plane;

impl Space for Plane {
    fn is_euclidean(&self) -> bool {
        true
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
    fn accept_point(&self, _point: &mut [f64]) -> std::result::Result<(), String> {
        Ok(())
    }
    /// A 21×21 grid over the data's bounding box.
    fn probe_points(&self, data: &mut dyn Iterator<Item = &[f64]>) -> Vec<f64> {
        let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
        for p in data {
            for k in 0..2 {
                min[k] = min[k].min(p[k]);
                max[k] = max[k].max(p[k]);
            }
        }
        let n = 21;
        let mut points = Vec::with_capacity(n * n * 2);
        for j in 0..n {
            for i in 0..n {
                points.push(min[0] + (max[0] - min[0]) * i as f64 / (n - 1) as f64);
                points.push(min[1] + (max[1] - min[1]) * j as f64 / (n - 1) as f64);
            }
        }
        points
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
        super::straight_interpolation_tensor(x0, x1, kappa, dkappa)
    }
}
